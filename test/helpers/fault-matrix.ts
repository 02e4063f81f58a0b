/**
 * The fault matrix of the image check handler, shared by its test (which asserts each row) and
 * by `npm run bench` (which prints the measured table).
 *
 * The real handler (`createHandler`) runs with the real SDK and NodeHttpHandler against moto
 * through the fault proxy; its response goes to a second proxy acting as the pre-signed URL.
 * Times are production's divided by 20: request timeout 0.5 s (10 s), connection timeout 0.3 s,
 * safety margin 1 s (20 s), backoff bases 5 ms / 25 ms (100 / 500 ms), at most 1 s (20 s).
 * Successful rows get a 15 s Lambda budget (300 s); failing rows 4 s, so that the suite stays fast.
 */
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  FaultPlan, FaultProxy, FORBIDDEN, fullAcceptQueue, HANG, HTML_503, plans, RESET, SERVER_ERROR, startFaultProxy, STALL_BODY, THROTTLE, delayed,
} from './fault-proxy';
import { MotoServer } from './moto';
import { createHandler, HandlerConfig } from '../../src/image-check/image-check.lambda';

export const SCALE = 20;
export const ACCOUNT = '123456789012'; // moto's default account
export const REGION = 'us-east-1';
export const REPOSITORIES = ['matrix/api', 'matrix/web', 'matrix/worker'];

/** The handler's settings at 1/20 of production. */
export const SCALED: HandlerConfig = {
  policy: {
    requestTimeoutMs: 10_000 / SCALE,
    connectTimeoutMs: 300,
    baseDelayMs: 100 / SCALE,
    throttleBaseDelayMs: 500 / SCALE,
    maxDelayMs: 20_000 / SCALE,
    env: {},
  },
  safetyMarginMs: 20_000 / SCALE,
  endReserveMs: 1_000 / SCALE,
  response: { attemptTimeoutMs: 5_000 / SCALE, baseDelayMs: 200 / SCALE },
};

/** How late (ms) an answer may come after the deadline: timers on a loaded 2-core machine. */
export const TOLERANCE_MS = 300;

/** Rows run at once (the test's jest maxConcurrency, the bench's pool). */
export const CONCURRENT_ROWS = 8;

export interface HandlerScenario {
  readonly name: string;
  /** Faults between the handler and ECR (moto). */
  readonly ecr: () => FaultPlan;
  /** Faults on the response URL. */
  readonly response?: () => FaultPlan;
  /** Point ECR at a listener whose accept queue is full. */
  readonly fullAcceptQueue?: boolean;
  /** Point ECR at this address instead of the proxy (nobody there: a refused port, a host name that does not resolve). */
  readonly endpoint?: string;
  /** The Lambda function's remaining time at the start. */
  readonly budgetMs: number;
  readonly expected: {
    readonly status: 'SUCCESS' | 'FAILED' | 'NONE';
    readonly reason?: RegExp;
    /**
     * DescribeImages calls the proxy saw, inclusive range, not counting load retries (healthy calls
     * that moto answered later than the scaled request timeout on a loaded machine, rightly retried).
     */
    readonly calls: [number, number];
    /** Response PUTs, inclusive range. */
    readonly puts?: [number, number];
    /** The check took at least this long (a timeout or fault window that had to pass). */
    readonly minMs?: number;
    /** The answer came at most this long after the start (a failure that must not wait for the deadline). */
    readonly maxMs?: number;
  };
}

const FAIL_BUDGET = 4_000;
const OK_BUDGET = 15_000;

