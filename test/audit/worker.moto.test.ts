/**
 * The organization audit's worker against moto over HTTP (Organizations, STS, ECR per account,
 * Security Hub, S3), run in this process as the state machine runs it (plan, one worker call per
 * target, summary). moto's AssumeRole succeeds for any role, so the missing member role of one
 * account is injected with the fault proxy; moto's GetFindings ignores filters, so findings are
 * read whole and picked by id.
 */
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient, PutImageTagMutabilityCommand } from '@aws-sdk/client-ecr';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { findingId, unreadableId } from '../../src/audit/private/asff';
import { keys } from '../../src/audit/private/contract';
import { actionsOf, MEMBER_CALLS, WORKER_CALLS } from '../../src/audit/private/permissions';
import { runLocally, WorkerConfig, WorkerOptions } from '../../src/audit/private/worker';
import { validateImport } from '../helpers/asff-validator';
import { FaultProxy, PASS, startFaultProxy } from '../helpers/fault-proxy';
import { MotoServer, startMoto } from '../helpers/moto';

jest.setTimeout(120_000);

const AUDIT = '123456789012';
const REGION = 'us-east-1';
const BUCKET = 'audit-results';
const ROLE = 'cdk-ecr-registry-audit';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** What STS answers for a role that does not exist (or does not trust the caller). */
const ACCESS_DENIED = {
  type: 'status' as const,
  status: 403,
  contentType: 'text/xml',
  body: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
    + '<Message>User: arn:aws:sts::123456789012:assumed-role/worker is not authorized to perform: sts:AssumeRole</Message></Error>'
    + '<RequestId>fault</RequestId></ErrorResponse>',
};

let moto: MotoServer;
let proxy: FaultProxy;
let s3: S3Client;
let member: string;
let missing: string;
const log: string[] = [];

const local = { region: REGION, endpoint: () => moto.endpoint };
const clientConfig = (credentials: any = CREDENTIALS) => ({ region: REGION, endpoint: local.endpoint(), credentials });

