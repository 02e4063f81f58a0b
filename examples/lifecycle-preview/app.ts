/**
 * Example: a lifecycle-preview walkthrough.
 *
 * A team moves a hand-written lifecycle policy (policy.json) onto a PrivateRepository, and before it
 * deploys, it previews what the policy would expire or archive in the live repository's image list
 * (images.json, the output of `aws ecr describe-images`), with the same semantics ECR applies.
 *
 * 1. `npx cdk-ecr-registry lifecycle preview --policy policy.json --images images.json --now 2025-06-01T00:00:00Z`
 *    prints the table; `--repository payments/api --region eu-west-1` reads the live repository instead.
 * 2. `npx cdk synth` synthesizes the stack below: the policy text in the template is exactly the previewed one,
 *    and running this app prints the same preview on stderr.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { ImageDescription, LifecyclePolicy, LifecycleRule, PrivateRepository, TagSelection } from 'cdk-ecr-registry';

/** The date the walkthrough previews at (fixed, so the output is reproducible). */
export const PREVIEW_AT = new Date('2025-06-01T00:00:00Z');

/** The team's existing, hand-written policy. */
export function loadPolicy(): LifecyclePolicy {
  return LifecyclePolicy.fromJson(fs.readFileSync(path.join(__dirname, 'policy.json'), 'utf8'));
}

/** The images of the repository, from `aws ecr describe-images` output. */
export function loadImages(): ImageDescription[] {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, 'images.json'), 'utf8'));
  return (raw.imageDetails as any[]).map(d => ({
    digest: d.imageDigest,
    tags: d.imageTags ?? [],
    pushedAt: new Date(d.imagePushedAt),
    lastPulledAt: d.lastRecordedPullTime ? new Date(d.lastRecordedPullTime) : undefined,
  }));
}

/** The same policy written with the typed rules: both render the same text. */
export function typedPolicy(): LifecyclePolicy {
  return new LifecyclePolicy({
    rules: [
      LifecycleRule.expireUntaggedAfter(Duration.days(14), { rulePriority: 1, description: 'Expire untagged images after 14 days' }),
      LifecycleRule.keepLast(3, { rulePriority: 2, tagSelection: TagSelection.prefixes(['release-']), description: 'Keep the last 3 releases' }),
      LifecycleRule.expireAfterPush(Duration.days(30), { rulePriority: 3, tagSelection: TagSelection.patterns(['pr-*']), description: 'Expire pull-request builds after 30 days' }),
    ],
  });
}

export function buildApp(app = new App()): App {
  const stack = new Stack(app, 'LifecyclePreview', {
    env: { account: '111111111111', region: 'eu-west-1' },
    description: 'cdk-ecr-registry example: a previewed lifecycle policy',
  });
  const repository = new PrivateRepository(stack, 'Api', { repositoryName: 'payments/api', lifecyclePolicy: loadPolicy() });
  // The walkthrough is about the lifecycle policy; the platform-registry example shows a customer managed key.
  Validations.of(repository).acknowledge({
    id: 'EcrChecks-ECR5',
    reason: 'Images are KMS-encrypted with the AWS managed key aws/ecr; this walkthrough shows only the lifecycle policy, and the platform-registry example shows a customer managed key.',
  });
  return app;
}

if (require.main === module) {
  const preview = loadPolicy().preview(loadImages(), { now: PREVIEW_AT });
  process.stderr.write(`lifecycle preview at ${PREVIEW_AT.toISOString()}: expired ${preview.expired.length}, `
    + `transitioned ${preview.transitioned.length}, kept ${preview.kept.length}\n`);
  for (const digest of preview.expired) {
    process.stderr.write(`  expire ${digest} (rule ${preview.decisionFor(digest)?.rulePriority})\n`);
  }
  buildApp().synth();
}
