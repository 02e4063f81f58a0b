/**
 * The npm tarball as a user gets it: a fresh `cdk init app --language typescript` project (which runs
 * npm install from the registry) installs the packed tarball, its stack is the README's Quick start
 * (both snippets, pasted as they are), and the template `cdk synth` writes is checked: a repository with
 * its lifecycle policy and organization grant, and an image check whose digest the task runs.
 *
 * Usage: tsx scripts/tarball-test.ts [package.tgz]   (default: dist/js/cdk-ecr-registry-*.tgz, else `npm pack`)
 *        tsx scripts/tarball-test.ts --check-only     (check the app the last run kept, without rebuilding it)
 * Works in .ci-work/tarball/ (kept for inspection). Needs the npm registry; no AWS credentials.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, '.ci-work', 'tarball');
const APP = path.join(WORK, 'tarball-app');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const ENV: NodeJS.ProcessEnv = {
  // not this process's tsx settings (TSX_TSCONFIG_PATH would point the app's tsx at our tsconfig)
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TSX_'))),
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
  // no credentials: nothing here may call AWS
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_PROFILE: undefined,
};

function run(cmd: string, args: string[], cwd: string): string {
  const t0 = Date.now();
  const out = execFileSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  console.log(`  ${path.basename(cmd)} ${args.join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return out;
}

/** The packed tarball: the argument, the build's dist/js one, or a fresh `npm pack`. */
function tarball(): string {
  if (process.argv[2]) {
    return path.resolve(process.argv[2]);
  }
  const dist = path.join(ROOT, 'dist', 'js');
  const built = fs.existsSync(dist) ? fs.readdirSync(dist).filter(f => f.endsWith('.tgz')) : [];
  if (built.length === 1) {
    return path.join(dist, built[0]);
  }
  const out = run('npm', ['pack', '--json', '--pack-destination', WORK], ROOT);
  return path.join(WORK, JSON.parse(out)[0].filename);
}

/** The ```ts blocks of the README's Quick start section. */
function quickStart(): { stack: string; app: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Quick start\n')[1]?.split('\n## ')[0];
  const blocks = [...(section ?? '').matchAll(/^```ts[^\n]*\n([\s\S]*?)^```$/gm)].map(m => m[1]);
  if (blocks.length !== 2) {
    throw new Error(`README Quick start: expected 2 ts blocks (stack, app), found ${blocks.length}`);
  }
  return { stack: blocks[0], app: blocks[1] };
}

/** Split a snippet into its import declarations and the statements after them. */
function splitImports(snippet: string): { imports: string; body: string } {
  const lines = snippet.split('\n');
  let end = 0;
  let open = false;
  lines.forEach((l, i) => {
    if (l.startsWith('import ')) {
      open = !/from '[^']+';$/.test(l);
      end = i + 1;
    } else if (open) {
      open = !/from '[^']+';$/.test(l);
      end = i + 1;
    }
  });
  return { imports: lines.slice(0, end).join('\n'), body: lines.slice(end).join('\n') };
}

