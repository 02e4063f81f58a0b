/**
 * A fault-injecting HTTP proxy for tests on 127.0.0.1: the real SDK (with the real
 * `NodeHttpHandler`) talks to the proxy, the proxy forwards to moto, or answers with a fault.
 *
 * Which call gets which fault is decided by a plan, from the call's index, the time since the
 * first call and a seeded random generator (mulberry32): the same seed gives the same faults for
 * the same order of calls. Without a target the proxy is a plain server (a CloudFormation
 * response URL): `pass` answers 200.
 *
 * Also: `fullAcceptQueue()`, a listener that never accepts (its accept queue is full), to test
 * the connection timeout; an unroutable address fails at once on this machine.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { Worker } from 'worker_threads';

export type Fault =
  /** Forward the call (or answer 200 without a target), after `delayMs`. */
  | { readonly type: 'pass'; readonly delayMs?: number }
  /** Read the request, never answer. */
  | { readonly type: 'hang' }
  /** Forward, send the answer's headers and half its body, never finish. */
  | { readonly type: 'stall-body' }
  /** Answer this status and body. */
  | { readonly type: 'status'; readonly status: number; readonly body: string; readonly contentType?: string }
  /** Reset the connection (TCP RST) without answering. */
  | { readonly type: 'reset' };

export interface CallInfo {
  /** 0-based index of the call. */
  readonly index: number;
  /** Milliseconds since the first call. */
  readonly elapsedMs: number;
  /** Seeded random number in [0, 1), one per call. */
  readonly random: number;
  readonly method: string;
  readonly path: string;
  /** The `x-amz-target` header (`AmazonEC2ContainerRegistry_V20150921.DescribeImages`). */
  readonly target?: string;
  /** The request body. */
  readonly body: string;
}

export type FaultPlan = (call: CallInfo) => Fault;

