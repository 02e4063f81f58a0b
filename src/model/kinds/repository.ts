import {
  BatchGetRepositoryScanningConfigurationCommand, DescribeRepositoriesCommand, GetLifecyclePolicyCommand, GetRepositoryPolicyCommand,
  ListTagsForResourceCommand, Repository,
} from '@aws-sdk/client-ecr';
import { call, CodeValue, idFromName, ref, SCOPE } from '../code';
import { compareTags, compareValues, comparePolicyStatements, DEPLOY_TIME, hasToken, normalizeLifecyclePolicy, Outcome, SAME, sortedJson } from '../compare';
import { DeclaredStack, PhysicalIds } from '../declared';
import {
  ApiContext, CodeWriter, DeclaredItemRef, DriftContext, HookEntry, KindDescriptor, PropertyDescriptor,
} from '../descriptor';
import { statementsOf } from '../policy-text';
import { CreationTemplateModel, RegistryModel, RegistryPart, RepositoryModel, ResourceTag } from '../settings';
import {
  fieldOf, isObject, kmsKeys, lifecycleTexts, literal, possibleOf, tagsOf,
} from '../template-values';
import { one, partitionOf, textOf } from '../values';

/** ECR's page sizes for the repository read. */
export const REPOSITORY_PAGE_SIZES = { describeRepositories: 1000, batchGetRepositoryScanningConfiguration: 25 } as const;

/** The AWS::ECR::Repository properties as the model holds them. */
function fromTemplate(ctx: Parameters<NonNullable<KindDescriptor['fromTemplate']>>[0]): RepositoryModel {
  const props = ctx.props;
  const name = literal(props.RepositoryName);
  return {
    kind: 'repository',
    id: ctx.id,
    name,
    arn: name !== undefined && ctx.account !== undefined && ctx.region !== undefined
      ? `arn:${partitionOf(ctx.region)}:ecr:${ctx.region}:${ctx.account}:repository/${name}` : undefined,
    tagMutability: possibleOf(ctx, props.ImageTagMutability, v => (v === undefined ? 'MUTABLE' : String(v))),
    tagMutabilityExclusionFilters: Array.isArray(props.ImageTagMutabilityExclusionFilters)
      ? props.ImageTagMutabilityExclusionFilters.filter(isObject).map((f: Record<string, unknown>) => ({ filter: String(f.Filter ?? ''), filterType: String(f.FilterType ?? '') }))
      : [],
    scanOnPush: mapPossible(fieldOf(ctx, props.ImageScanningConfiguration, 'ScanOnPush'), isTrue),
    encryptionType: mapPossible(fieldOf(ctx, props.EncryptionConfiguration, 'EncryptionType'), v => (v === undefined ? 'AES256' : String(v))),
    kmsKey: kmsKeys(ctx, props.EncryptionConfiguration),
    lifecyclePolicyText: lifecycleTexts(ctx, props.LifecyclePolicy),
    policyStatements: statementsOf(props.RepositoryPolicyText) ?? null,
    tags: tagsOf(ctx, props.Tags),
  };
}

function mapPossible<T>(values: readonly unknown[] | null, map: (v: unknown) => T): T[] | null {
  return values ? values.map(map) : null;
}

/** A boolean property that is `true` (CloudFormation also accepts the string `"true"`). */
function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

/** A repository as listed, before its per-repository reads. */
interface RepositoryDraft extends Omit<RepositoryModel, 'unread' | 'lifecyclePolicyText' | 'policyStatements' | 'tags' | 'scanFrequency' | 'policyText'> {
  lifecyclePolicyText: RepositoryModel['lifecyclePolicyText'];
  policyStatements: RepositoryModel['policyStatements'];
  policyText?: string;
  tags: RepositoryModel['tags'];
  scanFrequency?: string;
  unread: RegistryPart[];
}

function fromDescribe(r: Repository): RepositoryDraft {
  const arn = r.repositoryArn ?? '';
  return {
    kind: 'repository',
    id: arn,
    arn,
    name: r.repositoryName,
    createdAt: r.createdAt instanceof Date && !Number.isNaN(r.createdAt.getTime()) ? r.createdAt.toISOString() : undefined,
    tagMutability: [r.imageTagMutability ?? 'MUTABLE'],
    tagMutabilityExclusionFilters: (r.imageTagMutabilityExclusionFilters ?? []).map(f => ({ filter: f.filter ?? '', filterType: f.filterType ?? '' })),
    // Scan on push comes from DescribeRepositories: it is the repository's own setting.
    scanOnPush: [r.imageScanningConfiguration?.scanOnPush ?? false],
    encryptionType: [r.encryptionConfiguration?.encryptionType ?? 'AES256'],
    kmsKey: [r.encryptionConfiguration?.kmsKey || undefined],
    lifecyclePolicyText: null,
    policyStatements: null,
    tags: null,
    unread: [],
  };
}

