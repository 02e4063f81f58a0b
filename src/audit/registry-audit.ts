import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { AUDIT_WORKER_ASSET_DIR } from './private/asset';
import { DEFAULT_MEMBER_ROLE_NAME, ENV, METRIC_DIMENSION, METRIC_NAMESPACE, METRIC_TARGETS_NOT_READ } from './private/contract';
import { memberRoleTemplate } from './private/member-role';
import { IMPORT_CALL } from './private/permissions';
import { acknowledgeWildcards } from './private/wildcards';
import { pathOf, Violations } from '../private/errors';
import { acknowledgeFunctionFindings, acknowledgeLogGroupEncryption, inEveryPack } from '../private/handler-findings';
import { checkLambdaRuntime, lambdaRuntime } from '../private/lambda-runtime';
import { isUnresolved } from '../private/tokens';
import { checkAccountId, checkBoolean, checkCount, checkPattern } from '../private/validation';

const RESULT_WRITER_V2_FLAG = '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** A Distributed Map runs at most this many child executions at once. */
const MAX_MAP_CONCURRENCY = 10_000;
const MAX_REGIONS = 40;

/** Props of `RegistryAudit`. */
export interface RegistryAuditProps {
  /**
   * The regions whose registries are read in every account (at least one).
   */
  readonly regions: string[];

  /**
   * The accounts to read.
   *
   * @default - every ACTIVE account of the organization (AWS Organizations `ListAccounts`; the audit
   * account must be the management account or a delegated administrator allowed to list accounts)
   */
  readonly accounts?: string[];

  /**
   * The name of the role in each member account (the template of `memberRoleTemplate()` creates it).
   *
   * @default 'cdk-ecr-registry-audit'
   */
  readonly memberRoleName?: string;

  /**
   * When the audit runs (EventBridge Scheduler). Run it now with
   * `aws stepfunctions start-execution --state-machine-arn <stateMachine ARN>`.
   *
   * @default - once a day: `rate(1 day)`
   */
  readonly schedule?: scheduler.ScheduleExpression;

  /**
   * Registries read at the same time (the Distributed Map's `MaxConcurrency`: one worker invocation each).
   *
   * @default 10
   */
  readonly maxConcurrency?: number;

  /**
   * ECR requests started per second per registry (the report's pacing; ECR's read quotas are per account and region).
   *
   * @default 20
   */
  readonly requestsPerSecond?: number;

  /**
   * Also read every image: storage and cost per registry (`DescribeImages`, one call per repository and page).
   *
   * @default true
   */
  readonly usage?: boolean;

  /**
   * Import the findings into Security Hub (ASFF, `BatchImportFindings`), from each member account
   * in the region of its registry.
   *
   * @default true
   */
  readonly securityHub?: boolean;

  /**
   * How long the outputs of a run are kept in the bucket (older versions: 30 days).
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * The KMS key of the results bucket.
   *
   * @default - a new customer managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Check every prop before anything is created; throws one `EcrValidationError` listing every
 * problem (construct path, property, value, what is allowed). Unresolved tokens are accepted.
 */
function validateProps(scope: Construct, id: string, props: RegistryAuditProps): void {
  const v = new Violations(pathOf(scope, id));
  if (props.regions === undefined || props.regions === null) {
    v.add('regions', props.regions, 'must list at least one region, such as ["eu-west-1"]');
  } else if (!isUnresolved(props.regions)) {
    if (checkCount(v, 'regions', props.regions, 1, MAX_REGIONS)) {
      props.regions.forEach((r, i) => checkPattern(v, `regions[${i}]`, r, REGION, 'must be an AWS region name, such as eu-west-1'));
      const dup = props.regions.find((r, i) => !isUnresolved(r) && props.regions.indexOf(r) !== i);
      v.check(dup === undefined, 'regions', props.regions, `must not repeat a region (${dup} is given twice)`);
    }
  }
  if (props.accounts !== undefined && !isUnresolved(props.accounts)) {
    if (checkCount(v, 'accounts', props.accounts, 1, 100_000)) {
      props.accounts.forEach((a, i) => checkAccountId(v, `accounts[${i}]`, a));
    }
  }
  checkPattern(v, 'memberRoleName', props.memberRoleName, ROLE_NAME, 'must be an IAM role name: 1-64 letters, digits and +=,.@_-');
  const integer = (property: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !isUnresolved(value)) {
      v.check(Number.isInteger(value) && value >= min && value <= max, property, value, `must be a whole number from ${min} to ${max}`);
    }
  };
  integer('maxConcurrency', props.maxConcurrency, 1, MAX_MAP_CONCURRENCY);
  integer('requestsPerSecond', props.requestsPerSecond, 1, 1000);
  checkBoolean(v, 'usage', props.usage);
  checkBoolean(v, 'securityHub', props.securityHub);
  if (props.retention !== undefined && !props.retention.isUnresolved()) {
    const days = props.retention.toHours() / 24;
    v.check(Number.isInteger(days) && days >= 1, 'retention', props.retention.toString(), 'must be a whole number of days, at least 1 (S3 lifecycle expiration is in days)');
  }
  checkLambdaRuntime(v, scope);
  v.throwIfAny();
}

