import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { CliIo, main, unsupportedNodeMessage } from '../../src/cli/main';
import { MotoServer, startMoto } from '../helpers/moto';

const NOW = '2025-06-01T00:00:00Z';
const DAY = 86_400_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-cli-'));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

async function run(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: {},
    ...extra,
  });
  return { code, stdout, stderr };
}

const policyFile = write('policy.json', {
  rules: [
    { rulePriority: 1, description: 'untagged', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } },
    { rulePriority: 2, description: 'releases', selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
    { rulePriority: 3, description: 'cold', selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } },
  ],
});
const at = (daysAgo: number) => new Date(Date.parse(NOW) - daysAgo * DAY).toISOString();
const imagesFile = write('images.json', [
  { digest: 'sha256:aaaa', tags: [], pushedAt: at(10) },
  { digest: 'sha256:bbbb', tags: [], pushedAt: at(1) },
  { digest: 'sha256:r1', tags: ['release-1'], pushedAt: at(30) },
  { digest: 'sha256:r2', tags: ['release-2'], pushedAt: at(20) },
  { digest: 'sha256:r3', tags: ['release-3'], pushedAt: at(10) },
  { digest: 'sha256:dev', tags: ['dev'], pushedAt: at(100), lastPulledAt: at(40) },
  { digest: 'sha256:hot', tags: ['dev-hot'], pushedAt: at(100), lastPulledAt: at(2) },
]);

describe('file mode', () => {
  test('--json prints every decision with the rule that made it', async () => {
    const { code, stdout, stderr } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--now', NOW, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.summary).toEqual({ images: 7, expire: 2, transition: 1, keep: 4 });
    expect(out.expired).toEqual(['sha256:aaaa', 'sha256:r1']);
    expect(out.transitioned).toEqual(['sha256:dev']);
    expect(out.kept).toEqual(['sha256:bbbb', 'sha256:r2', 'sha256:r3', 'sha256:hot']);
    expect(out.decisions[2]).toEqual({ digest: 'sha256:r1', tags: ['release-1'], pushedAt: at(30), outcome: 'expire', rulePriority: 2, ruleDescription: 'releases' });
  });

  test('the default output is a readable table with a summary', async () => {
    const { code, stdout } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--now', NOW]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^OUTCOME\s+RULE\s+DIGEST\s+TAGS\s+PUSHED\s+LAST PULLED\s+STORAGE$/);
    expect(lines[1]).toMatch(/^EXPIRE\s+1\s+sha256:aaaa\s+<untagged>\s+2025-05-22T00:00:00Z\s+-\s+standard$/);
    expect(lines[3]).toMatch(/^TRANSITION\s+3\s+sha256:dev\s+dev\s+/);
    expect(stdout).toContain('7 images at 2025-06-01T00:00:00Z: 2 expire, 1 transition to archive, 4 keep');
    expect(stdout).toContain('  rule 3: transition any sinceImagePulled 30 (cold)');
  });

  test('reads "aws ecr describe-images" output (epoch seconds, imageStatus)', async () => {
    const file = write('describe.json', {
      imageDetails: [
        { imageDigest: 'sha256:x', imagePushedAt: Date.parse(at(9)) / 1000 },
        { imageDigest: 'sha256:y', imageTags: ['release-9'], imagePushedAt: at(9), imageStatus: 'ARCHIVED', lastArchivedAt: at(5) },
      ],
    });
    const { code, stdout } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', file, '--now', NOW, '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.expired).toEqual(['sha256:x']);
    // archived: no standard-class rule selects it
    expect(out.decisions[1]).toMatchObject({ digest: 'sha256:y', outcome: 'keep', rulePriority: null });
  });

  test('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('cdk-ecr-registry lifecycle preview --policy <policy.json>');
  });
});

