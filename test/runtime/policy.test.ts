/**
 * The runtime client policy without a network: defaults, the environment winning, classification
 * of SDK and transport errors, and the messages of `AwsCallError`.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  AwsCallError, classifyFailure, createEcrClient, describeError, errorCode, formatSeconds, resolvePolicy, RuntimePolicyError,
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
  test('an ECRClient whose retry middleware is the policy and whose transport throws on request timeouts', async () => {
    const c = createEcrClient({ region: 'eu-west-1', deadline, requestTimeoutMs: 1234, connectTimeoutMs: 567, env: {} });
    expect(c).toBeInstanceOf(ECRClient);
    expect(c.middlewareStack.identify().some(m => m.startsWith('retryMiddleware') && m.includes('cdkEcrRegistryRuntimePolicy'))).toBe(true);
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
