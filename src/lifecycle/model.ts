/**
 * The lifecycle policy model shared by the typed API, `fromJson` and the preview:
 * one raw rule shape, its validation (ECR user guide, "Lifecycle policy properties" and
 * "Lifecycle policy evaluation rules"), its rendering in a fixed key order, and parsing.
 *
 * Not exported from the package.
 */
import { excessDepthAt, MAX_JSON_DEPTH } from '../private/json';
import { hasTokenMarks as isUnresolved } from '../private/token-marks';

/** Where violations go (a `Violations` collector, or one that prefixes property names). */
export interface Sink {
  add(property: string, value: unknown, allowed: string): unknown;
}

/** ECR's limit on the lifecycle policy text. */
export const MAX_POLICY_TEXT_LENGTH = 30_720;
/** ECR's quota of rules per lifecycle policy. */
export const MAX_RULES = 50;
/** At most this many `*` in one tag pattern. */
export const MAX_WILDCARDS = 4;
/** Archived images must stay archived at least this many days before a rule can expire them. */
export const MIN_ARCHIVE_DAYS = 90;

export const TAG_STATUSES = ['tagged', 'untagged', 'any'];
export const STORAGE_CLASSES = ['standard', 'archive'];
export const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
export const AGE_COUNT_TYPES = ['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
export const ACTIONS = ['expire', 'transition'];

const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = ['tagStatus', 'tagPrefixList', 'tagPatternList', 'storageClass', 'countType', 'countUnit', 'countNumber'];
const ACTION_KEYS = ['type', 'targetStorageClass'];

/** A rule as ECR sees it; values are unchecked (they come from users' JSON too). */
export interface RuleSpec {
  rulePriority?: any;
  description?: any;
  selection: {
    tagStatus?: any;
    tagPrefixList?: any;
    tagPatternList?: any;
    storageClass?: any;
    countType?: any;
    countUnit?: any;
    countNumber?: any;
  };
  action: {
    type?: any;
    targetStorageClass?: any;
  };
}

const quoteList = (xs: string[]) => xs.map(x => `"${x}"`).join(', ');

function isWholeAtLeast(n: unknown, min: number): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= min;
}

function isStringList(x: unknown): x is string[] {
  return Array.isArray(x) && x.every(e => typeof e === 'string');
}

/** How a rule is named in messages: by priority when it has a usable one, else by index. */
function ruleLabels(specs: RuleSpec[]): string[] {
  const counts = new Map<unknown, number>();
  for (const s of specs) {
    counts.set(s.rulePriority, (counts.get(s.rulePriority) ?? 0) + 1);
  }
  return specs.map((s, i) => (isWholeAtLeast(s.rulePriority, 1) || isUnresolved(s.rulePriority)) && counts.get(s.rulePriority) === 1
    ? `rule ${isUnresolved(s.rulePriority) ? `[${i}]` : s.rulePriority}`
    : `rules[${i}]`);
}

/** The tag list of a tagged rule, as a canonical key (same prefixes or patterns, any order). */
function tagKey(s: RuleSpec): string | undefined {
  const sel = s.selection;
  if (sel.tagStatus !== 'tagged') {
    return undefined;
  }
  if (isStringList(sel.tagPrefixList) && sel.tagPatternList === undefined) {
    return `prefix:${JSON.stringify([...new Set(sel.tagPrefixList)].sort())}`;
  }
  if (isStringList(sel.tagPatternList) && sel.tagPrefixList === undefined) {
    return `pattern:${JSON.stringify([...new Set(sel.tagPatternList)].sort())}`;
  }
  return undefined;
}

/**
 * Check every rule and the rules together; records one violation per problem.
 */
