/**
 * `lifecycle preview --in-use` against moto over HTTP (ECR, ECS and Lambda in one emulator), and with
 * mocked clients where moto cannot answer as AWS does (written beside each case).
 */
import { createHash } from 'crypto';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand,
  ECSClient, ListClustersCommand, ListServicesCommand, ListTasksCommand, RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { Duration } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { InUseProtection, LifecyclePolicy, LifecycleRule, PreviewOutcome, TagSelection } from '../../src';
import { markInUse, parseImageUri, parseInUseSources, readEcs, readImageGraph, readLambda, readPods } from '../../src/cli/in-use';
import { main } from '../../src/cli/main';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(90_000);

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const DAY = 86_400_000;

function manifest(i: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 100 + i, digest: sha(`config-${i}`) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1000 + i, digest: sha(`layer-${i}`) }],
  });
}

/** Every tagged image expires one day after push, behind the protection rule. */
const POLICY = InUseProtection.protect(new LifecyclePolicy({
  rules: [LifecycleRule.expireAfterPush(Duration.days(1), { rulePriority: 1, tagSelection: TagSelection.anyTag() })],
}));

describe('lifecycle preview --in-use against the emulator', () => {
  let moto: MotoServer;
  let dir: string;
  const digest = new Map<string, string>();

  beforeAll(async () => {
    moto = await startMoto(REGION);
    const cfg = moto.clientConfig;
    const ecr = new ECRClient(cfg);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    for (const [i, tag] of ['v1', 'v2', 'v3', 'v4', 'protected'].entries()) {
      const res = await ecr.send(new PutImageCommand({ repositoryName: 'app', imageManifest: manifest(i), imageTag: tag }));
      digest.set(tag, res.image!.imageId!.imageDigest!);
    }
    // v4 also carries a protection tag (what an ImageCheck with protectInUse puts on it)
    await ecr.send(new PutImageCommand({
      repositoryName: 'app', imageManifest: manifest(3), imageDigest: digest.get('v4'), imageTag: `in-use.0123456789abcdef.${digest.get('v4')!.slice(7)}`,
    }));

    const ecs = new ECSClient(cfg);
    await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'api', containerDefinitions: [{ name: 'api', image: `${HOST}/app:v1`, memory: 512 }] }));
    await ecs.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'api', taskDefinition: 'api', desiredCount: 0 }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: `${HOST}/app:v4`, memory: 512 }] }));
    await ecs.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'web', taskDefinition: 'web', desiredCount: 0 }));

    // moto's Lambda needs an IAM role that exists (created through its query API; no IAM client here).
    const role = `arn:aws:iam::${ACCOUNT}:role/fn`;
    await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'authorization': 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x' },
      body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: 'fn', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }).toString(),
    });
    const lambda = new LambdaClient(cfg);
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'resize', PackageType: 'Image', Code: { ImageUri: `${HOST}/app:v2` }, Role: role }));

    dir = mkdtempSync(path.join(tmpdir(), 'in-use-'));
    writeFileSync(path.join(dir, 'policy.json'), POLICY.toJson());
    writeFileSync(path.join(dir, 'pods.json'), JSON.stringify({
      items: [{
        metadata: { namespace: 'shop', name: 'cart-7d9' },
        spec: { containers: [{ name: 'cart', image: `${HOST}/app@${digest.get('v3')}` }, { name: 'sidecar', image: 'public.ecr.aws/nginx/nginx:1' }] },
        status: { containerStatuses: [{ name: 'cart', imageID: `${HOST}/app@${digest.get('v3')}` }] },
      }],
    }));
  });
  afterAll(async () => {
    await moto?.stop();
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['lifecycle', 'preview', '--policy', path.join(dir, 'policy.json'), '--repository', 'app', '--region', REGION,
      '--now', new Date(Date.now() + 10 * DAY).toISOString(), ...args], {
      stdout: t => out.push(t),
      stderr: t => err.push(t),
      env: {},
      ecrClient: () => new ECRClient(moto.clientConfig),
      ecsClient: () => new ECSClient(moto.clientConfig),
      lambdaClient: () => new LambdaClient(moto.clientConfig),
    });
    return { code, out: out.join(''), err: err.join('') };
  }

  test('ECS, Lambda and pods: what runs and would expire is AT RISK, with who uses it; the protected image is kept', async () => {
    const r = await run('--in-use', `ecs,lambda,k8s=${path.join(dir, 'pods.json')}`, '--json');
    expect(r.code).toBe(0);
    const inUse = JSON.parse(r.out).inUse;
    const byDigest = new Map<string | undefined, any>(inUse.images.map((i: any) => [i.digest, i]));
    expect(byDigest.get(digest.get('v1'))).toMatchObject({ atRisk: true, outcome: PreviewOutcome.EXPIRE, rulePriority: 2 });
    expect(byDigest.get(digest.get('v1')).users).toEqual([expect.stringMatching(/^ecs service prod\/api \(task definition api:1, container api\) via :v1$/)]);
    expect(byDigest.get(digest.get('v2'))).toMatchObject({ atRisk: true, users: ['lambda function resize via :v2'] });
    expect(byDigest.get(digest.get('v3'))).toMatchObject({ atRisk: true });
    expect(byDigest.get(digest.get('v3')).users[0]).toMatch(/^k8s pod shop\/cart-7d9 container cart via @sha256:/);
    expect(byDigest.get(digest.get('v4'))).toMatchObject({ atRisk: false, outcome: PreviewOutcome.KEEP, rulePriority: 1, protectedByTag: true });
    expect(byDigest.has(digest.get('protected'))).toBe(false); // not used by anything
    expect(inUse.atRisk).toHaveLength(3);
    expect(r.err).toMatch(/ECS ListClusters 1, ECS ListServices 1, ECS DescribeServices 1, ECS ListTasks 1, ECS DescribeTaskDefinition 2, Lambda ListFunctions 1, Lambda GetFunction 1/);
  });

  test('--fail-on-in-use exits 3 when something is AT RISK; the table says AT RISK and who', async () => {
    const r = await run('--in-use', 'ecs,lambda', '--fail-on-in-use');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/AT RISK \(expire by rule 2\)\n\s+ecs service prod\/api/);
    expect(r.out).toMatch(/in use, kept \(protected by tag\)/);
    expect(r.out).toMatch(/3 images in use, 2 AT RISK/);
  });

  test('bad --in-use values and combinations exit 2', async () => {
    expect((await run('--in-use', 'ecs,docker')).code).toBe(2);
    expect((await run('--fail-on-in-use')).code).toBe(2);
    const out: string[] = [];
    const code = await main(['lifecycle', 'preview', '--policy', path.join(dir, 'policy.json'), '--images', path.join(dir, 'pods.json'), '--in-use', 'ecs'],
      { stdout: t => out.push(t), stderr: t => out.push(t), env: {} });
    expect(code).toBe(2);
    expect(out.join('')).toMatch(/--in-use goes with --repository/);
  });
});

