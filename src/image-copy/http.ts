/**
 * HTTP for registries, in the runtime policy's terms: every request ends by the copy's deadline, a
 * connection that does not open within `connectTimeoutMs` or goes quiet for `requestTimeoutMs`
 * (headers or any gap in a body) fails the attempt, and throttled (429), 5xx and network failures
 * are tried again after a full-jitter backoff while the deadline leaves room.
 *
 * Registry rules that hold whatever the registry answers:
 * - plain HTTP only for a loopback host or one named as insecure;
 * - an `Authorization` header is sent only to the registry's own origin, never after a redirect
 *   to another host (or a token realm's credentials to another realm than the one asked for);
 * - at most `MAX_REDIRECTS` redirects, never from HTTPS down to HTTP;
 * - a token realm over plain HTTP for an HTTPS registry is refused;
 * - bodies read into memory are bounded (`readBounded`).
 */
import * as http from 'http';
import * as https from 'https';
import { Readable } from 'stream';
import { formatSeconds, ResolvedPolicy } from '../runtime';
import { ImageCopyError, printable, safeUrl } from './errors';
import { isLoopback } from './reference';

/** Most redirects followed for one request. */
export const MAX_REDIRECTS = 5;
/** Largest error or token answer read. */
export const MAX_SMALL_BODY = 64 * 1024;

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 32 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

/** One request. */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Record<string, string>;
  /** A body in memory (sent again on a retry) or a stream made for one attempt. */
  readonly body?: Buffer | (() => Readable);
}

/** An answer whose body is still to be read (or discarded). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
  /** The URL that answered (after redirects). */
  readonly url: URL;
}

/** Limits of one attempt. */
export interface AttemptLimits {
  readonly connectTimeoutMs: number;
  /** Longest silence: waiting for headers, or between two chunks of a body. */
  readonly idleTimeoutMs: number;
  /** Epoch ms by which the request (and its answer's body) has ended. */
  readonly deadline: number;
}

function transportError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One HTTP exchange, no retries, no redirects. Resolves when the headers arrived; the body is
 * still watched for silence and the deadline until it ends.
 */
export function sendOnce(req: HttpRequest, limits: AttemptLimits): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const secure = req.url.protocol === 'https:';
    const left = limits.deadline - Date.now();
    if (left <= 0) {
      reject(transportError('no time left before the deadline', 'DEADLINE'));
      return;
    }
    const body = req.body;
    const headers: Record<string, string> = { ...req.headers };
    if (Buffer.isBuffer(body)) {
      headers['content-length'] = String(body.length);
    }
    const r = (secure ? https : http).request(req.url, {
      method: req.method,
      headers,
      agent: secure ? agents.https : agents.http,
    });
    let settled = false;
    let res: http.IncomingMessage | undefined;
    const fail = (e: Error) => {
      if (res) {
        res.destroy(e);
      }
      r.destroy(e);
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    const deadlineTimer = setTimeout(() => fail(transportError(`did not finish before the deadline (${formatSeconds(left)} left when it started)`, 'DEADLINE')), left);
    deadlineTimer.unref?.();
    const done = () => clearTimeout(deadlineTimer);
    r.setTimeout(limits.idleTimeoutMs, () => fail(transportError(`went quiet for ${formatSeconds(limits.idleTimeoutMs)}`, 'ETIMEDOUT')));
    r.on('socket', socket => {
      if ((socket as any).connecting) {
        const t = setTimeout(() => fail(transportError(`could not connect within ${formatSeconds(limits.connectTimeoutMs)}`, 'ECONNTIMEOUT')), limits.connectTimeoutMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(t));
        socket.once('close', () => clearTimeout(t));
      }
    });
    r.on('error', e => {
      done();
      fail(e);
    });
    r.on('response', answer => {
      res = answer;
      answer.once('end', done);
      answer.once('close', done);
      answer.once('error', done);
      if (!settled) {
        settled = true;
        resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: answer, url: req.url });
      }
    });
    if (body === undefined) {
      r.end();
    } else if (Buffer.isBuffer(body)) {
      r.end(body);
    } else {
      const stream = body();
      stream.on('error', e => fail(e instanceof Error ? e : new Error(String(e))));
      stream.pipe(r);
    }
  });
}