export function validateRules(specs: RuleSpec[], v: Sink): void {
  if (specs.length < 1 || specs.length > MAX_RULES) {
    v.add('rules count', specs.length, `a lifecycle policy has 1-${MAX_RULES} rules`);
  }
  const labels = ruleLabels(specs);

  // Priorities: whole numbers >= 1, unique.
  const seen = new Map<number, number>();
  specs.forEach((s, i) => {
    const p = s.rulePriority;
    if (isUnresolved(p)) {
      return;
    }
    if (!isWholeAtLeast(p, 1)) {
      v.add(`${labels[i]} rulePriority`, p, 'must be a whole number >= 1');
      return;
    }
    const first = seen.get(p);
    if (first !== undefined) {
      v.add(`${labels[i]} rulePriority`, p, `must be unique: rules[${first}] has rulePriority ${p} too`);
    } else {
      seen.set(p, i);
    }
  });

  specs.forEach((s, i) => validateRule(s, labels[i], v));

  // Rules of one storage class together.
  const classOf = (s: RuleSpec) => s.selection.storageClass ?? 'standard';
  specs.forEach((s, i) => {
    const sel = s.selection;
    if (!isWholeAtLeast(s.rulePriority, 1)) {
      return;
    }
    const sameClass = specs.filter((o, j) => j !== i && classOf(o) === classOf(s) && isWholeAtLeast(o.rulePriority, 1));
    if (sel.tagStatus === 'any') {
      const higher = sameClass.filter(o => o.rulePriority > s.rulePriority).map(o => o.rulePriority as number);
      if (higher.length > 0) {
        v.add(`${labels[i]} selection.tagStatus`, 'any',
          `a rule with tagStatus "any" must have the highest rulePriority of the rules selecting storageClass "${classOf(s)}" (rule ${Math.max(...higher)} is higher)`);
      }
    }
    if (sel.tagStatus === 'untagged') {
      const earlier = sameClass.find(o => o.selection.tagStatus === 'untagged' && o.rulePriority < s.rulePriority);
      if (earlier) {
        v.add(`${labels[i]} selection.tagStatus`, 'untagged',
          `only one rule per storage class may select untagged images (rule ${earlier.rulePriority} already does in storageClass "${classOf(s)}")`);
      }
    }
    const key = tagKey(s);
    if (key !== undefined) {
      const earlier = sameClass.find(o => tagKey(o) === key && o.rulePriority < s.rulePriority);
      if (earlier) {
        const field = sel.tagPrefixList !== undefined ? 'tagPrefixList' : 'tagPatternList';
        v.add(`${labels[i]} selection.${field}`, sel[field],
          `the rules of one storage class must select unique tag sets (rule ${earlier.rulePriority} selects the same tags in storageClass "${classOf(s)}", so this rule could never act)`);
      }
    }
  });
}

