/**
 * How two values of a setting compare: the declared one (every value it can take, `null` when only
 * CloudFormation knows it) and the live one. Normalization lives here once for every kind: policies
 * and lifecycle policies compare as normalized JSON (key order, one-element lists, statement order,
 * an account id as principal and its `:root` ARN are the same); lists that are sets compare sorted.
 */
import { isIntrinsic } from './intrinsic';
import { isDeployTimeValue, PolicyStatement, Possible, ResourceTag } from './settings';

/** The outcome of comparing one property. */
export type Outcome =
  | { readonly kind: 'same' }
  | {
    readonly kind: 'differs';
    readonly declared: unknown;
    readonly options: readonly unknown[];
    readonly live: unknown;
    /** The sentence, when the property says it its own way. @default - "<words> is <live>, declared <declared>" */
    readonly reason?: string;
  }
  | { readonly kind: 'notComparable'; readonly reason: string };

/** The outcome of two equal values. */
export const SAME: Outcome = { kind: 'same' };

/** Why a declared value is never drift. */
export const DEPLOY_TIME = 'the declared value is known only at deploy time (a reference, an import or a parameter without allowed values), so it is not compared';

/** Whether a value still holds something only CloudFormation can compute. */
export function hasToken(v: unknown): boolean {
  if (isDeployTimeValue(v) || isIntrinsic(v)) {
    return true;
  }
  if (typeof v === 'string') {
    return v.includes('${Token[') || /^#\{.*\}$/.test(v);
  }
  if (Array.isArray(v)) {
    return v.some(hasToken);
  }
  if (v !== null && typeof v === 'object') {
    return Object.values(v).some(hasToken);
  }
  return false;
}

/**
 * Compare a declared setting (every value it can take, `null` when unknown) with the live one
 * (`null` when not read), after `normalize`.
 */
export function compareValues<T>(declared: Possible<T>, live: Possible<T>, normalize: (v: T) => unknown = v => v): Outcome {
  if (declared === null || declared.some(hasToken)) {
    return { kind: 'notComparable', reason: DEPLOY_TIME };
  }
  if (live === null || live.length === 0) {
    return { kind: 'notComparable', reason: 'the live value could not be read' };
  }
  const l = normalize(live[0]);
  const options = declared.map(normalize);
  if (options.some(d => sameJson(d, l))) {
    return SAME;
  }
  const distinct = options.filter((d, i) => options.findIndex(o => sameJson(o, d)) === i);
  return { kind: 'differs', declared: distinct.length === 1 ? distinct[0] : distinct, options: distinct, live: l };
}

/** Compare one known value on each side (a prefix kind's literal, a list that is a set). */
export function compareOne<T>(declared: T, live: T, normalize: (v: T) => unknown = v => v): Outcome {
  return compareValues([declared], [live], normalize);
}

/** A value in a drift sentence. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null) {
    return 'not set';
  }
  if (typeof v === 'string') {
    return v;
  }
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A lifecycle policy text as a JSON value with sorted keys and rules in priority order (the text itself when it is not JSON). */
export function normalizeLifecyclePolicy(text: string | undefined): unknown {
  if (text === undefined) {
    return null;
  }
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const sorted = sortKeys(doc) as any;
  if (sorted && Array.isArray(sorted.rules)) {
    sorted.rules = [...sorted.rules].sort((a: any, b: any) => (a?.rulePriority ?? 0) - (b?.rulePriority ?? 0));
  }
  return sorted;
}

/**
 * Policy statements as one comparable JSON value: keys sorted, `Action`/`Resource`/principal
 * lists as sorted lists, an account id principal as its `:root` ARN, statements in a stable order.
 */
export function normalizeStatements(statements: readonly PolicyStatement[], partition: string): unknown[] {
  const list = (v: unknown): unknown => (Array.isArray(v) ? [...new Set(v.map(x => (typeof x === 'string' ? x : JSON.stringify(x))))].sort() : typeof v === 'string' ? [v] : v);
  const principal = (p: unknown): unknown => {
    if (typeof p === 'string' || p === null || typeof p !== 'object' || Array.isArray(p)) {
      return p;
    }
    return Object.fromEntries(Object.entries(p as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => {
      const values = list(v);
      return [k, k === 'AWS' && Array.isArray(values)
        ? [...new Set(values.map(x => (typeof x === 'string' && /^\d{12}$/.test(x) ? `arn:${partition}:iam::${x}:root` : x)))].sort()
        : values];
    }));
  };
  const condition = (c: unknown): unknown => {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      return c;
    }
    return Object.fromEntries(Object.entries(c as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([op, keys]) => [op,
      keys !== null && typeof keys === 'object' && !Array.isArray(keys)
        ? Object.fromEntries(Object.entries(keys as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, list(v)]))
        : keys]));
  };
  const normalized = statements.map(s => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
      if (v === undefined) {
        continue;
      }
      if (k === 'Action' || k === 'NotAction' || k === 'Resource' || k === 'NotResource') {
        out[k] = list(v);
      } else if (k === 'Principal' || k === 'NotPrincipal') {
        out[k] = principal(v);
      } else if (k === 'Condition') {
        out[k] = condition(v);
      } else {
        out[k] = sortKeys(v);
      }
    }
    return out;
  });
  return normalized.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Two policies' statements (`null`: not known), normalized. */
export function comparePolicyStatements(
  declared: readonly PolicyStatement[] | null, live: readonly PolicyStatement[] | null, partition: string,
): Outcome {
  if (declared === null) {
    return { kind: 'notComparable', reason: DEPLOY_TIME };
  }
  return compareValues([declared], live === null ? null : [live], s => normalizeStatements(s, partition));
}

/** Tags as a map (stack tags under the resource's own; `aws:` tags are CloudFormation's and AWS's, never the app's). */
export function compareTags(
  declared: Possible<readonly ResourceTag[]>, stackTags: Readonly<Record<string, string>>, live: Possible<readonly ResourceTag[]>,
): Outcome {
  if (declared === null) {
    return { kind: 'notComparable', reason: DEPLOY_TIME };
  }
  const asMap = (tags: readonly ResourceTag[], base: Readonly<Record<string, string>> = {}): Record<string, unknown> => {
    const map: Record<string, unknown> = { ...base };
    for (const t of tags) {
      map[typeof t.key === 'string' ? t.key : JSON.stringify(t.key.template)] = t.value;
    }
    return Object.fromEntries(Object.entries(map).filter(([k]) => !k.startsWith('aws:')).sort(([a], [b]) => a.localeCompare(b)));
  };
  return compareValues(declared.map(tags => asMap(tags, stackTags)), live === null ? null : live.map(tags => asMap(tags)));
}

/** A JSON value with its object keys sorted. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(sortKeys);
  }
  if (v === null || typeof v !== 'object') {
    return v;
  }
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
}

/** A list as sorted JSON values (order-insensitive comparison). */
export function sortedJson(values: readonly unknown[]): unknown[] {
  return values.map(sortKeys).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}
