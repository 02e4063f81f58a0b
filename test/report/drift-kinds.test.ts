/**
 * The kinds compared since the model layer: pull-time update exclusions (by principal: missing,
 * unmanaged, a gap) and account settings (by name: differs when a declared model has one; a live one
 * nobody can declare is never unmanaged), read live with a mocked client, written in JSON that the
 * published schema (1.3) accepts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { ECRClient, GetAccountSettingCommand, ListPullTimeUpdateExclusionsCommand } from '@aws-sdk/client-ecr';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { App, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { Registry } from '../../src';
import {
  AccountSettingModel, compareRegistry, DeclaredStack, emptyRegistry, readAssembly, readInventory, RegistryModel, RegistryReport, renderText,
  reportToJson,
} from '../../src/report';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const SCANNER = `arn:aws:iam::${ACCOUNT}:role/scanner`;
const CI = `arn:aws:iam::${ACCOUNT}:role/ci`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/other`;
const SCHEMA = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'));

const registryArn = `arn:aws:ecr:${REGION}:${ACCOUNT}:registry`;
const exclusion = (principalArn: string) => ({ kind: 'pullTimeExclusion' as const, id: `${registryArn}#pull-time-exclusion/${principalArn}`, principalArn });

describe('pull-time update exclusions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'drift-pull-time-'));
    const app = new App({ outdir: dir });
    const stack = new Stack(app, 'Registry', { env: { account: ACCOUNT, region: REGION } });
    new Registry(stack, 'Registry', { pullTimeUpdateExclusions: [SCANNER, CI] });
    app.synth();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entries = (live: RegistryModel) => compareRegistry(readAssembly(dir).stacks, live).entries.filter(e => e.resource === 'pullTimeExclusion');

  test('are read from the assembly and compared by principal: missing, unmanaged; the same principal is no entry', () => {
    const found = entries({ ...emptyRegistry(ACCOUNT, REGION), pullTimeExclusions: [exclusion(SCANNER), exclusion(OTHER)] });
    expect(found.map(e => [e.kind, e.name])).toEqual([['missing', CI], ['unmanaged', OTHER]]);
    expect(found[0]).toMatchObject({ stack: 'Registry', logicalId: expect.stringMatching(/^RegistryPullTimeExclusion/), reason: `declared in Registry but the registry has no pull-time update exclusion for principal ${CI}` });
    expect(found[1].reason).toBe(`the registry's pull-time update exclusion for principal ${OTHER} is not declared by any stack`);
  });

  test('a list that could not be read is one not comparable entry, never drift', () => {
    const gap = { part: 'pullTimeExclusions' as const, action: 'ListPullTimeUpdateExclusions', code: 'AccessDeniedException', reason: 'denied' };
    expect(entries({ ...emptyRegistry(ACCOUNT, REGION), gaps: [gap] })).toEqual([{
      kind: 'notComparable', resource: 'pullTimeExclusion', reason: 'the pull-time update exclusions could not be read (ListPullTimeUpdateExclusions: denied)',
    }]);
  });

  test('are read live (all pages), listed in the JSON, which the schema accepts; a denied list is a gap', async () => {
    const ecr = mockClient(ECRClient);
    try {
      ecr.on(ListPullTimeUpdateExclusionsCommand, { nextToken: undefined }).resolves({ pullTimeUpdateExclusions: [SCANNER], nextToken: 'p2' });
      ecr.on(ListPullTimeUpdateExclusionsCommand, { nextToken: 'p2' }).resolves({ pullTimeUpdateExclusions: [OTHER] });
      ecr.on(GetAccountSettingCommand).resolves({ name: 'REGISTRY_POLICY_SCOPE', value: 'V2' });
      const read = () => readInventory({ client: new ECRClient({ region: REGION }), region: REGION, account: ACCOUNT, requestsPerSecond: Infinity });
      const { model, calls } = await read();
      expect(calls.ListPullTimeUpdateExclusions).toBe(2);
      expect(model.pullTimeExclusions).toEqual([exclusion(SCANNER), exclusion(OTHER)]);
      expect(model.accountSettingList).toEqual([{ kind: 'accountSetting', id: `${registryArn}#account-setting/REGISTRY_POLICY_SCOPE`, name: 'REGISTRY_POLICY_SCOPE', value: 'V2' }]);
      expect(model.accountSettings).toEqual({ REGISTRY_POLICY_SCOPE: 'V2' });

      const report = RegistryReport.fromModels([model], new Date(0), readAssembly(dir));
      const doc = reportToJson(report, 'error');
      expect(doc.schemaVersion).toBe('1.4');
      expect(doc.targets[0].registry!.pullTimeExclusions).toEqual([SCANNER, OTHER]);
      expect(doc.targets[0].resources.filter(r => r.kind === 'pullTimeExclusion').map(r => r.settings)).toEqual([{ principalArn: SCANNER }, { principalArn: OTHER }]);
      expect(doc.targets[0].drift!.entries.filter(e => e.resource === 'pullTimeExclusion').map(e => [e.kind, e.name])).toEqual([['missing', CI], ['unmanaged', OTHER]]);
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      addFormats(ajv);
      const validate = ajv.compile(SCHEMA);
      expect(validate(JSON.parse(JSON.stringify(doc)))).toBe(true);
      expect(renderText(report, 'error')).toMatch(/unmanaged\s+pull-time exclusion arn:aws:iam::111111111111:role\/other: /);

      ecr.reset();
      const accessDenied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 }, $fault: 'client' });
      ecr.on(ListPullTimeUpdateExclusionsCommand).rejects(accessDenied);
      const denied = (await read()).model;
      expect(denied.gaps.map(g => [g.part, g.action, g.code])).toEqual([['pullTimeExclusions', 'ListPullTimeUpdateExclusions', 'AccessDeniedException']]);
      expect(reportToJson(RegistryReport.fromModels([denied]), 'error').targets[0].registry!.pullTimeExclusions).toBeNull();
    } finally {
      ecr.restore();
    }
  });
});

describe('account settings', () => {
  const setting = (value: string, id = `${registryArn}#account-setting/REGISTRY_POLICY_SCOPE`): AccountSettingModel =>
    ({ kind: 'accountSetting', id, name: 'REGISTRY_POLICY_SCOPE', value });
  const stack = (items: DeclaredStack['items']): DeclaredStack =>
    ({ artifactId: 'Settings', stackName: 'Settings', displayName: 'Settings', account: ACCOUNT, region: REGION, tags: {}, subjects: [], items });
  const live = { ...emptyRegistry(ACCOUNT, REGION), accountSettingList: [setting('V1')] };

  test('compare by name when a declared model has one: the value differs', () => {
    const entries = compareRegistry([stack([{ kind: 'accountSetting', item: setting('V2', 'Settings/Scope'), logicalId: 'Scope' }])], live).entries;
    expect(entries).toEqual([{
      kind: 'differs',
      resource: 'accountSetting',
      name: 'REGISTRY_POLICY_SCOPE',
      property: 'value',
      declared: 'V2',
      live: 'V1',
      stack: 'Settings',
      logicalId: 'Scope',
      reason: 'the value is V1, declared V2',
    }]);
  });

  test('a live setting no template can declare is never unmanaged', () => {
    expect(compareRegistry([stack([])], live).entries).toEqual([]);
  });
});