function validateRule(s: RuleSpec, label: string, v: Sink): void {
  const sel = s.selection;
  const act = s.action;

  if (s.description !== undefined && typeof s.description !== 'string') {
    v.add(`${label} description`, s.description, 'must be a string');
  }

  // Tag selection.
  const tagStatus = sel.tagStatus;
  if (!TAG_STATUSES.includes(tagStatus)) {
    v.add(`${label} selection.tagStatus`, tagStatus, `must be one of ${quoteList(TAG_STATUSES)}`);
  } else if (tagStatus === 'tagged') {
    const hasPrefix = sel.tagPrefixList !== undefined;
    const hasPattern = sel.tagPatternList !== undefined;
    if (!hasPrefix && !hasPattern) {
      v.add(`${label} selection.tagStatus`, tagStatus, 'tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got neither)');
    } else if (hasPrefix && hasPattern) {
      v.add(`${label} selection.tagPatternList`, sel.tagPatternList, 'tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got both)');
    }
  } else {
    for (const field of ['tagPrefixList', 'tagPatternList'] as const) {
      if (sel[field] !== undefined) {
        v.add(`${label} selection.${field}`, sel[field], `only with tagStatus "tagged" (got "${tagStatus}")`);
      }
    }
  }
  for (const field of ['tagPrefixList', 'tagPatternList'] as const) {
    const list = sel[field];
    if (list === undefined || isUnresolved(list) || (tagStatus !== 'tagged' && TAG_STATUSES.includes(tagStatus))) {
      continue;
    }
    if (!isStringList(list) || list.length === 0 || list.some(e => e.length === 0 && !isUnresolved(e))) {
      v.add(`${label} selection.${field}`, list, `must be a non-empty list of non-empty ${field === 'tagPrefixList' ? 'tag prefixes' : 'tag patterns'}`);
      continue;
    }
    if (field === 'tagPatternList') {
      list.forEach((pattern, j) => {
        const wildcards = isUnresolved(pattern) ? 0 : pattern.split('*').length - 1;
        if (wildcards > MAX_WILDCARDS) {
          v.add(`${label} selection.tagPatternList[${j}]`, pattern, `at most ${MAX_WILDCARDS} wildcards (*) per pattern (got ${wildcards})`);
        }
      });
    }
  }

  // Count type, unit and number.
  const countType = sel.countType;
  const knownCountType = COUNT_TYPES.includes(countType);
  if (!knownCountType) {
    v.add(`${label} selection.countType`, countType, `must be one of ${quoteList(COUNT_TYPES)}`);
  }
  const age = AGE_COUNT_TYPES.includes(countType);
  if (knownCountType && age && sel.countUnit !== 'days') {
    v.add(`${label} selection.countUnit`, sel.countUnit, `must be "days" with countType ${countType}`);
  } else if (knownCountType && !age && sel.countUnit !== undefined) {
    v.add(`${label} selection.countUnit`, sel.countUnit, `only with countType ${AGE_COUNT_TYPES.join(', ')} (got ${countType}, which counts images)`);
  }
  const n = sel.countNumber;
  if (!isUnresolved(n)) {
    if (!isWholeAtLeast(n, 1)) {
      v.add(`${label} selection.countNumber`, n, age ? 'must be a whole number of days >= 1' : 'must be a whole number >= 1');
    } else if (countType === 'sinceImageTransitioned' && n < MIN_ARCHIVE_DAYS) {
      v.add(`${label} selection.countNumber`, n,
        `countType sinceImageTransitioned needs at least ${MIN_ARCHIVE_DAYS} days (archived images have a ${MIN_ARCHIVE_DAYS}-day minimum storage duration)`);
    }
  }

  // Storage class.
  const storageClass = sel.storageClass;
  if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass)) {
    v.add(`${label} selection.storageClass`, storageClass, `must be one of ${quoteList(STORAGE_CLASSES)}`);
  } else if (countType === 'sinceImageTransitioned' && storageClass !== 'archive') {
    v.add(`${label} selection.storageClass`, storageClass, 'countType sinceImageTransitioned needs storageClass "archive"');
  } else if (knownCountType && countType !== 'sinceImageTransitioned' && storageClass === 'archive') {
    v.add(`${label} selection.storageClass`, storageClass, `countType ${countType} selects only storageClass "standard" (archived images are selected with sinceImageTransitioned)`);
  }

  // Action.
  const type = act.type;
  if (!ACTIONS.includes(type)) {
    v.add(`${label} action.type`, type, `must be one of ${quoteList(ACTIONS)}`);
  } else if (type === 'transition' && act.targetStorageClass !== 'archive') {
    v.add(`${label} action.targetStorageClass`, act.targetStorageClass, 'action type "transition" needs targetStorageClass "archive"');
  } else if (type === 'expire' && act.targetStorageClass !== undefined) {
    v.add(`${label} action.targetStorageClass`, act.targetStorageClass, 'only with action type "transition"');
  }
  if (type === 'expire' && countType === 'sinceImagePulled') {
    v.add(`${label} action.type`, type,
      'countType sinceImagePulled only transitions images to archive; to delete by pull activity, transition with sinceImagePulled, then expire with sinceImageTransitioned');
  } else if (type === 'transition' && countType === 'sinceImageTransitioned') {
    v.add(`${label} action.type`, type, 'countType sinceImageTransitioned only expires archived images');
  }
}

