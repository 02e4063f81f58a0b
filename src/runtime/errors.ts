/**
 * What went wrong in a call to AWS, in words an operator can act on.
 *
 * Every failure of a client made by the runtime policy (`forClient`, `createEcrClient`) is an
 * `AwsCallError`: its message names the call, the resource (repository, account, region), what the
 * last attempt saw, how many attempts were made and over how long. SDK internals (`$response`,
 * `SyntaxError`, "Deserialization error") never reach the message; the original error stays on
 * `cause` for logs and debugging.
 */

/** What a call was about, for messages. Every field is optional. */
export interface CallResource {
  /** Repository name, e.g. `payments/api`. */
  readonly repository?: string;
  /** AWS account (ECR registry id). */
  readonly account?: string;
  /** AWS region. */
  readonly region?: string;
  /** Any other resource (a cluster, a function), shown as given. */
  readonly name?: string;
}

/**
 * How one attempt failed.
 * - `throttled`: the service answered with a throttling error (HTTP 429, ThrottlingException, ...)
 * - `timeout`: no complete answer within the request timeout
 * - `connect-timeout`: no TCP connection within the connection timeout
 * - `deadline`: the attempt was cut short by the call's deadline
 * - `server`: HTTP 5xx with a service error
 * - `non-json`: an answer whose body is not the service's JSON (an HTML error page from a proxy)
 * - `network`: the connection failed or was reset
 * - `client`: the service refused the request (4xx other than throttling): not retried
 * - `aborted`: the caller cancelled the call
 * - `other`: anything else (credentials, configuration): not retried
 */
export type FailureKind = 'throttled' | 'timeout' | 'connect-timeout' | 'deadline' | 'server' | 'non-json' | 'network' | 'client' | 'aborted' | 'other';

/** One classified attempt failure. */
export interface AttemptFailure {
  readonly kind: FailureKind;
  /** Worth another attempt (while the deadline allows). */
  readonly retryable: boolean;
  /** The service's error code (`RepositoryNotFoundException`) or the transport's (`ECONNRESET`, `TimeoutError`). */
  readonly code: string;
  /** HTTP status, when the service answered. */
  readonly httpStatus?: number;
  /** What happened, as the end of a sentence that starts with the call ("ECR DescribeImages ..."). */
  readonly what: string;
  /** The error as thrown by the SDK or the transport. */
  readonly error: unknown;
}

const BRAND = Symbol.for('cdk-ecr-registry.AwsCallError');

/** Properties of an `AwsCallError`. */
export interface AwsCallErrorProps {
  /** `ECR DescribeImages` */
  readonly call: string;
  readonly resource: CallResource;
  /** Attempts made: 0 when the call was not tried (its deadline had passed, or its endpoint was found unreachable by an earlier call). */
  readonly attempts: number;
  readonly elapsedMs: number;
  /** The failure of the last attempt. */
  readonly last: AttemptFailure;
  /** Kinds of every attempt's failure, in order. */
  readonly history: FailureKind[];
  /** Why no further attempt was made (absent when the failure is not retryable); with `attempts` 0, why none was. */
  readonly stoppedBecause?: string;
  /** The call's deadline ended it (the last attempt was cut, or no time was left for another). */
  readonly atDeadline?: boolean;
}

/** A call to AWS that failed for good (after every retry the policy allowed). */
export class AwsCallError extends Error {
  /** Whether `x` is an `AwsCallError` (also across copies of this library). */
  public static isAwsCallError(x: unknown): x is AwsCallError {
    return typeof x === 'object' && x !== null && (x as any)[BRAND] === true;
  }

  /** `ECR DescribeImages` */
  public readonly call: string;
  public readonly resource: CallResource;
  public readonly attempts: number;
  public readonly elapsedMs: number;
  /** How the last attempt failed. */
  public readonly kind: FailureKind;
  /** The service's or transport's error code (`RepositoryNotFoundException`, `ThrottlingException`, `ECONNRESET`). */
  public readonly code: string;
  public readonly httpStatus?: number;
  /** Kinds of every attempt's failure, in order. */
  public readonly history: FailureKind[];
  /** The error of the last attempt, as the SDK threw it. */
  public readonly cause: unknown;
  /** Why no further attempt was made, when the failure was retryable. */
  public readonly stoppedBecause?: string;
  /** The call's deadline ended it. */
  public readonly atDeadline: boolean;

  constructor(props: AwsCallErrorProps) {
    super(formatMessage(props));
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'AwsCallError';
    this.call = props.call;
    this.resource = props.resource;
    this.attempts = props.attempts;
    this.elapsedMs = props.elapsedMs;
    this.kind = props.last.kind;
    this.code = props.last.code;
    this.httpStatus = props.last.httpStatus;
    this.history = props.history;
    this.cause = props.last.error;
    this.stoppedBecause = props.stoppedBecause;
    this.atDeadline = props.atDeadline ?? false;
  }
}

