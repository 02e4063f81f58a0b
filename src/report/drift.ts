/**
 * Drift: the settings a cloud assembly declares against the settings a registry has, both in the
 * neutral model (src/compliance/model.ts). Pure: the live read and the physical-id look-up happen
 * elsewhere (report.ts); this module only compares.
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
import { DeclaredStack, DeclaredSubject } from './assembly';
import {
  CreationTemplateModel, isDeployTimeValue, Possible, PolicyStatement, PullThroughCacheRuleModel, RegistryModel,
  RegistryPart, RegistryPolicyModel, RegistryScanningModel, ReplicationModel, RepositoryModel, ResourceTag, SigningRuleModel,
} from '../compliance/model';
import { partitionOf } from '../compliance/private/from-template';
import { isIntrinsic } from '../compliance/private/intrinsic';

/** What an entry says. */
export type DriftKind = 'missing' | 'unmanaged' | 'differs' | 'notComparable';

/** What an entry is about. */
export type DriftResource = 'repository' | 'registryScanning' | 'registryPolicy' | 'replication' | 'pullThroughCacheRule' | 'creationTemplate' | 'signing';

/** One difference between the assembly and the registry. */
export interface DriftEntry {
  readonly kind: DriftKind;
  readonly resource: DriftResource;
  /** The repository name, or a creation template's / pull-through cache rule's prefix. */
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
  /** Sorted: kind (missing, unmanaged, differs, notComparable), resource, name, property. */
  readonly entries: readonly DriftEntry[];
}

/**
 * Physical ids of a stack's resources (logical id to physical id), as CloudFormation answered,
 * or why they are not known; by stack artifact id.
 */
export type PhysicalIds = ReadonlyMap<string, { readonly ids?: ReadonlyMap<string, string>; readonly reason?: string }>;

/**
 * Which stacks describe the registry of `account` in `region`: those with that account and region,
 * and the environment-agnostic ones whose known parts agree (the report cannot know where an
 * agnostic stack was deployed, so it compares it with every registry it could be in).
 */
export function stacksOfRegistry(stacks: readonly DeclaredStack[], account: string | undefined, region: string): DeclaredStack[] {
  return stacks.filter(s => (s.account === undefined || account === undefined || s.account === account)
    && (s.region === undefined || s.region === region));
}

const KIND_ORDER: DriftKind[] = ['missing', 'unmanaged', 'differs', 'notComparable'];
const RESOURCE_ORDER: DriftResource[] = ['repository', 'registryScanning', 'registryPolicy', 'replication', 'pullThroughCacheRule', 'creationTemplate', 'signing'];

interface Declared<T> {
  readonly subject: T;
  readonly stack: DeclaredStack;
  readonly d: DeclaredSubject;
}

const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names CloudFormation gives a stack: its own for a top-level stack, `parent-LogicalId-RANDOM` for a nested one. */
function stackNamePattern(stack: DeclaredStack): string | undefined {
  if (stack.stackName !== undefined) {
    return escapeRegExp(stack.stackName);
  }
  const parent = stack.parent ? stackNamePattern(stack.parent) : undefined;
  return parent !== undefined && stack.logicalIdInParent !== undefined ? `${parent}-${escapeRegExp(stack.logicalIdInParent)}-[A-Za-z0-9]+` : undefined;
}

/**
 * The live repository CloudFormation created for a declared one, by the tags CloudFormation gives
 * the resources it creates (`aws:cloudformation:stack-name`, `aws:cloudformation:logical-id`);
 * `undefined` unless exactly one repository carries them.
 */
export function nameFromTags(stack: DeclaredStack, logicalId: string, live: RegistryModel): string | undefined {
  const pattern = stackNamePattern(stack);
  if (pattern === undefined) {
    return undefined;
  }
  const stackName = new RegExp(`^${pattern}$`);
  const found = live.repositories.filter(r => {
    const tags = r.tags?.[0] ?? [];
    const tag = (key: string) => tags.find(t => t.key === key)?.value;
    const name = tag(STACK_NAME_TAG);
    return tag(LOGICAL_ID_TAG) === logicalId && typeof name === 'string' && stackName.test(name);
  });
  return found.length === 1 ? found[0].name : undefined;
}

