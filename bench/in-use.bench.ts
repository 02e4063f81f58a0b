/**
 * In-use marking (`lifecycle preview --in-use`, docs/in-use.md): the preview of 10,000 images plus
 * marking with 500 references (half by tag, half by digest), target under 100 ms; and the API calls
 * the live read makes per ECS service, per running task and per Lambda function (counted on clients
 * answering a fixed account: 2 clusters x 50 services x 4 tasks, 200 functions of which 150 images).
 */
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListClustersCommand,
  ListServicesCommand, ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { Duration } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { BenchSection, timeMs } from './lib';
import { ImageDescription, InUseProtection, LifecyclePolicy, LifecycleRule, TagSelection } from '../src';
import { CallCounts, InUseReference, ManifestInfo, markInUse, readEcs, readImageGraph, readLambda } from '../src/cli/in-use';

const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

function images(n: number): ImageDescription[] {
  return Array.from({ length: n }, (_, i) => ({
    digest: digest(i),
    tags: i % 5 === 0 ? [] : [`release-${i}`],
    pushedAt: new Date(NOW.getTime() - (i % 800) * DAY),
  }));
}

function references(n: number): InUseReference[] {
  return Array.from({ length: n }, (_, i) => {
    const img = (i * 19) % 10_000;
    const byTag = i % 2 === 0 && img % 5 !== 0;
    const uri = byTag ? `${HOST}/app:release-${img}` : `${HOST}/app@${digest(img)}`;
    return { account: '123456789012', region: 'us-east-1', repository: 'app', ...(byTag ? { tag: `release-${img}` } : { digest: digest(img) }), uri, user: `ecs service prod/s${i}` };
  });
}

async function liveCalls(): Promise<{ ecs: CallCounts; lambda: CallCounts; services: number; tasks: number; functions: number }> {
  const clusters = 2;
  const servicesPerCluster = 50;
  const tasksPerService = 4;
  const ecs = mockClient(ECSClient);
  ecs.on(ListClustersCommand).resolves({ clusterArns: Array.from({ length: clusters }, (_, c) => `arn:aws:ecs:us-east-1:123456789012:cluster/c${c}`) });
  ecs.on(ListServicesCommand).callsFake(input => {
    const page = input.nextToken ? 1 : 0;
    return { serviceArns: Array.from({ length: servicesPerCluster / 2 }, (_, s) => `${input.cluster}/s${page * 25 + s}`), nextToken: page === 0 ? 'p2' : undefined };
  });
  ecs.on(DescribeServicesCommand).callsFake(input => ({
    services: (input.services ?? []).map((s: string) => ({ serviceName: s.split('/').pop(), taskDefinition: `${s}-td:1` })),
  }));
  ecs.on(ListTasksCommand).callsFake(input => ({ taskArns: Array.from({ length: servicesPerCluster * tasksPerService }, (_, t) => `${input.cluster}/t${t}`) }));
  ecs.on(DescribeTasksCommand).callsFake(input => ({
    tasks: (input.tasks ?? []).map((t: string) => ({ taskArn: t, containers: [{ name: 'app', image: `${HOST}/app:v1`, imageDigest: digest(1) }] })),
  }));
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { family: 'f', revision: 1, containerDefinitions: [{ name: 'app', image: `${HOST}/app:v1` }] } });
  const ecsCalls: CallCounts = {};
  await readEcs(new ECSClient({ region: 'us-east-1' }), ecsCalls);
  ecs.restore();

  const lambda = mockClient(LambdaClient);
  const functions = 200;
  lambda.on(ListFunctionsCommand).callsFake(input => {
    const page = Number(input.Marker ?? 0);
    return {
      Functions: Array.from({ length: 50 }, (_, f) => ({ FunctionName: `fn${page * 50 + f}`, PackageType: (page * 50 + f) % 4 === 3 ? 'Zip' : 'Image' })),
      NextMarker: page < functions / 50 - 1 ? String(page + 1) : undefined,
    };
  });
  lambda.on(GetFunctionCommand).resolves({ Code: { ImageUri: `${HOST}/app:v2`, ResolvedImageUri: `${HOST}/app@${digest(2)}` } });
  const lambdaCalls: CallCounts = {};
  await readLambda(new LambdaClient({ region: 'us-east-1' }), lambdaCalls);
  lambda.restore();
  const services = clusters * servicesPerCluster;
  return { ecs: ecsCalls, lambda: lambdaCalls, services, tasks: services * tasksPerService, functions };
}

/**
 * The graph read's extra calls on a repository of 10,000 images as ECR describes them (media types
 * given): 500 in use, of which 100 are multi-architecture indexes of 2 children each; 300 notation
 * signatures (artifactMediaType) and 200 cosign signatures (tags `sha256-<hex>.sig`, no call).
 */
