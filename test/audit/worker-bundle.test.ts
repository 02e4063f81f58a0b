/**
 * The worker's bundle (what `bundle:audit/audit-worker.lambda` writes to assets/) carries the live
 * read, S3, Security Hub, STS and Organizations clients and nothing of aws-cdk-lib: a Lambda
 * function's code is loaded at every cold start, and the npm package ships it (package:size).
 */
import * as path from 'path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');
/** Most bytes of the minified bundle. */
const BUDGET_BYTES = 1_500_000;

const result = buildSync({
  entryPoints: [path.join(ROOT, 'src/audit/audit-worker.lambda.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  write: false,
  metafile: true,
  tsconfig: path.join(ROOT, 'tsconfig.dev.json'),
  logLevel: 'silent',
});
const inputs = Object.keys(result.metafile!.inputs);
const bytes = result.outputFiles![0].contents.byteLength;

test('no aws-cdk-lib and no constructs in the worker bundle', () => {
  const packages = [...new Set(inputs.flatMap(i => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1] ?? []))].sort();
  expect(packages.filter(p => p === 'aws-cdk-lib' || p === 'constructs')).toEqual([]);
  expect(packages).toEqual(expect.arrayContaining(['@aws-sdk/client-ecr', '@aws-sdk/client-s3', '@aws-sdk/client-securityhub', '@aws-sdk/client-sts']));
});

test(`the worker bundle is within its budget (${BUDGET_BYTES} bytes minified)`, () => {
  expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  expect(bytes).toBeGreaterThan(100_000);
});
