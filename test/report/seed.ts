/**
 * A registry with known faults, seeded into moto over HTTP, and the same registry as a CDK app.
 *
 * Each faulty repository has exactly one fault; the clean ones have none. The registry's scanning
 * configuration has no rules (moto's default, and a fault). The registry policy and the
 * replication configuration are clean.
 */
import {
  CreateRepositoryCommand, ECRClient, PutLifecyclePolicyCommand, PutRegistryPolicyCommand, PutReplicationConfigurationCommand,
  SetRepositoryPolicyCommand, TagResourceCommand,
} from '@aws-sdk/client-ecr';
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';

/** moto's default account (the account of the credentials "testing"). */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const CUSTOMER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

export const LIFECYCLE = JSON.stringify({
  rules: [{ rulePriority: 1, description: 'expire untagged', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
});
const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** A repository as seeded: every setting the rules read. */
export interface SeedRepository {
  readonly name: string;
  readonly mutability: 'IMMUTABLE' | 'MUTABLE';
  readonly scanOnPush: boolean;
  readonly encryption: 'KMS' | 'AES256';
  readonly lifecycle: boolean;
  readonly policy?: string;
}

const CLEAN: Omit<SeedRepository, 'name'> = { mutability: 'IMMUTABLE', scanOnPush: true, encryption: 'KMS', lifecycle: true };

/** The seeded repositories: two clean, then one per fault. */
export const REPOSITORIES: readonly SeedRepository[] = [
  { name: 'clean/api', ...CLEAN, policy: policy({ Sid: 'PullFromProd', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: PULL }) },
  { name: 'clean/web', ...CLEAN },
  { name: 'fault/mutable', ...CLEAN, mutability: 'MUTABLE' },
  { name: 'fault/no-lifecycle', ...CLEAN, lifecycle: false },
  { name: 'fault/open-policy', ...CLEAN, policy: policy({ Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: PULL }) },
  { name: 'fault/no-scan', ...CLEAN, scanOnPush: false },
  { name: 'fault/aes256', ...CLEAN, encryption: 'AES256' },
  { name: 'fault/wildcard', ...CLEAN, policy: policy({ Sid: 'AdminForTools', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'ecr:*' }) },
];

/** The findings the seeded registry must produce, exactly: [rule id, resource name]. */
export const EXPECTED_FINDINGS: readonly (readonly [string, string])[] = [
  ['EcrChecks-ECR2', 'fault/mutable'],
  ['EcrChecks-ECR3', 'fault/no-lifecycle'],
  ['EcrChecks-OpenAccess', 'fault/open-policy'],
  ['EcrChecks-ECR1', 'fault/no-scan'],
  ['EcrChecks-ECR5', 'fault/aes256'],
  ['EcrChecks-CrossAccountWildcard', 'fault/wildcard'],
  ['EcrChecks-RegistryScanning', 'registry scanning configuration'],
];

export const REGISTRY_POLICY = policy({
  Sid: 'ReplicateFromProd',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::222222222222:root' },
  Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
  Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/*`,
});

/** Seed the repositories and registry settings into moto. */
export async function seedRegistry(client: ECRClient, repositories: readonly SeedRepository[] = REPOSITORIES): Promise<void> {
  for (const r of repositories) {
    await seedRepository(client, r);
  }
  await client.send(new PutRegistryPolicyCommand({ policyText: REGISTRY_POLICY }));
  await client.send(new PutReplicationConfigurationCommand({
    replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: ACCOUNT }] }] },
  }));
}

/** Seed one repository. */
export async function seedRepository(client: ECRClient, r: SeedRepository): Promise<void> {
  const created = await client.send(new CreateRepositoryCommand({
    repositoryName: r.name,
    imageTagMutability: r.mutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: r.encryption === 'KMS' ? { encryptionType: 'KMS', kmsKey: CUSTOMER_KEY } : { encryptionType: 'AES256' },
  }));
  if (r.lifecycle) {
    await client.send(new PutLifecyclePolicyCommand({ repositoryName: r.name, lifecyclePolicyText: LIFECYCLE }));
  }
  if (r.policy) {
    await client.send(new SetRepositoryPolicyCommand({ repositoryName: r.name, policyText: r.policy }));
  }
  await client.send(new TagResourceCommand({ resourceArn: created.repository!.repositoryArn!, tags: [{ Key: 'owner', Value: r.name.split('/')[0] }] }));
}

/** The same registry as a CDK app: the same repositories and registry settings as L1 resources. */
export function seededApp(): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Registry', { env: { account: ACCOUNT, region: REGION } });
  REPOSITORIES.forEach((r, i) => new ecr.CfnRepository(stack, `Repo${i}`, {
    repositoryName: r.name,
    imageTagMutability: r.mutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: r.encryption === 'KMS' ? { encryptionType: 'KMS', kmsKey: CUSTOMER_KEY } : { encryptionType: 'AES256' },
    lifecyclePolicy: r.lifecycle ? { lifecyclePolicyText: LIFECYCLE } : undefined,
    repositoryPolicyText: r.policy ? JSON.parse(r.policy) : undefined,
    tags: [{ key: 'owner', value: r.name.split('/')[0] }],
  }));
  new ecr.CfnRegistryScanningConfiguration(stack, 'Scanning', { scanType: 'BASIC', rules: [] });
  new ecr.CfnRegistryPolicy(stack, 'Policy', { policyText: JSON.parse(REGISTRY_POLICY) });
  new ecr.CfnReplicationConfiguration(stack, 'Replication', {
    replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: ACCOUNT }] }] },
  });
  return { app, stack };
}