/**
 * Every repository (all pages): `DescribeRepositories` (1,000 per page);
 * `BatchGetRepositoryScanningConfiguration` (25 repositories per call); per repository
 * `GetLifecyclePolicy`, `GetRepositoryPolicy` and `ListTagsForResource` (ECR has no batch form).
 */
async function readRepositories(ctx: ApiContext): Promise<RepositoryModel[] | undefined> {
  const repositories: RepositoryDraft[] = [];
  const work: Promise<void>[] = [];
  let read = 0;
  let listingDone = false;
  let lastReported = 0;
  const progress = (force = false) => {
    if (!ctx.progress || (!force && read - lastReported < 100)) {
      return;
    }
    lastReported = read;
    ctx.progress(repositories.length, read, listingDone, repositories[0]?.arn?.split(':')[4]);
  };
  let nextToken: string | undefined;
  do {
    const page = await ctx.call<any>('repositories', 'DescribeRepositories',
      new DescribeRepositoriesCommand({ registryId: ctx.registryId, maxResults: REPOSITORY_PAGE_SIZES.describeRepositories, nextToken }));
    if (!page.value) {
      break;
    }
    const drafts = (page.value.repositories ?? []).map(fromDescribe);
    repositories.push(...drafts);
    nextToken = page.value.nextToken;
    listingDone = !nextToken;
    const batch = REPOSITORY_PAGE_SIZES.batchGetRepositoryScanningConfiguration;
    for (let i = 0; i < drafts.length; i += batch) {
      work.push(readScanning(ctx, drafts.slice(i, i + batch)));
    }
    for (const draft of drafts) {
      work.push(readRepository(ctx, draft).then(() => {
        read++;
        progress();
      }));
    }
    progress(true);
  } while (nextToken);
  listingDone = true;
  await Promise.all(work);
  progress(true);
  return repositories.map(r => ({ ...r, unread: r.unread.length > 0 ? r.unread : undefined }) as RepositoryModel);
}

async function readScanning(ctx: ApiContext, drafts: RepositoryDraft[]): Promise<void> {
  const names = drafts.map(d => d.name!);
  const answer = await ctx.call<any>('repositoryScanning', 'BatchGetRepositoryScanningConfiguration',
    new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: names }));
  if (!answer.value) {
    drafts.forEach(d => d.unread.push('repositoryScanning'));
    return;
  }
  const byName = new Map<string, any>((answer.value.scanningConfigurations ?? []).map((c: any) => [c.repositoryName, c]));
  for (const d of drafts) {
    const c = byName.get(d.name!);
    if (c?.scanFrequency) {
      d.scanFrequency = c.scanFrequency;
    }
  }
}

async function readRepository(ctx: ApiContext, d: RepositoryDraft): Promise<void> {
  const repositoryName = d.name!;
  const registryId = ctx.registryId;
  const [lifecycle, policy, tags] = await Promise.all([
    ctx.call<any>('lifecyclePolicies', 'GetLifecyclePolicy', new GetLifecyclePolicyCommand({ registryId, repositoryName }), repositoryName),
    ctx.call<any>('repositoryPolicies', 'GetRepositoryPolicy', new GetRepositoryPolicyCommand({ registryId, repositoryName }), repositoryName),
    ctx.call<any>('tags', 'ListTagsForResource', new ListTagsForResourceCommand({ resourceArn: d.arn }), repositoryName),
  ]);
  if (lifecycle.failed) {
    d.unread.push('lifecyclePolicies');
  } else {
    d.lifecyclePolicyText = [lifecycle.value?.lifecyclePolicyText || undefined];
  }
  if (policy.failed) {
    d.unread.push('repositoryPolicies');
  } else {
    const text: string | undefined = policy.value?.policyText || undefined;
    d.policyText = text;
    d.policyStatements = statementsOf(text) ?? null;
  }
  if (tags.failed) {
    d.unread.push('tags');
  } else {
    d.tags = [(tags.value?.tags ?? []).map((t: any): ResourceTag => ({ key: t.Key ?? t.key ?? '', value: t.Value ?? t.value ?? '' }))];
  }
}

