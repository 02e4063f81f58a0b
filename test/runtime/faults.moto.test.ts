/**
 * The runtime policy over real HTTP: the real SDK and its real NodeHttpHandler, a seeded
 * fault-injecting proxy, moto behind it. Timeouts are scaled down (request 400 ms, connect 300 ms,
 * deadline 2 s); each scenario asserts the outcome, the proxy's call count and the time against
 * the deadline. Scenarios run concurrently, each with its own proxy.
 */
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, paginateDescribeImages, PutImageCommand } from '@aws-sdk/client-ecr';
import { AwsCallError, createEcrClient, EcrClientOptions } from '../../src/runtime';
import {
  FaultPlan, fullAcceptQueue, HANG, HTML_503, plans, RESET, SERVER_ERROR, STALL_BODY, startFaultProxy, THROTTLE,
} from '../helpers/fault-proxy';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(60_000);

const REQUEST_MS = 400;
const CONNECT_MS = 300;
const DEADLINE_MS = 2_000;
/** Timers on a loaded 2-core machine: how late an answer may come after the deadline. */
const LATE_MS = 250;

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  const seed = new ECRClient(moto.clientConfig);
  await seed.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  for (let i = 0; i < 3; i++) {
    await seed.send(new PutImageCommand({
      repositoryName: 'team/app',
      imageTag: `v${i}`,
      imageManifest: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: `sha256:${String(i).repeat(64)}` }, layers: [] }),
    }));
  }
  seed.destroy();
});
afterAll(async () => {
  await moto?.stop();
});

interface Outcome {
  readonly ok: boolean;
  readonly error?: AwsCallError;
  /** DescribeImages calls, less load retries (healthy calls moto answered after the 0.4 s timeout, rightly retried). */
  readonly calls: number;
  readonly elapsedMs: number;
}

async function scenario(
  plan: FaultPlan, extra: Partial<EcrClientOptions> = {}, opts: { endpoint?: string; repository?: string } = {},
): Promise<Outcome> {
  const proxy = await startFaultProxy({ target: moto.endpoint, plan, seed: 7 });
  const start = Date.now();
  const client = createEcrClient({
    region: 'us-east-1',
    endpoint: opts.endpoint ?? proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    deadline: start + DEADLINE_MS,
    requestTimeoutMs: REQUEST_MS,
    connectTimeoutMs: CONNECT_MS,
    baseDelayMs: 20,
    throttleBaseDelayMs: 50,
    maxDelayMs: 300,
    env: {},
    ...extra,
  });
  try {
    const res = await client.send(new DescribeImagesCommand({ repositoryName: opts.repository ?? 'team/app' }));
    expect(res.imageDetails).toHaveLength(3);
    return { ok: true, calls: proxy.count('DescribeImages') - proxy.loadRetries('DescribeImages'), elapsedMs: Date.now() - start };
  } catch (e) {
    expect(AwsCallError.isAwsCallError(e)).toBe(true);
    return { ok: false, error: e as AwsCallError, calls: proxy.count('DescribeImages') - proxy.loadRetries('DescribeImages'), elapsedMs: Date.now() - start };
  } finally {
    client.destroy();
    await proxy.close();
  }
}

/** A failure: before the deadline (with LATE_MS of timer slack), a message without SDK internals. */
function expectCleanFailure(o: Outcome, message: RegExp) {
  expect(o.ok).toBe(false);
  expect(o.elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + LATE_MS);
  expect(o.error!.message).toMatch(message);
  expect(o.error!.message).toMatch(/\(repository team\/app, us-east-1\)$/);
  expect(o.error!.message).not.toMatch(/\$response|SyntaxError|Deserialization|smithy/);
  expect(o.error!.attempts).toBeGreaterThanOrEqual(o.calls === 0 ? o.error!.attempts : o.calls);
}

test.concurrent('healthy: one call', async () => {
  // A generous request timeout: on a loaded machine moto may take longer than 0.4 s.
  const o = await scenario(plans.healthy(), { requestTimeoutMs: 5_000 });
  expect(o).toMatchObject({ ok: true, calls: 1 });
});

test.concurrent('one hung connection: retried after the request timeout, succeeds', async () => {
  const o = await scenario(plans.first(1, HANG));
  expect(o).toMatchObject({ ok: true, calls: 2 });
  expect(o.elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS);
  expect(o.elapsedMs).toBeLessThan(REQUEST_MS + 1_000);
});

test.concurrent('every connection hung: fails at the deadline, never after, naming the timeout', async () => {
  const o = await scenario(plans.always(HANG));
  expectCleanFailure(o, /^ECR DescribeImages did not answer within 0\.4 s: \d+ attempts over [12](\.\d)? s/);
  expect(o.elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 300);
  // 2 s / (0.4 s + up to 20-160 ms backoff): 4 or 5 attempts.
  expect(o.calls).toBeGreaterThanOrEqual(4);
  expect(o.calls).toBeLessThanOrEqual(6);
});

test.concurrent('an answer whose body stalls is cut by the same limit', async () => {
  const o = await scenario(plans.first(1, STALL_BODY));
  expect(o).toMatchObject({ ok: true, calls: 2 });
  expect(o.elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS - 50);
});

test.concurrent('an HTML 503 on every call: a clear failure, no SyntaxError', async () => {
  const o = await scenario(plans.always(HTML_503));
  expectCleanFailure(o, /^ECR DescribeImages answered HTTP 503 with a non-JSON body: \d+ attempts over [12](\.\d)? s/);
  expect(o.calls).toBeGreaterThan(3);
  expect(o.error!.kind).toBe('non-json');
});

