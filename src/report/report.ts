import { ECRClient } from '@aws-sdk/client-ecr';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { atOrAbove, audit, AuditOptions, Finding, RuleInfo, ruleInfo, Severity } from './audit';
import { compareRegistry, DriftEntry, isDrift, PhysicalIds, stacksNeedingIds, stacksOfRegistry, TargetDrift } from './drift';
import { ReportInputError } from './errors';
import { Inventory, InventoryProgress, readInventory, WrongAccountError } from './inventory';
import { readPhysicalIds, StackResourcesReader } from './physical-ids';
import { readAssemblyDirectory } from './private/assembly-reader';
import { ECR_STORAGE_PRICES, readUsage, RepositoryUsage, StoragePrices } from './usage';
import { DeclaredApp, DeclaredStack } from '../model/declared';
import { ReadGap, RegistryModel } from '../model/settings';
import { registryArnOf } from '../model/values';
import { mapBounded } from '../private/concurrency';
import { forClient } from '../runtime/client';
import { createEcrClient } from '../runtime/ecr';
import { describeError } from '../runtime/errors';

/** The version of the report's JSON form (`schemaVersion`); see docs/report-schema.md. */
export const REPORT_SCHEMA_VERSION = '1.4';

/** One registry to read: an account and a region, optionally through a role. */
export interface ReportTarget {
  /**
   * The registry's account (12 digits). When given, credentials of another account are an error.
   * @default - the account of the credentials
   */
  readonly account?: string;
  /** The registry's region. */
  readonly region: string;
  /**
   * A role to assume (STS AssumeRole) for this target.
   * @default - the default credentials
   */
  readonly roleArn?: string;
}

export { ReportInputError };

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Check a target; throws `ReportInputError` naming the bad value and what is allowed. */
export function validateTarget(t: ReportTarget): ReportTarget {
  if (t.account !== undefined && !ACCOUNT.test(t.account)) {
    throw new ReportInputError(`target account ${JSON.stringify(t.account)} is not an AWS account id: use 12 digits`);
  }
  if (!REGION.test(t.region ?? '')) {
    throw new ReportInputError(`target region ${JSON.stringify(t.region)} is not an AWS region name (like eu-west-1)`);
  }
  if (t.roleArn !== undefined && !ROLE_ARN.test(t.roleArn)) {
    throw new ReportInputError(`target role ${JSON.stringify(t.roleArn)} is not an IAM role ARN (arn:aws:iam::111111111111:role/name)`);
  }
  return t;
}

/** Parse `account:region[:roleArn]` (the CLI's `--target`). */
export function parseTarget(text: string): ReportTarget {
  const [account, region, ...rest] = text.split(':');
  if (region === undefined || account === '') {
    throw new ReportInputError(`--target ${JSON.stringify(text)} is not account:region[:roleArn] (like 111111111111:eu-west-1 or 111111111111:eu-west-1:arn:aws:iam::111111111111:role/audit)`);
  }
  const roleArn = rest.length > 0 ? rest.join(':') : undefined;
  return validateTarget({ account, region, ...(roleArn ? { roleArn } : {}) });
}

