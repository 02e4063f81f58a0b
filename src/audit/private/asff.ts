import { createHash } from 'crypto';
import type { Finding, RuleInfo } from '../../report/live';

/**
 * Findings in the AWS Security Finding Format (ASFF), for Security Hub's `BatchImportFindings`.
 *
 * - Imported with the account's default product (`product/<account>/default`), from the account
 *   whose id is the finding's `AwsAccountId`, in the target's region: that is where they land.
 * - The `Id` is stable per rule and resource, so a later run updates a finding instead of adding one.
 * - Severity and types go in `FindingProviderFields` (what a finding provider sets; the top-level
 *   fields are the customer's to change).
 * - A finding that is gone is imported once more with compliance `PASSED` and record state
 *   `ARCHIVED`, decided from the ids imported last (kept in S3), never from `GetFindings`.
 */

/** The ASFF schema version. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** The `GeneratorId` prefix and `ProductFields` key prefix. */
export const GENERATOR = 'cdk-ecr-registry';

/** At most this many findings per `BatchImportFindings` call (Security Hub's limit). */
export const IMPORT_BATCH = 100;

/** Security Hub's size limits of the fields we fill (characters). */
const LIMITS = { title: 256, description: 1024, recommendation: 512, id: 512 };

/** Where the rules are described. */
const RULES_URL = 'https://github.com/cdk-ecr-registry/cdk-ecr-registry/blob/main/docs/compliance.md#the-ecrchecks-rule-pack';
const AUDIT_URL = 'https://github.com/cdk-ecr-registry/cdk-ecr-registry/blob/main/docs/audit.md';

/** The types of every finding (ASFF's namespace/category taxonomy). */
export const FINDING_TYPES = ['Software and Configuration Checks/AWS Security Best Practices'];

/** One ASFF finding (the fields this library writes). */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Region: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Title: string;
  readonly Description: string;
  readonly Remediation?: { Recommendation: { Text: string; Url: string } };
  readonly ProductFields: Record<string, string>;
  readonly Resources: Array<{ Type: string; Id: string; Partition: string; Region: string; Details?: Record<string, any> }>;
  readonly Compliance: { Status: 'FAILED' | 'PASSED' };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly FindingProviderFields: { Severity: { Label: string; Original: string }; Types: string[] };
}

/** Where findings are imported: the account, its region and partition. */
export interface AsffContext {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The run (ProductFields). */
  readonly runId: string;
  /** When the run started (UpdatedAt). */
  readonly now: Date;
}

/** The account's default product ARN: the only product it may import into without integration. */
export function defaultProductArn(partition: string, region: string, account: string): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** The stable id of a finding of a rule on a resource (its rule, its ARN and its name). */
export function findingId(f: Pick<Finding, 'ruleId' | 'resource' | 'resourceName'>): string {
  const hash = createHash('sha256').update(`${f.ruleId}\n${f.resource}\n${f.resourceName}`).digest('hex').slice(0, 32);
  return cut(`${GENERATOR}/${f.ruleId}/${hash}`, LIMITS.id);
}

/** The stable id of the "could not be read" finding of a target. */
export function unreadableId(account: string, region: string): string {
  return `${GENERATOR}/TargetNotRead/${account}/${region}`;
}

function severity(label: 'HIGH' | 'MEDIUM', original: string) {
  return { Label: label, Original: original };
}

/** One audit finding as ASFF, in the finding's account. */
export function toAsff(f: Finding, rule: RuleInfo | undefined, ctx: AsffContext): AsffFinding {
  const now = ctx.now.toISOString();
  const isRepository = f.resourceKind === 'repository';
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(f),
    ProductArn: defaultProductArn(ctx.partition, ctx.region, ctx.account),
    GeneratorId: `${GENERATOR}/${f.ruleId}`,
    AwsAccountId: ctx.account,
    Region: ctx.region,
    Types: FINDING_TYPES,
    CreatedAt: now,
    UpdatedAt: now,
    Title: cut(`${f.ruleId}: ${f.title}`, LIMITS.title),
    Description: cut(`${f.resourceName}: ${f.message}.${rule?.controls ? ` Controls: ${rule.controls}.` : ''}`, LIMITS.description),
    ...(rule?.fix ? { Remediation: { Recommendation: { Text: cut(rule.fix, LIMITS.recommendation), Url: RULES_URL } } } : {}),
    ProductFields: {
      [`${GENERATOR}/RuleId`]: f.ruleId,
      [`${GENERATOR}/ResourceKind`]: f.resourceKind,
      [`${GENERATOR}/RunId`]: ctx.runId,
    },
    Resources: [{
      Type: isRepository ? 'AwsEcrRepository' : 'Other',
      Id: f.resource,
      Partition: ctx.partition,
      Region: ctx.region,
      ...(isRepository ? { Details: { AwsEcrRepository: { RepositoryName: f.resourceName } } } : {}),
    }],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    FindingProviderFields: { Severity: severity(f.severity === 'error' ? 'HIGH' : 'MEDIUM', f.severity), Types: FINDING_TYPES },
  };
}

