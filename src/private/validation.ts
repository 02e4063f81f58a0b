import { Violations } from './errors';
import { isUnresolved } from './tokens';

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

/** An AWS Organizations id. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** An organizational unit path `<org id>/<root id>/<ou id>/[<ou id>/...]`, ending with `/`. */
export const ORGANIZATIONAL_UNIT_PATH = /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)+$/;

/** Check an AWS Organizations id, skipping tokens. */
export function checkOrganizationId(v: Violations, property: string, value: string | undefined): boolean {
  return checkPattern(v, property, value, ORGANIZATION_ID, 'must be an AWS Organizations id: o- and 10-32 lowercase letters or digits, such as o-a1b2c3d4e5');
}

/** Most resource tags on an ECR repository or creation template (CloudFormation schema). */
export const MAX_RESOURCE_TAGS = 50;

/**
 * Check ECR resource tags: at most 50; keys 1-128 characters, not starting with `aws:`; values at most
 * 256 characters. Unresolved keys and values are skipped.
 */
export function checkResourceTags(v: Violations, property: string, tags: { [key: string]: string } | undefined): void {
  const entries = Object.entries(tags ?? {});
  v.check(entries.length <= MAX_RESOURCE_TAGS, property, entries.length, `at most ${MAX_RESOURCE_TAGS} tags`);
  for (const [key, value] of entries) {
    if (!isUnresolved(key)) {
      v.check(key.length >= 1 && key.length <= 128 && !key.toLowerCase().startsWith('aws:'), `${property} key`, key,
        'must be 1-128 characters and not start with aws:');
    }
    if (value !== undefined && !isUnresolved(value)) {
      v.check(value.length <= 256, `${property}[${JSON.stringify(key)}]`, value, `must be at most 256 characters (got ${value.length})`);
    }
  }
}

/**
 * Check the value of an enum-typed prop against the enum (skipping tokens). TypeScript rejects a
 * plain string at compile time; plain JavaScript, or Python with a string where the enum was
 * meant, reaches the construct with any string, which would otherwise pass synth and fail at deploy.
 *
 * @param enumType the enum object (`ScanFindingSeverity`, `ecr.TagMutability`, ...)
 * @param typeName its name in messages
 */
export function checkEnum(v: Violations, property: string, value: unknown, enumType: Record<string, string | number>, typeName: string): boolean {
  if (value === undefined || isUnresolved(value)) {
    return true;
  }
  const values = Object.entries(enumType).filter(([k]) => !/^\d+$/.test(k)).map(([, x]) => x);
  const ok = values.includes(value as string | number);
  v.check(ok, property, value, `must be a ${typeName}: one of ${values.map(x => JSON.stringify(x)).join(', ')}`);
  return ok;
}

/** Check each value of a list of enum values (`checkEnum`), skipping tokens. */
export function checkEnumList(v: Violations, property: string, values: readonly unknown[] | undefined,
  enumType: Record<string, string | number>, typeName: string): void {
  if (values === undefined || isUnresolved(values)) {
    return;
  }
  values.forEach((x, i) => checkEnum(v, `${property}[${i}]`, x, enumType, typeName));
}

/**
 * Check that a boolean prop holds a boolean (skipping tokens): from plain JavaScript or Python a
 * string such as "false" would otherwise be truthy, or be written into the template as text.
 */
export function checkBoolean(v: Violations, property: string, value: unknown): boolean {
  if (value === undefined || isUnresolved(value)) {
    return true;
  }
  const ok = typeof value === 'boolean';
  v.check(ok, property, value, 'must be true or false (a boolean, not a string)');
  return ok;
}