async function credentialsOf(account: string): Promise<any> {
  const sts = new STSClient(clientConfig());
  try {
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seed`, RoleSessionName: 'seed' }))).Credentials!;
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  } finally {
    sts.destroy();
  }
}

async function ecrOf<T>(account: string, f: (ecr: ECRClient) => Promise<T>): Promise<T> {
  const ecr = new ECRClient(clientConfig(await credentialsOf(account)));
  try {
    return await f(ecr);
  } finally {
    ecr.destroy();
  }
}

/** Every finding of the account's Security Hub in the region (moto ignores filters: all of them). */
async function findingsOf(account: string): Promise<any[]> {
  const hub = new SecurityHubClient(clientConfig(account === AUDIT ? CREDENTIALS : await credentialsOf(account)));
  try {
    const all: any[] = [];
    let token: string | undefined;
    do {
      const page = await hub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
      all.push(...(page.Findings ?? []));
      token = page.NextToken;
    } while (token);
    return all;
  } finally {
    hub.destroy();
  }
}

async function json(key: string): Promise<any> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse(await answer.Body!.transformToString());
}

function options(now: Date, config: Partial<WorkerConfig> = {}): WorkerOptions {
  return {
    config: {
      bucket: BUCKET,
      regions: [REGION],
      accounts: [],
      memberRoleName: ROLE,
      partition: 'aws',
      auditAccount: AUDIT,
      auditName: 'Security/Audit',
      securityHub: true,
      usage: true,
      requestsPerSecond: 100,
      concurrency: 8,
      ...config,
    },
    deadline: Date.now() + 90_000,
    endpoint: proxy.url,
    credentials: CREDENTIALS,
    region: REGION,
    now,
    env: { AWS_MAX_ATTEMPTS: '3' },
    log: line => log.push(line),
  };
}

/** An STS AssumeRole request (query protocol: a form body). */
function isAssumeRole(body: string): boolean {
  return /^Action=AssumeRole&/.test(body);
}

/** Calls to STS AssumeRole of the member role of `account` answer AccessDenied: the role is missing there. */
function missingRoleIn(account: string) {
  const roleArn = `arn:aws:iam::${account}:role/${ROLE}`;
  proxy.setPlan(c => (isAssumeRole(c.body) && new URLSearchParams(c.body).get('RoleArn') === roleArn ? ACCESS_DENIED : PASS));
}

beforeAll(async () => {
  moto = await startMoto(REGION);
  proxy = await startFaultProxy({ target: moto.endpoint, plan: () => PASS });
  s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const org = new OrganizationsClient(clientConfig());
  try {
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created = [];
    for (const name of ['registry', 'sandbox']) {
      created.push((await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus!.AccountId!);
    }
    [member, missing] = created;
  } finally {
    org.destroy();
  }
  await ecrOf(member, async ecr => {
    for (const name of ['app/keep', 'app/gone']) {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: true } }));
    }
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await moto?.stop();
});

describe('two runs over an organization of three accounts (one without the member role)', () => {
  let first: Awaited<ReturnType<typeof runLocally>>;
  let second: Awaited<ReturnType<typeof runLocally>>;
  let firstHub: any[];
  let secondHub: any[];
  let firstAudit: any[];
  let secondAudit: any[];
  const t1 = new Date('2026-12-01T06:00:00Z');
  const t2 = new Date('2026-12-02T06:00:00Z');

  beforeAll(async () => {
    missingRoleIn(missing);
    first = await runLocally('run-1', options(t1));
    firstHub = await findingsOf(member);
    firstAudit = await findingsOf(AUDIT);
    // Between the runs: app/gone is deleted, app/keep stays mutable, app/new appears mutable; the role is still missing.
    await ecrOf(member, async ecr => {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'app/gone', force: true }));
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app/new', imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: true } }));
      await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'app/keep', imageTagMutability: 'MUTABLE' }));
    });
    second = await runLocally('run-2', options(t2));
    secondHub = await findingsOf(member);
    secondAudit = await findingsOf(AUDIT);
  }, 240_000);

  const byId = (findings: any[], id: string) => findings.filter(f => f.Id === id);
  const mutable = (name: string) => findingId({ ruleId: 'EcrChecks-ECR2', resource: `arn:aws:ecr:${REGION}:${member}:repository/${name}`, resourceName: name });

  test('plan: every ACTIVE account of the organization (Organizations ListAccounts) x the regions, in S3 for the Distributed Map', async () => {
    expect(first.plan).toEqual({ runId: 'run-1', bucket: BUCKET, key: keys.targets('run-1'), count: 3 });
    expect(await json(keys.targets('run-1'))).toEqual([AUDIT, member, missing].sort().map(account => ({ account, region: REGION })));
    expect(first.invocations).toBe(5);
  });

  test('a finding appears in the member account\'s Security Hub, with a stable id, FindingProviderFields and its own default product', () => {
    const [keep] = byId(firstHub, mutable('app/keep'));
    expect(keep).toMatchObject({
      AwsAccountId: member,
      ProductArn: `arn:aws:securityhub:${REGION}:${member}:product/${member}/default`,
      GeneratorId: 'cdk-ecr-registry/EcrChecks-ECR2',
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      FindingProviderFields: { Severity: { Label: 'HIGH' }, Types: ['Software and Configuration Checks/AWS Security Best Practices'] },
      Resources: [{ Type: 'AwsEcrRepository', Id: `arn:aws:ecr:${REGION}:${member}:repository/app/keep`, Details: { AwsEcrRepository: { RepositoryName: 'app/keep' } } }],
      CreatedAt: t1.toISOString(),
    });
    expect(byId(firstHub, mutable('app/gone'))).toHaveLength(1);
  });

  test('a finding that stays is updated, not duplicated (first CreatedAt, new UpdatedAt)', () => {
    const kept = byId(secondHub, mutable('app/keep'));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ CreatedAt: t1.toISOString(), UpdatedAt: t2.toISOString(), RecordState: 'ACTIVE', Compliance: { Status: 'FAILED' } });
    expect(new Set(secondHub.map(f => f.Id)).size).toBe(secondHub.length);
  });

  test('a finding that disappeared is resolved: PASSED and ARCHIVED, decided from the ids kept in S3', async () => {
    const gone = byId(secondHub, mutable('app/gone'));
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ Compliance: { Status: 'PASSED' }, RecordState: 'ARCHIVED', UpdatedAt: t2.toISOString(), CreatedAt: t1.toISOString() });
    const state = await json(keys.state({ account: member, region: REGION }));
    expect(state.findings.map((f: any) => f.Id)).not.toContain(mutable('app/gone'));
    expect(state.findings.map((f: any) => f.Id)).toContain(mutable('app/keep'));
    expect(second.targets.find(t => t.account === member)!.resolved).toBeGreaterThanOrEqual(1);
  });

  test('a new finding appears in the second run', () => {
    expect(byId(firstHub, mutable('app/new'))).toHaveLength(0);
    expect(byId(secondHub, mutable('app/new'))).toMatchObject([{ RecordState: 'ACTIVE', CreatedAt: t2.toISOString() }]);
  });

  test('the account without the role is a finding of the audit account, updated (not duplicated) by the second run', () => {
    const id = unreadableId(missing, REGION);
    expect(byId(firstAudit, id)).toMatchObject([{ AwsAccountId: AUDIT, ProductArn: `arn:aws:securityhub:${REGION}:${AUDIT}:product/${AUDIT}/default`, RecordState: 'ACTIVE' }]);
    expect(byId(firstAudit, id)[0].Description).toMatch(/STS AssumeRole.*AccessDenied|AccessDenied.*STS AssumeRole/s);
    expect(byId(firstAudit, id)[0].Resources).toEqual([expect.objectContaining({ Type: 'AwsAccount', Id: `AWS::::Account:${missing}` })]);
    expect(byId(secondAudit, id)).toMatchObject([{ CreatedAt: t1.toISOString(), UpdatedAt: t2.toISOString() }]);
    const failed = first.targets.find(t => t.account === missing)!;
    expect(failed).toMatchObject({ status: 'failed', repositories: 0, findings: 0, imported: 1 });
    expect(failed.error).toMatch(/STS AssumeRole.*role arn:aws:iam::\d{12}:role\/cdk-ecr-registry-audit/);
  });

  test('the organization summary (JSON and HTML) and the metric of targets not read', async () => {
    expect(first.summary.targets).toEqual({ planned: 3, complete: 0, partial: 2, failed: 1, notRead: 1 });
    expect(first.summary.notRead).toEqual([{ account: missing, region: REGION, reason: expect.stringMatching(/AccessDenied/) }]);
    expect(first.summary.findingsByAccount[member]).toBeGreaterThanOrEqual(2);
    expect(Object.keys(first.summary.findingsByRule)).toEqual(expect.arrayContaining(['EcrChecks-ECR2']));
    expect(await json(keys.summaryJson('run-1'))).toEqual(JSON.parse(JSON.stringify(first.summary)));
    const html = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys.summaryHtml('run-1') }))).Body!.transformToString();
    expect(html).toContain('<h1>ECR organization audit</h1>');
    expect(html).toContain(missing);
    const metric = log.map(l => JSON.parse(l)).find(l => l._aws?.CloudWatchMetrics);
    expect(metric).toMatchObject({ AuditName: 'Security/Audit', TargetsNotRead: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'CdkEcrRegistry/Audit' }] } });
  });

  test('per target: JSON, SARIF and HTML in S3 under the run, earlier runs kept', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: keys.targetPrefix('run-1') }));
    const names = (listed.Contents ?? []).map(o => o.Key!).filter(k => k.includes(`/${member}/`)).map(k => k.split('/').pop()).sort();
    expect(names).toEqual(['report.html', 'report.json', 'report.sarif', 'summary.json']);
    const report = await json(keys.target('run-1', { account: member, region: REGION }, 'report.json'));
    expect(report.targets[0].account).toBe(member);
    const sarif = await json(keys.target('run-1', { account: member, region: REGION }, 'report.sarif'));
    expect(sarif.version).toBe('2.1.0');
    expect((await json(keys.target('run-2', { account: member, region: REGION }, 'summary.json'))).account).toBe(member);
  });

  test('the ASFF documents imported are valid BatchImportFindings input (botocore\'s Security Hub model)', async () => {
    // As sent (the state in S3 keeps each document as imported) and as Security Hub (moto) holds them.
    const state = await json(keys.state({ account: member, region: REGION }));
    const unread = await json(keys.state({ account: missing, region: REGION }));
    expect(validateImport([...state.findings, unread.unreadable])).toEqual({ botocore: expect.any(String), errors: [] });
    const result = validateImport([...secondHub, ...secondAudit].map(f => {
      // moto answers what it stored plus fields of its own; the documents as we sent them are in S3's state.
      const { WorkflowState, Workflow, ...rest } = f;
      void WorkflowState; void Workflow;
      return rest;
    }));
    expect(result.errors).toEqual([]);
    expect(result.botocore).toMatch(/^1\./);
  });

  test('botocore\'s model rejects a document without a required field (the check can fail)', () => {
    const [doc] = secondHub;
    const { Resources, ...broken } = doc;
    void Resources;
    expect(validateImport([broken]).errors).toEqual([expect.stringMatching(/Missing required parameter.*Resources/)]);
  });

  test('the calls the worker made are exactly those its roles allow (member role and worker role)', () => {
    const seen = new Set<string>();
    for (const c of proxy.calls) {
      if (c.target) {
        const [prefix, op] = c.target.split('.');
        const service = /ContainerRegistry/.test(prefix) ? 'ecr' : /Organizations/.test(prefix) ? 'organizations' : prefix;
        seen.add(`${service}:${op}`);
      } else if (isAssumeRole(c.body)) {
        seen.add('sts:AssumeRole');
      } else if (/\/findings\/import$/.test(c.path)) {
        seen.add('securityhub:BatchImportFindings');
      } else if (c.method === 'GET' && /list-type=2/.test(c.path)) {
        seen.add('s3:ListBucket');
      } else if (c.method === 'GET') {
        seen.add('s3:GetObject');
      } else if (c.method === 'PUT') {
        seen.add('s3:PutObject');
      } else {
        seen.add(`? ${c.method} ${c.path}`);
      }
    }
    const allowed = new Set([...actionsOf(MEMBER_CALLS), ...actionsOf(WORKER_CALLS)]);
    expect([...seen].filter(a => !allowed.has(a)).sort()).toEqual([]);
    // Every member call was made (moto answers the features it lacks with a 500: still a call).
    expect(actionsOf(MEMBER_CALLS).filter(a => !seen.has(a))).toEqual([]);
    expect(actionsOf(WORKER_CALLS).filter(a => !seen.has(a))).toEqual([]);
  });
});