function main(): void {
  const t0 = Date.now();
  if (process.argv[2] === '--check-only') {
    checkTemplate();
    console.log('tarball test: the app kept from the last run checked');
    return;
  }
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(APP, { recursive: true });
  const tgz = tarball();
  console.log(`tarball: ${path.relative(ROOT, tgz)} (${fs.statSync(tgz).size.toLocaleString('en-US')} bytes)`);

  // 1. A fresh CDK app, as `cdk init` makes it (npm install from the registry), plus the tarball.
  run(CDK, ['init', 'app', '--language', 'typescript'], APP);
  run('npm', ['install', '--no-audit', '--no-fund', tgz], APP);
  const installed = path.join(APP, 'node_modules', 'cdk-ecr-registry');
  for (const absent of ['src', 'test', 'scripts', 'examples', 'bench', 'docs', '.projenrc.ts', 'tsconfig.json']) {
    if (fs.existsSync(path.join(installed, absent))) {
      throw new Error(`the installed package contains ${absent}`);
    }
  }

  // 2. The README's Quick start, pasted into the generated stack and app.
  const qs = quickStart();
  const stack = splitImports(qs.stack);
  fs.writeFileSync(path.join(APP, 'lib', 'tarball-app-stack.ts'), [
    "import { Stack, StackProps } from 'aws-cdk-lib';",
    "import { Construct } from 'constructs';",
    stack.imports,
    '',
    'export class TarballAppStack extends Stack {',
    '  constructor(scope: Construct, id: string, props?: StackProps) {',
    '    super(scope, id, props);',
    stack.body.split('\n').map(l => (l ? `    ${l}` : l)).join('\n'),
    '  }',
    '}',
    '',
  ].join('\n'));
  if (!qs.app.includes('// ... your stacks ...')) {
    throw new Error('README Quick start: the app snippet has no "// ... your stacks ..." line to put the stack at');
  }
  fs.writeFileSync(path.join(APP, 'bin', 'tarball-app.ts'), [
    '#!/usr/bin/env node',
    qs.app.replace('// ... your stacks ...', "new TarballAppStack(app, 'TarballAppStack');")
      .replace(/^(import .*\n)(?!import)/m, "$1import { TarballAppStack } from '../lib/tarball-app-stack';\n"),
  ].join('\n'));

  // 3. Compile it against the installed .d.ts files, and synthesize with the cdk CLI.
  run('npm', ['run', 'build'], APP);
  run(CDK, ['synth', '--quiet', '--no-notices', '--no-version-reporting'], APP);

  checkTemplate();
  console.log(`tarball test: cdk init app + installed tarball synthesized the README Quick start; template checked (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

/** 4. The template and validation report `cdk synth` wrote. */
function checkTemplate(): void {
  const appRequire = createRequire(path.join(APP, 'package.json'));
  const { Template, Match } = appRequire('aws-cdk-lib/assertions');
  const json = JSON.parse(fs.readFileSync(path.join(APP, 'cdk.out', 'TarballAppStack.template.json'), 'utf8'));
  const t = Template.fromJSON(json);

  t.resourceCountIs('AWS::ECR::Repository', 1);
  t.hasResourceProperties('AWS::ECR::Repository', {
    RepositoryName: 'payments/api',
    ImageTagMutability: 'IMMUTABLE',
    ImageScanningConfiguration: { ScanOnPush: true },
    EncryptionConfiguration: { EncryptionType: 'KMS' },
    RepositoryPolicyText: Match.objectLike({
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      })]),
    }),
  });
  const repository = Object.values<any>(json.Resources).find(r => r.Type === 'AWS::ECR::Repository');
  const lifecycle = JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText);
  const rules = lifecycle.rules.map((r: any) => [
    r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber, r.selection.tagPrefixList ?? null, r.action.type,
  ]);
  // The in-use protection rule comes first (docs/in-use.md); the Quick start's priorities 1 and 2 shift up by one.
  expectEqual('lifecycle rules', rules, [
    [1, 'tagged', 'imageCountMoreThan', 1_000_000, ['in-use.'], 'expire'],
    [2, 'untagged', 'sinceImagePushed', 7, null, 'expire'],
    [3, 'tagged', 'imageCountMoreThan', 50, ['release-'], 'expire'],
  ]);
  expectEqual('repository policy statements', repository.Properties.RepositoryPolicyText.Statement.length, 1);

  t.resourceCountIs('Custom::EcrImageCheck', 1);
  t.hasResourceProperties('Custom::EcrImageCheck', {
    Images: [{ Registry: { Ref: 'AWS::AccountId' }, Region: { Ref: 'AWS::Region' }, Repository: 'payments/web', Tag: 'release-1.4.0' }],
    FailOnSeverity: 'CRITICAL',
  });
  t.resourceCountIs('AWS::Lambda::Function', 1);
  t.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:DescribeImages']) })]) },
  });
  // The task runs the digest the check returned.
  const checkId = Object.keys(json.Resources).find(k => json.Resources[k].Type === 'Custom::EcrImageCheck')!;
  t.hasResourceProperties('AWS::ECS::TaskDefinition', {
    ContainerDefinitions: [Match.objectLike({
      Name: 'web',
      Image: { 'Fn::Join': ['', Match.arrayWith(['/payments/web@', { 'Fn::GetAtt': [checkId, Match.anyValue()] }])] },
    })],
  });
  // The handler bundle shipped in the package is the function's code asset.
  const fn = Object.values<any>(json.Resources).find(r => r.Type === 'AWS::Lambda::Function');
  const assetDir = path.join(APP, 'cdk.out', `asset.${fn.Metadata['aws:asset:path'].replace(/^asset\./, '')}`);
  const handler = path.join(assetDir, 'index.js');
  if (!fs.existsSync(handler) || fs.statSync(handler).size < 10_000) {
    throw new Error(`the image check's code asset has no bundled handler (${handler})`);
  }
  // The EcrChecks plugin ran: its one finding is the AWS managed key (a warning, ECR5), so synth passed.
  const report = JSON.parse(fs.readFileSync(path.join(APP, 'cdk.out', 'validation-report.json'), 'utf8'));
  const ecrChecks = report.pluginReports.filter((r: any) => r.pluginName === 'EcrChecks');
  expectEqual('EcrChecks report', ecrChecks.map((r: any) => ({
    conclusion: r.conclusion,
    violations: r.violations.map((v: any) => [v.ruleName, v.severity, v.violatingConstructs.map((c: any) => c.constructPath)]),
  })), [{ conclusion: 'success', violations: [['EcrChecks-ECR5', 'warning', ['TarballAppStack/Api/Resource']]] }]);
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

try {
  main();
} catch (e) {
  const err = e as { message: string; stdout?: string; stderr?: string };
  console.error(`tarball test FAILED: ${err.message}`);
  // the end of what the failing command printed (bundled code in a stack trace can be megabytes)
  for (const out of [err.stdout, err.stderr]) {
    if (out) {
      console.error(out.length > 6000 ? `...${out.slice(-6000)}` : out);
    }
  }
  process.exit(1);
}
