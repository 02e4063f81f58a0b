/**
 * Drift: the settings a cloud assembly declares against the settings a registry has, both in the
 * neutral model (src/model/settings.ts). Pure: the live read and the physical-id look-up happen
 * elsewhere (report.ts); this module only compares, and it compares every kind the same way, from
 * its descriptor (src/model/kinds): its identity (singleton, prefix, name), its properties (words,
 * normalization, comparison) and, where a kind needs them, its drift hooks.
 *
 * Rules of comparison:
 * - a declared value that only CloudFormation knows (a token: `Ref`, `Fn::GetAtt`,
 *   `Fn::ImportValue`, a parameter without allowed values) is never drift: the property is "not
 *   comparable", with the reason;
 * - a declared value with several possible values (a parameter's allowed values, both branches of
 *   `Fn::If`) differs only when the live value is none of them;
 * - policies and lifecycle policies compare as normalized JSON (key order, one-element lists,
 *   statement order, an account id as principal and its `:root` ARN are the same);
 * - a live part that could not be read is "not comparable", never drift.
 */
import { DEPLOY_TIME, Outcome, showValue } from '../model/compare';
import { declaredItems, DeclaredStack, PhysicalIds } from '../model/declared';
import { DeclaredItemRef, DriftContext, itemsOf, KindDescriptor, KindItem, PropertyDescriptor } from '../model/descriptor';
import { kindOf, kinds } from '../model/kind-list';
import { nameFromTags } from '../model/kinds/repository';
import { ModelKind, RegistryModel, RepositoryModel } from '../model/settings';
import { partitionOf } from '../model/values';

export type { PhysicalIds };
export { nameFromTags };

/** What an entry says. */
export type DriftKind = 'missing' | 'unmanaged' | 'differs' | 'notComparable';

/**
 * What an entry is about: a kind descriptor's `kind` (every compared kind; public repositories are
 * not read live). A kind registered later is its own name.
 */
export type DriftResource = Exclude<ModelKind, 'publicRepository'> | (string & {});

/** One difference between the assembly and the registry. */
export interface DriftEntry {
  readonly kind: DriftKind;
  readonly resource: DriftResource;
  /** The repository name, a creation template's / pull-through cache rule's prefix, or a name kind's key. */
  readonly name?: string;
  /** The property, for `differs` and a property that is `notComparable`. */
  readonly property?: string;
  /** The declared value (normalized), when there is one to show. */
  readonly declared?: unknown;
  /** The live value (normalized), when there is one to show. */
  readonly live?: unknown;
  /** The declaring stack's artifact id. */
  readonly stack?: string;
  readonly logicalId?: string;
  /** The declaring construct's path. */
  readonly path?: string;
  /** For an unmanaged repository: the prefix of the declared creation template that would govern it. */
  readonly governedBy?: string;
  /** One sentence. */
  readonly reason: string;
}

/** Counts of one registry's drift. */
export interface DriftSummary {
  /** Repositories declared for the registry. */
  readonly declared: number;
  /** Repositories read. */
  readonly live: number;
  /** Declared repositories found with no differing property. */
  readonly clean: number;
  readonly missing: number;
  readonly unmanaged: number;
  readonly differs: number;
  readonly notComparable: number;
}

/** One registry's drift. */
export interface TargetDrift {
  /** Artifact ids of the stacks compared with the registry. */
  readonly stacks: readonly string[];
  readonly summary: DriftSummary;
  /** Sorted: kind (missing, unmanaged, differs, notComparable), resource (kind order), name, property. */
  readonly entries: readonly DriftEntry[];
}

/**
 * Which stacks describe the registry of `account` in `region`: those with that account and region,
 * and the environment-agnostic ones whose known parts agree (the report cannot know where an
 * agnostic stack was deployed, so it compares it with every registry it could be in).
 */
export function stacksOfRegistry(stacks: readonly DeclaredStack[], account: string | undefined, region: string): DeclaredStack[] {
  return stacks.filter(s => (s.account === undefined || account === undefined || s.account === account)
    && (s.region === undefined || s.region === region));
}

