/**
 * scripts/suites-by-cdk.cjs decides which suites the CI canary runs on the newest aws-cdk-lib and cdk-nag:
 * a suite it wrongly calls run-time-only would never meet a new aws-cdk-lib, so its import walk is tested here.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'suites-by-cdk.cjs');

function list(mode: string, ...dirs: string[]): string[] {
  return execFileSync(process.execPath, [SCRIPT, mode, ...dirs], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
}

function allSuites(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && e.name.endsWith('.test.ts') && !e.parentPath.includes('node_modules'))
    .map(e => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

test("this project's suites: every one in exactly one list, construct tests with the canary", () => {
  const cdk = list('cdk');
  const runtime = list('runtime');
  expect(new Set([...cdk, ...runtime]).size).toBe(cdk.length + runtime.length);
  expect([...cdk, ...runtime].sort()).toEqual(allSuites(path.join(ROOT, 'test')).sort());
  expect(cdk).toEqual(expect.arrayContaining(['test/repository/private-repository.test.ts', 'test/compliance/ecr-checks.test.ts', 'test/cli/report.test.ts']));
  expect(runtime).toEqual(expect.arrayContaining(['test/runtime/policy.test.ts', 'test/image-check/handler.test.ts']));
  expect(execFileSync(process.execPath, [SCRIPT, 'why', 'test/cli/report.test.ts'], { cwd: ROOT, encoding: 'utf8' }))
    .toMatch(/^test\/cli\/report\.test\.ts( -> (src|test)\/\S+\.ts)+ -> (aws-cdk-lib|cdk-nag)(\/\S*)?\n$/);
  expect(execFileSync(process.execPath, [SCRIPT, 'why', 'test/runtime/policy.test.ts'], { cwd: ROOT, encoding: 'utf8' }))
    .toBe('test/runtime/policy.test.ts loads neither aws-cdk-lib nor cdk-nag\n');
});

test('imports followed: type-only imports load nothing, require and import() do, cycles end, child processes count', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suites-by-cdk-'));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  try {
    write('lib-cdk.ts', "import { Stack } from 'aws-cdk-lib';\nexport const s = Stack;\nexport interface Shape { a: string }\n");
    write('lib-nag.js', "module.exports = require('cdk-nag/lib/nag-pack');\n");
    write('cycle-a.ts', "import { b } from './cycle-b';\nexport const a = b;\n");
    write('cycle-b.ts', "import { a } from './cycle-a';\nexport const b = a;\n");
    write('type-only.test.ts', "import type { Shape } from './lib-cdk';\nexport type { Shape } from './lib-cdk';\nconst s: Shape = { a: '' };\n");
    write('value.test.ts', "import { s } from './lib-cdk';\nconsole.log(s);\n");
    write('required.test.ts', "const nag = require('./lib-nag');\n");
    write('dynamic.test.ts', "test('x', async () => { await import('./lib-cdk'); });\n");
    write('cycle.test.ts', "import { a } from './cycle-a';\nconsole.log(a);\n");
    write('child.test.ts', "import { spawnSync } from 'child_process';\nspawnSync('node', ['lib/cli/main.js']);\n");
    write('plain.test.ts', "import * as fs from 'fs';\nimport { x } from './missing';\n");
    const names = (mode: string) => list(mode, dir).map(f => path.basename(f)).sort();
    expect(names('cdk')).toEqual(['child.test.ts', 'dynamic.test.ts', 'required.test.ts', 'value.test.ts']);
    expect(names('runtime')).toEqual(['cycle.test.ts', 'plain.test.ts', 'type-only.test.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong mode is a usage error', () => {
  expect(() => execFileSync(process.execPath, [SCRIPT, 'all'], { cwd: ROOT, stdio: 'pipe' })).toThrow(/usage: suites-by-cdk\.cjs cdk\|runtime/);
});

test('a file reached again through a cycle still counts when another path of it loads a package', () => {
  // entry -> hub -> back (-> hub again) and hub -> cdk; and a suite that imports `back` alone.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suites-by-cdk-'));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  try {
    write('hub.ts', "import { back } from './back';\nimport { s } from './uses-cdk';\nexport const hub = [back, s];\n");
    write('back.ts', "import { hub } from './hub';\nexport const back = () => hub;\n");
    write('uses-cdk.ts', "import { App } from 'aws-cdk-lib';\nexport const s = App;\n");
    write('a-entry.test.ts', "import { hub } from './hub';\nconsole.log(hub);\n");
    write('b-back.test.ts', "import { back } from './back';\nconsole.log(back);\n");
    expect(list('cdk', dir).map(f => path.basename(f)).sort()).toEqual(['a-entry.test.ts', 'b-back.test.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