/**
 * The finding that a target could not be read, in the audit account (its role in the member
 * account may be what is missing, so the member account cannot import it).
 */
export function unreadableFinding(target: { account: string; region: string }, reason: string, ctx: AsffContext): AsffFinding {
  const now = ctx.now.toISOString();
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: unreadableId(target.account, target.region),
    ProductArn: defaultProductArn(ctx.partition, ctx.region, ctx.account),
    GeneratorId: `${GENERATOR}/TargetNotRead`,
    AwsAccountId: ctx.account,
    Region: ctx.region,
    Types: FINDING_TYPES,
    CreatedAt: now,
    UpdatedAt: now,
    Title: cut(`ECR registry of account ${target.account} in ${target.region} could not be audited`, LIMITS.title),
    Description: cut(`The organization audit could not read the registry: ${reason}`, LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: 'Deploy the audit member role (the StackSet of docs/audit.md) to the account, or give the audit the permissions the error names.',
        Url: AUDIT_URL,
      },
    },
    ProductFields: { [`${GENERATOR}/RuleId`]: 'TargetNotRead', [`${GENERATOR}/RunId`]: ctx.runId },
    Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${target.account}`, Partition: ctx.partition, Region: target.region }],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    FindingProviderFields: { Severity: severity('HIGH', 'TargetNotRead'), Types: FINDING_TYPES },
  };
}

/** A finding imported before that is gone now: compliance PASSED, record ARCHIVED. */
export function resolved(previous: AsffFinding, ctx: AsffContext): AsffFinding {
  return {
    ...previous,
    UpdatedAt: ctx.now.toISOString(),
    ProductFields: { ...previous.ProductFields, [`${GENERATOR}/RunId`]: ctx.runId },
    Compliance: { Status: 'PASSED' },
    RecordState: 'ARCHIVED',
  };
}

/**
 * This run's import: every current finding (keeping the first `CreatedAt` of one seen before) and
 * every previous finding that is gone and `resolvable` (its part of the registry was read this
 * time), resolved. `state` is what to keep for the next run: the findings still active, and the
 * gone ones that could not be judged (a gap is never a pass).
 */
export function lifecycle(
  current: readonly AsffFinding[], previous: readonly AsffFinding[], ctx: AsffContext, resolvable: (previous: AsffFinding) => boolean,
):
  { imports: AsffFinding[]; state: AsffFinding[]; resolvedIds: string[] } {
  const before = new Map(previous.map(p => [p.Id, p]));
  const now = new Set<string>();
  const active = current.map(c => {
    now.add(c.Id);
    const earlier = before.get(c.Id);
    return earlier ? { ...c, CreatedAt: earlier.CreatedAt } : c;
  });
  const gone = previous.filter(p => !now.has(p.Id));
  const resolvedNow = gone.filter(resolvable).map(p => resolved(p, ctx));
  const carried = gone.filter(p => !resolvable(p));
  return { imports: [...active, ...resolvedNow], state: [...active, ...carried], resolvedIds: resolvedNow.map(r => r.Id) };
}

/** Parts read per repository: a gap of one (with its repository, or for a batch without one) hides that repository's rules. */
const PER_REPOSITORY_PARTS = new Set(['repositoryScanning', 'lifecyclePolicies', 'repositoryPolicies', 'tags']);

/**
 * Whether a finding imported before can be resolved after a read with these gaps: nothing when the
 * repositories could not be listed; a repository's finding when that repository is gone or none of
 * its parts is a gap; a registry-wide finding when no registry-wide part is a gap.
 */
export function resolvableAfter(gaps: ReadonlyArray<{ part: string; repository?: string }>, repositories: ReadonlySet<string>):
(previous: AsffFinding) => boolean {
  if (gaps.some(g => g.part === 'repositories')) {
    return () => false;
  }
  const registryGap = gaps.some(g => g.repository === undefined && !PER_REPOSITORY_PARTS.has(g.part));
  const batchGap = gaps.some(g => g.repository === undefined && PER_REPOSITORY_PARTS.has(g.part));
  const repoGaps = new Set(gaps.flatMap(g => (g.repository !== undefined ? [g.repository] : [])));
  return p => {
    const name = p.Resources[0]?.Details?.AwsEcrRepository as { RepositoryName?: string } | undefined;
    if (name?.RepositoryName !== undefined) {
      return !repositories.has(name.RepositoryName) || (!batchGap && !repoGaps.has(name.RepositoryName));
    }
    return !registryGap;
  };
}

/** Split into `BatchImportFindings` calls. */
export function batches<T>(items: readonly T[], size = IMPORT_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
