import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EcrChecks, Registry, RegistryBaseline, RegistryScanning } from '../../src';
import { newStack } from '../helpers/synth';

const SCANNER = 'arn:aws:iam::111111111111:role/trivy-scanner';
const env = { account: '111111111111', region: 'eu-west-1' };

describe('pull-time update exclusions', () => {
  test('registry.excludeFromPullTime(role | user) renders one AWS::ECR::PullTimeUpdateExclusion per principal', () => {
    const stack = newStack({ env });
    const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.basic() });
    const role = new iam.Role(stack, 'Scanner', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const user = iam.User.fromUserName(stack, 'Ci', 'ci-puller');
    const fromRole = registry.excludeFromPullTime(role);
    registry.excludeFromPullTime(user);
    registry.excludeFromPullTime(iam.Role.fromRoleArn(stack, 'Imported', SCANNER));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::PullTimeUpdateExclusion', 3);
    t.hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', { PrincipalArn: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as any), 'Arn'] } });
    t.hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', { PrincipalArn: SCANNER });
    t.hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', { PrincipalArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:user/ci-puller']] } });
    expect(fromRole.principalArn).toBe(role.roleArn);
    expect(registry.pullTimeUpdateExclusions).toHaveLength(3);
    // no scanning rule trips over it, and EcrChecks stays clean
    expect(new EcrChecks().validateScope(stack).violations).toEqual([]);
  });

  test('construct ids depend only on the principal: removing one does not replace the others', () => {
    const ids = (arns: string[]) => {
      const stack = newStack({ env });
      new Registry(stack, 'Registry', { pullTimeUpdateExclusions: arns });
      return Object.keys(Template.fromStack(stack).findResources('AWS::ECR::PullTimeUpdateExclusion'));
    };
    const both = ids([SCANNER, 'arn:aws:iam::111111111111:user/ci']);
    const one = ids(['arn:aws:iam::111111111111:user/ci']);
    expect(both).toHaveLength(2);
    expect(both).toContain(one[0]);
  });

  test('fails on an ARN that is not an IAM role or user', () => {
    const stack = newStack({ env });
    expect(() => new Registry(stack, 'Registry', { pullTimeUpdateExclusions: ['arn:aws:iam::111111111111:group/scanners'] })).toThrow(
      'TestStack/Registry: invalid pullTimeUpdateExclusions[0] "arn:aws:iam::111111111111:group/scanners": must be the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name> or :user/<name>); ECR does not exclude groups, sessions or services');
    expect(stack.node.tryFindChild('Registry')).toBeUndefined();
  });

  test('fails on an ARN longer than 200 characters', () => {
    const arn = `arn:aws:iam::111111111111:role/${'a'.repeat(180)}`;
    expect(() => new Registry(newStack({ env }), 'Registry', { pullTimeUpdateExclusions: [arn] })).toThrow(
      /invalid pullTimeUpdateExclusions\[0\] ".*": must be 1-200 characters long \(got 211\)/);
  });

  test('fails on the same principal twice (props, then the method)', () => {
    expect(() => new Registry(newStack({ env }), 'Registry', { pullTimeUpdateExclusions: [SCANNER, SCANNER] })).toThrow(
      `TestStack/Registry: invalid pullTimeUpdateExclusions[1] "${SCANNER}": is excluded already; exclude each principal once`);
    const stack = newStack({ env });
    const registry = new Registry(stack, 'Registry');
    const role = new iam.Role(stack, 'Scanner', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    registry.excludeFromPullTime(role);
    expect(() => registry.excludeFromPullTime(role)).toThrow(
      'TestStack/Registry: invalid principal "TestStack/Scanner": is excluded already; exclude each principal once');
  });

  test('fails on more than 100 exclusions (ECR quota per account)', () => {
    const arns = Array.from({ length: 101 }, (_, i) => `arn:aws:iam::111111111111:role/scanner-${i}`);
    expect(() => new Registry(newStack({ env }), 'Registry', { pullTimeUpdateExclusions: arns })).toThrow(
      'TestStack/Registry: invalid pullTimeUpdateExclusions.length 101: at most 100 pull-time update exclusions per account (ECR quota)');
    const stack = newStack({ env });
    const registry = new Registry(stack, 'Registry', { pullTimeUpdateExclusions: arns.slice(0, 100) });
    expect(() => registry.excludeFromPullTime(iam.Role.fromRoleArn(stack, 'One', 'arn:aws:iam::111111111111:role/one-more'))).toThrow(
      'TestStack/Registry: invalid pullTimeUpdateExclusions.length 101: at most 100 pull-time update exclusions per account (ECR quota)');
  });

  test('token ARNs do not throw', () => {
    const stack = newStack({ env });
    const arn = new CfnParameter(stack, 'ScannerArn').valueAsString;
    expect(() => new Registry(stack, 'Registry', { pullTimeUpdateExclusions: [arn, Fn.importValue('CiRoleArn')] })).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::ECR::PullTimeUpdateExclusion', 2);
  });

  test('in the RegistryBaseline spec, checked before any stack is created', () => {
    const app = new App();
    const b = new RegistryBaseline(app, 'Baseline', { env, registry: { pullTimeUpdateExclusions: [SCANNER] } });
    Template.fromStack(b.registryStack!).hasResourceProperties('AWS::ECR::PullTimeUpdateExclusion', { PrincipalArn: SCANNER });
    const bad = new App();
    expect(() => new RegistryBaseline(bad, 'Baseline', { env, registry: { pullTimeUpdateExclusions: ['scanner'] } })).toThrow(
      /invalid registry\.pullTimeUpdateExclusions\[0\] "scanner": must be the ARN of an IAM role or user/);
    expect(bad.node.children.filter(c => Stack.isStack(c))).toHaveLength(0);
  });
});
