/**
 * The live read bundles small: the live-read entry (src/report/live.ts: reading registries, the
 * audit, usage, drift against a declared app, the text, JSON, SARIF and HTML writers) bundled with
 * esbuild, as a Lambda function would bundle it, holds no aws-cdk-lib and stays under its budget.
 *
 * Before the model layer (one descriptor per kind, src/model) any report module pulled in aws-cdk-lib
 * through the template reader and the token helpers: 36.7 MB minified, 35.9 MB of it aws-cdk-lib.
 */
import * as path from 'path';
import { buildSync } from 'esbuild';

/** The budget of the minified live-read bundle, AWS SDK v3 clients (ECR, STS) included: about 0.65 MB today. */
const LIVE_BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

const ROOT = path.join(__dirname, '..', '..');

function bundle(entry: string) {
  const result = buildSync({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node18',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outfile: 'live.js',
  });
  const output = result.outputFiles.find(f => f.path.endsWith('live.js'))!;
  const inputs = Object.keys(result.metafile!.inputs);
  return { bytes: output.contents.length, inputs };
}

/** The package a bundled file comes from (`aws-cdk-lib`, `@aws-sdk/client-ecr`), or `src`. */
function packageOf(file: string): string {
  const after = file.split('node_modules/').pop()!;
  if (after === file) {
    return 'src';
  }
  const parts = after.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('the live-read entry point', () => {
  const live = bundle('src/report/live.ts');

  test('bundles without aws-cdk-lib (nor constructs, nor the template reader)', () => {
    const packages = new Set(live.inputs.map(packageOf));
    expect([...packages].filter(p => p === 'aws-cdk-lib' || p === 'constructs' || p.startsWith('@aws-cdk/'))).toEqual([]);
    const ours = live.inputs.filter(f => packageOf(f) === 'src').map(f => path.relative(ROOT, path.resolve(ROOT, f)));
    expect(ours).toEqual(expect.arrayContaining(['src/report/inventory.ts', 'src/report/drift.ts', 'src/report/sarif.ts', 'src/model/kind-list.ts']));
    expect(ours.filter(f => /(model\/template|model\/cfn-template|report\/assembly|private\/tokens)\.ts$/.test(f))).toEqual([]);
  });

  test(`is under its budget (${LIVE_BUNDLE_BUDGET_BYTES} bytes minified, SDK clients included)`, () => {
    expect(live.bytes).toBeGreaterThan(100_000); // the SDK clients are in it: the bundle is real
    expect(live.bytes).toBeLessThan(LIVE_BUNDLE_BUDGET_BYTES);
  });

  test('the full entry (templates too) still reads assemblies: it is the one that carries aws-cdk-lib', () => {
    const full = bundle('src/report/index.ts');
    expect(full.inputs.some(f => packageOf(f) === 'aws-cdk-lib')).toBe(true);
    expect(full.bytes).toBeGreaterThan(live.bytes * 10);
  });
});
