/**
 * The registry adoption is tested on (test/adopt and the CI's Python check, scripts/adopt-python.ts):
 * the report's seed (a fault of every rule) and odd settings the library would refuse, in moto; the
 * features moto lacks for the registry features stand-in (test/helpers/registry-features.ts).
 */
import {
  CreateRepositoryCommand, ECRClient, PutLifecyclePolicyCommand, PutRegistryPolicyCommand, PutRegistryScanningConfigurationCommand,
  PutReplicationConfigurationCommand, SetRepositoryPolicyCommand, TagResourceCommand,
} from '@aws-sdk/client-ecr';
import { RegistryFeatures } from '../helpers/registry-features';
import { ACCOUNT, REGION, seedRegistry } from '../report/seed';

export { ACCOUNT, REGION };

export const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
export const OTHER_ACCOUNT_KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f0e0d0c-1111-2222-3333-444455556666';

/**
 * A registry policy the library's Registry would refuse: an open principal without a condition,
 * and an odd condition (moto takes only the replication actions in a registry policy).
 */
export const REGISTRY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReplicateFromProd',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::222222222222:root' },
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/*`,
    },
    { Sid: 'AnyoneReplicates', Effect: 'Allow', Principal: '*', Action: 'ecr:ReplicateImage', Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/mirror/*` },
    {
      Sid: 'DenyOutsideVpc',
      Effect: 'Deny',
      Principal: '*',
      Action: ['ecr:CreateRepository'],
      Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/*`,
      Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-1a2b3c4d', 'vpce-5e6f7a8b'] }, Bool: { 'aws:ViaAWSService': 'false' } },
    },
  ],
};

export const LIFECYCLE_3 = JSON.stringify({
  rules: [
    { rulePriority: 1, description: 'keep releases', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 50 }, action: { type: 'expire' } },
    { rulePriority: 5, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 }, action: { type: 'expire' } },
    { rulePriority: 9, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 500 }, action: { type: 'expire' } },
  ],
});

export const FEATURES: RegistryFeatures = {
  pullThroughCacheRules: [
    {
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      upstreamRegistry: 'docker-hub',
      credentialArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf`,
      registryId: ACCOUNT,
    },
    { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws', upstreamRegistry: 'ecr-public', registryId: ACCOUNT },
  ],
  repositoryCreationTemplates: [
    {
      prefix: 'ROOT',
      description: 'every repository ECR creates',
      appliedFor: ['REPLICATION', 'PULL_THROUGH_CACHE'],
      imageTagMutability: 'IMMUTABLE',
      lifecyclePolicy: LIFECYCLE_3,
      repositoryPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'OrgPull', Effect: 'Allow', Principal: '*', Action: PULL, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }] }),
      resourceTags: [{ Key: 'created-by', Value: 'ecr' }],
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: OTHER_ACCOUNT_KEY },
      customRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecr-template`,
    },
    { prefix: 'team', appliedFor: ['PULL_THROUGH_CACHE'], imageTagMutability: 'MUTABLE' },
  ],
  signingConfiguration: { rules: [{ signingProfileArn: `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/release`, repositoryFilters: [{ filter: 'prod/*', filterType: 'WILDCARD_MATCH' }] }] },
  pullTimeUpdateExclusions: [`arn:aws:iam::${ACCOUNT}:role/scanner`],
  accountSettings: { REGISTRY_POLICY_SCOPE: 'V2' },
};

/** The seeded registry: the report's seed (faults of every rule) and odd settings. */
export async function seedAdoption(ecr: ECRClient): Promise<void> {
  await seedRegistry(ecr);
  const other = await ecr.send(new CreateRepositoryCommand({
    repositoryName: 'odd/other-account-key',
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: OTHER_ACCOUNT_KEY },
  }));
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'odd/other-account-key', lifecyclePolicyText: LIFECYCLE_3 }));
  await ecr.send(new SetRepositoryPolicyCommand({
    repositoryName: 'odd/other-account-key',
    policyText: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'OrgAndSource',
        Effect: 'Allow',
        Principal: '*',
        Action: PULL,
        Condition: { 'StringEquals': { 'aws:PrincipalOrgID': 'o-abc123' }, 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-abc123/r-ab12/ou-ab12-11111111/*'] } },
      }],
    }),
  }));
  await ecr.send(new TagResourceCommand({
    resourceArn: other.repository!.repositoryArn!,
    tags: [{ Key: 'cost-center', Value: '42' }, { Key: 'Team Name', Value: 'Platform & Tools' }, { Key: 'empty', Value: '' }],
  }));
  await ecr.send(new PutRegistryPolicyCommand({ policyText: JSON.stringify(REGISTRY_POLICY) }));
  await ecr.send(new PutReplicationConfigurationCommand({
    replicationConfiguration: {
      // moto takes one rule.
      rules: [{
        destinations: [{ region: 'eu-west-1', registryId: ACCOUNT }, { region: 'us-west-2', registryId: '222222222222' }],
        repositoryFilters: [{ filter: 'clean/', filterType: 'PREFIX_MATCH' }],
      }],
    },
  }));
  await ecr.send(new PutRegistryScanningConfigurationCommand({
    scanType: 'ENHANCED',
    rules: [
      { scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: 'clean/*', filterType: 'WILDCARD' }] },
      { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
    ],
  }));
}