describe('the live index and referrer graph (manifests pushed to moto)', () => {
  let moto: MotoServer;
  let dir: string;
  const d = new Map<string, string>();
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  /** Tagged images are kept; untagged ones expire a day after push (the children and the signature). */
  const UNTAGGED = InUseProtection.protect(new LifecyclePolicy({
    rules: [
      LifecycleRule.expireUntaggedAfter(Duration.days(1), { rulePriority: 1 }),
      LifecycleRule.keepLast(100, { tagSelection: TagSelection.anyTag() }),
    ],
  }));

  beforeAll(async () => {
    moto = await startMoto(REGION);
    const ecr = new ECRClient(moto.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'multi' }));
    const push = async (name: string, body: object, mediaType: string, tag?: string) => {
      const text = JSON.stringify(body);
      const res = await ecr.send(new PutImageCommand({ repositoryName: 'multi', imageManifest: text, imageManifestMediaType: mediaType, imageTag: tag }));
      d.set(name, res.image!.imageId!.imageDigest!);
    };
    await push('amd64', JSON.parse(manifest(10)), OCI_MANIFEST);
    await push('arm64', JSON.parse(manifest(11)), OCI_MANIFEST);
    await push('stray', JSON.parse(manifest(12)), OCI_MANIFEST);
    await push('index', {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, size: 400, digest: d.get('amd64'), platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, size: 400, digest: d.get('arm64'), platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }, OCI_INDEX, 'v1');
    await push('signature', {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.cncf.notary.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: sha('{}') },
      layers: [{ mediaType: 'application/jose+json', size: 2000, digest: sha('jws') }],
      subject: { mediaType: OCI_INDEX, size: 600, digest: d.get('index') },
    }, OCI_MANIFEST);
    dir = mkdtempSync(path.join(tmpdir(), 'in-use-graph-'));
    writeFileSync(path.join(dir, 'policy.json'), UNTAGGED.toJson());
    writeFileSync(path.join(dir, 'pods.json'), JSON.stringify({
      items: [{ metadata: { namespace: 'shop', name: 'web-1' }, spec: { containers: [{ name: 'web', image: `${HOST}/multi:v1` }] } }],
    }));
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('an index in use keeps its two children in use, and its signature; each is AT RISK by the untagged rule; calls counted', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['lifecycle', 'preview', '--policy', path.join(dir, 'policy.json'), '--repository', 'multi', '--region', REGION,
      '--now', new Date(Date.now() + 10 * DAY).toISOString(), '--in-use', `k8s=${path.join(dir, 'pods.json')}`, '--json'], {
      stdout: t => out.push(t), stderr: t => err.push(t), env: {}, ecrClient: () => new ECRClient(moto.clientConfig),
    });
    expect(code).toBe(0);
    const inUse = JSON.parse(out.join('')).inUse;
    const byDigest = new Map<string | undefined, any>(inUse.images.map((i: any) => [i.digest, i]));
    expect(byDigest.get(d.get('index'))).toMatchObject({ atRisk: false, users: ['k8s pod shop/web-1 container web via :v1'] });
    for (const child of ['amd64', 'arm64']) {
      expect(byDigest.get(d.get(child))).toMatchObject({ atRisk: true, outcome: PreviewOutcome.EXPIRE, rulePriority: 2, through: `index ${d.get('index')}` });
    }
    expect(byDigest.get(d.get('signature'))).toMatchObject({ atRisk: true, through: `subject ${d.get('index')}` });
    expect(byDigest.has(d.get('stray'))).toBe(false); // untagged, but nothing refers to it
    expect(inUse.atRisk).toHaveLength(3);
    // The index (1 call; its children are OCI manifests, not read), then the untagged OCI images no index
    // lists, for a subject (1 call: the signature and the stray image).
    expect(err.join('')).toMatch(/ECR BatchGetImage 2\)/);
  });

  test('artifactMediaType and cosign tags (mocked client: moto reports no artifactMediaType): only the index and the artifact are read', async () => {
    const ecr = mockClient(ECRClient);
    const manifests: Record<string, string> = {
      [d.get('index')!]: JSON.stringify({ mediaType: OCI_INDEX, manifests: [{ digest: d.get('amd64') }, { digest: d.get('arm64') }] }),
      [d.get('signature')!]: JSON.stringify({ mediaType: OCI_MANIFEST, subject: { digest: d.get('index') } }),
    };
    ecr.on(BatchGetImageCommand).callsFake(input => ({
      images: (input.imageIds ?? []).filter((i: any) => manifests[i.imageDigest])
        .map((i: any) => ({ imageId: i, imageManifest: manifests[i.imageDigest] })),
    }));
    const calls = {};
    const graph = await readImageGraph(new ECRClient({ region: REGION }), { name: 'multi' }, [
      { digest: d.get('index')!, tags: ['v1'], mediaType: OCI_INDEX },
      { digest: d.get('amd64')!, tags: [], mediaType: OCI_MANIFEST },
      { digest: d.get('arm64')!, tags: [], mediaType: OCI_MANIFEST },
      { digest: d.get('signature')!, tags: [], mediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.cncf.notary.signature' },
      { digest: sha('cosign'), tags: [`sha256-${d.get('index')!.slice(7)}.sig`], mediaType: OCI_MANIFEST },
      { digest: sha('tagged'), tags: ['v0'], mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
    ], [d.get('index')!], calls);
    expect(graph.children.get(d.get('index')!)).toEqual([d.get('amd64'), d.get('arm64')]);
    expect(graph.subjects.get(d.get('signature')!)).toBe(d.get('index'));
    expect(graph.subjects.get(sha('cosign'))).toBe(d.get('index')); // from its tag, no call
    expect(calls).toEqual({ 'ECR BatchGetImage': 2 });
    const read = ecr.commandCalls(BatchGetImageCommand).map(c => c.args[0].input.imageIds!.map(i => i.imageDigest));
    expect(read).toEqual([[d.get('index')], [d.get('signature')]]);
    ecr.restore();
  });
});