/** The matrix of issue #15, scaled. Each row: outcome, calls and time against the deadline. */
export const HANDLER_SCENARIOS: HandlerScenario[] = [
  { name: 'healthy', ecr: plans.healthy, budgetMs: OK_BUDGET, expected: { status: 'SUCCESS', calls: [3, 3] } },
  {
    name: 'one hung connection',
    ecr: () => plans.first(1, HANG),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [4, 4], minMs: 500 },
  },
  {
    name: 'every connection hung',
    ecr: () => plans.always(HANG),
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages did not answer within 0\.5 s: \d+ attempts over [23](\.\d)? s.*\(repository matrix\/\w+, account 123456789012, us-east-1\)$/, calls: [9, 21], minMs: 2_500 },
  },
  {
    name: 'answers slower than the request timeout (2 of 3)',
    ecr: () => plans.first(2, delayed(1_000)),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [5, 5], minMs: 500 },
  },
  {
    name: 'an answer whose body stalls',
    ecr: () => plans.first(1, STALL_BODY),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [4, 4], minMs: 450 },
  },
  {
    name: '5xx for 3 s (0.15 s scaled)',
    ecr: () => plans.during(3_000 / SCALE, SERVER_ERROR),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [4, 40], minMs: 3_000 / SCALE },
  },
  {
    name: '5xx for 10 s (0.5 s scaled)',
    ecr: () => plans.during(10_000 / SCALE, SERVER_ERROR),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [6, 60], minMs: 10_000 / SCALE },
  },
  {
    name: 'throttling for 30 s (1.5 s scaled)',
    ecr: () => plans.during(30_000 / SCALE, THROTTLE),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [6, 60], minMs: 30_000 / SCALE },
  },
  { name: '50% throttling', ecr: () => plans.rate(0.5, THROTTLE), budgetMs: OK_BUDGET, expected: { status: 'SUCCESS', calls: [4, 40] } },
  {
    name: '100% throttling',
    ecr: () => plans.always(THROTTLE),
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages was throttled on every request for [23](\.\d)? s \(ThrottlingException\): \d+ attempts/, calls: [6, 60], minMs: 2_000 },
  },
  {
    name: '5xx on every call',
    ecr: () => plans.always(SERVER_ERROR),
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages answered HTTP 500 \(ServerException: internal error\): \d+ attempts over [23](\.\d)? s/, calls: [12, 600], minMs: 2_000 },
  },
  {
    name: 'resets on every call',
    ecr: () => plans.always(RESET),
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages lost the connection \(reset by the peer\): \d+ attempts over [23](\.\d)? s/, calls: [12, 600], minMs: 2_000 },
  },
  {
    name: 'an HTML 503 body on every call',
    ecr: () => plans.always(HTML_503),
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages answered HTTP 503 with a non-JSON body: \d+ attempts over [23](\.\d)? s/, calls: [12, 600], minMs: 2_000 },
  },
  {
    name: 'connection timeout (full accept queue)',
    ecr: plans.healthy,
    fullAcceptQueue: true,
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages could not connect within 0\.3 s: \d+ attempts over [23](\.\d)? s/, calls: [0, 0], minMs: 2_500 },
  },
  {
    // Fail fast: 3 attempts per call (or 5 s), never the deadline (3 s here).
    name: 'a refused connection (nothing listening)',
    ecr: plans.healthy,
    endpoint: 'http://127.0.0.1:1',
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages could not connect \(connection refused\): 3 attempts over \d(\.\d+)? s; the endpoint refused the connection 3 times \(repository matrix\/\w+, account 123456789012, us-east-1\)/, calls: [0, 0], maxMs: 1_000 },
  },
  {
    name: 'an unknown host (ENOTFOUND)',
    ecr: plans.healthy,
    endpoint: 'http://ecr.fault-matrix.invalid',
    budgetMs: FAIL_BUDGET,
    expected: { status: 'FAILED', reason: /^ECR DescribeImages could not resolve the endpoint host name: 3 attempts over \d(\.\d+)? s; the host name did not resolve 3 times \(repository matrix\/\w+, account 123456789012, us-east-1\)/, calls: [0, 0], maxMs: 1_000 },
  },
  {
    name: 'response URL answers 403',
    ecr: plans.healthy,
    response: () => plans.always(FORBIDDEN),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [3, 3], puts: [1, 1] },
  },
  {
    name: 'response URL answers 500 twice',
    ecr: plans.healthy,
    response: () => plans.first(2, SERVER_ERROR),
    budgetMs: OK_BUDGET,
    expected: { status: 'SUCCESS', calls: [3, 3], puts: [3, 3] },
  },
  {
    name: 'response URL hangs',
    ecr: plans.healthy,
    response: () => plans.always(HANG),
    budgetMs: OK_BUDGET,
    // The answer takes at most the margin (1 s, less 50 ms kept at the end), 0.25 s per PUT: 3 or 4 attempts.
    expected: { status: 'SUCCESS', calls: [3, 3], puts: [2, 5] },
  },
];

