/**
 * ECR's lifecycle evaluation, applied locally (ECR user guide, "Lifecycle policy evaluation rules"):
 *
 * - every rule identifies the images matching its selection (tags and storage class) and marks
 *   some of them (the oldest beyond `countNumber` by push time, or those older than `countNumber`
 *   days), regardless of the other rules;
 * - rules then apply by priority, lowest number first: an image is expired or transitioned by at
 *   most one rule, and an image that matches the selection of a rule cannot be acted on by a rule
 *   of lower priority (the first rule that selects an image owns it);
 * - several prefixes (patterns) must each be matched by some tag of the image.
 *
 * Not exported from the package.
 */
import { PreviewOutcome } from './enums';
import { RuleSpec } from './model';
import { ImageDecision, ImageDescription } from './preview';

const DAY_MS = 86_400_000;

/** The per-image numbers the rules need, computed once. */
interface Img {
  readonly index: number;
  readonly digest: string;
  readonly tags: string[];
  readonly archived: boolean;
  /** Push time, or the restore time for an image restored from archive. */
  readonly pushed: number;
  /** Last pull, or the restore when not pulled since, or the push when never pulled. */
  readonly pulled: number;
  /** Last archive time; NaN when unknown. */
  readonly transitioned: number;
}

export interface CompiledRule {
  readonly priority: number;
  readonly archive: boolean;
  readonly tagStatus: string;
  readonly matchers?: Array<(tag: string) => boolean>;
  readonly countType: string;
  readonly countNumber: number;
  readonly action: string;
}

/** A whole-string wildcard matcher for one ECR tag pattern (`*` matches any run, even empty). */
export function wildcardMatcher(pattern: string): (tag: string) => boolean {
  if (!pattern.includes('*')) {
    return tag => tag === pattern;
  }
  if (pattern === '*') {
    return () => true;
  }
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter(p => p.length > 0);
  const minLength = first.length + last.length;
  return tag => {
    if (tag.length < minLength || !tag.startsWith(first) || !tag.endsWith(last)) {
      return false;
    }
    let at = first.length;
    const end = tag.length - last.length;
    for (const part of middle) {
      const found = tag.indexOf(part, at);
      if (found < 0 || found + part.length > end) {
        return false;
      }
      at = found + part.length;
    }
    return true;
  };
}

export function compileRule(spec: RuleSpec): CompiledRule {
  const sel = spec.selection;
  let matchers: Array<(tag: string) => boolean> | undefined;
  if (sel.tagStatus === 'tagged') {
    matchers = sel.tagPrefixList !== undefined
      ? (sel.tagPrefixList as string[]).map(p => (tag: string) => tag.startsWith(p))
      : (sel.tagPatternList as string[]).map(wildcardMatcher);
  }
  return {
    priority: spec.rulePriority,
    archive: sel.storageClass === 'archive',
    tagStatus: sel.tagStatus,
    matchers,
    countType: sel.countType,
    countNumber: sel.countNumber,
    action: spec.action.type,
  };
}

function selects(rule: CompiledRule, img: Img): boolean {
  if (rule.archive !== img.archived) {
    return false;
  }
  switch (rule.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return img.tags.length === 0;
    default:
      return img.tags.length > 0 && rule.matchers!.every(m => img.tags.some(m));
  }
}

/**
 * The index of the first rule (the rules sorted by priority) whose selection matches a standard-storage
 * image carrying exactly these tags, or -1: the rule that owns such an image (the preview's selection,
 * used by the synth-time in-use warnings).
 */
export function owningRule(rules: CompiledRule[], tags: string[]): number {
  const img: Img = { index: 0, digest: '', tags, archived: false, pushed: 0, pulled: 0, transitioned: NaN };
  return rules.findIndex(rule => selects(rule, img));
}

/** Epoch milliseconds of a Date; NaN for anything else (a string or number from JSON, undefined). */
function time(d: unknown): number {
  return d instanceof Date ? d.getTime() : NaN;
}

