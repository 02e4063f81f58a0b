/**
 * The handler against hostile input: the event validated by type and value before any call, gates
 * that fail closed, a Delete that touches nothing on bad input, the size limit, escaped and bounded
 * log lines and Reason, the ResponseURL checked before anything else, and a response PUT that does
 * not retry what cannot change.
 */
import * as http from 'http';
import { ECRClient } from '@aws-sdk/client-ecr';
import fc from 'fast-check';
import { responseServer } from './fake-ecr';
import {
  createHandler, CustomResourceEvent, handleEvent, RESPONSE_BACKOFF_FLOOR_MS, ResponseNotSentError, sendResponse,
} from '../../src/image-check/image-check.lambda';
import { parseProperties } from '../../src/image-check/private/check-images';
import { MAX_IMAGES_PER_RESOURCE } from '../../src/image-check/private/contract';
import { checkResponseUrl } from '../../src/private/response-url';

jest.setTimeout(30_000);

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const S3_URL = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation/x?X-Amz-Signature=abc';

/** An ECR that answers everything, with findings at every severity and no signature: every gate it reaches fails. */
function recordingEcr() {
  const calls: string[] = [];
  const client = {
    send: async (cmd: any) => {
      const name = cmd.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const input = cmd.input;
      switch (name) {
        case 'DescribeImages':
          return { imageDetails: (input.imageIds ?? []).map((id: any, i: number) => ({ imageDigest: id.imageDigest ?? `sha256:${String(i).padStart(64, 'a')}`, imageTags: id.imageTag ? [id.imageTag] : [], imageStatus: 'ACTIVE' })) };
        case 'DescribeImageScanFindings':
          return { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { INFORMATIONAL: 1, LOW: 1, MEDIUM: 1, HIGH: 1, CRITICAL: 1 } } };
        case 'DescribeImageSigningStatus':
          return { signingStatuses: [] };
        default:
          return {};
      }
    },
    destroy: () => undefined,
  } as unknown as ECRClient;
  return { calls, clientFor: () => client };
}