/** The stacks with a repository that has no literal name and that CloudFormation's tags do not name (they need a physical-id look-up). */
export function stacksNeedingIds(stacks: readonly DeclaredStack[], live: RegistryModel): DeclaredStack[] {
  return stacks.filter(stack => stack.subjects.some(d => d.subject.kind === 'repository' && d.subject.readError === undefined
    && (d.subject as RepositoryModel).name === undefined && nameFromTags(stack, d.logicalId, live) === undefined));
}

const KIND_ORDER: DriftKind[] = ['missing', 'unmanaged', 'differs', 'notComparable'];

type PropertyEntry = Omit<DriftEntry, 'resource'>;

/**
 * Compare what `stacks` declare with the registry `live`, kind by kind. A repository without a
 * literal name is found by CloudFormation's tags on the live repositories, else in `physical` (a
 * deployed stack's physical ids), else it is not comparable.
 */
export function compareRegistry(stacks: readonly DeclaredStack[], live: RegistryModel, physical?: PhysicalIds): TargetDrift {
  const entries: DriftEntry[] = [];
  const partition = partitionOf(live.region ?? 'us-east-1');
  const declaredBy = new Map<string, DeclaredItemRef<KindItem>[]>();
  for (const stack of stacks) {
    for (const d of declaredItems(stack)) {
      const at = { logicalId: d.logicalId, ...(d.path !== undefined ? { path: d.path } : {}) };
      if (d.item.readError !== undefined) {
        // A resource whose template could not be rendered (of a kind that is compared).
        if (kindOf(d.kind)?.api) {
          entries.push({
            kind: 'notComparable', resource: d.kind, stack: stack.artifactId, ...at, reason: `its template could not be rendered: ${d.item.readError}`,
          });
        }
        continue;
      }
      const list = declaredBy.get(d.kind) ?? [];
      list.push({ item: d.item, stack, ...at });
      declaredBy.set(d.kind, list);
    }
  }
  const declaredOf = (kind: string) => declaredBy.get(kind) ?? [];
  let repositories = { declared: 0, clean: 0 };
  for (const k of kinds().filter(x => x.api !== undefined)) {
    const counts = compareKind(k, declaredOf(k.kind), live, { live, physical, declaredOf, unresolved: 0 }, partition, entries);
    if (k.field === 'repositories') {
      repositories = counts;
    }
  }

  const order = kinds().map(k => k.kind);
  const rank = (resource: string) => (order.indexOf(resource) < 0 ? order.length : order.indexOf(resource));
  const sorted = entries.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)
    || rank(a.resource) - rank(b.resource)
    || (a.name ?? '').localeCompare(b.name ?? '') || (a.property ?? '').localeCompare(b.property ?? '')
    || (a.stack ?? '').localeCompare(b.stack ?? '') || (a.logicalId ?? '').localeCompare(b.logicalId ?? ''));
  const count = (kind: DriftKind) => sorted.filter(e => e.kind === kind).length;
  return {
    stacks: stacks.map(s => s.artifactId),
    summary: {
      declared: repositories.declared,
      live: live.repositories.length,
      clean: repositories.clean,
      missing: count('missing'),
      unmanaged: count('unmanaged'),
      differs: count('differs'),
      notComparable: count('notComparable'),
    },
    entries: sorted,
  };
}

function origin(x: DeclaredItemRef<unknown>): Pick<DriftEntry, 'stack' | 'logicalId' | 'path'> {
  return { stack: x.stack.artifactId, logicalId: x.logicalId, ...(x.path !== undefined ? { path: x.path } : {}) };
}