/** How to read the registries. */
export interface RegistryReportOptions {
  /** The registries to read (read concurrently, reported side by side). */
  readonly targets: readonly ReportTarget[];
  /**
   * When the whole read must end (epoch milliseconds): every call's retries stop there.
   * @default - 5 minutes from the start
   */
  readonly deadline?: number;
  /**
   * Per-attempt request timeout.
   * @default 10000
   */
  readonly requestTimeoutMs?: number;
  /**
   * ECR endpoint URL.
   * @default - AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL, else AWS's
   */
  readonly endpoint?: string;
  /**
   * STS endpoint URL (for `roleArn`).
   * @default - AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, else AWS's
   */
  readonly stsEndpoint?: string;
  /**
   * Credentials for ECR (targets without a role) and for STS.
   * @default - the SDK's default chain
   */
  readonly credentials?: any;
  /** Requests in flight per registry. @default 8 */
  readonly concurrency?: number;
  /** Requests started per second per registry. @default 100 */
  readonly requestsPerSecond?: number;
  /** Registries read at the same time. @default 4 */
  readonly targetConcurrency?: number;
  /** Progress of each registry read. */
  readonly onProgress?: (progress: InventoryProgress) => void;
  /**
   * Called every `progressIntervalMs` while a registry is being read, from the start (before any
   * repository is listed): where the read is and how long it has taken. The CLI prints it on stderr.
   */
  readonly onReading?: (reading: TargetReading) => void;
  /**
   * How often `onReading` is called while a registry is read.
   * @default 5000
   */
  readonly progressIntervalMs?: number;
  /**
   * Also read every image (DescribeImages) and report storage and cost per repository (`usage`).
   * @default false
   */
  readonly usage?: boolean;
  /** Storage prices for the costs. @default ECR_STORAGE_PRICES (us-east-1) */
  readonly prices?: StoragePrices;
  /** The time image ages and lifecycle previews are measured from. @default - the start of the read */
  readonly now?: Date;
  /** Environment (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE). @default process.env */
  readonly env?: Record<string, string | undefined>;
  /**
   * Compare each registry with what this cloud assembly declares (a `cdk.out` directory, or one
   * read with `readAssembly`): `drift` of each target. See docs/report.md, "Drift against the app".
   * A directory is read by the full entry (`lib/report`, with aws-cdk-lib); the live entry
   * (`lib/report/live`) takes an assembly read elsewhere.
   * @default - no drift
   */
  readonly assembly?: string | DeclaredApp;
  /**
   * Reads a deployed stack's physical ids, for the repositories without a literal name that
   * CloudFormation's tags on the live repositories do not name (for example CloudFormation
   * `ListStackResources` with your own client; this package does not bundle one).
   * @default - such repositories are not comparable
   */
  readonly stackResources?: StackResourcesReader;
  /**
   * Switch on `EcrChecks-Signing` for repositories whose names start with these prefixes (as
   * `new EcrChecks({ requireSigning })` at synth).
   * @default - the rule is off
   */
  readonly requireSigning?: AuditOptions['requireSigning'];
}

/** What became of one target. */
export type TargetStatus = 'complete' | 'partial' | 'failed';

/** One registry's part of the report. */
export interface TargetReport {
  /** The target as asked. */
  readonly target: ReportTarget;
  /** `complete`: every part read; `partial`: some parts could not be read (see `gaps`); `failed`: nothing could be read (see `error`). */
  readonly status: TargetStatus;
  /** Why the target failed. */
  readonly error?: string;
  /** The registry's account as read. */
  readonly account?: string;
  readonly region: string;
  /** `arn:<partition>:ecr:<region>:<account>:registry` (ECR has no registry ARN; this names the registry in ARN form). */
  readonly registryArn?: string;
  /** The settings as read. */
  readonly model?: RegistryModel;
  readonly findings: readonly Finding[];
  readonly gaps: readonly ReadGap[];
  /** API calls by action. */
  readonly calls: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** Storage and cost per repository, largest first (when `usage` was asked). */
  readonly usage?: readonly RepositoryUsage[];
  /** What the assembly declares against what the registry has (when an assembly was given and the registry was read). */
  readonly drift?: TargetDrift;
}

/** Where the read of one registry is (see `RegistryReportOptions.onReading`). */
export interface TargetReading {
  /** The target's account, or the account the registry answered, when known. */
  readonly account?: string;
  readonly region: string;
  /** Repositories listed so far. */
  readonly listed: number;
  /** Repositories whose settings are read. */
  readonly read: number;
  /** Milliseconds since this registry's read started. */
  readonly elapsedMs: number;
}

/** How often a registry read reports where it is (`onReading`). */
export const PROGRESS_INTERVAL_MS = 5_000;

/** How a declared stack was matched to the targets. */
export interface StackMatch {
  readonly stack: DeclaredStack;
  /** Indices of the targets it was compared with. */
  readonly targets: readonly number[];
  /** Why it matched several targets or none, or could not be read; `undefined` for a plain match by account and region. */
  readonly note?: string;
}

/** A `--fail-on` threshold: a severity, or `none` (never fail on findings). */
export type FailOn = Severity | 'none';

/**
 * The live audit of one or more ECR registries: every `EcrChecks` rule over the settings as ECR
 * answers them (the rules the synth-time plugin applies to templates).
 *
 * ```ts
 * import { RegistryReport } from 'cdk-ecr-registry/lib/report';
 * const report = await RegistryReport.read({ targets: [{ region: 'eu-west-1' }] });
 * if (report.exceeds('error')) { console.log(report.findings); }
 * ```
 */
