// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the worker asset by esbuild (package time); the library never loads the worker
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the worker asset by esbuild (package time); the library never loads the worker
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AsffContext, AsffFinding, batches, lifecycle, resolvableAfter, resolved, toAsff, unreadableFinding } from './asff';
import {
  AuditTarget, ENV, keys, METRIC_DIMENSION, METRIC_NAMESPACE, METRIC_TARGETS_NOT_READ, PlanEvent, PlanResult, RUN_ID,
  SESSION_NAME, SummarizeEvent, TargetEvent, WorkerEvent,
} from './contract';
import { listAccounts } from './organizations';
import { organizationSummary, OrganizationSummary, summaryHtml, TargetSummary } from './summary';
import { logLine } from '../../private/escape';
import { parseJson } from '../../private/json';
import { RegistryReport, renderHtml, reportToJson, reportToSarif } from '../../report/live';
import { describeError, forClient } from '../../runtime';

/** What the worker is configured with (the construct sets it as environment variables). */
export interface WorkerConfig {
  readonly bucket: string;
  readonly regions: readonly string[];
  /** Empty: every ACTIVE account of the organization. */
  readonly accounts: readonly string[];
  readonly memberRoleName: string;
  readonly partition: string;
  readonly auditAccount: string;
  readonly auditName: string;
  readonly securityHub: boolean;
  readonly usage: boolean;
  readonly requestsPerSecond: number;
  readonly concurrency: number;
}

/** How the worker reaches AWS (tests: one emulator endpoint and its credentials). */
export interface WorkerOptions {
  readonly config: WorkerConfig;
  /** Epoch milliseconds by which every call has answered or failed (the Lambda function's time less a margin). */
  readonly deadline: number;
  /** One endpoint for every service (an emulator). @default - AWS's */
  readonly endpoint?: string;
  /** The worker's own credentials. @default - the SDK's default chain */
  readonly credentials?: any;
  /** The region of the worker's own clients (S3). @default AWS_REGION */
  readonly region?: string;
  /** When the run started. @default now */
  readonly now?: Date;
  /** Where the metric line goes (CloudWatch embedded metric format). @default console.log */
  readonly log?: (line: string) => void;
  readonly env?: Record<string, string | undefined>;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PARTITION = /^aws(-[a-z]+)*$/;
/** An S3 bucket name (3-63 lowercase letters, digits, `.` and `-`). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Limits of the worker's configuration (the construct's own limits, checked again where they are used). */
export const WORKER_LIMITS = {
  /** Regions read per account (`RegistryAudit` takes at most 40). */
  regions: 40,
  /** Accounts given by the construct (`RegistryAudit` takes at most 100,000). */
  accounts: 100_000,
  /** ECR requests started per second per target (`requestsPerSecond`: 1 to 1,000). */
  requestsPerSecond: 1000,
  /** ECR requests in flight per target (the construct sets 8). */
  concurrency: 64,
  /** The audit's name: a CloudWatch dimension value (at most 1,024 characters). */
  auditName: 1024,
} as const;

/**
 * An event or a configuration the worker refuses before any call: the message names the field (or
 * the environment variable), its value (escaped, at most 200 characters) and what is allowed.
 */
export class WorkerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerInputError';
  }
}

/** A value for a message: JSON when it has one, escaped and bounded; never throws. */
function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return logLine(text ?? (value === undefined ? 'missing' : `a value of type ${typeof value}`), 200);
}

