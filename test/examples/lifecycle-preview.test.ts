import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, loadImages, loadPolicy, PREVIEW_AT, typedPolicy } from '../../examples/lifecycle-preview/app';
import { InUseProtection } from 'cdk-ecr-registry';

describe('examples/lifecycle-preview', () => {
  test('the hand-written policy and the typed rules render the same text, and the template carries it', () => {
    expect(typedPolicy().toJson()).toEqual(loadPolicy().toJson());
    const app = buildApp();
    const t = Template.fromStack(app.node.findChild('LifecyclePreview') as any);
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'payments/api',
      LifecyclePolicy: { LifecyclePolicyText: InUseProtection.protect(loadPolicy()).toJson() },
    });
  });

  test('the preview expires the three oldest releases, the old pull-request build and the old untagged image', () => {
    const images = loadImages();
    const preview = loadPolicy().preview(images, { now: PREVIEW_AT });
    const tagsOf = (digests: string[]) => digests
      .map(d => images.find(i => i.digest === d)!)
      .map(i => (i.tags ?? []).length ? (i.tags ?? []).join(',') : `<untagged ${i.pushedAt.toISOString().slice(0, 10)}>`)
      .sort();
    expect(tagsOf(preview.expired)).toEqual([
      '<untagged 2025-05-01>', 'pr-101', 'release-1.0.0', 'release-1.1.0', 'release-1.2.0,stable',
    ]);
    expect(preview.transitioned).toEqual([]);
    // release-candidate matches the release- prefix: it counts among the newest three releases.
    expect(tagsOf(preview.kept)).toEqual([
      '<untagged 2025-05-25>', 'main-abc123', 'pr-102', 'pr-103,release-candidate', 'release-1.3.0', 'release-1.4.0,latest-release',
    ]);
    expect(preview.decisionFor(preview.expired.find(d => (images.find(i => i.digest === d)!.tags ?? []).includes('pr-101'))!)?.rulePriority).toBe(3);
  });
});
