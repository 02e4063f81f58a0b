import {
  BatchGetRepositoryScanningConfigurationCommand, DescribePullThroughCacheRulesCommand, DescribeRegistryCommand,
  DescribeRepositoriesCommand, DescribeRepositoryCreationTemplatesCommand, ECRClient, GetAccountSettingCommand,
  GetLifecyclePolicyCommand, GetRegistryPolicyCommand, GetRegistryScanningConfigurationCommand, GetRepositoryPolicyCommand,
  GetSigningConfigurationCommand, ListTagsForResourceCommand, PullThroughCacheRule, Repository, RepositoryCreationTemplate,
} from '@aws-sdk/client-ecr';
import {
  CreationTemplateModel, PullThroughCacheRuleModel, ReadGap, RegistryModel, RegistryPart, RegistryPolicyModel,
  RegistryScanningModel, ReplicationModel, RepositoryModel, ResourceTag, SigningRuleModel,
} from '../compliance/model';
import { Limiter } from './private/limiter';
import { partitionOf } from '../compliance/private/from-template';
import { statementsOf } from '../compliance/private/policy';
import { AwsCallError, describeError, errorCode } from '../runtime';

/** ECR's page sizes (the most each action returns in one answer). */
export const PAGE_SIZES = {
  describeRepositories: 1000,
  batchGetRepositoryScanningConfiguration: 25,
  describePullThroughCacheRules: 1000,
  describeRepositoryCreationTemplates: 1000,
} as const;

/** How far a registry read has come (for a progress line on stderr). */
export interface InventoryProgress {
  readonly account: string;
  readonly region: string;
  /** Repositories listed so far. */
  readonly listed: number;
  /** Repositories whose settings are read. */
  readonly read: number;
  /** Whether every page of the listing has arrived. */
  readonly listingDone: boolean;
}

/** How to read one registry. */
export interface InventoryOptions {
  /** The ECR client of the registry's region, built with the runtime client policy (timeouts, retries until a deadline). */
  readonly client: ECRClient;
  /**
   * The client for registry-wide features a region or an emulator may lack (pull-through cache
   * rules, creation templates, account settings, signing): such an endpoint answers them with a
   * 5xx, so this client should give up after a few attempts.
   * @default - `client`
   */
  readonly optionalClient?: ECRClient;
  /** The registry's region. */
  readonly region: string;
  /**
   * The account the registry belongs to. When given, an answer from another account (credentials
   * of the wrong account) is an error.
   * @default - the account DescribeRegistry answers
   */
  readonly account?: string;
  /** Requests in flight at most. @default 8 */
  readonly concurrency?: number;
  /** Requests started per second at most. @default 100 */
  readonly requestsPerSecond?: number;
  /** Called as repositories are listed and read. */
  readonly onProgress?: (progress: InventoryProgress) => void;
}

/** One registry as read. */
export interface Inventory {
  readonly model: RegistryModel;
  /** API calls made, by action (each `send`; the SDK's retries are not counted here). */
  readonly calls: Readonly<Record<string, number>>;
  /** Milliseconds the read took. */
  readonly durationMs: number;
}

/** The answer came from an account other than the target's: wrong credentials or role. */
export class WrongAccountError extends Error {
  constructor(public readonly expected: string, public readonly actual: string, region: string) {
    super(`the credentials read registry ${actual} in ${region}, not ${expected}: check the target's account or role`);
    this.name = 'WrongAccountError';
  }
}

/** Errors that mean "there is none", not "could not read". */
const ABSENT = new Set([
  'LifecyclePolicyNotFoundException', 'RepositoryPolicyNotFoundException', 'RegistryPolicyNotFoundException', 'SigningConfigurationNotFoundException',
]);

/**
 * Read every repository (all pages) and the registry-wide settings of one registry into the
 * settings model the `EcrChecks` rules evaluate.
 *
 * Calls: `DescribeRepositories` (1,000 per page); `BatchGetRepositoryScanningConfiguration` (25
 * repositories per call); per repository `GetLifecyclePolicy`, `GetRepositoryPolicy` and
 * `ListTagsForResource` (ECR has no batch form of them); once per registry `DescribeRegistry`,
 * `GetRegistryScanningConfiguration`, `GetRegistryPolicy`, `DescribePullThroughCacheRules` and
 * `DescribeRepositoryCreationTemplates` (all pages), `GetAccountSetting` (registry policy scope)
 * and `GetSigningConfiguration` (managed signing; no configuration is no rule).
 *
 * A call that fails (access denied, an action the region or an emulator lacks) does not stop the
 * read: the part it was for is recorded in `model.gaps` (and in the repository's `unread`), and the
 * rest is read. Only an answer from the wrong account throws.
 */
