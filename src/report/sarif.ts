import { createHash } from 'crypto';
import { Finding, RuleInfo, Severity } from './audit';
import { DriftEntry, isDrift } from './drift';
import { driftEntryJson, toolVersion } from './json';
import { RegistryReport, TargetReport } from './report';
import { RULES } from '../compliance/pack';
import { registryArnOf as arnOfRegistry } from '../model/values';

/** The SARIF version written (OASIS SARIF 2.1.0). */
export const SARIF_VERSION = '2.1.0';

/** The `$schema` of the SARIF log: the OASIS 2.1.0 schema (errata 01). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const REPOSITORY_URL = 'https://github.com/cdk-ecr-registry/cdk-ecr-registry';
/** Where each rule is described (id, severity, what it checks, controls). */
export const SARIF_RULES_HELP_URI = `${REPOSITORY_URL}/blob/main/docs/compliance.md#the-ecrchecks-rule-pack`;
/** Where the report (and its SARIF form) is described. */
export const SARIF_INFORMATION_URI = `${REPOSITORY_URL}/blob/main/docs/report.md`;

/** The rule of drift results (`report --assembly`): not an `EcrChecks` rule, so no `EcrChecks-` prefix. */
export const SARIF_DRIFT_RULE_ID = 'Drift';
const DRIFT_HELP_URI = `${SARIF_INFORMATION_URI}#drift-against-the-app---assembly`;

/** The `partialFingerprints` key of each result (versioned: a change of the hashed fields is a new key). */
export const SARIF_FINGERPRINT_KEY = 'cdkEcrRegistryFinding/v1';

/**
 * GitHub code scanning's `security-severity` (a CVSS-like score: 7.0-8.9 high, 4.0-6.9 medium) for
 * a rule of each severity; GitHub reads it from rules tagged `security`.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.0' };

/** The parts of a SARIF log the report writes (SARIF 2.1.0 names; everything else is absent). */
export interface SarifLog {
  readonly $schema: string;
  readonly version: string;
  readonly runs: readonly SarifRun[];
}

export interface SarifRun {
  readonly tool: { readonly driver: SarifDriver };
  readonly invocations: readonly SarifInvocation[];
  readonly results: readonly SarifResult[];
}

export interface SarifDriver {
  readonly name: string;
  readonly version: string;
  readonly semanticVersion: string;
  readonly informationUri: string;
  readonly rules: readonly SarifRule[];
}

export interface SarifMessage {
  readonly text: string;
  readonly markdown?: string;
}

export interface SarifRule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: SarifMessage;
  readonly fullDescription: SarifMessage;
  readonly help: SarifMessage;
  readonly helpUri: string;
  readonly defaultConfiguration: { readonly level: Severity };
  /** `security-severity` and `controls` for the EcrChecks rules; the drift rule has tags only. */
  readonly properties: { readonly 'tags': readonly string[]; readonly 'security-severity'?: string; readonly 'controls'?: string };
}

export interface SarifLogicalLocation {
  readonly name: string;
  readonly fullyQualifiedName: string;
  readonly kind: 'resource';
}

export interface SarifLocation {
  readonly physicalLocation: { readonly artifactLocation: { readonly uri: string } };
  readonly logicalLocations: readonly SarifLogicalLocation[];
}

export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: Severity;
  readonly message: SarifMessage;
  readonly locations: readonly SarifLocation[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  /** Findings: the resource kind; drift: the entry as the JSON writes it (kind, resource, name, property, declared, live, stack, ...). */
  readonly properties: { readonly account: string | null; readonly region: string; readonly [key: string]: unknown };
}

export interface SarifNotification {
  readonly level: 'error' | 'warning';
  readonly message: SarifMessage;
  readonly descriptor: { readonly id: string };
  readonly locations?: readonly SarifLocation[];
  readonly properties: Readonly<Record<string, string | null>>;
}

export interface SarifInvocation {
  readonly executionSuccessful: boolean;
  readonly startTimeUtc: string;
  readonly toolExecutionNotifications: readonly SarifNotification[];
}

