/**
 * The runtime client policy without a network: defaults, the environment winning, classification
 * of SDK and transport errors, and the messages of `AwsCallError`.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  AwsCallError, classifyFailure, createEcrClient, describeError, errorCode, formatSeconds, isUnreachable, PolicyRetryStrategy, resolvePolicy,
  RETRY_DELAY_FLOOR_MS, RuntimePolicyError, UNREACHABLE_MAX_ATTEMPTS, UNREACHABLE_MAX_MS,
} from '../../src/runtime';

const deadline = Date.now() + 60_000;

describe('resolvePolicy', () => {
  test('defaults: 10 s per request, 3 s to connect, adaptive, attempts until the deadline', () => {
    const p = resolvePolicy({ deadline, env: {} });
    expect(p.requestTimeoutMs).toBe(10_000);
    expect(p.connectTimeoutMs).toBe(3_000);
    expect(p.retryMode).toBe('adaptive');
    expect(p.maxAttempts).toBe(Infinity);
    expect(p.deadline()).toBe(deadline);
  });

  test('AWS_MAX_ATTEMPTS and AWS_RETRY_MODE win over the policy when set', () => {
    const p = resolvePolicy({ deadline, maxAttempts: 10, retryMode: 'adaptive', env: { AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard' } });
    expect(p.maxAttempts).toBe(3);
    expect(p.retryMode).toBe('standard');
    expect(resolvePolicy({ deadline, env: { AWS_RETRY_MODE: 'legacy' } }).retryMode).toBe('standard');
    expect(resolvePolicy({ deadline, maxAttempts: 4, env: { AWS_MAX_ATTEMPTS: '' } }).maxAttempts).toBe(4);
  });

  test('a deadline function is read at each call', () => {
    let d = 1;
    const p = resolvePolicy({ deadline: () => d, env: {} });
    d = 2;
    expect(p.deadline()).toBe(2);
  });

  test('fails on a bad AWS_MAX_ATTEMPTS, naming the variable and the value', () => {
    expect(() => resolvePolicy({ deadline, env: { AWS_MAX_ATTEMPTS: 'three' } })).toThrow(/AWS_MAX_ATTEMPTS "three" must be a whole number of at least 1/);
    expect(() => resolvePolicy({ deadline, env: { AWS_MAX_ATTEMPTS: '0' } })).toThrow(RuntimePolicyError);
  });

  test('fails on a bad AWS_RETRY_MODE', () => {
    expect(() => resolvePolicy({ deadline, env: { AWS_RETRY_MODE: 'fast' } })).toThrow(/AWS_RETRY_MODE "fast" must be one of adaptive, standard, legacy/);
  });

  test('fails on non-positive timeouts and a non-finite deadline', () => {
    expect(() => resolvePolicy({ deadline, requestTimeoutMs: 0, env: {} })).toThrow(/requestTimeoutMs 0 must be a positive number/);
    expect(() => resolvePolicy({ deadline, connectTimeoutMs: -1, env: {} })).toThrow(/connectTimeoutMs -1/);
    expect(() => resolvePolicy({ deadline: NaN, env: {} })).toThrow(/deadline NaN/);
  });
});

describe('createEcrClient', () => {
  test('an ECRClient whose retry strategy is the policy\'s and whose transport throws on request timeouts', async () => {
    const c = createEcrClient({ region: 'eu-west-1', deadline, requestTimeoutMs: 1234, connectTimeoutMs: 567, env: {} });
    expect(c).toBeInstanceOf(ECRClient);
    expect(await (c.config as any).retryStrategy()).toBeInstanceOf(PolicyRetryStrategy);
    expect(c.middlewareStack.identify().some(m => m.startsWith('cdkEcrRegistryRuntimePolicy '))).toBe(true);
    // The SDK resolves the handler's configuration lazily: send nothing, read the options we gave it.
    const handler = c.config.requestHandler as any;
    expect(handler.inner.configProvider).toBeDefined();
    const cfg = await handler.inner.configProvider;
    expect(cfg).toMatchObject({ requestTimeout: 1234, connectionTimeout: 567, throwOnRequestTimeout: true });
    c.destroy();
  });
});

/** An SDK-like error. */
function sdkError(name: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { name }, extra);
}

