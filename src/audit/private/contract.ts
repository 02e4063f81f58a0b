/**
 * What the `RegistryAudit` construct and its worker function agree on: the events the state
 * machine sends, the environment the construct sets, the S3 layout and the metric. Imports nothing,
 * so the worker bundle stays free of aws-cdk-lib.
 */

/** The worker's environment variables (set by the construct). */
export const ENV = {
  /** The results bucket. */
  bucket: 'AUDIT_BUCKET',
  /** JSON array of the regions to read. */
  regions: 'AUDIT_REGIONS',
  /** JSON array of the accounts to read; empty or absent: every ACTIVE account of the organization. */
  accounts: 'AUDIT_ACCOUNTS',
  /** The member role's name (the same in every account). */
  memberRoleName: 'AUDIT_MEMBER_ROLE_NAME',
  /** The partition (`aws`, `aws-cn`, ...). */
  partition: 'AUDIT_PARTITION',
  /** The audit (security) account's id. */
  auditAccount: 'AUDIT_ACCOUNT',
  /** The audit's name: the metric's dimension. */
  auditName: 'AUDIT_NAME',
  /** `true`: import findings into Security Hub. */
  securityHub: 'AUDIT_SECURITY_HUB',
  /** `true`: read every image (storage and cost). */
  usage: 'AUDIT_USAGE',
  /** ECR requests started per second per target. */
  requestsPerSecond: 'AUDIT_REQUESTS_PER_SECOND',
  /** ECR requests in flight per target. */
  concurrency: 'AUDIT_CONCURRENCY',
} as const;

/** The STS session name of the worker in member accounts (CloudTrail shows it). */
export const SESSION_NAME = 'cdk-ecr-registry-audit';

/** The default name of the role in each member account. */
export const DEFAULT_MEMBER_ROLE_NAME = 'cdk-ecr-registry-audit';

/** CloudWatch namespace and metric of targets not read in a run. */
export const METRIC_NAMESPACE = 'CdkEcrRegistry/Audit';
export const METRIC_TARGETS_NOT_READ = 'TargetsNotRead';
export const METRIC_DIMENSION = 'AuditName';

/** One registry to read. */
export interface AuditTarget {
  readonly account: string;
  readonly region: string;
}

/** The state machine's first step: list the targets. */
export interface PlanEvent {
  readonly action: 'plan';
  /** The execution's name: the run's id and S3 prefix. */
  readonly runId: string;
}

/** What `plan` answers: where the target list is (the Distributed Map's ItemReader). */
export interface PlanResult {
  readonly runId: string;
  readonly bucket: string;
  readonly key: string;
  readonly count: number;
}

/** One item of the Distributed Map: read one target. */
export interface TargetEvent {
  readonly action: 'target';
  readonly runId: string;
  readonly target: AuditTarget;
}

/** The last step: the organization summary and the metric. */
export interface SummarizeEvent {
  readonly action: 'summarize';
  readonly runId: string;
}

export type WorkerEvent = PlanEvent | TargetEvent | SummarizeEvent;

/** Where a run's outputs go (every key under `runs/<runId>/`). */
export const keys = {
  targets: (runId: string) => `runs/${runId}/targets.json`,
  targetPrefix: (runId: string) => `runs/${runId}/targets/`,
  target: (runId: string, t: AuditTarget, file: 'report.json' | 'report.sarif' | 'report.html' | 'summary.json') =>
    `runs/${runId}/targets/${t.account}/${t.region}/${file}`,
  summaryJson: (runId: string) => `runs/${runId}/summary.json`,
  summaryHtml: (runId: string) => `runs/${runId}/summary.html`,
  mapResults: (runId: string) => `runs/${runId}/map`,
  /** The findings imported last for a target (kept across runs: what a later run resolves). */
  state: (t: AuditTarget) => `state/${t.account}/${t.region}/findings.json`,
};

/** A run id: the execution name Step Functions gives (or one given to a manual start). */
export const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;
