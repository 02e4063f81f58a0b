/**
 * The audit worker against hostile input (an invocation by hand, a state machine edited in the
 * console, an environment edited on the function): the event and the configuration are validated
 * by type and value before any call, with one error naming the field, its value and what is
 * allowed. Property-based: random events never reach a call and never crash otherwise.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import fc from 'fast-check';
import { handler } from '../../src/audit/audit-worker.lambda';
import { ENV } from '../../src/audit/private/contract';
import { configFromEnv, runWorker, validateEvent, WorkerConfig, WorkerInputError, WORKER_LIMITS } from '../../src/audit/private/worker';

jest.setTimeout(60_000);

/** The environment the construct sets. */
const GOOD_ENV: Record<string, string> = {
  [ENV.bucket]: 'audit-results',
  [ENV.regions]: '["eu-west-1","us-east-1"]',
  [ENV.accounts]: '[]',
  [ENV.memberRoleName]: 'cdk-ecr-registry-audit',
  [ENV.partition]: 'aws',
  [ENV.auditAccount]: '123456789012',
  [ENV.auditName]: 'Security/Audit',
  [ENV.securityHub]: 'true',
  [ENV.usage]: 'true',
  [ENV.requestsPerSecond]: '20',
  [ENV.concurrency]: '8',
};
const CONFIG: WorkerConfig = configFromEnv(GOOD_ENV);

/** An endpoint that counts every request it gets (every service of the worker goes there). */
let server: http.Server;
let requests = 0;
let endpoint: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>(resolve => server.close(() => resolve())));
beforeEach(() => { requests = 0; });

const options = () => ({
  config: CONFIG,
  deadline: Date.now() + 5_000,
  endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  region: 'us-east-1',
  env: { AWS_MAX_ATTEMPTS: '1' },
});

async function refusal(event: unknown): Promise<string> {
  const error = await runWorker(event, options()).then(() => undefined, e => e);
  expect(error).toBeInstanceOf(WorkerInputError);
  expect(requests).toBe(0);
  return (error as Error).message;
}

describe('the event: one error naming the field, the value and what is allowed; no call', () => {
  test.each([
    ['not an object', 'plan', 'invalid worker event: the event is "plan": an object {"action": "plan" | "target" | "summarize", "runId", "target" (with action target)} is allowed'],
    ['null', null, 'invalid worker event: the event is null: an object'],
    ['a list', [{ action: 'plan', runId: 'r' }], 'invalid worker event: the event is [{"action":"plan","runId":"r"}]: an object'],
    ['an unknown action', { action: 'delete', runId: 'r' }, 'invalid worker event: action is "delete": one of "plan", "target", "summarize" is allowed'],
    ['no action', { runId: 'r' }, 'invalid worker event: action is missing: one of'],
    ['action as a list', { action: ['plan'], runId: 'r' }, 'invalid worker event: action is ["plan"]: one of'],
    ['a runId with a path', { action: 'plan', runId: '../../other' }, 'invalid worker event: runId is "../../other": 1 to 80 letters, digits, - or _ is allowed'],
    ['a runId as a number', { action: 'summarize', runId: 7 }, 'invalid worker event: runId is 7: 1 to 80'],
    ['an unknown field', { action: 'plan', runId: 'r', bucket: 'other-bucket' },
      'invalid worker event: field "bucket" is "other-bucket": no such field (an event of action plan has action, runId) is allowed'],
    ['a target on plan', { action: 'plan', runId: 'r', target: { account: '111111111111', region: 'eu-west-1' } }, 'invalid worker event: field "target" is'],
    ['no target', { action: 'target', runId: 'r' }, 'invalid worker event: target is missing: an object {"account", "region"} is allowed'],
    ['an account of 11 digits', { action: 'target', runId: 'r', target: { account: '11111111111', region: 'eu-west-1' } },
      'invalid worker event: target.account is "11111111111": a 12-digit account id is allowed'],
    ['an account as a number', { action: 'target', runId: 'r', target: { account: 111111111111, region: 'eu-west-1' } }, 'invalid worker event: target.account is 111111111111: a 12-digit'],
    ['a region with a host', { action: 'target', runId: 'r', target: { account: '111111111111', region: 'eu-west-1.evil.example' } },
      'invalid worker event: target.region is "eu-west-1.evil.example": a region name (such as eu-west-1) is allowed'],
    ['a role in the target', { action: 'target', runId: 'r', target: { account: '111111111111', region: 'eu-west-1', roleArn: 'arn:aws:iam::1:role/x' } },
      'invalid worker event: target field "roleArn" is "arn:aws:iam::1:role/x": no such field (a target has account and region) is allowed'],
  ])('%s', async (_what, event, message) => {
    expect(await refusal(event)).toContain(message);
  });

  test('control characters and long values are escaped and bounded in the message', async () => {
    const message = await refusal({ action: 'plan', runId: `x\u001b[2J\r\nFAKE\u202e${'y'.repeat(10_000)}` });
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(message).toContain('"x\\u001b[2J\\r\\nFAKE\\u{202e}yyy');
    expect(message.length).toBeLessThan(400);
  });

  test('values JSON cannot show (a cycle, a bigint) still give the one error', async () => {
    const cyclic: any = { action: 'plan' };
    cyclic.runId = cyclic;
    expect(await refusal(cyclic)).toBe('invalid worker event: runId is a value of type object: 1 to 80 letters, digits, - or _ is allowed');
    expect(await refusal({ action: 'plan', runId: BigInt(1) })).toContain('runId is a value of type bigint');
  });

  test('the events the state machine sends are accepted as they are', () => {
    expect(validateEvent({ action: 'plan', runId: 'exec-1' })).toEqual({ action: 'plan', runId: 'exec-1' });
    expect(validateEvent({ action: 'summarize', runId: 'exec-1' })).toEqual({ action: 'summarize', runId: 'exec-1' });
    const target = { action: 'target', runId: 'exec-1', target: { account: '111111111111', region: 'us-gov-west-1' } };
    expect(validateEvent(target)).toEqual(target);
  });
});