/** Not comparable when the live repository could not read `part`. */
function unreadOr(l: RepositoryModel, part: RegistryPart, outcome: () => Outcome): Outcome {
  return (l.unread ?? []).includes(part) ? { kind: 'notComparable', reason: 'could not be read' } : outcome();
}

/** A literal key compares with ECR's key ARN by ARN or key id; the AWS managed key (no key declared) is not compared. */
function compareKmsKey(d: RepositoryModel, l: RepositoryModel): Outcome {
  if (d.kmsKey === null || d.kmsKey.some(hasToken)) {
    return { kind: 'notComparable', reason: DEPLOY_TIME };
  }
  const declared = d.kmsKey.filter((k): k is string => typeof k === 'string');
  if (declared.length === 0 || declared.length !== d.kmsKey.length) {
    return SAME;
  }
  const shown = declared.length === 1 ? declared[0] : declared;
  const liveKey = l.kmsKey?.[0];
  if (typeof liveKey !== 'string') {
    return { kind: 'differs', declared: shown, options: declared, live: null, reason: `the KMS key is not set, declared ${declared.join(' or ')}` };
  }
  if (declared.some(k => k.includes('alias/'))) {
    return { kind: 'notComparable', reason: `declared as an alias (${declared.join(', ')}) and ECR answers the key's ARN (${liveKey}), so it is not compared` };
  }
  const same = declared.some(k => k === liveKey || liveKey.endsWith(`:key/${k}`));
  return same ? SAME : { kind: 'differs', declared: shown, options: declared, live: liveKey, reason: `the KMS key is ${liveKey}, declared ${declared.join(' or ')}` };
}

const PROPERTIES: PropertyDescriptor<RepositoryModel>[] = [
  { name: 'tagMutability', words: 'tag mutability', compare: (d, l) => compareValues(d.tagMutability, l.tagMutability) },
  {
    name: 'tagMutabilityExclusionFilters',
    words: 'tag mutability exclusion filters',
    compare: (d, l) => compareValues([d.tagMutabilityExclusionFilters], [l.tagMutabilityExclusionFilters],
      filters => sortedJson(filters.map(f => ({ filter: f.filter, filterType: f.filterType })))),
  },
  { name: 'scanOnPush', words: 'scan on push', show: v => String(v), compare: (d, l) => compareValues(d.scanOnPush, l.scanOnPush) },
  { name: 'encryptionType', words: 'encryption type', compare: (d, l) => compareValues(d.encryptionType, l.encryptionType) },
  { name: 'kmsKey', words: 'the KMS key', compare: compareKmsKey },
  {
    name: 'lifecyclePolicy',
    words: 'the lifecycle policy',
    part: 'lifecyclePolicies',
    compare: (d, l) => unreadOr(l, 'lifecyclePolicies', () =>
      compareValues(d.lifecyclePolicyText, l.lifecyclePolicyText, v => normalizeLifecyclePolicy(v as string | undefined))),
  },
  {
    name: 'repositoryPolicy',
    words: 'the repository policy',
    part: 'repositoryPolicies',
    compare: (d, l, ctx) => unreadOr(l, 'repositoryPolicies', () => comparePolicyStatements(d.policyStatements, l.policyStatements, ctx.partition)),
  },
  {
    name: 'tags',
    words: 'tags',
    part: 'tags',
    compare: (d, l, ctx) => unreadOr(l, 'tags', () => compareTags(d.tags, ctx.stackTags, l.tags)),
  },
];

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

function physicalName(physical: PhysicalIds | undefined, x: DeclaredItemRef<RepositoryModel>, live: RegistryModel): string | { reason: string } {
  const untagged = live.repositories.some(r => r.tags === null) ? ' (the tags of some repositories could not be read)' : '';
  const tags = `no live repository carries CloudFormation's tags for it (${STACK_NAME_TAG} ${x.stack.stackName ?? x.stack.displayName}, ${LOGICAL_ID_TAG} ${x.logicalId})${untagged}`;
  const known = physical?.get(x.stack.artifactId);
  if (!known) {
    return { reason: `${tags}, and the deployed stack's physical ids were not read${physical === undefined ? ' (no stack resources reader)' : ''}` };
  }
  if (known.reason !== undefined) {
    return { reason: `${tags}, and ${known.reason}` };
  }
  const id = known.ids?.get(x.logicalId);
  return id !== undefined ? id : { reason: `${tags}, and the deployed stack ${x.stack.displayName} lists no resource ${x.logicalId}` };
}