/** The configuration from the environment; throws a `WorkerInputError` naming the variable, the value and what is allowed. */
export function configFromEnv(env: Record<string, string | undefined>): WorkerConfig {
  const bad = (name: string, allowed: string): never => {
    throw new WorkerInputError(`environment variable ${name} is ${shown(env[name])}: ${allowed} is allowed (the RegistryAudit construct sets it)`);
  };
  const get = (name: string, pattern: RegExp, allowed: string): string => {
    const v = env[name];
    if (typeof v !== 'string' || !pattern.test(v)) {
      bad(name, allowed);
    }
    return v as string;
  };
  const list = (name: string, pattern: RegExp, allowed: string, min: number, max: number): string[] => {
    const text = env[name];
    if (min === 0 && (text === undefined || text === '')) {
      return [];
    }
    let parsed: unknown;
    try {
      // Depth-limited: a hand-set variable must not exhaust the stack.
      parsed = parseJson(text ?? '', name);
    } catch {
      parsed = undefined;
    }
    const what = `a JSON array of ${min} to ${max.toLocaleString('en-US')} distinct ${allowed}`;
    if (!Array.isArray(parsed) || parsed.length < min || parsed.length > max
      || parsed.some(x => typeof x !== 'string' || !pattern.test(x)) || new Set(parsed).size !== parsed.length) {
      bad(name, what);
    }
    return parsed as string[];
  };
  const whole = (name: string, max: number): number => {
    const v = env[name];
    const n = typeof v === 'string' && /^\d{1,7}$/.test(v) ? Number(v) : NaN;
    if (!(n >= 1 && n <= max)) {
      bad(name, `a whole number from 1 to ${max.toLocaleString('en-US')}`);
    }
    return n;
  };
  // A switch the worker does not understand ("yes", "TRUE") is refused, never read as false.
  const flag = (name: string): boolean => {
    const v = env[name];
    if (v !== undefined && v !== 'true' && v !== 'false') {
      bad(name, '"true", "false" or nothing');
    }
    return v === 'true';
  };
  return {
    bucket: get(ENV.bucket, BUCKET, 'an S3 bucket name (3-63 lowercase letters, digits, . and -)'),
    regions: list(ENV.regions, REGION, 'region names', 1, WORKER_LIMITS.regions),
    accounts: list(ENV.accounts, ACCOUNT, '12-digit account ids', 0, WORKER_LIMITS.accounts),
    memberRoleName: get(ENV.memberRoleName, ROLE_NAME, 'an IAM role name (1-64 letters, digits and +=,.@_-)'),
    partition: get(ENV.partition, PARTITION, 'an AWS partition (aws, aws-cn, aws-us-gov, ...)'),
    auditAccount: get(ENV.auditAccount, ACCOUNT, 'a 12-digit account id'),
    // eslint-disable-next-line no-control-regex
    auditName: get(ENV.auditName, new RegExp(`^[^\\u0000-\\u001f\\u007f-\\u009f]{1,${WORKER_LIMITS.auditName}}$`), `1 to ${WORKER_LIMITS.auditName} characters without control characters`),
    securityHub: flag(ENV.securityHub),
    usage: flag(ENV.usage),
    requestsPerSecond: whole(ENV.requestsPerSecond, WORKER_LIMITS.requestsPerSecond),
    concurrency: whole(ENV.concurrency, WORKER_LIMITS.concurrency),
  };
}

const EVENT_FIELDS: Record<string, readonly string[]> = {
  plan: ['action', 'runId'],
  summarize: ['action', 'runId'],
  target: ['action', 'runId', 'target'],
};

/**
 * Check an event by type and value before any call (it comes from the state machine, or from
 * whoever may invoke the function). Throws a `WorkerInputError` naming the field, its value and
 * what is allowed; no other field is accepted.
 */