test.concurrent('resets on every call: a clear failure before the deadline', async () => {
  const o = await scenario(plans.always(RESET));
  expectCleanFailure(o, /^ECR DescribeImages lost the connection \(reset by the peer\): \d+ attempts/);
  expect(o.calls).toBeGreaterThan(3);
});

test.concurrent('AWS_MAX_ATTEMPTS wins: 5xx stops after 2 attempts', async () => {
  const o = await scenario(plans.always(SERVER_ERROR), { env: { AWS_MAX_ATTEMPTS: '2' } });
  expect(o.calls).toBe(2);
  expectCleanFailure(o, /^ECR DescribeImages answered HTTP 500 \(ServerException: internal error\): 2 attempts over .*; stopped at 2 attempts \(AWS_MAX_ATTEMPTS or maxAttempts\)/);
  expect(o.elapsedMs).toBeLessThan(1_000);
});

test.concurrent('throttling on every call: said so, adaptive backoff keeps the call count low', async () => {
  const o = await scenario(plans.always(THROTTLE));
  expectCleanFailure(o, /^ECR DescribeImages was throttled on every request for [12](\.\d)? s \(ThrottlingException\)/);
  // Backoff from 50 ms doubling to 300 ms over 2 s: far fewer calls than the ~100 of a tight loop.
  expect(o.calls).toBeGreaterThanOrEqual(5);
  expect(o.calls).toBeLessThanOrEqual(20);
});

test.concurrent('a repository that does not exist: one call, not retried, the service code kept', async () => {
  const o = await scenario(plans.healthy(), { requestTimeoutMs: 5_000 }, { repository: 'team/missing' });
  expect(o).toMatchObject({ ok: false, calls: 1 });
  expect(o.error!.code).toBe('RepositoryNotFoundException');
  expect(o.error!.message).toMatch(/^ECR DescribeImages failed: RepositoryNotFoundException: .*: 1 attempt over .* \(repository team\/missing, us-east-1\)$/);
});

test.concurrent('a listener with a full accept queue: the connection timeout fires, retried until the deadline', async () => {
  const queue = await fullAcceptQueue();
  try {
    const o = await scenario(plans.healthy(), {}, { endpoint: queue.url });
    expect(o.ok).toBe(false);
    expect(o.error!.kind).toBe('connect-timeout');
    expect(o.error!.message).toMatch(/^ECR DescribeImages could not connect within 0\.3 s: \d+ attempts over [12](\.\d)? s/);
    expect(o.error!.attempts).toBeGreaterThanOrEqual(4);
    expect(o.elapsedMs).toBeLessThanOrEqual(DEADLINE_MS + LATE_MS);
    expect(o.elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 400);
  } finally {
    await queue.close();
  }
});

test.concurrent('paginators go through the policy: a throttled page is retried', async () => {
  const proxy = await startFaultProxy({ target: moto.endpoint, plan: plans.first(2, THROTTLE) });
  const client = createEcrClient({
    region: 'us-east-1',
    endpoint: proxy.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    deadline: Date.now() + DEADLINE_MS,
    throttleBaseDelayMs: 20,
    maxDelayMs: 100,
    env: {},
  });
  try {
    let n = 0;
    let pages = 0;
    for await (const page of paginateDescribeImages({ client, pageSize: 2 }, { repositoryName: 'team/app' })) {
      n += page.imageDetails?.length ?? 0;
      pages++;
    }
    expect(n).toBe(3);
    expect(proxy.count('DescribeImages')).toBe(2 + pages); // 2 throttled, then every page
  } finally {
    client.destroy();
    await proxy.close();
  }
});

// Fail fast (issue #26): nobody at the address. Bounded by 3 attempts (or 5 s), far inside the deadline.
test.concurrent.each([
  ['a refused connection', 'http://127.0.0.1:1', 'ECONNREFUSED', /^ECR DescribeImages could not connect \(connection refused\): 3 attempts over 0\.\d+ s; the endpoint refused the connection 3 times \(repository team\/app, us-east-1\)$/],
  ['an unknown host (.invalid)', 'http://ecr.fault-matrix.invalid', 'ENOTFOUND', /^ECR DescribeImages could not resolve the endpoint host name: 3 attempts over 0\.\d+ s; the host name did not resolve 3 times \(repository team\/app, us-east-1\)$/],
])('%s: fails after 3 attempts, in well under the deadline, not at it', async (_name, endpoint, code, message) => {
  const o = await scenario(plans.healthy(), {}, { endpoint });
  expect(o.ok).toBe(false);
  expect(o.error!).toMatchObject({ attempts: 3, code, kind: 'network' });
  expect(o.error!.message).toMatch(message);
  expect(o.elapsedMs).toBeLessThan(1_000);
});

test.concurrent('a refused connection: the next call of the same client fails at once, with the same cause, not tried', async () => {
  const client = createEcrClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    deadline: Date.now() + DEADLINE_MS,
    env: {},
  });
  try {
    const first = await client.send(new DescribeImagesCommand({ repositoryName: 'team/app' })).then(() => undefined, e => e as AwsCallError);
    expect(first?.attempts).toBe(3);
    const started = Date.now();
    const second = await client.send(new DescribeImagesCommand({ repositoryName: 'team/web' })).then(() => undefined, e => e as AwsCallError);
    expect(Date.now() - started).toBeLessThan(100);
    expect(second).toMatchObject({ attempts: 0, code: 'ECONNREFUSED', kind: 'network' });
    expect(second?.message).toMatch(/^ECR DescribeImages was not tried: an earlier call of this client to the same endpoint could not connect \(connection refused\) \(3 attempts over 0\.\d+ s\) \(repository team\/web, us-east-1\)$/);
  } finally {
    client.destroy();
  }
});
