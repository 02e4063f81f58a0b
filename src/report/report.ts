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
import { forClient } from '../runtime/client';
import { createEcrClient } from '../runtime/ecr';
import { describeError } from '../runtime/errors';

/** The version of the report's JSON form (`schemaVersion`); see docs/report-schema.md. */
export const REPORT_SCHEMA_VERSION = '1.3';

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
    const declared = typeof options.assembly === 'string' ? readAssemblyDirectory(options.assembly) : options.assembly;
    const started = Date.now();
    const deadline = options.deadline ?? started + 5 * 60_000;
    const results: TargetReport[] = new Array(options.targets.length);
    let next = 0;
    const worker = async () => {
      while (next < options.targets.length) {
        const i = next++;
        results[i] = await readTarget(options.targets[i], options, deadline, declared);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.targetConcurrency ?? 4, options.targets.length) }, worker));
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

async function readTarget(
  target: ReportTarget, options: RegistryReportOptions, deadline: number, declared: DeclaredApp | undefined,
): Promise<TargetReport> {
  const started = Date.now();
  const base = { target, region: target.region, findings: [], gaps: [], calls: {} };
  const env = options.env ?? process.env;
  let credentials = options.credentials;
  let stsCalls = 0;
  let phase = 'STS AssumeRole';
  try {
    if (target.roleArn !== undefined) {
      const sts = forClient(STSClient, {
        region: target.region,
        ...(options.stsEndpoint !== undefined ? { endpoint: options.stsEndpoint } : {}),
        ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
      }, {
        deadline,
        requestTimeoutMs: options.requestTimeoutMs,
        env,
        service: 'STS',
        resourceOf: () => ({ name: `role ${target.roleArn}`, region: target.region }),
      });
      stsCalls++;
      const answer = await sts.send(new AssumeRoleCommand({ RoleArn: target.roleArn, RoleSessionName: 'cdk-ecr-registry-report' }));
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) {
        throw new Error(`STS AssumeRole of ${target.roleArn} answered without credentials`);
      }
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    }
    phase = 'ECR';
    const common = {
      region: target.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
      deadline,
      requestTimeoutMs: options.requestTimeoutMs,
      env,
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
    let inventory: Inventory;
    let usage: RepositoryUsage[] | undefined;
    const usageCalls: Record<string, number> = {};
    try {
      inventory = await readInventory({
        client,
        optionalClient,
        region: target.region,
        account: target.account,
        concurrency: options.concurrency,
        requestsPerSecond: options.requestsPerSecond,
        onProgress: options.onProgress,
      });
      const listed = !inventory.model.gaps.some(g => g.part === 'repositories');
      if (options.usage && listed) {
        usage = await readUsage({
          client,
          repositories: inventory.model.repositories,
          region: target.region,
          registryId: target.account,
          prices: options.prices ?? ECR_STORAGE_PRICES,
          now: options.now ?? new Date(started),
          concurrency: options.concurrency,
          requestsPerSecond: options.requestsPerSecond,
          calls: usageCalls,
        });
      }
    } finally {
      client.destroy();
      optionalClient.destroy();
    }
    const model = inventory.model;
    const nothingRead = model.gaps.some(g => g.part === 'repositories')
      && model.gaps.some(g => g.part === 'registryScanning') && model.gaps.some(g => g.part === 'registryPolicy');
    const driftCalls: Record<string, number> = {};
    let drift: TargetDrift | undefined;
    if (declared && !nothingRead) {
      const stacks = stacksOfRegistry(declared.stacks, model.account, target.region);
      let physical: PhysicalIds | undefined;
      const needing = stacksNeedingIds(stacks, model);
      if (options.stackResources && needing.length > 0) {
        const reader = options.stackResources;
        physical = await readPhysicalIds(needing, async stack => {
          driftCalls.ListStackResources = (driftCalls.ListStackResources ?? 0) + 1;
          return reader(stack);
        }, { account: model.account, region: target.region });
      }
      drift = compareRegistry(stacks, model, physical);
    }
    const calls = { ...(stsCalls > 0 ? { AssumeRole: stsCalls } : {}), ...inventory.calls, ...usageCalls, ...driftCalls };
    if (nothingRead) {
      const first = model.gaps.find(g => g.part === 'repositories')!;
      return { ...base, status: 'failed', error: `nothing could be read: ${first.action}: ${first.reason}`, gaps: model.gaps, calls, durationMs: Date.now() - started };
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
  } catch (e) {
    const error = e instanceof WrongAccountError ? e.message
      : describeError(e, {
        call: phase,
        resource: { ...(target.account !== undefined ? { account: target.account } : {}), region: target.region },
      }).message;
    return { ...base, status: 'failed', error, calls: stsCalls > 0 ? { AssumeRole: stsCalls } : {}, durationMs: Date.now() - started };
  }
}
