/**
 * Referrers of an ECR source (`copy --referrers` from ECR): listed through the registry endpoint's
 * OCI 1.1 referrers API with a GetAuthorizationToken token, merged with the `sha256-<hex>` tag
 * schema read through BatchGetImage.
 *
 * moto in server mode (the real SDK over real HTTP) answers GetAuthorizationToken, BatchGetImage
 * and PutImage. moto has no registry endpoint (`/v2/...`), so a small HTTP server of this test
 * stands in for `https://<account>.dkr.ecr.<region>.amazonaws.com`: it serves
 * `/v2/<repo>/referrers/<digest>` as each test needs and records the headers it received. moto has
 * no GetDownloadUrlForLayer either: a middleware answers with the blob's URL on the local
 * go-containerregistry registry that holds the same blobs (as handler.moto.test.ts does). The
 * destination is another go-containerregistry registry (no referrers API: the copy writes the
 * referrers tag schema there, which the tests read back).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { main } from '../../src/cli/main';
import { copyReference, EcrRepository, OciRegistry, parseReference } from '../../src/image-copy';
import { registryEndpointUrl } from '../../src/image-copy/ecr';
import { handleEvent } from '../../src/image-copy/image-copy.lambda';
import { MAX_MANIFEST_BYTES } from '../../src/image-copy/manifest';
import { createEcrClient, resolvePolicy } from '../../src/runtime';
import { MotoServer, startMoto } from '../helpers/moto';
import {
  attachReferrer, LocalRegistry, makeLayer, OCI_INDEX, OCI_MANIFEST, pushImage, referrerManifest, registryManifest, sha, startRegistry,
} from '../helpers/oci';

jest.setTimeout(120_000);

const ACCOUNT = '123456789012';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const POLICY = { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 };

let moto: MotoServer;
let ecr: ECRClient;
let src: LocalRegistry;
let dst: LocalRegistry;
let dir: string;
let image: string;
let imageBytes: Buffer;
/** Listed only by the referrers API (as notation, cosign in OCI 1.1 mode or oras leave it in ECR). */
let sbom: { digest: string; bytes: Buffer };
/** Listed only by the sha256-<hex> tag in ECR (as an older tool writes it). */
let oldSig: { digest: string; bytes: Buffer };
/** moto's GetAuthorizationToken token, as a client of this test reads it. */
let token: string;
let tokenCalls = 0;

/** What the stand-in registry endpoint does with a referrers request. */
type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;
interface StandIn { url: string; host: string; seen: Array<{ url: string; authorization?: string }>; answer: Answer; close(): Promise<void> }

