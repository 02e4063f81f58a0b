/**
 * `cdk-ecr-registry adopt` over HTTP against moto, with the features moto lacks (pull-through
 * cache rules, creation templates, signing, pull-time exclusions, account settings) from a named
 * stand-in (test/helpers/registry-features.ts): adopt, compile the written TypeScript with tsc,
 * synthesize it, and run `report --assembly` on it against the same registry.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ACCOUNT, FEATURES, LIFECYCLE_3, OTHER_ACCOUNT_KEY, REGION, REGISTRY_POLICY, seedAdoption } from './seed';
import { main } from '../../src/cli/main';
import { MotoServer, startMoto } from '../helpers/moto';
import { RegistryFeaturesStandIn, startRegistryFeatures } from '../helpers/registry-features';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..');
let moto: MotoServer;
let standIn: RegistryFeaturesStandIn;
let ecr: ECRClient;
const dirs: string[] = [];
const savedEnv = { ...process.env };

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '2' },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  moto = await startMoto(REGION);
  standIn = await startRegistryFeatures(moto.endpoint, FEATURES);
  ecr = new ECRClient(moto.clientConfig);
  await seedAdoption(ecr);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  ecr?.destroy();
  await standIn?.close();
  await moto?.stop();
  dirs.forEach(d => rmSync(d, { recursive: true, force: true }));
});

/** The files of a directory (not its subdirectories or links) and their text. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { withFileTypes: true }).filter(e => e.isFile()).map(e => e.name).sort()
    .map(f => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

/** Run a tool; its output in the error when it fails. */
function exec(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  try {
    execFileSync(file, args, { ...options, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Compile the written app with the project's tsc and synthesize it; the cloud assembly directory. */
function compileAndSynth(out: string): string {
  // The app imports `cdk-ecr-registry` and `aws-cdk-lib` by name: here they resolve to this checkout.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'));
  writeFileSync(path.join(out, 'tsconfig.test.json'), JSON.stringify({
    extends: path.join(ROOT, 'tsconfig.dev.json'),
    compilerOptions: { rootDir: '/', paths: { 'cdk-ecr-registry': [path.join(ROOT, 'src', 'index.ts')] } },
    include: [path.join(out, 'app.ts')],
  }));
  exec(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', path.join(out, 'tsconfig.test.json')], { cwd: out });
  const cdkOut = path.join(out, 'cdk.out');
  exec(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['--tsconfig', path.join(out, 'tsconfig.test.json'), 'app.ts'], {
    cwd: out, env: { ...process.env, CDK_OUTDIR: cdkOut },
  });
  return cdkOut;
}

/** `report --assembly` against the same registry: its differs entries are the changes, exactly, and nothing is missing, unmanaged or not comparable. */
async function expectDriftIsChanges(out: string, cdkOut: string): Promise<void> {
  const r = await run(['report', '--region', REGION, '--endpoint', standIn.url, '--assembly', cdkOut, '--json', '--fail-on', 'none', '--quiet']);
  expect(r.code).toBe(0);
  const drift = JSON.parse(r.stdout).targets[0].drift;
  const changes = JSON.parse(readFileSync(path.join(out, 'adopt-changes.json'), 'utf8')).changes;
  expect(drift.entries.filter((e: any) => e.kind !== 'differs')).toEqual([]);
  expect(drift.entries.map((e: any) => ({ resource: e.resource, name: e.name, property: e.property, live: e.live, declared: e.declared })))
    .toEqual(changes.map((c: any) => ({ resource: c.resource, name: c.name, property: c.property, live: c.live, declared: c.declared })));
}

describe('adopt as is, round trip', () => {
  let out: string;
  let adoptOutput: string;

  beforeAll(async () => {
    out = path.join(tempDir('adopt-'), 'app');
    const r = await run(['adopt', '--region', REGION, '--out', out, '--endpoint', standIn.url, '--quiet']);
    adoptOutput = r.stdout;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('writes the app, cdk.json, ADOPTED.md, adopt-changes.json and one import mapping per stack', () => {
    expect(Object.keys(files(out))).toEqual([
      'ADOPTED.md', 'adopt-changes.json', 'app.ts', 'cdk.json', 'import-AdoptedRegistry.json', 'package.json', 'tsconfig.json',
    ]);
    expect(JSON.parse(readFileSync(path.join(out, 'cdk.json'), 'utf8')).app).toMatch(/app\.ts$/);
    const app = readFileSync(path.join(out, 'app.ts'), 'utf8');
    expect(app).toMatch(/^import \{ [^}]*PrivateRepository[^}]* \} from 'cdk-ecr-registry';$/m);
    expect(app).toMatch(/^import \{ [^}]*App[^}]* \} from 'aws-cdk-lib';$/m);
    // Each finding acknowledged on its construct, with the reason.
    expect(app).toContain("const ADOPTED_AS_IS = 'adopted as is';");
    const acks = [...app.matchAll(/Validations\.of\((\w+)\)\.acknowledge\(\{ id: '(EcrChecks-\w+)', reason: ADOPTED_AS_IS \}\);/g)].map(m => `${m[1]} ${m[2]}`);
    // The seed's findings (one per faulty repository), the open registry policy and the MUTABLE creation template.
    expect(acks.sort()).toEqual([
      'repository EcrChecks-CrossAccountWildcard', 'repository EcrChecks-ECR1', 'repository EcrChecks-ECR2', 'repository EcrChecks-ECR3',
      'repository EcrChecks-ECR5', 'repository EcrChecks-OpenAccess', 'resource EcrChecks-CreationTemplate', 'resource EcrChecks-OpenAccess',
    ]);
    expect(readFileSync(path.join(out, 'ADOPTED.md'), 'utf8')).toContain('npx cdk import AdoptedRegistry --resource-mapping import-AdoptedRegistry.json');
  });

  test('every change is named, on the terminal and in adopt-changes.json; the account setting is a gap, not a silent loss', () => {
    const doc = JSON.parse(readFileSync(path.join(out, 'adopt-changes.json'), 'utf8'));
    expect(Object.keys(doc)).toEqual(['changes', 'gaps']);
    // As is, the only change is the library's in-use protection rule, on every repository with a lifecycle policy.
    expect(doc.changes.map((c: any) => `${c.resource} ${c.name} ${c.property}`)).toEqual([
      'repository clean/api lifecyclePolicy', 'repository clean/web lifecyclePolicy', 'repository fault/aes256 lifecyclePolicy',
      'repository fault/mutable lifecyclePolicy', 'repository fault/no-scan lifecyclePolicy', 'repository fault/open-policy lifecyclePolicy',
      'repository fault/wildcard lifecyclePolicy', 'repository odd/other-account-key lifecyclePolicy',
    ]);
    const odd = doc.changes.find((c: any) => c.name === 'odd/other-account-key');
    // The protection rule takes priority 1, and every live priority goes up by one.
    expect(odd.declared.rules.map((r: any) => r.rulePriority)).toEqual([1, 2, 6, 10]);
    expect(odd.declared.rules[0].selection.tagPrefixList).toEqual(['in-use.']);
    expect(odd.live.rules.map((r: any) => r.rulePriority)).toEqual([1, 5, 9]);
    expect(odd.why).toMatch(/in-use protection rule/);
    for (const c of doc.changes) {
      expect(adoptOutput).toContain(`change: ${c.resource} ${c.name} ${c.property}: `);
    }
    expect(doc.gaps).toEqual([expect.objectContaining({ part: 'declaration', reason: expect.stringMatching(/^account setting REGISTRY_POLICY_SCOPE is not declared/) })]);
  });

  test('the TypeScript compiles with tsc and synthesizes; report --assembly shows exactly the changes, nothing missing or unmanaged', async () => {
    const cdkOut = compileAndSynth(out);
    const template = JSON.parse(readFileSync(path.join(cdkOut, 'AdoptedRegistry.template.json'), 'utf8'));

    // Every resource is in the import mapping, by its primary identifier, with DeletionPolicy Retain.
    const mapping = JSON.parse(readFileSync(path.join(out, 'import-AdoptedRegistry.json'), 'utf8'));
    expect(Object.keys(mapping).sort()).toEqual(Object.keys(template.Resources).sort());
    for (const [logicalId, r] of Object.entries<any>(template.Resources)) {
      expect(r.DeletionPolicy).toBe('Retain');
      if (r.Type === 'AWS::ECR::Repository') {
        expect(mapping[logicalId]).toEqual({ RepositoryName: r.Properties.RepositoryName });
      }
    }
    const repositories = Object.values<any>(mapping).filter(m => m.RepositoryName).map(m => m.RepositoryName).sort();
    expect(repositories).toEqual([
      'clean/api', 'clean/web', 'fault/aes256', 'fault/mutable', 'fault/no-lifecycle', 'fault/no-scan', 'fault/open-policy', 'fault/wildcard',
      'odd/other-account-key',
    ]);
    expect(Object.values<any>(template.Resources).map(r => r.Type).sort()).toEqual([
      'AWS::ECR::PullThroughCacheRule', 'AWS::ECR::PullThroughCacheRule', 'AWS::ECR::PullTimeUpdateExclusion', 'AWS::ECR::RegistryPolicy',
      'AWS::ECR::RegistryScanningConfiguration', 'AWS::ECR::ReplicationConfiguration', ...Array(9).fill('AWS::ECR::Repository'),
      'AWS::ECR::RepositoryCreationTemplate', 'AWS::ECR::RepositoryCreationTemplate', 'AWS::ECR::SigningConfiguration',
    ]);

    // Nothing lost: the open registry policy, the repository policy's conditions, the other account's key, the tags.
    const byType = (type: string) => Object.values<any>(template.Resources).filter(r => r.Type === type);
    expect(byType('AWS::ECR::RegistryPolicy')[0].Properties.PolicyText).toEqual(REGISTRY_POLICY);
    const odd = byType('AWS::ECR::Repository').find(r => r.Properties.RepositoryName === 'odd/other-account-key').Properties;
    expect(odd.EncryptionConfiguration).toEqual({ EncryptionType: 'KMS', KmsKey: OTHER_ACCOUNT_KEY });
    expect(odd.RepositoryPolicyText.Statement[0].Condition['ForAnyValue:StringLike']).toEqual({ 'aws:PrincipalOrgPaths': ['o-abc123/r-ab12/ou-ab12-11111111/*'] });
    expect(odd.Tags).toEqual([{ Key: 'cost-center', Value: '42' }, { Key: 'empty', Value: '' }, { Key: 'Team Name', Value: 'Platform & Tools' }]);
    expect(byType('AWS::ECR::ReplicationConfiguration')[0].Properties.ReplicationConfiguration.Rules).toEqual([{
      Destinations: [{ Region: 'eu-west-1', RegistryId: ACCOUNT }, { Region: 'us-west-2', RegistryId: '222222222222' }],
      RepositoryFilters: [{ Filter: 'clean/', FilterType: 'PREFIX_MATCH' }],
    }]);
    const root = byType('AWS::ECR::RepositoryCreationTemplate').find(r => r.Properties.Prefix === 'ROOT').Properties;
    expect(root).toEqual(expect.objectContaining({
      Description: 'every repository ECR creates',
      LifecyclePolicy: LIFECYCLE_3,
      ResourceTags: [{ Key: 'created-by', Value: 'ecr' }],
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: OTHER_ACCOUNT_KEY },
      CustomRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecr-template`,
    }));
    expect(byType('AWS::ECR::PullThroughCacheRule').find(r => r.Properties.EcrRepositoryPrefix === 'docker-hub').Properties.CredentialArn)
      .toMatch(/docker-hub-AbCdEf$/);

    // The round trip: report --assembly against the same registry.
    await expectDriftIsChanges(out, cdkOut);
  });

  test('deterministic: the same registry writes the same bytes', async () => {
    const again = path.join(tempDir('adopt-again-'), 'app');
    expect((await run(['adopt', '--region', REGION, '--out', again, '--endpoint', standIn.url, '--quiet'])).code).toBe(0);
    const first = files(out);
    delete first['tsconfig.test.json'];
    const second = files(again);
    expect(Object.keys(second)).toEqual(Object.keys(first));
    for (const f of Object.keys(second)) {
      expect([f, second[f]]).toEqual([f, first[f]]);
    }
  });
});

describe('adopt --compliant', () => {
  test('fixes every finding (no EcrChecks error at synth), names each fix, and report --assembly shows exactly those changes', async () => {
    const out = path.join(tempDir('adopt-compliant-'), 'app');
    const r = await run(['adopt', '--region', REGION, '--out', out, '--endpoint', standIn.url, '--quiet', '--compliant']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const app = readFileSync(path.join(out, 'app.ts'), 'utf8');
    expect(app).not.toContain('ADOPTED_AS_IS');
    // Only the warning whose fix would replace a repository is acknowledged, with why.
    expect([...app.matchAll(/acknowledge\(\{ id: '([\w-]+)', reason: '([^']*)/g)].map(m => m[1])).toEqual(['EcrChecks-ECR5']);
    expect(app).toContain("reason: 'not fixed by adopt --compliant: changing a repository\\'s encryption replaces it");
    const doc = JSON.parse(readFileSync(path.join(out, 'adopt-changes.json'), 'utf8'));
    const fixes = doc.changes.filter((c: any) => /^EcrChecks-/.test(c.why)).map((c: any) => `${c.resource} ${c.name} ${c.property}`);
    expect(fixes).toEqual([
      'repository fault/mutable tagMutability',
      'repository fault/no-lifecycle lifecyclePolicy',
      'repository fault/no-scan scanOnPush',
      'repository fault/open-policy repositoryPolicy',
      'repository fault/wildcard repositoryPolicy',
      'registryPolicy null policy',
      'creationTemplate team lifecyclePolicy',
      'creationTemplate team tagMutability',
    ]);
    const wildcard = doc.changes.find((c: any) => c.name === 'fault/wildcard' && c.property === 'repositoryPolicy');
    expect(wildcard.why).toMatch(/"AdminForTools" narrowed to the named actions ecr:BatchGetImage/);
    expect(doc.changes.find((c: any) => c.resource === 'registryPolicy').why).toMatch(/"AnyoneReplicates" removed/);
    for (const c of doc.changes) {
      expect(r.stdout).toContain(`change: ${c.resource}${c.name !== null ? ` ${c.name}` : ''} ${c.property}: ${c.why}`);
    }

    const cdkOut = compileAndSynth(out);
    const template = JSON.parse(readFileSync(path.join(cdkOut, 'AdoptedRegistry.template.json'), 'utf8'));
    const open = Object.values<any>(template.Resources).find(x => x.Properties.RepositoryName === 'fault/open-policy');
    expect(open.Properties.RepositoryPolicyText).toBeUndefined();
    await expectDriftIsChanges(out, cdkOut);
  });
});

describe('adopt: input and read errors', () => {
  test('a non-empty --out is refused (exit 2) unless --force', async () => {
    const dir = tempDir('adopt-full-');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const r = await run(['adopt', '--region', REGION, '--out', dir, '--endpoint', standIn.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out ".*" is not empty \(1 entries, like notes.txt\): .*--force/);
    const forced = await run(['adopt', '--region', REGION, '--out', dir, '--endpoint', standIn.url, '--force', '--quiet']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(dir, 'app.ts'))).toBe(true);
  });

  test('bad arguments are exit 2 and name the flag and what is allowed', async () => {
    const dir = path.join(tempDir('adopt-bad-'), 'app');
    const lang = await run(['adopt', '--region', REGION, '--out', dir, '--language', 'java']);
    expect([lang.code, lang.stderr]).toEqual([2, expect.stringContaining('--language "java" is not one of typescript, python')]);
    const noOut = await run(['adopt', '--region', REGION]);
    expect([noOut.code, noOut.stderr]).toEqual([2, expect.stringContaining('--out is required')]);
    const target = await run(['adopt', '--target', '12:us-east-1', '--out', dir]);
    expect([target.code, target.stderr]).toEqual([2, expect.stringContaining('target account "12" is not an AWS account id')]);
    expect(existsSync(dir)).toBe(false);
  });

  test('output that cannot be written is exit 4, one line (the rows of test/cli/cli-io-limits.test.ts for adopt)', async () => {
    // Standard output closed (EPIPE) or full (ENOSPC): the app is written, the summary is not.
    for (const [code, why] of [['EPIPE', 'the reader closed the pipe (EPIPE)'], ['ENOSPC', 'no space left on the device (ENOSPC)']]) {
      const out = path.join(tempDir('adopt-stdout-'), 'app');
      let stderr = '';
      const exit = await main(['adopt', '--region', REGION, '--out', out, '--endpoint', standIn.url, '--quiet'], {
        stdout: () => { throw Object.assign(new Error(code), { code }); },
        stderr: t => { stderr += t; },
        env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '2' },
      });
      expect([exit, stderr]).toEqual([4, `cdk-ecr-registry: could not write standard output: ${why}\n`]);
    }
    // A file of the app that cannot be written (here a directory where app.ts goes): 4, not 1, one line naming it.
    const out = tempDir('adopt-unwritable-');
    mkdirSync(path.join(out, 'app.ts'));
    const r = await run(['adopt', '--region', REGION, '--out', out, '--endpoint', standIn.url, '--quiet', '--force']);
    expect(r.stderr).toBe(`cdk-ecr-registry: could not write app.ts into --out ${JSON.stringify(out)}: EISDIR\n`);
    expect(r.code).toBe(4);
  });

  test('a registry that cannot be read is exit 1, and nothing is written', async () => {
    const dir = path.join(tempDir('adopt-unread-'), 'app');
    standIn.set({ ...FEATURES, denied: ['DescribeRepositories'] });
    try {
      const r = await run(['adopt', '--region', REGION, '--out', dir, '--endpoint', standIn.url, '--quiet', '--timeout', '20s']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/repositories could not be listed \(DescribeRepositories: .*AccessDeniedException/);
      expect(existsSync(dir)).toBe(false);
    } finally {
      standIn.set(FEATURES);
    }
  });

  test('a part the registry will not let us read is a gap, never a guess', async () => {
    const dir = path.join(tempDir('adopt-gap-'), 'app');
    standIn.set({ ...FEATURES, denied: ['GetRepositoryPolicy', 'DescribeRepositoryCreationTemplates'] });
    try {
      const r = await run(['adopt', '--region', REGION, '--out', dir, '--endpoint', standIn.url, '--quiet']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(readFileSync(path.join(dir, 'adopt-changes.json'), 'utf8'));
      expect(doc.gaps.filter((g: any) => g.part === 'repositoryPolicies').map((g: any) => g.repository)).toContain('odd/other-account-key');
      expect(doc.gaps.filter((g: any) => g.part === 'creationTemplates')).toEqual([expect.objectContaining({ action: 'DescribeRepositoryCreationTemplates', code: 'AccessDeniedException' })]);
      expect(doc.gaps.some((g: any) => /repository odd\/other-account-key: the repository policy could not be read/.test(g.reason))).toBe(true);
      const app = readFileSync(path.join(dir, 'app.ts'), 'utf8');
      expect(app).not.toContain('RepositoryPolicyText');
      expect(app).not.toContain('CfnRepositoryCreationTemplate');
      expect(r.stdout).toContain('gap: repositoryPolicies odd/other-account-key: ');
    } finally {
      standIn.set(FEATURES);
    }
  });
});
