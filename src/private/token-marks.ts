/**
 * Whether a value carries the marks of an unresolved CDK token, read from the value alone: a
 * string with `${Token[...]}`, a one-string list with `#{Token[...]}`, a number in the range the
 * CDK encodes tokens in, or an object with a `resolve` function.
 *
 * The same answer as `Token.isUnresolved` (src/private/tokens.ts) for every value that reaches the
 * settings model, without loading aws-cdk-lib: the model, the rules and the live report use it, so
 * reading a registry runs where aws-cdk-lib is not installed (a Lambda function).
 */
export function hasTokenMarks(value: unknown): boolean {
  if (typeof value === 'string') {
    return STRING_TOKEN.test(value);
  }
  if (typeof value === 'number') {
    return isTokenNumber(value);
  }
  if (Array.isArray(value)) {
    return value.length === 1 && typeof value[0] === 'string' && LIST_TOKEN.test(value[0]);
  }
  return typeof value === 'object' && value !== null && typeof (value as { resolve?: unknown }).resolve === 'function';
}

const STRING_TOKEN = /\$\{Token\[[a-zA-Z0-9:._-]+\]\}/;
const LIST_TOKEN = /#\{Token\[[a-zA-Z0-9:._-]+\]\}/;

/** The upper 16 bits of a number the CDK encodes a token as (a negative double with these bits). */
const DOUBLE_TOKEN_MARKER = 0xFBFF;

function isTokenNumber(n: number): boolean {
  const buffer = new ArrayBuffer(8);
  new Float64Array(buffer)[0] = n;
  // Little-endian: the high word is the second; its upper 16 bits are the marker.
  return Math.floor(new Uint32Array(buffer)[1] / 0x10000) === DOUBLE_TOKEN_MARKER;
}
