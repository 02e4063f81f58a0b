import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import {
  buildApp, CONSUMER_ACCOUNT, ORGANIZATION_ID, PULLER_ROLE_NAME, REGION, REGISTRY_ACCOUNT, REPOSITORY_NAME,
} from '../../examples/cross-account/app';

const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

/** Every acknowledgement in a tree: [construct path, rule id, reason]. */
function acknowledgements(scope: IConstruct): Array<[string, string, string]> {
  return scope.node.findAll().flatMap(c => c.node.metadata
    .filter(m => m.type === 'aws:cdk:acknowledged-rules')
    .flatMap(m => Object.entries(m.data as Record<string, string>)
      // aws-cdk-lib prefixes annotation ids ('annotation::' before 2.262.1, 'Annotation::' after)
      .map(([id, reason]) => [c.node.path, id.replace(/^annotation::/i, ''), reason] as [string, string, string])));
}

describe('cross-account example', () => {
  const app = buildApp();
  const registry = app.node.findChild('CrossAccountRegistry') as Stack;
  const consumer = app.node.findChild('CrossAccountConsumer') as Stack;
  const registryTemplate = Template.fromStack(registry);
  const consumerTemplate = Template.fromStack(consumer);

  test('the registry repository policy lets the consumer role and the organization pull, exactly', () => {
    registryTemplate.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: REPOSITORY_NAME,
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: `arn:aws:iam::${CONSUMER_ACCOUNT}:role/${PULLER_ROLE_NAME}` } },
          {
            Sid: 'OrganizationPull',
            Effect: 'Allow',
            Action: PULL,
            Principal: { AWS: '*' },
            Condition: { StringEquals: { 'aws:PrincipalOrgID': ORGANIZATION_ID } },
          },
        ],
      },
    });
    registryTemplate.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('the consumer role is the one the registry trusts, and its identity policy pulls from that repository', () => {
    consumerTemplate.hasResourceProperties('AWS::IAM::Role', { RoleName: PULLER_ROLE_NAME });
    consumerTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: PULL, Resource: `arn:aws:ecr:${REGION}:${REGISTRY_ACCOUNT}:repository/${REPOSITORY_NAME}` },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^Puller') }],
    });
    consumerTemplate.resourceCountIs('AWS::ECR::Repository', 0);
  });

  test('no warnings: a role is trusted, not an account root', () => {
    Annotations.fromStack(registry).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(consumer).hasNoWarning('*', Match.anyValue());
  });

  test('cdk-nag AwsSolutions shows nothing unacknowledged; each acknowledgement has a reason', () => {
    const checks = new AwsSolutionsChecks();
    expect(checks.validateScope(registry).violations).toEqual([]);
    expect(checks.validateScope(consumer).violations).toEqual([]);
    const acks = acknowledgements(app);
    // The NIST/HIPAA/PCI and EcrChecks acknowledgements are checked by scripts/conformance.ts.
    expect(acks.filter(([, id]) => id.startsWith('AwsSolutions-')).map(([p, id]) => [p, id])).toEqual([
      ['CrossAccountRegistry/PaymentsApi', 'AwsSolutions-ECR1'],
      ['CrossAccountConsumer/Puller', 'AwsSolutions-IAM5[Resource::*]'],
    ]);
    for (const [, , reason] of acks) {
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  test('the acknowledgements are needed: without them cdk-nag reports ECR1 and IAM5', () => {
    const fresh = buildApp();
    for (const c of fresh.node.findAll()) {
      const kept = c.node.metadata.filter(m => m.type !== 'aws:cdk:acknowledged-rules');
      (c.node as any)._metadata = kept;
    }
    const checks = new AwsSolutionsChecks();
    const names = [
      ...checks.validateScope(fresh.node.findChild('CrossAccountRegistry')).violations,
      ...checks.validateScope(fresh.node.findChild('CrossAccountConsumer')).violations,
    ].map(v => v.ruleName);
    expect(names).toEqual(['AwsSolutions-ECR1', 'AwsSolutions-IAM5[Resource::*]']);
  });

  test('both stacks synthesize', () => {
    expect(app.synth().stacks.map(s => s.stackName).sort()).toEqual(['CrossAccountConsumer', 'CrossAccountRegistry']);
  });
});