/** The stacks with a repository that has no literal name and that CloudFormation's tags do not name (they need a physical-id look-up). */
export function stacksNeedingIds(stacks: readonly DeclaredStack[], live: RegistryModel): DeclaredStack[] {
  return stacks.filter(stack => stack.subjects.some(d => d.subject.kind === 'repository' && d.subject.readError === undefined
    && (d.subject as RepositoryModel).name === undefined && nameFromTags(stack, d.logicalId, live) === undefined));
}

/**
 * Compare what `stacks` declare with the registry `live`. A repository without a literal name is
 * found by CloudFormation's tags on the live repositories, else in `physical` (a deployed stack's
 * physical ids), else it is not comparable.
 */
export function compareRegistry(stacks: readonly DeclaredStack[], live: RegistryModel, physical?: PhysicalIds): TargetDrift {
  const entries: DriftEntry[] = [];
  const of = <T>(kind: string): Declared<T>[] => stacks.flatMap(stack => stack.subjects
    .filter(d => d.subject.kind === kind && d.subject.readError === undefined)
    .map(d => ({ subject: d.subject as unknown as T, stack, d })));
  const origin = (x: Declared<unknown>) => ({
    stack: x.stack.artifactId,
    logicalId: x.d.logicalId,
    ...(x.d.path !== undefined ? { path: x.d.path } : {}),
  });
  const gap = (part: RegistryPart) => live.gaps.find(g => g.part === part && g.repository === undefined);
  const context = { partition: partitionOf(live.region ?? 'us-east-1') };

  // Subjects whose template could not be rendered.
  for (const stack of stacks) {
    for (const d of stack.subjects.filter(s => s.subject.readError !== undefined)) {
      const resource = d.subject.kind === 'publicRepository' ? undefined : d.subject.kind as DriftResource;
      if (resource) {
        entries.push({ kind: 'notComparable', resource, stack: stack.artifactId, logicalId: d.logicalId, ...(d.path ? { path: d.path } : {}), reason: `its template could not be rendered: ${d.subject.readError}` });
      }
    }
  }

  // Repositories.
  const declaredRepos = of<RepositoryModel>('repository');
  const templates = of<CreationTemplateModel>('creationTemplate');
  let clean = 0;
  const listingGap = gap('repositories');
  if (listingGap) {
    entries.push({ kind: 'notComparable', resource: 'repository', reason: `the registry's repositories could not be listed (${listingGap.action}: ${listingGap.reason})` });
  } else {
    const liveByName = new Map(live.repositories.filter(r => r.name !== undefined).map(r => [r.name!, r]));
    const matched = new Set<string>();
    let unnamed = 0;
    for (const x of declaredRepos) {
      const name = x.subject.name ?? nameFromTags(x.stack, x.d.logicalId, live) ?? physicalName(physical, x, live);
      if (typeof name !== 'string') {
        unnamed++;
        entries.push({ kind: 'notComparable', resource: 'repository', ...origin(x), reason: `it has no literal repository name and ${name.reason}` });
        continue;
      }
      const l = liveByName.get(name);
      if (!l) {
        entries.push({ kind: 'missing', resource: 'repository', name, ...origin(x), reason: `declared in ${x.stack.displayName} but not in the registry` });
        continue;
      }
      matched.add(name);
      const found = compareRepository(x.subject, l, x.stack.tags, context);
      for (const f of found) {
        entries.push({ ...f, resource: 'repository', name, ...origin(x) });
      }
      if (!found.some(f => f.kind === 'differs')) {
        clean++;
      }
    }
    for (const l of live.repositories) {
      if (l.name === undefined || matched.has(l.name)) {
        continue;
      }
      entries.push(unmanagedRepository(l.name, templates, live, unnamed));
    }
  }

  compareScanning(of<RegistryScanningModel>('registryScanning'), live, gap('registryScanning'), origin, entries);
  comparePolicies(of<RegistryPolicyModel>('registryPolicy'), live, gap('registryPolicy'), origin, entries, context);
  compareReplication(of<ReplicationModel>('replication'), live, gap('replication'), origin, entries);
  comparePullThroughCacheRules(of<PullThroughCacheRuleModel>('pullThroughCacheRule'), live, gap('pullThroughCacheRules'), origin, entries);
  compareCreationTemplates(templates, live, gap('creationTemplates'), origin, entries, context);
  compareSigning(stacks, live, gap('signing'), entries);

  const sorted = entries.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)
    || RESOURCE_ORDER.indexOf(a.resource) - RESOURCE_ORDER.indexOf(b.resource)
    || (a.name ?? '').localeCompare(b.name ?? '') || (a.property ?? '').localeCompare(b.property ?? '')
    || (a.stack ?? '').localeCompare(b.stack ?? '') || (a.logicalId ?? '').localeCompare(b.logicalId ?? ''));
  const count = (kind: DriftKind) => sorted.filter(e => e.kind === kind).length;
  return {
    stacks: stacks.map(s => s.artifactId),
    summary: {
      declared: declaredRepos.length,
      live: live.repositories.length,
      clean,
      missing: count('missing'),
      unmanaged: count('unmanaged'),
      differs: count('differs'),
      notComparable: count('notComparable'),
    },
    entries: sorted,
  };
}