export const PASS: Fault = { type: 'pass' };
export const HANG: Fault = { type: 'hang' };
export const RESET: Fault = { type: 'reset' };
export const STALL_BODY: Fault = { type: 'stall-body' };
const JSON_TYPE = 'application/x-amz-json-1.1';
/** ECR throttling as the service sends it. */
export const THROTTLE: Fault = { type: 'status', status: 400, contentType: JSON_TYPE, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' };
/** A 5xx with the service's JSON error. */
export const SERVER_ERROR: Fault = { type: 'status', status: 500, contentType: JSON_TYPE, body: '{"__type":"ServerException","message":"internal error"}' };
/** A load balancer's HTML error page. */
export const HTML_503: Fault = { type: 'status', status: 503, contentType: 'text/html', body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>' };
export const FORBIDDEN: Fault = { type: 'status', status: 403, contentType: 'application/xml', body: '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>' };
export function delayed(ms: number): Fault {
  return { type: 'pass', delayMs: ms };
}

/** Plans for the fault matrix. */
export const plans = {
  healthy: (): FaultPlan => () => PASS,
  always: (f: Fault): FaultPlan => () => f,
  /** The first `n` calls get `f`. */
  first: (n: number, f: Fault): FaultPlan => c => (c.index < n ? f : PASS),
  /** Every call in the first `ms` after the first call gets `f`. */
  during: (ms: number, f: Fault): FaultPlan => c => (c.elapsedMs < ms ? f : PASS),
  /** A share `p` of the calls (seeded) gets `f`. */
  rate: (p: number, f: Fault): FaultPlan => c => (c.random < p ? f : PASS),
};

/** mulberry32: a small seeded PRNG (32-bit integer arithmetic is the algorithm). */
/* eslint-disable no-bitwise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

export interface ProxyCall extends CallInfo {
  readonly fault: Fault['type'];
  /** The fault delayed the answer (a `pass` with `delayMs`). */
  readonly delayed: boolean;
  /** Epoch milliseconds of arrival. */
  readonly at: number;
  /** The status the client got, when it got one. */
  status?: number;
  /** The client closed the connection before the whole answer was sent (its timeout fired). */
  abandoned?: boolean;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Every call so far, in arrival order. */
  readonly calls: ProxyCall[];
  /** Images removed by forwarded BatchDeleteImage calls (with `recordDeletes`), in order. */
  readonly deletes: RecordedDelete[];
  /** Calls whose x-amz-target ends with `.operation` (all calls without an argument). */
  count(operation?: string): number;
  /**
   * Calls the proxy forwarded without a fault that the client abandoned anyway: the emulator
   * answered later than the client's request timeout (a loaded machine), and the client rightly
   * retried. Tests subtract them from call counts, which then do not depend on the machine's load.
   */
  loadRetries(operation?: string): number;
  /** Change the plan (and restart the clock and the count). */
  setPlan(plan: FaultPlan, seed?: number): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Where to forward (moto); none: answer `pass` with 200 and an empty body. */
  readonly target?: string;
  readonly plan: FaultPlan;
  /** @default 1 */
  readonly seed?: number;
  /**
   * Paginate DescribeImages listings (no imageIds) in pages of this many images, with numeric
   * next tokens, as ECR does and moto does not (moto returns every image at once; ECR may return
   * fewer than maxResults). The forwarded body changes: moto does not check signatures.
   */
  readonly paginate?: number;
  /**
   * Enforce ECR's tag immutability on PutImage, which moto 5.2.5 gets wrong (getmoto/moto#8717: it
   * answers `ImageAlreadyExistsException`, ECR `ImageTagAlreadyExistsException`). In an IMMUTABLE
   * repository, and in an IMMUTABLE_WITH_EXCLUSION one for a tag that no exclusion filter matches
   * (ECR's wildcard filters, `*` for any characters), a PutImage whose tag is on another image is
   * refused with `ImageTagAlreadyExistsException`; the proxy reads the repository and the tag from
   * the target first. Mutating calls (PutImage, BatchDeleteImage) are then forwarded one at a time.
   */
  readonly tagMutability?: boolean;
  /**
   * Record every forwarded BatchDeleteImage that removed an image (not only a tag): the proxy lists
   * the repository's images before and after the call (`deletes`). Mutating calls are then
   * forwarded one at a time, so each deletion is attributed to its call.
   */
  readonly recordDeletes?: boolean;
}

/** An image a forwarded BatchDeleteImage removed (`recordDeletes`). */
export interface RecordedDelete {
  /** Index of the call (`calls[index]`). */
  readonly index: number;
  readonly repository: string;
  readonly digest: string;
  /** The image's tags before the call. */
  readonly tags: string[];
  /** The image ids the call asked to delete. */
  readonly imageIds: Array<{ imageTag?: string; imageDigest?: string }>;
}

/** Whether an ECR tag mutability exclusion filter (wildcard: `*` is any characters) matches a tag. */
export function exclusionFilterMatches(filter: string, tag: string): boolean {
  const pattern = filter.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(tag);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let plan = options.plan;
  let random = seededRandom(options.seed ?? 1);
  let calls: ProxyCall[] = [];
  let firstAt: number | undefined;
  let deletes: RecordedDelete[] = [];
  let serial: Promise<void> = Promise.resolve();
  const sockets = new Set<net.Socket>();
  const targetUrl = options.target ? new URL(options.target) : undefined;

  const server = http.createServer((req, res) => {
    const now = Date.now();
    firstAt ??= now;
    const chunks: Buffer[] = [];
    req.on('data', d => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const info: CallInfo = {
        index: calls.length,
        elapsedMs: now - firstAt!,
        random: random(),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        target: req.headers['x-amz-target'] as string | undefined,
        body: body.toString('utf8'),
      };
      const fault = plan(info);
      const call: ProxyCall = { ...info, fault: fault.type, delayed: fault.type === 'pass' && (fault.delayMs ?? 0) > 0, at: now };
      calls.push(call);
      res.on('close', () => {
        if (!res.writableFinished && fault.type !== 'reset') {
          call.abandoned = true;
        }
      });
      switch (fault.type) {
        case 'hang':
          return; // the socket stays open until the client gives up or the proxy closes
        case 'reset':
          req.socket.resetAndDestroy();
          return;
        case 'status':
          call.status = fault.status;
          res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain', 'x-amzn-requestid': `fault-${info.index}` });
          res.end(fault.body);
          return;
        case 'pass':
        case 'stall-body': {
          // A DescribeImages listing to paginate: forward it whole, answer one page.
          let listing: { nextToken?: string; maxResults?: number } | undefined;
          let upBody = body;
          if (options.paginate && info.target?.endsWith('.DescribeImages')) {
            const input = JSON.parse(body.toString('utf8') || '{}');
            if (!input.imageIds) {
              listing = { nextToken: input.nextToken, maxResults: input.maxResults };
              delete input.nextToken;
              delete input.maxResults;
              upBody = Buffer.from(JSON.stringify(input));
            }
          }
          /**
           * Forward the call to the target; resolves once its answer is sent (or stalled). `beforeAnswer`
           * runs between the target's answer and the client's.
           */
          const forwardNow = (beforeAnswer?: () => Promise<void>) => new Promise<void>(done => {
            if (!targetUrl) {
              call.status = 200;
              res.writeHead(200, { 'content-length': '0' });
              res.end();
              done();
              return;
            }
            const up = http.request({
              host: targetUrl.hostname,
              port: targetUrl.port,
              method: req.method,
              path: req.url,
              headers: { ...req.headers, 'host': targetUrl.host, 'content-length': String(upBody.length) },
            }, upRes => {
              const upChunks: Buffer[] = [];
              upRes.on('data', d => upChunks.push(d));
              upRes.on('end', () => void (beforeAnswer ?? (async () => undefined))().catch(() => undefined).then(() => {
                let answer = Buffer.concat(upChunks);
                if (listing && upRes.statusCode === 200) {
                  const all = JSON.parse(answer.toString('utf8'));
                  const details: unknown[] = all.imageDetails ?? [];
                  const from = Number(listing.nextToken ?? 0);
                  const size = Math.min(options.paginate!, listing.maxResults ?? Infinity);
                  const page: Record<string, unknown> = { imageDetails: details.slice(from, from + size) };
                  if (from + size < details.length) {
                    page.nextToken = String(from + size);
                  }
                  answer = Buffer.from(JSON.stringify(page));
                }
                call.status = upRes.statusCode;
                const headers = { ...upRes.headers };
                delete headers['transfer-encoding'];
                headers['content-length'] = String(answer.length);
                res.writeHead(upRes.statusCode ?? 502, headers);
                if (fault.type === 'stall-body') {
                  res.write(answer.subarray(0, Math.floor(answer.length / 2)));
                  done();
                  return; // never ends
                }
                res.end(answer);
                done();
              }));
            });
            up.on('error', e => {
              call.status = 502;
              res.writeHead(502, { 'content-type': 'text/plain' });
              res.end(`proxy: ${e.message}`);
              done();
            });
            up.end(upBody);
          });
          const operation = (info.target ?? '').split('.').pop();
          const enforce = options.tagMutability && operation === 'PutImage';
          const record = options.recordDeletes && operation === 'BatchDeleteImage';
          const forward = () => {
            if (!targetUrl || !(enforce || record)) {
              void forwardNow();
              return;
            }
            // One mutating call at a time: the reads around it see only its effect.
            serial = serial.then(async () => {
              const input = JSON.parse(body.toString('utf8') || '{}');
              const ask = (op: string, payload: object) => targetCall(targetUrl, req.headers, op, payload);
              try {
                if (enforce) {
                  const refusal = await immutabilityRefusal(ask, input);
                  if (refusal) {
                    call.status = 400;
                    res.writeHead(400, { 'content-type': JSON_TYPE, 'x-amzn-requestid': `proxy-${info.index}` });
                    res.end(JSON.stringify({ __type: 'ImageTagAlreadyExistsException', message: refusal }));
                    return;
                  }
                }
                const before = record ? await imagesOf(ask, input) : undefined;
                // The record is complete before the client has its answer.
                await forwardNow(before ? async () => {
                  const after = await imagesOf(ask, input);
                  for (const [digest, tags] of before) {
                    if (!after.has(digest)) {
                      deletes.push({ index: info.index, repository: input.repositoryName, digest, tags, imageIds: input.imageIds ?? [] });
                    }
                  }
                } : undefined);
              } catch (e) {
                if (!res.headersSent) {
                  call.status = 502;
                  res.writeHead(502, { 'content-type': 'text/plain' });
                  res.end(`proxy: ${(e as Error).message}`);
                }
              }
            });
          };
          const delay = fault.type === 'pass' ? fault.delayMs ?? 0 : 0;
          if (delay > 0) {
            const t = setTimeout(forward, delay);
            req.socket.once('close', () => clearTimeout(t));
          } else {
            forward();
          }
          return;
        }
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    get deletes() {
      return deletes;
    },
    count: (operation?: string) => calls.filter(c => operation === undefined || (c.target ?? '').endsWith(`.${operation}`)).length,
    loadRetries: (operation?: string) => calls.filter(c => (operation === undefined || (c.target ?? '').endsWith(`.${operation}`))
      && c.fault === 'pass' && !c.delayed && c.abandoned).length,
    setPlan: (p, seed) => {
      plan = p;
      random = seededRandom(seed ?? options.seed ?? 1);
      calls = [];
      deletes = [];
      firstAt = undefined;
    },
    close: async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

type Ask = (operation: string, payload: object) => Promise<any>;

/** One ECR JSON call to the target, signed as the client's call was (moto does not check signatures). */
function targetCall(target: URL, clientHeaders: http.IncomingHttpHeaders, operation: string, payload: object): Promise<any> {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const up = http.request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/',
      headers: {
        'authorization': clientHeaders.authorization ?? '',
        'x-amz-date': clientHeaders['x-amz-date'] ?? '',
        'host': target.host,
        'content-type': JSON_TYPE,
        'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
        'content-length': String(body.length),
      },
    }, r => {
      const chunks: Buffer[] = [];
      r.on('data', d => chunks.push(d));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any = {};
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          json = { __type: 'NotJson', message: text };
        }
        resolve({ status: r.statusCode ?? 0, ...json });
      });
    });
    up.on('error', reject);
    up.end(body);
  });
}

