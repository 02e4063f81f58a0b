/**
 * Handler of `Custom::EcrImageCheck`: CloudFormation invokes it directly (the ServiceToken is
 * this function, no provider framework), so it speaks the custom resource protocol itself:
 * it always PUTs one response to the pre-signed ResponseURL, on success, on failure and before
 * its own timeout.
 *
 * Create/Update: check the images (read-only, so idempotent) and answer their digests; with
 * `ProtectInUse`, tag them with the resource's protection tag (private/protect.ts, docs/in-use.md).
 * Delete: remove the resource's protection tags, if any; always SUCCESS, whatever the input.
 *
 * Input: the event is validated by type and value before any call (private/check-images.ts,
 * `parseProperties`); every gate fails closed on a setting it does not understand; a Delete whose
 * properties are not valid answers SUCCESS and touches nothing. The ResponseURL must be
 * CloudFormation's pre-signed S3 URL (src/private/response-url.ts): anything else is refused and
 * logged before any call, and nothing is sent. Log lines and the Reason are escaped and bounded.
 *
 * Time: the Lambda function's remaining time, less `HANDLER_SAFETY_MARGIN_MS`, is the deadline of
 * every ECR call (the runtime policy in src/runtime retries until then, each attempt bounded by
 * its request timeout); the margin is kept to answer CloudFormation, with retries on 5xx and
 * network errors that end before the function does, and none on a 4xx.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { ECRClient } from '@aws-sdk/client-ecr';
import { checkImages, ImageCheckFailure, parseProperties } from './private/check-images';
import { CheckProperties, digestAttribute, HANDLER_SAFETY_MARGIN_MS, MAX_RESPONSE_BYTES, SERVICE_TIMEOUT_SECONDS } from './private/contract';
import { protectAfterCheck, releaseOnDelete } from './private/protect';
import { escapeTerminal, logLine, MAX_LOG_LINE_CHARS } from '../private/escape';
import { checkResponseUrl } from '../private/response-url';
import { AwsCallError, createEcrClient, formatSeconds, RETRY_DELAY_FLOOR_MS, RuntimePolicy } from '../runtime';

/** The fields of a CloudFormation custom resource request this handler reads. */
export interface CustomResourceEvent {
  readonly RequestType?: string;
  readonly ResponseURL?: string;
  readonly StackId?: string;
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceProperties?: unknown;
  readonly OldResourceProperties?: unknown;
}

/** The part of the Lambda context this handler uses. */
export interface HandlerContext {
  readonly logGroupName?: string;
  getRemainingTimeInMillis(): number;
}

/** The JSON document PUT to the ResponseURL. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, string>;
}

/** Runtime policy settings of the handler's ECR clients (the deadline is the invocation's). */
export type HandlerPolicy = Omit<RuntimePolicy, 'deadline'>;

/**
 * The ECR client of a region for one invocation: the runtime policy (per-request timeout that
 * fires, jittered backoff with adaptive throttling until `deadline`, errors naming the call and
 * the repository). `AWS_ENDPOINT_URL_ECR` (standard SDK configuration) points it at another endpoint.
 */
export function defaultClientFor(region: string, deadline: number, policy: HandlerPolicy = {}, endpoint?: string): ECRClient {
  return createEcrClient({ ...policy, region, deadline, ...(endpoint ? { endpoint } : {}) });
}

