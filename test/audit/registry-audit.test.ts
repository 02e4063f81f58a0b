import { App, CfnParameter, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EcrChecks, EcrValidationError, RegistryAudit, RegistryAuditProps } from '../../src';
import { ENV, METRIC_NAMESPACE, METRIC_TARGETS_NOT_READ } from '../../src/audit/private/contract';
import { actionsOf, MEMBER_CALLS, REGISTRY_READ_CALLS } from '../../src/audit/private/permissions';
import { newestNodeRuntime } from '../../src/private/lambda-runtime';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const ACCOUNT = '111111111111';

function build(props: Partial<RegistryAuditProps> = {}, app = new App()): { stack: Stack; audit: RegistryAudit; t: Template } {
  const stack = new Stack(app, 'Security', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const audit = new RegistryAudit(stack, 'Audit', { regions: ['eu-west-1', 'us-east-1'], ...props });
  return { stack, audit, t: Template.fromStack(stack) };
}

/** The state machine definition with every CloudFormation reference replaced by a plausible literal. */
function definitionOf(t: Template): any {
  const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
  const parts: unknown[] = sm.Properties.DefinitionString['Fn::Join'][1];
  const literal = (p: any): string => {
    if (typeof p === 'string') {
      return p;
    }
    if (p.Ref === 'AWS::Partition') {
      return 'aws';
    }
    if (p.Ref) {
      return p.Ref.toLowerCase();
    }
    if (p['Fn::GetAtt']) {
      return `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${p['Fn::GetAtt'][0]}`;
    }
    throw new Error(`unexpected part ${JSON.stringify(p)}`);
  };
  return JSON.parse(parts.map(literal).join(''));
}

/** The member role template as the StackSet receives it: the worker role's ARN (a reference) written as `<LogicalId.Arn>`. */
function templateOf(stack: Stack, audit: RegistryAudit): any {
  const body = stack.resolve(audit.memberRoleTemplate());
  const text = typeof body === 'string' ? body
    : (body['Fn::Join'][1] as any[]).map(p => (typeof p === 'string' ? p : `<${p['Fn::GetAtt'][0]}.${p['Fn::GetAtt'][1]}>`)).join('');
  return JSON.parse(text);
}

function policyStatements(t: Template, logicalIdPrefix: string): any[] {
  const policies = t.findResources('AWS::IAM::Policy');
  const id = Object.keys(policies).find(k => k.startsWith(logicalIdPrefix));
  if (!id) {
    throw new Error(`no policy ${logicalIdPrefix}* among ${Object.keys(policies).join(', ')}`);
  }
  return policies[id].Properties.PolicyDocument.Statement;
}

describe('RegistryAudit defaults', () => {
  const { t, audit, stack } = build();

  test('the results bucket: KMS with its own rotating key, versioned, public access blocked, TLS only, lifecycle rules', () => {
    t.resourceCountIs('AWS::S3::Bucket', 1);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'ExpireRuns', Prefix: 'runs/', ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
          Match.objectLike({ Id: 'AbortUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the worker: the newest Node.js runtime, arm64, 15 minutes, its bundled asset, the configuration in its environment', () => {
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: newestNodeRuntime().name,
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 900,
      MemorySize: 1024,
      Environment: {
        Variables: {
          [ENV.regions]: '["eu-west-1","us-east-1"]',
          [ENV.accounts]: '[]',
          [ENV.memberRoleName]: 'cdk-ecr-registry-audit',
          [ENV.auditAccount]: ACCOUNT,
          [ENV.auditName]: 'Security/Audit',
          [ENV.securityHub]: 'true',
          [ENV.usage]: 'true',
          [ENV.requestsPerSecond]: '20',
          [ENV.bucket]: { Ref: Match.stringLikeRegexp('^AuditResults') },
          [ENV.partition]: { Ref: 'AWS::Partition' },
        },
      },
    });
  });

  test('the worker role: exactly its calls (S3 objects and listing, the key, the member roles, ListAccounts, its own Security Hub product)', () => {
    const statements = policyStatements(t, 'AuditWorkerRoleDefaultPolicy');
    const actions = statements.flatMap(s => [].concat(s.Action)).sort();
    expect(actions).toEqual([
      'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 'organizations:ListAccounts',
      's3:GetObject', 's3:ListBucket', 's3:PutObject', 'securityhub:BatchImportFindings', 'sts:AssumeRole',
    ]);
    const assume = statements.find(s => s.Action === 'sts:AssumeRole');
    expect(assume.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/cdk-ecr-registry-audit']] });
    const hub = statements.find(s => s.Action === 'securityhub:BatchImportFindings');
    expect(hub.Resource.map((r: any) => r['Fn::Join'][1][2])).toEqual([
      `:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`,
      `:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    ]);
    expect(statements.some(s => [].concat(s.Action).some((a: string) => /\*/.test(a)))).toBe(false);
  });

  test('the state machine: list, a Distributed Map of STANDARD children with MaxConcurrency 10 over the S3 target list, summarize', () => {
    const def = definitionOf(t);
    expect(def.StartAt).toBe('ListTargets');
    expect(Object.keys(def.States)).toEqual(['ListTargets', 'ReadEveryTarget', 'Summarize']);
    expect(def.States.ListTargets.Parameters).toEqual({ 'action': 'plan', 'runId.$': '$$.Execution.Name' });
    const map = def.States.ReadEveryTarget;
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 10,
      ToleratedFailurePercentage: 100,
      ResultPath: null,
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.key' } },
      ItemSelector: { 'target.$': '$$.Map.Item.Value', 'runId.$': '$.runId' },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Prefix: 'map-results' } },
    });
    expect(map.ItemProcessor.States.ReadTarget.Parameters).toEqual({ 'action': 'target', 'runId.$': '$.runId', 'target.$': '$.target' });
    expect(def.States.Summarize).toMatchObject({ End: true, Parameters: { 'action': 'summarize', 'runId.$': '$$.Execution.Name' } });
    for (const state of [def.States.ListTargets, map.ItemProcessor.States.ReadTarget, def.States.Summarize]) {
      expect(state.Retry[0].ErrorEquals).toContain('Lambda.ServiceException');
    }
    expect(def.TimeoutSeconds).toBe(86_400);
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  test('Step Functions may assume the state machine role only for state machines of this account and region', () => {
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] } },
    });
    expect(Object.keys(roles)).toHaveLength(1);
    const [statement] = Object.values(roles)[0].Properties.AssumeRolePolicyDocument.Statement;
    expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': ACCOUNT });
    expect(JSON.stringify(statement.Condition.ArnLike['aws:SourceArn'])).toContain(`:states:eu-west-1:${ACCOUNT}:stateMachine:*`);
    const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
    expect(sm.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [Object.keys(roles)[0], 'Arn'] });
  });

  test('the definition is valid Amazon States Language (asl-validator)', () => {
    const result = aslValidator(definitionOf(t));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  test('asl-validator rejects a broken definition (the check can fail)', () => {
    const def = definitionOf(t);
    delete def.States.ReadEveryTarget.ItemProcessor.StartAt;
    def.States.ReadEveryTarget.MaxConcurrency = -1;
    expect(aslValidator(def).isValid).toBe(false);
  });

  test('a daily EventBridge Scheduler schedule starts the state machine through its own role', () => {
    t.resourceCountIs('AWS::Scheduler::Schedule', 1);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: { Arn: { Ref: Match.stringLikeRegexp('^AuditStateMachine') }, RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditScheduleRole'), 'Arn'] } },
    });
    expect(policyStatements(t, 'AuditScheduleRoleDefaultPolicy')).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^AuditStateMachine') } },
    ].map(s => expect.objectContaining({ Action: s.Action, Effect: s.Effect })));
    expect(audit.schedule).toBeDefined();
  });

  test('an alarm on the targets not read (maximum per day >= 1, missing data breaching)', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: METRIC_TARGETS_NOT_READ,
      Dimensions: [{ Name: 'AuditName', Value: 'Security/Audit' }],
      Statistic: 'Maximum',
      Period: 86_400,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('snapshot', () => {
    expect(t.toJSON()).toMatchSnapshot();
    expect(stack.resolve(audit.memberRoleName)).toBe('cdk-ecr-registry-audit');
  });
});

describe('the member role template', () => {
  const { audit, stack } = build();
  const template = templateOf(stack, audit);

  test('is StackSet-ready: no parameters, no assets, no CDK metadata, one role', () => {
    expect(template.Parameters).toBeUndefined();
    expect(template.Rules).toBeUndefined();
    expect(JSON.stringify(template)).not.toMatch(/AssetParameters|BootstrapVersion|cdk-hnb659fds|AWS::CDK::Metadata/);
    expect(Object.values<any>(template.Resources).map(r => r.Type)).toEqual(['AWS::IAM::Role']);
  });

  test('trusts only the worker role', () => {
    const role = template.Resources.AuditRole.Properties;
    expect(role.RoleName).toBe('cdk-ecr-registry-audit');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: expect.anything() }, Action: 'sts:AssumeRole' }]);
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal.AWS).toMatch(/^<AuditWorkerRole[0-9A-F]{8}\.Arn>$/);
  });

  test('allows exactly the worker\'s calls in a member account: the registry read and the import on its own default product', () => {
    const statements: any[] = template.Resources.AuditRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.flatMap(s => [].concat(s.Action)).sort()).toEqual(actionsOf(MEMBER_CALLS));
    const hub = statements.find(s => s.Action === 'securityhub:BatchImportFindings');
    const p = { Ref: 'AWS::Partition' };
    const a = { Ref: 'AWS::AccountId' };
    expect(hub.Resource).toEqual({ 'Fn::Join': ['', ['arn:', p, ':securityhub:*:', a, ':product/', a, '/default']] });
    const repo = statements.find(s => s.Sid === 'ReadRepositories');
    expect(repo.Resource).toEqual({ 'Fn::Join': ['', ['arn:', p, ':ecr:*:', a, ':repository/*']] });
    expect(statements.find(s => s.Sid === 'ReadRegistry').Resource).toBe('*');
  });

  test('without Security Hub: the read only', () => {
    const off = build({ securityHub: false });
    const doc = templateOf(off.stack, off.audit);
    const statements: any[] = doc.Resources.AuditRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.flatMap(s => [].concat(s.Action)).sort()).toEqual(actionsOf(REGISTRY_READ_CALLS));
  });
});

describe('RegistryAudit with every prop', () => {
  const key = (stack: Stack) => kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
  const app = new App();
  const stack = new Stack(app, 'Security', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const audit = new RegistryAudit(stack, 'Audit', {
    regions: ['eu-west-1'],
    accounts: ['222222222222', '333333333333'],
    memberRoleName: 'registry-audit',
    schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3', weekDay: 'MON' }),
    maxConcurrency: 50,
    requestsPerSecond: 10,
    usage: false,
    securityHub: false,
    retention: Duration.days(90),
    encryptionKey: key(stack),
  });
  const t = Template.fromStack(stack);

  test('given accounts: AssumeRole on exactly their roles, no ListAccounts, no Security Hub', () => {
    const statements = policyStatements(t, 'AuditWorkerRoleDefaultPolicy');
    const actions = statements.flatMap(s => [].concat(s.Action));
    expect(actions).not.toContain('organizations:ListAccounts');
    expect(actions).not.toContain('securityhub:BatchImportFindings');
    const assume = statements.find(s => s.Action === 'sts:AssumeRole');
    expect(assume.Resource.map((r: any) => r['Fn::Join'][1][2])).toEqual([':iam::222222222222:role/registry-audit', ':iam::333333333333:role/registry-audit']);
  });

  test('the props reach the template', () => {
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 3 ? * MON *)' });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireRuns', ExpirationInDays: 90 })]) },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.stringLikeRegexp('1234abcd') } })] },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.accounts]: '["222222222222","333333333333"]',
          [ENV.memberRoleName]: 'registry-audit',
          [ENV.securityHub]: 'false',
          [ENV.usage]: 'false',
          [ENV.requestsPerSecond]: '10',
        }),
      },
    });
    expect(definitionOf(t).States.ReadEveryTarget.MaxConcurrency).toBe(50);
    expect(audit.encryptionKey.keyArn).toMatch(/1234abcd/);
  });

  test('snapshot', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });
});

describe('validation', () => {
  const fails = (props: any) => () => build(props);

  test.each([
    ['regions', { regions: [] }, /invalid regions \[\]: must have 1-40 entries/],
    ['regions[1]', { regions: ['eu-west-1', 'EU_WEST'] }, /invalid regions\[1\] "EU_WEST": must be an AWS region name/],
    ['regions (repeated)', { regions: ['eu-west-1', 'eu-west-1'] }, /invalid regions \["eu-west-1","eu-west-1"\]: must not repeat a region \(eu-west-1/],
    ['accounts', { accounts: [] }, /invalid accounts \[\]: must have 1-100000 entries/],
    ['accounts[0]', { accounts: ['12345'] }, /invalid accounts\[0\] "12345": must be a 12-digit AWS account id/],
    ['memberRoleName', { memberRoleName: 'bad name' }, /invalid memberRoleName "bad name": must be an IAM role name/],
    ['maxConcurrency', { maxConcurrency: 0 }, /invalid maxConcurrency 0: must be a whole number from 1 to 10000/],
    ['maxConcurrency (fraction)', { maxConcurrency: 1.5 }, /invalid maxConcurrency 1.5/],
    ['requestsPerSecond', { requestsPerSecond: 5000 }, /invalid requestsPerSecond 5000: must be a whole number from 1 to 1000/],
    ['usage', { usage: 'false' }, /invalid usage "false": must be true or false/],
    ['securityHub', { securityHub: 'yes' }, /invalid securityHub "yes": must be true or false/],
    ['retention', { retention: Duration.hours(36) }, /invalid retention "Duration.hours\(36\)": must be a whole number of days/],
  ])('fails on a bad %s, naming the construct path', (_name, props, message) => {
    expect(fails(props)).toThrow(message);
    expect(fails(props)).toThrow(/^Security\/Audit: /);
  });

  test('fails on a Lambda runtime context the library\'s runtime policy does not allow, before creating anything', () => {
    const app = new App({ context: { 'cdk-ecr-registry:lambdaRuntime': 'nodejs18.x' } });
    expect(() => build({}, app)).toThrow(/^Security\/Audit: invalid context cdk-ecr-registry:lambdaRuntime "nodejs18.x": must be a Node.js Lambda runtime/);
  });

  test('fails without regions', () => {
    expect(() => new RegistryAudit(new Stack(new App(), 'S'), 'Audit', {} as any)).toThrow(/S\/Audit: invalid regions undefined: must list at least one region/);
  });

  test('collects every problem in one EcrValidationError and creates nothing', () => {
    const stack = new Stack(new App(), 'S');
    let error: unknown;
    try {
      new RegistryAudit(stack, 'Audit', { regions: ['nowhere'], accounts: ['1'], maxConcurrency: -1 });
    } catch (e) {
      error = e;
    }
    expect(EcrValidationError.isEcrValidationError(error)).toBe(true);
    const e = error as EcrValidationError;
    expect(e.constructPath).toBe('S/Audit');
    expect(e.violations.map(v => v.property)).toEqual(['regions[0]', 'accounts[0]', 'maxConcurrency']);
    expect(stack.node.tryFindChild('Audit')).toBeUndefined();
  });

  test('tokens are not rejected', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const regions = new CfnParameter(stack, 'Regions', { type: 'CommaDelimitedList' }).valueAsList;
    const accounts = Token.asList(Fn.importValue('Accounts'));
    const audit = new RegistryAudit(stack, 'Audit', {
      regions,
      accounts,
      memberRoleName: Fn.importValue('RoleName'),
      maxConcurrency: Token.asNumber(Fn.importValue('Concurrency')),
      requestsPerSecond: Token.asNumber(Fn.importValue('Rate')),
      retention: Duration.days(Token.asNumber(Fn.importValue('Days'))),
    });
    const t = Template.fromStack(stack);
    // Deploy-time accounts or regions: the role and product ARNs widen to every account or region.
    const statements = policyStatements(t, 'AuditWorkerRoleDefaultPolicy');
    expect(JSON.stringify(statements.find(s => s.Action === 'sts:AssumeRole').Resource)).toMatch(/:iam::\*:role\//);
    expect(JSON.stringify(statements.find(s => s.Action === 'securityhub:BatchImportFindings').Resource)).toMatch(/:securityhub:\*:/);
    expect(audit.memberRoleTemplate()).toBeDefined();
  });
});

describe('compliance', () => {
  test('no unacknowledged finding of cdk-nag (AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1) or EcrChecks', () => {
    const app = new App();
    build({}, app);
    app.synth();
    const findings: string[] = [];
    for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks(), new EcrChecks()]) {
      for (const v of (pack as any).validateScope(app).violations) {
        for (const r of v.violatingResources) {
          findings.push(`${pack.name} ${v.ruleName} ${r.constructPath}`);
        }
      }
    }
    expect(findings).toEqual([]);
  });
});