describe('bad input exits 2 with a clear message', () => {
  const cases: Array<[string, string[], string | RegExp]> = [
    ['no arguments', [], /^Usage:/],
    ['unknown command', ['lifecycle', 'apply'], /^cdk-ecr-registry: unknown command "lifecycle apply"\nUsage:/],
    ['unknown option', ['lifecycle', 'preview', '--policy', 'p', '--image', 'x'], /^cdk-ecr-registry: Unknown option '--image'/],
    ['missing --policy', ['lifecycle', 'preview', '--images', 'x'], /^cdk-ecr-registry: --policy is required\n/],
    ['neither --images nor --repository', ['lifecycle', 'preview', '--policy', 'p'], /^cdk-ecr-registry: give exactly one of --images or --repository\n/],
    ['both --images and --repository', ['lifecycle', 'preview', '--policy', 'p', '--images', 'x', '--repository', 'r'], /^cdk-ecr-registry: give exactly one of --images or --repository\n/],
    ['--region with --images', ['lifecycle', 'preview', '--policy', 'p', '--images', 'x', '--region', 'eu-west-1'], 'cdk-ecr-registry: --region, --registry-id and --endpoint go with --repository, not --images\n'],
    ['a bad --now', ['lifecycle', 'preview', '--policy', 'p', '--images', 'x', '--now', 'yesterday'], 'cdk-ecr-registry: --now "yesterday" is not a time: use ISO 8601 with a zone (2025-06-01T00:00:00Z) or epoch seconds\n'],
    ['a missing policy file', ['lifecycle', 'preview', '--policy', path.join(dir, 'nope.json'), '--images', 'x'], `cdk-ecr-registry: cannot read policy file ${path.join(dir, 'nope.json')}: ENOENT\n`],
    ['no region for --repository', ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'app'], 'cdk-ecr-registry: --repository needs a region: pass --region or set AWS_REGION\n'],
  ];
  test.each(cases)('fails on %s', async (_name, argv, message) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    if (typeof message === 'string') {
      expect(stderr).toBe(message);
    } else {
      expect(stderr).toMatch(message);
    }
  });

  test('fails on an invalid policy, with every violation', async () => {
    const bad = write('bad-policy.json', { rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] });
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', bad, '--images', imagesFile]);
    expect(code).toBe(2);
    expect(stderr).toBe(`cdk-ecr-registry: ${bad}: LifecyclePolicy.fromJson: 2 invalid properties:\n`
      + '  - invalid rule 1 selection.tagStatus "tagged": tagStatus "tagged" needs exactly one of tagPrefixList or tagPatternList (got neither)\n'
      + '  - invalid rule 1 selection.countNumber 0: must be a whole number >= 1\n');
  });

  test('fails on a policy file that is not JSON', async () => {
    const bad = write('not-json.json', 'rules: []');
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', bad, '--images', imagesFile]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^cdk-ecr-registry: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: LifecyclePolicy.fromJson: invalid text "rules: \\[\\]": is not JSON`));
  });

  test('fails on an images file that is not a list of images', async () => {
    const bad = write('bad-images.json', { repository: 'x' });
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', bad]);
    expect(code).toBe(2);
    expect(stderr).toBe(`cdk-ecr-registry: ${bad}: expected a JSON list of images, or {"imageDetails": [...]} from "aws ecr describe-images"\n`);
  });

  test('fails on images with bad fields, listing every one', async () => {
    const bad = write('bad-fields.json', [{ digest: 'sha256:a' }, { digest: 'sha256:a', pushedAt: NOW, storageClass: 'cold', tags: 'v1' }]);
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', bad]);
    expect(code).toBe(2);
    expect(stderr).toBe('cdk-ecr-registry: LifecyclePolicy.preview: 4 invalid properties:\n'
      + '  - invalid images[0].pushedAt undefined: must be a valid Date\n'
      + '  - invalid images[1].digest "sha256:a": must be unique in the image list\n'
      + '  - invalid images[1].tags "v1": must be a list of strings\n'
      + '  - invalid images[1].storageClass "cold": must be "standard" or "archive"\n');
  });

  test('fails on images with bad times, listing every one with its value', async () => {
    const bad = write('bad-times.json', [
      { digest: 'sha256:a', pushedAt: 'last week' },
      { digest: 'sha256:b', pushedAt: 1700000000000 },
      { digest: 'sha256:c', pushedAt: '2025-06-01T00:00:00', lastPulledAt: '2025-06-01' },
      { digest: 'sha256:d', pushedAt: 1717200000.25, lastPulledAt: '2025-06-01T02:00:00+02:00' },
    ]);
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', bad]);
    expect(code).toBe(2);
    expect(stderr).toBe(`cdk-ecr-registry: ${bad}: 4 invalid times:\n`
      + '  - image [0] pushedAt "last week" is not a time: use ISO 8601 with a zone (2025-06-01T00:00:00Z) or epoch seconds\n'
      + '  - image [1] pushedAt 1700000000000 looks like epoch milliseconds (1700000000000 seconds would be the year 55840): give epoch seconds, e.g. 1700000000\n'
      + '  - image [2] pushedAt "2025-06-01T00:00:00" has no time zone: add Z or an offset (2025-06-01T00:00:00Z, +02:00), so that the answer does not depend on the machine\'s zone\n'
      + '  - image [2] lastPulledAt "2025-06-01" has no time zone: add Z or an offset (2025-06-01T00:00:00Z, +02:00), so that the answer does not depend on the machine\'s zone\n');
  });
});

