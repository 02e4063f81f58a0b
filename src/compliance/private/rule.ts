import { RegistryModel, RegistryPart, Subject, SubjectKind } from '../../model/settings';

/**
 * The result of a rule on one subject (the values are cdk-nag's, so reports read the same).
 */
export enum RuleCompliance {
  COMPLIANT = 'Compliant',
  NON_COMPLIANT = 'Non-Compliant',
  NOT_APPLICABLE = 'N/A',
}

/** What a rule says about one subject; `detail` says what it saw when the subject does not pass. */
export interface RuleResult {
  readonly compliance: RuleCompliance;
  readonly detail?: string;
}

export const PASS: RuleResult = { compliance: RuleCompliance.COMPLIANT };
export const NOT_APPLICABLE: RuleResult = { compliance: RuleCompliance.NOT_APPLICABLE };

/** Subjects that carry a resource policy: private and public repositories, the registry policy, creation templates. */
export type PolicySubject = Extract<Subject, { kind: 'repository' | 'publicRepository' | 'registryPolicy' | 'creationTemplate' }>;

/** Whether the policy rules judge this subject (it carries a resource policy). */
export function hasPolicy(subject: Subject): subject is PolicySubject {
  return subject.kind === 'repository' || subject.kind === 'publicRepository'
    || subject.kind === 'registryPolicy' || subject.kind === 'creationTemplate';
}

/** A non-compliant result with what the rule saw. */
export function fail(detail: string): RuleResult {
  return { compliance: RuleCompliance.NON_COMPLIANT, detail };
}

/** `PASS` when `ok`, else `fail(detail)`. */
export function check(ok: boolean, detail: string): RuleResult {
  return ok ? PASS : fail(detail);
}

/**
 * A rule: a pure function of one subject of the settings model and the registry it belongs to.
 * It never sees a `CfnResource` or an API answer.
 */
export type Rule = (subject: Subject, registry: RegistryModel) => RuleResult;

/** How a pack wires a rule: its id, severity, message and the controls it implements. */
export interface RuleDefinition {
  /** Suffix of the rule id (`<pack>-<suffix>`); a public contract. */
  readonly suffix: string;
  /** Why the rule fired (the violation's description). */
  readonly info: string;
  /** Why the rule exists and how to fix it (the violation's fix). */
  readonly explanation: string;
  /** `error` fails synthesis as a validation plugin; `warning` is reported. */
  readonly severity: 'error' | 'warning';
  /** Controls the rule implements, for the report's rule metadata. */
  readonly controls: string;
  /** The kinds of subject the rule judges (others are not applicable). */
  readonly appliesTo: readonly SubjectKind[];
  /** The parts of a live registry the rule reads: not evaluated for a subject that could not read one of them. */
  readonly reads: readonly RegistryPart[];
  readonly rule: Rule;
}
