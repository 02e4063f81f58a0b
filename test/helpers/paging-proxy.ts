/**
 * An HTTP proxy on 127.0.0.1 between the SDK and moto that pages like ECR and counts calls.
 *
 * moto 5.2 answers DescribeRepositories and DescribeImages with every item at once and never a
 * `nextToken`. This proxy asks moto for the whole list, then answers one page of it: `maxResults`
 * items (ECR's default when it is not given, ECR's InvalidParameterException above ECR's maximum)
 * with an opaque `nextToken` while items remain. Every other call is forwarded as it is. Every call
 * is counted by action (the `x-amz-target` operation, or the `Action` of a query-protocol call
 * such as STS AssumeRole).
 *
 * Not the fault-injecting proxy (test/helpers/fault-proxy.ts): this one changes what moto
 * answers to what ECR would answer.
 */
import * as http from 'http';
import * as net from 'net';

/** ECR's page sizes: the default when `maxResults` is not given, and the largest allowed. */
export const ECR_PAGING: Readonly<Record<string, { readonly listKey: string; readonly defaultSize: number; readonly maxSize: number }>> = {
  DescribeRepositories: { listKey: 'repositories', defaultSize: 100, maxSize: 1000 },
  DescribeImages: { listKey: 'imageDetails', defaultSize: 100, maxSize: 1000 },
};

export interface PagingProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Calls by action since the start or the last `resetCounts()`. */
  readonly counts: Readonly<Record<string, number>>;
  /** Calls of one action (all calls without an argument). */
  count(action?: string): number;
  resetCounts(): void;
  /**
   * Answer at most `n` items a page whatever `maxResults` asks (ECR may return fewer than asked),
   * to page a small registry; `undefined` restores ECR's sizes.
   */
  setPageLimit(n: number | undefined): void;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(target: URL, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'host': target.host, 'content-length': String(body.length) };
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

function actionOf(req: http.IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    return target.split('.').pop() ?? target;
  }
  const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'));
  return action ? decodeURIComponent(action[1]) : `${req.method} ${req.url}`;
}

/** Start a paging proxy in front of `target` (moto's endpoint). */
export async function startPagingProxy(target: string): Promise<PagingProxy> {
  const targetUrl = new URL(target);
  let counts: Record<string, number> = {};
  let pageLimit: number | undefined;
  const sockets = new Set<net.Socket>();

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const action = actionOf(req, body);
      counts[action] = (counts[action] ?? 0) + 1;
      const paging = ECR_PAGING[action];
      if (!paging) {
        const answer = await forward(targetUrl, req, body);
        res.writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': String(answer.body.length) });
        res.end(answer.body);
        return;
      }
      const input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      const size = input.maxResults ?? paging.defaultSize;
      if (!Number.isInteger(size) || size < 1 || size > paging.maxSize) {
        const error = JSON.stringify({ __type: 'InvalidParameterException', message: `maxResults must be between 1 and ${paging.maxSize}` });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(Buffer.byteLength(error)) });
        res.end(error);
        return;
      }
      const pageSize = Math.min(size, pageLimit ?? size);
      const offset = input.nextToken !== undefined ? Number(Buffer.from(String(input.nextToken), 'base64').toString('utf8').replace(/^offset:/, '')) : 0;
      const { maxResults: _m, nextToken: _n, ...rest } = input;
      const answer = await forward(targetUrl, req, Buffer.from(JSON.stringify(rest)));
      if (answer.status !== 200) {
        res.writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': String(answer.body.length) });
        res.end(answer.body);
        return;
      }
      const all = JSON.parse(answer.body.toString('utf8'));
      const list: unknown[] = all[paging.listKey] ?? [];
      const page: Record<string, unknown> = { ...all, [paging.listKey]: list.slice(offset, offset + pageSize) };
      delete page.nextToken;
      if (offset + pageSize < list.length) {
        page.nextToken = Buffer.from(`offset:${offset + pageSize}`).toString('base64');
      }
      const out = JSON.stringify(page);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(Buffer.byteLength(out)) });
      res.end(out);
    })().catch(e => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`paging proxy: ${(e as Error).message}`);
    });
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return { ...counts };
    },
    count: (a?: string) => (a === undefined ? Object.values(counts).reduce((x, y) => x + y, 0) : counts[a] ?? 0),
    resetCounts: () => {
      counts = {};
    },
    setPageLimit: (n: number | undefined) => {
      pageLimit = n;
    },
    close: () => new Promise<void>(resolve => {
      for (const s of sockets) {
        s.destroy();
      }
      server.close(() => resolve());
    }),
  };
}