export class RegistryReport {
  /**
   * Read every target (concurrently, `targetConcurrency` at a time) and audit it. Never throws for
   * a registry that cannot be read: that target is `failed`, with the reason.
   */
  public static async read(options: RegistryReportOptions): Promise<RegistryReport> {
    if (options.targets.length === 0) {
      throw new ReportInputError('no target: give at least one account:region');
    }
    options.targets.forEach(validateTarget);
    for (const key of ['concurrency', 'targetConcurrency'] as const) {
      const n = options[key];
      if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
        throw new ReportInputError(`${key} ${JSON.stringify(n)} is not a positive integer: give the most to run at once (1 or more)`);
      }
    }
    const declared = typeof options.assembly === 'string' ? readAssemblyDirectory(options.assembly) : options.assembly;
    const started = Date.now();
    const deadline = options.deadline ?? started + 5 * 60_000;
    const results = await mapBounded(options.targets, options.targetConcurrency ?? 4, target => readTarget(target, options, deadline, declared));
    const prices = options.usage ? options.prices ?? ECR_STORAGE_PRICES : undefined;
    return new RegistryReport(results, new Date(started), prices, declared, ruleInfo(options));
  }

  /**
   * Audit settings models built elsewhere (a template, a test): one target per model; with
   * `declared`, each is also compared with it (no physical-id look-up: a repository without a
   * literal name is not comparable).
   */
  public static fromModels(
    models: readonly RegistryModel[], generatedAt = new Date(), declared?: DeclaredApp, auditOptions: AuditOptions = {},
  ): RegistryReport {
    return new RegistryReport(models.map(model => {
      const findings = audit(model, auditOptions);
      const drift = declared ? compareRegistry(stacksOfRegistry(declared.stacks, model.account, model.region ?? ''), model) : undefined;
      return {
        target: { account: model.account, region: model.region ?? '' },
        status: model.gaps.length > 0 ? 'partial' : 'complete',
        account: model.account,
        region: model.region ?? '',
        model,
        findings,
        gaps: model.gaps,
        calls: {},
        durationMs: 0,
        ...(drift ? { drift } : {}),
      };
    }), generatedAt, undefined, declared, ruleInfo(auditOptions));
  }

  private constructor(
    /** Each target's result, in the order given. */
    public readonly targets: readonly TargetReport[],
    /** When the read started. */
    public readonly generatedAt: Date,
    /** The storage prices of the costs, when usage was read. */
    public readonly prices?: StoragePrices,
    /** The assembly the registries were compared with, when one was given. */
    public readonly declared?: DeclaredApp,
    /** The rules applied, in report order. */
    public readonly rules: readonly RuleInfo[] = ruleInfo(),
  ) {}

  /** Every drift entry of every target. */
  public get driftEntries(): DriftEntry[] {
    return this.targets.flatMap(t => t.drift?.entries ?? []);
  }

  /** Whether a registry has drifted: an entry that is missing, unmanaged or differs (not comparable never counts). */
  public get hasDrift(): boolean {
    return this.driftEntries.some(isDrift);
  }

  /** Each declared stack and the targets it was compared with (empty without an assembly). */
  public get stackMatches(): StackMatch[] {
    return (this.declared?.stacks ?? []).map(stack => {
      const targets = this.targets.flatMap((t, i) => (t.drift?.stacks.includes(stack.artifactId) ? [i] : []));
      const where = `${stack.account ?? 'any account'}/${stack.region ?? 'any region'}`;
      let note: string | undefined;
      if (stack.error !== undefined) {
        note = stack.error;
      } else if (stack.account === undefined || stack.region === undefined) {
        note = `environment-agnostic (${where}): compared with every target it could be deployed in (${targets.length})`;
      } else if (targets.length === 0) {
        note = this.targets.some(t => t.region === stack.region && (t.account ?? t.target.account) === stack.account)
          ? `its registry ${where} could not be read` : `no target reads its registry ${where}`;
      } else if (targets.length > 1) {
        note = `compared with ${targets.length} targets of the same registry`;
      }
      return { stack, targets, ...(note !== undefined ? { note } : {}) };
    });
  }

  /** Every finding of every target. */
  public get findings(): Finding[] {
    return this.targets.flatMap(t => t.findings);
  }

  /** Whether a finding is at or above the threshold (`none`: never). */
  public exceeds(failOn: FailOn): boolean {
    return failOn !== 'none' && this.findings.some(f => atOrAbove(f.severity, failOn));
  }

  /** Whether a target could not be read at all. */
  public get anyFailed(): boolean {
    return this.targets.some(t => t.status === 'failed');
  }
}

