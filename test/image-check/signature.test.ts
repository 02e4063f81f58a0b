/**
 * The signature gate (`requireSignature`: DescribeImageSigningStatus).
 *
 * moto has no managed signing API (no DescribeImageSigningStatus, no signing configuration), so the
 * gate's logic runs against a mocked client (aws-sdk-client-mock, the fake ECR of the other handler
 * tests), and a contract test runs the real handler and SDK against a local HTTP server standing in
 * for ECR: it checks the request ECR documents (JSON 1.1 protocol, X-Amz-Target, body fields,
 * SigV4 for the ecr service) and that the real deserializer reads the answer the gate judges.
 */
import * as http from 'http';
import { DescribeImageScanFindingsCommand, DescribeImageSigningStatusCommand, ImageSigningStatus } from '@aws-sdk/client-ecr';
import { clientFor, digestOf, failureOf, FakeEcr, far, REGION, REGISTRY, responseServer } from './fake-ecr';
import { createHandler } from '../../src/image-check/image-check.lambda';
import { checkImages, parseProperties } from '../../src/image-check/private/check-images';
import { ImageSpec } from '../../src/image-check/private/contract';

/** The handler, answering to the test's local server (the built-in check takes only CloudFormation's S3 URLs). */
const handler = createHandler({ allowResponseUrl: () => true });

const PROFILE = `arn:aws:signer:${REGION}:${REGISTRY}:/signing-profiles/images`;
const OTHER_PROFILE = `arn:aws:signer:${REGION}:${REGISTRY}:/signing-profiles/legacy`;
const tag = (repository: string, t: string): ImageSpec => ({ Registry: REGISTRY, Region: REGION, Repository: repository, Tag: t });


beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation(() => {});
  jest.spyOn(console, 'error').mockImplementation(() => {});
});

