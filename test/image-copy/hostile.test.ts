/**
 * Registries that lie or misbehave (a small server here), and the fault proxy between the copy
 * and moto's ECR: the copy either completes with the right digest or fails clearly, with no tag.
 */
import { createHash, randomBytes } from 'crypto';
import * as http from 'http';
import * as net from 'net';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { main } from '../../src/cli/main';
import { copyImage, OciRegistry, parseReference } from '../../src/image-copy';
import { resolvePolicy } from '../../src/runtime';
import { FaultProxy, PASS, RESET, SERVER_ERROR, startFaultProxy, THROTTLE } from '../helpers/fault-proxy';
import { MotoServer, startMoto } from '../helpers/moto';
import { LocalRegistry, startRegistry } from '../helpers/oci';

jest.setTimeout(60_000);

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Blob { bytes: Buffer; digest: string }
function blob(bytes: Buffer): Blob {
  return { bytes, digest: sha(bytes) };
}

const layer = blob(randomBytes(3 * 1024 * 1024 + 17));
const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.bytes.length },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.bytes.length }],
}));
const manifestDigest = sha(manifest);

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | void;

interface Hostile { host: string; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }

/** A registry serving `manifest` at app:v1, with `route` answering first (true: handled). */
async function hostile(route: Route = () => false, bind = '127.0.0.1'): Promise<Hostile> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (route(req, res)) {
      return;
    }
    const url = req.url ?? '';
    if (url === '/v2/') {
      res.end('{}');
    } else if (url === '/v2/app/manifests/v1' || url === `/v2/app/manifests/${manifestDigest}`) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': manifest.length });
      res.end(req.method === 'HEAD' ? undefined : manifest);
    } else if (url === `/v2/app/blobs/${config.digest}`) {
      res.end(config.bytes);
    } else if (url === `/v2/app/blobs/${layer.digest}`) {
      res.end(layer.bytes);
    } else {
      res.writeHead(404).end('{"errors":[{"code":"NOT_FOUND","message":"unknown"}]}');
    }
    return;
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>(r => server.listen(0, bind, () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `${bind}:${port}`,
    seen,
    close: () => new Promise(r => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(['copy', ...args], {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: { HOME: '/nonexistent', ...env },
    runtime: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20 },
  });
  return { code, stdout, stderr };
}

// A fresh destination per test: go-containerregistry's registry answers a blob HEAD for any
// repository once any repository has it, so a shared one would skip the blobs under test.
let dst: LocalRegistry;
beforeEach(async () => { dst = await startRegistry(); });
afterEach(async () => { await dst?.stop(); });

async function tagged(repo: string, tag: string): Promise<boolean> {
  const r = await fetch(`http://${dst.host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD' });
  return r.status === 200;
}

describe('hostile registries', () => {
  test('the honest server copies (the baseline the other cases break)', async () => {
    const h = await hostile();
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/honest:v1`]);
      expect(r.stderr).not.toMatch(/failed/);
      expect(r.stdout).toBe(`${manifestDigest}\n`);
    } finally {
      await h.close();
    }
  });

  test('blob bytes that do not match the digest: fails naming both digests, no tag', async () => {
    const wrong = Buffer.from(layer.bytes);
    wrong[wrong.length - 1] = 255 - wrong[wrong.length - 1];
    const h = await hostile((req, res) => {
      if (req.url === `/v2/app/blobs/${layer.digest}`) {
        res.end(wrong);
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/badblob:v1`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the source sent bytes of digest ${sha(wrong)}, not the ${layer.digest} its manifest declares`);
      expect(await tagged('badblob', 'v1')).toBe(false);
      // the held-back last chunk: the destination never got the whole (wrong) blob
      expect((await fetch(`http://${dst.host}/v2/badblob/blobs/${layer.digest}`, { method: 'HEAD' })).status).toBe(404);
    } finally {
      await h.close();
    }
  });

  test('a Content-Length that lies: fails before reading, no tag', async () => {
    const h = await hostile((req, res) => {
      if (req.url === `/v2/app/blobs/${layer.digest}`) {
        res.writeHead(200, { 'content-length': String(layer.bytes.length + 1000) });
        res.write(layer.bytes);
        setTimeout(() => res.destroy(), 200);
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/liar:v1`, '--timeout', '10s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`Content-Length ${layer.bytes.length + 1000}, its manifest declares ${layer.bytes.length} bytes`));
      expect(await tagged('liar', 'v1')).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('an oversized manifest: refused by its Content-Length, and by counting when it has none', async () => {
    for (const declare of [true, false]) {
      const h = await hostile((req, res) => {
        if (req.url === '/v2/app/manifests/big') {
          res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(declare ? { 'content-length': String(5 * 1024 * 1024) } : {}) });
          res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
          return true;
        }
        return false;
      });
      try {
        const r = await cli([`${h.host}/app:big`, `${dst.host}/big:v1`]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/manifest big is (5242880 bytes, )?more than the 4194304/);
      } finally {
        await h.close();
      }
    }
  });

  test('an index of 10,000 entries is refused', async () => {
    const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: Array(10_000).fill(entry) }));
    const h = await hostile((req, res) => {
      if (req.url === '/v2/app/manifests/huge') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        res.end(index);
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:huge`, `${dst.host}/huge:v1`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is an index of 10000 entries, more than the 1024 this copy reads/);
      // nothing past the index was fetched
      expect(h.seen.length).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('a redirect loop ends after 5 redirects', async () => {
    const h = await hostile((req, res) => {
      if (req.url?.startsWith('/v2/app/blobs/')) {
        res.writeHead(302, { location: req.url }).end();
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/loop:v1`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/was redirected more than 5 times/);
      expect(await tagged('loop', 'v1')).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('token auth; a redirect to another host gets no Authorization header', async () => {
    const other = await hostile(undefined, '127.0.0.1');
    const tokens: string[] = [];
    const h = await hostile((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        tokens.push(url.searchParams.get('scope') ?? '');
        res.end(JSON.stringify({ token: 'tok-123' }));
        return true;
      }
      if (req.headers.authorization !== 'Bearer tok-123') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="hostile"` }).end();
        return true;
      }
      if (url.pathname === `/v2/app/blobs/${layer.digest}`) {
        // to another origin (other port): the blob is served there
        res.writeHead(307, { location: `http://${other.host.replace('127.0.0.1', 'localhost')}/v2/app/blobs/${layer.digest}` }).end();
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/redirected:v1`]);
      expect(r.stderr).not.toMatch(/failed/);
      expect(r.stdout).toBe(`${manifestDigest}\n`);
      expect(tokens).toEqual(['repository:app:pull']);
      expect(other.seen.length).toBeGreaterThan(0);
      expect(other.seen.every(headers => headers.authorization === undefined)).toBe(true);
      expect(r.stderr).not.toContain('tok-123');
    } finally {
      await Promise.all([h.close(), other.close()]);
    }
  });

  test('a token realm over plain HTTP for an HTTPS registry is refused before any credential is sent', async () => {
    const realmHits: string[] = [];
    const realm = await hostile(req => { realmHits.push(req.url ?? ''); return false; });
    // The registry is HTTPS (a non-loopback host); its challenge names a plain-HTTP realm.
    const ref = parseReference('registry.example.test/app:v1');
    const reg = new OciRegistry({
      ref,
      push: false,
      insecure: [],
      credentials: { username: 'u', password: 'p' },
      policy: resolvePolicy({ deadline: Date.now() + 5000 }),
    });
    const authenticate = (reg as any).authenticate.bind(reg);
    await expect(authenticate({ scheme: 'bearer', params: { realm: `http://${realm.host}/token` } }))
      .rejects.toThrow(/token realm http:\/\/127\.0\.0\.1:\d+\/token is not HTTPS/);
    expect(realmHits).toEqual([]);
    await realm.close();
  });

  test('a source that hangs mid-blob: the blob is fetched again and the copy completes', async () => {
    let hung = 0;
    const h = await hostile((req, res) => {
      if (req.url === `/v2/app/blobs/${layer.digest}` && hung === 0) {
        hung++;
        res.writeHead(200, { 'content-length': String(layer.bytes.length) });
        res.write(layer.bytes.subarray(0, 1024 * 1024));
        return true; // never finishes
      }
      return false;
    });
    try {
      const started = Date.now();
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/hang:v1`, '--request-timeout', '500ms']);
      expect(r.stderr).toMatch(/went quiet for 0\.5 s; trying again/);
      expect(r.stdout).toBe(`${manifestDigest}\n`);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await h.close();
    }
  });

  test('a blob that ends in a failure not worth repeating after retries: the message counts every attempt', async () => {
    // Two sends cut short (tried again), then bytes of the wrong digest (final): the error is the
    // last one's, with the true number of attempts, whatever kind of failure ended it.
    let sent = 0;
    const h = await hostile((req, res) => {
      if (req.url === `/v2/app/blobs/${layer.digest}`) {
        sent++;
        res.writeHead(200, { 'content-length': String(layer.bytes.length) });
        if (sent <= 2) {
          res.write(layer.bytes.subarray(0, 1024));
          setTimeout(() => res.destroy(), 50); // after the headers and the first bytes arrived
        } else {
          res.end(Buffer.alloc(layer.bytes.length, 7));
        }
        return true;
      }
      return false;
    });
    try {
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/counted:v1`, '--timeout', '20s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not the sha256:[0-9a-f]{64} its manifest declares \(3 attempts over [0-9.]+ s\)/);
      expect(sent).toBe(3);
      expect(await tagged('counted', 'v1')).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('a source that always hangs mid-blob fails by the --timeout, no tag', async () => {
    const h = await hostile((req, res) => {
      if (req.url === `/v2/app/blobs/${layer.digest}`) {
        res.writeHead(200, { 'content-length': String(layer.bytes.length) });
        res.write(layer.bytes.subarray(0, 1024));
        return true;
      }
      return false;
    });
    try {
      const started = Date.now();
      const r = await cli([`${h.host}/app:v1`, `${dst.host}/hang2:v1`, '--request-timeout', '300ms', '--timeout', '2s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/attempts over/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await tagged('hang2', 'v1')).toBe(false);
    } finally {
      await h.close();
    }
  });
});

describe('fault proxy between the copy and ECR (moto)', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let ecr: ECRClient;
  let source: Hostile;
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    moto = await startMoto();
    proxy = await startFaultProxy({ target: moto.endpoint, plan: () => PASS });
    ecr = new ECRClient(moto.clientConfig);
    source = await hostile();
  });
  afterAll(async () => {
    ecr?.destroy();
    await Promise.all([proxy?.close(), moto?.stop(), source?.close()]);
    process.env = saved;
  });

  const dest = (repo: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/${repo}:v1`;
  const env = () => ({ AWS_ENDPOINT_URL_ECR: proxy.url, AWS_REGION: 'us-east-1' });
  async function tagIn(repo: string): Promise<string | undefined> {
    const out = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }));
    return out.images?.[0]?.imageId?.imageDigest;
  }

  test.each([
    ['throttled', THROTTLE],
    ['HTTP 500', SERVER_ERROR],
  ])('UploadLayerPart %s three times: retried, the copy completes with the right digest', async (name, fault) => {
    const repo = `faults/${name.replace(/\W/g, '').toLowerCase()}`;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    let failed = 0;
    proxy.setPlan(c => (c.target?.endsWith('.UploadLayerPart') && failed++ < 3 ? fault : PASS));
    const r = await cli([`${source.host}/app:v1`, dest(repo)], env());
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.stdout).toBe(`${manifestDigest}\n`);
    expect(failed).toBeGreaterThanOrEqual(3);
    expect(await tagIn(repo)).toBe(manifestDigest);
  });

  test('UploadLayerPart throttled until the deadline: fails naming the call and attempts, no tag', async () => {
    const repo = 'faults/always';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    proxy.setPlan(c => (c.target?.endsWith('.UploadLayerPart') ? THROTTLE : PASS));
    const r = await cli([`${source.host}/app:v1`, dest(repo), '--timeout', '2s'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ECR UploadLayerPart was throttled on every request/);
    expect(await tagIn(repo)).toBeUndefined();
  });

  test('a reset during PutImage: PutImage is sent again and the tag names the right digest', async () => {
    const repo = 'faults/reset';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    let resets = 0;
    proxy.setPlan(c => (c.target?.endsWith('.PutImage') && resets++ < 1 ? RESET : PASS));
    const r = await cli([`${source.host}/app:v1`, dest(repo)], env());
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.stdout).toBe(`${manifestDigest}\n`);
    expect(proxy.count('PutImage')).toBe(2);
    expect(await tagIn(repo)).toBe(manifestDigest);
  });

  test('PutImage reset on every attempt: fails clearly, no tag', async () => {
    const repo = 'faults/resetall';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    proxy.setPlan(c => (c.target?.endsWith('.PutImage') ? RESET : PASS));
    const r = await cli([`${source.host}/app:v1`, dest(repo), '--timeout', '2s'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ECR PutImage lost the connection/);
    expect(await tagIn(repo)).toBeUndefined();
  });
});

test('copyImage is the same engine the command runs (a direct call)', async () => {
  const h = await hostile();
  try {
    const policy = resolvePolicy({ deadline: Date.now() + 10_000 });
    const source = new OciRegistry({ ref: parseReference(`${h.host}/app:v1`), push: false, insecure: [], policy });
    const destination = new OciRegistry({ ref: parseReference(`${dst.host}/direct`), push: true, insecure: [], policy });
    const r = await copyImage({ source, sourceReference: 'v1', destination, tag: 'v1', policy });
    expect(r).toEqual({ digest: manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json', platforms: ['linux/amd64'], blobsCopied: 2, blobsSkipped: 0, bytesCopied: layer.bytes.length + config.bytes.length, manifests: 1, referrersCopied: 0 });
  } finally {
    await h.close();
  }
});
