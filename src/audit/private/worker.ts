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

/** The configuration from the environment; throws naming the variable, the value and what is allowed. */
export function configFromEnv(env: Record<string, string | undefined>): WorkerConfig {
  const get = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') {
      throw new Error(`environment variable ${name} is not set (the RegistryAudit construct sets it)`);
    }
    return v;
  };
  const list = (name: string, pattern: RegExp, what: string, optional: boolean): string[] => {
    const text = env[name];
    if (optional && (text === undefined || text === '' || text === '[]')) {
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text ?? '');
    } catch {
      throw new Error(`environment variable ${name} is not a JSON array of ${what}: ${JSON.stringify(text)}`);
    }
    if (!Array.isArray(parsed) || parsed.some(x => typeof x !== 'string' || !pattern.test(x)) || (!optional && parsed.length === 0)) {
      throw new Error(`environment variable ${name} is not a JSON array of ${what}: ${JSON.stringify(text)}`);
    }
    return parsed as string[];
  };
  const positive = (name: string): number => {
    const n = Number(get(name));
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`environment variable ${name} is ${JSON.stringify(env[name])}: a positive number is allowed`);
    }
    return n;
  };
  const check = (name: string, pattern: RegExp, what: string): string => {
    const v = get(name);
    if (!pattern.test(v)) {
      throw new Error(`environment variable ${name} is ${JSON.stringify(v)}: ${what} is allowed`);
    }
    return v;
  };
  return {
    bucket: get(ENV.bucket),
    regions: list(ENV.regions, REGION, 'region names', false),
    accounts: list(ENV.accounts, ACCOUNT, '12-digit account ids', true),
    memberRoleName: check(ENV.memberRoleName, ROLE_NAME, 'an IAM role name'),
    partition: check(ENV.partition, PARTITION, 'an AWS partition (aws, aws-cn, aws-us-gov)'),
    auditAccount: check(ENV.auditAccount, ACCOUNT, 'a 12-digit account id'),
    auditName: get(ENV.auditName),
    securityHub: env[ENV.securityHub] === 'true',
    usage: env[ENV.usage] === 'true',
    requestsPerSecond: positive(ENV.requestsPerSecond),
    concurrency: positive(ENV.concurrency),
  };
}

/** Check an event before any call (it comes from the state machine, or from whoever may invoke the function). */
export function validateEvent(event: unknown): WorkerEvent {
  const e = event as Record<string, any> | null;
  const bad = (what: string) => new Error(`invalid worker event ${JSON.stringify(event)?.slice(0, 300)}: ${what}`);
  if (e === null || typeof e !== 'object') {
    throw bad('an object with action plan, target or summarize is allowed');
  }
  if (typeof e.runId !== 'string' || !RUN_ID.test(e.runId)) {
    throw bad('runId must be 1-80 letters, digits, - or _');
  }
  switch (e.action) {
    case 'plan':
    case 'summarize':
      return { action: e.action, runId: e.runId };
    case 'target':
      if (typeof e.target?.account !== 'string' || !ACCOUNT.test(e.target.account) || typeof e.target?.region !== 'string' || !REGION.test(e.target.region)) {
        throw bad('target must be { account: 12 digits, region: a region name }');
      }
      return { action: 'target', runId: e.runId, target: { account: e.target.account, region: e.target.region } };
    default:
      throw bad('action must be plan, target or summarize');
  }
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