export function validateEvent(event: unknown): WorkerEvent {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new WorkerInputError(`invalid worker event: ${field} is ${shown(value)}: ${allowed} is allowed`);
  };
  const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isRecord(event)) {
    return bad('the event', event, 'an object {"action": "plan" | "target" | "summarize", "runId", "target" (with action target)}');
  }
  const e = event as Record<string, unknown>;
  const action = Object.prototype.hasOwnProperty.call(e, 'action') ? e.action : undefined;
  if (typeof action !== 'string' || !Object.prototype.hasOwnProperty.call(EVENT_FIELDS, action)) {
    return bad('action', action, 'one of "plan", "target", "summarize"');
  }
  const fields = EVENT_FIELDS[action];
  const extra = Object.keys(e).find(k => !fields.includes(k));
  if (extra !== undefined) {
    bad(`field ${logLine(JSON.stringify(extra), 100)}`, e[extra], `no such field (an event of action ${action} has ${fields.join(', ')})`);
  }
  if (typeof e.runId !== 'string' || !RUN_ID.test(e.runId)) {
    bad('runId', e.runId, '1 to 80 letters, digits, - or _');
  }
  const runId = e.runId as string;
  if (action !== 'target') {
    return { action: action as 'plan' | 'summarize', runId };
  }
  const t = e.target;
  if (!isRecord(t)) {
    return bad('target', t, 'an object {"account", "region"}');
  }
  const extraInTarget = Object.keys(t).find(k => k !== 'account' && k !== 'region');
  if (extraInTarget !== undefined) {
    bad(`target field ${logLine(JSON.stringify(extraInTarget), 100)}`, t[extraInTarget], 'no such field (a target has account and region)');
  }
  if (typeof t.account !== 'string' || !ACCOUNT.test(t.account)) {
    bad('target.account', t.account, 'a 12-digit account id');
  }
  if (typeof t.region !== 'string' || !REGION.test(t.region)) {
    bad('target.region', t.region, 'a region name (such as eu-west-1)');
  }
  return { action: 'target', runId, target: { account: t.account as string, region: t.region as string } };
}

/** The worker's clients, each through the runtime client policy. */
class Clients {
  private s3Client?: S3Client;
  constructor(private readonly options: WorkerOptions) {}

  private common(region: string, credentials: any) {
    return {
      region,
      ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
    };
  }

  public get s3(): S3Client {
    const region = this.options.region ?? this.options.env?.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1';
    const s3Config = { ...this.common(region, this.options.credentials), forcePathStyle: this.options.endpoint !== undefined };
    this.s3Client ??= forClient(S3Client, s3Config, {
      deadline: this.options.deadline,
      service: 'S3',
      env: this.options.env,
      resourceOf: input => ({ name: `s3://${String(input.Bucket)}/${String(input.Key ?? input.Prefix ?? '')}` }),
    });
    return this.s3Client;
  }

  public sts(region: string): STSClient {
    return forClient(STSClient, this.common(region, this.options.credentials), {
      deadline: this.options.deadline,
      service: 'STS',
      env: this.options.env,
      resourceOf: input => ({ name: `role ${String(input.RoleArn)}`, region }),
    });
  }

  public securityHub(region: string, account: string, credentials: any): SecurityHubClient {
    return forClient(SecurityHubClient, this.common(region, credentials), {
      deadline: this.options.deadline,
      service: 'SecurityHub',
      env: this.options.env,
      resourceOf: () => ({ account, region }),
    });
  }

  public destroy(): void {
    this.s3Client?.destroy();
  }
}

async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await answer.Body!.transformToString('utf8');
    return JSON.parse(text) as T;
  } catch (e) {
    const code = (e as any)?.code ?? (e as any)?.name;
    if (code === 'NoSuchKey' || (e as any)?.cause?.name === 'NoSuchKey') {
      return undefined;
    }
    throw e;
  }
}