/** Why the compliance findings on the audit's resources do not apply (shipped as acknowledgements). */
const REASONS = {
  dlq: 'The worker is invoked synchronously by the state machine, which retries it and records each failure in the run; '
    + 'a dead-letter queue receives only failed asynchronous invocations, so it would never receive anything.',
  vpc: 'The worker calls only AWS APIs (STS, ECR, Security Hub, S3, Organizations) over TLS and reaches no private resource; '
    + 'a VPC would add NAT or endpoint costs and no isolation.',
  concurrency: 'The state machine bounds the worker invocations (the Distributed Map MaxConcurrency); reserved concurrency '
    + 'would take capacity from the account pool and fails to deploy in accounts with the default low concurrency quota.',
  logs: 'The log groups hold only run progress and errors (account ids, regions, repository names, call counts), no secrets; '
    + 'CloudWatch Logs encrypts them at rest with service keys.',
  inlinePolicy: 'The roles belong to the audit alone; their inline policies name exactly the calls the worker and the state machine make, '
    + 'on the results bucket, its key, the member role and the own Security Hub product, and are created and deleted with the roles.',
  accessLogs: 'The bucket holds audit outputs written only by the audit worker role and the state machine; CloudTrail data events '
    + 'are the place to log its access, and a second log bucket per audit would add cost without a reader.',
  replication: 'The outputs are regenerated by every run and versioned; replicating them to another region adds cost, not recoverability.',
  wildcardObjects: 'The worker writes one object per target and run under runs/ and state/ of its own bucket, so object actions need the bucket/* form.',
  wildcardAccounts: 'The accounts come from AWS Organizations at run time, so the member role is named in every account (iam::*:role/<name>); '
    + 'the member roles trust only this worker role.',
  wildcardMap: 'The Distributed Map starts and stops child executions of this state machine, whose ARNs are generated at run time.',
  listAccounts: 'organizations:ListAccounts supports no resource-level permission, so it is granted on "*".',
  stateMachineLogs: 'Step Functions delivers execution logs through CloudWatch Logs log delivery, whose actions support no resource-level permission.',
  xray: 'X-Ray trace segments are written with PutTraceSegments, which supports no resource-level permission.',
  lambdaInvoke: 'The state machine invokes the worker function and its versions (function ARN and ARN:*).',
  notifications: 'Nothing reacts to single objects: the state machine sequences the run, and the summary and the metric report it.',
  objectLock: 'Run outputs are regenerated by every run and expire with the lifecycle rule; versioning keeps overwritten ones, '
    + 'and Object Lock would keep expired runs against the retention the user chose.',
  keyGrants: 'The key policy is aws-cdk-lib\'s default (this account\'s IAM decides); the audit\'s roles get Decrypt and GenerateDataKey, '
    + 'and no principal of the audit creates grants.',
  regionsToken: 'The regions are known only at deploy time, so the audit account\'s own default Security Hub product is named in every region.',
  alarmAction: 'Who is told is the application\'s choice: the construct exposes the alarm (alarm.addAlarmAction) for an SNS topic or an incident plan.',
};