/** What every step of one target's read needs. */
interface TargetRead {
  readonly target: ReportTarget;
  readonly options: RegistryReportOptions;
  /** The runtime client policy of every call: retries stop at the deadline. */
  readonly policy: { readonly deadline: number; readonly requestTimeoutMs?: number; readonly env: Record<string, string | undefined> };
  /** When the target's read started (epoch milliseconds). */
  readonly started: number;
}

/** The registry as read (step 2). */
interface RegistryRead {
  readonly inventory: Inventory;
  readonly usage?: RepositoryUsage[];
  /** Calls by action: the inventory's, then usage's. */
  readonly calls: Record<string, number>;
}

/** The registry compared with the app (step 3). */
interface AppComparison {
  readonly drift?: TargetDrift;
  readonly calls: Record<string, number>;
}

/**
 * One target, in named steps: its credentials (STS AssumeRole for a role), the registry's read
 * (inventory, usage), the comparison with the app (drift), and its status. A step that throws fails
 * the target, named by the call it was making; nothing throws out of here.
 */
async function readTarget(
  target: ReportTarget, options: RegistryReportOptions, deadline: number, declared: DeclaredApp | undefined,
): Promise<TargetReport> {
  const started = Date.now();
  const onReading = options.onReading;
  if (!onReading) {
    return readTargetSteps(target, options, deadline, declared, started);
  }
  // Where the read is, every few seconds, whether repositories arrive or not (an endpoint that hangs).
  const latest: { account?: string; listed: number; read: number } = { account: target.account, listed: 0, read: 0 };
  const onProgress = (p: InventoryProgress) => {
    latest.account = p.account === 'unknown' ? latest.account : p.account;
    latest.listed = p.listed;
    latest.read = p.read;
    options.onProgress?.(p);
  };
  const every = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const timer = setInterval(() => onReading({ ...latest, region: target.region, elapsedMs: Date.now() - started }), every);
  try {
    return await readTargetSteps(target, { ...options, onProgress }, deadline, declared, started);
  } finally {
    clearInterval(timer);
  }
}

async function readTargetSteps(
  target: ReportTarget, options: RegistryReportOptions, deadline: number, declared: DeclaredApp | undefined, started: number,
): Promise<TargetReport> {
  const read: TargetRead = {
    target, options, started, policy: { deadline, requestTimeoutMs: options.requestTimeoutMs, env: options.env ?? process.env },
  };
  const stsCalls: Record<string, number> = target.roleArn !== undefined ? { AssumeRole: 1 } : {};
  let credentials: RegistryReportOptions['credentials'];
  try {
    credentials = await targetCredentials(read);
  } catch (e) {
    return failedTarget(read, 'STS AssumeRole', e, stsCalls);
  }
  let registry: RegistryRead;
  let comparison: AppComparison;
  try {
    registry = await readRegistry(read, credentials);
    comparison = await compareWithApp(read, declared, registry.inventory.model);
  } catch (e) {
    return failedTarget(read, 'ECR', e, stsCalls);
  }
  return targetStatus(read, registry, comparison, { ...stsCalls, ...registry.calls, ...comparison.calls });
}

