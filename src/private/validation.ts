import { isUnresolved, Violations } from './errors';

/**
 * Check a string against a pattern, skipping unresolved tokens.
 * @returns true when the value is acceptable or cannot be known at synth time
 */
export function checkPattern(v: Violations, property: string, value: string | undefined, pattern: RegExp, allowed: string): boolean {
  if (value === undefined || isUnresolved(value)) {
    return true;
  }
  const ok = pattern.test(value);
  v.check(ok, property, value, allowed);
  return ok;
}

/** Check a string's length, skipping unresolved tokens. */
export function checkLength(v: Violations, property: string, value: string | undefined, min: number, max: number): boolean {
  if (value === undefined || isUnresolved(value)) {
    return true;
  }
  const ok = value.length >= min && value.length <= max;
  v.check(ok, property, value, `must be ${min}-${max} characters long (got ${value.length})`);
  return ok;
}

/** Check a list's size (the list itself may be a token). */
export function checkCount(v: Violations, property: string, value: readonly unknown[] | undefined, min: number, max: number): boolean {
  if (value === undefined || isUnresolved(value)) {
    return true;
  }
  const ok = value.length >= min && value.length <= max;
  v.check(ok, property, value, `must have ${min === max ? min : `${min}-${max}`} entries (got ${value.length})`);
  return ok;
}

/** A 12-digit AWS account id, skipping tokens. */
export const ACCOUNT_ID = /^\d{12}$/;

/** Check an AWS account id. */
export function checkAccountId(v: Violations, property: string, value: string | undefined): boolean {
  return checkPattern(v, property, value, ACCOUNT_ID, 'must be a 12-digit AWS account id');
}

/** The CloudFormation pattern for `AWS::ECR::Repository.RepositoryName`. */
export const REPOSITORY_NAME_PATTERN = /^(?=.{2,256}$)((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)$/;

/** The CloudFormation pattern for one image tag mutability exclusion filter. */
export const EXCLUSION_FILTER_PATTERN = /^[0-9a-zA-Z._*-]{1,128}$/;
