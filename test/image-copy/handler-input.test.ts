/**
 * The ImageCopy handler against hostile properties (an escape hatch, a hand-edited template): every
 * property checked by type and value before any call, one error naming it, its value and what is
 * allowed; settings it does not understand fail (Platforms as a string is not "every platform");
 * a Delete answers SUCCESS whatever the properties and touches nothing when they are invalid; log
 * lines and the Reason escaped and bounded. Property-based with random properties.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { ECRClient } from '@aws-sdk/client-ecr';
import fc from 'fast-check';
import { CustomResourceEvent } from '../../src/image-check/image-check.lambda';
import { createHandler, handleEvent } from '../../src/image-copy/image-copy.lambda';
import { parseProperties } from '../../src/image-copy/private/copy-event';
import { MAX_LOG_LINE_CHARS } from '../../src/private/escape';

jest.setTimeout(60_000);

const HOST = '111111111111.dkr.ecr.us-east-1.amazonaws.com';

/** Every call the handler makes: ECR through the fake client, Secrets Manager and registries through the server. */
let calls: string[] = [];
let server: http.Server;
let local: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls.push(`http ${req.method} ${req.url}`);
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  local = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>(resolve => server.close(() => resolve())));
beforeEach(() => { calls = []; });

const ecr = {
  send: async (cmd: any) => {
    calls.push(`ECR ${cmd.constructor.name}`);
    throw Object.assign(new Error('refused by the test'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
  },
  destroy: () => undefined,
} as unknown as ECRClient;

const options = () => ({
  ecrClient: () => ecr,
  secretsEndpoint: `http://${local}`,
  policy: { maxAttempts: 1 },
});

const event = (type: string, props: unknown, physicalId?: string): CustomResourceEvent => ({
  RequestType: type,
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000',
  RequestId: 'req',
  LogicalResourceId: 'Copy',
  ResourceType: 'Custom::EcrImageCopy',
  ResourceProperties: props,
  ...(physicalId !== undefined ? { PhysicalResourceId: physicalId } : {}),
});

const valid = () => ({ Source: `${local}/app:v1`, Destination: `${HOST}/app`, Tags: ['v1'], Platforms: ['linux/amd64'], RemoveTagsOnDelete: 'true' });

describe('settings it does not understand fail before any call, naming the property, the value and what is allowed', () => {
  test.each([
    ['Platforms as a string (not "every platform")', { Platforms: 'linux/amd64' }, 'invalid properties: Platforms is "linux/amd64": a list of at most 16 strings is allowed'],
    ['a platform that is not OS/ARCH', { Platforms: ['amd64'] }, 'invalid properties: Platforms: platform "amd64" is not OS/ARCH[/VARIANT]'],
    ['Tags as a string', { Tags: 'v1' }, 'invalid properties: Tags is "v1": a list of at most 10 strings is allowed'],
    ['RemoveTagsOnDelete as a boolean', { RemoveTagsOnDelete: true }, 'invalid properties: RemoveTagsOnDelete must be "true" or absent, not true'],
    ['RemoveTagsOnDelete "yes"', { RemoveTagsOnDelete: 'yes' }, 'invalid properties: RemoveTagsOnDelete must be "true" or absent, not "yes"'],
    ['RemoveTagsOnDelete without a prototype', { RemoveTagsOnDelete: Object.create(null) }, 'invalid properties: RemoveTagsOnDelete must be "true" or absent, not {}'],
    ['Source as a number', { Source: 7 }, 'invalid properties: Source is 7: a non-empty string of at most 2048 characters is allowed'],
    ['Source that is not a reference', { Source: 'http://x y' }, 'invalid properties: Source: image reference "http://x y"'],
    ['Destination missing', { Destination: undefined }, 'invalid properties: Destination is missing: a non-empty string'],
  ])('%s', async (_what, change, reason) => {
    const props: Record<string, unknown> = { ...valid(), ...change };
    for (const type of ['Create', 'Update']) {
      const res = await handleEvent(event(type, props), Date.now() + 10_000, options());
      expect(res.Status).toBe('FAILED');
      expect(res.Reason).toContain(`image copy failed: ${reason}`);
    }
    expect(calls).toEqual([]);
  });

  test('a hostile value is escaped and bounded in the Reason', async () => {
    const res = await handleEvent(event('Create', { ...valid(), Tags: `v1\u001b[2J\r\nFAKE\u009b${'x'.repeat(100_000)}` }), Date.now() + 10_000, options());
    expect(res.Reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(res.Reason!.length).toBeLessThan(400);
    expect(calls).toEqual([]);
  });
});

describe('property: random properties', () => {
  // A Delete logs what it did not remove: quiet here (the entry point's lines are checked below).
  beforeAll(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  /** The valid properties with one property replaced by anything, or removed, or one added. */
  const mutated = fc.tuple(
    fc.constantFrom('Source', 'Destination', 'Tags', 'Platforms', 'RemoveTagsOnDelete', 'SourceSecretArn', 'Extra', '__proto__'),
    fc.oneof(fc.anything({ withNullPrototype: true, withBigInt: true }), fc.string(), fc.array(fc.string(), { maxLength: 20 })),
    fc.boolean(),
  ).map(([key, value, remove]) => {
    const props: Record<string, unknown> = valid();
    if (remove) {
      delete props[key];
    } else {
      Object.defineProperty(props, key, { value, enumerable: true, configurable: true, writable: true });
    }
    return props;
  });
  const properties = fc.oneof(mutated, fc.anything({ withNullPrototype: true, withBigInt: true }));

  test('Create/Update: invalid properties get FAILED with one escaped, bounded Reason and no call', async () => {
    await fc.assert(fc.asyncProperty(properties, fc.constantFrom('Create', 'Update'), async (props, type) => {
      let invalid = false;
      try {
        parseProperties(props);
      } catch (e) {
        invalid = true;
        expect((e as Error).message).toMatch(/^invalid properties: /);
      }
      fc.pre(invalid);
      calls = [];
      const res = await handleEvent(event(type, props), Date.now() + 10_000, options());
      expect(res.Status).toBe('FAILED');
      expect(res.Reason).toMatch(/^image copy failed: invalid properties: /);
      expect(res.Reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(res.Reason!.length).toBeLessThan(1000);
      expect(calls).toEqual([]);
    }), { numRuns: 300 });
  });

  test('Delete: SUCCESS whatever the properties; invalid ones get no call', async () => {
    await fc.assert(fc.asyncProperty(properties, async props => {
      let invalid = false;
      try {
        parseProperties(props);
      } catch {
        invalid = true;
      }
      calls = [];
      const res = await handleEvent(event('Delete', props, `${HOST}/app@sha256:${'a'.repeat(64)}`), Date.now() + 10_000, options());
      expect(res.Status).toBe('SUCCESS');
      if (invalid) {
        expect(calls).toEqual([]);
      }
    }), { numRuns: 200 });
  });
});

test('the entry point: every log line escaped and bounded, whatever the event', async () => {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation(l => { lines.push(String(l)); });
  const error = jest.spyOn(console, 'error').mockImplementation(l => { lines.push(String(l)); });
  try {
    const handler = createHandler({ allowResponseUrl: () => false });
    await handler({ ...event('Create', { ...valid(), Tags: ['x'.repeat(200_000)] }), LogicalResourceId: `Copy\r\nFAKE\u001b[2J${'y'.repeat(100_000)}`, ResponseURL: 'https://example.com/?X-Amz-Signature=1' },
      { getRemainingTimeInMillis: () => 60_000, logGroupName: '/aws/lambda/x' });
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) {
    expect(l.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    expect(l).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  }
  expect(calls).toEqual([]);
});
