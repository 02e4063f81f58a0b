/**
 * The CLI's live read (`lifecycle preview --repository`) under network faults: the real SDK and
 * NodeHttpHandler, the seeded fault proxy, moto behind it. The proxy paginates DescribeImages in
 * pages of 10 (ECR does, moto does not), so 50 images take 5 pages, as a large repository takes
 * many. Backoff is scaled down (CliIo.runtime: bases 5 / 25 ms, at most 250 ms); --timeout and
 * --request-timeout are the real flags. Each row asserts the exit code, what stderr says, the
 * DescribeImages calls and the time against --timeout (TOLERANCE_MS of timer slack).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CliIo, main } from '../../src/cli/main';
import { FaultPlan, HANG, HTML_503, PASS, plans, SERVER_ERROR, startFaultProxy, THROTTLE } from '../helpers/fault-proxy';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(60_000);
// One real process at a time: each test measures its own run against a deadline of 1 to 2 s, and eight processes
// starting at once on a loaded 2-core machine spent that time starting up (CI saw deadlines cut short).

const IMAGES = 50;
const PAGE = 10;
const TOLERANCE_MS = 300;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-faults-'));
const policyFile = path.join(dir, 'policy.json');
fs.writeFileSync(policyFile, JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }],
}));

let moto: MotoServer;
const saved = { ...process.env };
beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_PROFILE;
  moto = await startMoto();
  const ecr = new ECRClient(moto.clientConfig);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  for (let i = 0; i < IMAGES; i++) {
    await ecr.send(new PutImageCommand({
      repositoryName: 'team/app',
      imageTag: `build-${i}`,
      imageManifest: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: `sha256:${i.toString(16).padStart(64, '0')}` },
        // moto derives the digest from the layers: distinct layers, distinct images.
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1, digest: `sha256:${(i + 1000).toString(16).padStart(64, 'a')}` }],
      }),
    }));
  }
  ecr.destroy();
});
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: number;
  readonly log: string;
  readonly elapsedMs: number;
}

async function live(plan: FaultPlan, flags: string[], env: Record<string, string> = {}, seed = 3): Promise<Run> {
  const proxy = await startFaultProxy({ target: moto.endpoint, plan, seed, paginate: PAGE });
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env,
    runtime: { baseDelayMs: 5, throttleBaseDelayMs: 25, maxDelayMs: 250 },
  };
  const start = Date.now();
  try {
    const code = await main(['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/app', '--region', 'us-east-1',
      '--endpoint', proxy.url, '--json', ...flags], io);
    return {
      code,
      stdout,
      stderr,
      // Less load retries: healthy calls moto answered after the request timeout on a loaded machine.
      calls: proxy.count('DescribeImages') - proxy.loadRetries('DescribeImages'),
      log: proxy.calls.map(c => (c.fault === 'status' ? 'T' : c.fault === 'pass' ? '.' : c.fault[0].toUpperCase())).join(''),
      elapsedMs: Date.now() - start,
    };
  } finally {
    await proxy.close();
  }
}

function expectNoInternals(stderr: string) {
  expect(stderr).not.toMatch(/\$response|SyntaxError|Deserialization|smithy|\n\s+at /);
}

test('healthy: 5 pages, 5 calls, every image', async () => {
  const r = await live(plans.healthy(), []);
  expect(r.code).toBe(0);
  expect(r.calls).toBe(5);
  expect(JSON.parse(r.stdout).summary.images).toBe(IMAGES);
  expect(r.stderr).toMatch(/team\/app: 50 images read \(page 5\), done\n$/);
});

test('60% throttling (seed 3) is ridden out: every image, no error', async () => {
  const r = await live(plans.rate(0.6, THROTTLE), []);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).summary.images).toBe(IMAGES);
  expect(r.stderr).not.toMatch(/Rate exceeded|error/i);
  // Some page was throttled 3 times in a row: the SDK's default 3 attempts would have aborted the read.
  expect(r.log).toMatch(/TTT/);
  expect(r.calls).toBe(5 + (r.log.match(/T/g) ?? []).length);
  expect(r.elapsedMs).toBeLessThan(10_000);
});

test('AWS_MAX_ATTEMPTS=3 wins: the same throttling stops the read, saying where', async () => {
  const r = await live(plans.rate(0.6, THROTTLE), [], { AWS_MAX_ATTEMPTS: '3' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^cdk-ecr-registry: team\/app: 10 images read \(page 1\)\.\.\.\ncdk-ecr-registry: stopped after reading 10 images in 1 page: ECR DescribeImages was throttled on every request for .* \(ThrottlingException\): 3 attempts over .*; stopped at 3 attempts \(AWS_MAX_ATTEMPTS or maxAttempts\) \(repository team\/app, us-east-1\)\n$/);
  expect(r.calls).toBe(4);
  expectNoInternals(r.stderr);
});

test('every connection hung: never past --timeout, says what failed', async () => {
  const r = await live(plans.always(HANG), ['--timeout', '2s', '--request-timeout', '500ms']);
  expect(r.code).toBe(1);
  expect(r.elapsedMs).toBeLessThanOrEqual(2_000 + TOLERANCE_MS);
  expect(r.elapsedMs).toBeGreaterThanOrEqual(1_700);
  expect(r.stderr).toMatch(/^cdk-ecr-registry: gave up at the run's time limit \(--timeout 2 s, --request-timeout 0\.5 s\) after reading 0 images in 0 pages: ECR DescribeImages did not answer within 0\.5 s: \d attempts over [12](\.\d)? s.*\(repository team\/app, us-east-1\)\n$/);
  expect(r.calls).toBeGreaterThanOrEqual(3);
  expect(r.calls).toBeLessThanOrEqual(5);
  expectNoInternals(r.stderr);
});

test('hung after 2 pages: stops at --timeout, counting what it read', async () => {
  // The third page (next token "20") hangs, however often the first two are retried.
  const r = await live(c => (JSON.parse(c.body).nextToken === '20' ? HANG : PASS), ['--timeout', '1.5s', '--request-timeout', '400ms']);
  expect(r.code).toBe(1);
  expect(r.elapsedMs).toBeLessThanOrEqual(1_500 + TOLERANCE_MS);
  expect(r.stderr).toMatch(/^cdk-ecr-registry: team\/app: 10 images read \(page 1\)\.\.\.\ncdk-ecr-registry: team\/app: 20 images read \(page 2\)\.\.\.\ncdk-ecr-registry: gave up at the run's time limit \(--timeout 1\.5 s, --request-timeout 0\.4 s\) after reading 20 images in 2 pages: ECR DescribeImages did not answer within 0\.4 s/);
});

test('5xx on every call: exit 1 with the status and the service message', async () => {
  const r = await live(plans.always(SERVER_ERROR), ['--timeout', '1s']);
  expect(r.code).toBe(1);
  expect(r.elapsedMs).toBeLessThanOrEqual(1_000 + TOLERANCE_MS);
  expect(r.stderr).toMatch(/^cdk-ecr-registry: gave up at the run's time limit .* after reading 0 images in 0 pages: ECR DescribeImages answered HTTP 500 \(ServerException: internal error\): \d+ attempts over/);
  expectNoInternals(r.stderr);
});

test('an HTML 503 for three calls mid-read: ridden out', async () => {
  const r = await live(c => (c.index >= 2 && c.index < 5 ? HTML_503 : PASS), []);
  expect(r.code).toBe(0);
  expect(r.calls).toBe(8);
  expect(JSON.parse(r.stdout).summary.images).toBe(IMAGES);
});

test('an HTML 503 on every call: "non-JSON body", no SyntaxError', async () => {
  const r = await live(plans.always(HTML_503), ['--timeout', '1s']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/ECR DescribeImages answered HTTP 503 with a non-JSON body: \d+ attempts/);
  expectNoInternals(r.stderr);
});

/** `report` against `endpoint`, stderr not a TTY (a string), progress every 300 ms. */
async function report(endpoint: string, flags: string[]): Promise<{ code: number; stdout: string; stderr: string; elapsedMs: number }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: {},
    runtime: { baseDelayMs: 5, throttleBaseDelayMs: 25, maxDelayMs: 250 },
    progressIntervalMs: 300,
  };
  const start = Date.now();
  const code = await main(['report', '--region', 'us-east-1', '--endpoint', endpoint, ...flags], io);
  return { code, stdout, stderr, elapsedMs: Date.now() - start };
}

