/**
 * Drift against the app, over HTTP against moto: a real app synthesized with this library's
 * constructs into a temporary cloud assembly, a seeded registry, and CloudFormation (moto's) for
 * the physical name of a repository without a literal name.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateRepositoryCommand, ECRClient, PutLifecyclePolicyCommand, PutRegistryPolicyCommand, PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { App, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ACCOUNT, REGION, REPOSITORIES, seedRegistry, seededApp } from './seed';
import { PrivateRepository, RepositoryCreationTemplate } from '../../src';
import { main } from '../../src/cli/main';
import { DriftEntry, RegistryReport, reportToJson, StackResourcesReader } from '../../src/report';
import { forClient } from '../../src/runtime';
import { MotoServer, startMoto } from '../helpers/moto';
import { PagingProxy, startPagingProxy } from '../helpers/paging-proxy';

jest.setTimeout(90_000);

const SCHEMA = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'));
const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' };

let moto: MotoServer;
let proxy: PagingProxy;
let ecrClient: ECRClient;
let cfn: CloudFormationClient;
const dirs: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  // The CLI's clients use the SDK's default credential chain, which reads the process environment.
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  moto = await startMoto(REGION);
  proxy = await startPagingProxy(moto.endpoint);
  ecrClient = new ECRClient(moto.clientConfig);
  cfn = new CloudFormationClient(moto.clientConfig);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  ecrClient?.destroy();
  cfn?.destroy();
  await proxy?.close();
  await moto?.stop();
  dirs.forEach(d => rmSync(d, { recursive: true, force: true }));
});

beforeEach(async () => {
  await moto.reset();
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'drift-test-'));
  dirs.push(d);
  return d;
}

/** The app: what the platform team declares. */
function synthApp(): { outdir: string; unnamedLogicalId: string; taggedLogicalId: string; declaredLifecycle: string } {
  const outdir = tempDir();
  const app = new App({ outdir });
  const env = { account: ACCOUNT, region: REGION };
  const stack = new Stack(app, 'Registry', { env });
  new PrivateRepository(stack, 'Api', { repositoryName: 'team/api' });
  new PrivateRepository(stack, 'Web', { repositoryName: 'team/web' });
  new PrivateRepository(stack, 'Gone', { repositoryName: 'team/gone' });
  // The key is the stack's own: its ARN is a Fn::GetAtt, known only at deploy time.
  new PrivateRepository(stack, 'Token', { repositoryName: 'team/token', encryptionKey: new kms.Key(stack, 'Key') });
  // No literal name: CloudFormation names them at deploy time. "Tagged" is found by the tags
  // CloudFormation gives what it creates, "Unnamed" through the deployed stack's resources.
  const unnamed = new PrivateRepository(stack, 'Unnamed');
  const tagged = new PrivateRepository(stack, 'Tagged');
  new RepositoryCreationTemplate(stack, 'Apps', { prefix: 'apps' });
  // A second stack never deployed: its unnamed repository cannot be named.
  const other = new Stack(app, 'Other', { env });
  new PrivateRepository(other, 'Orphan');
  const assembly = app.synth();
  const template = assembly.getStackByName('Registry').template;
  const apiId = Object.keys(template.Resources).find(k => template.Resources[k].Properties?.RepositoryName === 'team/api')!;
  return {
    outdir,
    unnamedLogicalId: stack.resolve((unnamed.node.defaultChild as ecr.CfnRepository).logicalId),
    taggedLogicalId: stack.resolve((tagged.node.defaultChild as ecr.CfnRepository).logicalId),
    declaredLifecycle: template.Resources[apiId].Properties.LifecyclePolicy.LifecyclePolicyText,
  };
}

/** The same policy text, written differently: keys reversed, indented. */
function rewritten(text: string): string {
  const reverse = (v: any): any => (Array.isArray(v) ? v.map(reverse)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v);
  return JSON.stringify(reverse(JSON.parse(text)), null, 2);
}

async function createRepository(
  name: string, mutability: 'IMMUTABLE' | 'MUTABLE', lifecycle: string | undefined, kmsKey?: string, tags?: Record<string, string>,
) {
  await ecrClient.send(new CreateRepositoryCommand({
    repositoryName: name,
    ...(tags ? { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
    imageTagMutability: mutability,
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: { encryptionType: 'KMS', ...(kmsKey ? { kmsKey } : {}) },
  }));
  if (lifecycle) {
    await ecrClient.send(new PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText: lifecycle }));
  }
}

