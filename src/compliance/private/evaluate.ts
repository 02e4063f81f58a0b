import { RULES } from './definitions';
import { RuleCompliance, RuleDefinition, RuleResult } from './rule';
import { RegistryModel, Subject } from '../../model/settings';

/** One rule's verdict on one subject that does not pass. */
export interface RuleViolation {
  readonly definition: RuleDefinition;
  readonly subject: Subject;
  /** What the rule saw (or why it could not judge the subject). */
  readonly detail?: string;
  /** The rule (or reading the subject) failed with this message: the subject does not pass. */
  readonly error?: string;
}

/**
 * Every rule over one subject of a registry: the violations, in rule order.
 *
 * A rule that does not apply to the subject's kind, or that reads a part the subject could not be
 * read for (`subject.unread`), is not evaluated. A subject that could not be read at all
 * (`readError`), or a rule that throws, is a violation carrying the error.
 */
export function evaluateSubject(subject: Subject, registry: RegistryModel, definitions: readonly RuleDefinition[] = RULES): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const definition of definitions) {
    if (!definition.appliesTo.includes(subject.kind)) {
      continue;
    }
    if (subject.unread && definition.reads.some(part => subject.unread!.includes(part))) {
      continue;
    }
    if (subject.readError !== undefined) {
      violations.push({ definition, subject, error: subject.readError });
      continue;
    }
    let result: RuleResult;
    try {
      result = definition.rule(subject, registry);
    } catch (e) {
      violations.push({ definition, subject, error: (e as Error).message });
      continue;
    }
    if (result.compliance === RuleCompliance.NON_COMPLIANT) {
      violations.push({ definition, subject, detail: result.detail });
    }
  }
  return violations;
}