/** The reason for a wildcard resource of one of the audit's policies, by what the statement allows. */
function wildcardReason(actions: string[], resource: string): string | undefined {
  const all = (prefix: string) => actions.length > 0 && actions.every(a => a.startsWith(prefix));
  if (actions.includes('lambda:InvokeFunction') && resource.endsWith(':*')) {
    return REASONS.lambdaInvoke;
  }
  if (all('s3:') && resource.endsWith('/*')) {
    return REASONS.wildcardObjects;
  }
  if (actions.includes('sts:AssumeRole')) {
    return REASONS.wildcardAccounts;
  }
  if (actions.includes('organizations:ListAccounts') && resource === '*') {
    return REASONS.listAccounts;
  }
  if (all('securityhub:')) {
    return REASONS.regionsToken;
  }
  if (all('xray:') && resource === '*') {
    return REASONS.xray;
  }
  if (all('logs:') && resource === '*') {
    return REASONS.stateMachineLogs;
  }
  if (all('states:')) {
    return REASONS.wildcardMap;
  }
  return undefined;
}

/**
 * The registry report as a service: every account and region of the organization read on a
 * schedule, the results in S3 and the findings in Security Hub.
 *
 * It deploys, in the security (audit) account: an EventBridge Scheduler schedule; a Step Functions
 * state machine that lists the targets (accounts x regions), reads them with a Distributed Map of
 * bounded concurrency (one worker invocation per registry) and writes the organization's summary; the
 * worker function; a versioned, KMS-encrypted results bucket; and an alarm on the targets not read.
 * Each member account needs the role of `memberRoleTemplate()` (a StackSet). See docs/audit.md.
 */
export class RegistryAudit extends Construct {
  /** The S3 bucket of the results (`runs/<run>/...`) and of the finding state (`state/...`). */
  public readonly bucket: s3.Bucket;
  /** The key of the bucket. */
  public readonly encryptionKey: kms.IKey;
  /** The state machine of one run: start an execution of it to run the audit now. */
  public readonly stateMachine: sfn.StateMachine;
  /** The worker function (plan, one target, summary). */
  public readonly workerFunction: lambda.Function;
  /** The worker's role: the only principal the member roles trust. */
  public readonly workerRole: iam.Role;
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;
  /** Targets not read in a run (`CdkEcrRegistry/Audit` `TargetsNotRead`, maximum per day). */
  public readonly targetsNotReadMetric: cloudwatch.Metric;
  /** In alarm when a run left a target not read, or no run reported for a day. */
  public readonly alarm: cloudwatch.Alarm;
  /** The member role's name. */
  public readonly memberRoleName: string;

  private readonly securityHub: boolean;

