/**
 * The platform gate against moto's ECR with real images: built offline with crane in
 * go-containerregistry's registry (a single-platform image, an index of amd64 and arm64), copied
 * into moto by the image copy engine, then checked with the gates the integrations render.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { checkImages, ImageCheckFailure } from '../../src/image-check/private/check-images';
import { CheckProperties, PlatformGate } from '../../src/image-check/private/contract';
import { copyReference, parseReference } from '../../src/image-copy';
import { createEcrClient, resolvePolicy } from '../../src/runtime';
import { MotoServer, startMoto } from '../helpers/moto';
import { LocalRegistry, makeLayer, pushImage, pushIndex, startRegistry } from '../helpers/oci';

jest.setTimeout(120_000);

const ACCOUNT = '123456789012';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const POLICY = { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 };
let moto: MotoServer;
let src: LocalRegistry;
let dir: string;
let single: string;
let index: string;
const saved = { ...process.env };
const downloads: string[] = [];

/**
 * An ECR client of the emulator. moto 5.2.5 has no GetDownloadUrlForLayer: a stand-in answers with
 * the blob's URL on the local registry that holds the same blobs (ECR answers a pre-signed S3 URL).
 */
function clientFor(region: string): ECRClient {
  const c = createEcrClient({ ...POLICY, region, endpoint: moto.endpoint, deadline: Date.now() + 60_000 });
  c.middlewareStack.add((next, context) => async (args: any) => {
    if (context.commandName === 'GetDownloadUrlForLayerCommand') {
      downloads.push(args.input.layerDigest);
      return { output: { downloadUrl: `http://${src.host}/v2/app/blobs/${args.input.layerDigest}`, layerDigest: args.input.layerDigest, $metadata: {} }, response: {} } as any;
    }
    return next(args);
  }, { step: 'initialize', name: 'fakeGetDownloadUrlForLayer' });
  return c;
}

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
  [moto, src] = await Promise.all([startMoto(), startRegistry()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-gate-'));
  const l1 = makeLayer(dir, 'one', 20_000, 'gate-one');
  const l2 = makeLayer(dir, 'two', 30_000, 'gate-two');
  single = await pushImage(`${src.host}/app:single`, [l1], 'linux/amd64');
  const amd = await pushImage(`${src.host}/app:amd64`, [l1], 'linux/amd64');
  const arm = await pushImage(`${src.host}/app:arm64`, [l2], 'linux/arm64');
  index = await pushIndex(`${src.host}/app:all`, [`${src.host}/app@${amd}`, `${src.host}/app@${arm}`]);
  const ecr = new ECRClient(moto.clientConfig);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'gate/app' }));
  ecr.destroy();
  for (const tag of ['single', 'all']) {
    await copyReference({
      source: parseReference(`${src.host}/app:${tag}`),
      destination: parseReference(`${HOST}/gate/app:${tag}`),
      policy: resolvePolicy({ ...POLICY, deadline: Date.now() + 60_000 }),
      ecrClient: clientFor,
    });
  }
});

afterAll(async () => {
  await Promise.all([moto?.stop(), src?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
  process.env = saved;
});

function props(gates: PlatformGate[]): CheckProperties {
  return {
    Images: [
      { Registry: ACCOUNT, Region: 'us-east-1', Repository: 'gate/app', Tag: 'single' },
      { Registry: ACCOUNT, Region: 'us-east-1', Repository: 'gate/app', Tag: 'all' },
    ],
    Platforms: gates,
  };
}

async function problems(gates: PlatformGate[]): Promise<string[]> {
  try {
    const result = await checkImages(props(gates), { clientFor, deadline: Date.now() + 60_000 });
    expect(result.digests).toEqual([single, index]);
    return [];
  } catch (e) {
    if (e instanceof ImageCheckFailure) {
      return e.problems;
    }
    throw e;
  }
}

test('images that fit pass: the single amd64 image on Fargate\'s default, the index for an arm64 task; the config is read once', async () => {
  downloads.length = 0;
  expect(await problems([
    { Image: '0', Consumer: 'ECS task definition S/Task', Os: 'linux', Architecture: 'amd64' },
    { Image: '0', Consumer: 'Lambda function S/Fn', Os: 'linux', Architecture: 'amd64', ImageManifestOnly: 'true' },
    { Image: '1', Consumer: 'ECS task definition S/Arm', Os: 'linux', Architecture: 'arm64' },
  ])).toEqual([]);
  // One config read for the single-platform image; an index needs none.
  expect(downloads).toHaveLength(1);
});

test('an arm64 Lambda on an amd64 image, and Lambda on an index: one failure naming both, before the consumer is created', async () => {
  const found = await problems([
    { Image: '0', Consumer: 'Lambda function S/Fn', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' },
    { Image: '1', Consumer: 'Lambda function S/Other', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' },
    { Image: '1', Consumer: 'ECS task definition S/Win', Os: 'windows', Architecture: 'amd64' },
  ]);
  expect(found).toEqual([
    `gate/app:single (registry ${ACCOUNT}, us-east-1) [${single}] has the platforms linux/amd64; Lambda function S/Fn needs linux/arm64`,
    expect.stringMatching(new RegExp(`^gate/app:all \\(registry ${ACCOUNT}, us-east-1\\) \\[${index}\\] is an image index \\(linux/amd64, linux/arm64\\); Lambda function S/Other takes a single image manifest`)),
    `gate/app:all (registry ${ACCOUNT}, us-east-1) [${index}] has the platforms linux/amd64, linux/arm64; ECS task definition S/Win needs windows/amd64`,
  ]);
});