/** Options of `handleEvent` (tests inject them). */
export interface HandlerOptions {
  /** The ECR client of a region (tests pass a mocked one). Default: `defaultClientFor` with `policy`. */
  readonly clientFor?: (region: string) => ECRClient;
  /** Runtime policy settings (tests scale the timeouts down). */
  readonly policy?: HandlerPolicy;
  /**
   * ECR endpoint URL of the default clients.
   * @default - AWS_ENDPOINT_URL_ECR, else AWS's
   */
  readonly endpoint?: string;
  readonly scanPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** How long after the deadline the handler's own guard ends a check the runtime policy did not end. */
export const DEADLINE_GUARD_MS = 250;

/**
 * A physical id that changes exactly when the set of references changes (order and duplicates do not count).
 */
export function physicalIdOf(props: CheckProperties): string {
  const refs = [...new Set(props.Images.map(i => [i.Registry, i.Region, i.Repository, i.Tag ? `:${i.Tag}` : `@${i.Digest}`].join('/')))].sort();
  const hash = createHash('sha256').update(JSON.stringify(refs)).digest('hex').slice(0, 32);
  return `ecr-image-check-${hash}`;
}

/** Longest id (StackId, RequestId, LogicalResourceId, PhysicalResourceId) taken from an event. */
const MAX_ID_CHARS = 1024;

function fallbackPhysicalId(event: CustomResourceEvent): string {
  const own = (v: unknown) => typeof v === 'string' && v !== '' && v.length <= MAX_ID_CHARS ? v : undefined;
  return own(event.PhysicalResourceId) ?? `ecr-image-check-${own(event.LogicalResourceId) ?? 'unknown'}`;
}

/** Byte length of the response as JSON. */
function sizeOf(res: CustomResourceResponse): number {
  return Buffer.byteLength(JSON.stringify(res));
}

/** Cut the Reason so the whole response fits in CloudFormation's 4,096 bytes. */
export function fitReason(res: CustomResourceResponse, logGroupName?: string): CustomResourceResponse {
  if (sizeOf(res) <= MAX_RESPONSE_BYTES || res.Reason === undefined) {
    return res;
  }
  const tail = ` ... (truncated; the full list is in CloudWatch Logs${logGroupName ? ` ${logGroupName}` : ''})`;
  let reason = res.Reason;
  let lo = 0;
  let hi = reason.length;
  // Longest prefix that fits (binary search on characters; JSON escaping makes bytes non-linear).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sizeOf({ ...res, Reason: reason.slice(0, mid) + tail }) <= MAX_RESPONSE_BYTES) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  reason = reason.slice(0, lo) + tail;
  return { ...res, Reason: reason };
}

/** Compute the response to one request (never throws). */
export async function handleEvent(event: CustomResourceEvent, deadline: number, opts: HandlerOptions = {}): Promise<CustomResourceResponse> {
  const text = (v: unknown) => (typeof v === 'string' && v.length <= MAX_ID_CHARS ? v : '');
  const base = {
    StackId: text(event.StackId),
    RequestId: text(event.RequestId),
    LogicalResourceId: text(event.LogicalResourceId),
  };
  // This invocation's ECR clients: the runtime policy with this invocation's deadline.
  const clients = new Map<string, ECRClient>();
  const clientFor = opts.clientFor ?? ((region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = defaultClientFor(region, deadline, opts.policy, opts.endpoint);
      clients.set(region, c);
    }
    return c;
  });
  if (event.RequestType === 'Delete') {
    // CloudFormation must be able to delete what it created: SUCCESS whatever the input, and
    // properties that are not valid touch nothing (no call at all).
    let valid = true;
    try {
      parseProperties(event.ResourceProperties);
    } catch {
      valid = false;
      console.log(logLine('Delete with properties that are not valid: nothing to release, no call made'));
    }
    try {
      if (valid) {
        await releaseOnDelete(event, { clientFor, log: line => console.log(logLine(line)) });
      }
    } finally {
      clients.forEach(c => c.destroy());
    }
    return { ...base, Status: 'SUCCESS', PhysicalResourceId: fallbackPhysicalId(event) };
  }
  let physicalId = fallbackPhysicalId(event);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    if (event.RequestType !== 'Create' && event.RequestType !== 'Update') {
      throw new Error(`unknown RequestType ${JSON.stringify(event.RequestType)}`);
    }
    const props = parseProperties(event.ResourceProperties);
    physicalId = physicalIdOf(props);
    const start = Date.now();
    // A guard only: the runtime policy ends every ECR call by the deadline with a precise error.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`the image check did not finish within its time budget (${formatSeconds(deadline - start)}); `
          + 'ECR may be throttling or unreachable from the function'));
      }, Math.max(0, deadline - Date.now()) + DEADLINE_GUARD_MS);
    });
    const result = await Promise.race([
      checkImages(props, {
        clientFor,
        deadline,
        signal: controller.signal,
        scanPollMs: opts.scanPollMs,
        sleep: opts.sleep,
      }).then(async checked => {
        await protectAfterCheck(event, props, physicalId, checked.digests, {
          clientFor, signal: controller.signal, log: line => console.log(logLine(line)),
        });
        return checked;
      }),
      timeout,
    ]);
    const data: Record<string, string> = {};
    result.digests.forEach((d, i) => { data[digestAttribute(i)] = d; });
    const res: CustomResourceResponse = { ...base, Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: data };
    if (sizeOf(res) > MAX_RESPONSE_BYTES) {
      return {
        ...base,
        Status: 'FAILED',
        PhysicalResourceId: physicalId,
        Reason: `the response (${sizeOf(res)} bytes) would exceed CloudFormation's ${MAX_RESPONSE_BYTES}-byte limit: check fewer images per resource`,
      };
    }
    return res;
  } catch (e) {
    const err = e as Error;
    const reason = err instanceof ImageCheckFailure || AwsCallError.isAwsCallError(err) ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    // Tags, names and service messages reach the Reason: no control character goes to CloudFormation raw.
    return { ...base, Status: 'FAILED', PhysicalResourceId: physicalId, Reason: escapeTerminal(reason) };
  } finally {
    if (timer) {
      clearTimeout(timer);
    }
    controller.abort();
    clients.forEach(c => c.destroy());
  }
}