async function standIn(host = '127.0.0.1'): Promise<StandIn> {
  const s: StandIn = {
    url: '',
    host: '',
    seen: [],
    answer: (_req, res) => { res.writeHead(404); res.end(); },
    close: () => new Promise(r => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server = http.createServer((req, res) => {
    s.seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    s.answer(req, res);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  s.host = `${host}:${(server.address() as net.AddressInfo).port}`;
  s.url = `http://${s.host}`;
  return s;
}

function index(entries: object[]): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries });
}
function entryOf(r: { digest: string; bytes: Buffer }, artifactType: string) {
  return { mediaType: OCI_MANIFEST, digest: r.digest, size: r.bytes.length, artifactType };
}

/** moto's ECR client with GetDownloadUrlForLayer answered from the source registry, GetAuthorizationToken counted. */
function motoClient(): ECRClient {
  const c = createEcrClient({ ...POLICY, region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.clientConfig.credentials, deadline: Date.now() + 60_000 });
  c.middlewareStack.add((next, context) => async (args: any) => {
    if (context.commandName === 'GetAuthorizationTokenCommand') {
      tokenCalls++;
    }
    if (context.commandName === 'GetDownloadUrlForLayerCommand') {
      const downloadUrl = `http://${src.host}/v2/app/blobs/${args.input.layerDigest}`;
      return { output: { downloadUrl, layerDigest: args.input.layerDigest, $metadata: {} }, response: {} } as any;
    }
    return next(args);
  }, { step: 'initialize', name: 'fakeGetDownloadUrlForLayer' });
  return c;
}

let repoCount = 0;
/** A moto repository holding the image, the SBOM by digest only, and the old signature in the tag schema. */
async function ecrRepository(): Promise<string> {
  const name = `team/app${repoCount++}`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const put = (bytes: Buffer, mediaType: string, tag?: string) => ecr.send(new PutImageCommand({
    repositoryName: name,
    imageManifest: bytes.toString('utf8'),
    imageManifestMediaType: mediaType,
    imageDigest: sha(bytes),
    ...(tag ? { imageTag: tag } : {}),
  }));
  await put(imageBytes, OCI_MANIFEST, 'v1');
  await put(sbom.bytes, OCI_MANIFEST);
  await put(oldSig.bytes, OCI_MANIFEST);
  await put(Buffer.from(index([entryOf(oldSig, 'application/vnd.dev.cosign.artifact.sig.v1+json')])), OCI_INDEX, image.replace(':', '-'));
  return name;
}

function repository(name: string, registryEndpoint: string, deadlineMs = 20_000): EcrRepository {
  return new EcrRepository({
    ref: parseReference(`${HOST}/${name}:v1`), client: motoClient(), policy: resolvePolicy({ ...POLICY, deadline: Date.now() + deadlineMs }), registryEndpoint,
  });
}

beforeAll(async () => {
  [moto, src, dst] = await Promise.all([startMoto(), startRegistry(), startRegistry()]);
  ecr = new ECRClient(moto.clientConfig);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-referrers-'));
  image = await pushImage(`${src.host}/app:v1`, [makeLayer(dir, 'one', 50_000, 'ecr-ref')], 'linux/amd64');
  imageBytes = Buffer.from(await (await fetch(`http://${src.host}/v2/app/manifests/${image}`, { headers: { accept: OCI_MANIFEST } })).arrayBuffer());
  const subject = { mediaType: OCI_MANIFEST, digest: image, size: imageBytes.length };
  // The blobs of both referrers go to the source registry (GetDownloadUrlForLayer's stand-in reads them there).
  const sbomContent = Buffer.from('{"spdxVersion":"SPDX-2.3","name":"ecr"}');
  const sbomBytes = referrerManifest('application/spdx+json', sbomContent, subject);
  sbom = { digest: await attachReferrer(src.host, 'app', sbomBytes, sbomContent), bytes: sbomBytes };
  const sigContent = Buffer.from('an old signature');
  const sigBytes = referrerManifest('application/vnd.dev.cosign.artifact.sig.v1+json', sigContent, subject);
  oldSig = { digest: await attachReferrer(src.host, 'app', sigBytes, sigContent), bytes: sigBytes };
  const auth = await ecr.send(new GetAuthorizationTokenCommand({}));
  token = auth.authorizationData![0].authorizationToken!;
});

afterAll(async () => {
  ecr?.destroy();
  await Promise.all([moto?.stop(), src?.stop(), dst?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  tokenCalls = 0;
});

describe('copy --referrers from ECR', () => {
  test('referrers listed only by the registry endpoint\'s API are copied, with those of the tag schema; the token is GetAuthorizationToken\'s, never printed', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    endpoint.answer = (req, res) => {
      if (req.url === `/v2/${repo}/referrers/${image}`) {
        res.writeHead(200, { 'content-type': OCI_INDEX });
        res.end(index([entryOf(sbom, 'application/spdx+json')]));
      } else {
        res.writeHead(404, { 'content-type': OCI_INDEX });
        res.end(index([]));
      }
    };
    let stdout = '';
    let stderr = '';
    try {
      const code = await main(['copy', `${HOST}/${repo}:v1`, `${dst.host}/copied/app:v1`, '--referrers', '--json'], {
        stdout: t => { stdout += t; },
        stderr: t => { stderr += t; },
        env: {
          HOME: '/nonexistent',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_ENDPOINT_URL_ECR: moto.endpoint,
          CDK_ECR_REGISTRY_ENDPOINT_URL: endpoint.url,
        },
        runtime: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20 },
        ecrClient: () => motoClient(),
      });
      expect(stderr).not.toMatch(/error|failed/i);
      expect(code).toBe(0);
    } finally {
      await endpoint.close();
    }
    expect(JSON.parse(stdout.trim())).toEqual(expect.objectContaining({ digest: image, referrersCopied: 2 }));
    // The referrers API was asked, with exactly moto's token, Basic.
    expect(endpoint.seen[0]).toEqual({ url: `/v2/${repo}/referrers/${image}`, authorization: `Basic ${token}` });
    expect(Buffer.from(token, 'base64').toString()).toBe(`AWS:${ACCOUNT}-auth-token`);
    expect(endpoint.seen.every(s => s.authorization === `Basic ${token}`)).toBe(true);
    expect(tokenCalls).toBe(1);
    expect(stdout + stderr).not.toContain(token);
    // The destination (no referrers API) has both, by digest and in the referrers tag of the image.
    expect((await registryManifest(dst.host, 'copied/app', sbom.digest)).json.subject.digest).toBe(image);
    expect((await registryManifest(dst.host, 'copied/app', oldSig.digest)).status).toBe(200);
    const tagIndex = await registryManifest(dst.host, 'copied/app', image.replace(':', '-'));
    expect(tagIndex.json.manifests.map((m: any) => m.digest).sort()).toEqual([sbom.digest, oldSig.digest].sort());
  });

  test('an entry listed by both the API and the tag is taken once (the API\'s entry)', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    endpoint.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([entryOf(oldSig, 'from-the-api'), entryOf(sbom, 'application/spdx+json')]));
    };
    try {
      const got = await repository(repo, endpoint.url).referrers(image);
      expect(got.map(r => [r.descriptor.digest, r.entry.artifactType])).toEqual([[oldSig.digest, 'from-the-api'], [sbom.digest, 'application/spdx+json']]);
    } finally {
      await endpoint.close();
    }
  });

  test.each([404, 400, 405])('a registry endpoint answering %d (no referrers API) falls back to the tag schema', async status => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    endpoint.answer = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    };
    try {
      const got = await repository(repo, endpoint.url).referrers(image);
      expect(got.map(r => r.descriptor.digest)).toEqual([oldSig.digest]);
      expect(endpoint.seen).toEqual([{ url: `/v2/${repo}/referrers/${image}`, authorization: `Basic ${token}` }]);
    } finally {
      await endpoint.close();
    }
  });

  test('a redirect to another host does not carry the Authorization header', async () => {
    const repo = await ecrRepository();
    const [endpoint, elsewhere] = await Promise.all([standIn(), standIn('localhost')]);
    endpoint.answer = (req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/blob-store${req.url}` });
      res.end();
    };
    elsewhere.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([entryOf(sbom, 'application/spdx+json')]));
    };
    try {
      const got = await repository(repo, endpoint.url).referrers(image);
      expect(got.map(r => r.descriptor.digest)).toEqual([sbom.digest, oldSig.digest]);
      expect(endpoint.seen).toEqual([{ url: `/v2/${repo}/referrers/${image}`, authorization: `Basic ${token}` }]);
      expect(elsewhere.seen).toEqual([{ url: `/blob-store/v2/${repo}/referrers/${image}`, authorization: undefined }]);
    } finally {
      await Promise.all([endpoint.close(), elsewhere.close()]);
    }
  });

  test('an answer larger than MAX_MANIFEST_BYTES fails naming the limit (declared, and streamed without a length)', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    let declared = true;
    endpoint.answer = (_req, res) => {
      const body = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
      res.writeHead(200, { 'content-type': OCI_INDEX, ...(declared ? { 'content-length': String(body.length) } : {}) });
      res.end(body);
    };
    try {
      await expect(repository(repo, endpoint.url).referrers(image)).rejects.toThrow(
        `${HOST}/${repo}: referrers of ${image} is ${MAX_MANIFEST_BYTES + 1} bytes, more than the ${MAX_MANIFEST_BYTES} this copy reads`);
      declared = false;
      await expect(repository(repo, endpoint.url).referrers(image)).rejects.toThrow(
        `${HOST}/${repo}: referrers of ${image} is more than the ${MAX_MANIFEST_BYTES} bytes this copy reads`);
    } finally {
      await endpoint.close();
    }
  });

  test('5xx is tried again; a registry endpoint that keeps failing is named with the call and the attempts', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    let failures = 2;
    endpoint.answer = (_req, res) => {
      if (failures-- > 0) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([entryOf(sbom, 'application/spdx+json')]));
    };
    try {
      expect((await repository(repo, endpoint.url).referrers(image)).map(r => r.descriptor.digest)).toEqual([sbom.digest, oldSig.digest]);
      expect(endpoint.seen).toHaveLength(3);
      failures = 100;
      const err = await repository(repo, endpoint.url).referrers(image).catch(e => e);
      expect(err.message).toMatch(new RegExp(`^${HOST}/${repo}: GET referrers of ${image} \\(the registry's referrers API, http://127\\.0\\.0\\.1:\\d+/v2/${repo}/referrers/${image}\\) failed: HTTP 503 \\(UNAVAILABLE: try later\\): 3 attempts over .*; no attempt left \\(at most 3\\)$`));
      expect(err.message).not.toContain(token);
      // An error answer that echoes the Authorization header it got: the token is cut out.
      endpoint.answer = (req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        const password = Buffer.from(token, 'base64').toString().slice(4);
        res.end(JSON.stringify({ errors: [{ code: 'ECHO', message: `got ${req.headers.authorization} (${password})` }] }));
      };
      const echoed = await repository(repo, endpoint.url).referrers(image).catch(e => e);
      expect(echoed.message).toContain('ECHO: got Basic (the registry token) ((the registry token))');
      expect(echoed.message).not.toContain(token);
      expect(echoed.message).not.toContain(`${ACCOUNT}-auth-token`);
      // Cut to length by the message's limit: what is left of the token goes too.
      endpoint.answer = (_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'ECHO', message: `${'x'.repeat(140)} ${token}` }] }));
      };
      const cut = await repository(repo, endpoint.url).referrers(image).catch(e => e);
      expect(cut.message).toContain('... (the registry token)'.slice(4));
      expect(cut.message).not.toContain(token.slice(0, 12));
    } finally {
      await endpoint.close();
    }
  });

  test('429 is tried again after a backoff; an endpoint that goes silent fails within the deadline, naming the silence and the attempts', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    let throttled = 2;
    endpoint.answer = (_req, res) => {
      if (throttled-- > 0) {
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
        return;
      }
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([entryOf(sbom, 'application/spdx+json')]));
    };
    try {
      expect((await repository(repo, endpoint.url).referrers(image)).map(r => r.descriptor.digest)).toEqual([sbom.digest, oldSig.digest]);
      expect(endpoint.seen).toHaveLength(3);
      // Never answers: every attempt ends after the request timeout; the call ends, it does not hang.
      endpoint.answer = () => undefined;
      const silent = new EcrRepository({
        ref: parseReference(`${HOST}/${repo}:v1`),
        client: motoClient(),
        policy: resolvePolicy({ ...POLICY, requestTimeoutMs: 300, deadline: Date.now() + 20_000 }),
        registryEndpoint: endpoint.url,
      });
      const started = Date.now();
      const err = await silent.referrers(image).catch(e => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err.message).toMatch(new RegExp(`^${HOST}/${repo}: GET referrers of ${image} .* failed: went quiet for 0\\.3 s: 3 attempts over .*; no attempt left \\(at most 3\\)$`));
      expect(err.message).not.toContain(token);
    } finally {
      await endpoint.close();
    }
  });

  test('a 401 gets a new token once; a second 401 fails the call', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    let refusals = 1;
    endpoint.answer = (_req, res) => {
      if (refusals-- > 0) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="ecr"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([]));
    };
    try {
      const repoEndpoint = repository(repo, endpoint.url);
      expect((await repoEndpoint.referrers(image)).map(r => r.descriptor.digest)).toEqual([oldSig.digest]);
      expect(tokenCalls).toBe(2);
      expect(endpoint.seen.map(s => s.authorization)).toEqual([`Basic ${token}`, `Basic ${token}`]);
      // The token is kept for the object's life.
      await repoEndpoint.referrers(image);
      expect(tokenCalls).toBe(2);
      refusals = 2;
      await expect(repository(repo, endpoint.url).referrers(image)).rejects.toThrow(/GET referrers of .* failed: HTTP 401/);
    } finally {
      await endpoint.close();
    }
  });

  test('an API entry whose descriptor does not verify fails the copy as the OCI path does; nothing is tagged', async () => {
    const repo = await ecrRepository();
    const endpoint = await standIn();
    endpoint.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([{ ...entryOf(sbom, 'application/spdx+json'), size: sbom.bytes.length + 1 }]));
    };
    try {
      const err = await copyReference({
        source: parseReference(`${HOST}/${repo}:v1`),
        destination: parseReference(`${dst.host}/unverified/app:v1`),
        referrers: true,
        policy: resolvePolicy({ ...POLICY, deadline: Date.now() + 30_000 }),
        ecrClient: () => motoClient(),
        ecrRegistryEndpoint: endpoint.url,
      }).catch(e => e);
      expect(err).toMatchObject({ kind: 'verify' });
      expect(err.message).toBe(`manifest ${HOST}/${repo}@${sbom.digest}: ${sbom.bytes.length} bytes, its index declares ${sbom.bytes.length + 1}`);
      expect((await registryManifest(dst.host, 'unverified/app', 'v1')).status).toBe(404);

      // An entry that is no descriptor (a bad digest): the same failure as from an OCI registry's API.
      endpoint.answer = (_req, res) => {
        res.writeHead(200, { 'content-type': OCI_INDEX });
        res.end(index([{ ...entryOf(sbom, 'application/spdx+json'), digest: 'sha256:not-hex' }]));
      };
      const fromEcr = await repository(repo, endpoint.url).referrers(image).catch(e => e);
      const oci = new OciRegistry({ ref: parseReference(`${endpoint.host}/${repo}:v1`), push: false, insecure: [], policy: resolvePolicy({ ...POLICY, deadline: Date.now() + 10_000 }) });
      const fromOci = await oci.referrers(image).catch(e => e);
      expect(fromOci).toMatchObject({ kind: 'verify' });
      expect(fromEcr).toMatchObject({ kind: 'verify' });
      expect(fromEcr.message).toBe(fromOci.message.replace(`${endpoint.host}/${repo}`, `${HOST}/${repo}`));
    } finally {
      await endpoint.close();
    }
  });
});

