import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../examples/platform-registry/app';

test('the platform-registry example synthesizes its repositories with secure defaults', () => {
  const app = buildApp();
  const stack = app.node.findChild('PlatformRegistry') as any;
  const t = Template.fromStack(stack);
  t.resourceCountIs('AWS::ECR::Repository', 3);
  for (const name of ['platform/base-images', 'payments/api', 'payments/worker']) {
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: name,
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
    });
  }
  expect(app.synth().stacks.map(s => s.stackName)).toContain('PlatformRegistry');
});