function physicalName(physical: PhysicalIds | undefined, x: Declared<RepositoryModel>, live: RegistryModel): string | { reason: string } {
  const untagged = live.repositories.some(r => r.tags === null) ? ' (the tags of some repositories could not be read)' : '';
  const tags = `no live repository carries CloudFormation's tags for it (${STACK_NAME_TAG} ${x.stack.stackName ?? x.stack.displayName}, ${LOGICAL_ID_TAG} ${x.d.logicalId})${untagged}`;
  const known = physical?.get(x.stack.artifactId);
  if (!known) {
    return { reason: `${tags}, and the deployed stack's physical ids were not read${physical === undefined ? ' (no stack resources reader)' : ''}` };
  }
  if (known.reason !== undefined) {
    return { reason: `${tags}, and ${known.reason}` };
  }
  const id = known.ids?.get(x.d.logicalId);
  return id !== undefined ? id : { reason: `${tags}, and the deployed stack ${x.stack.displayName} lists no resource ${x.d.logicalId}` };
}

function unmanagedRepository(name: string, templates: Declared<CreationTemplateModel>[], live: RegistryModel, unnamed: number): DriftEntry {
  let governing: Declared<CreationTemplateModel> | undefined;
  for (const t of templates) {
    const prefix = t.subject.prefix;
    if (prefix === undefined || (prefix !== 'ROOT' && !name.startsWith(`${prefix}/`))) {
      continue;
    }
    const better = governing === undefined || governing.subject.prefix === 'ROOT'
      || (prefix !== 'ROOT' && prefix.length > governing.subject.prefix!.length);
    if (better) {
      governing = t;
    }
  }
  const cache = live.pullThroughCacheRules.find(r => r.ecrRepositoryPrefix !== undefined && name.startsWith(`${r.ecrRepositoryPrefix}/`));
  const parts = ['not declared by any stack'];
  if (governing) {
    const applied = governing.subject.appliedFor.length > 0 ? ` (applied for ${governing.subject.appliedFor.join(', ')})` : '';
    parts.push(`the creation template for prefix ${governing.subject.prefix} in ${governing.stack.displayName} would govern it${applied}`);
  } else {
    parts.push(templates.length > 0 ? 'no declared creation template covers its name' : 'no creation template is declared');
  }
  if (cache) {
    parts.push(`its name is under the pull-through cache prefix ${cache.ecrRepositoryPrefix}/, so ECR may have created it from ${cache.upstreamRegistryUrl ?? 'the upstream registry'}`);
  }
  if (unnamed > 0) {
    parts.push(`it may be one of the ${unnamed} declared repositories without a known name`);
  }
  return {
    kind: 'unmanaged',
    resource: 'repository',
    name,
    ...(governing ? { governedBy: governing.subject.prefix } : {}),
    reason: parts.join('; '),
  };
}

