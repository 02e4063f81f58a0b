/**
 * In-use marking (`lifecycle preview --in-use`, docs/in-use.md): the preview of 10,000 images plus
 * marking with 500 references (half by tag, half by digest), target under 100 ms; and the API calls
 * the live read makes per ECS service, per running task and per Lambda function (counted on clients
 * answering a fixed account: 2 clusters x 50 services x 4 tasks, 200 functions of which 150 images).
 */
import {
  DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListClustersCommand,
  ListServicesCommand, ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { Duration } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { BenchSection, timeMs } from './lib';
import { ImageDescription, InUseProtection, LifecyclePolicy, LifecycleRule, TagSelection } from '../src';
import { CallCounts, InUseReference, markInUse, readEcs, readLambda } from '../src/cli/in-use';

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
  ];
  return {
    title: 'In-use marking (lifecycle preview --in-use)',
    columns: ['measure', 'value'],
    rows,
    notes: [
      `preview with in-use marking over 10,000 images and 500 references: ${ms.toFixed(1)} ms (target < 100 ms): ${ms < 100 ? 'met' : 'MISSED'}`,
      'ECS: ListClusters, ListServices and ListTasks per page of 100 (the fake account answers pages of 25 services), DescribeServices per 10 services, DescribeTasks per 100 tasks, DescribeTaskDefinition per distinct task definition; Lambda: ListFunctions per page of 50, GetFunction per image function',
    ],
  };
}