async function graphCalls(): Promise<{ calls: number; inUse: number; indexes: number; images: number; children: number; subjects: number }> {
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const infos: ManifestInfo[] = [];
  const manifests = new Map<string, string>();
  const inUse: string[] = [];
  let n = 0;
  for (let i = 0; i < 500; i++) {
    const d = digest(n++);
    inUse.push(d);
    if (i < 100) {
      const kids = [digest(n++), digest(n++)];
      kids.forEach(k => infos.push({ digest: k, tags: [], mediaType: OCI_MANIFEST }));
      infos.push({ digest: d, tags: [`release-${i}`], mediaType: OCI_INDEX });
      manifests.set(d, JSON.stringify({ mediaType: OCI_INDEX, manifests: kids.map(k => ({ digest: k })) }));
    } else {
      infos.push({ digest: d, tags: [`release-${i}`], mediaType: OCI_MANIFEST });
    }
  }
  for (let i = 0; i < 300; i++) {
    const s = digest(n++);
    infos.push({ digest: s, tags: [], mediaType: OCI_MANIFEST, artifactMediaType: 'application/vnd.cncf.notary.signature' });
    manifests.set(s, JSON.stringify({ mediaType: OCI_MANIFEST, subject: { digest: inUse[i] } }));
  }
  for (let i = 0; i < 200; i++) {
    infos.push({ digest: digest(n++), tags: [`sha256-${inUse[300 + i].slice(7)}.sig`], mediaType: OCI_MANIFEST });
  }
  while (n < 10_000) {
    infos.push({ digest: digest(n++), tags: [`old-${n}`], mediaType: OCI_MANIFEST });
  }
  const ecr = mockClient(ECRClient);
  ecr.on(BatchGetImageCommand).callsFake(input => ({
    images: (input.imageIds ?? []).map((id: { imageDigest: string }) => ({ imageId: id, imageManifest: manifests.get(id.imageDigest) ?? '{}' })),
  }));
  const calls: CallCounts = {};
  const graph = await readImageGraph(new ECRClient({ region: 'us-east-1' }), { name: 'app' }, infos, inUse, calls);
  ecr.restore();
  return {
    calls: calls['ECR BatchGetImage'] ?? 0,
    inUse: inUse.length,
    indexes: 100,
    images: infos.length,
    children: [...graph.children.values()].flat().length,
    subjects: graph.subjects.size,
  };
}

export async function run(): Promise<BenchSection> {
  const list = images(10_000);
  const refs = references(500);
  const policy = InUseProtection.protect(new LifecyclePolicy({
    rules: [
      LifecycleRule.expireUntaggedAfter(Duration.days(14)),
      LifecycleRule.keepLast(1000, { tagSelection: TagSelection.anyTag() }),
    ],
  }));
  const once = () => markInUse({ name: 'app' }, list, policy.preview(list, { now: NOW }), refs);
  once();
  let marking = once();
  const ms = timeMs(() => { marking = once(); }, 7);
  const previewOnly = timeMs(() => { policy.preview(list, { now: NOW }); }, 7);
  const preview = policy.preview(list, { now: NOW });
  const markingOnly = timeMs(() => { markInUse({ name: 'app' }, list, preview, refs); }, 7);
  const live = await liveCalls();
  const graph = await graphCalls();
  const sum = (c: CallCounts) => Object.values(c).reduce((a, b) => a + b, 0);
  const rows: Array<Array<string | number>> = [
    ['preview + marking, 10,000 images, 500 references (ms, median)', ms.toFixed(1)],
    ['preview alone (ms, median)', previewOnly.toFixed(1)],
    ['marking alone (ms, median)', markingOnly.toFixed(1)],
    ['images in use / AT RISK', `${marking.images.length} / ${marking.atRisk.length}`],
    ...Object.entries(live.ecs).map(([k, v]) => [`${k} calls (${live.services} services, ${live.tasks} tasks)`, v]),
    ['ECS calls per service (services + tasks + task definitions)', (sum(live.ecs) / live.services).toFixed(2)],
    ...Object.entries(live.lambda).map(([k, v]) => [`${k} calls (${live.functions} functions)`, v]),
    ['Lambda calls per image function', (sum(live.lambda) / (live.lambda['Lambda GetFunction'] ?? 1)).toFixed(2)],
    [`graph read: ECR BatchGetImage calls (${graph.images.toLocaleString('en-US')} images, ${graph.inUse} in use, ${graph.indexes} indexes, 500 signatures)`, graph.calls],
    ['graph read: children / subjects found', `${graph.children} / ${graph.subjects}`],
  ];
  return {
    title: 'In-use marking (lifecycle preview --in-use)',
    columns: ['measure', 'value'],
    rows,
    notes: [
      `preview with in-use marking over 10,000 images and 500 references: ${ms.toFixed(1)} ms (target < 100 ms): ${ms < 100 ? 'met' : 'MISSED'}`,
      'graph read (--in-use on a live repository): BatchGetImage per 100 in-use indexes (then per 100 nested indexes), and per 100 artifacts or untagged OCI images no index lists; cosign signature tags cost nothing',
      'ECS: ListClusters, ListServices and ListTasks per page of 100 (the fake account answers pages of 25 services), DescribeServices per 10 services, DescribeTasks per 100 tasks, DescribeTaskDefinition per distinct task definition; Lambda: ListFunctions per page of 50, GetFunction per image function',
    ],
  };
}
