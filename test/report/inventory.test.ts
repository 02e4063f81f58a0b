/**
 * The inventory and the audit with a mocked ECR client: the failures moto cannot produce
 * (access denied on one call, on the listing), paging by nextToken, progress, the wrong account.
 */
import {
  BatchGetRepositoryScanningConfigurationCommand, DescribePullThroughCacheRulesCommand, DescribeRegistryCommand, DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand, ECRClient, GetAccountSettingCommand, GetLifecyclePolicyCommand, GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand, GetRepositoryPolicyCommand, GetSigningConfigurationCommand, ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { audit, InventoryProgress, readInventory, RegistryReport, WrongAccountError } from '../../src/report';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const LIFECYCLE = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}';

function repo(name: string) {
  return {
    repositoryName: name,
    repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
    registryId: ACCOUNT,
    imageTagMutability: 'IMMUTABLE' as const,
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'KMS' as const, kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` },
  };
}

function denied(action: string): Error {
  return Object.assign(new Error(`User: arn:aws:iam::${ACCOUNT}:role/audit is not authorized to perform: ecr:${action}`), {
    name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 }, $fault: 'client',
  });
}

function notFound(name: string): Error {
  return Object.assign(new Error('not found'), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });
}

/** A healthy, clean registry of `names`, every registry-wide call answered. */
function healthy(names: string[], pageSize = 1000) {
  const ecr = mockClient(ECRClient);
  ecr.on(DescribeRegistryCommand).resolves({ registryId: ACCOUNT, replicationConfiguration: { rules: [] } });
  ecr.on(GetRegistryScanningConfigurationCommand).resolves({
    registryId: ACCOUNT, scanningConfiguration: { scanType: 'ENHANCED', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }] },
  });
  ecr.on(GetRegistryPolicyCommand).rejects(notFound('RegistryPolicyNotFoundException'));
  ecr.on(DescribePullThroughCacheRulesCommand).resolves({ pullThroughCacheRules: [] });
  ecr.on(DescribeRepositoryCreationTemplatesCommand).resolves({
    repositoryCreationTemplates: [{ prefix: 'ROOT', appliedFor: ['PULL_THROUGH_CACHE'], imageTagMutability: 'MUTABLE' }],
  });
  ecr.on(GetAccountSettingCommand).resolves({ name: 'REGISTRY_POLICY_SCOPE', value: 'V2' });
  ecr.on(GetSigningConfigurationCommand).resolves({ signingConfiguration: { rules: [] } });
  const pages = [];
  for (let i = 0; i < Math.max(names.length, 1); i += pageSize) {
    pages.push(names.slice(i, i + pageSize));
  }
  pages.forEach((page, i) => {
    ecr.on(DescribeRepositoriesCommand, { nextToken: i === 0 ? undefined : `t${i}` }).resolves({
      repositories: page.map(repo), nextToken: i + 1 < pages.length ? `t${i + 1}` : undefined,
    });
  });
  ecr.on(BatchGetRepositoryScanningConfigurationCommand).callsFake(input => ({
    scanningConfigurations: input.repositoryNames.map((n: string) => ({ repositoryName: n, scanOnPush: false, scanFrequency: 'CONTINUOUS_SCAN' })),
  }));
  ecr.on(GetLifecyclePolicyCommand).callsFake(input => ({ repositoryName: input.repositoryName, lifecyclePolicyText: LIFECYCLE }));
  ecr.on(GetRepositoryPolicyCommand).rejects(notFound('RepositoryPolicyNotFoundException'));
  ecr.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'team', Value: 'payments' }] });
  return ecr;
}

describe('readInventory', () => {
  test('reads every page (nextToken), batches scanning by 25, and keeps scan on push from DescribeRepositories', async () => {
    const names = Array.from({ length: 1234 }, (_, i) => `team/r${i}`);
    const ecr = healthy(names);
    // ECR answers pages of up to 1,000.
    ecr.on(DescribeRepositoriesCommand).callsFake(input => {
      const offset = input.nextToken ? Number(input.nextToken) : 0;
      expect(input.maxResults).toBe(1000);
      const next = offset + input.maxResults;
      return { repositories: names.slice(offset, next).map(repo), nextToken: next < names.length ? String(next) : undefined };
    });
    const client = new ECRClient({ region: REGION });
    const inventory = await readInventory({ client, region: REGION, account: ACCOUNT, requestsPerSecond: Infinity });
    expect(inventory.model.repositories).toHaveLength(1234);
    expect(new Set(inventory.model.repositories.map(r => r.name)).size).toBe(1234);
    expect(inventory.calls).toMatchObject({
      DescribeRepositories: 2,
      BatchGetRepositoryScanningConfiguration: 40 + 10,
      GetLifecyclePolicy: 1234,
      GetRepositoryPolicy: 1234,
      ListTagsForResource: 1234,
    });
    const first = inventory.model.repositories[0];
    // BatchGetRepositoryScanningConfiguration said scanOnPush false (as moto always does): the repository's own setting wins.
    expect(first).toMatchObject({ scanOnPush: [true], scanFrequency: 'CONTINUOUS_SCAN', policyStatements: [], tags: [[{ key: 'team', value: 'payments' }]] });
    expect(inventory.model.gaps).toEqual([]);
    expect(inventory.model.accountSettings).toEqual({ REGISTRY_POLICY_SCOPE: 'V2' });
    // A creation template without IMMUTABLE or a lifecycle policy is the only finding.
    expect(audit(inventory.model).map(f => [f.ruleId, f.resourceName, f.message])).toEqual([
      ['EcrChecks-CreationTemplate', 'repository creation template ROOT', 'tag mutability is MUTABLE; there is no lifecycle policy'],
    ]);
  });

  test('access denied on one repository\'s lifecycle policy: a gap for that repository, ECR3 not applied to it, every other rule applied', async () => {
    const ecr = healthy(['a', 'b']);
    ecr.on(GetLifecyclePolicyCommand, { repositoryName: 'b' }).rejects(denied('GetLifecyclePolicy'));
    ecr.on(GetRepositoryPolicyCommand, { repositoryName: 'b' }).resolves({ policyText: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] }) });
    const { model } = await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity });
    const b = model.repositories.find(r => r.name === 'b')!;
    expect(b.unread).toEqual(['lifecyclePolicies']);
    expect(b.lifecyclePolicyText).toBeNull();
    expect(model.gaps).toEqual([{
      part: 'lifecyclePolicies',
      action: 'GetLifecyclePolicy',
      repository: 'b',
      code: 'AccessDeniedException',
      reason: expect.stringMatching(/^ECR GetLifecyclePolicy .*not authorized to perform: ecr:GetLifecyclePolicy.*repository b/),
    }]);
    expect(audit(model).map(f => [f.ruleId, f.resourceName])).toEqual([['EcrChecks-OpenAccess', 'b'], ['EcrChecks-CreationTemplate', 'repository creation template ROOT']]);
  });

  test('the listing denied: no repositories, a registry-wide gap, the registry settings still read and judged', async () => {
    const ecr = healthy([]);
    ecr.on(DescribeRepositoriesCommand).rejects(denied('DescribeRepositories'));
    ecr.on(GetRegistryScanningConfigurationCommand).resolves({ scanningConfiguration: { scanType: 'BASIC', rules: [] } });
    const { model } = await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity });
    expect(model.repositories).toEqual([]);
    expect(model.gaps.map(g => [g.part, g.action, g.code])).toEqual([['repositories', 'DescribeRepositories', 'AccessDeniedException']]);
    expect(audit(model).map(f => f.ruleId)).toEqual(['EcrChecks-RegistryScanning', 'EcrChecks-CreationTemplate']);
  });

  test('registry scanning not readable: the registry-level scanning rule is not applied (a gap, not a finding)', async () => {
    const ecr = healthy([]);
    ecr.on(GetRegistryScanningConfigurationCommand).rejects(denied('GetRegistryScanningConfiguration'));
    ecr.on(DescribeRepositoryCreationTemplatesCommand).resolves({
      repositoryCreationTemplates: [{ prefix: 'ROOT', appliedFor: ['REPLICATION'], imageTagMutability: 'IMMUTABLE', lifecyclePolicy: LIFECYCLE }],
    });
    const { model } = await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity });
    expect(model.scanningConfigurations).toEqual([]);
    expect(audit(model)).toEqual([]);
    expect(model.gaps.map(g => g.part)).toEqual(['registryScanning']);
  });

  // moto has no managed signing API (GetSigningConfiguration answers HTTP 500 there: report.moto.test.ts
  // sees the gap), so the signing configuration's answers come from a mocked client.
  test('managed signing: the rules in the model, judged by the opt-in EcrChecks-Signing; none configured is no rule, not a gap', async () => {
    const ecr = healthy(['prod/api', 'prod/web', 'dev/api']);
    ecr.on(GetSigningConfigurationCommand).resolves({
      registryId: ACCOUNT,
      signingConfiguration: { rules: [{ signingProfileArn: `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/images`, repositoryFilters: [{ filter: 'prod/a*', filterType: 'WILDCARD_MATCH' }] }] },
    });
    const { model } = await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity });
    expect(model.signingConfigurations).toEqual([{
      id: `arn:aws:ecr:${REGION}:${ACCOUNT}:registry#signing`,
      rules: [{ signingProfileArn: `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/images`, repositoryFilters: [{ filter: 'prod/a*', filterType: 'WILDCARD_MATCH' }] }],
    }]);
    const signing = (m: typeof model) => audit(m, { requireSigning: { repositoryPrefixes: ['prod/'] } }).filter(f => f.ruleId === 'EcrChecks-Signing');
    expect(signing(model).map(f => [f.resourceName, f.message])).toEqual([
      ['prod/web', 'repository prod/web matches the required prefix "prod/", and no signing rule covers it (filters: prod/a*)'],
    ]);
    expect(audit(model).map(f => f.ruleId)).not.toContain('EcrChecks-Signing'); // off unless asked

    ecr.on(GetSigningConfigurationCommand).rejects(notFound('SigningConfigurationNotFoundException'));
    const none = (await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity })).model;
    expect(none.signingConfigurations).toEqual([]);
    expect(none.gaps).toEqual([]);
    expect(signing(none).map(f => f.resourceName)).toEqual(['prod/api', 'prod/web']);
    // The report applies the same opt-in rule, and lists it among its rules, only when asked.
    const asked = RegistryReport.fromModels([none], new Date(0), undefined, { requireSigning: { repositoryPrefixes: ['prod/'] } });
    expect(asked.targets[0].findings.filter(f => f.ruleId === 'EcrChecks-Signing').map(f => f.resourceName)).toEqual(['prod/api', 'prod/web']);
    expect(asked.rules.map(r => r.id)).toContain('EcrChecks-Signing');
    const notAsked = RegistryReport.fromModels([none], new Date(0));
    expect(notAsked.rules.map(r => r.id)).not.toContain('EcrChecks-Signing');
    expect(notAsked.targets[0].findings.map(f => f.ruleId)).not.toContain('EcrChecks-Signing');
  });

  test('managed signing not readable (denied, or a region without it): a signing gap, and EcrChecks-Signing judges nothing', async () => {
    const ecr = healthy(['prod/api']);
    ecr.on(GetSigningConfigurationCommand).rejects(denied('GetSigningConfiguration'));
    const { model } = await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity });
    expect(model.signingConfigurations).toEqual([]);
    expect(model.gaps.map(g => [g.part, g.action, g.code])).toEqual([['signing', 'GetSigningConfiguration', 'AccessDeniedException']]);
    expect(audit(model, { requireSigning: { repositoryPrefixes: ['prod/'] } }).map(f => f.ruleId)).not.toContain('EcrChecks-Signing');
  });

  test('credentials of another account: WrongAccountError naming both accounts', async () => {
    healthy(['a']);
    await expect(readInventory({ client: new ECRClient({ region: REGION }), region: REGION, account: '222222222222', requestsPerSecond: Infinity }))
      .rejects.toThrow(new WrongAccountError('222222222222', ACCOUNT, REGION));
    await expect(readInventory({ client: new ECRClient({ region: REGION }), region: REGION, account: '222222222222', requestsPerSecond: Infinity }))
      .rejects.toThrow(/credentials read registry 111111111111 in eu-west-1, not 222222222222/);
  });

  test('progress: listed and read counts, at most every 100 repositories, and a last event when done', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `r${i}`);
    healthy(names, 100);
    const events: InventoryProgress[] = [];
    await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, requestsPerSecond: Infinity, onProgress: p => events.push(p) });
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeLessThan(12);
    expect(events[events.length - 1]).toEqual({ account: ACCOUNT, region: REGION, listed: 250, read: 250, listingDone: true });
    expect(events.every((e, i) => i === 0 || e.read >= events[i - 1].read)).toBe(true);
  });

  test('bounded concurrency: never more requests in flight than asked', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `r${i}`);
    const ecr = healthy(names);
    let inFlight = 0;
    let most = 0;
    ecr.on(GetLifecyclePolicyCommand).callsFake(async input => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise(r => setTimeout(r, 2));
      inFlight--;
      return { repositoryName: input.repositoryName, lifecyclePolicyText: LIFECYCLE };
    });
    await readInventory({ client: new ECRClient({ region: REGION }), region: REGION, concurrency: 3, requestsPerSecond: Infinity });
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });
});