describe('signature gate (mocked ECR: moto has no signing API)', () => {
  let ecr: FakeEcr;
  /** Successive signing answers per `repository@digest` (the last one repeats). */
  let signing: Map<string, ImageSigningStatus[][]>;
  beforeEach(() => {
    ecr = new FakeEcr();
    signing = new Map();
    ecr.mock.on(DescribeImageSigningStatusCommand).callsFake(async input => {
      const answers = signing.get(`${input.repositoryName}@${input.imageId?.imageDigest}`) ?? [[]];
      const statuses = answers.length > 1 ? answers.shift()! : answers[0];
      return { registryId: input.registryId, repositoryName: input.repositoryName, imageId: input.imageId, signingStatuses: statuses };
    });
  });
  afterEach(() => ecr.restore());

  const image = (repository: string, t: string, ...answers: ImageSigningStatus[][]) => {
    const d = ecr.add({ repository, tags: [t] });
    if (answers.length > 0) {
      signing.set(`${repository}@${d}`, answers);
    }
    return d;
  };
  const what = (repository: string, t: string, d: string) => `${repository}:${t} (registry ${REGISTRY}, ${REGION}) [${d}]`;

  test('a COMPLETE signature passes; the call names the registry, repository and resolved digest', async () => {
    const d = image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'COMPLETE' }]);
    const result = await checkImages({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true' }, { clientFor, deadline: far() });
    expect(result.digests).toEqual([d]);
    expect(ecr.mock.commandCalls(DescribeImageSigningStatusCommand).map(c => c.args[0].input)).toEqual([
      { registryId: REGISTRY, repositoryName: 'prod/api', imageId: { imageDigest: d } },
    ]);
  });

  test('off unless asked: no signing call without RequireSignature', async () => {
    image('prod/api', 'v1');
    await checkImages({ Images: [tag('prod/api', 'v1')] }, { clientFor, deadline: far() });
    expect(ecr.mock.commandCalls(DescribeImageSigningStatusCommand)).toHaveLength(0);
  });

  test('no signing status: fails at once, naming the image, its digest and why', async () => {
    const d = image('prod/api', 'v1', []);
    const failure = await failureOf({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true', SignatureWaitSeconds: '120' });
    expect(failure.problems).toEqual([`${what('prod/api', 'v1', d)} has no signature: no managed signing rule of registry ${REGISTRY} (${REGION}) `
      + 'matched the repository when the image was pushed (registry.addSigningRule)']);
    expect(ecr.mock.commandCalls(DescribeImageSigningStatusCommand)).toHaveLength(1);
  });

  test('FAILED: fails with the status, profile, failure code and reason', async () => {
    const d = image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'FAILED', failureCode: 'PROFILE_REVOKED', failureReason: 'The signing profile is revoked' }]);
    const failure = await failureOf({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true' });
    expect(failure.message).toBe(`1 of 1 image cannot be deployed: ${what('prod/api', 'v1', d)} has no COMPLETE signature: `
      + `signing FAILED for ${PROFILE} (PROFILE_REVOKED: The signing profile is revoked)`);
  });

  test('several profiles: one COMPLETE signature is enough', async () => {
    image('prod/api', 'v1', [{ signingProfileArn: OTHER_PROFILE, status: 'FAILED', failureCode: 'X' }, { signingProfileArn: PROFILE, status: 'COMPLETE' }]);
    await expect(checkImages({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true' }, { clientFor, deadline: far() })).resolves.toBeDefined();
  });

  test('IN_PROGRESS is polled until COMPLETE within the wait', async () => {
    const d = image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }], [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }],
      [{ signingProfileArn: PROFILE, status: 'COMPLETE' }]);
    const sleeps: number[] = [];
    let now = 1_000_000;
    const result = await checkImages({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true', SignatureWaitSeconds: '60' }, {
      clientFor, deadline: now + 300_000, now: () => now, sleep: async ms => { sleeps.push(ms); now += ms; }, scanPollMs: 10_000,
    });
    expect(result.digests).toEqual([d]);
    expect(sleeps).toEqual([10_000, 10_000]);
  });

  test('IN_PROGRESS after the wait fails, saying how long it waited', async () => {
    const d = image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }]);
    let now = 0;
    const failure = await failureOf({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true', SignatureWaitSeconds: '30' }, {
      now: () => now, sleep: async ms => { now += ms; }, scanPollMs: 10_000, deadline: 300_000,
    });
    expect(now).toBe(30_000);
    expect(failure.problems).toEqual([`${what('prod/api', 'v1', d)} has no COMPLETE signature after waiting 30 s: signing IN_PROGRESS for ${PROFILE}`]);
  });

  test('the wait never outlasts the invocation deadline', async () => {
    image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }]);
    let now = 0;
    await failureOf({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true', SignatureWaitSeconds: '180' }, {
      now: () => now, sleep: async ms => { now += ms; }, scanPollMs: 10_000, deadline: 45_000,
    });
    expect(now).toBe(40_000);
  });

  test('one call per distinct image; every unsigned image named in one failure, with the scan gate\'s problems', async () => {
    const signed = image('prod/api', 'v1', [{ signingProfileArn: PROFILE, status: 'COMPLETE' }]);
    const d2 = ecr.add({ repository: 'prod/web', tags: ['v2', 'latest'], scans: [{ status: 'COMPLETE', counts: { CRITICAL: 1 } }] });
    const d3 = image('prod/batch', 'v3', []);
    const failure = await failureOf({
      Images: [tag('prod/api', 'v1'), tag('prod/web', 'v2'), tag('prod/web', 'latest'), tag('prod/batch', 'v3')],
      RequireSignature: 'true',
      FailOnSeverity: 'CRITICAL',
    });
    const asked = ecr.mock.commandCalls(DescribeImageSigningStatusCommand).map(c => c.args[0].input.imageId?.imageDigest);
    expect(asked.sort()).toEqual([signed, d2, d3].sort());
    expect(ecr.mock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(3);
    expect(failure.problems).toEqual([
      `${what('prod/api', 'v1', signed)} has no scan results: scan it (scan on push or registry scanning) before deploying`,
      `${what('prod/web', 'latest', d2)} has findings at or above CRITICAL: 1 CRITICAL`,
      `${what('prod/batch', 'v3', d3)} has no scan results: scan it (scan on push or registry scanning) before deploying`,
      expect.stringMatching(/^prod\/web:latest .* has no signature/),
      expect.stringMatching(/^prod\/batch:v3 .* has no signature/),
    ]);
  });

  test('access denied (a repository of another account): names the action its policy must allow', async () => {
    const d = image('prod/api', 'v1');
    ecr.mock.on(DescribeImageSigningStatusCommand).rejects(Object.assign(new Error('not authorized to perform: ecr:DescribeImageSigningStatus'), {
      name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 }, $fault: 'client',
    }));
    const failure = await failureOf({ Images: [tag('prod/api', 'v1')], RequireSignature: 'true' });
    expect(failure.problems).toEqual([`${what('prod/api', 'v1', d)} signing status: access denied (not authorized to perform: ecr:DescribeImageSigningStatus): `
      + 'the repository policy must allow ecr:DescribeImageSigningStatus to the image check role']);
  });

  test('tampered properties are rejected: RequireSignature is "true" or absent, SignatureWaitSeconds 0-180', () => {
    const base = { Images: [tag('a', 'v1')] };
    expect(() => parseProperties({ ...base, RequireSignature: 'yes' })).toThrow('invalid image check properties: RequireSignature "yes" must be "true" or absent');
    expect(() => parseProperties({ ...base, RequireSignature: 'true', SignatureWaitSeconds: '181' })).toThrow('SignatureWaitSeconds "181" must be 0-180');
    expect(() => parseProperties({ ...base, RequireSignature: 'true', SignatureWaitSeconds: '1.5' })).toThrow(/SignatureWaitSeconds "1.5"/);
    expect(parseProperties({ ...base, RequireSignature: 'true', SignatureWaitSeconds: '180' }).RequireSignature).toBe('true');
  });
});

