/**
 * `adopt --language python` used for real (CI, after `package python`): the adoption test registry
 * (test/adopt/seed.ts) in moto with the registry features stand-in, adopted as TypeScript and as
 * Python; the Python app runs against the built wheel (the virtualenv of scripts/python-bindings-env.sh)
 * and must synthesize what the TypeScript app does (scripts/compare-assemblies.ts), and
 * `report --assembly` on it must show exactly the changes of its adopt-changes.json, as is and compliant.
 *
 * Usage: tsx scripts/adopt-python.ts <work dir> <python>
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { main } from '../src/cli/main';
import { REGION, FEATURES, seedAdoption } from '../test/adopt/seed';
import { startMoto } from '../test/helpers/moto';
import { startRegistryFeatures } from '../test/helpers/registry-features';

const ROOT = path.join(__dirname, '..');
const ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' };

async function cli(args: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, env: ENV });
  if (code !== 0) {
    throw new Error(`cdk-ecr-registry ${args.join(' ')}: exit ${code}\n${stderr}`);
  }
  return stdout;
}

function run(file: string, args: string[], cdkOut: string): void {
  execFileSync(file, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CDK_OUTDIR: cdkOut } });
}

async function adoptBoth(work: string, python: string, endpoint: string, flags: string[]): Promise<void> {
  const name = flags.length > 0 ? 'compliant' : 'as-is';
  const ts = path.join(work, `${name}-typescript`);
  const py = path.join(work, `${name}-python`);
  await cli(['adopt', '--region', REGION, '--out', ts, '--endpoint', endpoint, '--quiet', ...flags]);
  await cli(['adopt', '--region', REGION, '--out', py, '--endpoint', endpoint, '--quiet', '--language', 'python', ...flags]);
  const t0 = Date.now();
  run(python, [path.join(py, 'app.py')], path.join(py, 'cdk.out'));
  const pythonMs = Date.now() - t0;
  // tsconfig.dev.json maps `cdk-ecr-registry` to src/index.ts; aws-cdk-lib resolves from node_modules.
  run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['--tsconfig', path.join(ROOT, 'tsconfig.dev.json'), path.join(ts, 'app.ts')], path.join(ts, 'cdk.out'));
  run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'compare-assemblies.ts'), path.join(ts, 'cdk.out'), path.join(py, 'cdk.out')], path.join(work, 'unused'));
  // mypy --strict, as for the examples (the cache the Python binding step warmed).
  run(path.join(path.dirname(python), 'mypy'), ['--strict', '--no-error-summary', '--cache-dir', path.join(ROOT, '.ci-work', 'mypy-cache'), path.join(py, 'app.py')],
    path.join(work, 'unused'));
  const report = JSON.parse(await cli(['report', '--region', REGION, '--endpoint', endpoint, '--assembly', path.join(py, 'cdk.out'), '--json', '--fail-on', 'none', '--quiet']));
  const entries = report.targets[0].drift.entries;
  const changes = JSON.parse(fs.readFileSync(path.join(py, 'adopt-changes.json'), 'utf8')).changes;
  const pick = (e: any) => JSON.stringify({ resource: e.resource, name: e.name, property: e.property, live: e.live, declared: e.declared });
  const other = entries.filter((e: any) => e.kind !== 'differs');
  if (other.length > 0 || JSON.stringify(entries.map(pick)) !== JSON.stringify(changes.map(pick))) {
    throw new Error(`${name}: report --assembly of the Python app is not the changes of adopt-changes.json:\n${JSON.stringify(entries, null, 2).slice(0, 4000)}`);
  }
  console.log(`adopt --language python ${flags.join(' ')}: app.py synthesizes what app.ts does (${(pythonMs / 1000).toFixed(1)} s) and passes mypy --strict; report --assembly shows exactly its ${changes.length} changes`);
}

async function runAll(): Promise<void> {
  const [work, python] = process.argv.slice(2);
  // The CLI's clients take the SDK's default credential chain, which reads the process environment.
  Object.assign(process.env, ENV);
  delete process.env.AWS_PROFILE;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const moto = await startMoto(REGION);
  const standIn = await startRegistryFeatures(moto.endpoint, FEATURES);
  const ecr = new ECRClient(moto.clientConfig);
  try {
    await seedAdoption(ecr);
    await adoptBoth(work, python, standIn.url, []);
    await adoptBoth(work, python, standIn.url, ['--compliant']);
  } finally {
    ecr.destroy();
    await standIn.close();
    await moto.stop();
  }
}

runAll().catch(e => {
  console.error(`adopt-python: ${(e as Error).message}`);
  process.exit(1);
});
