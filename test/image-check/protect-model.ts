/**
 * A model of in-use protection over CloudFormation's whole lifecycle, shared by the model-based
 * test (protect.model.moto.test.ts, fast-check sequences) and the replays of saved sequences
 * (protect-model/*.json).
 *
 * A sequence is a JSON list of commands: CloudFormation's requests to the image check resources
 * of two stacks (Create, Update, Delete, with their failures, duplicates and rollbacks, as
 * CloudFormation sends them), people's actions on two repositories (push, retag, untag, delete an
 * image, delete and create a repository) and faults of the proxy between the handler and ECR. The
 * real handler (`handleEvent`, the runtime policy's clients) runs against moto over HTTP through
 * the fault proxy, which emulates tag immutability and records every BatchDeleteImage that removed
 * an image. After every step the world is read back and compared with the model:
 *
 * - safety, after every step: no image was deleted by the handler (the proxy's record), no tag
 *   other than a protection tag was added or removed by the handler, and every protection tag sits
 *   on a digest that its resource (its scope) checked;
 * - agreement, after every step without an injected fault: the images of each live resource carry
 *   its tag, and no image carries the tag of a resource that CloudFormation deleted or whose
 *   request failed, unless the handler's log documented leaving it.
 */
import { createHash } from 'crypto';
import {
  BatchDeleteImageCommand, CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand,
  ECRClient, PutImageCommand,
} from '@aws-sdk/client-ecr';
import { CustomResourceResponse, handleEvent, HandlerPolicy, physicalIdOf } from '../../src/image-check/image-check.lambda';
import { CheckProperties, ImageSpec } from '../../src/image-check/private/contract';
import { IN_USE_TAG_PREFIX, parseProtectionTag, protectionScope, protectionTag } from '../../src/runtime/in-use-tag';
import { FaultPlan, FaultProxy, PASS, RecordedDelete, RESET, SERVER_ERROR, STALL_BODY, THROTTLE, Fault } from '../helpers/fault-proxy';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const REPOSITORIES = ['model/api', 'model/web'];
/** People's tags; `latest` is excluded from immutability in IMMUTABLE_WITH_EXCLUSION repositories. */
export const TAGS = ['v1', 'v2', 'latest'];
export const MUTABILITIES = ['IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE'] as const;
export type Mutability = typeof MUTABILITIES[number];
/** Two stacks of two image check resources each: resource r is logical id Check<r % 2> of stack <r >> 1>. */
export const RESOURCES = 4;

export type Operation = 'BatchGetImage' | 'PutImage' | 'BatchDeleteImage' | 'DescribeImages';
export const OPERATIONS: Operation[] = ['BatchGetImage', 'PutImage', 'BatchDeleteImage', 'DescribeImages'];
export type FaultKind = 'server' | 'throttle' | 'denied' | 'reset' | 'stall';
export const FAULT_KINDS: FaultKind[] = ['server', 'throttle', 'denied', 'reset', 'stall'];

/** The `nth` (0-based) call of `op` in the step and the `times - 1` after it get the fault. */
export interface FaultSpec {
  readonly op: Operation;
  readonly nth: number;
  readonly times: number;
  readonly kind: FaultKind;
}

/**
 * An image reference: a people's tag, or the digest of the `image`-th (modulo) image of the repository
 * as the step starts, in push order (of every image pushed to it, when it has none).
 */
export interface Ref {
  readonly repo: number;
  readonly tag?: string;
  readonly image?: number;
}

/** How a request is sent: once, twice one after the other (an asynchronous invocation retried), or twice at once. */
export type Twice = 'serial' | 'parallel';

