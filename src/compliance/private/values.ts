import { isDeployTimeValue, Possible } from '../../model/settings';
import { deployTime } from '../../model/values';

export { deployTime };

/** Whether every value a setting can take passes `test`; `false` when the values cannot be known. */
export function all<T>(values: Possible<T>, test: (v: T) => boolean): boolean {
  return values !== null && values.every(test);
}

/** A non-empty, non-blank string. */
export function isNonBlankString(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

/** A setting's values in words, for a finding's detail: `MUTABLE`, `one of IMMUTABLE, MUTABLE`, `not set`. */
export function show<T>(values: Possible<T>, one: (v: T) => string = v => showValue(v)): string {
  if (values === null) {
    return 'not known before deployment';
  }
  const words = [...new Set(values.map(one))];
  return words.length === 1 ? words[0] : `one of ${words.join(', ')}`;
}

function showValue(v: unknown): string {
  if (v === undefined) {
    return 'not set';
  }
  if (isDeployTimeValue(v)) {
    return 'a value computed at deploy time';
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}
