/**
 * Organization audit: N accounts x M repositories in moto (over HTTP, through a proxy that counts
 * calls), read by the audit's worker through the fan-out in this process as the state machine runs
 * it (plan, one worker invocation per registry, summary), with Security Hub and S3.
 *
 * Floor of ECR calls per registry of M repositories, with usage (the report's floor plus one
 * `DescribeImages` page per repository): ceil(M/1000) + ceil(M/25) + 3M + 7 + M.
 *
 * Targets: ECR calls within 5% of the floor; and, written beside it, a projection of 1,000 accounts x
 * 500 repositories: the time of one worker (one registry) at the default pace, inside Lambda's
 * 15 minutes.
 */
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { BenchSection } from './lib';
import { runLocally } from '../src/audit/private/worker';
import { startFaultProxy, PASS } from '../test/helpers/fault-proxy';
import { startMoto } from '../test/helpers/moto';

const ACCOUNTS = Number(process.env.BENCH_AUDIT_ACCOUNTS ?? 20);
const REPOSITORIES = Number(process.env.BENCH_AUDIT_REPOSITORIES ?? 200);
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The construct's default pace per registry (RegistryAuditProps.requestsPerSecond). */
const DEFAULT_RPS = 20;
const LAMBDA_LIMIT_S = 900;

/** ECR calls of one registry of m repositories, with usage. */
export function auditFloor(m: number): number {
  return Math.max(1, Math.ceil(m / 1000)) + Math.ceil(m / 25) + 3 * m + 7 + m;
}

export async function run(): Promise<BenchSection> {
  const moto = await startMoto(REGION);
  const proxy = await startFaultProxy({ target: moto.endpoint, plan: () => PASS });
  const config = { region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS };
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(210000000000 + i));
  try {
    const s0 = Date.now();
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'audit-bench' }));
    s3.destroy();
    const sts = new STSClient(config);
    for (const account of accounts) {
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seed`, RoleSessionName: 'seed' }))).Credentials!;
      const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
      const ecr = new ECRClient({ ...config, credentials });
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < REPOSITORIES) {
          const i = next++;
          await ecr.send(new CreateRepositoryCommand({ repositoryName: `team${i % 10}/service-${i}`, imageTagMutability: i % 20 === 0 ? 'MUTABLE' : 'IMMUTABLE' }));
        }
      }));
      ecr.destroy();
    }
    sts.destroy();
    const seedMs = Date.now() - s0;

    proxy.setPlan(() => PASS);
    const t0 = Date.now();
    const result = await runLocally('bench', {
      config: {
        bucket: 'audit-bench',
        regions: [REGION],
        accounts,
        memberRoleName: 'cdk-ecr-registry-audit',
        partition: 'aws',
        auditAccount: '123456789012',
        auditName: 'bench',
        securityHub: true,
        usage: true,
        requestsPerSecond: 100,
        concurrency: 8,
      },
      deadline: Date.now() + 30 * 60_000,
      endpoint: proxy.url,
      credentials: CREDENTIALS,
      region: REGION,
      env: {},
      log: () => undefined,
    }, 10);
    const ms = Date.now() - t0;
    const ecrCalls = proxy.calls.filter(c => /ContainerRegistry/.test(c.target ?? '')).length;
    const floor = ACCOUNTS * auditFloor(REPOSITORIES);
    const over = (ecrCalls - floor) / floor;
    const optional = ['DescribePullThroughCacheRules', 'DescribeRepositoryCreationTemplates', 'GetAccountSetting', 'GetSigningConfiguration'];
    const optionalRetries = optional.reduce((sum, a) => sum + Math.max(0, proxy.count(a) - ACCOUNTS), 0);
    const other = proxy.calls.length - ecrCalls;
    const perTargetMs = result.targets.map(t => t.durationMs).sort((a, b) => a - b);
    const medianTarget = perTargetMs[Math.floor(perTargetMs.length / 2)];
    const projected = auditFloor(500) / DEFAULT_RPS;
    const readRepos = result.summary.repositories;
    if (readRepos !== ACCOUNTS * REPOSITORIES) {
      throw new Error(`the audit read ${readRepos} repositories, not ${ACCOUNTS * REPOSITORIES}: ${JSON.stringify(result.summary.notRead)}`);
    }
    return {
      title: `Organization audit: ${ACCOUNTS} accounts x ${REPOSITORIES} repositories in moto, through the fan-out in process (10 workers at a time, 100 requests/s each)`,
      columns: ['measure', 'value', 'target'],
      rows: [
        ['run time (s)', ms / 1000, '-'],
        ['registries read / repositories', `${result.summary.targets.complete + result.summary.targets.partial} / ${readRepos}`, `${ACCOUNTS} / ${ACCOUNTS * REPOSITORIES}`],
        ['worker invocations', result.invocations, `${ACCOUNTS} + 2`],
        ['ECR calls (proxy)', ecrCalls, `floor ${floor}, within 5%`],
        ['ECR calls over the floor', `${(over * 100).toFixed(2)}%`, '<= 5%'],
        ['  of which retries of features moto lacks (HTTP 500, 3 attempts each)', optionalRetries, '-'],
        ['other calls (STS, Security Hub, S3)', other, '-'],
        ['findings imported (Security Hub)', result.targets.reduce((n, t) => n + t.imported, 0), '-'],
        ['median time of one worker (s)', medianTarget / 1000, '-'],
        ['seeding moto (s, not measured)', seedMs / 1000, '-'],
        ['projection: one worker for 500 repositories at the default 20 requests/s (s)', projected, `< ${LAMBDA_LIMIT_S}`],
        ['projection: 1,000 accounts x 500 repositories, one region, 10 at a time (min)', (1000 * projected) / 10 / 60, '-'],
      ],
      notes: [
        `floor per registry = ceil(M/1000) + ceil(M/25) + 4M + 7 = ${auditFloor(REPOSITORIES)} for M = ${REPOSITORIES}`,
        `ECR calls ${Math.abs(over) <= 0.05 ? 'within' : 'NOT within'} 5% of the floor`,
        `projection: a worker reads one registry, so Lambda's limit applies per registry: ${auditFloor(500)} calls at ${DEFAULT_RPS}/s = ${projected.toFixed(0)} s `
          + `${projected < LAMBDA_LIMIT_S ? 'inside' : 'OUTSIDE'} 15 minutes; the pace, not moto, bounds it (moto answered about ${(ecrCalls / (ms / 1000)).toFixed(0)} calls/s here)`,
      ],
    };
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
