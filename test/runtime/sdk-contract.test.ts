/**
 * The SDK behaviour the runtime policy relies on (docs/runtime.md, "How the policy is built"). The
 * policy uses the SDK's supported extension points only: a `retryStrategy` (RetryStrategyV2), a
 * request handler, and a middleware of its own placed before the SDK's `retryMiddleware`. Each test
 * here pins one thing the SDK does with them; a change in a minor release fails it.
 *
 * Real `ECRClient`s and the real `NodeHttpHandler`, against a local HTTP server that answers what
 * each test scripts (no moto: the answers are the SDK's error shapes, not ECR's).
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { DescribeRegistryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { AwsCallError, createEcrClient, POLICY_MIDDLEWARE, PolicyRetryStrategy } from '../../src/runtime';

interface Server {
  readonly url: string;
  readonly requests: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** A server answering each request with the next scripted answer (the last one repeats). */
async function serve(answers: Array<{ status: number; body: object }>): Promise<Server> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answers[Math.min(requests.length, answers.length - 1)];
      requests.push(req.headers);
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise(r => server.close(() => r())),
  };
}

const SERVER_ERROR = { status: 500, body: { __type: 'ServerException', message: 'internal error' } };
const OK = { status: 200, body: { registryId: '123456789012', replicationConfiguration: { rules: [] } } };

function client(url: string, extra: object = {}): ECRClient {
  return createEcrClient({
    region: 'eu-west-1',
    endpoint: url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    deadline: Date.now() + 10_000,
    baseDelayMs: 1,
    env: {},
    random: () => 0,
    ...extra,
  });
}

afterEach(() => jest.restoreAllMocks());

test('the SDK keeps its own retryMiddleware; ours sits just before it, under our name', () => {
  const c = client('http://127.0.0.1:9');
  const stack = c.middlewareStack.identify();
  const retry = stack.findIndex(m => m.startsWith('retryMiddleware '));
  const ours = stack.findIndex(m => m.startsWith(`${POLICY_MIDDLEWARE} `));
  expect(retry).toBeGreaterThan(0);
  expect(ours).toBe(retry - 1);
  expect(stack.filter(m => m.startsWith('retryMiddleware'))).toHaveLength(1);
  expect(stack[retry]).not.toContain(POLICY_MIDDLEWARE);
  c.destroy();
});

test('the client resolves `retryStrategy` to the strategy object given in its config', async () => {
  const c = client('http://127.0.0.1:9');
  expect(await (c.config as any).retryStrategy()).toBeInstanceOf(PolicyRetryStrategy);
  c.destroy();
});

test('the SDK retry middleware calls the strategy: one token per call, a refresh per failure with the error ($metadata, name), success recorded', async () => {
  const server = await serve([SERVER_ERROR, SERVER_ERROR, OK]);
  const acquire = jest.spyOn(PolicyRetryStrategy.prototype, 'acquireInitialRetryToken');
  const refresh = jest.spyOn(PolicyRetryStrategy.prototype, 'refreshRetryTokenForRetry');
  const success = jest.spyOn(PolicyRetryStrategy.prototype, 'recordSuccess');
  const c = client(server.url);
  try {
    const out = await c.send(new DescribeRegistryCommand({}));
    expect(out.registryId).toBe('123456789012');
    expect(acquire).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledTimes(2);
    const info = refresh.mock.calls[0][1];
    expect(info.error).toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } });
    // (The policy classifies `info.error` itself; it does not read the SDK's `errorType`.)
    expect(success).toHaveBeenCalledTimes(1);
    // The SDK counts attempts from the token's retry count and sleeps for its delay.
    expect(out.$metadata.attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
    // Its request header carries the attempt number (and the policy's maximum).
    expect(server.requests[2]['amz-sdk-request']).toMatch(/^attempt=3; max=\d+$/);
  } finally {
    c.destroy();
    await server.close();
  }
});

test('when the strategy gives up, the error the SDK rethrows reaches our middleware, inside the call the strategy saw', async () => {
  const server = await serve([SERVER_ERROR]);
  const c = client(server.url, { maxAttempts: 2 });
  try {
    const e = await c.send(new DescribeRegistryCommand({})).catch(x => x);
    expect(AwsCallError.isAwsCallError(e)).toBe(true);
    expect(e).toMatchObject({ attempts: 2, history: ['server', 'server'], code: 'ServerException', httpStatus: 500 });
    expect(e.message).toMatch(/^ECR DescribeRegistry answered HTTP 500 \(ServerException: internal error\): 2 attempts over .*; stopped at 2 attempts/);
    // The SDK's own error stays the cause, with the attempts the SDK counted.
    expect(e.cause).toMatchObject({ name: 'ServerException', $metadata: { attempts: 2 } });
    expect(server.requests).toHaveLength(2);
  } finally {
    c.destroy();
    await server.close();
  }
});

test('an error from acquireInitialRetryToken ends the call before any request: "not tried", never "1 attempt"', async () => {
  const server = await serve([OK]);
  const c = client(server.url, { deadline: Date.now() - 1_000 });
  try {
    const e = await c.send(new DescribeRegistryCommand({})).catch(x => x);
    expect(AwsCallError.isAwsCallError(e)).toBe(true);
    expect(e.attempts).toBe(0);
    expect(e.message).toMatch(/^ECR DescribeRegistry was not tried: its deadline had passed 1(\.\d)? s before \(eu-west-1\)$/);
    expect(server.requests).toHaveLength(0);
  } finally {
    c.destroy();
    await server.close();
  }
});
