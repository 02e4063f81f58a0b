import { evaluateSubject, RuleDefinition, RULES, signingRuleDefinition } from '../compliance/pack';
import { kindOf, subjectsOf } from '../model/kind-list';
import { RegistryModel, Subject, SubjectKind } from '../model/settings';

/** A rule's severity: `error` (fails `--fail-on error`, the default) or `warning`. */
export type Severity = 'error' | 'warning';

/** Severities in increasing order. */
export const SEVERITIES: readonly Severity[] = ['warning', 'error'];

/** A rule of the `EcrChecks` pack, as reports describe it. */
export interface RuleInfo {
  /** `EcrChecks-ECR1`, ... (the ids of the synth-time plugin). */
  readonly id: string;
  readonly severity: Severity;
  /** What a finding of the rule means. */
  readonly title: string;
  /** Why the rule exists and how to fix a finding. */
  readonly fix: string;
  /** Controls the rule implements (Security Hub, Control Tower, checkov ids). */
  readonly controls: string;
}

/** One rule that one resource does not pass. */
export interface Finding {
  /** `EcrChecks-ECR2` */
  readonly ruleId: string;
  readonly severity: Severity;
  /** The resource: its ARN (a live registry; registry-wide settings carry the registry's ARN), else its construct path. */
  readonly resource: string;
  /** What kind of thing it is. */
  readonly resourceKind: SubjectKind;
  /** The repository name, a template's or pull-through cache rule's prefix, or the registry setting's name. */
  readonly resourceName: string;
  /** The rule's one-line description. */
  readonly title: string;
  /** What the rule saw: `tag mutability is MUTABLE`. */
  readonly message: string;
}

function infoOf(r: RuleDefinition): RuleInfo {
  return { id: `EcrChecks-${r.suffix}`, severity: r.severity, title: r.info, fix: r.explanation, controls: r.controls };
}

/** Every rule of the pack, in report order (without the opt-in rules). */
export const RULE_INFO: readonly RuleInfo[] = RULES.map(infoOf);

/** The rules an audit with these options applies, in report order. */
export function ruleInfo(options: AuditOptions = {}): readonly RuleInfo[] {
  return options.requireSigning ? [...RULE_INFO, infoOf(signingRuleDefinition(options.requireSigning.repositoryPrefixes))] : RULE_INFO;
}

const REPOSITORY_NAME_PREFIX = /^[a-z0-9][a-z0-9._/-]{0,255}$/;

/** Whether `prefix` can start a repository name (as `EcrChecks` `requireSigning` takes it). */
export function isRepositoryNamePrefix(prefix: string): boolean {
  return REPOSITORY_NAME_PREFIX.test(prefix);
}

/** A subject's name for a finding (its kind descriptor's `nameOf`). */
export function nameOf(subject: Subject): string {
  return kindOf(subject.kind)?.nameOf(subject) ?? subject.id;
}

/** Opt-in rules of an audit (as `EcrChecksProps`). */
export interface AuditOptions {
  /** Switch on `EcrChecks-Signing` for repositories whose names start with these prefixes. */
  readonly requireSigning?: { readonly repositoryPrefixes: readonly string[] };
}

/**
 * Every `EcrChecks` rule over a registry's settings model (live or from a template): the findings,
 * repositories first, each resource's in rule order. Subjects with unread parts are judged only by
 * the rules that do not read those parts.
 */
export function audit(model: RegistryModel, options: AuditOptions = {}): Finding[] {
  const rules = options.requireSigning ? [...RULES, signingRuleDefinition(options.requireSigning.repositoryPrefixes)] : RULES;
  const findings: Finding[] = [];
  for (const subject of subjectsOf(model)) {
    for (const v of evaluateSubject(subject, model, rules)) {
      findings.push({
        ruleId: `EcrChecks-${v.definition.suffix}`,
        severity: v.definition.severity,
        resource: subject.arn ?? subject.id,
        resourceKind: subject.kind,
        resourceName: nameOf(subject),
        title: v.definition.info,
        message: v.error !== undefined ? `the rule could not judge it: ${v.error}` : v.detail ?? v.definition.info,
      });
    }
  }
  return findings;
}

/** Whether a finding's severity is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}