/** The outcome of comparing one property. */
type Outcome =
  | { readonly kind: 'same' }
  | { readonly kind: 'differs'; readonly declared: unknown; readonly options: readonly unknown[]; readonly live: unknown }
  | { readonly kind: 'notComparable'; readonly reason: string; readonly declared?: unknown; readonly live?: unknown };

type PropertyEntry = Omit<DriftEntry, 'resource'>;

const DEPLOY_TIME = 'the declared value is known only at deploy time (a reference, an import or a parameter without allowed values), so it is not compared';

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
    return { kind: 'same' };
  }
  const distinct = options.filter((d, i) => options.findIndex(o => sameJson(o, d)) === i);
  return { kind: 'differs', declared: distinct.length === 1 ? distinct[0] : distinct, options: distinct, live: l };
}

function entryOf(property: string, words: string, o: Outcome, show: (v: unknown) => string = showValue): PropertyEntry | undefined {
  switch (o.kind) {
    case 'same':
      return undefined;
    case 'differs':
      return {
        kind: 'differs',
        property,
        declared: o.declared ?? null,
        live: o.live ?? null,
        reason: `${words} is ${show(o.live)}, declared ${o.options.length === 1 ? show(o.options[0]) : `one of ${o.options.map(show).join(', ')}`}`,
      };
    case 'notComparable':
      return { kind: 'notComparable', property, reason: `${words}: ${o.reason}` };
  }
}

