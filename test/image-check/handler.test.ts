import { Readable } from 'stream';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { clientFor, digestOf, failureOf, FakeEcr, far, REGION, REGISTRY, responseServer } from './fake-ecr';
import {
  createHandler, CustomResourceResponse, fitReason, handleEvent, physicalIdOf,
} from '../../src/image-check/image-check.lambda';
import { checkImages } from '../../src/image-check/private/check-images';
import { ImageSpec, MAX_IMAGES_PER_RESOURCE, MAX_RESPONSE_BYTES } from '../../src/image-check/private/contract';

/** The handler, answering to the test's local server (the built-in check takes only CloudFormation's S3 URLs). */
const handler = createHandler({ allowResponseUrl: () => true });

const tag = (repository: string, t: string, registry = REGISTRY, region = REGION): ImageSpec =>
  ({ Registry: registry, Region: region, Repository: repository, Tag: t });
const byDigest = (repository: string, d: string): ImageSpec =>
  ({ Registry: REGISTRY, Region: REGION, Repository: repository, Digest: d });


// The handler logs every request and failure (CloudWatch Logs); keep the test output readable.
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
});

describe('image check handler (mocked ECR)', () => {
  let ecr: FakeEcr;
  beforeEach(() => { ecr = new FakeEcr(); });
  afterEach(() => ecr.restore());

  test('all present: tags resolve to digests, in order, in one call', async () => {
    const d1 = ecr.add({ repository: 'payments/api', tags: ['v1'] });
    const d2 = ecr.add({ repository: 'payments/api', tags: ['v2', 'stable'] });
    const result = await checkImages({ Images: [tag('payments/api', 'v2'), tag('payments/api', 'v1'), tag('payments/api', 'stable')] }, { clientFor, deadline: far() });
    expect(result.digests).toEqual([d2, d1, d2]);
    expect(ecr.callsFor('payments/api')).toBe(1);
    expect(ecr.describeCalls[0].imageIds).toEqual([{ imageTag: 'v2' }, { imageTag: 'v1' }, { imageTag: 'stable' }]);
  });

  test('one missing among 250: the failure names exactly that image', async () => {
    const images: ImageSpec[] = [];
    for (let i = 0; i < 250; i++) {
      if (i !== 137) {
        ecr.add({ repository: 'web', tags: [`build-${i}`] });
      }
      images.push(tag('web', `build-${i}`));
    }
    const failure = await failureOf({ Images: images });
    expect(failure.problems).toEqual([`web:build-137 (registry ${REGISTRY}, ${REGION}) not found`]);
    expect(failure.message).toBe(`1 of 250 images cannot be deployed: web:build-137 (registry ${REGISTRY}, ${REGION}) not found`);
    // 3 batches of at most 100; the failing one is retried once without the id ECR named.
    expect(ecr.describeCalls.map(c => c.imageIds!.length)).toEqual([100, 100, 50, 99]);
  });

  test('one missing among 250, error message without the id: bisecting the failing batch finds exactly it', async () => {
    ecr.nameMissingInMessage = false;
    const images: ImageSpec[] = [];
    for (let i = 0; i < 250; i++) {
      if (i !== 137) {
        ecr.add({ repository: 'web', tags: [`build-${i}`] });
      }
      images.push(tag('web', `build-${i}`));
    }
    const failure = await failureOf({ Images: images });
    expect(failure.problems).toEqual([`web:build-137 (registry ${REGISTRY}, ${REGION}) not found`]);
    // 3 batches + halving the failing batch of 100 down to the one id: at most 2·log2(100) more.
    expect(ecr.callsFor('web')).toBeLessThanOrEqual(3 + 2 * 7);
    expect(ecr.callsFor('web')).toBeGreaterThan(4);
  });

  test('several missing across repositories: all named in one failure', async () => {
    ecr.add({ repository: 'a', tags: ['1'] });
    ecr.add({ repository: 'b', tags: ['1'] });
    const present = ecr.add({ repository: 'b', tags: ['2'] });
    const absentDigest = digestOf('nothing');
    const failure = await failureOf({
      Images: [tag('a', '1'), tag('a', 'gone'), tag('b', '1'), tag('b', 'expired'), byDigest('b', present), byDigest('b', absentDigest), tag('c', 'x')],
    });
    expect(failure.problems.sort()).toEqual([
      `a:gone (registry ${REGISTRY}, ${REGION}) not found`,
      `b:expired (registry ${REGISTRY}, ${REGION}) not found`,
      `b@${absentDigest} (registry ${REGISTRY}, ${REGION}) not found`,
      `c:x (registry ${REGISTRY}, ${REGION}) repository not found`,
    ]);
    expect(failure.message).toMatch(/^4 of 7 images cannot be deployed: /);
  });

  test('mixed tags and digests in one call', async () => {
    const d1 = ecr.add({ repository: 'app', tags: ['v1'] });
    const d2 = ecr.add({ repository: 'app', tags: [] });
    const result = await checkImages({ Images: [byDigest('app', d2), tag('app', 'v1'), byDigest('app', d1)] }, { clientFor, deadline: far() });
    expect(result.digests).toEqual([d2, d1, d1]);
    expect(ecr.callsFor('app')).toBe(1);
    expect(ecr.describeCalls[0].imageIds).toEqual([{ imageDigest: d2 }, { imageTag: 'v1' }, { imageDigest: d1 }]);
  });

  test('DescribeImages calls = ceil(ids / 100) per repository when all exist', async () => {
    const sizes: Record<string, number> = { big: 250, exact: 100, one: 1, odd: 101 };
    const images: ImageSpec[] = [];
    for (const [repo, n] of Object.entries(sizes)) {
      for (let i = 0; i < n; i++) {
        ecr.add({ repository: repo, tags: [`t${i}`] });
        images.push(tag(repo, `t${i}`));
      }
    }
    const result = await checkImages({ Images: images }, { clientFor, deadline: far() });
    expect(result.digests).toHaveLength(452);
    for (const [repo, n] of Object.entries(sizes)) {
      expect(ecr.callsFor(repo)).toBe(Math.ceil(n / 100));
    }
    expect(ecr.describeCalls).toHaveLength(3 + 1 + 1 + 2);
  });

  test('duplicate references are asked once', async () => {
    ecr.add({ repository: 'app', tags: ['v1'] });
    await checkImages({ Images: [tag('app', 'v1'), tag('app', 'v1')] }, { clientFor, deadline: far() });
    expect(ecr.describeCalls[0].imageIds).toEqual([{ imageTag: 'v1' }]);
  });

  test('archived image fails with a message saying it is archived', async () => {
    ecr.add({ repository: 'app', tags: ['old'], status: 'ARCHIVED' });
    ecr.add({ repository: 'app', tags: ['restoring'], status: 'ACTIVATING' });
    ecr.add({ repository: 'app', tags: ['v1'] });
    const failure = await failureOf({ Images: [tag('app', 'old'), tag('app', 'restoring'), tag('app', 'v1')] });
    expect(failure.problems).toEqual([
      `app:old (registry ${REGISTRY}, ${REGION}) is archived (ECR archive storage class) and cannot be pulled: restore it to the standard storage class (UpdateImageStorageClass) or push it again`,
      `app:restoring (registry ${REGISTRY}, ${REGION}) is being restored from the ECR archive (ACTIVATING) and cannot be pulled yet: wait for the restore to finish`,
    ]);
  });

  describe('scan gate', () => {
    test('findings above the threshold fail, naming the counts', async () => {
      const d = ecr.add({ repository: 'app', tags: ['v1'], scans: [{ status: 'COMPLETE', counts: { CRITICAL: 1, HIGH: 2, LOW: 7 } }] });
      const failure = await failureOf({ Images: [tag('app', 'v1')], FailOnSeverity: 'HIGH' });
      expect(failure.problems).toEqual([`app:v1 (registry ${REGISTRY}, ${REGION}) [${d}] has findings at or above HIGH: 1 CRITICAL, 2 HIGH`]);
    });

    test('findings below the threshold pass', async () => {
      const d = ecr.add({ repository: 'app', tags: ['v1'], scans: [{ status: 'COMPLETE', counts: { MEDIUM: 3, LOW: 7, INFORMATIONAL: 2 } }] });
      const result = await checkImages({ Images: [tag('app', 'v1')], FailOnSeverity: 'HIGH' }, { clientFor, deadline: far() });
      expect(result.digests).toEqual([d]);
      expect(ecr.mock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
    });

    test('a scan in progress is waited for, then judged', async () => {
      const sleeps: number[] = [];
      ecr.add({
        repository: 'app',
        tags: ['v1'],
        scans: [{ status: 'IN_PROGRESS' }, { status: 'IN_PROGRESS' }, { status: 'COMPLETE', counts: { CRITICAL: 1 } }],
      });
      let now = 1_000_000;
      const failure = await failureOf({ Images: [tag('app', 'v1')], FailOnSeverity: 'CRITICAL', ScanWaitSeconds: '60' }, {
        now: () => now, sleep: async ms => { sleeps.push(ms); now += ms; }, scanPollMs: 10_000, deadline: now + 300_000,
      });
      expect(sleeps).toEqual([10_000, 10_000]);
      expect(failure.problems[0]).toMatch(/has findings at or above CRITICAL: 1 CRITICAL$/);
    });

    test('a scan still in progress after the wait fails', async () => {
      ecr.add({ repository: 'app', tags: ['v1'], scans: [{ status: 'IN_PROGRESS' }] });
      let now = 0;
      const failure = await failureOf({ Images: [tag('app', 'v1')], FailOnSeverity: 'HIGH', ScanWaitSeconds: '30' }, {
        now: () => now, sleep: async ms => { now += ms; }, scanPollMs: 10_000, deadline: 300_000,
      });
      expect(now).toBe(30_000);
      expect(failure.problems[0]).toMatch(/scan still IN_PROGRESS after waiting 30 s$/);
    });

    test('an image never scanned fails: there is nothing to judge', async () => {
      ecr.add({ repository: 'app', tags: ['v1'] });
      const failure = await failureOf({ Images: [tag('app', 'v1')], FailOnSeverity: 'CRITICAL' });
      expect(failure.problems[0]).toMatch(/has no scan results: scan it/);
    });

    test('a failed scan fails with its status and description', async () => {
      ecr.add({ repository: 'app', tags: ['v1'], scans: [{ status: 'UNSUPPORTED_IMAGE', description: 'The operating system is not supported' }] });
      const failure = await failureOf({ Images: [tag('app', 'v1')], FailOnSeverity: 'CRITICAL' });
      expect(failure.problems[0]).toMatch(/scan status is UNSUPPORTED_IMAGE \(The operating system is not supported\): no findings to judge$/);
    });
  });

  describe('CloudFormation protocol', () => {
    const event = (props: unknown, extra: Record<string, unknown> = {}) => ({
      RequestType: 'Create',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000',
      RequestId: 'req-1',
      LogicalResourceId: 'CheckCheck0ABCDEF',
      ResourceType: 'Custom::EcrImageCheck',
      ResourceProperties: { ServiceToken: 'arn', ...(props as object) },
      ...extra,
    });

    test('Create answers SUCCESS with one D<i> attribute per image, PUT to the ResponseURL', async () => {
      const d = ecr.add({ repository: 'app', tags: ['v1'] });
      const server = await responseServer();
      try {
        await handler({ ...event({ Images: [tag('app', 'v1')] }), ResponseURL: server.url }, { getRemainingTimeInMillis: () => 60_000 });
        expect(server.bodies).toHaveLength(1);
        expect(server.bodies[0]).toEqual({
          method: 'PUT',
          Status: 'SUCCESS',
          PhysicalResourceId: physicalIdOf({ Images: [tag('app', 'v1')] }),
          StackId: expect.stringContaining(':stack/App/'),
          RequestId: 'req-1',
          LogicalResourceId: 'CheckCheck0ABCDEF',
          Data: { D0: d },
        });
        expect(server.headers[0]['content-type']).toBe('');
      } finally {
        await server.close();
      }
    });

    test('a failed check answers FAILED with the reason, never throws', async () => {
      ecr.addRepository('app');
      const server = await responseServer();
      try {
        await handler({ ...event({ Images: [tag('app', 'nope')] }), ResponseURL: server.url }, { getRemainingTimeInMillis: () => 60_000 });
        expect(server.bodies[0]).toMatchObject({
          Status: 'FAILED',
          Reason: `1 of 1 image cannot be deployed: app:nope (registry ${REGISTRY}, ${REGION}) not found`,
        });
      } finally {
        await server.close();
      }
    });

    test('Delete with garbage input succeeds and does nothing', async () => {
      const server = await responseServer();
      try {
        await handler({ RequestType: 'Delete', ResponseURL: server.url, ResourceProperties: 'garbage' as any, PhysicalResourceId: 'ecr-image-check-x' } as any,
          { getRemainingTimeInMillis: () => 60_000 });
        expect(server.bodies[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ecr-image-check-x' });
        expect(ecr.describeCalls).toHaveLength(0);
        // Without a physical id or anything else, still SUCCESS.
        await handler({ RequestType: 'Delete', ResponseURL: server.url } as any, { getRemainingTimeInMillis: () => 60_000 });
        expect(server.bodies[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ecr-image-check-unknown' });
      } finally {
        await server.close();
      }
      await expect(handler(null as any, { getRemainingTimeInMillis: () => 60_000 })).resolves.toBeUndefined();
    });

    test('garbage Create properties fail with a readable reason', async () => {
      const res = await handleEvent(event({ Images: [{ Registry: REGISTRY, Region: REGION, Repository: 'app' }] }), far(), { clientFor });
      expect(res).toMatchObject({ Status: 'FAILED', Reason: 'InvalidPropertiesError: invalid image check properties: Images[0] needs exactly one of Tag and Digest' });
      const res2 = await handleEvent(event({ Images: 'x' }), far(), { clientFor });
      expect(res2.Reason).toBe('InvalidPropertiesError: invalid image check properties: Images must be a non-empty list');
    });

    test('the time budget ends the check with FAILED before the Lambda timeout', async () => {
      ecr.mock.on(DescribeImagesCommand).callsFake(() => new Promise(() => {}));
      const t0 = Date.now();
      const res = await handleEvent(event({ Images: [tag('app', 'v1')] }), Date.now() + 300, { clientFor });
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(res.Status).toBe('FAILED');
      expect(res.Reason).toMatch(/did not finish within its time budget/);
    });

    test('the physical id changes with the set of references, not their order or duplicates', () => {
      const a = physicalIdOf({ Images: [tag('app', 'v1'), tag('app', 'v2')] });
      expect(physicalIdOf({ Images: [tag('app', 'v2'), tag('app', 'v1'), tag('app', 'v1')] })).toBe(a);
      expect(physicalIdOf({ Images: [tag('app', 'v1'), tag('app', 'v3')] })).not.toBe(a);
      expect(physicalIdOf({ Images: [tag('app', 'v1'), tag('app', 'v2', '222222222222')] })).not.toBe(a);
      expect(a).toMatch(/^ecr-image-check-[0-9a-f]{32}$/);
    });

    test(`the largest resource (${MAX_IMAGES_PER_RESOURCE} images) answers within 4,096 bytes with long ids`, async () => {
      const images: ImageSpec[] = [];
      for (let i = 0; i < MAX_IMAGES_PER_RESOURCE; i++) {
        ecr.add({ repository: 'app', tags: [`v${i}`] });
        images.push(tag('app', `v${i}`));
      }
      const res = await handleEvent(event({ Images: images }, {
        StackId: `arn:aws:cloudformation:ap-southeast-2:111111111111:stack/${'s'.repeat(128)}/0f1e2d3c-aaaa-bbbb-cccc-000000000000`,
        LogicalResourceId: 'L'.repeat(255),
        RequestId: '0f1e2d3c-aaaa-bbbb-cccc-000000000000',
      }), far(), { clientFor });
      expect(res.Status).toBe('SUCCESS');
      expect(Object.keys(res.Data!)).toHaveLength(MAX_IMAGES_PER_RESOURCE);
      expect(Buffer.byteLength(JSON.stringify(res))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    });

    test('a long failure reason is cut to fit 4,096 bytes', () => {
      const res: CustomResourceResponse = {
        Status: 'FAILED', Reason: 'x"'.repeat(5000), PhysicalResourceId: 'p', StackId: 's', RequestId: 'r', LogicalResourceId: 'l',
      };
      const fitted = fitReason(res, '/aws/lambda/x');
      expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      expect(Buffer.byteLength(JSON.stringify(fitted))).toBeGreaterThan(MAX_RESPONSE_BYTES - 10);
      expect(fitted.Reason).toMatch(/\.\.\. \(truncated; the full list is in CloudWatch Logs \/aws\/lambda\/x\)$/);
    });
  });
});

describe('adaptive retries (real SDK middleware, fake HTTP transport)', () => {
  test('throttling then success: the SDK retries and the check passes', async () => {
    const digest = digestOf('x');
    const answers = [
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 200, body: { imageDetails: [{ registryId: REGISTRY, repositoryName: 'app', imageDigest: digest, imageTags: ['v1'], imageStatus: 'ACTIVE' }] } },
    ];
    const seen: string[] = [];
    const client = new ECRClient({
      region: REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      retryMode: 'adaptive',
      maxAttempts: 6,
      requestHandler: {
        handle: async (req: any) => {
          seen.push(req.headers['x-amz-target']);
          const a = answers.shift()!;
          // The shape of @smithy/protocol-http's HttpResponse.
          return {
            response: {
              statusCode: a.status,
              reason: undefined,
              headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' },
              body: Readable.from([Buffer.from(JSON.stringify(a.body))]),
            },
          };
        },
        updateHttpClientConfig: () => {},
        httpHandlerConfigs: () => ({}),
      } as any,
    });
    const result = await checkImages({ Images: [tag('app', 'v1')] }, { clientFor: () => client, deadline: far() });
    expect(result.digests).toEqual([digest]);
    expect(seen).toEqual(Array(2).fill('AmazonEC2ContainerRegistry_V20150921.DescribeImages'));
  });
});
