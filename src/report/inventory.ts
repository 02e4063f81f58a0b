/**
 * The live read of one registry, kind by kind: `DescribeRegistry` first (it names the account),
 * then every kind descriptor's API read (src/model/kinds) at once, through one limiter (requests in
 * flight and per second) and the runtime client policy. Imports nothing from aws-cdk-lib.
 */
import { DescribeRegistryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { Answer, ApiContext, KindDescriptor } from '../model/descriptor';
import { kinds } from '../model/kind-list';
import { CREATION_TEMPLATE_PAGE_SIZE } from '../model/kinds/creation-template';
import { PULL_THROUGH_CACHE_PAGE_SIZE } from '../model/kinds/pull-through-cache-rule';
import { PULL_TIME_EXCLUSION_PAGE_SIZE } from '../model/kinds/pull-time-exclusion';
import { REPOSITORY_PAGE_SIZES } from '../model/kinds/repository';
import { ReadGap, RegistryModel, RegistryPart } from '../model/settings';
import { registryArnOf } from '../model/values';
import { Limiter } from '../private/concurrency';
import { AwsCallError, describeError, errorCode, isUnreachable } from '../runtime/errors';

/** ECR's page sizes (the most each action returns in one answer). */
export const PAGE_SIZES = {
  describeRepositories: REPOSITORY_PAGE_SIZES.describeRepositories,
  batchGetRepositoryScanningConfiguration: REPOSITORY_PAGE_SIZES.batchGetRepositoryScanningConfiguration,
  describePullThroughCacheRules: PULL_THROUGH_CACHE_PAGE_SIZE,
  describeRepositoryCreationTemplates: CREATION_TEMPLATE_PAGE_SIZE,
  listPullTimeUpdateExclusions: PULL_TIME_EXCLUSION_PAGE_SIZE,
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
   * rules, creation templates, account settings, signing, pull-time exclusions): such an endpoint
   * answers them with a 5xx, so this client should give up after a few attempts.
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
 * Read one registry into the settings model the `EcrChecks` rules evaluate: every kind's API read
 * (see each descriptor's `api.calls`: the actions, their pages and the permissions they need).
 *
 * A call that fails (access denied, an action the region or an emulator lacks) does not stop the
 * read: the part it was for is recorded in `model.gaps` (and in the repository's `unread`), and the
 * rest is read. Only an answer from the wrong account and an endpoint that cannot be reached (a
 * refused connection, a host name that does not resolve: the `AwsCallError` of the first call that
 * found it) throw.
 */
export async function readInventory(options: InventoryOptions): Promise<Inventory> {
  const started = Date.now();
  const limiter = new Limiter(options.concurrency ?? 8, options.requestsPerSecond ?? 100);
  const calls: Record<string, number> = {};
  const gaps: ReadGap[] = [];
  const region = options.region;
  const all = kinds();
  const optional = new Set(all.flatMap(k => (k.api?.calls ?? []).filter(c => c.optional).map(c => c.action)));
  const send = <T>(action: string, command: any): Promise<T> => limiter.run(() => {
    calls[action] = (calls[action] ?? 0) + 1;
    const client = optional.has(action) ? options.optionalClient ?? options.client : options.client;
    return client.send(command) as Promise<T>;
  });
  /** Run a call; on failure record a gap (or `absent` for "there is none"). */
  const call = async <T>(part: RegistryPart, action: string, command: unknown, repository?: string): Promise<Answer<T>> => {
    try {
      return { value: await send<T>(action, command) };
    } catch (e) {
      if (isUnreachable(e)) {
        // Nothing at the endpoint (a refused connection, an unknown host): one error for the registry, not a gap per part.
        throw e;
      }
      if (ABSENT.has(errorCode(e))) {
        return { absent: true };
      }
      gaps.push({ part, action, ...(repository !== undefined ? { repository } : {}), ...gapReason(e, action, repository, region) });
      return { failed: true };
    }
  };
  const pages = async <T>(part: RegistryPart, action: string, make: (nextToken?: string) => unknown, key: string): Promise<T[] | undefined> => {
    const items: T[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call<any>(part, action, make(nextToken));
      if (!page.value) {
        return undefined;
      }
      items.push(...(page.value[key] ?? []));
      nextToken = page.value.nextToken;
    } while (nextToken);
    return items;
  };

  // The registry's account first: every ARN is built from it.
  const registry = await call<any>('replication', 'DescribeRegistry', new DescribeRegistryCommand({}));
  const answeredAccount: string | undefined = registry.value?.registryId;
  if (options.account !== undefined && answeredAccount !== undefined && answeredAccount !== options.account) {
    throw new WrongAccountError(options.account, answeredAccount, region);
  }
  let account = answeredAccount ?? options.account;
  const kept: Record<string, unknown> = {};
  const ctx: ApiContext = {
    region,
    registryId: options.account,
    registry,
    account: () => account,
    call,
    pages,
    keep: (field, value) => {
      kept[field] = value;
    },
    progress: options.onProgress ? (listed, read, listingDone, accountHint) => options.onProgress!({
      account: account ?? accountHint ?? 'unknown', region, listed, read, listingDone,
    }) : undefined,
  };
  const read = await Promise.all(all.map(async k => ({ k, items: k.api ? await k.api.read(ctx) ?? [] : [] })));
  const firstArn = (read.find(r => r.k.field === 'repositories')?.items[0] as { arn?: string } | undefined)?.arn;
  account = account ?? firstArn?.split(':')[4] ?? 'unknown';

  const registryArn = registryArnOf(account, region);
  const lists: Record<string, unknown[]> = {};
  for (const { k, items } of read) {
    lists[k.field] = items.map(item => named(k, item, registryArn));
  }
  const model = {
    account,
    region,
    repositories: [],
    publicRepositories: [],
    scanningConfigurations: [],
    registryPolicies: [],
    replicationConfigurations: [],
    pullThroughCacheRules: [],
    creationTemplates: [],
    ...lists,
    ...kept,
    gaps: sortGaps(gaps),
  } as unknown as RegistryModel;
  return { model, calls, durationMs: Date.now() - started };
}

/** A live item with its id (and, for a judged subject, the registry's ARN when it has none of its own). */
function named(k: KindDescriptor, item: any, registryArn: string): unknown {
  if (!k.liveId) {
    return item;
  }
  return { ...item, id: k.liveId(item, registryArn), ...(k.subject && item.arn === undefined ? { arn: registryArn } : {}) };
}

/** Gaps in a stable order (calls finish in any order): by part in kind order, then repository. */
function sortGaps(gaps: ReadGap[]): ReadGap[] {
  const order = kinds().flatMap(k => k.parts.map(p => p.part));
  const rank = (part: RegistryPart) => (order.indexOf(part) < 0 ? order.length : order.indexOf(part));
  return [...gaps].sort((a, b) => rank(a.part) - rank(b.part)
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