describe('classifyFailure', () => {
  test('throttling: HTTP 429 or a throttling code, retryable', () => {
    const f = classifyFailure(sdkError('ThrottlingException', 'Rate exceeded', { $metadata: { httpStatusCode: 400 } }));
    expect(f).toMatchObject({ kind: 'throttled', retryable: true, code: 'ThrottlingException' });
    expect(classifyFailure(sdkError('Unknown', 'x', { $metadata: { httpStatusCode: 429 } })).kind).toBe('throttled');
  });

  test('an HTML 503 the SDK could not parse: non-JSON, retryable, no SDK internals in the words', () => {
    const e = sdkError('SyntaxError', 'Unexpected token \'<\', "<html>" is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.', {
      $response: { statusCode: 503 },
    });
    const f = classifyFailure(e);
    expect(f).toMatchObject({ kind: 'non-json', retryable: true, httpStatus: 503, what: 'answered HTTP 503 with a non-JSON body' });
  });

  test('5xx service errors are retryable; 4xx are not', () => {
    expect(classifyFailure(sdkError('ServerException', 'internal error', { $metadata: { httpStatusCode: 500 } })))
      .toMatchObject({ kind: 'server', retryable: true, what: 'answered HTTP 500 (ServerException: internal error)' });
    expect(classifyFailure(sdkError('RepositoryNotFoundException', 'no such repository', { $metadata: { httpStatusCode: 400 } })))
      .toMatchObject({ kind: 'client', retryable: false, code: 'RepositoryNotFoundException' });
  });

  test('resets and refused connections are network failures, retryable', () => {
    expect(classifyFailure(Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' })))
      .toMatchObject({ kind: 'network', retryable: true, code: 'ECONNRESET', what: 'lost the connection (reset by the peer)' });
    expect(classifyFailure(new Error('socket hang up')).kind).toBe('network');
    expect(classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).what).toBe('could not connect (connection refused)');
  });

  test('cancellation and unknown errors are not retried', () => {
    expect(classifyFailure(sdkError('AbortError', 'aborted'))).toMatchObject({ kind: 'aborted', retryable: false });
    expect(classifyFailure(sdkError('CredentialsProviderError', 'Could not load credentials'))).toMatchObject({ kind: 'other', retryable: false });
  });
});

describe('AwsCallError', () => {
  const timeout = { kind: 'timeout' as const, retryable: true, code: 'TimeoutError', what: 'did not answer within 10 s', error: new Error('x') };

  test('names the call, what happened, the attempts, the time and the resource', () => {
    const e = new AwsCallError({
      call: 'ECR DescribeImages',
      resource: { repository: 'payments/api', account: '111111111111', region: 'eu-west-1' },
      attempts: 3,
      elapsedMs: 41_200,
      last: timeout,
      history: ['timeout', 'timeout', 'timeout'],
    });
    expect(e.message).toBe('ECR DescribeImages did not answer within 10 s: 3 attempts over 41 s (repository payments/api, account 111111111111, eu-west-1)');
    expect(e.name).toBe('AwsCallError');
    expect(AwsCallError.isAwsCallError(e)).toBe(true);
    expect(AwsCallError.isAwsCallError(new Error('x'))).toBe(false);
    expect(e).toMatchObject({ kind: 'timeout', code: 'TimeoutError', attempts: 3 });
  });

  test('throttling on every attempt is said so; mixed failures are counted', () => {
    const throttled = { kind: 'throttled' as const, retryable: true, code: 'ThrottlingException', what: 'was throttled', error: undefined };
    const all = new AwsCallError({ call: 'ECR DescribeImages', resource: { region: 'eu-west-1' }, attempts: 25, elapsedMs: 280_000, last: throttled, history: Array(25).fill('throttled') });
    expect(all.message).toBe('ECR DescribeImages was throttled on every request for 280 s (ThrottlingException): 25 attempts over 280 s (eu-west-1)');
    const mixed = new AwsCallError({ call: 'ECR DescribeImages', resource: {}, attempts: 3, elapsedMs: 2_500, last: throttled, history: ['timeout', 'throttled', 'throttled'], stoppedBecause: 'the deadline was reached' });
    expect(mixed.message).toBe('ECR DescribeImages was throttled: 3 attempts over 2.5 s [1 timed out, 2 throttled]; the deadline was reached');
  });

  test('describeError wraps any error once; errorCode reads the service code through it', () => {
    const raw = sdkError('ImageNotFoundException', 'gone', { $metadata: { httpStatusCode: 400 } });
    const e = describeError(raw, { call: 'ECR DescribeImages', resource: { repository: 'web' } });
    expect(e.message).toBe('ECR DescribeImages failed: ImageNotFoundException: gone: 1 attempt over 0 s (repository web)');
    expect(describeError(e, { call: 'other' })).toBe(e);
    expect(errorCode(e)).toBe('ImageNotFoundException');
    expect(errorCode(raw)).toBe('ImageNotFoundException');
    expect(e.cause).toBe(raw);
  });

  test('formatSeconds', () => {
    expect(formatSeconds(41_200)).toBe('41 s');
    expect(formatSeconds(2_540)).toBe('2.5 s');
    expect(formatSeconds(400)).toBe('0.4 s');
    expect(formatSeconds(0)).toBe('0 s');
  });
});

describe('PolicyRetryStrategy', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const unknownHost = () => Object.assign(new Error('getaddrinfo ENOTFOUND ecr.example.invalid'), { code: 'ENOTFOUND' });
  const dnsTimeout = () => Object.assign(new Error('getaddrinfo EAI_AGAIN ecr.example.com'), { code: 'EAI_AGAIN' });
  const strategy = (extra: object = {}) =>
    new PolicyRetryStrategy(resolvePolicy({ deadline: Date.now() + 60_000, env: {}, random: () => 0, ...extra }));
  const info = (error: Error) => ({ error: error as any, errorType: 'TRANSIENT' as const });

  /** Attempts until the strategy gives up (the SDK's middleware makes one per token it gets back). */
  async function attemptsUntilGiveUp(s: PolicyRetryStrategy, error: () => Error, most = 20): Promise<number> {
    let token = await s.acquireInitialRetryToken('');
    for (let attempt = 1; attempt <= most; attempt++) {
      try {
        token = await s.refreshRetryTokenForRetry(token, info(error()));
      } catch {
        return attempt;
      }
    }
    return Infinity;
  }

  test('a refused connection or an unknown host ends the call after 3 attempts; a DNS timeout (EAI_AGAIN) does not', async () => {
    expect(UNREACHABLE_MAX_ATTEMPTS).toBe(3);
    expect(await attemptsUntilGiveUp(strategy(), refused)).toBe(3);
    expect(await attemptsUntilGiveUp(strategy(), unknownHost)).toBe(3);
    expect(await attemptsUntilGiveUp(strategy(), dnsTimeout)).toBe(Infinity);
    expect(isUnreachable(refused())).toBe(true);
    expect(isUnreachable(dnsTimeout())).toBe(false);
  });

  test('... or after 5 s, whichever comes first', async () => {
    expect(UNREACHABLE_MAX_MS).toBe(5_000);
    const s = strategy();
    const token = await s.acquireInitialRetryToken('');
    (token as any).started = Date.now() - UNREACHABLE_MAX_MS;
    await expect(s.refreshRetryTokenForRetry(token, info(refused()))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // A retry is never scheduled past the 5 s either.
    const t2 = await strategy({ maxDelayMs: 20_000, baseDelayMs: 10_000, random: () => 1 }).acquireInitialRetryToken('');
    (t2 as any).started = Date.now() - 4_000;
    const next = await strategy({ baseDelayMs: 10_000, random: () => 1 }).refreshRetryTokenForRetry(t2, info(refused()));
    expect(next.getRetryDelay()).toBeLessThanOrEqual(1_000);
  });

  test('after one call found the endpoint unreachable, the next call of the client is not tried: same cause, 0 attempts', async () => {
    const s = strategy();
    await attemptsUntilGiveUp(s, refused);
    await expect(s.acquireInitialRetryToken('')).rejects.toMatchObject({
      last: { code: 'ECONNREFUSED', kind: 'network' },
      message: expect.stringMatching(/^an earlier call of this client to the same endpoint could not connect \(connection refused\) \(3 attempts over \d/),
    });
  });

  test('the backoff has a floor: never under 50 ms (or baseDelayMs when smaller), even with zero jitter', async () => {
    expect(RETRY_DELAY_FLOOR_MS).toBe(50);
    const s = strategy();
    const token = await s.acquireInitialRetryToken('');
    const next = await s.refreshRetryTokenForRetry(token, info(dnsTimeout()));
    expect(next.getRetryDelay()).toBe(50);
    expect(next.getRetryCount()).toBe(1);
    const small = strategy({ baseDelayMs: 5 });
    expect((await small.refreshRetryTokenForRetry(await small.acquireInitialRetryToken(''), info(dnsTimeout()))).getRetryDelay()).toBe(5);
  });

  test('near the deadline the wait does not shrink to zero: the call gives up instead of spinning', async () => {
    // 300 ms left: an attempt needs 250 ms, the floor 50 ms; then 299 ms is too little.
    const s = strategy({ deadline: Date.now() + 299 });
    const token = await s.acquireInitialRetryToken('');
    await expect(s.refreshRetryTokenForRetry(token, info(dnsTimeout()))).rejects.toMatchObject({ code: 'EAI_AGAIN' });
  });
});