/** The registry: what is deployed, plus drift. Returns the physical name CloudFormation gave the unnamed repository. */
async function seed(app: ReturnType<typeof synthApp>): Promise<string> {
  const lifecycle = rewritten(app.declaredLifecycle);
  await createRepository('team/api', 'IMMUTABLE', lifecycle);
  await createRepository('team/web', 'MUTABLE', lifecycle); // drift: one property
  await createRepository('team/token', 'IMMUTABLE', lifecycle, `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa`);
  await createRepository('apps/legacy', 'MUTABLE', undefined); // unmanaged, under the template's prefix
  await createRepository('scratch', 'MUTABLE', undefined); // unmanaged, outside every prefix
  // team/gone is not created: missing.
  // The deployed stack, in moto's CloudFormation. moto names an unnamed AWS::ECR::Repository with
  // upper-case letters (Stack-LogicalId-RANDOM), which its own ECR then refuses; so the stack holds,
  // under the repository's logical id, an SSM parameter named as CloudFormation names repositories
  // (lower case), and the repository of that name is created through ECR. What the report reads from
  // CloudFormation is the same answer: ListStackResources maps the logical id to the physical name.
  const physicalName = `registry-${app.unnamedLogicalId.toLowerCase()}-a1b2c3d4e5f6`;
  await cfn.send(new CreateStackCommand({
    StackName: 'Registry',
    TemplateBody: JSON.stringify({
      Resources: { [app.unnamedLogicalId]: { Type: 'AWS::SSM::Parameter', Properties: { Name: physicalName, Type: 'String', Value: 'x' } } },
    }),
  }));
  const resources = await cfn.send(new ListStackResourcesCommand({ StackName: 'Registry' }));
  expect(resources.StackResourceSummaries!.find(r => r.LogicalResourceId === app.unnamedLogicalId)!.PhysicalResourceId).toBe(physicalName);
  await createRepository(physicalName, 'IMMUTABLE', lifecycle);
  // Created by CloudFormation in the same stack: it carries CloudFormation's own tags.
  await createRepository(`registry-${app.taggedLogicalId.toLowerCase()}-f6e5d4c3b2a1`, 'IMMUTABLE', lifecycle, undefined, {
    'aws:cloudformation:stack-name': 'Registry',
    'aws:cloudformation:logical-id': app.taggedLogicalId,
    'aws:cloudformation:stack-id': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Registry/0a1b2c3d`,
  });
  return physicalName;
}

/** A deployed stack's physical ids, as a caller with its own CloudFormation client reads them (moto's). */
const stackResources: StackResourcesReader = async ({ stackName, region }) => {
  const client = forClient(CloudFormationClient, { ...moto.clientConfig, region }, { deadline: Date.now() + 30_000, env: {} });
  try {
    const ids = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
      page.StackResourceSummaries?.forEach(r => ids.set(r.LogicalResourceId!, r.PhysicalResourceId!));
      NextToken = page.NextToken;
    } while (NextToken);
    return ids;
  } finally {
    client.destroy();
  }
};

function read(assembly: string) {
  return RegistryReport.read({
    targets: [{ account: ACCOUNT, region: REGION }],
    endpoint: proxy.url,
    stackResources,
    credentials: FAKE_CREDENTIALS,
    deadline: Date.now() + 60_000,
    env: {},
    assembly,
  });
}

const key = (e: DriftEntry) => [e.kind, e.resource, e.name ?? null, e.property ?? null];

describe('drift against a synthesized app (moto over HTTP)', () => {
  test('each drift entry once, nothing for clean repositories; physical ids through CloudFormation', async () => {
    const app = synthApp();
    const physicalName = await seed(app);
    const report = await read(app.outdir);
    const [target] = report.targets;
    const drift = target.drift!;
    expect(drift.stacks).toEqual(['Registry', 'Other']);
    expect(drift.entries.map(key)).toEqual([
      ['missing', 'repository', 'team/gone', null],
      ['unmanaged', 'repository', 'apps/legacy', null],
      ['unmanaged', 'repository', 'scratch', null],
      ['differs', 'repository', 'team/web', 'tagMutability'],
      ['notComparable', 'repository', null, null],
      ['notComparable', 'repository', 'team/token', 'kmsKey'],
      // moto has no repository creation templates (DescribeRepositoryCreationTemplates answers 5xx): a gap, never drift.
      ['notComparable', 'creationTemplate', null, null],
    ]);
    const [missing, legacy, scratch, web, orphan, token] = drift.entries;
    expect(missing).toMatchObject({ stack: 'Registry', reason: 'declared in Registry but not in the registry' });
    expect(legacy.governedBy).toBe('apps');
    expect(legacy.reason).toMatch(/the creation template for prefix apps in Registry would govern it \(applied for PULL_THROUGH_CACHE, REPLICATION, CREATE_ON_PUSH\)/);
    expect(scratch.governedBy).toBeUndefined();
    expect(scratch.reason).toMatch(/no declared creation template covers its name/);
    expect(web).toMatchObject({ declared: 'IMMUTABLE', live: 'MUTABLE', stack: 'Registry', reason: 'tag mutability is MUTABLE, declared IMMUTABLE' });
    expect(orphan.stack).toBe('Other');
    expect(orphan.reason).toMatch(/^it has no literal repository name and no live repository carries CloudFormation's tags for it \(aws:cloudformation:stack-name Other, aws:cloudformation:logical-id Orphan[0-9A-F]+\), and stack Other is not deployed in this account and region/);
    // A token is never drift: the key differs from the one seeded, but the declared one is a Fn::GetAtt.
    expect(token.reason).toMatch(/known only at deploy time/);
    expect(drift.entries.filter(e => e.kind === 'differs')).toHaveLength(1);
    // Clean: team/api (its lifecycle policy written differently), team/token (the token aside), the
    // repository named by CloudFormation's tags and the one found through ListStackResources: neither
    // is reported unmanaged.
    expect(drift.summary).toEqual({ declared: 7, live: 7, clean: 4, missing: 1, unmanaged: 2, differs: 1, notComparable: 3 });
    expect(drift.entries.some(e => e.name === physicalName || e.name === 'team/api' || e.name?.startsWith('registry-tagged'))).toBe(false);
    // Read for the two stacks whose unnamed repositories the tags do not name (Registry, Other), once each.
    expect(target.calls.ListStackResources).toBe(2);
    expect(report.hasDrift).toBe(true);
  });

  test('a nested stack: its template found by asset hash, its unnamed repository through its parent\'s resources', async () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const parent = new Stack(app, 'Parent', { env: { account: ACCOUNT, region: REGION } });
    const nested = new NestedStack(parent, 'Nested');
    new PrivateRepository(nested, 'Named', { repositoryName: 'nested/named' });
    const unnamed = new PrivateRepository(nested, 'Unnamed');
    app.synth();
    const nestedId = parent.resolve((nested.nestedStackResource as CfnResource).logicalId);
    const unnamedId = nested.resolve((unnamed.node.defaultChild as ecr.CfnRepository).logicalId);
    const template = JSON.parse(readFileSync(path.join(outdir, 'Parent.template.json'), 'utf8'));
    // No asset path metadata (only the CDK CLI asks for it): the template is found by its hash.
    expect(template.Resources[nestedId].Metadata?.['aws:asset:path']).toBeUndefined();
    const lifecycle = JSON.parse(readFileSync(path.join(outdir, readdirSync(outdir).find(f => f.endsWith('.nested.template.json'))!), 'utf8'))
      .Resources[unnamedId].Properties.LifecyclePolicy.LifecyclePolicyText;
    // The deployed stacks (SSM parameters stand for the resources; see seed()): the parent lists the
    // nested stack, the nested stack lists the repository.
    const parameter = (logicalId: string, name: string) => ({ [logicalId]: { Type: 'AWS::SSM::Parameter', Properties: { Name: name, Type: 'String', Value: 'x' } } });
    await cfn.send(new CreateStackCommand({ StackName: 'Parent', TemplateBody: JSON.stringify({ Resources: parameter(nestedId, 'Parent-Nested-1ABC') }) }));
    await cfn.send(new CreateStackCommand({ StackName: 'Parent-Nested-1ABC', TemplateBody: JSON.stringify({ Resources: parameter(unnamedId, 'parent-nested-unnamed-9xyz') }) }));
    await createRepository('nested/named', 'IMMUTABLE', lifecycle);
    await createRepository('parent-nested-unnamed-9xyz', 'IMMUTABLE', lifecycle);
    const report = await read(outdir);
    expect(report.declared!.stacks.map(st => [st.artifactId, st.stackName ?? null, st.subjects.length]))
      .toEqual([['Parent', 'Parent', 0], [`Parent/${nestedId}`, null, 2]]);
    const drift = report.targets[0].drift!;
    expect(drift.entries).toEqual([]);
    expect(drift.summary).toMatchObject({ declared: 2, live: 2, clean: 2 });
    expect(report.targets[0].calls.ListStackResources).toBe(2);
  });

  test('registry-level settings: clean when equal, each difference once', async () => {
    const { app } = seededApp();
    const assemblyDir = app.synth().directory;
    await seedRegistry(ecrClient);
    let report = await read(assemblyDir);
    expect(report.targets[0].drift!.entries.map(key)).toEqual([]);
    expect(report.targets[0].drift!.summary.clean).toBe(REPOSITORIES.length);
    // Someone edits the registry policy and the replication by hand.
    await ecrClient.send(new PutRegistryPolicyCommand({
      policyText: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Other', Effect: 'Allow', Principal: { AWS: '333333333333' }, Action: 'ecr:ReplicateImage', Resource: '*' }] }),
    }));
    await ecrClient.send(new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-central-1', registryId: ACCOUNT }] }] },
    }));
    report = await read(assemblyDir);
    const entries = report.targets[0].drift!.entries;
    expect(entries.map(key)).toEqual([
      ['differs', 'registryPolicy', null, 'policy'],
      ['differs', 'replication', null, 'destinations'],
    ]);
    expect(entries[1]).toMatchObject({ declared: [`eu-west-1/${ACCOUNT}`], live: [`eu-central-1/${ACCOUNT}`] });
    expect((entries[0].live as any[])[0].Principal).toEqual({ AWS: ['arn:aws:iam::333333333333:root'] });
  });
});

describe('report --assembly (CLI)', () => {
  async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['report', '--fail-on', 'none', '--target', `${ACCOUNT}:${REGION}`, '--endpoint', proxy.url,
      '--quiet', ...argv], {
      stdout: t => { stdout += t; },
      stderr: t => { stderr += t; },
      env: ENV,
    });
    return { code, stdout, stderr };
  }
  const assembly = (dir: string) => ['--assembly', dir];

  test('--json: schema 1.2 validates, drift per target and summary; a broken drift entry is rejected', async () => {
    const app = synthApp();
    await seed(app);
    const { code, stdout, stderr } = await run(...assembly(app.outdir), '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(SCHEMA);
    expect(validate(doc)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(doc.schemaVersion).toBe('1.4');
    expect(doc.drift).toMatchObject({
      assembly: app.outdir,
      // The CLI reads no CloudFormation: the repository only ListStackResources names is not
      // comparable, and its live repository is unmanaged; the tagged one is still found.
      counts: { missing: 1, unmanaged: 3, differs: 1, notComparable: 4 },
      failOnDrift: false,
      exceedsFailOnDrift: false,
    });
    expect(doc.drift.stacks.map((s: any) => [s.artifactId, s.account, s.region, s.repositories, s.targets, s.note]))
      .toEqual([['Registry', ACCOUNT, REGION, 6, [0], null], ['Other', ACCOUNT, REGION, 1, [0], null]]);
    const entries = doc.targets[0].drift.entries;
    expect(entries[4]).toEqual({
      kind: 'differs',
      resource: 'repository',
      name: 'team/web',
      property: 'tagMutability',
      declared: 'IMMUTABLE',
      live: 'MUTABLE',
      stack: 'Registry',
      logicalId: expect.stringMatching(/^Web/),
      path: null,
      governedBy: null,
      reason: 'tag mutability is MUTABLE, declared IMMUTABLE',
    });
    // Broken entries: an unknown kind, an unmanaged entry with a declaring stack, a differs without a property.
    const withEntry = (e: object) => ({ ...doc, targets: [{ ...doc.targets[0], drift: { ...doc.targets[0].drift, entries: [e] } }] });
    expect(validate(withEntry({ ...entries[4], kind: 'drifted' }))).toBe(false);
    expect(validate(withEntry({ ...entries[1], stack: 'Registry' }))).toBe(false);
    expect(validate(withEntry({ ...entries[4], property: null }))).toBe(false);
    expect(validate(withEntry({ ...entries[4], governedBy: 'apps' }))).toBe(false);
    // Without --assembly, drift is null at both levels and the document still validates.
    const plain = JSON.parse((await run('--json')).stdout);
    expect(plain.drift).toBeNull();
    expect(plain.targets[0].drift).toBeNull();
    expect(validate(plain)).toBe(true);
  });

  test('terminal: the drift section; --fail-on-drift exits 3', async () => {
    const app = synthApp();
    await seed(app);
    const text = await run(...assembly(app.outdir));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Drift against ${app.outdir}: 1 missing, 3 unmanaged, 1 differing, 4 not comparable`);
    expect(text.stdout).toMatch(/ {2}differs {8}repository team\/web tagMutability: tag mutability is MUTABLE, declared IMMUTABLE/);
    expect(text.stdout).toMatch(/ {2}missing {8}repository team\/gone: declared in Registry but not in the registry/);
    const failing = await run(...assembly(app.outdir), '--fail-on-drift');
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('fails --fail-on-drift');
  });

  test('fails with exit 2 and one message on a bad --assembly, before any call', async () => {
    const missing = await run('--assembly', '/nonexistent/cdk.out');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('cdk-ecr-registry: --assembly "/nonexistent/cdk.out" is not a directory: give the cloud assembly directory `cdk synth` writes (cdk.out)\n');
    const empty = tempDir();
    const noManifest = await run('--assembly', empty);
    expect(noManifest.code).toBe(2);
    expect(noManifest.stderr).toMatch(/has no manifest\.json/);
    const lonely = await run('--fail-on-drift');
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toMatch(/--fail-on-drift goes with --assembly/);
  });
});

test('reportToJson of a report without an assembly has drift null', () => {
  const json = reportToJson(RegistryReport.fromModels([]), 'error');
  expect(json.drift).toBeNull();
});
