import { readFileSync } from 'fs';
import { join } from 'path';
import { Finding } from './audit';
import { DriftEntry, DriftKind, DriftResource, isDrift, TargetDrift } from './drift';
import { FailOn, REPORT_SCHEMA_VERSION, RegistryReport, TargetReport } from './report';
import { RepositoryUsage, StoragePrices } from './usage';
import { itemsOf, KindItem } from '../model/descriptor';
import { kinds } from '../model/kind-list';
import { ReadGap, RegistryModel, RepositoryModel } from '../model/settings';
import { one, textOf as text } from '../model/values';

/** The `--json` form of a report: see schema/report.schema.json and docs/report-schema.md. */
export interface ReportJson {
  readonly schemaVersion: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly generatedAt: string;
  readonly failOn: FailOn;
  readonly summary: {
    readonly targets: number;
    readonly targetsFailed: number;
    readonly repositories: number;
    readonly findings: number;
    readonly findingsBySeverity: { readonly error: number; readonly warning: number };
    readonly findingsByRule: Readonly<Record<string, number>>;
    readonly gaps: number;
    readonly exceedsFailOn: boolean;
  };
  readonly rules: readonly { id: string; severity: string; title: string; fix: string; controls: string }[];
  readonly targets: readonly TargetJson[];
  /** Totals of the storage and cost of every target (1.1; null when usage was not read). */
  readonly usage: UsageSummaryJson | null;
  /** The assembly the registries were compared with (1.2; null without `--assembly`). */
  readonly drift: DriftSummaryJson | null;
}

/** The assembly side of drift, and counts over every target (1.2). */
export interface DriftSummaryJson {
  /** The `--assembly` directory as given. */
  readonly assembly: string;
  /** Every stack of the assembly (stages and nested stacks included). */
  readonly stacks: readonly DeclaredStackJson[];
  /** Entries over every target, by kind. */
  readonly counts: { readonly missing: number; readonly unmanaged: number; readonly differs: number; readonly notComparable: number };
  /** Whether `--fail-on-drift` was given. */
  readonly failOnDrift: boolean;
  /** `failOnDrift` and at least one missing, unmanaged or differing entry (exit code 3). */
  readonly exceedsFailOnDrift: boolean;
}

/** One declared stack and the targets it was compared with. */
export interface DeclaredStackJson {
  readonly stackName: string | null;
  readonly artifactId: string;
  readonly displayName: string;
  readonly account: string | null;
  readonly region: string | null;
  readonly repositories: number;
  readonly targets: readonly number[];
  readonly note: string | null;
}

/** One registry's drift (1.2). */
export interface TargetDriftJson {
  readonly stacks: readonly string[];
  readonly summary: TargetDrift['summary'];
  readonly entries: readonly DriftEntryJson[];
}

/** One drift entry (1.2): every field present, `null` when it does not apply. */
export interface DriftEntryJson {
  readonly kind: DriftKind;
  readonly resource: DriftResource;
  readonly name: string | null;
  readonly property: string | null;
  readonly declared: unknown;
  readonly live: unknown;
  readonly stack: string | null;
  readonly logicalId: string | null;
  readonly path: string | null;
  readonly governedBy: string | null;
  readonly reason: string;
}

/** Totals of `usage` over every target. */
export interface UsageSummaryJson {
  readonly prices: StoragePrices;
  readonly repositories: number;
  readonly images: number;
  readonly bytes: { readonly standard: number; readonly archive: number; readonly total: number };
  readonly notPulled30DaysBytes: number;
  readonly notPulled90DaysBytes: number;
  readonly lifecycleExpireBytes: number;
  readonly lifecycleArchiveBytes: number;
  readonly monthlyCost: number;
  readonly monthlyCostFreed: number;
  /** 1.4: images and bytes that in-use protection tags keep, over every repository. */
  readonly protectedImages: number;
  readonly protectedBytes: number;
}

export interface TargetJson {
  readonly target: { readonly account: string | null; readonly region: string; readonly roleArn: string | null };
  readonly status: string;
  readonly error: string | null;
  readonly account: string | null;
  readonly region: string;
  readonly registryArn: string | null;
  readonly registry: RegistryJson | null;
  readonly repositories: readonly RepositoryJson[];
  readonly findings: readonly Finding[];
  readonly gaps: readonly GapJson[];
  readonly calls: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** Storage and cost per repository, largest first (1.1; null when usage was not read). */
  readonly usage: readonly RepositoryUsage[] | null;
  /** What the assembly declares against this registry (1.2; null without `--assembly` or when the target failed). */
  readonly drift: TargetDriftJson | null;
  /**
   * Every registry-wide item read, of every kind, in kind order (1.3; repositories are in
   * `repositories`): its kind, id, name and settings as the kind's descriptor writes them.
   */
  readonly resources: readonly ResourceJson[];
}