describe('RegistryReport.read: the targets', () => {
  test('read `targetConcurrency` at a time, reported in the order given, each in its steps (read, status)', async () => {
    const ecr = healthy(['a']);
    let inFlight = 0;
    let most = 0;
    ecr.on(DescribeRegistryCommand).callsFake(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise(r => setTimeout(r, 5));
      inFlight--;
      return { registryId: ACCOUNT, replicationConfiguration: { rules: [] } };
    });
    const regions = ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'us-east-1'];
    const report = await RegistryReport.read({
      targets: regions.map(region => ({ region })),
      targetConcurrency: 2,
      requestsPerSecond: Infinity,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      env: {},
    });
    expect(most).toBe(2);
    expect(report.targets.map(t => [t.region, t.status, t.account])).toEqual(regions.map(r => [r, 'complete', ACCOUNT]));
    expect(report.targets[0].calls).toMatchObject({ DescribeRegistry: 1, DescribeRepositories: 1 });
    expect(report.targets[0].calls.AssumeRole).toBeUndefined();
  });

  test('a failed step fails its target, named by its call; the others are read', async () => {
    healthy(['a']);
    const report = await RegistryReport.read({
      targets: [{ region: REGION }, { account: '222222222222', region: REGION }],
      requestsPerSecond: Infinity,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      env: {},
    });
    expect(report.targets.map(t => t.status)).toEqual(['complete', 'failed']);
    expect(report.targets[1]).toMatchObject({ error: expect.stringMatching(/credentials read registry 111111111111 in eu-west-1, not 222222222222/), calls: {}, findings: [] });
  });

  test.each([
    ['targetConcurrency', 0], ['targetConcurrency', 1.5], ['concurrency', 0], ['concurrency', -2],
  ] as const)('fails %s %p before any call: bad input naming the option and what is allowed', async (key, n) => {
    const ecr = healthy([]);
    await expect(RegistryReport.read({ targets: [{ region: REGION }], [key]: n }))
      .rejects.toThrow(new RegExp(`^${key} ${n} is not a positive integer: give the most to run at once \\(1 or more\\)$`));
    expect(ecr.calls()).toHaveLength(0);
  });
});
