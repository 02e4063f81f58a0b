import { Match, Template } from 'aws-cdk-lib/assertions';
import { AUDITED_REGIONS, buildApp, HOME_REGION, SecurityAuditStack, TARGET_OUS } from '../../examples/organization-audit/app';

describe('organization-audit example', () => {
  const app = buildApp();
  const stack = app.node.findChild('SecurityAudit') as SecurityAuditStack;
  const t = Template.fromStack(stack);

  test('the audit reads the organization (no account list) in the two regions, nightly, 20 registries at a time', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_REGIONS: JSON.stringify(AUDITED_REGIONS), AUDIT_ACCOUNTS: '[]' }) },
    });
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 2 * * ? *)' });
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionString: Match.anyValue() });
    expect(JSON.stringify(t.findResources('AWS::StepFunctions::StateMachine'))).toContain('\\"MaxConcurrency\\":20');
  });

  test('the StackSet deploys the member role to the target OUs in one region, with the role template inline', () => {
    t.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: TARGET_OUS }, Regions: [HOME_REGION] }],
      TemplateBody: Match.anyValue(),
    });
    const [set] = Object.values(t.findResources('AWS::CloudFormation::StackSet'));
    const body = JSON.stringify(set.Properties.TemplateBody);
    // The worker role's ARN is resolved by CloudFormation into the body (a reference, not a parameter).
    expect(body).toMatch(/AWS::IAM::Role/);
    expect(body).toMatch(/RegistryAuditWorkerRole[0-9A-F]{8}/);
    expect(body).not.toMatch(/AssetParameters|BootstrapVersion/);
  });
});
