/**
 * Handler of `Custom::EcrImageCheck`: CloudFormation invokes it directly (the ServiceToken is
 * this function, no provider framework), so it speaks the custom resource protocol itself:
 * it always PUTs one response to the pre-signed ResponseURL, on success, on failure and before
 * its own timeout.
 *
 * Create/Update: check the images (read-only, so idempotent) and answer their digests; with
 * `ProtectInUse`, tag them with the resource's protection tag (private/protect.ts, docs/in-use.md).
 * Delete: remove the resource's protection tags, if any; always SUCCESS, whatever the input.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { ECRClient } from '@aws-sdk/client-ecr';
import { checkImages, ImageCheckFailure, parseProperties } from './private/check-images';
import { CheckProperties, digestAttribute, HANDLER_SAFETY_MARGIN_MS, MAX_RESPONSE_BYTES } from './private/contract';
import { protectAfterCheck, releaseOnDelete } from './private/protect';

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

/** ECR clients, one per region, reused across invocations of a warm function. */
const clients = new Map<string, ECRClient>();

/**
 * The SDK client: adaptive retries (client-side rate limiting on throttling) with a bounded number
 * of attempts and per-request timeouts; the whole check is also bounded by the handler's deadline.
 * `AWS_ENDPOINT_URL_ECR` (standard SDK configuration) points it at another endpoint.
 */
export function defaultClientFor(region: string): ECRClient {
  let c = clients.get(region);
  if (!c) {
    c = new ECRClient({
      region,
      retryMode: 'adaptive',
      maxAttempts: 6,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
    clients.set(region, c);
  }
  return c;
}

/** Options of `handleEvent` (tests inject them). */
export interface HandlerOptions {
  readonly clientFor?: (region: string) => ECRClient;
  readonly scanPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A physical id that changes exactly when the set of references changes (order and duplicates do not count).
 */
export function physicalIdOf(props: CheckProperties): string {
  const refs = [...new Set(props.Images.map(i => [i.Registry, i.Region, i.Repository, i.Tag ? `:${i.Tag}` : `@${i.Digest}`].join('/')))].sort();
  const hash = createHash('sha256').update(JSON.stringify(refs)).digest('hex').slice(0, 32);
  return `ecr-image-check-${hash}`;
}

function fallbackPhysicalId(event: CustomResourceEvent): string {
  return event.PhysicalResourceId || `ecr-image-check-${event.LogicalResourceId ?? 'unknown'}`;
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
  const base = {
    StackId: event.StackId ?? '',
    RequestId: event.RequestId ?? '',
    LogicalResourceId: event.LogicalResourceId ?? '',
  };
  if (event.RequestType === 'Delete') {
    await releaseOnDelete(event, { clientFor: opts.clientFor ?? defaultClientFor, log: line => console.log(line) });
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
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`the image check did not finish within its time budget (${Math.round((deadline - start) / 1000)} s); `
          + 'ECR may be throttling or unreachable from the function'));
      }, Math.max(0, deadline - Date.now()));
    });
    const result = await Promise.race([
      checkImages(props, {
        clientFor: opts.clientFor ?? defaultClientFor,
        deadline,
        signal: controller.signal,
        scanPollMs: opts.scanPollMs,
        sleep: opts.sleep,
      }).then(async checked => {
        await protectAfterCheck(event, props, physicalId, checked.digests, {
          clientFor: opts.clientFor ?? defaultClientFor, signal: controller.signal, log: line => console.log(line),
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
    const reason = err instanceof ImageCheckFailure ? err.message : `${err.name ?? 'Error'}: ${err.message}`;
    return { ...base, Status: 'FAILED', PhysicalResourceId: physicalId, Reason: reason };
  } finally {
    if (timer) {
      clearTimeout(timer);
    }
    controller.abort();
  }
}

/** PUT the response to the pre-signed URL, retrying a few times on network errors and 5xx. */
export async function sendResponse(url: string, res: CustomResourceResponse, attempts = 4): Promise<void> {
  const body = JSON.stringify(res);
  for (let attempt = 1; ; attempt++) {
    try {
      const status = await put(url, body);
      if (status >= 200 && status < 300) {
        return;
      }
      if (status < 500 || attempt >= attempts) {
        throw new Error(`the response URL answered HTTP ${status}`);
      }
    } catch (e) {
      if (attempt >= attempts) {
        throw e;
      }
    }
    await new Promise(r => setTimeout(r, 200 * 2 ** attempt));
  }
}

function put(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'http:' ? http : https;
    const req = mod.request(u, {
      method: 'PUT',
      // The pre-signed URL is signed without a content type.
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: 10_000,
    }, r => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out sending the response')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Redact the pre-signed URL (a credential) before logging the request. */
function redacted(event: CustomResourceEvent): unknown {
  return { ...event, ResponseURL: event.ResponseURL ? '[redacted]' : undefined };
}

/** The Lambda entry point. */
export async function handler(input: CustomResourceEvent, context: HandlerContext): Promise<void> {
  const event: CustomResourceEvent = input !== null && typeof input === 'object' ? input : {};
  console.log(JSON.stringify({ request: redacted(event) }));
  const deadline = Date.now() + context.getRemainingTimeInMillis() - HANDLER_SAFETY_MARGIN_MS;
  const full = await handleEvent(event, deadline);
  if (full.Status === 'FAILED') {
    // The Reason sent to CloudFormation may be truncated to fit 4,096 bytes; the log keeps every problem.
    console.error(`image check failed: ${full.Reason}`);
  }
  const res = fitReason(full, context.logGroupName);
  console.log(JSON.stringify({ response: res.Status, physicalResourceId: res.PhysicalResourceId }));
  if (typeof event.ResponseURL !== 'string' || event.ResponseURL === '') {
    console.error('no ResponseURL in the request: nothing to answer');
    return;
  }
  try {
    await sendResponse(event.ResponseURL, res);
  } catch (e) {
    // Nothing else can be done: CloudFormation's ServiceTimeout ends the wait.
    console.error(`could not send the response: ${(e as Error).message}`);
  }
}