/** One kind: the declared items against the live ones, by the kind's identity. Returns the declared and clean counts. */
function compareKind(
  k: KindDescriptor, declared: readonly DeclaredItemRef<KindItem>[], live: RegistryModel, base: DriftContext, partition: string,
  entries: DriftEntry[],
): { declared: number; clean: number } {
  const resource = k.kind;
  const counts = { declared: declared.length, clean: 0 };
  const gap = k.parts.length > 0 ? live.gaps.find(g => g.part === k.parts[0].part && g.repository === undefined) : undefined;
  if (gap) {
    if (k.drift?.gapAlways) {
      entries.push({ kind: 'notComparable', resource, reason: k.drift.gapAlways(gap.action, gap.reason) });
    } else if (declared.length > 0) {
      entries.push({ kind: 'notComparable', resource, reason: `${k.words.gap} could not be read (${gap.action}: ${gap.reason})` });
    }
    return counts;
  }
  const liveItems = itemsOf(live, k);
  const properties = (x: DeclaredItemRef<KindItem>, l: KindItem) => compareProperties(k.properties, x, l, partition);

  if (k.identity === 'singleton') {
    if (declared.length === 0) {
      return counts;
    }
    const l = k.drift?.live ? k.drift.live(liveItems) : liveItems[0];
    for (const x of declared) {
      const missing = k.drift?.missing ? k.drift.missing(x.item, l) : l === undefined ? { reason: `the registry has no ${k.words.noun}` } : undefined;
      if (missing) {
        entries.push({
          kind: 'missing',
          resource,
          ...origin(x),
          ...(missing.declared !== undefined ? { declared: missing.declared } : {}),
          reason: `declared in ${x.stack.displayName} but ${missing.reason}`,
        });
        continue;
      }
      if (l !== undefined) {
        entries.push(...properties(x, l).map(f => ({ ...f, resource, ...origin(x) })));
      }
    }
    return counts;
  }

  // Prefix and name kinds: matched by key; a live item nobody declares is unmanaged.
  const keyWord = k.words.key ?? k.identity;
  const liveByKey = new Map(liveItems.map(l => [k.keyOf?.(l) ?? '', l]));
  const matched = new Set<string>();
  let unresolved = 0;
  for (const x of declared) {
    let key: string | { reason: string } | undefined = k.keyOf?.(x.item);
    if (key === undefined && k.drift?.resolveKey) {
      key = k.drift.resolveKey(x, base);
    }
    if (typeof key !== 'string') {
      unresolved++;
      entries.push({ kind: 'notComparable', resource, ...origin(x), reason: key?.reason ?? `its ${keyWord}: ${DEPLOY_TIME}` });
      continue;
    }
    const l = liveByKey.get(key);
    if (!l) {
      const missing = k.drift?.missing?.(x.item, undefined) ?? { reason: `the registry has no ${k.words.noun} for ${keyWord} ${key}` };
      entries.push({ kind: 'missing', resource, name: key, ...origin(x), reason: `declared in ${x.stack.displayName} but ${missing.reason}` });
      continue;
    }
    matched.add(key);
    const found = properties(x, l);
    entries.push(...found.map(f => ({ ...f, resource, name: key as string, ...origin(x) })));
    if (!found.some(f => f.kind === 'differs')) {
      counts.clean++;
    }
  }
  const ctx: DriftContext = { ...base, unresolved };
  for (const l of liveItems) {
    const key = k.keyOf?.(l) ?? '';
    if (matched.has(key)) {
      continue;
    }
    const u = k.drift?.unmanaged
      ? k.drift.unmanaged(key, l, ctx)
      : { reason: `the registry's ${k.words.noun} for ${keyWord} ${key} is not declared by any stack` };
    if (u) {
      entries.push({ kind: 'unmanaged', resource, name: key, ...(u.governedBy !== undefined ? { governedBy: u.governedBy } : {}), reason: u.reason });
    }
  }
  return counts;
}

/** Every differing or not comparable property of an item found on both sides. */
function compareProperties(
  properties: readonly PropertyDescriptor<KindItem>[], x: DeclaredItemRef<KindItem>, l: KindItem, partition: string,
): PropertyEntry[] {
  const ctx = { partition, stackTags: x.stack.tags };
  return properties.flatMap(p => {
    const e = entryOf(p, p.compare(x.item, l, ctx));
    return e ? [e] : [];
  });
}

function entryOf(p: PropertyDescriptor<KindItem>, o: Outcome): PropertyEntry | undefined {
  const show = p.show ?? showValue;
  switch (o.kind) {
    case 'same':
      return undefined;
    case 'differs':
      return {
        kind: 'differs',
        property: p.name,
        declared: o.declared ?? null,
        live: o.live ?? null,
        reason: o.reason ?? `${p.words} is ${show(o.live)}, declared ${o.options.length === 1 ? show(o.options[0]) : `one of ${o.options.map(show).join(', ')}`}`,
      };
    case 'notComparable':
      return { kind: 'notComparable', property: p.name, reason: `${p.words}: ${o.reason}` };
  }
}

/** Whether an entry counts as drift for `--fail-on-drift` (not comparable never does). */
export function isDrift(e: DriftEntry): boolean {
  return e.kind !== 'notComparable';
}