/** Turn the descriptions into the numbers the rules compare. Throws on bad input via `fail`. */
export function prepareImages(images: ImageDescription[], fail: (index: number, field: string, value: unknown, allowed: string) => void): Img[] {
  const seen = new Set<string>();
  return images.map((raw, index) => {
    // Type-check every field (callers from JavaScript, Python or JSON pass anything); `fail` collects.
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail(index, '', raw, 'must be an object with digest, pushedAt and optional tags, lastPulledAt, storageClass, transitionedAt, lastActivatedAt');
      return { index, digest: '', tags: [], archived: false, pushed: NaN, pulled: NaN, transitioned: NaN };
    }
    const image: ImageDescription = raw;
    if (typeof image.digest !== 'string' || image.digest.length === 0) {
      fail(index, 'digest', image.digest, 'must be a non-empty string');
    } else if (seen.has(image.digest)) {
      fail(index, 'digest', image.digest, 'must be unique in the image list');
    }
    seen.add(image.digest);
    const pushed = time(image.pushedAt);
    if (!(image.pushedAt instanceof Date) || Number.isNaN(pushed)) {
      fail(index, 'pushedAt', image.pushedAt, 'must be a valid Date');
    }
    for (const field of ['lastPulledAt', 'transitionedAt', 'lastActivatedAt'] as const) {
      const value = image[field];
      if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
        fail(index, field, value, 'must be a valid Date when given');
      }
    }
    const given = image.tags ?? [];
    if (!Array.isArray(given) || given.some(t => typeof t !== 'string')) {
      fail(index, 'tags', given, 'must be a list of strings');
    }
    const tags = Array.isArray(given) ? given : [];
    if (image.storageClass !== undefined && image.storageClass !== 'standard' && image.storageClass !== 'archive') {
      fail(index, 'storageClass', image.storageClass, 'must be "standard" or "archive"');
    }
    const activated = time(image.lastActivatedAt);
    const pulledAt = time(image.lastPulledAt);
    const restored = !Number.isNaN(activated);
    let pulled: number;
    if (restored && (Number.isNaN(pulledAt) || pulledAt < activated)) {
      pulled = activated;
    } else {
      pulled = Number.isNaN(pulledAt) ? pushed : pulledAt;
    }
    return {
      index,
      digest: image.digest,
      tags,
      archived: image.storageClass === 'archive',
      pushed: restored ? activated : pushed,
      pulled,
      transitioned: time(image.transitionedAt),
    };
  });
}

/**
 * Evaluate the rules (sorted by priority, validated) against the images.
 */
export function evaluate(rules: CompiledRule[], images: Img[], now: number): ImageDecision[] {
  const n = images.length;
  // The first rule (by priority) whose selection matches the image: only it may act on the image.
  const owner = new Int32Array(n).fill(-1);
  const outcome: string[] = new Array(n).fill(PreviewOutcome.KEEP);
  let byPushDesc: Img[] | undefined;

  rules.forEach((rule, r) => {
    const selected: Img[] = [];
    const candidates = rule.countType === 'imageCountMoreThan'
      ? (byPushDesc ??= [...images].sort((a, b) => b.pushed - a.pushed || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0)))
      : images;
    for (const img of candidates) {
      if (selects(rule, img)) {
        selected.push(img);
      }
    }
    const limit = rule.countNumber * DAY_MS;
    selected.forEach((img, position) => {
      let marked: boolean;
      switch (rule.countType) {
        case 'imageCountMoreThan':
          marked = position >= rule.countNumber;
          break;
        case 'sinceImagePushed':
          marked = now - img.pushed > limit;
          break;
        case 'sinceImagePulled':
          marked = now - img.pulled > limit;
          break;
        default: // sinceImageTransitioned: archived images with a known archive time
          marked = !Number.isNaN(img.transitioned) && now - img.transitioned > limit;
      }
      if (owner[img.index] === -1) {
        owner[img.index] = r;
        if (marked) {
          outcome[img.index] = rule.action === 'transition' ? PreviewOutcome.TRANSITION : PreviewOutcome.EXPIRE;
        }
      }
    });
  });

  return images.map(img => {
    const r = owner[img.index];
    return r === -1
      ? { digest: img.digest, outcome: PreviewOutcome.KEEP }
      : { digest: img.digest, outcome: outcome[img.index] as PreviewOutcome, rulePriority: rules[r].priority };
  });
}