test('report, every connection hung: a progress line every interval on a non-TTY stderr, escaped and bounded, until --timeout', async () => {
  const proxy = await startFaultProxy({ target: moto.endpoint, plan: plans.always(HANG), seed: 3 });
  try {
    const r = await report(proxy.url, ['--timeout', '1.5s', '--request-timeout', '400ms']);
    expect(r.code).toBe(1);
    expect(r.elapsedMs).toBeLessThanOrEqual(1_500 + TOLERANCE_MS);
    const lines = r.stderr.split('\n').filter(l => l.includes(' reading '));
    // 1.5 s at 300 ms: 4 or 5 lines (timers on a loaded machine may drop one), never one per call.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const line of lines) {
      expect(line).toMatch(/^cdk-ecr-registry report: reading \(default account\)\/us-east-1: no repository listed yet \((0\.\d+|1(\.\d)?) s\)$/);
    }
    expect(r.stdout).toMatch(/ECR DescribeRegistry did not answer within 0\.4 s: \d attempts/);
  } finally {
    await proxy.close();
  }
});

test('report, --quiet: no progress line', async () => {
  const r = await report('http://127.0.0.1:1', ['--quiet']);
  expect(r.stderr).toBe('');
});

test.each([
  ['a refused connection', 'http://127.0.0.1:1', /ECR DescribeRegistry could not connect \(connection refused\): 3 attempts over \d(\.\d+)? s; the endpoint refused the connection 3 times \(us-east-1\)/],
  ['an unknown host (.invalid)', 'http://ecr.live-faults.invalid', /ECR DescribeRegistry could not resolve the endpoint host name: 3 attempts over \d(\.\d+)? s; the host name did not resolve 3 times \(us-east-1\)/],
])('report, %s: one error for the registry after 3 attempts, in a second, not at --timeout', async (_name, endpoint, message) => {
  const r = await report(endpoint, ['--timeout', '60s']);
  expect(r.code).toBe(1);
  expect(r.elapsedMs).toBeLessThan(2_000);
  expect(r.stdout).toMatch(message);
  expect(r.stdout.match(/ECR \w+ could not/g)).toHaveLength(1);
  expectNoInternals(r.stdout + r.stderr);
});
