/**
 * The live report against moto over HTTP (real SDK, real transport), through a proxy that pages
 * like ECR and counts calls.
 */
import { ECRClient, PutRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { ACCOUNT, EXPECTED_FINDINGS, REGION, REPOSITORIES, seedRegistry, seededApp, seedRepository } from './seed';
import { RegistryReport, modelFromTemplate } from '../../src/report';
import { MotoServer, startMoto } from '../helpers/moto';
import { PagingProxy, startPagingProxy } from '../helpers/paging-proxy';

// Real HTTP to moto on a shared 2-core machine: allow for load (each test also bounds its own times).
jest.setTimeout(60_000);

const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: MotoServer;
let proxy: PagingProxy;
let ecr: ECRClient;

beforeAll(async () => {
  moto = await startMoto(REGION);
  proxy = await startPagingProxy(moto.endpoint);
  ecr = new ECRClient(moto.clientConfig);
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  await proxy?.close();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  proxy.resetCounts();
});

function read(extra: Partial<Parameters<typeof RegistryReport.read>[0]> = {}) {
  return RegistryReport.read({
    targets: [{ account: ACCOUNT, region: REGION }],
    endpoint: proxy.url,
    credentials: FAKE_CREDENTIALS,
    deadline: Date.now() + 60_000,
    env: {},
    ...extra,
  });
}

const pairs = (report: RegistryReport) => report.findings.map(f => [f.ruleId, f.resourceName] as const);

describe('report against a seeded registry (moto over HTTP)', () => {
  test('each known fault is reported once and nothing else', async () => {
    await seedRegistry(ecr);
    const report = await read();
    expect(report.targets).toHaveLength(1);
    const [target] = report.targets;
    expect(target.status).toBe('partial');
    expect(target.account).toBe(ACCOUNT);
    expect(target.model!.repositories.map(r => r.name).sort()).toEqual(REPOSITORIES.map(r => r.name).sort());
    expect([...pairs(report)].sort()).toEqual([...EXPECTED_FINDINGS].sort());
    // Findings carry the rule id, the resource ARN, a severity and a message.
    expect(report.findings.find(f => f.ruleId === 'EcrChecks-ECR2')).toEqual({
      ruleId: 'EcrChecks-ECR2',
      severity: 'error',
      resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/fault/mutable`,
      resourceKind: 'repository',
      resourceName: 'fault/mutable',
      title: expect.stringMatching(/IMMUTABLE/),
      message: 'tag mutability is MUTABLE',
    });
    expect(report.findings.find(f => f.ruleId === 'EcrChecks-ECR5')).toMatchObject({ severity: 'warning', message: 'encryption is AES256' });
    expect(report.findings.find(f => f.ruleId === 'EcrChecks-RegistryScanning')).toMatchObject({
      resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry`,
      message: 'scan type BASIC with no rules',
    });
    expect(report.findings.find(f => f.ruleId === 'EcrChecks-CrossAccountWildcard')!.message).toBe('statement "AdminForTools" grants wildcard actions to another account');
    expect(report.findings.find(f => f.ruleId === 'EcrChecks-OpenAccess')!.message).toMatch(/^statement "Everyone" allows pull or push to any principal/);
    expect(report.exceeds('error')).toBe(true);
  });

  test('settings read as ECR holds them: policy, lifecycle text, tags, customer key, the registry policy and replication', async () => {
    await seedRegistry(ecr);
    const model = (await read()).targets[0].model!;
    const api = model.repositories.find(r => r.name === 'clean/api')!;
    expect(api).toMatchObject({
      arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/clean/api`,
      tagMutability: ['IMMUTABLE'],
      scanOnPush: [true],
      encryptionType: ['KMS'],
      tags: [[{ key: 'owner', value: 'clean' }]],
    });
    expect(api.kmsKey![0]).toMatch(/^arn:aws:kms:/);
    expect(JSON.parse(api.lifecyclePolicyText![0] as string).rules[0].description).toBe('expire untagged');
    expect(api.policyStatements).toHaveLength(1);
    expect(api.unread).toBeUndefined();
    expect(model.registryPolicies).toHaveLength(1);
    expect(model.replicationConfigurations[0].destinations).toEqual([`eu-west-1/${ACCOUNT}`]);
  });

  test('parts moto lacks (HTTP 500) are gaps that say which part and why, the rest is reported; never a SyntaxError', async () => {
    await seedRegistry(ecr);
    const report = await read();
    const gaps = report.targets[0].gaps;
    expect(gaps.map(g => g.part).sort()).toEqual(['accountSettings', 'creationTemplates', 'pullThroughCacheRules', 'pullTimeExclusions', 'signing']);
    for (const g of gaps) {
      expect(g.code).toBe('HTTP 500');
      expect(g.reason).toMatch(/HTTP 500/);
      expect(g.reason).not.toMatch(/SyntaxError|\$response|Deserialization/);
    }
    expect(gaps.find(g => g.part === 'creationTemplates')!.action).toBe('DescribeRepositoryCreationTemplates');
    // Three attempts each (a missing feature is a gap within a second, not at the deadline).
    expect(proxy.count('DescribeRepositoryCreationTemplates')).toBe(3);
    expect(report.targets[0].durationMs).toBeLessThan(10_000);
  });

  test('a clean registry (registry scanning of "*" on push) has no finding and exits clean', async () => {
    for (const r of REPOSITORIES.filter(x => x.name.startsWith('clean/'))) {
      await seedRepository(ecr, r);
    }
    await ecr.send(new PutRegistryScanningConfigurationCommand({
      scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    }));
    const report = await read();
    expect(report.findings).toEqual([]);
    expect(report.exceeds('warning')).toBe(false);
    expect(report.targets[0].model!.scanningConfigurations[0].rules).toEqual([
      { scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] },
    ]);
  });

  test('the same rules on a synthesized template of the same registry give the same findings', async () => {
    await seedRegistry(ecr);
    const live = await read();
    const { app } = seededApp();
    const template = modelFromTemplate(app);
    expect(template.registries).toHaveLength(1);
    const synth = RegistryReport.fromModels(template.registries);
    expect([...pairs(synth)].sort()).toEqual([...pairs(live)].sort());
    expect(synth.findings.map(f => f.message).sort()).toEqual(live.findings.map(f => f.message).sort());
    // Repository findings name the same ARN both ways.
    const arns = (r: RegistryReport) => r.findings.filter(f => f.resourceKind === 'repository').map(f => f.resource).sort();
    expect(arns(synth)).toEqual(arns(live));
  });

  test('reads every page: DescribeRepositories asks for 1,000 (ECR\'s maximum) and follows nextToken; scanning in batches of 25', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `many/r${String(i).padStart(2, '0')}`);
    for (const name of names) {
      await seedRepository(ecr, { name, mutability: 'IMMUTABLE', scanOnPush: true, encryption: 'KMS', lifecycle: true });
    }
    proxy.resetCounts();
    const one = await read();
    expect(one.targets[0].model!.repositories.map(r => r.name).sort()).toEqual(names);
    expect(proxy.count('DescribeRepositories')).toBe(1);
    expect(proxy.count('BatchGetRepositoryScanningConfiguration')).toBe(3);

    // ECR may answer fewer than asked: pages of 25, 25 and 10.
    proxy.resetCounts();
    proxy.setPageLimit(25);
    let report: RegistryReport;
    try {
      report = await read();
    } finally {
      proxy.setPageLimit(undefined);
    }
    expect(report.targets[0].model!.repositories.map(r => r.name).sort()).toEqual(names);
    expect(proxy.count('DescribeRepositories')).toBe(3);
    expect(proxy.count('BatchGetRepositoryScanningConfiguration')).toBe(3);
    expect(proxy.count('GetLifecyclePolicy')).toBe(60);
    expect(proxy.count('GetRepositoryPolicy')).toBe(60);
    expect(proxy.count('ListTagsForResource')).toBe(60);
    expect(report.targets[0].calls).toMatchObject({ DescribeRepositories: 3, BatchGetRepositoryScanningConfiguration: 3, GetLifecyclePolicy: 60 });
    expect(report.findings.map(f => f.ruleId)).toEqual(['EcrChecks-RegistryScanning']);
  }, 60_000);
});