/** Options of `sendResponse`. */
export interface SendResponseOptions {
  /** Epoch milliseconds by which the last attempt has ended. */
  readonly deadline: number;
  /**
   * Longest single PUT.
   * @default 5_000
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Backoff base between attempts (full jitter, doubling, at most 2 s).
   * @default 200
   */
  readonly baseDelayMs?: number;
  /**
   * Shortest wait between two attempts, whatever the jitter draws and however close the deadline:
   * no attempt is started that the deadline would not leave this long for.
   * @default RESPONSE_BACKOFF_FLOOR_MS (50)
   */
  readonly minDelayMs?: number;
  readonly random?: () => number;
}

/** Shortest wait between two attempts of the response PUT: the floor of every retry of the runtime policy. */
export const RESPONSE_BACKOFF_FLOOR_MS = RETRY_DELAY_FLOOR_MS;

/** The response could not be delivered. */
export class ResponseNotSentError extends Error {
  constructor(message: string, public readonly attempts: number) {
    super(message);
    this.name = 'ResponseNotSentError';
  }
}

/** Errors of `put` that another attempt cannot change (the URL itself is wrong). */
const FINAL_CODES = new Set(['ERR_INVALID_URL', 'ERR_INVALID_PROTOCOL', 'ERR_INVALID_ARG_TYPE', 'ERR_UNESCAPED_CHARACTERS']);

/**
 * PUT the response to the pre-signed URL. A 2xx ends it; a 4xx other than 429 is final (the URL
 * expired or was tampered with: another attempt gets the same answer), and so is a URL that cannot
 * be used at all (invalid, another scheme); 429, 5xx and network errors are retried with jittered
 * backoff (never shorter than `minDelayMs`) while the deadline leaves time, each attempt bounded by
 * the time left. Resolves to the number of attempts.
 */
export async function sendResponse(url: string, res: CustomResourceResponse, options: SendResponseOptions): Promise<number> {
  const body = JSON.stringify(res);
  const attemptTimeout = options.attemptTimeoutMs ?? 5_000;
  const base = options.baseDelayMs ?? 200;
  const floor = Math.max(1, options.minDelayMs ?? RESPONSE_BACKOFF_FLOOR_MS);
  const random = options.random ?? Math.random;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ResponseNotSentError('the response URL is not a URL; not retried', 0);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new ResponseNotSentError(`the response URL's scheme ${target.protocol} is not http(s); not retried`, 0);
  }
  const start = Date.now();
  let last = '';
  const plural = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;
  for (let attempt = 1; ; attempt++) {
    const left = options.deadline - Date.now();
    if (left < floor) {
      throw new ResponseNotSentError(`no time left to send the response after ${plural(attempt - 1)} over ${formatSeconds(Date.now() - start)}`
        + `${last ? ` (last: ${last})` : ''}`, attempt - 1);
    }
    let status: number | undefined;
    try {
      status = await put(target, body, Math.min(attemptTimeout, left));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code !== undefined && FINAL_CODES.has(code)) {
        throw new ResponseNotSentError(`the response URL cannot be used (${code}); not retried`, attempt);
      }
      last = (e as Error).message;
    }
    if (status !== undefined) {
      if (status >= 200 && status < 300) {
        return attempt;
      }
      if (status < 500 && status !== 429) {
        throw new ResponseNotSentError(`the response URL answered HTTP ${status}; not retried (a pre-signed URL that refuses once refuses again)`, attempt);
      }
      last = `HTTP ${status}`;
    }
    const delay = Math.max(floor, random() * Math.min(2_000, base * 2 ** Math.min(attempt - 1, 20)));
    if (Date.now() + delay + floor > options.deadline) {
      throw new ResponseNotSentError(`no time left to send the response after ${plural(attempt)} over ${formatSeconds(Date.now() - start)} (last: ${last})`, attempt);
    }
    await new Promise(r => setTimeout(r, delay));
  }
}