export interface HandlerRun {
  readonly name: string;
  /** Status in the first response PUT ('NONE' if none arrived). */
  readonly status: string;
  readonly reason?: string;
  /** DescribeImages calls, load retries included. */
  readonly calls: number;
  /** Of those, calls the client abandoned although the proxy forwarded them without a fault (moto was slow). */
  readonly loadRetries: number;
  readonly puts: number;
  /** From the start to the first response PUT (or to the handler's end without one). */
  readonly answeredMs: number;
  /** From the start to the handler's return. */
  readonly returnedMs: number;
  /** The check's deadline and the function's end, from the start. */
  readonly deadlineMs: number;
  readonly endMs: number;
}

/** Repositories and one image each in moto; returns the tag of each. */
export async function seedMatrix(moto: MotoServer): Promise<void> {
  const ecr = new ECRClient(moto.clientConfig);
  for (const [i, repositoryName] of REPOSITORIES.entries()) {
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    await ecr.send(new PutImageCommand({
      repositoryName,
      imageTag: 'v1',
      imageManifest: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: `sha256:${String(i + 1).repeat(64)}` },
        layers: [],
      }),
    }));
  }
  // Warm moto up (its first answers are slow), so that rows measure faults, not a cold emulator.
  for (const repositoryName of REPOSITORIES) {
    await ecr.send(new DescribeImagesCommand({ repositoryName }));
  }
  ecr.destroy();
}

/** Run every row, `CONCURRENT_ROWS` at a time; results in row order. */
export async function runHandlerMatrix(moto: MotoServer): Promise<HandlerRun[]> {
  const results: HandlerRun[] = new Array(HANDLER_SCENARIOS.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENT_ROWS }, async () => {
    while (next < HANDLER_SCENARIOS.length) {
      const i = next++;
      results[i] = await runHandlerScenario(moto, HANDLER_SCENARIOS[i]);
    }
  }));
  return results;
}

/** Run one row: the real handler, its ECR calls through the proxy, its answer to a second proxy. */
export async function runHandlerScenario(moto: MotoServer, s: HandlerScenario, seed = 15): Promise<HandlerRun> {
  const ecr: FaultProxy = await startFaultProxy({ target: moto.endpoint, plan: s.ecr(), seed });
  const cfn: FaultProxy = await startFaultProxy({ plan: (s.response ?? plans.healthy)(), seed });
  const queue = s.fullAcceptQueue ? await fullAcceptQueue() : undefined;
  const handler = createHandler({ ...SCALED, endpoint: s.endpoint ?? queue?.url ?? ecr.url, allowResponseUrl: () => true });
  const start = Date.now();
  const end = start + s.budgetMs;
  try {
    await handler({
      RequestType: 'Create',
      ResponseURL: `${cfn.url}/bucket/response?X-Amz-Signature=abc`,
      StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Matrix/0f1e2d3c-aaaa-bbbb-cccc-000000000000`,
      RequestId: 'req',
      LogicalResourceId: 'Check',
      ResourceType: 'Custom::EcrImageCheck',
      ResourceProperties: {
        ServiceToken: 'arn',
        Images: REPOSITORIES.map(repository => ({ Registry: ACCOUNT, Region: REGION, Repository: repository, Tag: 'v1' })),
      },
    }, { getRemainingTimeInMillis: () => end - Date.now(), logGroupName: '/aws/lambda/matrix' });
    const returnedMs = Date.now() - start;
    const first = cfn.calls[0];
    const answer = first?.body ? JSON.parse(first.body) : undefined;
    return {
      name: s.name,
      status: answer?.Status ?? 'NONE',
      reason: answer?.Reason,
      calls: ecr.count('DescribeImages'),
      loadRetries: ecr.loadRetries('DescribeImages'),
      puts: cfn.calls.length,
      answeredMs: first ? first.at - start : returnedMs,
      returnedMs,
      deadlineMs: s.budgetMs - SCALED.safetyMarginMs!,
      endMs: s.budgetMs,
    };
  } finally {
    await ecr.close();
    await cfn.close();
    await queue?.close();
  }
}