/** `EcrChecks-ECR1` -> `EcrScanOnPush`: the rule function's name (PascalCase, as SARIF tools expect). */
function ruleName(rule: RuleInfo): string {
  const def = RULES.find(r => `EcrChecks-${r.suffix}` === rule.id);
  const name = def?.rule.name;
  return name && /^[A-Z][A-Za-z0-9]*$/.test(name) ? name : rule.id.replace(/^EcrChecks-/, 'EcrChecks');
}

/** A sentence ends with a full stop (SARIF2001 asks messages to). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A URI reference for a resource: an ARN as it is (`arn:` is its scheme), a construct path with unsafe characters escaped. */
function resourceUri(resource: string): string {
  return encodeURI(resource);
}

function location(resource: string, name: string): SarifLocation {
  return {
    physicalLocation: { artifactLocation: { uri: resourceUri(resource) } },
    logicalLocations: [{ name, fullyQualifiedName: resource, kind: 'resource' }],
  };
}

/**
 * A finding's stable identity across runs: its rule, resource (ARN) and resource name (templates and
 * pull-through cache rules share the registry's ARN). Not the message or the time: the same fault
 * read tomorrow is the same alert.
 */
export function sarifFingerprint(finding: Pick<Finding, 'ruleId' | 'resource' | 'resourceName'>): string {
  return createHash('sha256').update([finding.ruleId, finding.resource, finding.resourceName].join('\n')).digest('hex');
}

const DRIFT_RULE: SarifRule = {
  id: SARIF_DRIFT_RULE_ID,
  name: 'RegistryDrift',
  shortDescription: { text: 'The live registry differs from what the app declares.' },
  fullDescription: {
    text: 'A repository the app declares is missing, a repository no stack declares exists (unmanaged), or a declared property '
      + 'has another value live (differs). Values known only at deploy time and parts that could not be read are never drift.',
  },
  help: {
    text: 'Deploy the app to bring the registry back to what it declares, or change the app to declare what the registry should be; '
      + `import or delete unmanaged repositories. Reference: ${DRIFT_HELP_URI}`,
    markdown: '**Fix:** deploy the app to bring the registry back to what it declares, or change the app to declare what the registry should be; '
      + `import or delete unmanaged repositories.\n\n[Drift against the app](${DRIFT_HELP_URI})`,
  },
  helpUri: DRIFT_HELP_URI,
  defaultConfiguration: { level: 'warning' },
  properties: { tags: ['drift', 'aws', 'ecr'] },
};

/** Where a drift entry is: the repository's ARN when it names one, else the registry's. */
function driftArn(e: DriftEntry, registryArn: string): string {
  return e.resource === 'repository' && e.name !== undefined ? registryArn.replace(/:registry$/, `:repository/${e.name}`) : registryArn;
}

function driftResult(t: TargetReport, e: DriftEntry, ruleIndex: number): SarifResult {
  const registryArn = registryArnOf(t)!;
  const arn = driftArn(e, registryArn);
  const subject = e.name ?? (e.logicalId !== undefined ? `${e.stack}/${e.logicalId}` : e.resource);
  const what = [e.kind, e.property].filter(x => x !== undefined).join(', ');
  return {
    ruleId: SARIF_DRIFT_RULE_ID,
    ruleIndex,
    level: 'warning',
    message: { text: sentence(`${subject} (${what}): ${e.reason}`) },
    locations: [location(arn, subject)],
    partialFingerprints: {
      [SARIF_FINGERPRINT_KEY]: createHash('sha256').update([SARIF_DRIFT_RULE_ID, arn, e.kind, e.resource, e.name ?? '', e.property ?? ''].join('\n')).digest('hex'),
    },
    properties: { account: t.account ?? t.target.account ?? null, region: t.region, ...driftEntryJson(e) },
  };
}

function registryArnOf(t: TargetReport): string | undefined {
  const account = t.account ?? t.target.account;
  return t.registryArn ?? (account !== undefined && t.region ? arnOfRegistry(account, t.region) : undefined);
}

