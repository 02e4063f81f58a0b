/**
 * `cdk-ecr-registry copy` between real registries (go-containerregistry's registry, the CNCF
 * distribution registry with basic auth) and moto's ECR; fixtures built offline with crane.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { copyCli } from '../helpers/copy-cli';
import { MotoServer, startMoto } from '../helpers/moto';
import { crane, LocalRegistry, makeLayer, pushImage, pushIndex, startBasicAuthRegistry, startRegistry } from '../helpers/oci';

jest.setTimeout(120_000);

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1];
}

let src: LocalRegistry;
let dst: LocalRegistry;
let dir: string;
let single: string; // digest of src/app:single (OCI media types)
let docker: string; // digest of src/app:docker (Docker media types)
let amd: string;
let arm: string;
let index: string;

beforeAll(async () => {
  [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-fixtures-'));
  const l1 = makeLayer(dir, 'one', 300_000, 'one');
  const l2 = makeLayer(dir, 'two', 2_000_000, 'two');
  const l3 = makeLayer(dir, 'three', 50_000, 'three');
  single = await pushImage(`${src.host}/app:single`, [l1, l2], 'linux/amd64');
  docker = await pushImage(`${src.host}/app:docker`, [l1], 'linux/amd64', false);
  amd = await pushImage(`${src.host}/multi:amd64`, [l1, l3], 'linux/amd64');
  arm = await pushImage(`${src.host}/multi:arm64`, [l2, l3], 'linux/arm64');
  const att = await pushImage(`${src.host}/multi:att`, [l3], 'unknown/unknown');
  index = await pushIndex(`${src.host}/multi:all`, [`${src.host}/multi@${amd}`, `${src.host}/multi@${arm}`, `${src.host}/multi@${att}`]);
});

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('copy between OCI registries', () => {
  test('a single-platform image: digest preserved, last stdout line, tag written, repeated copy sends 0 bytes', async () => {
    const first = await copyCli([`${src.host}/app:single`, `${dst.host}/team/app:v1`, '--json']);
    expect(first.code).toBe(0);
    const result = JSON.parse(lastLine(first.stdout));
    expect(result).toEqual({
      digest: single,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      platforms: ['linux/amd64'],
      blobsCopied: 3,
      blobsSkipped: 0,
      bytesCopied: expect.any(Number),
    });
    expect(result.bytesCopied).toBeGreaterThan(2_300_000);
    expect(await crane(['digest', `${dst.host}/team/app:v1`])).toBe(single);
    // the copy is a valid image crane can read end to end (every blob there and right)
    await crane(['validate', '--remote', `${dst.host}/team/app:v1`]);

    const started = Date.now();
    const again = await copyCli([`${src.host}/app:single`, `${dst.host}/team/app:v1`, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(lastLine(again.stdout))).toMatchObject({ digest: single, blobsCopied: 0, blobsSkipped: 3, bytesCopied: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('plain output: the digest is the last line of stdout; by digest without a tag', async () => {
    const r = await copyCli([`${src.host}/app@${docker}`, `${dst.host}/bydigest`]);
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe(docker);
    expect(r.stdout).toBe(`${docker}\n`);
    expect(await crane(['digest', `${dst.host}/bydigest@${docker}`])).toBe(docker);
    const m = JSON.parse(await crane(['manifest', `${dst.host}/bydigest@${docker}`]));
    expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  test('an index with every entry: the index digest, its platforms (attestations not counted)', async () => {
    const r = await copyCli([`${src.host}/multi:all`, `${dst.host}/multi:all`, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(lastLine(r.stdout));
    expect(out).toMatchObject({ digest: index, mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64', 'linux/arm64'] });
    expect(await crane(['digest', `${dst.host}/multi:all`])).toBe(index);
    for (const d of [amd, arm]) {
      expect(await crane(['digest', `${dst.host}/multi@${d}`])).toBe(d);
    }
  });

  test('one platform named: the result is that platform\'s image manifest', async () => {
    const r = await copyCli([`${src.host}/multi:all`, `${dst.host}/one:arm`, '--platform', 'linux/arm64', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(lastLine(r.stdout))).toMatchObject({ digest: arm, platforms: ['linux/arm64'] });
    expect(await crane(['digest', `${dst.host}/one:arm`])).toBe(arm);
  });

  test('two platforms named: a new index of those entries', async () => {
    const r = await copyCli([`${src.host}/multi:all`, `${dst.host}/two:both`, '--platform', 'linux/arm64', '--platform', 'linux/amd64', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(lastLine(r.stdout));
    expect(out.digest).not.toBe(index);
    expect(out.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const m = JSON.parse(await crane(['manifest', `${dst.host}/two:both`]));
    expect(m.manifests.map((e: any) => e.digest)).toEqual([amd, arm]);
  });

  test('a platform the image lacks fails (exit 1), names what it has, leaves no tag', async () => {
    const r = await copyCli([`${src.host}/multi:all`, `${dst.host}/none:x`, '--platform', 'linux/s390x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has the platforms linux\/amd64, linux\/arm64; linux\/s390x is not among them/);
    expect(r.stdout).toBe('');
    await expect(crane(['digest', `${dst.host}/none:x`])).rejects.toThrow();
    const single1 = await copyCli([`${src.host}/app:single`, `${dst.host}/none:y`, '--platform', 'linux/arm64']);
    expect(single1.code).toBe(1);
    expect(single1.stderr).toMatch(/single-platform image for linux\/amd64; linux\/arm64 was asked for/);
  });

  test('a destination digest that does not match the source fails before anything is written', async () => {
    const r = await copyCli([`${src.host}/app:single`, `${dst.host}/pin@${docker}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`is ${single}, not the ${docker} the destination names`);
  });
});

describe('usage errors exit 2', () => {
  test.each([
    [['only-one']],
    [['a', 'b', 'c']],
    [['Bad/Name', 'x/y']],
    [['ghcr.io/a:b', 'ghcr.io/c', '--platform', 'linux']],
    [['ghcr.io/a@sha256:abc', 'ghcr.io/c']],
    [['ghcr.io/a', 'ghcr.io/c', '--bogus']],
    [['ghcr.io/a', 'ghcr.io/c', '--timeout', 'soon']],
  ])('%j', async args => {
    const r = await copyCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cdk-ecr-registry: /);
  });

  test('a source without tag or digest is a failed copy naming it', async () => {
    const r = await copyCli(['127.0.0.1:1/x', '127.0.0.1:1/y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names no tag and no digest/);
  });
});

describe('basic auth (distribution registry v3)', () => {
  let auth: LocalRegistry;
  let config: string;
  beforeAll(async () => {
    auth = await startBasicAuthRegistry('ci', 's3cret-pa55');
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-config-'));
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from('ci:s3cret-pa55').toString('base64') } } }));
  });
  afterAll(async () => {
    await auth?.stop();
    fs.rmSync(config, { recursive: true, force: true });
  });

  test('without credentials: exit 1, says none is configured', async () => {
    const r = await copyCli([`${src.host}/app:single`, `${auth.host}/team/app:v1`], { DOCKER_CONFIG: '/nonexistent' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/asks for a user name and password and none is configured/);
  });

  test('with the Docker config file: copied there and back; the password is in no output', async () => {
    const there = await copyCli([`${src.host}/app:single`, `${auth.host}/team/app:v1`], { DOCKER_CONFIG: config });
    expect(there.code).toBe(0);
    expect(lastLine(there.stdout)).toBe(single);
    const back = await copyCli([`${auth.host}/team/app:v1`, `${dst.host}/back:v1`, '--json'], { DOCKER_CONFIG: config });
    expect(back.code).toBe(0);
    expect(JSON.parse(lastLine(back.stdout)).digest).toBe(single);
    const all = there.stdout + there.stderr + back.stdout + back.stderr;
    expect(all).not.toContain('s3cret');
    expect(all).not.toContain(Buffer.from('ci:s3cret-pa55').toString('base64'));
  });
});

describe('ECR destination (moto)', () => {
  let moto: MotoServer;
  let ecr: ECRClient;
  const saved = { ...process.env };
  beforeAll(async () => {
    // The SDK's default credential chain reads the process environment.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    moto = await startMoto();
    ecr = new ECRClient(moto.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'governed/app' }));
  });
  afterAll(async () => {
    ecr?.destroy();
    await moto?.stop();
    process.env = saved;
  });

  const env = () => ({
    AWS_ENDPOINT_URL_ECR: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
  });
  const dest = '123456789012.dkr.ecr.us-east-1.amazonaws.com/governed/app';

  test('layer upload calls and PutImage: the digest is the source\'s; a repeated copy uploads 0 bytes', async () => {
    const r = await copyCli([`${src.host}/app:single`, `${dest}:v1`, '--json'], env());
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(JSON.parse(lastLine(r.stdout))).toMatchObject({ digest: single, blobsCopied: 3, blobsSkipped: 0 });
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'governed/app', imageIds: [{ imageTag: 'v1' }] }));
    expect(got.images?.[0]?.imageId?.imageDigest).toBe(single);
    const again = await copyCli([`${src.host}/app:single`, `${dest}:v1`, '--json'], env());
    expect(again.code).toBe(0);
    expect(JSON.parse(lastLine(again.stdout))).toMatchObject({ digest: single, blobsCopied: 0, blobsSkipped: 3, bytesCopied: 0 });
  });

  test('an index into ECR: its entries by digest, then the index under the tag', async () => {
    const r = await copyCli([`${src.host}/multi:all`, `${dest}:multi`, '--json'], env());
    expect(r.code).toBe(0);
    expect(JSON.parse(lastLine(r.stdout)).digest).toBe(index);
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'governed/app', imageIds: [{ imageDigest: amd }, { imageDigest: arm }, { imageTag: 'multi' }] }));
    expect(got.images?.map(i => i.imageId?.imageDigest).sort()).toEqual([amd, arm, index].sort());
  });
});