/** A repository without a literal name: by CloudFormation's tags, else the deployed stack's physical ids. */
function resolveName(x: DeclaredItemRef<RepositoryModel>, ctx: DriftContext): string | { reason: string } {
  const name = x.item.name ?? nameFromTags(x.stack, x.logicalId, ctx.live) ?? physicalName(ctx.physical, x, ctx.live);
  return typeof name === 'string' ? name : { reason: `it has no literal repository name and ${name.reason}` };
}

/** A live repository no stack declares: the creation template and pull-through cache rule that would explain it. */
function unmanagedRepository(name: string, _live: RepositoryModel, ctx: DriftContext): HookEntry {
  const templates = ctx.declaredOf('creationTemplate') as readonly DeclaredItemRef<CreationTemplateModel>[];
  let governing: DeclaredItemRef<CreationTemplateModel> | undefined;
  for (const t of templates) {
    const prefix = t.item.prefix;
    if (prefix === undefined || (prefix !== 'ROOT' && !name.startsWith(`${prefix}/`))) {
      continue;
    }
    const better = governing === undefined || governing.item.prefix === 'ROOT'
      || (prefix !== 'ROOT' && prefix.length > governing.item.prefix!.length);
    if (better) {
      governing = t;
    }
  }
  const cache = ctx.live.pullThroughCacheRules.find(r => r.ecrRepositoryPrefix !== undefined && name.startsWith(`${r.ecrRepositoryPrefix}/`));
  const parts = ['not declared by any stack'];
  if (governing) {
    const applied = governing.item.appliedFor.length > 0 ? ` (applied for ${governing.item.appliedFor.join(', ')})` : '';
    parts.push(`the creation template for prefix ${governing.item.prefix} in ${governing.stack.displayName} would govern it${applied}`);
  } else {
    parts.push(templates.length > 0 ? 'no declared creation template covers its name' : 'no creation template is declared');
  }
  if (cache) {
    parts.push(`its name is under the pull-through cache prefix ${cache.ecrRepositoryPrefix}/, so ECR may have created it from ${cache.upstreamRegistryUrl ?? 'the upstream registry'}`);
  }
  if (ctx.unresolved > 0) {
    parts.push(`it may be one of the ${ctx.unresolved} declared repositories without a known name`);
  }
  return { reason: parts.join('; '), ...(governing ? { governedBy: governing.item.prefix } : {}) };
}

/** The key of a live setting, or `undefined` with a gap when the part could not be read. */
function readPart<T>(r: RepositoryModel, part: RegistryPart, writer: CodeWriter, words: string, value: () => T): T | undefined {
  if ((r.unread ?? []).includes(part)) {
    writer.gap(`repository ${r.name}: ${words} could not be read, so the app declares none; read it and declare it before the first deploy`);
    return undefined;
  }
  return value();
}

/**
 * A live repository as a `PrivateRepository` with every setting as read: its policy through an
 * escape hatch (kept exactly, whatever the construct's guard would refuse), a lifecycle policy the
 * library's `LifecyclePolicy` refuses likewise, and no lifecycle policy when it has none.
 */