export async function readInventory(options: InventoryOptions): Promise<Inventory> {
  const started = Date.now();
  const limiter = new Limiter(options.concurrency ?? 8, options.requestsPerSecond ?? 100);
  const calls: Record<string, number> = {};
  const gaps: ReadGap[] = [];
  const region = options.region;
  const optional = new Set(['DescribePullThroughCacheRules', 'DescribeRepositoryCreationTemplates', 'GetAccountSetting', 'GetSigningConfiguration']);
  const send = <T>(action: string, command: any): Promise<T> => limiter.run(() => {
    calls[action] = (calls[action] ?? 0) + 1;
    const client = optional.has(action) ? options.optionalClient ?? options.client : options.client;
    return client.send(command) as Promise<T>;
  });
  /** Run a call; on failure record a gap (or `absent` for "there is none") and return undefined. */
  const attempt = async <T>(part: RegistryPart, action: string, command: any, repository?: string): Promise<Answer<T>> => {
    try {
      return { value: await send<T>(action, command) };
    } catch (e) {
      if (ABSENT.has(errorCode(e))) {
        return { absent: true };
      }
      gaps.push({ part, action, ...(repository !== undefined ? { repository } : {}), ...gapReason(e, action, repository, region) });
      return { failed: true };
    }
  };

  // The registry's account first: every ARN is built from it.
  const registry = await attempt<any>('replication', 'DescribeRegistry', new DescribeRegistryCommand({}));
  const answeredAccount: string | undefined = registry.value?.registryId;
  if (options.account !== undefined && answeredAccount !== undefined && answeredAccount !== options.account) {
    throw new WrongAccountError(options.account, answeredAccount, region);
  }
  let account = answeredAccount ?? options.account;
  const registryId = options.account;

  const registryLevel = readRegistryLevel(attempt, registryId);
  const repositories = readRepositories(attempt, registryId, region, () => account, options.onProgress);
  const [level, repos] = await Promise.all([registryLevel, repositories]);
  account = account ?? repos.accountFromArns ?? 'unknown';

  const registryArn = `arn:${partitionOf(region)}:ecr:${region}:${account}:registry`;
  const replicationRules: any[] = registry.value?.replicationConfiguration?.rules ?? [];
  const replication: ReplicationModel[] = replicationRules.length === 0 ? [] : [{
    kind: 'replication',
    id: `${registryArn}#replication`,
    arn: registryArn,
    destinations: replicationRules.flatMap(r => (r.destinations ?? []).map((d: any) => `${d.region}/${d.registryId}`)),
  }];
  const model: RegistryModel = {
    account,
    region,
    repositories: repos.repositories.map(r => ({ ...r, unread: r.unread.length > 0 ? r.unread : undefined })),
    publicRepositories: [],
    scanningConfigurations: level.scanning ? [{ ...level.scanning, id: `${registryArn}#scanning`, arn: registryArn }] : [],
    registryPolicies: level.policy ? [{ ...level.policy, id: `${registryArn}#policy`, arn: registryArn }] : [],
    replicationConfigurations: replication,
    pullThroughCacheRules: level.pullThroughCacheRules.map(r => ({ ...r, id: `${registryArn}#pull-through-cache-rule/${r.ecrRepositoryPrefix}`, arn: registryArn })),
    creationTemplates: level.creationTemplates.map(t => ({ ...t, id: `${registryArn}#creation-template/${t.prefix}`, arn: registryArn })),
    accountSettings: level.accountSettings,
    signingConfiguration: level.signing,
    signingConfigurations: level.signingRules ? [{ id: `${registryArn}#signing`, rules: level.signingRules }] : [],
    gaps: sortGaps(gaps),
  };
  return { model, calls, durationMs: Date.now() - started };
}

const PART_ORDER: RegistryPart[] = [
  'repositories', 'repositoryScanning', 'lifecyclePolicies', 'repositoryPolicies', 'tags', 'registryScanning', 'registryPolicy',
  'replication', 'pullThroughCacheRules', 'creationTemplates', 'accountSettings', 'signing',
];

