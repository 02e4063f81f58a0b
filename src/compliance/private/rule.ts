import { CfnResource } from 'aws-cdk-lib';

/**
 * The result of a rule on one resource (the values are cdk-nag's, so reports read the same).
 */
export enum RuleCompliance {
  COMPLIANT = 'Compliant',
  NON_COMPLIANT = 'Non-Compliant',
  NOT_APPLICABLE = 'N/A',
}

/** A rule: a pure function over one L1 resource. */
export type Rule = (node: CfnResource) => RuleCompliance;

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
  readonly rule: Rule;
}