/** Digest -> tags of a repository's images (moto answers every image at once); empty when it is gone. */
async function imagesOf(ask: Ask, input: { registryId?: string; repositoryName?: string }): Promise<Map<string, string[]>> {
  const res = await ask('DescribeImages', { registryId: input.registryId, repositoryName: input.repositoryName });
  return new Map(((res.imageDetails ?? []) as any[]).map(d => [d.imageDigest as string, (d.imageTags ?? []) as string[]]));
}

/** Why ECR would refuse this PutImage for tag immutability, or undefined. */
interface PutImageInput {
  readonly registryId?: string;
  readonly repositoryName?: string;
  readonly imageTag?: string;
  readonly imageDigest?: string;
  readonly imageManifest?: string;
}

async function immutabilityRefusal(ask: Ask, input: PutImageInput): Promise<string | undefined> {
  if (!input.imageTag) {
    return undefined;
  }
  const repos = await ask('DescribeRepositories', { registryId: input.registryId, repositoryNames: [input.repositoryName] });
  const repo = repos.repositories?.[0];
  if (!repo) {
    return undefined; // the target answers RepositoryNotFoundException
  }
  const mutability: string = repo.imageTagMutability ?? 'MUTABLE';
  const filters: Array<{ filter: string }> = repo.imageTagMutabilityExclusionFilters ?? [];
  const immutable = mutability === 'IMMUTABLE'
    || (mutability === 'IMMUTABLE_WITH_EXCLUSION' && !filters.some(f => exclusionFilterMatches(f.filter, input.imageTag!)))
    || (mutability === 'MUTABLE_WITH_EXCLUSION' && filters.some(f => exclusionFilterMatches(f.filter, input.imageTag!)));
  if (!immutable) {
    return undefined;
  }
  const where = await ask('DescribeImages', { registryId: input.registryId, repositoryName: input.repositoryName, imageIds: [{ imageTag: input.imageTag }] });
  const current: string | undefined = where.imageDetails?.[0]?.imageDigest;
  if (!current) {
    return undefined;
  }
  const digest = input.imageDigest ?? `sha256:${createHash('sha256').update(input.imageManifest ?? '').digest('hex')}`;
  if (current === digest) {
    return undefined; // the same tag on the same image: the target answers ImageAlreadyExistsException
  }
  return `The image tag '${input.imageTag}' already exists in the '${input.repositoryName}' repository and cannot be overwritten because the tag is immutable.`;
}

export interface FullAcceptQueue {
  /** http://127.0.0.1:PORT of a listener that never accepts a connection. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A TCP listener with a backlog of 1 whose thread never runs its accept loop (a worker thread
 * blocked in Atomics.wait), with its accept queue filled by a few idle connections: the kernel
 * then drops new SYNs, so a client's connect neither succeeds nor fails until its own timeout.
 */
export async function fullAcceptQueue(): Promise<FullAcceptQueue> {
  const worker = new Worker(`
    const { parentPort } = require('worker_threads');
    const net = require('net');
    const srv = net.createServer();
    srv.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      parentPort.postMessage(srv.address().port);
      // Block this thread: the listener's connections are never accepted.
      setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000), 50);
    });
  `, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await new Promise(r => setTimeout(r, 150)); // let the worker block
  // Fill the accept queue: these complete the handshake in the kernel; later SYNs are dropped.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
  }
  await new Promise(r => setTimeout(r, 200));
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      fillers.forEach(s => s.destroy());
      await worker.terminate();
    },
  };
}
