import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp as buildApplication } from '../../examples/application/app';
import { buildApp as buildEksWorkload } from '../../examples/eks-workload/app';

function nagFindings(stack: Stack): string[] {
  return new AwsSolutionsChecks().validateScope(stack).violations
    .map((v: any) => `${v.ruleName} at ${(v.violatingResources ?? []).map((r: any) => r.constructPath).join(', ')}`);
}

describe('examples/application: Fargate service on a verified digest', () => {
  const app = buildApplication();
  const stack = app.node.findChild('PaymentsService') as Stack;
  const t = Template.fromStack(stack);

  test('checks payments/api:v1.2.3 in the registry account with a CRITICAL gate', () => {
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [{ Registry: '111111111111', Region: 'eu-west-1', Repository: 'payments/api', Tag: 'v1.2.3' }],
      FailOnSeverity: 'CRITICAL',
    });
    t.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('the task runs the pinned digest', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Image: { 'Fn::Join': ['', Match.arrayWith(['/payments/api@', { 'Fn::GetAtt': [Match.stringLikeRegexp('ApiImageCheck0'), 'D0'] }])] },
      })],
    });
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged; the one acknowledgement has a reason', () => {
    expect(nagFindings(stack)).toEqual([]);
    // The NIST/HIPAA/PCI acknowledgements are checked by scripts/conformance.ts.
    // aws-cdk-lib prefixes some ids with 'annotation::' (before 2.262.1) or 'Annotation::' (after): compare without it.
    const acks = stack.node.findAll().flatMap(c => c.node.metadata.filter(m => m.type === 'aws:cdk:acknowledged-rules').map(m => m.data))
      .map(data => Object.fromEntries(Object.entries(data).map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason])))
      .filter(data => Object.keys(data).some(id => id.startsWith('AwsSolutions-')));
    expect(acks).toEqual([{ 'AwsSolutions-IAM5[Resource::*]': expect.stringContaining('ecr:GetAuthorizationToken supports no resource-level permissions') }]);
  });

  test('synthesizes', () => {
    expect(app.synth().stacks.map(s => s.stackName)).toEqual(['PaymentsService']);
  });
});

describe('examples/eks-workload: EKS manifest on a verified digest', () => {
  const app = buildEksWorkload();
  const stack = app.node.findChild('PaymentsWorker') as Stack;
  const t = Template.fromStack(stack);

  test('the manifest uses the pinned URI and the node role can pull', () => {
    const json = JSON.stringify(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(json).toContain('/payments/worker@');
    expect(json).toMatch(/"Fn::GetAtt":\["WorkerImageCheck0[0-9A-F]+","D0"\]/);
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['platform-nodes'],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/payments/worker',
        })]),
      },
    });
  });

  test('the platform gate: the image must have both node platforms', () => {
    const check = Object.values(t.findResources('Custom::EcrImageCheck'))[0] as any;
    expect(check.Properties.Platforms).toEqual([
      { Image: '0', Consumer: 'EKS workload PaymentsWorker/Cluster/manifest-Worker (nodes linux/amd64)', Os: 'linux', Architecture: 'amd64' },
      { Image: '0', Consumer: 'EKS workload PaymentsWorker/Cluster/manifest-Worker (nodes linux/arm64)', Os: 'linux', Architecture: 'arm64' },
    ]);
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('synthesizes', () => {
    expect(app.synth().stacks.map(s => s.stackName)).toContain('PaymentsWorker');
  });
});