describe('property: random events', () => {
  const valid = fc.oneof(
    fc.record({ action: fc.constantFrom('plan', 'summarize'), runId: fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/) }),
    fc.record({
      action: fc.constant('target'),
      runId: fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/),
      target: fc.record({ account: fc.stringMatching(/^\d{12}$/), region: fc.constantFrom('eu-west-1', 'us-east-1', 'cn-north-1') }),
    }),
  );
  /** A valid event with one field replaced, added or removed, at the top or in the target. */
  const mutated = fc.tuple(valid, fc.constantFrom('action', 'runId', 'target', 'account', 'region', 'extra', '__proto__', 'constructor'), fc.anything(), fc.boolean())
    .map(([e, field, value, remove]) => {
      const copy: any = JSON.parse(JSON.stringify(e));
      const into = (field === 'account' || field === 'region') && copy.target ? copy.target : copy;
      if (remove) {
        delete into[field];
      } else {
        Object.defineProperty(into, field, { value, enumerable: true, configurable: true, writable: true });
      }
      return copy;
    });
  const events = fc.oneof(fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }), mutated, valid);

  test('either a well-formed event, or one WorkerInputError and no call; never another error', async () => {
    await fc.assert(fc.asyncProperty(events, async event => {
      let accepted;
      try {
        accepted = validateEvent(event);
      } catch (e) {
        expect(e).toBeInstanceOf(WorkerInputError);
        const message = (e as Error).message;
        expect(message).toMatch(/^invalid worker event: (the event|action|runId|target|target\.account|target\.region|(target )?field "[^\n]*") is .+: .+ is allowed$/);
        expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(message.length).toBeLessThan(1000);
        requests = 0;
        await expect(runWorker(event, options())).rejects.toThrow(WorkerInputError);
        expect(requests).toBe(0);
        return;
      }
      // Accepted: exactly the contract's shape, and what a second check accepts again.
      expect(['plan', 'summarize', 'target']).toContain(accepted.action);
      expect(accepted.runId).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      expect(Object.keys(event as object).sort()).toEqual(Object.keys(accepted).sort());
      if (accepted.action === 'target') {
        expect(accepted.target.account).toMatch(/^\d{12}$/);
        expect(Object.keys((event as any).target).sort()).toEqual(['account', 'region']);
      }
      expect(validateEvent(accepted)).toEqual(accepted);
    }), { numRuns: 400 });
  });
});

