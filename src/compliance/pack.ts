/**
 * The rule pack as other concerns use it (the live audit of src/report): the rules, the opt-in
 * signing rule and the evaluation of one subject. Pure: no aws-cdk-lib.
 */
export { RULES, SIGNING_RULE_SUFFIX, signingRuleDefinition } from './private/definitions';
export { evaluateSubject } from './private/evaluate';
export type { RuleViolation } from './private/evaluate';
export type { RuleDefinition } from './private/rule';