const far = () => Date.now() + 20_000;
const img = (extra: Record<string, unknown> = {}) => ({ Registry: ACCOUNT, Region: REGION, Repository: 'app', Tag: 'v1', ...extra });
const event = (props: unknown, extra: Partial<CustomResourceEvent> = {}): CustomResourceEvent => ({
  RequestType: 'Create',
  StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000`,
  RequestId: 'req',
  LogicalResourceId: 'Check0',
  ResourceType: 'Custom::EcrImageCheck',
  ResourceProperties: props,
  ...extra,
});

let logs: string[];
beforeEach(() => {
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { logs.push(a.join(' ')); });
});
afterEach(() => jest.restoreAllMocks());

describe('gates fail closed', () => {
  test('FailOnSeverity given as a list: FAILED before any call (an image with a HIGH finding passed before)', async () => {
    const ecr = recordingEcr();
    const res = await handleEvent(event({ Images: [img()], FailOnSeverity: ['HIGH'] }), far(), { clientFor: ecr.clientFor });
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toBe('InvalidPropertiesError: invalid image check properties: FailOnSeverity ["HIGH"] must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL (one severity, as a string)');
    expect(ecr.calls).toEqual([]);
  });

  test.each([
    ['a misspelt gate', { FailOnSeverities: 'HIGH' }, /unknown property "FailOnSeverities"/],
    ['a gate as a boolean', { RequireSignature: true }, /RequireSignature true must be "true" or absent/],
    ['protection not understood', { ProtectInUse: 'yes' }, /ProtectInUse "yes" must be "true" or absent/],
    ['a lower-case severity', { FailOnSeverity: 'high' }, /FailOnSeverity "high" must be one of/],
    ['an empty severity', { FailOnSeverity: '' }, /FailOnSeverity "" must be one of/],
    ['a wait as a number with spaces', { FailOnSeverity: 'HIGH', ScanWaitSeconds: ' 5' }, /ScanWaitSeconds " 5" must be 0-180/],
    ['an empty wait', { FailOnSeverity: 'HIGH', ScanWaitSeconds: '' }, /ScanWaitSeconds "" must be 0-180/],
  ])('%s: FAILED, no call', async (_what, extra, reason) => {
    const ecr = recordingEcr();
    const res = await handleEvent(event({ Images: [img()], ...extra }), far(), { clientFor: ecr.clientFor });
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toMatch(reason);
    expect(ecr.calls).toEqual([]);
  });

  test.each([
    ['a registry that is not an account id', { Registry: '1111' }, /Images\[0\]\.Registry "1111" is not an AWS account id/],
    ['a region that is not one', { Region: 'localhost' }, /Images\[0\]\.Region "localhost" is not an AWS region/],
    ['a repository name with ..', { Repository: '../x' }, /Images\[0\]\.Repository "\.\.\/x" is not a repository name/],
    ['a tag that is a list', { Tag: ['v1'] }, /Images\[0\]\.Tag \["v1"\] is not an image tag/],
    ['an unknown key', { Platform: 'linux/amd64' }, /Images\[0\] has unknown keys "Platform"/],
  ])('an image with %s: FAILED, no call', async (_what, extra, reason) => {
    const ecr = recordingEcr();
    const res = await handleEvent(event({ Images: [img(extra)] }), far(), { clientFor: ecr.clientFor });
    expect(res.Status).toBe('FAILED');
    expect(res.Reason).toMatch(reason);
    expect(ecr.calls).toEqual([]);
  });

  test('the properties ImageCheck renders are valid', () => {
    expect(() => parseProperties({
      ServiceToken: 'arn',
      ServiceTimeout: '360',
      Images: [img(), img({ Tag: undefined, Digest: `sha256:${'a'.repeat(64)}` })],
      FailOnSeverity: 'HIGH',
      ScanWaitSeconds: '120',
      ProtectInUse: 'true',
      RequireSignature: 'true',
      SignatureWaitSeconds: '120',
    })).not.toThrow();
  });
});

describe('property: random event properties', () => {
  const value = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('true', 'HIGH', 'CRITICAL', 'LOW', '0', '180', '181', ''),
    fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.constantFrom('HIGH', 'true'), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
  const image = fc.record({
    Registry: fc.oneof(fc.constant(ACCOUNT), value),
    Region: fc.oneof(fc.constant(REGION), value),
    Repository: fc.oneof(fc.constant('app'), value),
    Tag: fc.oneof(fc.constant('v1'), value),
    Digest: fc.oneof(fc.constant(`sha256:${'b'.repeat(64)}`), value),
    Extra: value,
  }, { requiredKeys: [] });
  const props = fc.record({
    Images: fc.oneof(fc.array(image, { maxLength: 3 }), value, fc.constant(Array.from({ length: 41 }, () => img()))),
    FailOnSeverity: value,
    ScanWaitSeconds: value,
    ProtectInUse: value,
    RequireSignature: value,
    SignatureWaitSeconds: value,
    FailOnSeveriti: value,
    ServiceToken: fc.constant('arn'),
  }, { requiredKeys: ['ServiceToken'] });

  test('never a SUCCESS on a gate it could not evaluate, never a call before validation', async () => {
    await fc.assert(fc.asyncProperty(props, fc.constantFrom('Create', 'Update'), async (p, type) => {
      const ecr = recordingEcr();
      const res = await handleEvent(event(p, { RequestType: type, PhysicalResourceId: 'ecr-image-check-x' }), far(), { clientFor: ecr.clientFor });
      let valid = true;
      try {
        parseProperties(p);
      } catch {
        valid = false;
      }
      if (!valid) {
        expect(res.Status).toBe('FAILED');
        expect(ecr.calls).toEqual([]);
      }
      // Every gate this ECR reaches fails (findings at every severity, no signature): a gate key, whatever its value, is never a pass.
      if ('FailOnSeverity' in p || 'RequireSignature' in p || 'FailOnSeveriti' in p) {
        expect(res.Status).toBe('FAILED');
      }
      expect(res.Reason ?? '').not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }), { numRuns: 300 });
  });

  test('Delete: SUCCESS whatever the properties; properties that are not valid get no call', async () => {
    await fc.assert(fc.asyncProperty(props, async p => {
      const ecr = recordingEcr();
      const res = await handleEvent(event(p, { RequestType: 'Delete', PhysicalResourceId: 'ecr-image-check-x' }), far(), { clientFor: ecr.clientFor });
      expect(res.Status).toBe('SUCCESS');
      let valid = true;
      try {
        parseProperties(p);
      } catch {
        valid = false;
      }
      if (!valid) {
        expect(ecr.calls).toEqual([]);
      }
    }), { numRuns: 200 });
  });
});

describe('Delete, sizes, escaping', () => {
  test('a Delete asking for protection with invalid properties: SUCCESS, no tag touched', async () => {
    const ecr = recordingEcr();
    const res = await handleEvent(event({ Images: [img({ Repository: 'app\r\nx' })], ProtectInUse: 'true' }, { RequestType: 'Delete', PhysicalResourceId: 'ecr-image-check-x' }),
      far(), { clientFor: ecr.clientFor });
    expect(res).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ecr-image-check-x' });
    expect(ecr.calls).toEqual([]);
  });

  test(`more than ${MAX_IMAGES_PER_RESOURCE} images: FAILED before any call`, async () => {
    const ecr = recordingEcr();
    const res = await handleEvent(event({ Images: Array.from({ length: MAX_IMAGES_PER_RESOURCE + 1 }, (_, i) => img({ Tag: `v${i}` })) }), far(), { clientFor: ecr.clientFor });
    expect(res.Reason).toMatch(/Images lists 41 images; one resource checks at most 40/);
    expect(ecr.calls).toEqual([]);
  });

  test('100,000 image references: refused at once, every log line bounded (one line was 9.2 MB)', async () => {
    const server = await responseServer();
    const ecr = recordingEcr();
    try {
      const handler = createHandler({ allowResponseUrl: () => true, clientFor: ecr.clientFor });
      const started = Date.now();
      await handler(event({ Images: Array.from({ length: 100_000 }, (_, i) => img({ Tag: `v${i}` })) }, { ResponseURL: server.url }), { getRemainingTimeInMillis: () => 60_000 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(server.bodies[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/Images lists 100,000 images/) });
      expect(ecr.calls).toEqual([]);
      expect(Math.max(...logs.map(l => l.length))).toBeLessThanOrEqual(8_192);
    } finally {
      await server.close();
    }
  });

  test('a tag with CRLF and ESC: escaped in the Reason and in every log line', async () => {
    const server = await responseServer();
    const ecr = recordingEcr();
    try {
      const handler = createHandler({ allowResponseUrl: () => true, clientFor: ecr.clientFor });
      await handler(event({ Images: [img({ Tag: 'v1\r\nFAKE LOG LINE\u001b[2J' })] }, { ResponseURL: server.url }), { getRemainingTimeInMillis: () => 60_000 });
      const reason: string = server.bodies[0].Reason;
      expect(reason).not.toMatch(/[\r\n\u001b]/);
      expect(reason).toContain('\\r\\nFAKE LOG LINE\\u001b[2J');
      for (const line of logs) {
        expect(line).not.toMatch(/[\r\n\u001b\u0085]/);
      }
    } finally {
      await server.close();
    }
  });
});

describe('the ResponseURL', () => {
  /** A server that counts every request, whatever it is. */
  async function counting() {
    let hits = 0;
    const server = http.createServer((_req, res) => { hits++; res.writeHead(200); res.end(); });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as any).port}`, hits: () => hits, close: () => new Promise<void>(r => server.close(() => r())) };
  }

  test.each([
    ['plain http (a PUT went to 169.254.169.254)', (u: string) => `${u}/latest/meta-data?X-Amz-Signature=a`],
    ['another https host', () => 'https://example.com/cloudformation-custom-resource-response-useast1/x?X-Amz-Signature=a'],
    ['file:', () => 'file:///etc/passwd'],
    ['not a URL', () => 'not a url'],
    ['absent', () => undefined],
  ])('%s: refused before any call, logged, nothing sent', async (_what, url) => {
    const srv = await counting();
    const ecr = recordingEcr();
    try {
      const handler = createHandler({ clientFor: ecr.clientFor });
      await handler(event({ Images: [img()] }, { ResponseURL: url(srv.url) }), { getRemainingTimeInMillis: () => 60_000 });
      expect(ecr.calls).toEqual([]);
      expect(srv.hits()).toBe(0);
      expect(logs.filter(l => /^refused the request: .*no call made and no answer sent \(CloudFormation waits for the resource's ServiceTimeout, 360 s\)$/.test(l))).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  test.each([
    S3_URL,
    'https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/x?AWSAccessKeyId=A&Expires=1&Signature=s',
    'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x?X-Amz-Signature=a',
    'https://s3.us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2/x?X-Amz-Signature=a',
    'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x?X-Amz-Signature=a',
    'https://cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com/x?X-Amz-Signature=a',
  ])('accepted: %s', url => {
    expect(checkResponseUrl(url)).toEqual({ url: new URL(url) });
  });

  test.each([
    ['https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x?X-Amz-Signature=a', /is not CloudFormation's response bucket/],
    ['https://evil-cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=a', /is not CloudFormation's response bucket/],
    ['https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.cn/x?X-Amz-Signature=a', /mixes the partitions/],
    ['https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:444/x?X-Amz-Signature=a', /names port 444/],
    ['https://u:p@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=a', /carries user information/],
    ['https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x', /is not pre-signed/],
    ['https://s3.amazonaws.com/some-other-bucket/x?X-Amz-Signature=a', /is not CloudFormation's response bucket/],
  ])('refused: %s', (url, problem) => {
    expect((checkResponseUrl(url) as { problem: string }).problem).toMatch(problem);
  });

  test('errors that cannot change are never retried; 429 is; the backoff has a floor near the deadline', async () => {
    const res = { Status: 'SUCCESS' as const, PhysicalResourceId: 'p', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' };
    await expect(sendResponse('not a url', res, { deadline: Date.now() + 2_000 })).rejects.toMatchObject({ attempts: 0, message: expect.stringMatching(/not a URL; not retried/) });
    await expect(sendResponse('file:///etc/passwd', res, { deadline: Date.now() + 2_000 })).rejects.toMatchObject({ attempts: 0 });
    const statuses: number[] = [];
    const server = http.createServer((_req, r) => {
      const s = statuses.shift() ?? 500;
      r.writeHead(s);
      r.end();
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as any).port}/x`;
    try {
      statuses.push(403);
      await expect(sendResponse(url, res, { deadline: Date.now() + 2_000 })).rejects.toMatchObject({ attempts: 1 });
      statuses.push(429, 200);
      await expect(sendResponse(url, res, { deadline: Date.now() + 2_000, baseDelayMs: 1 })).resolves.toBe(2);
      // 5xx until the deadline, with a jitter of 0: the floor bounds the attempts (6,095 in 2.8 s before).
      statuses.length = 0;
      let error: ResponseNotSentError | undefined;
      const started = Date.now();
      try {
        await sendResponse(url, res, { deadline: Date.now() + 1_000, random: () => 0 });
      } catch (e) {
        error = e as ResponseNotSentError;
      }
      expect(error).toBeInstanceOf(ResponseNotSentError);
      expect(error!.attempts).toBeLessThanOrEqual(Math.ceil(1_000 / RESPONSE_BACKOFF_FLOOR_MS));
      expect(error!.attempts).toBeGreaterThan(1);
      expect(Date.now() - started).toBeLessThan(1_100);
      expect(error!.message).toMatch(new RegExp(`after ${error!.attempts} attempts over .* \\(last: HTTP 500\\)`));
    } finally {
      await new Promise<void>(r => server.close(() => r()));
    }
  });
});
