/**
 * The handler against moto's ECR emulator over real HTTP: images pushed with the real SDK
 * (PutImage of small valid manifests), the handler's own client pointed at the emulator through
 * the standard `AWS_ENDPOINT_URL_ECR` setting, its response PUT to a local HTTP server.
 */
import { createHash } from 'crypto';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { responseServer } from './fake-ecr';
import { createHandler } from '../../src/image-check/image-check.lambda';
import { checkImages } from '../../src/image-check/private/check-images';
import { MotoServer, startMoto } from '../helpers/moto';

/** The handler, answering to the test's local server (the built-in check takes only CloudFormation's S3 URLs). */
const handler = createHandler({ allowResponseUrl: () => true });

jest.setTimeout(60_000);

const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';

function manifest(i: number): string {
  const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: sha(`config-${i}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: sha(`layer-${i}`) }],
  });
}

// The handler logs every request and failure (CloudWatch Logs); keep the test output readable.
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
});

describe('image check handler against the ECR emulator', () => {
  let moto: MotoServer;
  let ecr: ECRClient;
  const saved = { ...process.env };
  /** tag -> digest as ECR reported it on push */
  const pushed = new Map<string, string>();

  beforeAll(async () => {
    moto = await startMoto(REGION);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECR: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
    });
    delete process.env.AWS_PROFILE;
    ecr = new ECRClient(moto.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'payments/api' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    for (let i = 0; i < 150; i++) {
      const res = await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(i), imageTag: `build-${i}` }));
      pushed.set(`web:build-${i}`, res.image!.imageId!.imageDigest!);
    }
    const res = await ecr.send(new PutImageCommand({ repositoryName: 'payments/api', imageManifest: manifest(1000), imageTag: 'v1.2.3' }));
    pushed.set('payments/api:v1.2.3', res.image!.imageId!.imageDigest!);
  });

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const event = (images: object[], responseUrl: string) => ({
    RequestType: 'Create',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000',
    RequestId: 'req',
    LogicalResourceId: 'Check0',
    ResourceType: 'Custom::EcrImageCheck',
    ResourceProperties: { ServiceToken: 'arn', Images: images },
  });
  const img = (repository: string, t: string) => ({ Registry: ACCOUNT, Region: REGION, Repository: repository, Tag: t });

  test('present images: the handler answers SUCCESS with the pushed digests', async () => {
    const server = await responseServer();
    try {
      const digest = pushed.get('payments/api:v1.2.3')!;
      await handler(event([img('payments/api', 'v1.2.3'), { Registry: ACCOUNT, Region: REGION, Repository: 'web', Digest: pushed.get('web:build-7') }], server.url),
        { getRemainingTimeInMillis: () => 60_000 });
      expect(server.bodies).toHaveLength(1);
      expect(server.bodies[0]).toMatchObject({ Status: 'SUCCESS', Data: { D0: digest, D1: pushed.get('web:build-7') } });
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      await server.close();
    }
  });

  test('missing images: the handler answers FAILED naming each of them', async () => {
    const server = await responseServer();
    try {
      await handler(event([img('payments/api', 'v1.2.3'), img('payments/api', 'v9'), img('web', 'build-3'), img('web', 'never'), img('nope/repo', 'x')], server.url),
        { getRemainingTimeInMillis: () => 60_000 });
      expect(server.bodies[0].Status).toBe('FAILED');
      expect(server.bodies[0].Reason).toBe('3 of 5 images cannot be deployed: '
        + `payments/api:v9 (registry ${ACCOUNT}, ${REGION}) not found; `
        + `web:never (registry ${ACCOUNT}, ${REGION}) not found; `
        + `nope/repo:x (registry ${ACCOUNT}, ${REGION}) repository not found`);
    } finally {
      await server.close();
    }
  });

  test('more than 100 images: 150 present resolve in 2 calls; one missing among them is named', async () => {
    const client = new ECRClient(moto.clientConfig);
    let calls = 0;
    client.middlewareStack.add(next => async args => { calls++; return next(args); }, { step: 'initialize' });
    const all = Array.from({ length: 150 }, (_, i) => img('web', `build-${i}`));
    const ok = await checkImages({ Images: all }, { clientFor: () => client, deadline: Date.now() + 30_000 });
    expect(ok.digests).toEqual(all.map(a => pushed.get(`web:${a.Tag}`)));
    expect(calls).toBe(2);

    const withMissing = [...all.slice(0, 120), img('web', 'build-150'), ...all.slice(120)];
    await expect(checkImages({ Images: withMissing }, { clientFor: () => client, deadline: Date.now() + 30_000 }))
      .rejects.toThrow(`1 of 151 images cannot be deployed: web:build-150 (registry ${ACCOUNT}, ${REGION}) not found`);
  });
});