/** `0.5 s`, `2.5 s`, `41 s` */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s >= 10) {
    return `${Math.round(s)} s`;
  }
  const r = Math.round(s * 10) / 10;
  return `${r === 0 && ms > 0 ? Math.round(s * 1000) / 1000 : r} s`;
}

/** `repository payments/api, account 111111111111, eu-west-1` */
export function formatResource(r: CallResource): string {
  const parts: string[] = [];
  if (r.repository) {
    parts.push(`repository ${r.repository}`);
  }
  if (r.name) {
    parts.push(r.name);
  }
  if (r.account) {
    parts.push(`account ${r.account}`);
  }
  if (r.region) {
    parts.push(r.region);
  }
  return parts.join(', ');
}

const KIND_WORDS: Record<FailureKind, string> = {
  'throttled': 'throttled',
  'timeout': 'timed out',
  'connect-timeout': 'connect timeout',
  'deadline': 'cut at the deadline',
  'server': 'server error',
  'non-json': 'non-JSON answer',
  'network': 'connection error',
  'client': 'refused',
  'aborted': 'cancelled',
  'other': 'failed',
};

function formatMessage(p: AwsCallErrorProps): string {
  const resource = formatResource(p.resource);
  if (p.attempts === 0) {
    // Never sent: say why, not "1 attempt over 0 s".
    return `${p.call} was not tried: ${p.stoppedBecause ?? p.last.what}${resource ? ` (${resource})` : ''}`;
  }
  const everyThrottled = p.attempts > 1 && p.history.every(k => k === 'throttled');
  const what = everyThrottled
    ? `was throttled on every request for ${formatSeconds(p.elapsedMs)} (${p.last.code})`
    : p.last.what;
  const attempts = `${p.attempts} attempt${p.attempts === 1 ? '' : 's'} over ${formatSeconds(p.elapsedMs)}`;
  const kinds = new Map<FailureKind, number>();
  p.history.forEach(k => kinds.set(k, (kinds.get(k) ?? 0) + 1));
  const mix = kinds.size > 1 ? ` [${[...kinds].map(([k, n]) => `${n} ${KIND_WORDS[k]}`).join(', ')}]` : '';
  const stopped = p.stoppedBecause ? `; ${p.stoppedBecause}` : '';
  return `${p.call} ${what}: ${attempts}${mix}${stopped}${resource ? ` (${resource})` : ''}`;
}

/** Error codes that mean "slow down" (the SDK's list, plus ECR's). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException',
  'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException', 'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Transport error codes worth another attempt. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

const NETWORK_WORDS: Record<string, string> = {
  ECONNRESET: 'lost the connection (reset by the peer)',
  ECONNREFUSED: 'could not connect (connection refused)',
  EPIPE: 'lost the connection while sending (broken pipe)',
  ENOTFOUND: 'could not resolve the endpoint host name',
  EAI_AGAIN: 'could not resolve the endpoint host name (temporary DNS failure)',
  EHOSTUNREACH: 'could not reach the endpoint host',
  ENETUNREACH: 'could not reach the endpoint network',
};

/** Marks set on errors by the policy's transport (see `client.ts`). */
export const TRANSPORT_TIMEOUT = Symbol.for('cdk-ecr-registry.transportTimeout');

/** What the transport knew when it gave up on an attempt. */
export interface TransportTimeout {
  readonly phase: 'connect' | 'request' | 'body';
  /** The limit that fired, in milliseconds. */
  readonly limitMs: number;
  /** The limit was the call's deadline (shorter than the request timeout). */
  readonly byDeadline: boolean;
}

/** SDK wording that must not reach a person. */
function cleanMessage(message: string): string {
  return message
    .replace(/\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/g, '')
    .replace(/\s*\(?inspect the hidden field \{error\}\.\$response[^)]*\)?\.?/g, '')
    .replace(/@smithy\/node-http-handler - (\[[A-Z]+\] )?/g, '')
    .trim();
}

function statusOf(err: any): number | undefined {
  const s = err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode;
  return typeof s === 'number' && s > 0 ? s : undefined;
}