/** Read a whole body of at most `max` bytes; a longer one (or a longer `Content-Length`) fails. */
export async function readBounded(answer: HttpAnswer, max: number, what: string): Promise<Buffer> {
  const declared = answer.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    answer.body.destroy();
    throw new ImageCopyError('verify', `${what} is ${declared} bytes, more than the ${max} this copy reads`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      answer.body.destroy();
      throw new ImageCopyError('verify', `${what} is more than the ${max} bytes this copy reads`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drain and drop a body (so the connection can be reused), at most a few KiB. */
export async function discard(answer: HttpAnswer): Promise<void> {
  try {
    await readBounded(answer, MAX_SMALL_BODY, 'an answer');
  } catch {
    answer.body.destroy();
  }
}

/** A registry's error answer in a few words: `404 MANIFEST_UNKNOWN: manifest unknown`. */
export async function describeAnswer(answer: HttpAnswer): Promise<string> {
  let detail = '';
  try {
    const text = (await readBounded(answer, MAX_SMALL_BODY, 'an error answer')).toString('utf8');
    try {
      const errors = JSON.parse(text)?.errors;
      if (Array.isArray(errors) && errors.length > 0) {
        detail = errors.slice(0, 3).map((e: any) => `${e?.code ?? 'ERROR'}: ${e?.message ?? ''}`).join('; ');
      }
    } catch {
      detail = text.trim().split('\n')[0] ?? '';
    }
  } catch {
    answer.body.destroy();
  }
  return `HTTP ${answer.status}${detail ? ` (${printable(detail, 160)})` : ''}`;
}

/** Whether a failure of one attempt is worth another. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Transport failures worth another attempt. */
export function retryableError(e: unknown): boolean {
  const code = (e as any)?.code;
  if (ImageCopyError.isImageCopyError(e)) {
    return e.retryable;
  }
  return typeof code === 'string' && code !== 'DEADLINE'
    && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNTIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'].includes(code)
    || /socket hang up|aborted/i.test(String((e as any)?.message ?? ''));
}

/** The wait before attempt `n + 1` (full jitter, as the runtime policy's). */
export function backoffMs(policy: ResolvedPolicy, attempt: number, throttled: boolean): number {
  const base = throttled ? policy.throttleBaseDelayMs : policy.baseDelayMs;
  return policy.random() * Math.min(policy.maxDelayMs, base * 2 ** Math.min(attempt - 1, 30));
}

export function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

/** What `callWithRetries` needs to know of one call. */
export interface RetriedCall {
  /** The endpoint, first in every message (`ghcr.io/org/app`). */
  readonly name: string;
  /** The call, in messages (`GET manifest v1`). */
  readonly what: string;
  readonly policy: ResolvedPolicy;
  /** Statuses that end the call (the answer is returned with its body unread). */
  readonly ok: readonly number[];
  /** Try again throttled (429), 5xx and network failures. @default true */
  readonly retry?: boolean;
}

/**
 * One call made of attempts (`attempt` sends one request, following its redirects and
 * authentication): an answer whose status is in `ok` ends it; throttled, 5xx and network failures
 * are tried again after a backoff until the policy's attempts or deadline run out. Errors name the
 * endpoint, the call, the last answer and the attempts.
 */
export async function callWithRetries(c: RetriedCall, attempt: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  const { name, what, policy, ok } = c;
  const retry = c.retry ?? true;
  const started = Date.now();
  let attempts = 0;
  let last = '';
  for (;;) {
    attempts++;
    let throttled = false;
    try {
      const answer = await attempt();
      if (ok.includes(answer.status)) {
        return answer;
      }
      last = await describeAnswer(answer);
      throttled = answer.status === 429;
      if (!retry || !retryableStatus(answer.status)) {
        throw new ImageCopyError('registry', `${name}: ${what} failed: ${last}${attempts > 1 ? ` (${attempts} attempts over ${formatSeconds(Date.now() - started)})` : ''}`, { httpStatus: answer.status });
      }
    } catch (e) {
      if (ImageCopyError.isImageCopyError(e) && !e.retryable) {
        throw e;
      }
      if (!ImageCopyError.isImageCopyError(e)) {
        last = printable((e as Error)?.message ?? String(e));
        if (!retry || !retryableError(e)) {
          throw new ImageCopyError('registry', `${name}: ${what} failed: ${last}${attempts > 1 ? ` (${attempts} attempts over ${formatSeconds(Date.now() - started)})` : ''}`, { cause: e, retryable: retryableError(e) });
        }
      } else {
        last = e.message;
      }
    }
    const wait = backoffMs(policy, attempts, throttled);
    const left = policy.deadline() - Date.now();
    if (attempts >= policy.maxAttempts || left < wait + Math.min(250, policy.requestTimeoutMs / 2)) {
      const why = attempts >= policy.maxAttempts ? `no attempt left (at most ${policy.maxAttempts})` : 'no time left before the deadline';
      throw new ImageCopyError('registry', `${name}: ${what} failed: ${last}: ${attempts} attempt${attempts === 1 ? '' : 's'} over ${formatSeconds(Date.now() - started)}; ${why}`, { retryable: true });
    }
    await sleep(wait);
  }
}

/** Where plain HTTP is allowed. */
export function plainHttpAllowed(host: string, insecure: readonly string[]): boolean {
  return isLoopback(host) || insecure.includes(host.toLowerCase()) || insecure.includes(host.replace(/:\d+$/, '').toLowerCase());
}

/** A redirect's target, or why it is not followed. */
export function redirectTarget(from: URL, location: string | undefined, insecure: readonly string[]): URL {
  if (!location) {
    throw new ImageCopyError('registry', `${safeUrl(from)} answered a redirect without a Location`);
  }
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new ImageCopyError('unsafe', `${safeUrl(from)} redirected to an unparsable location`);
  }
  if (to.protocol !== 'https:' && to.protocol !== 'http:') {
    throw new ImageCopyError('unsafe', `${safeUrl(from)} redirected to a ${printable(to.protocol)} URL`);
  }
  if (to.protocol === 'http:' && !plainHttpAllowed(to.host, insecure)) {
    throw new ImageCopyError('unsafe', `${safeUrl(from)} redirected to plain HTTP (${safeUrl(to)}); plain HTTP is used only for loopback hosts and hosts named with --insecure-registry`);
  }
  return to;
}

/** Same scheme, host and port. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host.toLowerCase() === b.host.toLowerCase();
}