/** One item of a kind (1.3). */
export interface ResourceJson {
  /** The kind (`registryScanning`, `pullTimeExclusion`, ...). */
  readonly kind: string;
  readonly id: string;
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface GapJson {
  readonly part: string;
  readonly action: string;
  readonly repository: string | null;
  readonly code: string | null;
  readonly reason: string;
}

export interface RegistryJson {
  readonly scanning: {
    scanType: string | null;
    rules: { scanFrequency: string; repositoryFilters: { filter: string; filterType: string }[] }[];
  } | null;
  readonly policy: string | null;
  readonly replicationDestinations: string[] | null;
  readonly pullThroughCacheRules: { ecrRepositoryPrefix: string | null; upstreamRegistryUrl: string | null }[] | null;
  readonly creationTemplates: { prefix: string | null; appliedFor: string[]; tagMutability: string | null; lifecyclePolicy: string | null }[] | null;
  readonly accountSettings: Record<string, string> | null;
  /** The signing configuration as ECR answers it (`{ rules: [...] }`). */
  readonly signing: unknown;
  /** The principals excluded from pull-time updates (1.3; null when they could not be read). */
  readonly pullTimeExclusions?: string[] | null;
}

export interface RepositoryJson {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: string | null;
  readonly tagMutability: string | null;
  readonly tagMutabilityExclusionFilters: { filter: string; filterType: string }[];
  readonly scanOnPush: boolean | null;
  readonly scanFrequency: string | null;
  readonly encryption: { type: string | null; kmsKey: string | null };
  readonly lifecyclePolicy: string | null;
  readonly policy: string | null;
  readonly tags: Record<string, string> | null;
  readonly unread: string[];
}

/** This package's version, for the report's `tool`. */
export function toolVersion(): string {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function repositoryJson(r: RepositoryModel): RepositoryJson {
  const tags = one(r.tags);
  return {
    name: r.name ?? '',
    arn: r.arn ?? r.id,
    createdAt: r.createdAt ?? null,
    tagMutability: one(r.tagMutability),
    tagMutabilityExclusionFilters: r.tagMutabilityExclusionFilters.map(f => ({ ...f })),
    scanOnPush: one(r.scanOnPush),
    scanFrequency: r.scanFrequency ?? null,
    encryption: { type: one(r.encryptionType), kmsKey: text(one(r.kmsKey)) },
    lifecyclePolicy: text(one(r.lifecyclePolicyText)),
    policy: r.policyText ?? null,
    tags: tags === null ? null : Object.fromEntries(tags.map(t => [text(t.key) ?? '', text(t.value) ?? ''])),
    unread: [...(r.unread ?? [])],
  };
}

function gapJson(g: ReadGap): GapJson {
  return { part: g.part, action: g.action, repository: g.repository ?? null, code: g.code ?? null, reason: g.reason };
}

function registryJson(t: TargetReport): RegistryJson | null {
  const m = t.model;
  if (!m) {
    return null;
  }
  const unread = (part: string) => m.gaps.some(g => g.part === part);
  const scanning = m.scanningConfigurations[0];
  return {
    scanning: scanning ? {
      scanType: one(scanning.scanType),
      rules: (scanning.rules ?? []).map(r => ({
        scanFrequency: text(r.scanFrequency) ?? '',
        repositoryFilters: r.repositoryFilters.map(f => ({ filter: text(f.filter) ?? '', filterType: text(f.filterType) ?? '' })),
      })),
    } : null,
    policy: m.registryPolicies[0]?.policyText ?? null,
    replicationDestinations: unread('replication') ? null : m.replicationConfigurations.flatMap(r => r.destinations),
    pullThroughCacheRules: unread('pullThroughCacheRules') ? null
      : m.pullThroughCacheRules.map(r => ({
        ecrRepositoryPrefix: r.ecrRepositoryPrefix ?? null,
        upstreamRegistryUrl: r.upstreamRegistryUrl ?? null,
      })),
    creationTemplates: unread('creationTemplates') ? null : m.creationTemplates.map(c => ({
      prefix: c.prefix ?? null,
      appliedFor: [...c.appliedFor],
      tagMutability: one(c.tagMutability),
      lifecyclePolicy: text(one(c.lifecyclePolicyText)),
    })),
    accountSettings: m.accountSettings ? { ...m.accountSettings } : null,
    signing: m.signingConfiguration ?? null,
    pullTimeExclusions: unread('pullTimeExclusions') ? null : (m.pullTimeExclusions ?? []).flatMap(e => (e.principalArn !== undefined ? [e.principalArn] : [])),
  };
}

/** Every registry-wide item of every kind (not repositories: `repositories` lists them), in kind order. */
function resourcesJson(m: RegistryModel | undefined): ResourceJson[] {
  if (!m) {
    return [];
  }
  return kinds().filter(k => k.field !== 'repositories').flatMap(k => itemsOf<KindItem>(m, k).map(item => ({
    kind: k.kind,
    id: item.id,
    name: k.nameOf(item),
    settings: k.toJson ? { ...k.toJson(item) } : {},
  })));
}

/** Costs in JSON: US dollars rounded to a hundredth of a cent. */
function usd(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function usageJson(u: RepositoryUsage): RepositoryUsage {
  return { ...u, monthlyCost: usd(u.monthlyCost), monthlyCostFreed: usd(u.monthlyCostFreed) };
}

function usageSummary(report: RegistryReport): UsageSummaryJson | null {
  if (!report.prices) {
    return null;
  }
  const all = report.targets.flatMap(t => t.usage ?? []);
  const total = (f: (u: RepositoryUsage) => number) => all.reduce((n, u) => n + f(u), 0);
  return {
    prices: { ...report.prices },
    repositories: all.length,
    images: total(u => u.images),
    bytes: { standard: total(u => u.bytes.standard), archive: total(u => u.bytes.archive), total: total(u => u.bytes.total) },
    notPulled30DaysBytes: total(u => u.notPulled30Days.bytes),
    notPulled90DaysBytes: total(u => u.notPulled90Days.bytes),
    lifecycleExpireBytes: total(u => u.lifecycle?.expire.bytes ?? 0),
    lifecycleArchiveBytes: total(u => u.lifecycle?.archive.bytes ?? 0),
    monthlyCost: usd(total(u => u.monthlyCost)),
    monthlyCostFreed: usd(total(u => u.monthlyCostFreed)),
    protectedImages: total(u => u.protection.images),
    protectedBytes: total(u => u.protection.bytes),
  };
}

/** A drift entry as the JSON (and the SARIF result properties) write it: absent values are null. */
export function driftEntryJson(e: DriftEntry): DriftEntryJson {
  return {
    kind: e.kind,
    resource: e.resource,
    name: e.name ?? null,
    property: e.property ?? null,
    declared: e.declared ?? null,
    live: e.live ?? null,
    stack: e.stack ?? null,
    logicalId: e.logicalId ?? null,
    path: e.path ?? null,
    governedBy: e.governedBy ?? null,
    reason: e.reason,
  };
}

function targetDriftJson(d: TargetDrift): TargetDriftJson {
  return { stacks: [...d.stacks], summary: { ...d.summary }, entries: d.entries.map(driftEntryJson) };
}

function driftSummary(report: RegistryReport, failOnDrift: boolean): DriftSummaryJson | null {
  if (!report.declared) {
    return null;
  }
  const entries = report.driftEntries;
  const count = (kind: DriftKind) => entries.filter(e => e.kind === kind).length;
  return {
    assembly: report.declared.assembly,
    stacks: report.stackMatches.map(m => ({
      stackName: m.stack.stackName ?? null,
      artifactId: m.stack.artifactId,
      displayName: m.stack.displayName,
      account: m.stack.account ?? null,
      region: m.stack.region ?? null,
      repositories: m.stack.subjects.filter(s => s.subject.kind === 'repository').length,
      targets: [...m.targets],
      note: m.note ?? null,
    })),
    counts: { missing: count('missing'), unmanaged: count('unmanaged'), differs: count('differs'), notComparable: count('notComparable') },
    failOnDrift,
    exceedsFailOnDrift: failOnDrift && entries.some(isDrift),
  };
}

/**
 * The report's JSON form (schema version `REPORT_SCHEMA_VERSION`). `failOnDrift`: whether drift
 * fails the run (the CLI's `--fail-on-drift`), recorded in `drift`.
 */
export function reportToJson(report: RegistryReport, failOn: FailOn, failOnDrift = false): ReportJson {
  const findings = report.findings;
  const byRule: Record<string, number> = {};
  for (const f of findings) {
    byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'cdk-ecr-registry', version: toolVersion() },
    generatedAt: report.generatedAt.toISOString(),
    failOn,
    summary: {
      targets: report.targets.length,
      targetsFailed: report.targets.filter(t => t.status === 'failed').length,
      repositories: report.targets.reduce((n, t) => n + (t.model?.repositories.length ?? 0), 0),
      findings: findings.length,
      findingsBySeverity: {
        error: findings.filter(f => f.severity === 'error').length,
        warning: findings.filter(f => f.severity === 'warning').length,
      },
      findingsByRule: byRule,
      gaps: report.targets.reduce((n, t) => n + t.gaps.length, 0),
      exceedsFailOn: report.exceeds(failOn),
    },
    rules: report.rules.map(r => ({ ...r })),
    targets: report.targets.map(t => ({
      target: { account: t.target.account ?? null, region: t.target.region, roleArn: t.target.roleArn ?? null },
      status: t.status,
      error: t.error ?? null,
      account: t.account ?? null,
      region: t.region,
      registryArn: t.registryArn ?? null,
      registry: registryJson(t),
      repositories: (t.model?.repositories ?? []).map(repositoryJson),
      findings: t.findings.map(f => ({ ...f })),
      gaps: t.gaps.map(gapJson),
      calls: { ...t.calls },
      durationMs: t.durationMs,
      usage: t.usage ? t.usage.map(usageJson) : null,
      drift: t.drift ? targetDriftJson(t.drift) : null,
      resources: resourcesJson(t.model),
    })),
    usage: usageSummary(report),
    drift: driftSummary(report, failOnDrift),
  };
}