describe('readers with mocked clients (what moto does not model)', () => {
  test('ECS running tasks: moto\'s tasks carry no imageDigest; ECS reports the digest it pulled, which counts even after the tag moved', async () => {
    const ecs = mockClient(ECSClient);
    ecs.on(ListClustersCommand).resolves({ clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/prod'] });
    ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/prod/abc'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/abc', containers: [{ name: 'api', image: `${HOST}/app:latest`, imageDigest: sha('old') }] }],
    });
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({});
    const calls = {};
    const refs = await readEcs(new ECSClient({ region: REGION }), calls);
    expect(refs).toEqual([expect.objectContaining({ repository: 'app', tag: 'latest', digest: sha('old'), user: 'ecs task prod/abc container api' })]);
    expect(calls).toEqual({ 'ECS ListClusters': 1, 'ECS ListServices': 1, 'ECS ListTasks': 1, 'ECS DescribeTasks': 1 });
    ecs.restore();
  });

  test('Lambda ResolvedImageUri: moto stubs it unless MOTO_LAMBDA_STUB_ECR=false; the resolved digest counts besides the tag', async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(ListFunctionsCommand).resolves({ Functions: [{ FunctionName: 'resize', PackageType: 'Image' }, { FunctionName: 'zip', PackageType: 'Zip' }] });
    lambda.on(GetFunctionCommand).resolves({ Code: { ImageUri: `${HOST}/app:v2`, ResolvedImageUri: `${HOST}/app@${sha('v2')}` } });
    const calls = {};
    const refs = await readLambda(new LambdaClient({ region: REGION }), calls);
    expect(refs.map(r => [r.tag, r.digest])).toEqual([['v2', undefined], [undefined, sha('v2')]]);
    expect(calls).toEqual({ 'Lambda ListFunctions': 1, 'Lambda GetFunction': 1 });
    lambda.restore();
  });
});

