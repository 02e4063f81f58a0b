import { Token } from 'aws-cdk-lib';

/**
 * The one token predicate of the library: true when the value (string, number, list or object)
 * is or contains an unresolved token, whose value is only known at deploy time.
 *
 * Checks skip such values (an unresolved token is never rejected).
 */
export function isUnresolved(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  return Token.isUnresolved(value);
}

/**
 * The value is given and known at synth time (`isUnresolved`'s negation, narrowing the type).
 */
export function isKnown<T>(value: T | undefined): value is T {
  return value !== undefined && !isUnresolved(value);
}