/** Classify one attempt's error. */
export function classifyFailure(error: unknown): AttemptFailure {
  const err = (error ?? {}) as any;
  const name: string = typeof err.name === 'string' ? err.name : 'Error';
  const code: string = typeof err.code === 'string' ? err.code : '';
  const status = statusOf(err);
  const rawMessage = typeof err.message === 'string' ? err.message : String(error);
  const message = cleanMessage(rawMessage);
  const timeout: TransportTimeout | undefined = err[TRANSPORT_TIMEOUT];

  if (timeout) {
    if (timeout.phase === 'connect') {
      return { kind: 'connect-timeout', retryable: true, code: 'TimeoutError', what: `could not connect within ${formatSeconds(timeout.limitMs)}`, error };
    }
    if (timeout.byDeadline) {
      return { kind: 'deadline', retryable: false, code: 'TimeoutError', what: `did not answer before the deadline (the last attempt had ${formatSeconds(timeout.limitMs)} left)`, error };
    }
    return {
      kind: 'timeout',
      retryable: true,
      code: 'TimeoutError',
      what: timeout.phase === 'body'
        ? `did not finish its answer within ${formatSeconds(timeout.limitMs)}`
        : `did not answer within ${formatSeconds(timeout.limitMs)}`,
      error,
    };
  }
  if (name === 'AbortError') {
    return { kind: 'aborted', retryable: false, code: 'AbortError', what: 'was cancelled', error };
  }
  if (status === 429 || THROTTLING_CODES.has(name) || err.$retryable?.throttling === true) {
    return { kind: 'throttled', retryable: true, code: name === 'Error' ? 'HTTP 429' : name, httpStatus: status, what: `was throttled (${name}: ${message})`, error };
  }
  // An answer the SDK could not parse: an HTML error page from a load balancer or proxy, a truncated body.
  const unparsed = err.$response !== undefined && (name === 'SyntaxError' || /Deserialization error|Unexpected token|JSON/i.test(rawMessage))
    && !(err.$fault === 'client' && err.$metadata?.httpStatusCode && err.__type);
  if (unparsed) {
    const s = status ?? 0;
    return {
      kind: 'non-json',
      retryable: s === 0 || s >= 500 || s === 429,
      code: `HTTP ${s || '?'}`,
      httpStatus: status,
      what: `answered HTTP ${s || '(no status)'} with a non-JSON body`,
      error,
    };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'server', retryable: true, code: name, httpStatus: status, what: `answered HTTP ${status} (${name}: ${message || 'no message'})`, error };
  }
  if (err.$retryable !== undefined) {
    return { kind: 'server', retryable: true, code: name, httpStatus: status, what: `failed with a retryable error (${name}: ${message})`, error };
  }
  const netCode = NETWORK_CODES.has(code) ? code : (/socket hang up/i.test(rawMessage) ? 'ECONNRESET' : '');
  if (netCode) {
    return { kind: 'network', retryable: true, code: netCode, what: NETWORK_WORDS[netCode] ?? `lost the connection (${netCode}: ${message})`, error };
  }
  if (name === 'TimeoutError') {
    // A timeout the policy's transport did not mark (a socket timeout inside the SDK).
    return { kind: 'timeout', retryable: true, code: 'TimeoutError', what: `timed out (${message})`, error };
  }
  if (status !== undefined && status >= 400) {
    return { kind: 'client', retryable: false, code: name, httpStatus: status, what: `failed: ${name}: ${message}`, error };
  }
  return { kind: 'other', retryable: false, code: name, what: `failed: ${name === 'Error' ? '' : `${name}: `}${message}`, error };
}

/** Transport codes that mean "nobody answers at this address": a call ends after a few attempts (see `UNREACHABLE_MAX_ATTEMPTS` in client.ts); `EAI_AGAIN`, a DNS server that did not answer, is not one of them. */
export const UNREACHABLE_CODES: readonly string[] = ['ECONNREFUSED', 'ENOTFOUND'];

/** Whether an error (an `AwsCallError` or a transport error) says that the endpoint refuses connections or does not resolve. */
export function isUnreachable(error: unknown): boolean {
  const code = AwsCallError.isAwsCallError(error) ? error.code : (error as any)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.includes(code);
}

/** Options of `describeError`. */
export interface DescribeErrorOptions {
  /** `ECR DescribeImages` */
  readonly call: string;
  readonly resource?: CallResource;
  /** Attempts made (default 1). */
  readonly attempts?: number;
  /** Time spent (default 0). */
  readonly elapsedMs?: number;
}

/**
 * Any error as an `AwsCallError`: an `AwsCallError` is returned as it is; anything else is
 * classified as the failure of one attempt of `call` on `resource`.
 */
export function describeError(error: unknown, options: DescribeErrorOptions): AwsCallError {
  if (AwsCallError.isAwsCallError(error)) {
    return error;
  }
  const last = classifyFailure(error);
  return new AwsCallError({
    call: options.call,
    resource: options.resource ?? {},
    attempts: options.attempts ?? 1,
    elapsedMs: options.elapsedMs ?? 0,
    last,
    history: [last.kind],
  });
}

/**
 * The error code of any error: an `AwsCallError`'s `code`, else the SDK error's `name`
 * (`RepositoryNotFoundException`, `ImageNotFoundException`).
 */
export function errorCode(error: unknown): string {
  const e = error as any;
  if (AwsCallError.isAwsCallError(e)) {
    return e.code;
  }
  return e?.name ?? e?.Code ?? e?.__type ?? 'Error';
}