describe('the ImageCopy handler', () => {
  test('Referrers of an ECR source: the API\'s SBOM reaches the destination repository by digest (the registryEndpoint option)', async () => {
    const repo = await ecrRepository();
    const to = `team/copy${repoCount++}`;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: to }));
    const endpoint = await standIn();
    endpoint.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': OCI_INDEX });
      res.end(index([entryOf(sbom, 'application/spdx+json')]));
    };
    const logs: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); });
    try {
      const res = await handleEvent({
        RequestType: 'Create',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/1',
        RequestId: 'r1',
        LogicalResourceId: 'Copy',
        ResourceType: 'Custom::EcrImageCopy',
        ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=1',
        ResourceProperties: {
          ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
          Source: `${HOST}/${repo}:v1`,
          Destination: `${HOST}/${to}`,
          Tags: ['v1'],
          Referrers: 'true',
        },
      }, Date.now() + 60_000, { policy: POLICY, ecrClient: () => motoClient(), registryEndpoint: endpoint.url });
      expect(res).toMatchObject({ Status: 'SUCCESS', Data: { Digest: image } });
    } finally {
      spy.mockRestore();
      await endpoint.close();
    }
    expect(endpoint.seen[0]).toEqual({ url: `/v2/${repo}/referrers/${image}`, authorization: `Basic ${token}` });
    expect(logs.join('\n')).toContain(`copied referrer ${sbom.digest} (application/spdx+json) of ${image}`);
    expect(logs.join('\n')).not.toContain(token);
    const imageIds = [{ imageDigest: sbom.digest }, { imageDigest: oldSig.digest }];
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: to, imageIds }));
    expect(got.images?.map(i => i.imageId?.imageDigest).sort()).toEqual([sbom.digest, oldSig.digest].sort());
  });
});