/** Gaps in a stable order (calls finish in any order): by part, then repository. */
function sortGaps(gaps: ReadGap[]): ReadGap[] {
  return [...gaps].sort((a, b) => PART_ORDER.indexOf(a.part) - PART_ORDER.indexOf(b.part)
    || (a.repository ?? '').localeCompare(b.repository ?? '') || a.action.localeCompare(b.action));
}

/** Why a part could not be read, in the runtime policy's words (call, resource, attempts), never SDK internals. */
function gapReason(e: unknown, action: string, repository: string | undefined, region: string): { code: string; reason: string } {
  const err: AwsCallError = describeError(e, { call: `ECR ${action}`, resource: { ...(repository !== undefined ? { repository } : {}), region } });
  const missing = err.kind === 'non-json' && (err.httpStatus === undefined || err.httpStatus >= 500 || err.httpStatus === 404);
  return {
    code: err.code,
    reason: missing ? `${err.message}; the action is probably not available at this endpoint (a region or an emulator without it)` : err.message,
  };
}

/** A call's outcome: its answer, "there is none" (a not-found error), or failed (recorded as a gap). */
interface Answer<T> {
  readonly value?: T;
  readonly absent?: boolean;
  readonly failed?: boolean;
}

type Attempt = <T>(part: RegistryPart, action: string, command: any, repository?: string) => Promise<Answer<T>>;

type Draft<T> = Omit<T, 'id' | 'arn'>;

