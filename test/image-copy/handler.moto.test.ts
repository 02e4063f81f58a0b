/**
 * The ImageCopy handler against real registries: go-containerregistry's registry and the CNCF
 * distribution registry with basic auth as sources, moto's ECR (layer upload calls,
 * BatchCheckLayerAvailability, PutImage, BatchDeleteImage) as the destination, and moto's Secrets
 * Manager for the source's credentials. Fixtures built offline with crane.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createHandler, handleEvent } from '../../src/image-copy/image-copy.lambda';
import { parseProperties, runCopy } from '../../src/image-copy/private/copy-event';
import { createEcrClient, resolvePolicy } from '../../src/runtime';
import { MotoServer, startMoto } from '../helpers/moto';
import {
  attachReferrer, crane, LocalRegistry, makeLayer, pushImage, pushIndex, referrerManifest, startBasicAuthRegistry, startRegistry,
} from '../helpers/oci';

jest.setTimeout(120_000);

const ACCOUNT = '123456789012';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const POLICY = { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 };

let moto: MotoServer;
let ecr: ECRClient;
let sm: SecretsManagerClient;
let src: LocalRegistry;
let auth: LocalRegistry;
let dir: string;
let single: string;
let amd: string;
let arm: string;
let index: string;
const saved = { ...process.env };
let logs: string[] = [];

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
  [moto, src, auth] = await Promise.all([startMoto(), startRegistry(), startBasicAuthRegistry('ci', 's3cret-pa55')]);
  ecr = new ECRClient(moto.clientConfig);
  sm = new SecretsManagerClient(moto.clientConfig);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-handler-'));
  const l1 = makeLayer(dir, 'one', 300_000, 'h-one');
  const l2 = makeLayer(dir, 'two', 1_500_000, 'h-two');
  single = await pushImage(`${src.host}/app:single`, [l1, l2], 'linux/amd64');
  amd = await pushImage(`${src.host}/multi:amd64`, [l1], 'linux/amd64');
  arm = await pushImage(`${src.host}/multi:arm64`, [l2], 'linux/arm64');
  index = await pushIndex(`${src.host}/multi:all`, [`${src.host}/multi@${amd}`, `${src.host}/multi@${arm}`]);
  await crane(['copy', `${src.host}/app:single`, `${auth.host}/private/app:v1`], { DOCKER_CONFIG: writeDockerConfig(auth.host) });
});

function writeDockerConfig(host: string): string {
  const config = path.join(dir, 'docker');
  fs.mkdirSync(config, { recursive: true });
  fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('ci:s3cret-pa55').toString('base64') } } }));
  return config;
}

afterAll(async () => {
  ecr?.destroy();
  sm?.destroy();
  await Promise.all([moto?.stop(), src?.stop(), auth?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

let spy: jest.SpyInstance[] = [];
beforeEach(() => {
  logs = [];
  spy = [
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); }),
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); }),
  ];
});
afterEach(() => spy.forEach(s => s.mockRestore()));

let repoCount = 0;
async function newRepo(mutability: 'IMMUTABLE' | 'MUTABLE' = 'IMMUTABLE'): Promise<string> {
  const name = `governed/app${repoCount++}`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: mutability }));
  return name;
}

const options = () => ({ policy: POLICY, ecrEndpoint: moto.endpoint, secretsEndpoint: moto.endpoint });

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, unknown>, physical?: string): any {
  return {
    RequestType: type,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/1',
    RequestId: 'r1',
    LogicalResourceId: 'Copy',
    ResourceType: 'Custom::EcrImageCopy',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=1',
    ...(physical ? { PhysicalResourceId: physical } : {}),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f', ServiceTimeout: '960', ...props },
  };
}

async function digestOfTag(repo: string, tag: string): Promise<string | undefined> {
  const got = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: tag }] }));
  return got.images?.[0]?.imageId?.imageDigest;
}

const env = () => {
  const deadline = Date.now() + 60_000;
  return {
    policy: resolvePolicy({ ...POLICY, deadline }),
    ecrClient: (region: string) => createEcrClient({ ...POLICY, region, deadline, endpoint: moto.endpoint }),
    secretsClient: () => sm,
    log: (l: string) => logs.push(l),
  };
};

describe('Create and Update', () => {
  test('a single-platform image by tag: the source digest, its tags; an Update copies 0 bytes', async () => {
    const repo = await newRepo();
    const props = { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}`, Tags: ['v1', 'stable'] };
    const res = await handleEvent(event('Create', props), Date.now() + 60_000, options());
    expect(res).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `${HOST}/${repo}@${single}`,
      Data: { Digest: single, MediaType: 'application/vnd.oci.image.manifest.v1+json', Platforms: 'linux/amd64' },
    });
    expect(await digestOfTag(repo, 'v1')).toBe(single);
    expect(await digestOfTag(repo, 'stable')).toBe(single);
    // Again (an Update with the same source, or a retried Create): nothing uploaded, tags already there.
    const again = await runCopy(parseProperties(props), env());
    expect(again).toMatchObject({ digest: single, blobsCopied: 0, bytesCopied: 0, tagsWritten: [] });
  });

  test('one platform of an index: that platform\'s manifest digest; the whole index by default', async () => {
    const repo = await newRepo();
    const one = await handleEvent(event('Create', { Source: `${src.host}/multi:all`, Destination: `${HOST}/${repo}`, Platforms: ['linux/arm64'] }), Date.now() + 60_000, options());
    expect(one).toMatchObject({ Status: 'SUCCESS', Data: { Digest: arm, Platforms: 'linux/arm64' } });
    const all = await handleEvent(event('Update', { Source: `${src.host}/multi@${index}`, Destination: `${HOST}/${repo}` }, one.PhysicalResourceId), Date.now() + 60_000, options());
    expect(all).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${HOST}/${repo}@${index}`, Data: { Digest: index, Platforms: 'linux/amd64,linux/arm64' } });
  });

  test.each([
    ['JSON', JSON.stringify({ username: 'ci', password: 's3cret-pa55' })],
    ['username:password', 'ci:s3cret-pa55'],
  ])('a registry with basic auth, credentials from a secret (%s); the password is in no log line and no answer', async (_, value) => {
    const repo = await newRepo();
    const secret = await sm.send(new CreateSecretCommand({ Name: `registry-${repoCount}`, SecretString: value }));
    const res = await handleEvent(event('Create', {
      Source: `${auth.host}/private/app:v1`, SourceSecretArn: secret.ARN, Destination: `${HOST}/${repo}`, Tags: ['v1'],
    }), Date.now() + 60_000, options());
    expect(res).toMatchObject({ Status: 'SUCCESS', Data: { Digest: single } });
    const all = JSON.stringify(res) + logs.join('\n');
    expect(all).not.toContain('s3cret');
    expect(all).not.toContain(Buffer.from('ci:s3cret-pa55').toString('base64'));
  });

  test('a secret that holds neither form fails without showing it; no secret: the registry asks for credentials', async () => {
    const repo = await newRepo();
    const secret = await sm.send(new CreateSecretCommand({ Name: 'broken', SecretString: 'just-a-t0ken-value' }));
    const res = await handleEvent(event('Create', { Source: `${auth.host}/private/app:v1`, SourceSecretArn: secret.ARN, Destination: `${HOST}/${repo}` }), Date.now() + 60_000, options());
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toMatch(/holds neither username:password nor JSON/);
    expect(JSON.stringify(res) + logs.join('\n')).not.toContain('just-a-t0ken-value');
    const anonymous = await handleEvent(event('Create', { Source: `${auth.host}/private/app:v1`, Destination: `${HOST}/${repo}` }), Date.now() + 60_000, options());
    expect(anonymous).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'ecr-image-copy-Copy' });
    expect(anonymous.Reason).toMatch(/asks for a user name and password/);
  });

  test('too large for one invocation: fails before any blob is sent, with the size and the copy command; no tag', async () => {
    const repo = await newRepo();
    const res = await handleEvent(event('Create', { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}`, Tags: ['v1'] }), Date.now() + 60_000, { ...options(), maxBytes: 1_000_000 });
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toMatch(/3 blob\(s\) of 1\.7 MiB to copy, more than the 976\.6 KiB|3 blob\(s\) of 1\.7 MiB to copy, more than the 1000000 B/);
    expect(res.Reason).toContain(`npx cdk-ecr-registry copy ${src.host}/app:single ${HOST}/${repo}:<tag>`);
    expect(await digestOfTag(repo, 'v1')).toBeUndefined();
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: single }] }));
    expect(got.images ?? []).toEqual([]);
  });

  test('a tag that names another image (IMMUTABLE): FAILED, and the tags this copy wrote are removed', async () => {
    const repo = await newRepo();
    const res = await handleEvent(event('Create', { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}`, Tags: ['fresh', 'taken'] }), Date.now() + 60_000, {
      ...options(),
      ecrClient: (region, policy) => {
        const c = createEcrClient({ ...policy, region, endpoint: moto.endpoint });
        // moto 5.2.5 moves a tag of an IMMUTABLE repository to the new image; ECR refuses with
        // ImageTagAlreadyExistsException, which this stand-in answers for the tag `taken`.
        c.middlewareStack.add(next => async (args: any) => {
          if (args.input?.imageManifest !== undefined && args.input.imageTag === 'taken') {
            throw Object.assign(new Error('The image tag \'taken\' already exists'), { name: 'ImageTagAlreadyExistsException', $metadata: { httpStatusCode: 400 } });
          }
          return next(args);
        }, { step: 'initialize', name: 'immutableTagStandIn' });
        return c;
      },
    });
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toMatch(/tag taken already names another image and the repository's tags are immutable/);
    expect(await digestOfTag(repo, 'fresh')).toBeUndefined();
    expect(await digestOfTag(repo, 'taken')).toBeUndefined();
  });

  test('Referrers: the image\'s SBOM into ECR by digest, before the tags; the manifest keeps its subject', async () => {
    const repo = await newRepo();
    const image = await pushImage(`${src.host}/signed:v1`, [makeLayer(dir, 'signed', 20_000, 'h-signed')], 'linux/amd64');
    const imageBytes = Buffer.from(await crane(['manifest', `${src.host}/signed@${image}`]));
    const content = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
    const sbom = await attachReferrer(src.host, 'signed', referrerManifest('application/spdx+json', content,
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image, size: imageBytes.length }), content);
    const without = await handleEvent(event('Create', { Source: `${src.host}/signed:v1`, Destination: `${HOST}/${repo}` }), Date.now() + 60_000, options());
    expect(without.Status).toBe('SUCCESS');
    const none = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: sbom }] }));
    expect(none.images ?? []).toHaveLength(0);
    const res = await handleEvent(event('Update', { Source: `${src.host}/signed:v1`, Destination: `${HOST}/${repo}`, Tags: ['v1'], Referrers: 'true' }),
      Date.now() + 60_000, options());
    expect(res).toMatchObject({ Status: 'SUCCESS', Data: { Digest: image } });
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: sbom }] }));
    expect(JSON.parse(got.images![0].imageManifest!).subject.digest).toBe(image);
    expect(await digestOfTag(repo, 'v1')).toBe(image);
    expect(logs.join('\n')).toContain(`copied referrer ${sbom} (application/spdx+json) of ${image}`);
  });

  test('invalid properties fail before any call, naming the property', async () => {
    for (const [props, why] of [
      [{ Source: `${src.host}/app`, Destination: `${HOST}/x` }, /names no tag and no digest/],
      [{ Source: `${src.host}/app:v1`, Destination: 'ghcr.io/x/y' }, /Destination .* must be an ECR repository/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, Tags: ['-x'] }, /tag "-x" is not an image tag/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, Bogus: '1' }, /unknown properties "Bogus"/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, RemoveTagsOnDelete: 'yes' }, /RemoveTagsOnDelete must be "true"/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, Referrers: 'yes' }, /Referrers must be "true" or absent/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, Attestations: 'true' }, /Attestations is only for a copy of named Platforms/],
      [{ Source: `${src.host}/app:v1`, Destination: `${HOST}/x`, SourceSecretArn: 'arn:aws:s3:::b' }, /not a Secrets Manager secret ARN/],
    ] as const) {
      const res = await handleEvent(event('Create', props as any), Date.now() + 60_000, options());
      expect(res.Status).toBe('FAILED');
      expect(res.Reason).toMatch(why);
    }
  });
});

describe('an ECR source', () => {
  test('read through BatchGetImage and GetDownloadUrlForLayer into another repository', async () => {
    const from = await newRepo();
    const to = await newRepo();
    expect((await handleEvent(event('Create', { Source: `${src.host}/app:single`, Destination: `${HOST}/${from}`, Tags: ['v1'] }), Date.now() + 60_000, options())).Status).toBe('SUCCESS');
    const urls: string[] = [];
    const res = await handleEvent(event('Create', { Source: `${HOST}/${from}:v1`, Destination: `${HOST}/${to}`, Tags: ['copied'] }), Date.now() + 60_000, {
      ...options(),
      ecrClient: (region, policy) => {
        const c = createEcrClient({ ...policy, region, endpoint: moto.endpoint });
        // moto 5.2.5 has no GetDownloadUrlForLayer: a stand-in answers with the blob's URL on the
        // local registry that holds the same blobs (ECR answers a pre-signed S3 URL there).
        c.middlewareStack.add((next, context) => async (args: any) => {
          if (context.commandName === 'GetDownloadUrlForLayerCommand') {
            expect(args.input.repositoryName).toBe(from);
            const url = `http://${src.host}/v2/app/blobs/${args.input.layerDigest}`;
            urls.push(url);
            return { output: { downloadUrl: url, layerDigest: args.input.layerDigest, $metadata: {} }, response: {} } as any;
          }
          return next(args);
        }, { step: 'initialize', name: 'fakeGetDownloadUrlForLayer' });
        return c;
      },
    });
    expect(res).toMatchObject({ Status: 'SUCCESS', Data: { Digest: single } });
    expect(await digestOfTag(to, 'copied')).toBe(single);
    expect(urls.length).toBeGreaterThanOrEqual(1);
  });
});

describe('Delete', () => {
  test('with RemoveTagsOnDelete: the tags still naming the copy go; a tag moved to another image stays', async () => {
    const repo = await newRepo('MUTABLE');
    const props = { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}`, Tags: ['a', 'b'], RemoveTagsOnDelete: 'true' };
    const created = await handleEvent(event('Create', props), Date.now() + 60_000, options());
    expect(created.Status).toBe('SUCCESS');
    // Another copy moves `b`.
    expect((await handleEvent(event('Create', { Source: `${src.host}/multi:amd64`, Destination: `${HOST}/${repo}`, Tags: ['b'] }), Date.now() + 60_000, options())).Status).toBe('SUCCESS');
    const deleted = await handleEvent(event('Delete', props, created.PhysicalResourceId), Date.now() + 60_000, options());
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: created.PhysicalResourceId });
    expect(await digestOfTag(repo, 'a')).toBeUndefined();
    expect(await digestOfTag(repo, 'b')).toBe(amd);
  });

  test('without it the image and tags stay; a failed Create\'s physical id or invalid properties touch nothing', async () => {
    const repo = await newRepo();
    const props = { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}`, Tags: ['kept'] };
    const created = await handleEvent(event('Create', props), Date.now() + 60_000, options());
    expect((await handleEvent(event('Delete', props, created.PhysicalResourceId), Date.now() + 60_000, options())).Status).toBe('SUCCESS');
    expect(await digestOfTag(repo, 'kept')).toBe(single);
    const withRemoval = { ...props, RemoveTagsOnDelete: 'true' };
    expect((await handleEvent(event('Delete', withRemoval, 'ecr-image-copy-Copy'), Date.now() + 60_000, options())).Status).toBe('SUCCESS');
    expect((await handleEvent(event('Delete', { Source: 1 }, created.PhysicalResourceId), Date.now() + 60_000, options())).Status).toBe('SUCCESS');
    expect(await digestOfTag(repo, 'kept')).toBe(single);
  });
});

describe('the Lambda entry point', () => {
  test('answers the ResponseURL with the digest; a refused ResponseURL gets no call and no answer', async () => {
    const repo = await newRepo();
    const bodies: any[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => { body += c; });
      req.on('end', () => { bodies.push(JSON.parse(body)); res.end(); });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    try {
      const handler = createHandler({ ...options(), allowResponseUrl: u => u.hostname === '127.0.0.1' });
      const e = { ...event('Create', { Source: `${src.host}/app:single`, Destination: `${HOST}/${repo}` }), ResponseURL: `http://127.0.0.1:${port}/r?X-Amz-Signature=s3cret-url` };
      await handler(e, { getRemainingTimeInMillis: () => 120_000, logGroupName: '/aws/lambda/copy' });
      expect(bodies).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: expect.objectContaining({ Digest: single }), LogicalResourceId: 'Copy' })]);
      expect(logs.join('\n')).not.toContain('s3cret-url');
      await createHandler(options())({ ...e, ResponseURL: `http://127.0.0.1:${port}/r` }, { getRemainingTimeInMillis: () => 120_000 });
      expect(bodies).toHaveLength(1);
      expect(logs.join('\n')).toMatch(/refused the request/);
    } finally {
      server.close();
    }
  });
});