function repositoryToCode(r: RepositoryModel, writer: CodeWriter): void {
  const name = r.name ?? '';
  const id = writer.idFor(idFromName(name, 'Repository'));
  const props: Record<string, CodeValue> = { repositoryName: name };
  const overrides: { path: string; value: unknown }[] = [];
  const mutability = one(r.tagMutability) ?? 'MUTABLE';
  props.imageTagMutability = ref('ecr', 'TagMutability', mutability);
  const filters = r.tagMutabilityExclusionFilters;
  if (filters.length > 0) {
    if (filters.every(f => f.filterType === 'WILDCARD')) {
      props.imageTagMutabilityExclusionFilters = filters.map(f => f.filter);
    } else {
      overrides.push({ path: 'ImageTagMutabilityExclusionFilters', value: filters.map(f => ({ Filter: f.filter, FilterType: f.filterType })) });
    }
  }
  props.imageScanOnPush = one(r.scanOnPush) ?? false;
  const encryption = one(r.encryptionType) ?? 'AES256';
  props.encryption = ref('ecr', 'RepositoryEncryption', encryption === 'AES256' ? 'AES_256' : encryption);
  const key = one(r.kmsKey);
  if (typeof key === 'string' && encryption !== 'AES256') {
    if (/^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\/.+$/.test(key)) {
      props.encryptionKey = call('kms', ['Key', 'fromKeyArn'], SCOPE, writer.idFor(`${id}Key`), key);
    } else {
      overrides.push({ path: 'EncryptionConfiguration.KmsKey', value: key });
    }
  }
  readPart(r, 'lifecyclePolicies', writer, 'the lifecycle policy', () => {
    const text = one(r.lifecyclePolicyText);
    if (typeof text !== 'string') {
      // No lifecycle policy: an empty aws-cdk-lib rule list is "none" (the construct's default would add one).
      props.lifecycleRules = [];
      return;
    }
    const problem = writer.lifecyclePolicyProblem(text);
    if (problem === undefined) {
      props.lifecyclePolicy = call('lib', ['LifecyclePolicy', 'fromJson'], text);
    } else {
      props.lifecycleRules = [];
      overrides.push({ path: 'LifecyclePolicy.LifecyclePolicyText', value: text });
      writer.note(`repository ${name}: its lifecycle policy is kept as text through an escape hatch (LifecyclePolicy.fromJson refuses it: ${problem})`);
    }
  });
  readPart(r, 'repositoryPolicies', writer, 'the repository policy', () => {
    if (r.policyText === undefined) {
      return;
    }
    try {
      overrides.push({ path: 'RepositoryPolicyText', value: JSON.parse(r.policyText) });
    } catch {
      writer.gap(`repository ${name}: its repository policy is not JSON, so the app declares none: ${r.policyText.slice(0, 200)}`);
    }
  });
  const tags = readPart(r, 'tags', writer, 'the tags', () => (r.tags?.[0] ?? [])
    .filter((t): t is { key: string; value: string } => typeof t.key === 'string' && typeof t.value === 'string' && !t.key.startsWith('aws:'))
    .map(t => [t.key, t.value] as const));
  writer.declare({
    construct: { module: 'lib', name: 'PrivateRepository' },
    id,
    props,
    ...(tags && tags.length > 0 ? { tags } : {}),
    ...(overrides.length > 0 ? { overrides } : {}),
  });
}

/** A private repository (`AWS::ECR::Repository`). */
export const REPOSITORY: KindDescriptor<RepositoryModel> = {
  kind: 'repository',
  identity: 'name',
  field: 'repositories',
  subject: true,
  words: { one: 'repository', drift: 'repository', noun: 'repository', gap: "the registry's repositories", key: 'name' },
  parts: [
    { part: 'repositories', words: 'repositories' },
    { part: 'repositoryScanning', words: 'repository scanning frequency' },
    { part: 'lifecyclePolicies', words: 'lifecycle policies' },
    { part: 'repositoryPolicies', words: 'repository policies' },
    { part: 'tags', words: 'tags' },
  ],
  cfnTypes: ['AWS::ECR::Repository'],
  fromTemplate,
  unreadable: (id, message) => ({
    kind: 'repository',
    id,
    readError: message,
    tagMutability: null,
    tagMutabilityExclusionFilters: [],
    scanOnPush: null,
    encryptionType: null,
    kmsKey: null,
    lifecyclePolicyText: null,
    policyStatements: null,
    tags: null,
  }),
  api: {
    calls: [
      { action: 'DescribeRepositories', permission: 'ecr:DescribeRepositories', per: 'page', pageSize: REPOSITORY_PAGE_SIZES.describeRepositories },
      {
        action: 'BatchGetRepositoryScanningConfiguration',
        permission: 'ecr:BatchGetRepositoryScanningConfiguration',
        per: 'batch',
        pageSize: REPOSITORY_PAGE_SIZES.batchGetRepositoryScanningConfiguration,
      },
      { action: 'GetLifecyclePolicy', permission: 'ecr:GetLifecyclePolicy', per: 'repository' },
      { action: 'GetRepositoryPolicy', permission: 'ecr:GetRepositoryPolicy', per: 'repository' },
      { action: 'ListTagsForResource', permission: 'ecr:ListTagsForResource', per: 'repository' },
    ],
    read: readRepositories,
  },
  keyOf: r => r.name,
  nameOf: r => r.name ?? r.id,
  toJson: r => ({
    name: r.name ?? null,
    tagMutability: one(r.tagMutability),
    scanOnPush: one(r.scanOnPush),
    encryptionType: one(r.encryptionType),
    kmsKey: textOf(one(r.kmsKey)),
  }),
  properties: PROPERTIES,
  drift: {
    resolveKey: resolveName,
    missing: (_d, l) => (l === undefined ? { reason: 'not in the registry' } : undefined),
    unmanaged: unmanagedRepository,
    gapAlways: (action, reason) => `the registry's repositories could not be listed (${action}: ${reason})`,
  },
  toCode: repositoryToCode,
};