function notifications(t: TargetReport): SarifNotification[] {
  const account = t.account ?? t.target.account ?? null;
  const who = `${account ?? '(account of the credentials)'} ${t.region}`;
  const registryArn = registryArnOf(t);
  const at = registryArn !== undefined ? { locations: [location(registryArn, `registry ${who}`)] } : {};
  const out: SarifNotification[] = [];
  if (t.status === 'failed') {
    out.push({
      level: 'error',
      message: { text: sentence(`Registry ${who} was not read: ${t.error ?? 'unknown error'}`) },
      descriptor: { id: 'registry-not-read' },
      ...at,
      properties: { account, region: t.region, roleArn: t.target.roleArn ?? null },
    });
  }
  for (const g of t.gaps) {
    out.push({
      level: 'warning',
      message: { text: sentence(`Registry ${who}: ${g.part}${g.repository ? ` of ${g.repository}` : ''} not read (${g.action}): ${g.reason}`) },
      descriptor: { id: 'part-not-read' },
      ...at,
      properties: { account, region: t.region, part: g.part, action: g.action, repository: g.repository ?? null, code: g.code ?? null },
    });
  }
  return out;
}

/**
 * The report as a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning, Azure DevOps, any
 * SARIF viewer): one run whose driver lists every `EcrChecks` rule with its help text, one result per
 * finding located at the resource's ARN, and the registries or parts that could not be read as tool
 * execution notifications (`executionSuccessful` is false when a registry could not be read at all,
 * so an incomplete audit never looks clean). See docs/report.md, "SARIF for code scanning".
 *
 * ```ts
 * import { writeFileSync } from 'fs';
 * import { RegistryReport, reportToSarif } from 'cdk-ecr-registry/lib/report';
 * const report = await RegistryReport.read({ targets: [{ region: 'eu-west-1' }] });
 * writeFileSync('ecr.sarif', JSON.stringify(reportToSarif(report), null, 2));
 * ```
 */
export function reportToSarif(report: RegistryReport): SarifLog {
  const version = toolVersion();
  const rules = report.rules;
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const withDrift = report.targets.some(t => t.drift !== undefined);
  const results: SarifResult[] = report.targets.flatMap(t => t.findings.map(f => {
    const index = ruleIndex.get(f.ruleId);
    if (index === undefined) {
      throw new Error(`finding of rule ${f.ruleId} on ${f.resource}: the rule is not one of the report's rules`);
    }
    return {
      ruleId: f.ruleId,
      ruleIndex: index,
      level: f.severity,
      message: { text: sentence(`${f.resourceName}: ${f.message}`) },
      locations: [location(f.resource, f.resourceName)],
      partialFingerprints: { [SARIF_FINGERPRINT_KEY]: sarifFingerprint(f) },
      properties: { resourceKind: f.resourceKind, account: t.account ?? t.target.account ?? null, region: t.region },
    };
  }));
  // Drift entries that are drift (not "not comparable"), after the findings, under one rule after the EcrChecks rules.
  results.push(...report.targets.flatMap(t => (t.drift?.entries ?? []).filter(isDrift).map(e => driftResult(t, e, rules.length))));
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [{
      tool: {
        driver: {
          name: 'cdk-ecr-registry',
          version,
          semanticVersion: version,
          informationUri: SARIF_INFORMATION_URI,
          rules: rules.map(r => ({
            id: r.id,
            name: ruleName(r),
            shortDescription: { text: sentence(r.title) },
            fullDescription: { text: sentence(`${r.title} ${r.fix}`) },
            help: {
              text: `${sentence(r.fix)}\n\nControls: ${r.controls}.\nRule reference: ${SARIF_RULES_HELP_URI}`,
              markdown: `**${r.id}** (${r.severity}): ${sentence(r.title)}\n\n**Fix:** ${sentence(r.fix)}\n\n**Controls:** ${r.controls}.\n\n[Rule reference](${SARIF_RULES_HELP_URI})`,
            },
            helpUri: SARIF_RULES_HELP_URI,
            defaultConfiguration: { level: r.severity },
            properties: { 'tags': ['security', 'aws', 'ecr'], 'security-severity': SECURITY_SEVERITY[r.severity], 'controls': r.controls },
          } as SarifRule)).concat(withDrift ? [DRIFT_RULE] : []),
        },
      },
      invocations: [{
        executionSuccessful: !report.anyFailed,
        startTimeUtc: report.generatedAt.toISOString(),
        toolExecutionNotifications: report.targets.flatMap(notifications),
      }],
      results,
    }],
  };
}