async function put(s3: S3Client, bucket: string, key: string, body: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/** The first step: every account (given or listed) x every region, written to S3 for the Distributed Map. */
export async function plan(event: PlanEvent, options: WorkerOptions): Promise<PlanResult> {
  const { config } = options;
  const accounts = config.accounts.length > 0 ? [...config.accounts] : await listAccounts(options);
  const targets: AuditTarget[] = [...new Set(accounts)].sort().flatMap(account => config.regions.map(region => ({ account, region })));
  const clients = new Clients(options);
  try {
    const key = keys.targets(event.runId);
    await put(clients.s3, config.bucket, key, JSON.stringify(targets), 'application/json');
    return { runId: event.runId, bucket: config.bucket, key, count: targets.length };
  } finally {
    clients.destroy();
  }
}

/** What a target's import did. */
interface ImportResult {
  readonly imported: number;
  readonly resolved: number;
  readonly error?: string;
}

async function importFindings(client: SecurityHubClient, findings: readonly AsffFinding[]): Promise<number> {
  let imported = 0;
  for (const batch of batches(findings)) {
    const answer = await client.send(new BatchImportFindingsCommand({ Findings: batch as any }));
    if ((answer.FailedCount ?? 0) > 0) {
      const first = answer.FailedFindings?.[0];
      throw new Error(`SecurityHub BatchImportFindings refused ${answer.FailedCount} of ${batch.length} findings `
        + `(first: ${first?.Id}: ${first?.ErrorCode} ${first?.ErrorMessage})`);
    }
    imported += answer.SuccessCount ?? batch.length;
  }
  return imported;
}

/** The findings kept for a target between runs (in S3, `state/<account>/<region>/findings.json`). */
interface TargetState {
  /** The member account's findings still active. */
  readonly findings: AsffFinding[];
  /** The audit account's "could not be read" finding, while it is active. */
  readonly unreadable?: AsffFinding;
}

/** One item of the Distributed Map: read a registry through the member role, write its reports, import its findings. */
export async function readTarget(event: TargetEvent, options: WorkerOptions): Promise<TargetSummary> {
  const { config } = options;
  const { target, runId } = event;
  const started = Date.now();
  const now = options.now ?? new Date();
  const clients = new Clients(options);
  const roleArn = `arn:${config.partition}:iam::${target.account}:role/${config.memberRoleName}`;
  try {
    const previous = await getJson<TargetState>(clients.s3, config.bucket, keys.state(target)) ?? { findings: [] };
    let credentials: any;
    let failure: string | undefined;
    let calls: Record<string, number> = {};
    const sts = clients.sts(target.region);
    try {
      const answer = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME }));
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) {
        throw new Error(`STS AssumeRole of ${roleArn} answered without credentials`);
      }
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      calls.AssumeRole = 1;
    } catch (e) {
      failure = describeError(e, { call: 'STS AssumeRole', resource: { name: `role ${roleArn}`, region: target.region } }).message;
      calls.AssumeRole = 1;
    } finally {
      sts.destroy();
    }

    let report: RegistryReport | undefined;
    if (credentials) {
      report = await RegistryReport.read({
        targets: [{ account: target.account, region: target.region }],
        credentials,
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        deadline: options.deadline,
        usage: config.usage,
        concurrency: config.concurrency,
        requestsPerSecond: config.requestsPerSecond,
        targetConcurrency: 1,
        now,
        env: options.env,
      });
      const t = report.targets[0];
      calls = { ...calls, ...t.calls };
      if (t.status === 'failed') {
        failure = t.error ?? 'nothing could be read';
      }
    }
    const t = report?.targets[0];

    // The reports of the target, whatever became of it (a failed target's JSON says why).
    if (report) {
      const json = reportToJson(report, 'none');
      await put(clients.s3, config.bucket, keys.target(runId, target, 'report.json'), JSON.stringify(json, null, 2), 'application/json');
      await put(clients.s3, config.bucket, keys.target(runId, target, 'report.sarif'), JSON.stringify(reportToSarif(report), null, 2), 'application/sarif+json');
      await put(clients.s3, config.bucket, keys.target(runId, target, 'report.html'), renderHtml(json), 'text/html; charset=utf-8');
    }

    let imports: ImportResult = { imported: 0, resolved: 0 };
    if (config.securityHub) {
      imports = await importTarget(clients, options, target, runId, now, previous, failure, credentials, report);
    }
    const usage = t?.usage ?? [];
    const findingsByRule: Record<string, number> = {};
    for (const f of t?.findings ?? []) {
      findingsByRule[f.ruleId] = (findingsByRule[f.ruleId] ?? 0) + 1;
    }
    const summary: TargetSummary = {
      account: target.account,
      region: target.region,
      status: failure !== undefined ? 'failed' : t!.status,
      ...(failure !== undefined ? { error: failure } : {}),
      repositories: t?.model?.repositories.length ?? 0,
      findings: t?.findings.length ?? 0,
      findingsByRule,
      gaps: t?.gaps.length ?? 0,
      bytes: usage.reduce((s, u) => s + u.bytes.total, 0),
      monthlyCost: usage.reduce((s, u) => s + u.monthlyCost, 0),
      largestRepositories: usage.slice(0, 5).map(u => ({ name: u.name, bytes: u.bytes.total, monthlyCost: u.monthlyCost })),
      imported: imports.imported,
      resolved: imports.resolved,
      ...(imports.error !== undefined ? { importError: imports.error } : {}),
      calls,
      durationMs: Date.now() - started,
    };
    await put(clients.s3, config.bucket, keys.target(runId, target, 'summary.json'), JSON.stringify(summary), 'application/json');
    return summary;
  } finally {
    clients.destroy();
  }
}