/** The rule as policy JSON, keys in a fixed order. */
export function renderRule(s: RuleSpec): Record<string, unknown> {
  const sel = s.selection;
  const selection: Record<string, unknown> = { tagStatus: sel.tagStatus };
  if (sel.tagPrefixList !== undefined) {
    selection.tagPrefixList = sel.tagPrefixList;
  }
  if (sel.tagPatternList !== undefined) {
    selection.tagPatternList = sel.tagPatternList;
  }
  if (sel.storageClass !== undefined) {
    selection.storageClass = sel.storageClass;
  }
  selection.countType = sel.countType;
  selection.countNumber = sel.countNumber;
  if (sel.countUnit !== undefined) {
    selection.countUnit = sel.countUnit;
  }
  const action: Record<string, unknown> = { type: s.action.type };
  if (s.action.targetStorageClass !== undefined) {
    action.targetStorageClass = s.action.targetStorageClass;
  }
  const rule: Record<string, unknown> = { rulePriority: s.rulePriority };
  if (s.description !== undefined) {
    rule.description = s.description;
  }
  rule.selection = selection;
  rule.action = action;
  return rule;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Parse policy text into rule specs; structural problems are recorded in `v` and give `undefined`.
 */
export function parsePolicy(text: unknown, v: Sink): RuleSpec[] | undefined {
  if (typeof text !== 'string') {
    v.add('text', text, 'must be the lifecycle policy text (a JSON string)');
    return undefined;
  }
  if (text.length > MAX_POLICY_TEXT_LENGTH) {
    v.add('text length', text.length, `must be at most ${MAX_POLICY_TEXT_LENGTH} characters (ECR's limit for lifecycle policy text)`);
  }
  if (excessDepthAt(text) >= 0) {
    v.add('text', snippet(text), `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays: a lifecycle policy nests 4`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    v.add('text', snippet(text), `is not JSON (${(e as Error).message})`);
    return undefined;
  }
  if (!isObject(doc) || !Array.isArray(doc.rules)) {
    v.add('text', snippet(text), 'is not a lifecycle policy: expected {"rules": [...]}');
    return undefined;
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'rules') {
      v.add('key', key, 'a lifecycle policy has only "rules"');
    }
  }
  const specs: RuleSpec[] = [];
  doc.rules.forEach((raw: unknown, i: number) => {
    if (!isObject(raw)) {
      v.add(`rules[${i}]`, raw, 'must be a rule object with rulePriority, selection and action');
      return;
    }
    const label = isWholeAtLeast(raw.rulePriority, 1) ? `rule ${raw.rulePriority}` : `rules[${i}]`;
    for (const key of Object.keys(raw)) {
      if (!RULE_KEYS.includes(key)) {
        v.add(`${label} key`, key, `a rule has only ${RULE_KEYS.join(', ')}`);
      }
    }
    const selection = raw.selection;
    const action = raw.action;
    if (!isObject(selection)) {
      v.add(`${label} selection`, selection, `must be an object with ${SELECTION_KEYS.join(', ')}`);
    } else {
      for (const key of Object.keys(selection)) {
        if (!SELECTION_KEYS.includes(key)) {
          v.add(`${label} selection key`, key, `a selection has only ${SELECTION_KEYS.join(', ')}`);
        }
      }
    }
    if (!isObject(action)) {
      v.add(`${label} action`, action, 'must be an object with type and, for "transition", targetStorageClass');
    } else {
      for (const key of Object.keys(action)) {
        if (!ACTION_KEYS.includes(key)) {
          v.add(`${label} action key`, key, `an action has only ${ACTION_KEYS.join(', ')}`);
        }
      }
    }
    if (raw.rulePriority === undefined) {
      v.add(`${label} rulePriority`, undefined, 'is required in policy text: a whole number >= 1, unique within the policy');
    }
    if (isObject(selection) && isObject(action)) {
      specs.push({
        rulePriority: raw.rulePriority,
        description: raw.description,
        selection: { ...selection },
        action: { ...action },
      });
    }
  });
  return specs;
}

/** True when any value of the spec is an unresolved token. */
export function hasTokens(s: RuleSpec): boolean {
  const values: unknown[] = [s.rulePriority, s.description, ...Object.values(s.selection), ...Object.values(s.action)];
  for (const value of values) {
    if (isUnresolved(value)) {
      return true;
    }
    if (Array.isArray(value) && value.some(e => isUnresolved(e))) {
      return true;
    }
  }
  return false;
}
