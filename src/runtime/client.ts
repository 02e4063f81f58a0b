/**
 * The runtime client policy: AWS SDK clients whose calls end by a deadline, retried with jittered
 * backoff until then, failing with an `AwsCallError`. See `index.ts` for the whole contract.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ECRClientConfig } from '@aws-sdk/client-ecr';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AttemptFailure, AwsCallError, CallResource, classifyFailure, FailureKind, formatSeconds, isUnreachable, TRANSPORT_TIMEOUT, TransportTimeout } from './errors';

/** Default time one attempt may take (connect, send, answer headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default time to establish a TCP (and TLS) connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** Default base of the exponential backoff after a server error, timeout or network error. */
export const DEFAULT_BASE_DELAY_MS = 100;
/** Default base of the backoff after throttling (the SDK's THROTTLING_RETRY_DELAY_BASE). */
export const DEFAULT_THROTTLE_BASE_DELAY_MS = 500;
/** Default longest wait between attempts (the SDK's MAXIMUM_RETRY_DELAY). */
export const DEFAULT_MAX_DELAY_MS = 20_000;
/**
 * Shortest wait between two attempts of a call (the response sender of the image check handler
 * uses the same floor): near the deadline the wait never falls to zero, so a call failing at once
 * (a refused connection) does not spin. A policy whose `baseDelayMs` is smaller uses that instead.
 */
export const RETRY_DELAY_FLOOR_MS = 50;

/** How clients made by `forClient` behave; every field but `deadline` has a default. */
export interface RuntimePolicy {
  /**
   * Epoch milliseconds by which every call of the client has answered or failed: a number, or a
   * function read at each call (a warm Lambda function reusing a client across invocations).
   */
  readonly deadline: number | (() => number);
  /**
   * Longest time of one attempt, from opening the request to the last byte of the answer.
   * @default 10_000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Longest time to establish a connection.
   * @default 3_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Backoff base after server errors, timeouts and network errors: the wait before attempt n+1 is
   * random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter").
   * @default 100
   */
  readonly baseDelayMs?: number;
  /**
   * Backoff base after throttling.
   * @default 500
   */
  readonly throttleBaseDelayMs?: number;
  /**
   * Longest wait between two attempts.
   * @default 20_000
   */
  readonly maxDelayMs?: number;
  /**
   * Shortest wait between two attempts (a floor under the jitter and under the time left before
   * the deadline: a call whose attempts fail at once never spins).
   * @default - RETRY_DELAY_FLOOR_MS (50), or baseDelayMs when that is smaller
   */
  readonly minDelayMs?: number;
  /**
   * Most attempts per call. `AWS_MAX_ATTEMPTS` wins when set.
   * @default - no limit: attempts go on until the deadline
   */
  readonly maxAttempts?: number;
  /**
   * `adaptive`: a throttled call also makes every other call of the same client wait (the client
   * slows down as a whole and speeds up again on success); `standard`: each call backs off alone.
   * `AWS_RETRY_MODE` wins when set (`legacy` counts as `standard`).
   * @default 'adaptive'
   */
  readonly retryMode?: 'adaptive' | 'standard';
  /**
   * Where `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE` are read.
   * @default process.env
   */
  readonly env?: Record<string, string | undefined>;
  /**
   * Service name in messages.
   * @default - from the client class: `ECRClient` -> `ECR`
   */
  readonly service?: string;
  /**
   * The resource a call is about, for messages.
   * @default - `repositoryName` and `registryId` of the input, and the client's region
   */
  readonly resourceOf?: (input: Record<string, unknown>, operation: string) => CallResource;
  /**
   * Random numbers in [0, 1) for jitter (tests pass a seeded generator).
   * @default Math.random
   */
  readonly random?: () => number;
}

/** A policy with every default applied and the environment read. */
export interface ResolvedPolicy {
  readonly deadline: () => number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly baseDelayMs: number;
  readonly throttleBaseDelayMs: number;
  readonly maxDelayMs: number;
  readonly minDelayMs: number;
  readonly maxAttempts: number;
  readonly retryMode: 'adaptive' | 'standard';
  readonly service?: string;
  readonly resourceOf?: (input: Record<string, unknown>, operation: string) => CallResource;
  readonly random: () => number;
}