describe('signature gate contract: the real handler and SDK against a local ECR stand-in', () => {
  const saved = { ...process.env };
  const requests: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: any }[] = [];
  let statuses: unknown[] = [];
  let server: http.Server;
  const digest = digestOf('prod/api:v1');

  beforeAll(async () => {
    // Answers in ECR's JSON 1.1 protocol, by X-Amz-Target.
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', c => { data += c; });
      req.on('end', () => {
        const body = JSON.parse(data);
        requests.push({ method: req.method, url: req.url, headers: req.headers, body });
        const target = req.headers['x-amz-target'];
        const answer = target === 'AmazonEC2ContainerRegistry_V20150921.DescribeImages'
          ? { imageDetails: [{ registryId: REGISTRY, repositoryName: body.repositoryName, imageDigest: digest, imageTags: ['v1'], imageStatus: 'ACTIVE' }] }
          : target === 'AmazonEC2ContainerRegistry_V20150921.DescribeImageSigningStatus'
            ? { registryId: body.registryId, repositoryName: body.repositoryName, imageId: body.imageId, signingStatuses: statuses }
            : undefined;
        res.writeHead(answer ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' });
        res.end(JSON.stringify(answer ?? { __type: 'UnknownOperationException', message: String(target) }));
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${(server.address() as any).port}`,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
    });
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>(r => server.close(() => r()));
  });

  const run = async () => {
    const response = await responseServer();
    try {
      await handler({
        RequestType: 'Create',
        ResponseURL: response.url,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/App/0f1e2d3c-aaaa-bbbb-cccc-000000000000',
        RequestId: 'req',
        LogicalResourceId: 'Check0',
        ResourceType: 'Custom::EcrImageCheck',
        ResourceProperties: { ServiceToken: 'arn', Images: [tag('prod/api', 'v1')], RequireSignature: 'true', SignatureWaitSeconds: '0' },
      } as any, { getRemainingTimeInMillis: () => 60_000 });
      return response.bodies[0];
    } finally {
      await response.close();
    }
  };

  test('DescribeImageSigningStatus as ECR documents it: POST /, JSON 1.1, X-Amz-Target, registryId + repositoryName + imageId.imageDigest, SigV4 for ecr', async () => {
    requests.length = 0;
    statuses = [{ signingProfileArn: PROFILE, status: 'COMPLETE' }];
    const answer = await run();
    expect(answer).toMatchObject({ Status: 'SUCCESS', Data: { D0: digest } });
    const call = requests.find(r => r.headers['x-amz-target'] === 'AmazonEC2ContainerRegistry_V20150921.DescribeImageSigningStatus')!;
    expect(call).toBeDefined();
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/');
    expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=testing/\\d{8}/${REGION}/ecr/aws4_request, SignedHeaders=.*x-amz-target`));
    expect(call.body).toEqual({ registryId: REGISTRY, repositoryName: 'prod/api', imageId: { imageDigest: digest } });
    expect(requests.map(r => r.headers['x-amz-target'])).toEqual([
      'AmazonEC2ContainerRegistry_V20150921.DescribeImages', 'AmazonEC2ContainerRegistry_V20150921.DescribeImageSigningStatus',
    ]);
  });

  test('the answer as ECR sends it (signingStatuses with failureCode / failureReason) fails the deploy with a clear reason', async () => {
    statuses = [{ signingProfileArn: PROFILE, status: 'FAILED', failureCode: 'ACCESS_DENIED', failureReason: 'ECR cannot use the signing profile' }];
    const answer = await run();
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toBe(`1 of 1 image cannot be deployed: prod/api:v1 (registry ${REGISTRY}, ${REGION}) [${digest}] has no COMPLETE signature: `
      + `signing FAILED for ${PROFILE} (ACCESS_DENIED: ECR cannot use the signing profile)`);
  });
});