function showValue(v: unknown): string {
  if (v === undefined || v === null) {
    return 'not set';
  }
  if (typeof v === 'string') {
    return v;
  }
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

interface Context {
  readonly partition: string;
}

function unread(l: { unread?: readonly RegistryPart[] }, part: RegistryPart): boolean {
  return (l.unread ?? []).includes(part);
}

/** Every differing or not comparable property of a repository found on both sides. */
export function compareRepository(
  d: RepositoryModel, l: RepositoryModel, stackTags: Readonly<Record<string, string>>, context: Context,
): PropertyEntry[] {
  const out: (PropertyEntry | undefined)[] = [];
  out.push(entryOf('tagMutability', 'tag mutability', compareValues(d.tagMutability, l.tagMutability)));
  out.push(entryOf('tagMutabilityExclusionFilters', 'tag mutability exclusion filters',
    compareValues([d.tagMutabilityExclusionFilters], [l.tagMutabilityExclusionFilters],
      filters => sortedJson(filters.map(f => ({ filter: f.filter, filterType: f.filterType })))),
  ));
  out.push(entryOf('scanOnPush', 'scan on push', compareValues(d.scanOnPush, l.scanOnPush), v => String(v)));
  out.push(entryOf('encryptionType', 'encryption type', compareValues(d.encryptionType, l.encryptionType)));
  out.push(compareKmsKey(d, l));
  out.push(entryOf('lifecyclePolicy', 'the lifecycle policy',
    unread(l, 'lifecyclePolicies') ? { kind: 'notComparable', reason: 'could not be read' }
      : compareValues(d.lifecyclePolicyText, l.lifecyclePolicyText, v => normalizeLifecyclePolicy(v as string | undefined))));
  out.push(entryOf('repositoryPolicy', 'the repository policy',
    unread(l, 'repositoryPolicies') ? { kind: 'notComparable', reason: 'could not be read' }
      : comparePolicyStatements(d.policyStatements, l.policyStatements, context)));
  out.push(entryOf('tags', 'tags', unread(l, 'tags') ? { kind: 'notComparable', reason: 'could not be read' } : compareTags(d.tags, stackTags, l.tags)));
  return out.filter((e): e is PropertyEntry => e !== undefined);
}

/** A literal key compares with ECR's key ARN by ARN or key id; the AWS managed key (no key declared) is not compared. */
function compareKmsKey(d: RepositoryModel, l: RepositoryModel): PropertyEntry | undefined {
  if (d.kmsKey === null || d.kmsKey.some(hasToken)) {
    return entryOf('kmsKey', 'the KMS key', { kind: 'notComparable', reason: DEPLOY_TIME });
  }
  const declared = d.kmsKey.filter((k): k is string => typeof k === 'string');
  if (declared.length === 0 || declared.length !== d.kmsKey.length) {
    return undefined;
  }
  const liveKey = l.kmsKey?.[0];
  if (typeof liveKey !== 'string') {
    return { kind: 'differs', property: 'kmsKey', declared: declared.length === 1 ? declared[0] : declared, live: null, reason: `the KMS key is not set, declared ${declared.join(' or ')}` };
  }
  if (declared.some(k => k.includes('alias/'))) {
    return { kind: 'notComparable', property: 'kmsKey', reason: `the KMS key: declared as an alias (${declared.join(', ')}) and ECR answers the key's ARN (${liveKey}), so it is not compared` };
  }
  const same = declared.some(k => k === liveKey || liveKey.endsWith(`:key/${k}`));
  return same ? undefined : { kind: 'differs', property: 'kmsKey', declared: declared.length === 1 ? declared[0] : declared, live: liveKey, reason: `the KMS key is ${liveKey}, declared ${declared.join(' or ')}` };
}

function compareTags(
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
    // aws: tags are CloudFormation's and AWS's own, never the app's.
    return Object.fromEntries(Object.entries(map).filter(([k]) => !k.startsWith('aws:')).sort(([a], [b]) => a.localeCompare(b)));
  };
  return compareValues(declared.map(tags => asMap(tags, stackTags)), live === null ? null : live.map(tags => asMap(tags)));
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

function comparePolicyStatements(declared: readonly PolicyStatement[] | null, live: readonly PolicyStatement[] | null, context: Context): Outcome {
  if (declared === null) {
    return { kind: 'notComparable', reason: DEPLOY_TIME };
  }
  return compareValues([declared], live === null ? null : [live], s => normalizeStatements(s, context.partition));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(sortKeys);
  }
  if (v === null || typeof v !== 'object') {
    return v;
  }
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
}