/** A bad policy or bad `AWS_MAX_ATTEMPTS`/`AWS_RETRY_MODE`. */
export class RuntimePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimePolicyError';
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new RuntimePolicyError(`${name} ${value} must be a positive number of milliseconds`);
  }
  return value;
}

/** Apply defaults and the environment (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE` win when set). */
export function resolvePolicy(policy: RuntimePolicy): ResolvedPolicy {
  const env = policy.env ?? process.env;
  let maxAttempts = policy.maxAttempts ?? Infinity;
  const envAttempts = env.AWS_MAX_ATTEMPTS;
  if (envAttempts !== undefined && envAttempts !== '') {
    const n = Number(envAttempts);
    if (!Number.isInteger(n) || n < 1) {
      throw new RuntimePolicyError(`AWS_MAX_ATTEMPTS ${JSON.stringify(envAttempts)} must be a whole number of at least 1`);
    }
    maxAttempts = n;
  } else if (maxAttempts !== Infinity && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    throw new RuntimePolicyError(`maxAttempts ${maxAttempts} must be a whole number of at least 1`);
  }
  let retryMode = policy.retryMode ?? 'adaptive';
  const envMode = env.AWS_RETRY_MODE;
  if (envMode !== undefined && envMode !== '') {
    const m = envMode.toLowerCase();
    if (m !== 'adaptive' && m !== 'standard' && m !== 'legacy') {
      throw new RuntimePolicyError(`AWS_RETRY_MODE ${JSON.stringify(envMode)} must be one of adaptive, standard, legacy`);
    }
    retryMode = m === 'adaptive' ? 'adaptive' : 'standard';
  }
  const d = policy.deadline;
  if (typeof d === 'number' && !Number.isFinite(d)) {
    throw new RuntimePolicyError(`deadline ${d} must be epoch milliseconds`);
  }
  const baseDelayMs = positive('baseDelayMs', policy.baseDelayMs, DEFAULT_BASE_DELAY_MS);
  return {
    deadline: typeof d === 'function' ? d : () => d,
    requestTimeoutMs: positive('requestTimeoutMs', policy.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    connectTimeoutMs: positive('connectTimeoutMs', policy.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    baseDelayMs,
    throttleBaseDelayMs: positive('throttleBaseDelayMs', policy.throttleBaseDelayMs, DEFAULT_THROTTLE_BASE_DELAY_MS),
    maxDelayMs: positive('maxDelayMs', policy.maxDelayMs, DEFAULT_MAX_DELAY_MS),
    minDelayMs: positive('minDelayMs', policy.minDelayMs, Math.min(RETRY_DELAY_FLOOR_MS, baseDelayMs)),
    maxAttempts,
    retryMode,
    service: policy.service,
    resourceOf: policy.resourceOf,
    random: policy.random ?? Math.random,
  };
}

/** The smallest attempt worth starting: less time than this before the deadline and the call gives up. */
function minAttemptMs(p: ResolvedPolicy): number {
  return Math.min(250, p.requestTimeoutMs / 2);
}

function markTimeout<E extends object>(error: E, t: TransportTimeout): E {
  Object.defineProperty(error, TRANSPORT_TIMEOUT, { value: t, enumerable: false });
  return error;
}

function timeoutError(message: string, t: TransportTimeout): Error {
  return markTimeout(Object.assign(new Error(message), { name: 'TimeoutError', code: 'ETIMEDOUT' }), t);
}

/**
 * The transport: `NodeHttpHandler` with `throwOnRequestTimeout: true` (without it, its
 * `requestTimeout` only logs a warning), a connection timeout, and each attempt's limit set to
 * the request timeout or the time left before the deadline, whichever is shorter. The limit also
 * covers the answer's body, which `NodeHttpHandler` no longer watches once the headers arrived.
 */
export class DeadlineHttpHandler {
  public readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly inner: NodeHttpHandler;

  constructor(private readonly policy: ResolvedPolicy) {
    this.inner = new NodeHttpHandler({
      requestTimeout: policy.requestTimeoutMs,
      connectionTimeout: policy.connectTimeoutMs,
      throwOnRequestTimeout: true,
    });
  }

  public async handle(request: any, options: { abortSignal?: any; requestTimeout?: number } = {}): Promise<{ response: any }> {
    const started = Date.now();
    const left = this.policy.deadline() - started;
    const byDeadline = left < this.policy.requestTimeoutMs;
    const limit = Math.max(1, Math.min(this.policy.requestTimeoutMs, left));
    let res: { response: any };
    try {
      res = await this.inner.handle(request, { abortSignal: options.abortSignal, requestTimeout: limit });
    } catch (e) {
      const err = e as any;
      const message = String(err?.message ?? '');
      // NodeHttpHandler's two timeouts: "did not establish a connection" and "exceeded ... requestTimeout"
      // (it also names resets "TimeoutError": those keep their code, ECONNRESET).
      const connect = /establish a connection/.test(message);
      if (err && typeof err === 'object' && err.name === 'TimeoutError' && (connect || /requestTimeout/.test(message))) {
        markTimeout(err, connect
          ? { phase: 'connect', limitMs: Math.min(this.policy.connectTimeoutMs, limit), byDeadline: byDeadline && limit < this.policy.connectTimeoutMs }
          : { phase: 'request', limitMs: limit, byDeadline });
      }
      throw e;
    }
    const body = res.response?.body;
    if (body && typeof body.on === 'function' && typeof body.destroy === 'function' && !body.readableEnded) {
      const rest = limit - (Date.now() - started);
      const timer = setTimeout(() => {
        body.destroy(timeoutError(`the answer's body did not arrive within ${formatSeconds(limit)}`, { phase: 'body', limitMs: limit, byDeadline }));
      }, Math.max(1, rest));
      const clear = () => clearTimeout(timer);
      body.once('end', clear);
      body.once('close', clear);
      body.once('error', clear);
    }
    return res;
  }

  public updateHttpClientConfig(key: any, value: any): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  public httpHandlerConfigs(): any {
    return this.inner.httpHandlerConfigs();
  }

  public destroy(): void {
    this.inner.destroy();
  }
}

/** The shared slow-down of an adaptive client: throttling anywhere pauses every call of the client. */
class ThrottleGate {
  private pauseUntil = 0;
  private level = 0;

  constructor(private readonly policy: ResolvedPolicy) {}

  public throttled(now: number): void {
    this.level = Math.min(this.level + 1, 30);
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.throttleBaseDelayMs * 2 ** (this.level - 1));
    // Half fixed, half jitter: the whole client slows down, its calls do not all wake at once.
    const pause = ceiling / 2 + this.policy.random() * ceiling / 2;
    this.pauseUntil = Math.max(this.pauseUntil, now + pause);
  }

  public succeeded(): void {
    this.level = Math.max(0, this.level - 1);
  }

  /** Time left to wait before sending. */
  public waitMs(now: number): number {
    return Math.max(0, this.pauseUntil - now);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

/** `ECRClient` -> `ECR`; `DescribeImagesCommand` -> `DescribeImages`. */
function serviceName(clientName: string | undefined): string {
  return (clientName ?? 'AWS').replace(/Client$/, '') || 'AWS';
}

// The SDK's retry strategy interface (`RetryStrategyV2` of @smithy/types), taken from the client's
// own configuration type: a change of the interface fails the build here, not at run time.
type SdkRetryStrategy = Extract<NonNullable<ECRClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type SdkRetryToken = Awaited<ReturnType<SdkRetryStrategy['acquireInitialRetryToken']>>;
type SdkRetryErrorInfo = Parameters<SdkRetryStrategy['refreshRetryTokenForRetry']>[1];

/** Most attempts of a call whose every connection was refused or whose host name does not resolve. */
export const UNREACHABLE_MAX_ATTEMPTS = 3;
/** Longest time a call spends on an endpoint that refuses connections or does not resolve. */
export const UNREACHABLE_MAX_MS = 5_000;
/** How long calls of a client fail at once after one of them found its endpoint unreachable. */
export const UNREACHABLE_MEMORY_MS = 30_000;

/** One call's attempts, kept on its retry token (the SDK passes the token back at every failure). */
class PolicyToken implements SdkRetryToken {
  public retries = 0;
  public delay = 0;
  public readonly history: FailureKind[] = [];
  /** The last failure that was not the deadline cutting an attempt short. */
  public lastReal?: AttemptFailure;
  public unreachable = 0;
  constructor(public readonly started: number) {}
  public getRetryCount(): number {
    return this.retries;
  }
  public getRetryDelay(): number {
    return this.delay;
  }
}

/** How a call ended when the strategy gave up: read by the policy's middleware. */
interface GaveUp {
  readonly token: PolicyToken;
  readonly last: AttemptFailure;
  readonly stoppedBecause?: string;
  readonly atDeadline: boolean;
}

/**
 * One call as the policy's middleware and the strategy share it. The SDK gives the strategy no
 * handle on the call (only a scope string, the token and the error), and the error it rethrows is
 * not always the one the strategy saw (`asSdkError` wraps what is not an `Error` of its realm): the
 * middleware runs the rest of the stack inside this store, and the strategy, called from there,
 * writes into it.
 */
interface CallState {
  gaveUp?: GaveUp;
}

const CALL = new AsyncLocalStorage<CallState>();

/** A call the strategy did not start (thrown by `acquireInitialRetryToken`). */
class NotTried extends Error {
  constructor(public readonly last: AttemptFailure, public readonly why: string) {
    super(why);
    this.name = 'NotTried';
  }
}

/** An endpoint found unreachable by a call: later calls of the client fail at once with the same cause. */
interface Unreachable {
  readonly at: number;
  readonly failure: AttemptFailure;
  readonly summary: string;
}

/**
 * The policy's retry strategy, given to the client as `retryStrategy` (the SDK's `RetryStrategyV2`):
 * the SDK's retry middleware asks it before the first attempt and after every failed one, and
 * sleeps for the delay of the token it returns. Attempts go on while the failure is retryable and the
 * deadline leaves room; a refused connection or an unknown host ends the call after
 * `UNREACHABLE_MAX_ATTEMPTS` or `UNREACHABLE_MAX_MS`; throttling slows the whole client (adaptive).
 */
export class PolicyRetryStrategy implements SdkRetryStrategy {
  private readonly gate: ThrottleGate;
  private unreachable?: Unreachable;

  constructor(private readonly policy: ResolvedPolicy) {
    this.gate = new ThrottleGate(policy);
  }

  public async acquireInitialRetryToken(_scope: string): Promise<SdkRetryToken> {
    const policy = this.policy;
    const down = this.unreachable;
    if (down && Date.now() - down.at < UNREACHABLE_MEMORY_MS) {
      throw new NotTried(down.failure, `an earlier call of this client to the same endpoint ${down.failure.what} (${down.summary})`);
    }
    const deadline = policy.deadline();
    if (policy.retryMode === 'adaptive') {
      const wait = Math.min(this.gate.waitMs(Date.now()), Math.max(0, deadline - Date.now() - minAttemptMs(policy)));
      if (wait > 0) {
        await sleep(wait);
      }
    }
    const now = Date.now();
    if (now >= deadline) {
      throw new NotTried(
        { kind: 'deadline', retryable: false, code: 'DeadlineExceeded', error: undefined, what: 'had no time left before its deadline' },
        `its deadline had passed ${formatSeconds(now - deadline)} before`,
      );
    }
    return new PolicyToken(now);
  }

  public async refreshRetryTokenForRetry(token: SdkRetryToken, info: SdkRetryErrorInfo): Promise<SdkRetryToken> {
    const policy = this.policy;
    const t = token as PolicyToken;
    const failure = classifyFailure(info.error);
    const attempt = t.history.push(failure.kind);
    if (failure.kind !== 'deadline') {
      t.lastReal = failure;
    }
    if (failure.kind === 'throttled') {
      this.gate.throttled(Date.now());
    }
    const giveUp = (stoppedBecause: string | undefined, atDeadline: boolean): never => {
      // An attempt cut short by the deadline says less than the failures before it.
      const last = failure.kind === 'deadline' && t.lastReal ? { ...t.lastReal, error: failure.error ?? t.lastReal.error } : failure;
      const call = CALL.getStore();
      if (call) {
        call.gaveUp = { token: t, last, stoppedBecause, atDeadline };
      }
      throw info.error ?? new Error('the call failed');
    };
    if (!failure.retryable) {
      return giveUp(failure.kind === 'deadline' ? 'the deadline was reached' : undefined, failure.kind === 'deadline');
    }
    if (isUnreachable(info.error)) {
      t.unreachable++;
      const stop = t.unreachable >= UNREACHABLE_MAX_ATTEMPTS ? `${failure.code === 'ENOTFOUND' ? 'the host name did not resolve' : 'the endpoint refused the connection'} ${t.unreachable} times`
        : Date.now() - t.started >= UNREACHABLE_MAX_MS ? `unreachable for ${formatSeconds(UNREACHABLE_MAX_MS)}` : undefined;
      if (stop) {
        this.unreachable = { at: Date.now(), failure, summary: `${attempt} attempt${attempt === 1 ? '' : 's'} over ${formatSeconds(Date.now() - t.started)}` };
        return giveUp(stop, false);
      }
    }
    if (attempt >= policy.maxAttempts) {
      return giveUp(`stopped at ${policy.maxAttempts} attempt${policy.maxAttempts === 1 ? '' : 's'} (AWS_MAX_ATTEMPTS or maxAttempts)`, false);
    }
    const base = failure.kind === 'throttled' ? policy.throttleBaseDelayMs : policy.baseDelayMs;
    let delay = policy.random() * Math.min(policy.maxDelayMs, base * 2 ** Math.min(attempt - 1, 30));
    if (policy.retryMode === 'adaptive') {
      delay = Math.max(delay, this.gate.waitMs(Date.now()));
    }
    delay = Math.max(delay, policy.minDelayMs);
    const now = Date.now();
    const room = policy.deadline() - now - minAttemptMs(policy);
    if (room < policy.minDelayMs) {
      return giveUp('the deadline left no time for another attempt', true);
    }
    if (isUnreachable(info.error)) {
      // The next attempt, after at least the floor, must start within UNREACHABLE_MAX_MS of the first.
      const left = t.started + UNREACHABLE_MAX_MS - now;
      if (left < 2 * policy.minDelayMs) {
        this.unreachable = { at: now, failure, summary: `${attempt} attempt${attempt === 1 ? '' : 's'} over ${formatSeconds(now - t.started)}` };
        return giveUp(`unreachable for ${formatSeconds(now - t.started)}`, false);
      }
      delay = Math.min(delay, left - policy.minDelayMs);
    }
    t.delay = Math.min(delay, room);
    t.retries = attempt;
    return t;
  }

  public recordSuccess(_token: SdkRetryToken): void {
    this.gate.succeeded();
    this.unreachable = undefined;
  }
}

/** What the policy needs from an SDK client. */
export interface PolicyClient {
  readonly config: any;
  readonly middlewareStack: {
    identify(): string[];
    addRelativeTo(middleware: any, options: any): void;
  };
  send(command: any, options?: any): Promise<any>;
  destroy(): void;
}

/** Name of the policy's middleware in the client's stack (placed just before the SDK's `retryMiddleware`). */
export const POLICY_MIDDLEWARE = 'cdkEcrRegistryRuntimePolicy';

/**
 * Add the policy's middleware to a client made with a `PolicyRetryStrategy` as its `retryStrategy`: placed just
 * before the SDK's retry middleware (which it does not replace), it sees the error that middleware
 * throws when the strategy gives up and turns it into an `AwsCallError` naming the call, the
 * resource, the attempts and the time spent.
 */
export function installPolicy(client: PolicyClient, policy: ResolvedPolicy): void {
  if (!client.middlewareStack.identify().some(m => m.startsWith('retryMiddleware '))) {
    throw new RuntimePolicyError('this AWS SDK client has no "retryMiddleware": the runtime policy does not support its SDK version');
  }
  let regionCache: string | undefined;
  const region = async (): Promise<string | undefined> => {
    if (regionCache === undefined) {
      try {
        const r = client.config.region;
        regionCache = typeof r === 'function' ? await r() : r;
      } catch {
        regionCache = '';
      }
    }
    return regionCache || undefined;
  };

  const middleware = (next: (args: any) => Promise<any>, context: any) => async (args: any) => {
    const started = Date.now();
    const state: CallState = {};
    try {
      return await CALL.run(state, () => next(args));
    } catch (e) {
      const operation = String(context.commandName ?? 'Call').replace(/Command$/, '');
      const call = `${policy.service ?? serviceName(context.clientName)} ${operation}`;
      const input = (args.input ?? {}) as Record<string, unknown>;
      const own = policy.resourceOf?.(input, operation);
      const resource: CallResource = {
        repository: typeof input.repositoryName === 'string' ? input.repositoryName : undefined,
        account: typeof input.registryId === 'string' ? input.registryId : undefined,
        region: await region(),
        ...own,
      };
      const elapsedMs = Date.now() - started;
      if (e instanceof NotTried) {
        throw new AwsCallError({ call, resource, attempts: 0, elapsedMs, last: e.last, history: [], stoppedBecause: e.why, atDeadline: e.last.kind === 'deadline' });
      }
      const gaveUp = state.gaveUp;
      if (gaveUp) {
        throw new AwsCallError({
          call,
          resource,
          attempts: gaveUp.token.history.length,
          elapsedMs,
          last: gaveUp.last,
          history: gaveUp.token.history,
          stoppedBecause: gaveUp.stoppedBecause,
          atDeadline: gaveUp.atDeadline,
        });
      }
      // An error the strategy never saw (thrown before the first attempt, or an abort).
      const last = classifyFailure(e);
      const attempts = Number((e as any)?.$metadata?.attempts) || 1;
      throw new AwsCallError({ call, resource, attempts, elapsedMs, last, history: Array(attempts).fill(last.kind) });
    }
  };
  client.middlewareStack.addRelativeTo(middleware, {
    name: POLICY_MIDDLEWARE,
    relation: 'before',
    toMiddleware: 'retryMiddleware',
    tags: [POLICY_MIDDLEWARE],
    override: true,
  });
}

/**
 * A client of `ClientClass` (`ECRClient`, `ECSClient`, `LambdaClient`, `STSClient`, ...) made with
 * `config` and governed by `policy`: its request handler and retry strategy are the policy's,
 * whatever `config` says about them.
 */
export function forClient<T extends new (config: any) => PolicyClient>(
  ClientClass: T, config: NonNullable<ConstructorParameters<T>[0]>, policy: RuntimePolicy,
): InstanceType<T> {
  const resolved = resolvePolicy(policy);
  const strategy = new PolicyRetryStrategy(resolved);
  const client = new ClientClass({
    ...config,
    requestHandler: new DeadlineHttpHandler(resolved),
    retryStrategy: strategy,
    // Only the SDK's `amz-sdk-request` header reads it (`attempt=n; max=m`); set so that the SDK does
    // not read AWS_MAX_ATTEMPTS or the config file itself (the policy did).
    maxAttempts: Number.isFinite(resolved.maxAttempts) ? resolved.maxAttempts : UNBOUNDED_ATTEMPTS_HEADER,
  }) as InstanceType<T>;
  installPolicy(client, resolved);
  return client;
}

/** The `max` of the SDK's `amz-sdk-request` header when the attempts are bounded by the deadline only. */
const UNBOUNDED_ATTEMPTS_HEADER = 1_000;