async function readRegistryLevel(attempt: Attempt, registryId: string | undefined) {
  const pages = async <T>(part: RegistryPart, action: string, make: (nextToken?: string) => any, key: string): Promise<T[] | undefined> => {
    const items: T[] = [];
    let nextToken: string | undefined;
    do {
      const page = await attempt<any>(part, action, make(nextToken));
      if (!page.value) {
        return undefined;
      }
      items.push(...(page.value[key] ?? []));
      nextToken = page.value.nextToken;
    } while (nextToken);
    return items;
  };
  const [scanning, policy, cacheRules, templates, policyScope, signing] = await Promise.all([
    attempt<any>('registryScanning', 'GetRegistryScanningConfiguration', new GetRegistryScanningConfigurationCommand({})),
    attempt<any>('registryPolicy', 'GetRegistryPolicy', new GetRegistryPolicyCommand({})),
    pages<PullThroughCacheRule>('pullThroughCacheRules', 'DescribePullThroughCacheRules',
      nextToken => new DescribePullThroughCacheRulesCommand({ registryId, maxResults: PAGE_SIZES.describePullThroughCacheRules, nextToken }), 'pullThroughCacheRules'),
    pages<RepositoryCreationTemplate>('creationTemplates', 'DescribeRepositoryCreationTemplates',
      nextToken => new DescribeRepositoryCreationTemplatesCommand({ maxResults: PAGE_SIZES.describeRepositoryCreationTemplates, nextToken }), 'repositoryCreationTemplates'),
    attempt<any>('accountSettings', 'GetAccountSetting', new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' })),
    attempt<any>('signing', 'GetSigningConfiguration', new GetSigningConfigurationCommand({})),
  ]);
  const cfg = scanning.value?.scanningConfiguration;
  const scanningSettings: Draft<RegistryScanningModel> | undefined = cfg ? {
    kind: 'registryScanning',
    scanType: [cfg.scanType ?? 'BASIC'],
    rules: (cfg.rules ?? []).map((r: any) => ({
      scanFrequency: r.scanFrequency ?? '',
      repositoryFilters: (r.repositoryFilters ?? []).map((f: any) => ({ filter: f.filter ?? '', filterType: f.filterType ?? '' })),
    })),
  } : undefined;
  const policyText: string | undefined = policy.value?.policyText;
  const policySettings: Draft<RegistryPolicyModel> | undefined = policyText ? {
    kind: 'registryPolicy',
    policyStatements: statementsOf(policyText) ?? null,
    policyText,
  } : undefined;
  const pullThroughCacheRules: Draft<PullThroughCacheRuleModel>[] = (cacheRules ?? []).map(r => ({
    kind: 'pullThroughCacheRule',
    ecrRepositoryPrefix: r.ecrRepositoryPrefix,
    upstreamRegistryUrl: r.upstreamRegistryUrl,
  }));
  const creationTemplates: Draft<CreationTemplateModel>[] = (templates ?? []).map(t => ({
    kind: 'creationTemplate',
    prefix: t.prefix,
    appliedFor: t.appliedFor ?? [],
    tagMutability: [t.imageTagMutability ?? 'MUTABLE'],
    lifecyclePolicyText: [t.lifecyclePolicy || undefined],
    policyStatements: statementsOf(t.repositoryPolicy) ?? null,
  }));
  const accountSettings: Record<string, string> | undefined = policyScope.value?.value !== undefined
    ? { [policyScope.value.name ?? 'REGISTRY_POLICY_SCOPE']: policyScope.value.value } : undefined;
  return {
    scanning: scanningSettings,
    policy: policySettings,
    pullThroughCacheRules,
    creationTemplates,
    accountSettings,
    signing: signing.value ? signing.value.signingConfiguration ?? { rules: [] } : undefined,
    // No configuration (SigningConfigurationNotFoundException) is no rule; a failed read is a gap.
    signingRules: signing.value ? signingRulesOf(signing.value.signingConfiguration?.rules) : undefined,
  };
}

/** ECR's signing rules in the settings model (`[]` for none). */
function signingRulesOf(rules: any[] | undefined): SigningRuleModel[] {
  return (rules ?? []).map(r => ({
    signingProfileArn: r.signingProfileArn ?? '',
    repositoryFilters: (r.repositoryFilters ?? []).map((f: any) => ({ filter: f.filter ?? '', filterType: f.filterType ?? '' })),
  }));
}

interface RepositoryDraft extends Omit<RepositoryModel, 'unread' | 'lifecyclePolicyText' | 'policyStatements' | 'tags' | 'scanFrequency'> {
  lifecyclePolicyText: RepositoryModel['lifecyclePolicyText'];
  policyStatements: RepositoryModel['policyStatements'];
  policyText?: string;
  tags: RepositoryModel['tags'];
  scanFrequency?: string;
  unread: RegistryPart[];
}

async function readRepositories(
  attempt: Attempt, registryId: string | undefined, region: string, account: () => string | undefined,
  onProgress: InventoryOptions['onProgress'],
): Promise<{ repositories: RepositoryDraft[]; accountFromArns?: string }> {
  const repositories: RepositoryDraft[] = [];
  const work: Promise<void>[] = [];
  let read = 0;
  let listingDone = false;
  let lastReported = 0;
  const progress = (force = false) => {
    if (!onProgress || (!force && read - lastReported < 100)) {
      return;
    }
    lastReported = read;
    const acct = account() ?? repositories[0]?.arn?.split(':')[4] ?? 'unknown';
    onProgress({ account: acct, region, listed: repositories.length, read, listingDone });
  };

  let nextToken: string | undefined;
  do {
    const page = await attempt<any>('repositories', 'DescribeRepositories',
      new DescribeRepositoriesCommand({ registryId, maxResults: PAGE_SIZES.describeRepositories, nextToken }));
    if (!page.value) {
      break;
    }
    const drafts = (page.value.repositories ?? []).map(fromDescribe);
    repositories.push(...drafts);
    nextToken = page.value.nextToken;
    listingDone = !nextToken;
    for (let i = 0; i < drafts.length; i += PAGE_SIZES.batchGetRepositoryScanningConfiguration) {
      work.push(readScanning(attempt, drafts.slice(i, i + PAGE_SIZES.batchGetRepositoryScanningConfiguration)));
    }
    for (const draft of drafts) {
      work.push(readRepository(attempt, registryId, draft).then(() => {
        read++;
        progress();
      }));
    }
    progress(true);
  } while (nextToken);
  listingDone = true;
  await Promise.all(work);
  progress(true);
  return { repositories, accountFromArns: repositories[0]?.arn?.split(':')[4] };
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

async function readScanning(attempt: Attempt, drafts: RepositoryDraft[]): Promise<void> {
  const names = drafts.map(d => d.name!);
  const answer = await attempt<any>('repositoryScanning', 'BatchGetRepositoryScanningConfiguration',
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

async function readRepository(attempt: Attempt, registryId: string | undefined, d: RepositoryDraft): Promise<void> {
  const repositoryName = d.name!;
  const [lifecycle, policy, tags] = await Promise.all([
    attempt<any>('lifecyclePolicies', 'GetLifecyclePolicy', new GetLifecyclePolicyCommand({ registryId, repositoryName }), repositoryName),
    attempt<any>('repositoryPolicies', 'GetRepositoryPolicy', new GetRepositoryPolicyCommand({ registryId, repositoryName }), repositoryName),
    attempt<any>('tags', 'ListTagsForResource', new ListTagsForResourceCommand({ resourceArn: d.arn }), repositoryName),
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