/** A list as sorted JSON values (order-insensitive comparison). */
function sortedJson(values: readonly unknown[]): unknown[] {
  return values.map(sortKeys).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

type Origin = (x: Declared<unknown>) => Pick<DriftEntry, 'stack' | 'logicalId' | 'path'>;
type Gap = { action: string; reason: string } | undefined;

function gapEntry(resource: DriftResource, words: string, g: NonNullable<Gap>): DriftEntry {
  return { kind: 'notComparable', resource, reason: `${words} could not be read (${g.action}: ${g.reason})` };
}

function compareScanning(declared: Declared<RegistryScanningModel>[], live: RegistryModel, g: Gap, origin: Origin, entries: DriftEntry[]): void {
  if (declared.length === 0) {
    return;
  }
  if (g) {
    entries.push(gapEntry('registryScanning', 'the registry scanning configuration', g));
    return;
  }
  const l = live.scanningConfigurations[0];
  for (const x of declared) {
    if (!l) {
      entries.push({ kind: 'missing', resource: 'registryScanning', ...origin(x), reason: `declared in ${x.stack.displayName} but the registry has no scanning configuration` });
      continue;
    }
    const found = [
      entryOf('scanType', 'the scan type', compareValues(x.subject.scanType, l.scanType)),
      entryOf('rules', 'the scanning rules', compareValues(x.subject.rules === null ? null : [x.subject.rules], l.rules === null ? null : [l.rules],
        rules => sortedJson(rules.map(r => ({ scanFrequency: r.scanFrequency, repositoryFilters: sortedJson(r.repositoryFilters) }))))),
    ];
    for (const f of found) {
      if (f) {
        entries.push({ ...f, resource: 'registryScanning', ...origin(x) });
      }
    }
  }
}

function comparePolicies(
  declared: Declared<RegistryPolicyModel>[], live: RegistryModel, g: Gap, origin: Origin, entries: DriftEntry[], context: Context,
): void {
  if (declared.length === 0) {
    return;
  }
  if (g) {
    entries.push(gapEntry('registryPolicy', 'the registry policy', g));
    return;
  }
  const l = live.registryPolicies[0];
  for (const x of declared) {
    if (!l) {
      entries.push({ kind: 'missing', resource: 'registryPolicy', ...origin(x), reason: `declared in ${x.stack.displayName} but the registry has no registry policy` });
      continue;
    }
    const f = entryOf('policy', 'the registry policy', comparePolicyStatements(x.subject.policyStatements, l.policyStatements, context));
    if (f) {
      entries.push({ ...f, resource: 'registryPolicy', ...origin(x) });
    }
  }
}

/** A signing configuration's rules for comparison: filters as a set, rules as a set. */
function normalizeSigningRules(rules: readonly SigningRuleModel[]): unknown {
  return sortedJson(rules.map(r => ({
    signingProfileArn: r.signingProfileArn,
    repositoryFilters: sortedJson(r.repositoryFilters.map(f => ({ filter: f.filter, filterType: f.filterType }))),
  })));
}

/** Managed signing: each declared configuration against the registry's one (ECR keeps one per registry). */
function compareSigning(stacks: readonly DeclaredStack[], live: RegistryModel, g: Gap, entries: DriftEntry[]): void {
  const declared = stacks.flatMap(stack => (stack.signingConfigurations ?? []).map(s => ({ ...s, stack })));
  if (declared.length === 0) {
    return;
  }
  if (g) {
    entries.push(gapEntry('signing', 'the signing configuration', g));
    return;
  }
  const l = live.signingConfigurations[0];
  for (const x of declared) {
    const at = { stack: x.stack.artifactId, logicalId: x.logicalId, ...(x.path !== undefined ? { path: x.path } : {}) };
    if (!l) {
      entries.push({ kind: 'missing', resource: 'signing', ...at, reason: `declared in ${x.stack.displayName} but the registry has no signing configuration` });
      continue;
    }
    const f = entryOf('rules', 'the signing rules', compareValues(x.configuration.rules === null ? null : [x.configuration.rules], l.rules === null ? null : [l.rules], normalizeSigningRules));
    if (f) {
      entries.push({ ...f, resource: 'signing', ...at });
    }
  }
}

function compareReplication(declared: Declared<ReplicationModel>[], live: RegistryModel, g: Gap, origin: Origin, entries: DriftEntry[]): void {
  if (declared.length === 0) {
    return;
  }
  if (g) {
    entries.push(gapEntry('replication', 'the replication configuration', g));
    return;
  }
  const liveDestinations = live.replicationConfigurations.flatMap(r => r.destinations);
  for (const x of declared) {
    if (x.subject.destinations.some(d => d.includes('?'))) {
      entries.push({ kind: 'notComparable', resource: 'replication', property: 'destinations', ...origin(x), reason: `the replication destinations: ${DEPLOY_TIME}` });
      continue;
    }
    if (liveDestinations.length === 0 && x.subject.destinations.length > 0) {
      entries.push({ kind: 'missing', resource: 'replication', ...origin(x), declared: [...x.subject.destinations].sort(), reason: `declared in ${x.stack.displayName} but the registry replicates nowhere` });
      continue;
    }
    const f = entryOf('destinations', 'the replication destinations', compareValues([x.subject.destinations], [liveDestinations], d => [...d].sort()));
    if (f) {
      entries.push({ ...f, resource: 'replication', ...origin(x) });
    }
  }
}

function byPrefix<T extends { prefix?: string } | { ecrRepositoryPrefix?: string }>(
  declared: Declared<T>[], live: readonly T[], prefixOf: (t: T) => string | undefined, resource: DriftResource, words: string,
  origin: Origin, entries: DriftEntry[], compare: (d: T, l: T) => PropertyEntry[],
): void {
  const liveByPrefix = new Map(live.map(l => [prefixOf(l) ?? '', l]));
  const matched = new Set<string>();
  for (const x of declared) {
    const prefix = prefixOf(x.subject);
    if (prefix === undefined) {
      entries.push({ kind: 'notComparable', resource, ...origin(x), reason: `its prefix: ${DEPLOY_TIME}` });
      continue;
    }
    const l = liveByPrefix.get(prefix);
    if (!l) {
      entries.push({ kind: 'missing', resource, name: prefix, ...origin(x), reason: `declared in ${x.stack.displayName} but the registry has no ${words} for prefix ${prefix}` });
      continue;
    }
    matched.add(prefix);
    for (const f of compare(x.subject, l)) {
      entries.push({ ...f, resource, name: prefix, ...origin(x) });
    }
  }
  for (const l of live) {
    const prefix = prefixOf(l) ?? '';
    if (!matched.has(prefix)) {
      entries.push({ kind: 'unmanaged', resource, name: prefix, reason: `the registry's ${words} for prefix ${prefix} is not declared by any stack` });
    }
  }
}

function comparePullThroughCacheRules(
  declared: Declared<PullThroughCacheRuleModel>[], live: RegistryModel, g: Gap, origin: Origin, entries: DriftEntry[],
): void {
  if (g) {
    if (declared.length > 0) {
      entries.push(gapEntry('pullThroughCacheRule', 'the pull-through cache rules', g));
    }
    return;
  }
  byPrefix(declared, live.pullThroughCacheRules, r => r.ecrRepositoryPrefix, 'pullThroughCacheRule', 'pull-through cache rule', origin, entries, (d, l) => {
    const f = entryOf('upstreamRegistryUrl', 'the upstream registry URL', d.upstreamRegistryUrl === undefined
      ? { kind: 'notComparable', reason: DEPLOY_TIME }
      : compareValues([d.upstreamRegistryUrl], [l.upstreamRegistryUrl]));
    return f ? [f] : [];
  });
}

function compareCreationTemplates(
  declared: Declared<CreationTemplateModel>[], live: RegistryModel, g: Gap, origin: Origin, entries: DriftEntry[], context: Context,
): void {
  if (g) {
    if (declared.length > 0) {
      entries.push(gapEntry('creationTemplate', 'the repository creation templates', g));
    }
    return;
  }
  byPrefix(declared, live.creationTemplates, t => t.prefix, 'creationTemplate', 'creation template', origin, entries, (d, l) => [
    entryOf('appliedFor', 'applied for', compareValues([d.appliedFor], [l.appliedFor], a => [...a].sort())),
    entryOf('tagMutability', 'tag mutability', compareValues(d.tagMutability, l.tagMutability)),
    entryOf('lifecyclePolicy', 'the lifecycle policy', compareValues(d.lifecyclePolicyText, l.lifecyclePolicyText, v => normalizeLifecyclePolicy(v as string | undefined))),
    entryOf('repositoryPolicy', 'the repository policy', comparePolicyStatements(d.policyStatements, l.policyStatements, context)),
  ].filter((e): e is PropertyEntry => e !== undefined));
}

/** Whether an entry counts as drift for `--fail-on-drift` (not comparable never does). */
export function isDrift(e: DriftEntry): boolean {
  return e.kind !== 'notComparable';
}