describe('the registry endpoint', () => {
  test('by default the reference\'s host over HTTPS; another only as https://host[:port], plain HTTP for loopback and insecure hosts', () => {
    expect(registryEndpointUrl('https://vpce-0abc.dkr.ecr.us-east-1.vpce.amazonaws.com').href).toBe('https://vpce-0abc.dkr.ecr.us-east-1.vpce.amazonaws.com/');
    expect(registryEndpointUrl('http://127.0.0.1:5000/').href).toBe('http://127.0.0.1:5000/');
    expect(registryEndpointUrl('http://mirror.internal:5000', ['mirror.internal:5000']).href).toBe('http://mirror.internal:5000/');
    expect(() => registryEndpointUrl('http://mirror.internal:5000')).toThrow(/plain HTTP; the registry token is sent over plain HTTP only to loopback hosts/);
    expect(() => registryEndpointUrl('https://user:pw@host/v2')).toThrow('registry endpoint https://host/v2 has a path, a query or credentials');
    expect(() => registryEndpointUrl('ftp://host')).toThrow(/is not HTTPS/);
    expect(() => registryEndpointUrl('host\u001b')).toThrow('registry endpoint "host\\x1b" is not an absolute URL');
  });

  test('a bad CDK_ECR_REGISTRY_ENDPOINT_URL is bad input (exit 2) before any call', async () => {
    let stderr = '';
    let calls = 0;
    const code = await main(['copy', `${HOST}/team/app:v1`, `${dst.host}/x:v1`, '--referrers'], {
      stdout: () => undefined,
      stderr: t => { stderr += t; },
      env: { HOME: '/nonexistent', AWS_REGION: 'us-east-1', CDK_ECR_REGISTRY_ENDPOINT_URL: 'http://registry.example.com' },
      ecrClient: () => { calls++; return motoClient(); },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('CDK_ECR_REGISTRY_ENDPOINT_URL: registry endpoint http://registry.example.com/ is plain HTTP');
    expect(calls).toBe(0);
  });
});