function put(u: URL, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'http:' ? http : https;
    let req: http.ClientRequest;
    try {
      req = mod.request(u, {
        method: 'PUT',
        // The pre-signed URL is signed without a content type.
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      }, r => {
        r.resume();
        r.on('end', () => {
          clearTimeout(timer);
          resolve(r.statusCode ?? 0);
        });
      });
    } catch (e) {
      reject(e);
      return;
    }
    // The whole PUT (connect, send, answer), not only socket idleness.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${formatSeconds(timeoutMs)}`)), timeoutMs);
    req.on('error', e => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

/** Redact the pre-signed URL (a credential) before logging the request. */
function redacted(event: CustomResourceEvent): unknown {
  return { ...event, ResponseURL: event.ResponseURL ? '[redacted]' : undefined };
}

/** Settings of the Lambda entry point (tests scale them down). */
export interface HandlerConfig extends HandlerOptions {
  /**
   * Time kept at the end of the function's run to answer CloudFormation.
   * @default HANDLER_SAFETY_MARGIN_MS (20 s)
   */
  readonly safetyMarginMs?: number;
  /**
   * Time kept unused at the very end (the last log lines).
   * @default 1_000
   */
  readonly endReserveMs?: number;
  /** Options of the response PUT (besides its deadline). */
  readonly response?: Omit<SendResponseOptions, 'deadline'>;
  /**
   * Decide which ResponseURLs the handler answers to, instead of the built-in check (https, the
   * pre-signed URL of CloudFormation's response bucket on S3 in aws, aws-cn or aws-us-gov; see
   * docs/security.md). Tests and other tools that answer to a local server pass `() => true`. A
   * refused URL is logged, and the request gets no call and no answer.
   * @default - the built-in check
   */
  readonly allowResponseUrl?: (url: URL) => boolean;
}

/** The Lambda entry point with these settings. */
export function createHandler(config: HandlerConfig = {}): (input: CustomResourceEvent, context: HandlerContext) => Promise<void> {
  return async (input, context) => {
    const event: CustomResourceEvent = input !== null && typeof input === 'object' ? input : {};
    // One bounded line: an event with 100,000 images logged 9.2 MB at once.
    console.log(logLine(safeJson({ request: redacted(event) })));
    // The URL first: an event whose answer would go anywhere else gets no call at all.
    const target = checkResponseUrl(event.ResponseURL, config.allowResponseUrl);
    if ('problem' in target) {
      console.error(logLine(`refused the request: ${target.problem}; no call made and no answer sent `
        + `(CloudFormation waits for the resource's ServiceTimeout, ${SERVICE_TIMEOUT_SECONDS} s)`));
      return;
    }
    const end = Date.now() + context.getRemainingTimeInMillis();
    const deadline = end - (config.safetyMarginMs ?? HANDLER_SAFETY_MARGIN_MS);
    const full = await handleEvent(event, deadline, config);
    if (full.Status === 'FAILED') {
      // The Reason sent to CloudFormation may be truncated to fit 4,096 bytes; the log keeps every
      // problem, in bounded lines.
      const reason = full.Reason ?? '';
      for (let i = 0; i < reason.length || i === 0; i += MAX_LOG_LINE_CHARS - 100) {
        console.error(logLine(`image check failed${i > 0 ? ' (continued)' : ''}: ${reason.slice(i, i + MAX_LOG_LINE_CHARS - 100)}`));
      }
    }
    const res = fitReason(full, context.logGroupName);
    console.log(logLine(safeJson({ response: res.Status, physicalResourceId: res.PhysicalResourceId })));
    // The answer takes at most the safety margin, and ends before the function does.
    const margin = config.safetyMarginMs ?? HANDLER_SAFETY_MARGIN_MS;
    const reserve = config.endReserveMs ?? 1_000;
    try {
      await sendResponse(event.ResponseURL as string, res, { ...config.response, deadline: Math.min(end, Date.now() + margin) - reserve });
    } catch (e) {
      // Nothing else can be done: CloudFormation's ServiceTimeout ends the wait.
      console.error(logLine(`could not send the response: ${(e as Error).message}`));
    }
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The Lambda entry point. */
export const handler = createHandler();
