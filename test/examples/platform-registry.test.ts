import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, DOCKER_HUB_SECRET_ARN } from '../../examples/platform-registry/app';

const app = buildApp();
const platform = app.node.findChild('PlatformRegistry') as Stack;
const replica = app.node.findChild('PlatformRegistryReplica') as Stack;
const dr = app.node.findChild('DisasterRecoveryRegistry') as Stack;
const t = Template.fromStack(platform);
const partitionArn = (rest: string) => `arn:aws${rest}`;

test('the platform-registry example synthesizes its repositories with secure defaults', () => {
  t.resourceCountIs('AWS::ECR::Repository', 3);
  for (const name of ['platform/base-images', 'payments/api', 'payments/worker']) {
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: name,
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
    });
  }
  expect(app.synth().stacks.map(s => s.stackName).sort()).toEqual(['DisasterRecoveryRegistry', 'PlatformRegistry', 'PlatformRegistryReplica']);
});

test('replication to a second region and to a second account', () => {
  t.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
    ReplicationConfiguration: {
      Rules: [
        { Destinations: [{ Region: 'us-east-1', RegistryId: '111111111111' }], RepositoryFilters: Match.absent() },
        { Destinations: [{ Region: 'eu-west-1', RegistryId: '222222222222' }], RepositoryFilters: [{ Filter: 'payments/', FilterType: 'PREFIX_MATCH' }] },
      ],
    },
  });
});

test('enhanced scanning: continuous for payments, on push for everything', () => {
  t.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
    ScanType: 'ENHANCED',
    Rules: [
      { ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: 'payments/*', FilterType: 'WILDCARD' }] },
      { ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] },
    ],
  });
});

test('Docker Hub (with its secret) and ECR Public pull-through cache, each with a creation template', () => {
  t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
    EcrRepositoryPrefix: 'docker-hub', UpstreamRegistry: 'docker-hub', UpstreamRegistryUrl: 'registry-1.docker.io', CredentialArn: DOCKER_HUB_SECRET_ARN,
  });
  t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
    EcrRepositoryPrefix: 'ecr-public', UpstreamRegistry: 'ecr-public', UpstreamRegistryUrl: 'public.ecr.aws', CredentialArn: Match.absent(),
  });
  for (const prefix of ['docker-hub', 'ecr-public']) {
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: prefix,
      AppliedFor: ['PULL_THROUGH_CACHE'],
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ImagesKey'), 'Arn'] } },
      CustomRoleArn: Match.anyValue(),
      LifecyclePolicy: Match.stringLikeRegexp('"countNumber":1000'),
    });
  }
  t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'ROOT', AppliedFor: ['CREATE_ON_PUSH'], ImageTagMutability: 'IMMUTABLE' });
});

test('the replica region gets a REPLICATION template and its own scanning', () => {
  const r = Template.fromStack(replica);
  r.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'ROOT', AppliedFor: ['REPLICATION'], ImageTagMutability: 'IMMUTABLE' });
  r.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'ENHANCED' });
  r.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
});

test('the destination account allows exactly what the source replicates to it', () => {
  const d = Template.fromStack(dr);
  d.hasResourceProperties('AWS::ECR::RegistryPolicy', {
    PolicyText: {
      Version: '2012-10-17',
      Statement: [{
        Sid: 'ReplicationFrom111111111111',
        Effect: 'Allow',
        Principal: { AWS: partitionArn(':iam::111111111111:root') },
        Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
        Resource: partitionArn(':ecr:eu-west-1:222222222222:repository/payments/*'),
      }],
    },
  });
  d.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'payments', AppliedFor: ['REPLICATION'] });
});

test.each([['PlatformRegistry'], ['PlatformRegistryReplica'], ['DisasterRecoveryRegistry']])('cdk-nag AwsSolutions reports nothing unacknowledged on %s', (name) => {
  const stack = app.node.findChild(name) as Stack;
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations).toEqual([]);
});

test('no unacknowledged warnings', () => {
  for (const stack of [platform, replica, dr]) {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  }
});