/**
 * Security Hub for one target. A target read: its findings from the member account (through its
 * role), the gone ones resolved when the read was complete, and the audit account's "could not be
 * read" finding resolved. A target not read: that finding, from the audit account. The state is
 * written only after every import succeeded, so a failed import is retried by the next run.
 */
async function importTarget(
  clients: Clients, options: WorkerOptions, target: AuditTarget, runId: string, now: Date,
  previous: TargetState, failure: string | undefined, credentials: any, report: RegistryReport | undefined,
): Promise<ImportResult> {
  const { config } = options;
  const auditCtx: AsffContext = { account: config.auditAccount, region: target.region, partition: config.partition, runId, now };
  const memberCtx: AsffContext = { ...auditCtx, account: target.account };
  let imported = 0;
  let resolvedCount = 0;
  let state: TargetState;
  try {
    if (failure !== undefined) {
      const finding = unreadableFinding(target, failure, auditCtx);
      const kept = previous.unreadable ? { ...finding, CreatedAt: previous.unreadable.CreatedAt } : finding;
      const hub = clients.securityHub(target.region, config.auditAccount, options.credentials);
      try {
        imported += await importFindings(hub, [kept]);
      } finally {
        hub.destroy();
      }
      state = { findings: previous.findings, unreadable: kept };
    } else {
      const t = report!.targets[0];
      const rules = new Map(report!.rules.map(r => [r.id, r]));
      const current = t.findings.map(f => toAsff(f, rules.get(f.ruleId), memberCtx));
      const names = new Set((t.model?.repositories ?? []).flatMap(r => (r.name !== undefined ? [r.name] : [])));
      const decided = lifecycle(current, previous.findings, memberCtx, resolvableAfter(t.gaps, names));
      const hub = clients.securityHub(target.region, target.account, credentials);
      try {
        imported += await importFindings(hub, decided.imports);
      } finally {
        hub.destroy();
      }
      resolvedCount += decided.resolvedIds.length;
      if (previous.unreadable) {
        const own = clients.securityHub(target.region, config.auditAccount, options.credentials);
        try {
          imported += await importFindings(own, [resolved(previous.unreadable, auditCtx)]);
        } finally {
          own.destroy();
        }
        resolvedCount++;
      }
      state = { findings: decided.state };
    }
  } catch (e) {
    const message = e instanceof Error && /^SecurityHub BatchImportFindings refused/.test(e.message) ? e.message
      : describeError(e, {
        call: 'SecurityHub BatchImportFindings',
        resource: { account: failure ? config.auditAccount : target.account, region: target.region },
      }).message;
    return { imported, resolved: resolvedCount, error: message };
  }
  await put(clients.s3, config.bucket, keys.state(target), JSON.stringify(state), 'application/json');
  return { imported, resolved: resolvedCount };
}