  constructor(scope: Construct, id: string, props: RegistryAuditProps) {
    validateProps(scope, id, props);
    super(scope, id);
    // ResultWriterV2 renders only under this feature flag; set for this construct's tree alone (before any child).
    this.node.setContext(RESULT_WRITER_V2_FLAG, true);
    const stack = Stack.of(this);
    this.memberRoleName = props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
    this.securityHub = props.securityHub ?? true;
    const accounts = props.accounts ?? [];
    const listsAccounts = props.accounts === undefined;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `cdk-ecr-registry organization audit results (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'ExpireRuns', prefix: 'runs/', expiration: props.retention ?? Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
        { id: 'ExpireOldState', prefix: 'state/', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'AbortUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    const logGroup = new logs.LogGroup(this, 'WorkerLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.workerRole = new iam.Role(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-ecr-registry organization audit worker: assumes the member roles, writes the results bucket',
    });
    this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    this.encryptionKey.grant(this.workerRole, 'kms:Decrypt', 'kms:GenerateDataKey');
    const memberRoleArn = (account: string) => `arn:${stack.partition}:iam::${account}:role/${this.memberRoleName}`;
    this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: listsAccounts || isUnresolved(accounts) ? [memberRoleArn('*')] : accounts.map(memberRoleArn),
    }));
    if (listsAccounts) {
      this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['organizations:ListAccounts'], resources: ['*'] }));
    }
    if (this.securityHub) {
      // An account that could not be read is a finding of the audit account, on its own default product.
      this.workerRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: [IMPORT_CALL.action],
        resources: isUnresolved(props.regions)
          ? [`arn:${stack.partition}:securityhub:*:${stack.account}:product/${stack.account}/default`]
          : props.regions.map(r => `arn:${stack.partition}:securityhub:${r}:${stack.account}:product/${stack.account}/default`),
      }));
    }

    this.workerFunction = new lambda.Function(this, 'Worker', {
      description: 'cdk-ecr-registry organization audit worker (src/audit/audit-worker.lambda.ts)',
      // The library's one Lambda runtime policy (src/private/lambda-runtime.ts).
      runtime: lambdaRuntime(this),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(AUDIT_WORKER_ASSET_DIR),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      role: this.workerRole,
      logGroup,
      environment: {
        [ENV.bucket]: this.bucket.bucketName,
        [ENV.regions]: stack.toJsonString(props.regions),
        [ENV.accounts]: stack.toJsonString(accounts),
        [ENV.memberRoleName]: this.memberRoleName,
        [ENV.partition]: stack.partition,
        [ENV.auditAccount]: stack.account,
        [ENV.auditName]: this.node.path,
        [ENV.securityHub]: String(this.securityHub),
        [ENV.usage]: String(props.usage ?? true),
        [ENV.requestsPerSecond]: String(props.requestsPerSecond ?? 20),
        [ENV.concurrency]: '8',
      },
    });

    this.stateMachine = this.buildStateMachine(props.maxConcurrency ?? 10);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `cdk-ecr-registry organization audit (${this.node.path})`,
      schedule: props.schedule ?? scheduler.ScheduleExpression.rate(Duration.days(1)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        // Its own role, inside the construct (the default is one shared role per stack and target account).
        role: new iam.Role(this, 'ScheduleRole', {
          assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
          description: 'cdk-ecr-registry organization audit: the schedule starts a run of the state machine',
        }),
      }),
    });

    this.targetsNotReadMetric = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: METRIC_TARGETS_NOT_READ,
      dimensionsMap: { [METRIC_DIMENSION]: this.node.path },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.days(1),
    });
    this.alarm = this.targetsNotReadMetric.createAlarm(this, 'TargetsNotReadAlarm', {
      alarmDescription: `cdk-ecr-registry organization audit (${this.node.path}): a registry could not be read, or no run finished in a day`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.acknowledgeFindings();
  }

  private buildStateMachine(maxConcurrency: number): sfn.StateMachine {
    const runId = sfn.JsonPath.stringAt('$$.Execution.Name');
    const invoke = (id: string, payload: Record<string, unknown>) => new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.workerFunction,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const plan = invoke('ListTargets', { action: 'plan', runId });
    const readTarget = invoke('ReadTarget', { action: 'target', runId: sfn.JsonPath.stringAt('$.runId'), target: sfn.JsonPath.objectAt('$.target') });
    const fanOut = new sfn.DistributedMap(this, 'ReadEveryTarget', {
      maxConcurrency,
      // One child execution per target; STANDARD children, as a worker may run up to Lambda's 15 minutes (EXPRESS: 5).
      mapExecutionType: sfn.StateMachineType.STANDARD,
      itemReader: new sfn.S3JsonItemReader({ bucket: this.bucket, key: sfn.JsonPath.stringAt('$.key') }),
      itemSelector: { target: sfn.JsonPath.objectAt('$$.Map.Item.Value'), runId: sfn.JsonPath.stringAt('$.runId') },
      // A target that fails is in the summary (and the metric); the run goes on.
      toleratedFailurePercentage: 100,
      // The children's results go to S3, so a run of thousands of targets stays within the 256 KiB state limit.
      resultWriterV2: new sfn.ResultWriterV2({ bucket: this.bucket, prefix: 'map-results' }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    fanOut.itemProcessor(readTarget);
    const summarize = invoke('Summarize', { action: 'summarize', runId });
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_YEAR });
    // The state machine's role is the construct's own, trusted by Step Functions only for state machines of
    // this account and region (confused deputy prevention). Newer aws-cdk-lib releases add the same
    // conditions to the role they create; creating it here keeps the template the same on every release.
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:states:${stack.region}:${stack.account}:stateMachine:*` },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    });
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      role,
      comment: `cdk-ecr-registry organization audit (${this.node.path})`,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(fanOut).next(summarize)),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.hours(24),
    });
    this.encryptionKey.grant(machine, 'kms:Decrypt', 'kms:GenerateDataKey');
    return machine;
  }

  /**
   * The role of each member account, as a CloudFormation template body (JSON) for a StackSet: no
   * parameters, no assets. It trusts only `workerRole` and allows exactly the worker's calls in a
   * member account. The body holds a reference to the worker role's ARN: give it to a
   * `CfnStackSet` in this stack (`templateBody`).
   */
  public memberRoleTemplate(): string {
    return Stack.of(this).toJsonString(memberRoleTemplate({
      workerRoleArn: this.workerRole.roleArn,
      roleName: this.memberRoleName,
      securityHub: this.securityHub,
    }));
  }

  private acknowledgeFindings(): void {
    acknowledgeFunctionFindings(this.workerFunction, REASONS, [
      { id: 'CKV_AWS_173', comment: 'The environment holds the bucket name, regions, accounts and role name: configuration, no secret.' },
    ]);
    for (const child of this.node.findAll()) {
      if (child instanceof logs.LogGroup) {
        acknowledgeLogGroupEncryption(child, REASONS.logs);
      }
    }
    Validations.of(this.bucket).acknowledge(
      { id: 'AwsSolutions-S1', reason: REASONS.accessLogs },
      ...inEveryPack('S3BucketLoggingEnabled', REASONS.accessLogs),
      ...inEveryPack('S3BucketReplicationEnabled', REASONS.replication),
    );
    const bucketCfn = this.bucket.node.defaultChild as CfnResource;
    bucketCfn.addMetadata('checkov', { skip: [{ id: 'CKV_AWS_18', comment: REASONS.accessLogs }] });
    bucketCfn.addMetadata('guard', {
      SuppressedRules: ['s3_bucket_logging_enabled_check', 's3_event_notifications_enabled_check', 's3_bucket_object_lock_enabled_check'],
      Reasons: {
        s3_bucket_logging_enabled_check: REASONS.accessLogs,
        s3_event_notifications_enabled_check: REASONS.notifications,
        s3_bucket_object_lock_enabled_check: REASONS.objectLock,
      },
    });
    (this.alarm.node.defaultChild as CfnResource).addMetadata('guard', {
      SuppressedRules: ['cloudwatch_alarm_action_check'],
      Reasons: { cloudwatch_alarm_action_check: REASONS.alarmAction },
    });
    const keyCfn = this.encryptionKey.node.defaultChild;
    if (keyCfn instanceof CfnResource && this.encryptionKey.node.scope === this) {
      keyCfn.addMetadata('guard', { SuppressedRules: ['kms_create_grant_aws_service_check'], Reasons: { kms_create_grant_aws_service_check: REASONS.keyGrants } });
    }
    Validations.of(this).acknowledge(...inEveryPack('IAMNoInlinePolicy', REASONS.inlinePolicy));
    Validations.of(this.alarm).acknowledge(...['NIST.800.53.R5', 'HIPAA.Security'].map(pack => ({ id: `${pack}-CloudWatchAlarmAction`, reason: REASONS.alarmAction })));
    const policies = [
      this.workerRole.node.tryFindChild('DefaultPolicy'),
      this.stateMachine.role.node.tryFindChild('DefaultPolicy'),
      this.stateMachine.node.tryFindChild('DistributedMapPolicy'),
    ];
    for (const policy of policies) {
      acknowledgeWildcards(policy as iam.Policy | undefined, wildcardReason);
    }
  }
}