describe('live mode, paginated (mocked client)', () => {
  test('reads every page of 1,000 with every image status, and reports progress on stderr', async () => {
    const ecr = mockClient(ECRClient);
    const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({
      imageDigest: `sha256:${(from + i).toString().padStart(6, '0')}`,
      imageTags: [`build-${from + i}`],
      imagePushedAt: new Date(Date.parse(NOW) - (from + i) * 60_000),
    }));
    ecr.on(DescribeImagesCommand)
      .resolvesOnce({ imageDetails: page(0, 1000), nextToken: 't1' })
      .resolvesOnce({ imageDetails: page(1000, 1000), nextToken: 't2' })
      .resolvesOnce({ imageDetails: page(2000, 500) });
    const keep = write('keep.json', { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } }] });
    const { code, stdout, stderr } = await run(
      ['lifecycle', 'preview', '--policy', keep, '--repository', 'big/app', '--registry-id', '123456789012', '--json', '--now', NOW],
      { env: { AWS_REGION: 'eu-west-1' }, ecrClient: () => new ECRClient({ region: 'eu-west-1' }) },
    );
    expect(code).toBe(0);
    const calls = ecr.commandCalls(DescribeImagesCommand).map(c => c.args[0].input);
    expect(calls).toEqual([
      { repositoryName: 'big/app', registryId: '123456789012', maxResults: 1000, nextToken: undefined, filter: { imageStatus: 'ANY' } },
      { repositoryName: 'big/app', registryId: '123456789012', maxResults: 1000, nextToken: 't1', filter: { imageStatus: 'ANY' } },
      { repositoryName: 'big/app', registryId: '123456789012', maxResults: 1000, nextToken: 't2', filter: { imageStatus: 'ANY' } },
    ]);
    expect(stderr).toBe('cdk-ecr-registry: big/app: 1,000 images read (page 1)...\n'
      + 'cdk-ecr-registry: big/app: 2,000 images read (page 2)...\n'
      + 'cdk-ecr-registry: big/app: 2,500 images read (page 3), done\n');
    const out = JSON.parse(stdout);
    expect(out.summary).toEqual({ images: 2500, expire: 2400, transition: 0, keep: 100 });
    expect(out.kept[99]).toBe('sha256:000099');
    ecr.restore();
  });
});

describe('live mode against the ECR emulator (moto, real HTTP)', () => {
  let moto: MotoServer;
  let client: ECRClient;
  const saved = { ...process.env };
  const digests: Record<string, string> = {};

  /** A small valid Docker image manifest; distinct layers give distinct digests. */
  const manifest = (seed: string) => JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${'c'.repeat(63)}${seed.length}` },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: `sha256:${Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64)}` }],
  });

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    client = new ECRClient(moto.clientConfig);
    await client.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    const push = async (seed: string, tag?: string) => {
      const res = await client.send(new PutImageCommand({ repositoryName: 'team/app', imageManifest: manifest(seed), imageTag: tag }));
      return res.image!.imageId!.imageDigest!;
    };
    digests.untagged = await push('untagged-build');
    digests.release1 = await push('release-one', 'release-1');
    await push('release-one', 'latest-release'); // a second tag on the same image
    digests.release2 = await push('release-two', 'release-2');
    digests.dev = await push('dev-build', 'dev-42');
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    client?.destroy();
    await moto?.stop();
  });

  test('previews the live repository through DescribeImages over HTTP', async () => {
    // moto reports imagePushedAt as the push time (whole seconds) and no lastRecordedPullTime,
    // so evaluate 60 days later: never-pulled images count from their push.
    const later = new Date(Date.now() + 60 * DAY).toISOString();
    const { code, stdout, stderr } = await run(
      ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/app', '--region', 'us-east-1', '--endpoint', moto.endpoint, '--now', later, '--json'],
      { env: {} },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.summary).toEqual({ images: 4, expire: 1, transition: 1, keep: 2 });
    expect(out.expired).toEqual([digests.untagged]);
    expect(out.transitioned).toEqual([digests.dev]);
    expect([...out.kept].sort()).toEqual([digests.release1, digests.release2].sort());
    const release1 = out.decisions.find((d: any) => d.digest === digests.release1);
    expect(release1.tags.sort()).toEqual(['latest-release', 'release-1']);
    expect(release1.rulePriority).toBe(2);
  });

  test('AWS_ENDPOINT_URL_ECR works instead of --endpoint; the table names the rules', async () => {
    const { code, stdout } = await run(
      ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/app', '--now', new Date(Date.now() + 60 * DAY).toISOString()],
      { env: { AWS_ENDPOINT_URL_ECR: moto.endpoint, AWS_REGION: 'us-east-1' } },
    );
    expect(code).toBe(0);
    expect(stdout).toContain('4 images at ');
    expect(stdout).toMatch(/^EXPIRE\s+1\s+sha256:/m);
  });

  test('fails with exit code 2 on a repository that does not exist', async () => {
    const { code, stderr } = await run(
      ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/missing', '--region', 'us-east-1', '--endpoint', moto.endpoint],
      { env: {} },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/^cdk-ecr-registry: .*team\/missing.*\n$/);
  });
});

describe('the bin entry', () => {
  test('runs as a program and exits with the code of main', async () => {
    const script = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
    expect(fs.readFileSync(script, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(resolve => {
      execFile(process.execPath, [require.resolve('tsx/cli'), script, 'lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--now', NOW, '--json'],
        { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? (error as any).code ?? 1 : 0, stdout, stderr }));
    });
    // Only the one line of an unsupported Node.js, when the test runs on one (src/cli/main.ts).
    expect(result.stderr).toBe(unsupportedNodeMessage(process.version) ?? '');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).summary.images).toBe(7);
    const bad = await new Promise<number | null>(resolve => {
      execFile(process.execPath, [require.resolve('tsx/cli'), script, 'lifecycle', 'preview'], { timeout: 30_000 }, error => resolve(error ? (error as any).code : 0));
    });
    expect(bad).toBe(2);
  }, 60_000);
});