export type Command =
  /** A person pushes a new image with this tag (none: an untagged image). */
  | { readonly do: 'push'; readonly repo: number; readonly tag?: string }
  /** A person puts a tag on an image pushed earlier (moves it, where the repository allows). */
  | { readonly do: 'retag'; readonly repo: number; readonly tag: string; readonly image: number }
  /** A person deletes a tag (BatchDeleteImage by tag: the image goes with its last tag). */
  | { readonly do: 'untag'; readonly repo: number; readonly tag: string }
  /** A person deletes an image by digest (the `image`-th, modulo, of the repository's images in push order). */
  | { readonly do: 'deleteImage'; readonly repo: number; readonly image: number }
  /** A person deletes a repository with its images (force). */
  | { readonly do: 'deleteRepository'; readonly repo: number }
  /** A person creates a repository again (empty), with its first mutability. */
  | { readonly do: 'createRepository'; readonly repo: number }
  /** CloudFormation creates resource `res` (when it does not exist); a FAILED Create is rolled back with a Delete. */
  | { readonly do: 'create'; readonly res: number; readonly refs: Ref[]; readonly protect: boolean; readonly fault?: FaultSpec; readonly twice?: Twice }
  /**
   * CloudFormation updates resource `res` (when it exists). FAILED: rolled back with an Update to the old
   * properties carrying the old physical id (`rollbackId: 'old'`, default) or the failed one. SUCCESS with a
   * new physical id: the old one is deleted, unless `rollback` (another resource of the stack fails): then
   * an Update back to the old properties, and the Delete of the new physical id when that succeeds.
   */
  | {
    readonly do: 'update';
    readonly res: number;
    readonly refs: Ref[];
    readonly protect: boolean;
    readonly fault?: FaultSpec;
    readonly twice?: Twice;
    readonly rollback?: boolean;
    readonly rollbackId?: 'old' | 'new';
  }
  /** CloudFormation deletes a stack: a Delete of each of its resources, at once. */
  | { readonly do: 'deleteStack'; readonly stack: number; readonly fault?: FaultSpec; readonly twice?: Twice }
  /** Both stacks are deleted at the same time. */
  | { readonly do: 'deleteStacks'; readonly fault?: FaultSpec };

/** A saved sequence (test/image-check/protect-model/*.json). */
export interface Replay {
  readonly description: string;
  readonly mutability: Mutability[];
  readonly commands: Command[];
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const DENIED: Fault = {
  type: 'status',
  status: 400,
  contentType: JSON_TYPE,
  body: '{"__type":"AccessDeniedException","message":"User is not authorized to perform this action"}',
};

function faultOf(kind: FaultKind): Fault {
  switch (kind) {
    case 'server': return SERVER_ERROR;
    case 'throttle': return THROTTLE;
    case 'denied': return DENIED;
    case 'reset': return RESET;
    case 'stall': return STALL_BODY;
  }
}

/** The proxy plan of a step. */
function planOf(fault: FaultSpec | undefined): FaultPlan {
  if (!fault) {
    return () => PASS;
  }
  let seen = 0;
  return call => {
    if (!(call.target ?? '').endsWith(`.${fault.op}`)) {
      return PASS;
    }
    const n = seen++;
    return n >= fault.nth && n < fault.nth + fault.times ? faultOf(fault.kind) : PASS;
  };
}

/** Digest -> tags of each repository (absent: the repository does not exist). */
type World = Map<string, Map<string, string[]>>;

interface Live {
  readonly stackId: string;
  readonly logical: string;
  readonly pid: string;
  readonly props: CheckProperties;
  readonly scope: string;
  /** `repository|digest` the last successful check protected. */
  readonly protects: string[];
}

/** The handler's settings: production's times divided by 20 (as the fault matrix). */
export const POLICY: HandlerPolicy = {
  requestTimeoutMs: 500,
  connectTimeoutMs: 300,
  baseDelayMs: 5,
  throttleBaseDelayMs: 25,
  maxDelayMs: 1_000,
  env: {},
};

export class ProtectionModel {
  private readonly people: ECRClient;
  private readonly pushed = REPOSITORIES.map(() => [] as Array<{ digest: string; manifest: string }>);
  private readonly live: Array<Live | undefined> = new Array(RESOURCES).fill(undefined);
  private readonly generation = [0, 0];
  /** scope -> `repository|digest` it checked. */
  private readonly checked = new Map<string, Set<string>>();
  /**
   * Scopes CloudFormation deleted or whose request failed: their tags must go, or be documented, except
   * those a failed request found in place (it did not add them).
   */
  private readonly released = new Map<string, Set<string>>();
  /** Tags, and `in-use.<scope>.*`, the handler's log said it left. */
  private readonly documented = new Set<string>();
  private readonly log: string[] = [];
  private step = 0;
  /** Requests by `<type> <status>` and other events, for the coverage the test asserts. */
  readonly counts = new Map<string, number>();
  /** What each step did, for the failure message. */
  readonly trace: string[] = [];