describe('marking', () => {
  const now = new Date('2025-06-01T00:00:00Z');
  const old = new Date(now.getTime() - 30 * DAY);
  const policy = new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(Duration.days(7), { rulePriority: 1 })] });
  const ref = (uri: string, user = 'someone') => ({ ...parseImageUri(uri)!, uri, user });

  test('an image index keeps its children in use: untagged children the policy expires are AT RISK (ECR documents no exception for them)', () => {
    const images = [
      { digest: sha('index'), tags: ['v1'], pushedAt: old },
      { digest: sha('amd64'), tags: [], pushedAt: old },
      { digest: sha('arm64'), tags: [], pushedAt: old },
      { digest: sha('unrelated'), tags: [], pushedAt: old },
    ];
    const preview = policy.preview(images, { now });
    const m = markInUse({ name: 'app' }, images, preview, [ref(`${HOST}/app:v1`, 'ecs service prod/api')],
      { children: new Map([[sha('index'), [sha('amd64'), sha('arm64')]]]) });
    expect(m.images.map(i => [i.digest, i.atRisk, i.through])).toEqual(expect.arrayContaining([
      [sha('amd64'), true, `index ${sha('index')}`],
      [sha('arm64'), true, `index ${sha('index')}`],
      [sha('index'), false, undefined],
    ]));
    expect(m.atRisk).toHaveLength(2);
  });

  test('a signature of an in-use image is in use with it; references to other repositories, accounts or gone tags do not mark', () => {
    const images = [
      { digest: sha('image'), tags: ['v1'], pushedAt: old },
      { digest: sha('signature'), tags: [], pushedAt: old },
    ];
    const preview = policy.preview(images, { now });
    const m = markInUse({ name: 'app', account: ACCOUNT }, images, preview, [
      ref(`${HOST}/app:v1`),
      ref(`${HOST}/other:v1`),
      ref(`222222222222.dkr.ecr.${REGION}.amazonaws.com/app:v1`),
      ref(`${HOST}/app:gone`),
    ], { subjects: new Map([[sha('signature'), sha('image')]]) });
    expect(m.atRisk.map(i => [i.digest, i.through])).toEqual([[sha('signature'), `subject ${sha('image')}`]]);
    expect(m.unresolved.map(r => r.tag)).toEqual(['gone']);
  });

  test('image URIs: ECR hosts only, tag and digest, kubelet imageID prefixes', () => {
    expect(parseImageUri(`${HOST}/team/app:v1`)).toEqual({ account: ACCOUNT, region: REGION, repository: 'team/app', tag: 'v1', digest: undefined });
    expect(parseImageUri(`docker-pullable://${HOST}/app@${sha('x')}`)).toMatchObject({ repository: 'app', digest: sha('x') });
    expect(parseImageUri('nginx:1.27')).toBeUndefined();
    expect(parseImageUri('public.ecr.aws/nginx/nginx:1')).toBeUndefined();
    expect(readPods({ items: [{ metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i', image: `${HOST}/app:init` }] } }] }, 'f'))
      .toEqual([expect.objectContaining({ tag: 'init', user: 'k8s pod default/p container i' })]);
    expect(() => readPods({}, 'f.json')).toThrow(/f.json: expected the output of "kubectl get pods -A -o json"/);
    expect(() => parseInUseSources('ecs,docker')).toThrow(/unknown source "docker"/);
    expect(parseInUseSources('ecs,k8s=a.json,k8s=b.json')).toEqual({ ecs: true, lambda: false, podFiles: ['a.json', 'b.json'] });
  });
});