/** Step 1: the credentials of the target: its role's (STS AssumeRole), else the options' (or the SDK's default chain: `undefined`). */
async function targetCredentials({ target, options, policy }: TargetRead): Promise<RegistryReportOptions['credentials']> {
  if (target.roleArn === undefined) {
    return options.credentials;
  }
  const sts = forClient(STSClient, {
    region: target.region,
    ...(options.stsEndpoint !== undefined ? { endpoint: options.stsEndpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  }, {
    ...policy,
    service: 'STS',
    resourceOf: () => ({ name: `role ${target.roleArn}`, region: target.region }),
  });
  const answer = await sts.send(new AssumeRoleCommand({ RoleArn: target.roleArn, RoleSessionName: 'cdk-ecr-registry-report' }));
  const c = answer.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new Error(`STS AssumeRole of ${target.roleArn} answered without credentials`);
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}

/** Step 2: the registry's settings (the inventory) and, when asked, every image's usage; the clients live for this step only. */
async function readRegistry({ target, options, policy, started }: TargetRead, credentials: RegistryReportOptions['credentials']): Promise<RegistryRead> {
  const common = {
    region: target.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...policy,
  };
  const resourceOf = (input: Record<string, unknown>) => ({
    ...(typeof input.repositoryName === 'string' ? { repository: input.repositoryName } : {}),
    ...(target.account !== undefined ? { account: target.account } : {}),
    region: target.region,
  });
  const client: ECRClient = createEcrClient({ ...common, resourceOf });
  // Registry-wide features that a region (or an emulator) may lack answer with a 5xx there:
  // three attempts, so a missing feature is a gap within a second, not at the deadline.
  const optionalClient: ECRClient = createEcrClient({ ...common, resourceOf, maxAttempts: 3 });
  try {
    const inventory = await readInventory({
      client,
      optionalClient,
      region: target.region,
      account: target.account,
      concurrency: options.concurrency,
      requestsPerSecond: options.requestsPerSecond,
      onProgress: options.onProgress,
    });
    const usageCalls: Record<string, number> = {};
    const listed = !inventory.model.gaps.some(g => g.part === 'repositories');
    const usage = options.usage && listed ? await readUsage({
      client,
      repositories: inventory.model.repositories,
      region: target.region,
      registryId: target.account,
      prices: options.prices ?? ECR_STORAGE_PRICES,
      now: options.now ?? new Date(started),
      concurrency: options.concurrency,
      requestsPerSecond: options.requestsPerSecond,
      calls: usageCalls,
    }) : undefined;
    return { inventory, ...(usage ? { usage } : {}), calls: { ...inventory.calls, ...usageCalls } };
  } finally {
    client.destroy();
    optionalClient.destroy();
  }
}

/** Whether none of the registry could be read: its repositories, its scanning and its policy all gaps. */
function nothingRead(model: RegistryModel): boolean {
  return model.gaps.some(g => g.part === 'repositories')
    && model.gaps.some(g => g.part === 'registryScanning') && model.gaps.some(g => g.part === 'registryPolicy');
}

/**
 * Step 3: the registry against what the app declares for it (drift), when an assembly was given and
 * something was read; the physical ids CloudFormation's tags do not name come from `stackResources`.
 */
async function compareWithApp({ target, options }: TargetRead, declared: DeclaredApp | undefined, model: RegistryModel): Promise<AppComparison> {
  const calls: Record<string, number> = {};
  if (!declared || nothingRead(model)) {
    return { calls };
  }
  const stacks = stacksOfRegistry(declared.stacks, model.account, target.region);
  let physical: PhysicalIds | undefined;
  const needing = stacksNeedingIds(stacks, model);
  if (options.stackResources && needing.length > 0) {
    const reader = options.stackResources;
    physical = await readPhysicalIds(needing, async stack => {
      calls.ListStackResources = (calls.ListStackResources ?? 0) + 1;
      return reader(stack);
    }, { account: model.account, region: target.region });
  }
  return { drift: compareRegistry(stacks, model, physical), calls };
}

/** Step 4: the target's status and report: `failed` when nothing could be read, else the audit, `partial` with gaps. */
function targetStatus(
  { target, options, started }: TargetRead, { inventory, usage }: RegistryRead, { drift }: AppComparison, calls: Record<string, number>,
): TargetReport {
  const model = inventory.model;
  if (nothingRead(model)) {
    const first = model.gaps.find(g => g.part === 'repositories')!;
    return {
      ...emptyTarget(target), status: 'failed', error: `nothing could be read: ${first.action}: ${first.reason}`, gaps: model.gaps, calls, durationMs: Date.now() - started,
    };
  }
  return {
    target,
    status: model.gaps.length > 0 ? 'partial' : 'complete',
    account: model.account,
    region: target.region,
    registryArn: registryArnOf(model.account ?? 'unknown', target.region),
    model,
    findings: audit(model, { requireSigning: options.requireSigning }),
    gaps: model.gaps,
    calls,
    durationMs: Date.now() - started,
    ...(usage ? { usage } : {}),
    ...(drift ? { drift } : {}),
  };
}

/** A target's report with nothing in it yet. */
function emptyTarget(target: ReportTarget) {
  return { target, region: target.region, findings: [], gaps: [], calls: {} };
}

/** A target that failed in a step: why, in the runtime policy's words (the call, the target), and the calls made before. */
function failedTarget({ target, started }: TargetRead, call: string, e: unknown, calls: Record<string, number>): TargetReport {
  const error = e instanceof WrongAccountError ? e.message
    : describeError(e, {
      call,
      resource: { ...(target.account !== undefined ? { account: target.account } : {}), region: target.region },
    }).message;
  return { ...emptyTarget(target), status: 'failed', error, calls, durationMs: Date.now() - started };
}