  constructor(private readonly proxy: FaultProxy, private readonly mutability: Mutability[], private readonly runId: string) {
    this.people = new ECRClient({
      endpoint: proxy.url, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1,
    });
  }

  /** Collect the handler's log lines (the test routes console.log here). */
  onLog(line: string): void {
    this.log.push(line);
  }

  async start(): Promise<void> {
    for (let r = 0; r < REPOSITORIES.length; r++) {
      await this.createRepository(r);
    }
  }

  close(): void {
    this.people.destroy();
  }

  private async createRepository(r: number): Promise<void> {
    const m = this.mutability[r];
    await this.people.send(new CreateRepositoryCommand({
      repositoryName: REPOSITORIES[r],
      imageTagMutability: m as any,
      ...(m === 'IMMUTABLE_WITH_EXCLUSION' ? { imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'latest' }] } : {}),
    } as any)).catch(e => {
      if (e.name !== 'RepositoryAlreadyExistsException') {
        throw e;
      }
    });
  }

  private manifest(): string {
    // Unique across runs: a digest is never pushed twice (a deleted image does not come back).
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 7023, digest: sha(`config-${this.runId}-${this.pushed.flat().length}`) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 32654, digest: sha(`layer-${this.runId}-${this.pushed.flat().length}`) }],
    });
  }

  async read(): Promise<World> {
    const world: World = new Map();
    const repos = await this.people.send(new DescribeRepositoriesCommand({}));
    for (const r of repos.repositories ?? []) {
      const res = await this.people.send(new DescribeImagesCommand({ repositoryName: r.repositoryName }));
      world.set(r.repositoryName!, new Map((res.imageDetails ?? []).map(d => [d.imageDigest!, [...(d.imageTags ?? [])].sort()])));
    }
    return world;
  }

  private stackId(stack: number): string {
    return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Model${stack}/${this.runId}-${this.generation[stack]}`;
  }

  private spec(ref: Ref, world: World): ImageSpec {
    const base = { Registry: ACCOUNT, Region: REGION, Repository: REPOSITORIES[ref.repo] };
    if (ref.tag !== undefined) {
      return { ...base, Tag: ref.tag };
    }
    const present = world.get(REPOSITORIES[ref.repo]);
    const pushed = this.pushed[ref.repo].map(p => p.digest);
    const existing = pushed.filter(d => present?.has(d));
    const images = existing.length > 0 ? existing : pushed;
    const digest = images.length === 0 ? sha('never-pushed') : images[(ref.image ?? 0) % images.length];
    return { ...base, Digest: digest };
  }

  private props(refs: Ref[], protect: boolean, world: World): CheckProperties {
    return { Images: refs.map(r => this.spec(r, world)), ...(protect ? { ProtectInUse: 'true' } : {}) };
  }

  /** What the refs resolve to in `world`: `repository|digest` (undefined: the check fails). */
  private resolve(props: CheckProperties, world: World): string[] | undefined {
    const out: string[] = [];
    for (const s of props.Images) {
      const images = world.get(s.Repository);
      if (!images) {
        return undefined;
      }
      const digest = s.Digest ?? [...images].find(([, tags]) => tags.includes(s.Tag!))?.[0];
      if (!digest || !images.has(digest)) {
        return undefined;
      }
      out.push(`${s.Repository}|${digest}`);
    }
    return out;
  }

  private async request(
    type: 'Create' | 'Update' | 'Delete', stackId: string, logical: string, props: CheckProperties, world: World,
    extra: { PhysicalResourceId?: string; OldResourceProperties?: CheckProperties } = {}, twice?: Twice,
  ): Promise<CustomResourceResponse> {
    const event = {
      RequestType: type,
      StackId: stackId,
      RequestId: `r-${this.step}`,
      LogicalResourceId: logical,
      ResourceType: 'Custom::EcrImageCheck',
      ResponseURL: 'http://127.0.0.1:9/unused',
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:check', ...props },
      ...(extra.OldResourceProperties ? { OldResourceProperties: { ServiceToken: 'arn', ...extra.OldResourceProperties } } : {}),
      ...(extra.PhysicalResourceId ? { PhysicalResourceId: extra.PhysicalResourceId } : {}),
    };
    if (type !== 'Delete' && props.ProtectInUse === 'true') {
      // The digests this scope checks (the handler tags nothing else).
      const pid = physicalIdOf(props);
      const scope = protectionScope(stackId, logical, pid);
      const set = this.checked.get(scope) ?? new Set<string>();
      (this.resolve(props, world) ?? []).forEach(d => set.add(d));
      this.checked.set(scope, set);
    }
    const send = () => handleEvent(event, Date.now() + 4_000, { endpoint: this.proxy.url, policy: POLICY });
    let res: CustomResourceResponse;
    if (twice === 'parallel') {
      [res] = await Promise.all([send(), send()]);
    } else {
      res = await send();
      if (twice === 'serial') {
        await send(); // CloudFormation keeps the first answer
      }
    }
    const scope = protectionScope(stackId, logical, type === 'Delete' ? extra.PhysicalResourceId ?? '' : res.PhysicalResourceId);
    if (type === 'Delete') {
      this.released.set(scope, new Set());
    } else if (res.Status === 'FAILED') {
      const there = [...world.values()].flatMap(images => [...images.values()].flat()).filter(t => parseProtectionTag(t)?.scope === scope);
      this.released.set(scope, new Set(there));
    }
    this.count(`${type}${props.ProtectInUse === 'true' ? ' protected' : ''} ${res.Status}`);
    this.trace.push(`  ${type}${twice ? ` (${twice} twice)` : ''} ${logical}@${stackId.split('/').slice(1).join('/')} `
      + `${extra.PhysicalResourceId ?? ''} -> ${res.Status} ${res.PhysicalResourceId}${res.Reason ? ` (${res.Reason.slice(0, 160)})` : ''}`);
    return res;
  }

  /** Run one command and check the invariants; throws with the reason when one does not hold. */
  async run(cmd: Command): Promise<void> {
    this.step++;
    const before = await this.read();
    const fault = 'fault' in cmd ? cmd.fault : undefined;
    this.proxy.setPlan(planOf(fault));
    this.log.length = 0;
    const handler = !['push', 'retag', 'untag', 'deleteImage', 'deleteRepository', 'createRepository'].includes(cmd.do);
    this.trace.push(`step ${this.step}: ${JSON.stringify(cmd)}`);
    await this.apply(cmd, before);
    const injected = this.proxy.calls.filter(c => c.fault !== 'pass').length;
    const deleted = [...this.proxy.deletes];
    this.proxy.setPlan(planOf(undefined));
    if (!handler) {
      return;
    }
    for (const line of this.log) {
      const kind = /in-use protection: (left|could not remove|the request failed and could not|removed|added|the request failed; removed)/.exec(line);
      if (kind) {
        this.count(`log ${kind[1]}`);
      }
      if (/in-use protection: (left|could not remove|the request failed and could not)/.test(line)) {
        for (const m of line.matchAll(/in-use\.[0-9a-f]{16}\.(?:[0-9a-f]{64}|\*)/g)) {
          this.documented.add(m[0]);
        }
      }
    }
    const after = await this.read();
    this.checkSafety(before, after, deleted);
    this.count(injected === 0 ? 'step fault-free' : 'step with faults');
    if (injected === 0) {
      this.checkAgreement(after);
    }
  }

  private async apply(cmd: Command, world: World): Promise<void> {
    switch (cmd.do) {
      case 'push': {
        const manifest = this.manifest();
        const res = await this.people.send(new PutImageCommand({
          repositoryName: REPOSITORIES[cmd.repo],
          imageManifest: manifest,
          imageTag: cmd.tag,
          imageDigest: sha(manifest),
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        })).catch(e => e as Error);
        this.pushed[cmd.repo].push({ digest: sha(manifest), manifest });
        this.trace.push(`  -> ${res instanceof Error ? res.name : 'pushed'} ${sha(manifest).slice(7, 19)}`);
        return;
      }
      case 'retag': {
        const images = this.pushed[cmd.repo];
        if (images.length === 0) {
          return;
        }
        const image = images[cmd.image % images.length];
        const res = await this.people.send(new PutImageCommand({
          repositoryName: REPOSITORIES[cmd.repo],
          imageManifest: image.manifest,
          imageTag: cmd.tag,
          imageDigest: image.digest,
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        })).catch(e => e as Error);
        this.trace.push(`  -> ${res instanceof Error ? res.name : 'tagged'} ${image.digest.slice(7, 19)}`);
        return;
      }
      case 'untag':
        await this.people.send(new BatchDeleteImageCommand({ repositoryName: REPOSITORIES[cmd.repo], imageIds: [{ imageTag: cmd.tag }] }))
          .catch(() => undefined);
        return;
      case 'deleteImage': {
        const present = world.get(REPOSITORIES[cmd.repo]);
        const images = this.pushed[cmd.repo].filter(p => present?.has(p.digest));
        if (images.length > 0) {
          const digest = images[cmd.image % images.length].digest;
          await this.people.send(new BatchDeleteImageCommand({ repositoryName: REPOSITORIES[cmd.repo], imageIds: [{ imageDigest: digest }] }))
            .catch(() => undefined);
        }
        return;
      }
      case 'deleteRepository':
        await this.people.send(new DeleteRepositoryCommand({ repositoryName: REPOSITORIES[cmd.repo], force: true })).catch(() => undefined);
        return;
      case 'createRepository':
        await this.createRepository(cmd.repo);
        return;
      case 'create': {
        if (this.live[cmd.res]) {
          return;
        }
        const stack = cmd.res >> 1; // eslint-disable-line no-bitwise
        const logical = `Check${cmd.res % 2}`;
        const stackId = this.stackId(stack);
        const props = this.props(cmd.refs, cmd.protect, world);
        const res = await this.request('Create', stackId, logical, props, world, {}, cmd.twice);
        if (res.Status === 'SUCCESS') {
          this.live[cmd.res] = this.liveOf(stackId, logical, res.PhysicalResourceId, props, world);
        } else {
          // The stack rolls back: CloudFormation deletes the resource whose Create failed.
          await this.request('Delete', stackId, logical, props, world, { PhysicalResourceId: res.PhysicalResourceId });
        }
        return;
      }
      case 'update': {
        const old = this.live[cmd.res];
        if (!old) {
          return;
        }
        const props = this.props(cmd.refs, cmd.protect, world);
        const res = await this.request('Update', old.stackId, old.logical, props, world,
          { PhysicalResourceId: old.pid, OldResourceProperties: old.props }, cmd.twice);
        if (res.Status === 'FAILED') {
          // Rollback: the old properties again; the resource stays what it was whatever the answer.
          await this.request('Update', old.stackId, old.logical, old.props, world,
            { PhysicalResourceId: cmd.rollbackId === 'new' ? res.PhysicalResourceId : old.pid, OldResourceProperties: props });
          return;
        }
        const next = this.liveOf(old.stackId, old.logical, res.PhysicalResourceId, props, world);
        if (cmd.rollback) {
          // Another resource of the stack fails: this one goes back to the old properties.
          const back = await this.request('Update', old.stackId, old.logical, old.props, world,
            { PhysicalResourceId: next.pid, OldResourceProperties: props });
          if (back.Status === 'SUCCESS') {
            this.live[cmd.res] = this.liveOf(old.stackId, old.logical, back.PhysicalResourceId, old.props, world);
            if (back.PhysicalResourceId !== next.pid) {
              await this.request('Delete', old.stackId, old.logical, props, world, { PhysicalResourceId: next.pid });
            }
          } else {
            // UPDATE_ROLLBACK_FAILED: the resource is left as updated (the old physical id is not deleted).
            this.live[cmd.res] = next;
          }
          return;
        }
        this.live[cmd.res] = next;
        if (next.pid !== old.pid) {
          // UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the old physical resource is deleted.
          await this.request('Delete', old.stackId, old.logical, old.props, world, { PhysicalResourceId: old.pid }, cmd.twice);
        }
        return;
      }
      case 'deleteStack':
        await this.deleteStacks([cmd.stack], world, cmd.twice);
        return;
      case 'deleteStacks':
        await this.deleteStacks([0, 1], world);
        return;
    }
  }

  private count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  private liveOf(stackId: string, logical: string, pid: string, props: CheckProperties, world: World): Live {
    const scope = protectionScope(stackId, logical, pid);
    return { stackId, logical, pid, props, scope, protects: props.ProtectInUse === 'true' ? this.resolve(props, world) ?? [] : [] };
  }

  private async deleteStacks(stacks: number[], world: World, twice?: Twice): Promise<void> {
    const deletes: Array<Promise<unknown>> = [];
    for (let r = 0; r < RESOURCES; r++) {
      const l = this.live[r];
      if (l && stacks.includes(r >> 1)) { // eslint-disable-line no-bitwise
        this.live[r] = undefined;
        deletes.push(this.request('Delete', l.stackId, l.logical, l.props, world, { PhysicalResourceId: l.pid }, twice));
      }
    }
    await Promise.all(deletes);
    stacks.forEach(s => this.generation[s]++);
  }

  private fail(what: string): never {
    throw new Error(`${what}\nlog of the step:\n${this.log.map(l => `  ${l}`).join('\n')}`);
  }

  private checkSafety(before: World, after: World, deleted: RecordedDelete[]): void {
    if (deleted.length > 0) {
      const d = deleted[0];
      this.fail(`safety: the handler deleted image ${d.repository}@${d.digest} (tags ${d.tags.join(', ')}) with BatchDeleteImage ${JSON.stringify(d.imageIds)}`);
    }
    const people = (tags: string[]) => tags.filter(t => !t.startsWith(IN_USE_TAG_PREFIX)).join(',');
    for (const [repo, images] of before) {
      for (const [digest, tags] of images) {
        const now = after.get(repo)?.get(digest);
        if (!now) {
          this.fail(`safety: image ${repo}@${digest} (tags ${tags.join(', ')}) is gone after a handler step`);
        }
        if (people(now) !== people(tags)) {
          this.fail(`safety: the tags of ${repo}@${digest} other than protection tags changed: ${people(tags)} -> ${people(now)}`);
        }
      }
    }
    for (const [repo, images] of after) {
      for (const [digest, tags] of images) {
        if (!before.get(repo)?.has(digest)) {
          this.fail(`safety: image ${repo}@${digest} appeared after a handler step`);
        }
        for (const tag of tags) {
          const parsed = parseProtectionTag(tag);
          if (!tag.startsWith(IN_USE_TAG_PREFIX)) {
            continue;
          }
          if (!parsed || parsed.digest !== digest) {
            this.fail(`safety: protection tag ${tag} sits on ${repo}@${digest}, not the image it names`);
          }
          if (!this.checked.get(parsed.scope)?.has(`${repo}|${digest}`)) {
            this.fail(`safety: protection tag ${tag} sits on ${repo}@${digest}, which its resource (scope ${parsed.scope}) never checked`);
          }
        }
      }
    }
  }

  private checkAgreement(world: World): void {
    const liveScopes = new Set(this.live.filter((l): l is Live => !!l).map(l => l.scope));
    for (const l of this.live) {
      for (const key of l?.protects ?? []) {
        const [repo, digest] = key.split('|');
        const tags = world.get(repo)?.get(digest);
        if (tags && !tags.includes(protectionTag(l!.scope, digest))) {
          this.fail(`agreement: ${repo}@${digest} (tags ${tags.join(', ')}) lacks the tag of live resource ${l!.logical} ${l!.pid} (scope ${l!.scope})`);
        }
      }
    }
    for (const [repo, images] of world) {
      for (const [digest, tags] of images) {
        for (const tag of tags) {
          const parsed = parseProtectionTag(tag);
          const exempt = parsed && this.released.get(parsed.scope);
          if (!parsed || liveScopes.has(parsed.scope) || !exempt || exempt.has(tag)) {
            continue;
          }
          if (!this.documented.has(tag) && !this.documented.has(`${IN_USE_TAG_PREFIX}${parsed.scope}.*`)) {
            this.fail(`agreement: ${repo}@${digest} (tags ${tags.join(', ')}) carries ${tag} of a deleted or failed resource, and the handler's log does not say it left it`);
          }
        }
      }
    }
  }
}

export function sha(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}
