/**
 * The runtime client policy: AWS SDK clients whose calls end by a deadline, retried with jittered
 * backoff until then, failing with an `AwsCallError`. See `index.ts` for the whole contract.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AttemptFailure, AwsCallError, CallResource, classifyFailure, FailureKind, formatSeconds, TRANSPORT_TIMEOUT, TransportTimeout } from './errors';

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
  return {
    deadline: typeof d === 'function' ? d : () => d,
    requestTimeoutMs: positive('requestTimeoutMs', policy.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    connectTimeoutMs: positive('connectTimeoutMs', policy.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    baseDelayMs: positive('baseDelayMs', policy.baseDelayMs, DEFAULT_BASE_DELAY_MS),
    throttleBaseDelayMs: positive('throttleBaseDelayMs', policy.throttleBaseDelayMs, DEFAULT_THROTTLE_BASE_DELAY_MS),
    maxDelayMs: positive('maxDelayMs', policy.maxDelayMs, DEFAULT_MAX_DELAY_MS),
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

/** What the retry loop needs from an SDK client. */
export interface PolicyClient {
  readonly config: any;
  readonly middlewareStack: {
    identify(): string[];
    add(middleware: any, options: any): void;
  };
  send(command: any, options?: any): Promise<any>;
  destroy(): void;
}

/** Name of the policy's middleware in the client's stack. */
export const POLICY_MIDDLEWARE = 'cdkEcrRegistryRuntimePolicy';

/**
 * Replace the client's retry middleware with the policy's: attempts go on while the failure is
 * retryable and the deadline leaves room; each failure is classified; the final error is an
 * `AwsCallError`. (The SDK's own retries stop after a fixed count and a retry-token budget.)
 */
export function installPolicy(client: PolicyClient, policy: ResolvedPolicy): void {
  if (!client.middlewareStack.identify().some(m => m.startsWith('retryMiddleware '))) {
    throw new RuntimePolicyError('this AWS SDK client has no "retryMiddleware" to replace: the runtime policy does not support its SDK version');
  }
  const gate = new ThrottleGate(policy);
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
    const operation = String(context.commandName ?? 'Call').replace(/Command$/, '');
    const call = `${policy.service ?? serviceName(context.clientName)} ${operation}`;
    const input = (args.input ?? {}) as Record<string, unknown>;
    const resource = async (): Promise<CallResource> => {
      const own = policy.resourceOf?.(input, operation);
      return {
        repository: typeof input.repositoryName === 'string' ? input.repositoryName : undefined,
        account: typeof input.registryId === 'string' ? input.registryId : undefined,
        region: await region(),
        ...own,
      };
    };
    const started = Date.now();
    const history: FailureKind[] = [];
    let lastReal: AttemptFailure | undefined;
    let totalDelay = 0;
    const fail = async (last: AttemptFailure, stoppedBecause?: string, atDeadline = false): Promise<never> => {
      // An attempt cut short by the deadline says less than the failures before it.
      const headline = last.kind === 'deadline' && lastReal ? { ...lastReal, error: last.error ?? lastReal.error } : last;
      throw new AwsCallError({
        call,
        resource: await resource(),
        attempts: history.length,
        elapsedMs: Date.now() - started,
        last: headline,
        history,
        stoppedBecause,
        atDeadline,
      });
    };
    const deadlineFailure = (): AttemptFailure => ({
      kind: 'deadline',
      retryable: false,
      code: 'DeadlineExceeded',
      error: undefined,
      what: `had no time left before its deadline (${formatSeconds(Math.max(0, Date.now() - policy.deadline()))} past it)`,
    });
    for (let attempt = 1; ; attempt++) {
      const deadline = policy.deadline();
      if (policy.retryMode === 'adaptive') {
        const wait = Math.min(gate.waitMs(Date.now()), Math.max(0, deadline - Date.now() - minAttemptMs(policy)));
        if (wait > 0) {
          totalDelay += wait;
          await sleep(wait);
        }
      }
      if (Date.now() >= deadline) {
        if (history.length === 0) {
          history.push('deadline');
        }
        return fail(lastReal ?? deadlineFailure(), 'the deadline was reached', true);
      }
      try {
        const out = await next(args);
        gate.succeeded();
        if (out?.output?.$metadata) {
          out.output.$metadata.attempts = attempt;
          out.output.$metadata.totalRetryDelay = totalDelay;
        }
        return out;
      } catch (e) {
        const failure = classifyFailure(e);
        history.push(failure.kind);
        if (failure.kind !== 'deadline') {
          lastReal = failure;
        }
        if (failure.kind === 'throttled') {
          gate.throttled(Date.now());
        }
        if (!failure.retryable) {
          return fail(failure, failure.kind === 'deadline' ? 'the deadline was reached' : undefined, failure.kind === 'deadline');
        }
        if (attempt >= policy.maxAttempts) {
          return fail(failure, `stopped at ${policy.maxAttempts} attempt${policy.maxAttempts === 1 ? '' : 's'} (AWS_MAX_ATTEMPTS or maxAttempts)`);
        }
        const base = failure.kind === 'throttled' ? policy.throttleBaseDelayMs : policy.baseDelayMs;
        let delay = policy.random() * Math.min(policy.maxDelayMs, base * 2 ** Math.min(attempt - 1, 30));
        if (policy.retryMode === 'adaptive') {
          delay = Math.max(delay, gate.waitMs(Date.now()));
        }
        const room = deadline - Date.now() - minAttemptMs(policy);
        if (room <= 0) {
          return fail(failure, 'the deadline left no time for another attempt', true);
        }
        delay = Math.min(delay, room);
        totalDelay += delay;
        if (delay > 0) {
          await sleep(delay);
        }
      }
    }
  };
  // Same name, step and priority as the SDK's retry middleware, which it replaces (signing is placed after it by name).
  client.middlewareStack.add(middleware, {
    name: 'retryMiddleware',
    aliases: [POLICY_MIDDLEWARE],
    step: 'finalizeRequest',
    priority: 'high',
    tags: ['RETRY', POLICY_MIDDLEWARE],
    override: true,
  });
}

/**
 * A client of `ClientClass` (`ECRClient`, `ECSClient`, `LambdaClient`, `STSClient`, ...) made with
 * `config` and governed by `policy`: its request handler and retries are the policy's, whatever
 * `config` says about them.
 */
export function forClient<T extends new (config: any) => PolicyClient>(
  ClientClass: T, config: NonNullable<ConstructorParameters<T>[0]>, policy: RuntimePolicy,
): InstanceType<T> {
  const resolved = resolvePolicy(policy);
  const client = new ClientClass({
    ...config,
    requestHandler: new DeadlineHttpHandler(resolved),
    // The policy's middleware replaces the SDK's retries; this only keeps the SDK from reading them.
    maxAttempts: 1,
  }) as InstanceType<T>;
  installPolicy(client, resolved);
  return client;
}