/** The last step: every target's summary into the organization's, and the metric of targets not read. */
export async function summarize(event: SummarizeEvent, options: WorkerOptions): Promise<OrganizationSummary> {
  const { config } = options;
  const clients = new Clients(options);
  try {
    const planned = await getJson<AuditTarget[]>(clients.s3, config.bucket, keys.targets(event.runId)) ?? [];
    const summaryKeys: string[] = [];
    let token: string | undefined;
    do {
      const list = new ListObjectsV2Command({ Bucket: config.bucket, Prefix: keys.targetPrefix(event.runId), ContinuationToken: token });
      const page = await clients.s3.send(list);
      summaryKeys.push(...(page.Contents ?? []).map(o => o.Key!).filter(k => k.endsWith('/summary.json')));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const summaries: TargetSummary[] = [];
    let next = 0;
    const reader = async () => {
      while (next < summaryKeys.length) {
        const key = summaryKeys[next++];
        const s = await getJson<TargetSummary>(clients.s3, config.bucket, key);
        if (s) {
          summaries.push(s);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, Math.max(1, summaryKeys.length)) }, reader));
    const org = organizationSummary(event.runId, options.now ?? new Date(), planned, summaries);
    await put(clients.s3, config.bucket, keys.summaryJson(event.runId), JSON.stringify(org, null, 2), 'application/json');
    await put(clients.s3, config.bucket, keys.summaryHtml(event.runId), summaryHtml(org), 'text/html; charset=utf-8');
    (options.log ?? console.log)(metricLine(config.auditName, org.targets.notRead, options.now ?? new Date()));
    return org;
  } finally {
    clients.destroy();
  }
}

/** One CloudWatch embedded-metric-format line: CloudWatch Logs turns it into the metric (no call, no permission). */
export function metricLine(auditName: string, notRead: number, at: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[METRIC_DIMENSION]], Metrics: [{ Name: METRIC_TARGETS_NOT_READ, Unit: 'Count' }] }],
    },
    [METRIC_DIMENSION]: auditName,
    [METRIC_TARGETS_NOT_READ]: notRead,
  });
}

/** Run one event. */
export async function runWorker(event: unknown, options: WorkerOptions): Promise<unknown> {
  const e = validateEvent(event);
  switch (e.action) {
    case 'plan':
      return plan(e, options);
    case 'target':
      return readTarget(e, options);
    case 'summarize':
      return summarize(e, options);
  }
}

/** What one run did, when run in process (`runLocally`). */
export interface LocalRun {
  readonly plan: PlanResult;
  readonly targets: TargetSummary[];
  readonly summary: OrganizationSummary;
  /** Worker invocations: plan, one per target, summarize. */
  readonly invocations: number;
}

/**
 * One run as the state machine makes it, in this process: plan, every target (`maxConcurrency` at
 * a time, each read starting from the target list in S3 as the Distributed Map's ItemReader does),
 * then the summary. For tests and the bench.
 */
export async function runLocally(runId: string, options: WorkerOptions, maxConcurrency = 10): Promise<LocalRun> {
  const planned = await plan({ action: 'plan', runId }, options);
  const clients = new Clients(options);
  let items: AuditTarget[];
  try {
    items = await getJson<AuditTarget[]>(clients.s3, planned.bucket, planned.key) ?? [];
  } finally {
    clients.destroy();
  }
  const targets: TargetSummary[] = new Array(items.length);
  let next = 0;
  const child = async () => {
    while (next < items.length) {
      const i = next++;
      targets[i] = await readTarget({ action: 'target', runId, target: items[i] }, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxConcurrency, items.length) }, child));
  const summary = await summarize({ action: 'summarize', runId }, options);
  return { plan: planned, targets, summary, invocations: items.length + 2 };
}
