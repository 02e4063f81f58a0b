/**
 * The handler bundle as Lambda runs it (assets/image-check/image-check.lambda/index.js, built by
 * `npx projen bundle` for the oldest Node.js runtime of the Lambda runtime policy) on the Node.js that runs
 * this test: CI runs this file on every supported Node.js line (.ci/run), so the code deployed to
 * nodejs24.x and nodejs26.x is exercised on those versions, against moto's ECR over real HTTP.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { responseServer } from './fake-ecr';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(60_000);

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'image-check', 'image-check.lambda', 'index.js');
const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: sha('config') },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: sha('layer') }],
});

beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
});

describe(`the handler bundle on Node.js ${process.version}`, () => {
  let moto: MotoServer;
  let digest: string;
  const saved = { ...process.env };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = () => require(BUNDLE);

  beforeAll(async () => {
    expect(fs.existsSync(BUNDLE)).toBe(true);
    moto = await startMoto(REGION);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECR: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
    });
    delete process.env.AWS_PROFILE;
    const ecr = new ECRClient(moto.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'payments/api' }));
    const res = await ecr.send(new PutImageCommand({ repositoryName: 'payments/api', imageManifest: manifest, imageTag: 'v1' }));
    digest = res.image!.imageId!.imageDigest!;
  });

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  const event = (tags: string[], responseUrl: string) => ({
    RequestType: 'Create',
    ResponseURL: responseUrl,
    StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000`,
    RequestId: 'req',
    LogicalResourceId: 'Check0',
    ResourceType: 'Custom::EcrImageCheck',
    ResourceProperties: { ServiceToken: 'arn', Images: tags.map(Tag => ({ Registry: ACCOUNT, Region: REGION, Repository: 'payments/api', Tag })) },
  });

  test('exports the Lambda entry point and the handler factory', () => {
    expect(typeof bundle().handler).toBe('function');
    expect(typeof bundle().createHandler).toBe('function');
  });

  test('a present image: SUCCESS with its digest; a missing one: FAILED naming it', async () => {
    // The test answers to a local server, through the factory's hook for response URLs.
    const handle = bundle().createHandler({ allowResponseUrl: () => true });
    const server = await responseServer();
    try {
      await handle(event(['v1'], server.url), { getRemainingTimeInMillis: () => 30_000 });
      await handle(event(['v1', 'v2'], server.url), { getRemainingTimeInMillis: () => 30_000 });
      expect(server.bodies).toHaveLength(2);
      expect(server.bodies[0]).toMatchObject({ Status: 'SUCCESS', Data: { D0: digest } });
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(server.bodies[1].Status).toBe('FAILED');
      expect(server.bodies[1].Reason).toContain('payments/api:v2');
    } finally {
      await server.close();
    }
  });
});