describe('the configuration (the function\'s environment): refused before any call', () => {
  test.each([
    [ENV.bucket, 'Audit_Results', `environment variable ${ENV.bucket} is "Audit_Results": an S3 bucket name`],
    [ENV.bucket, undefined, `environment variable ${ENV.bucket} is missing: an S3 bucket name`],
    [ENV.regions, '"eu-west-1"', `environment variable ${ENV.regions} is "\\"eu-west-1\\"": a JSON array of 1 to 40 distinct region names is allowed`],
    [ENV.regions, '["eu-west-1","eu-west-1"]', 'a JSON array of 1 to 40 distinct region names'],
    [ENV.regions, `[${'['.repeat(20_000)}${']'.repeat(20_000)}]`, 'a JSON array of 1 to 40 distinct region names'],
    [ENV.accounts, '["1234"]', `environment variable ${ENV.accounts} is "[\\"1234\\"]": a JSON array of 0 to 100,000 distinct 12-digit account ids`],
    [ENV.memberRoleName, 'role/../admin', 'an IAM role name'],
    [ENV.partition, 'azure', 'an AWS partition'],
    [ENV.auditAccount, '12345678901x', 'a 12-digit account id'],
    [ENV.auditName, 'Audit\r\nFAKE', `environment variable ${ENV.auditName} is "Audit\\r\\nFAKE": 1 to 1024 characters without control characters`],
    [ENV.securityHub, 'yes', `environment variable ${ENV.securityHub} is "yes": "true", "false" or nothing is allowed`],
    [ENV.usage, 'TRUE', '"true", "false" or nothing'],
    [ENV.requestsPerSecond, '0', 'a whole number from 1 to 1,000'],
    [ENV.requestsPerSecond, '1e3', 'a whole number from 1 to 1,000'],
    [ENV.concurrency, '0.5', `environment variable ${ENV.concurrency} is "0.5": a whole number from 1 to 64 is allowed`],
    [ENV.concurrency, '100000', 'a whole number from 1 to 64'],
  ])('%s (case %#)', async (name, value, message) => {
    const env = { ...GOOD_ENV, [name]: value };
    expect(() => configFromEnv(env)).toThrow(WorkerInputError);
    expect(() => configFromEnv(env)).toThrow(message);
    // The Lambda entry point: the same error, no call (the endpoint would count it).
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { ...env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
      if (value === undefined) {
        delete process.env[name];
      }
      await expect(handler({ action: 'plan', runId: 'r' }, { getRemainingTimeInMillis: () => 60_000 } as any)).rejects.toThrow(message);
    } finally {
      process.env = saved;
    }
    expect(requests).toBe(0);
  });

  test('the construct\'s environment is accepted; limits are the construct\'s', () => {
    expect(CONFIG).toEqual({
      bucket: 'audit-results',
      regions: ['eu-west-1', 'us-east-1'],
      accounts: [],
      memberRoleName: 'cdk-ecr-registry-audit',
      partition: 'aws',
      auditAccount: '123456789012',
      auditName: 'Security/Audit',
      securityHub: true,
      usage: true,
      requestsPerSecond: 20,
      concurrency: 8,
    });
    expect(configFromEnv({ ...GOOD_ENV, [ENV.accounts]: '["111111111111"]', [ENV.securityHub]: 'false' })).toMatchObject({ accounts: ['111111111111'], securityHub: false });
    expect(WORKER_LIMITS.regions).toBe(40);
  });

  test('property: random values of every variable give a config within the limits or one WorkerInputError', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.values(ENV)), fc.oneof(fc.string(), fc.json(), fc.constant(undefined)), (name, value) => {
      let config: WorkerConfig;
      try {
        config = configFromEnv({ ...GOOD_ENV, [name]: value });
      } catch (e) {
        expect(e).toBeInstanceOf(WorkerInputError);
        expect((e as Error).message).toMatch(new RegExp(`^environment variable ${name} is .+ is allowed \\(the RegistryAudit construct sets it\\)$`));
        return;
      }
      expect(Number.isInteger(config.concurrency) && config.concurrency >= 1 && config.concurrency <= 64).toBe(true);
      expect(Number.isInteger(config.requestsPerSecond) && config.requestsPerSecond >= 1 && config.requestsPerSecond <= 1000).toBe(true);
      expect(config.regions.length).toBeGreaterThanOrEqual(1);
    }), { numRuns: 300 });
  });
});
