/**
 * Adoption: the registry of the live report bench (1,000 repositories in moto, over HTTP, through the
 * proxy that pages like ECR and counts calls) adopted by `adoptRegistry` in a fresh process; then the
 * written TypeScript app run in another fresh process (its constructs and `app.synth()`, aws-cdk-lib's
 * template validation off, the app's own EcrChecks plugin on).
 *
 * Targets: adopt 1,000 repositories in under 60 s with the report's calls (its floor, within 5%);
 * the written app synthesizes them in under 5 s.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { BenchSection } from './lib';
import { callFloor, seed } from './report.bench';
import { startMoto } from '../test/helpers/moto';
import { startPagingProxy } from '../test/helpers/paging-proxy';

const ROOT = path.join(__dirname, '..');
const N = 1000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

function runWorker(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'adopt-worker.ts'), ...args], {
      cwd: ROOT,
      // tsconfig.dev.json maps `cdk-ecr-registry` (the written app's import) to src/index.ts.
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.dev.json'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    child.on('error', reject);
    child.on('close', status => resolve({ status, stdout, stderr }));
  });
}

function lastJson(res: { status: number | null; stdout: string; stderr: string }, what: string): any {
  if (res.status !== 0) {
    throw new Error(`${what} failed (${res.status}): ${res.stderr}`);
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

export async function run(): Promise<BenchSection> {
  const moto = await startMoto(REGION);
  const proxy = await startPagingProxy(moto.endpoint);
  const client = new ECRClient(moto.clientConfig);
  // Inside the checkout (.cache is ignored), so that the written app resolves aws-cdk-lib from node_modules.
  const work = path.join(ROOT, '.cache', 'bench-adopt');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    await seed(client, N);
    proxy.resetCounts();
    const out = path.join(work, 'app');
    const a = lastJson(await runWorker(['adopt', proxy.url, ACCOUNT, REGION, out]), 'adopt worker');
    const measured = proxy.count();
    const floor = callFloor(N);
    const s = lastJson(await runWorker(['synth', path.join(out, 'app.ts'), path.join(work, 'cdk.out')], { CDK_VALIDATION: 'false' }), 'synth worker');
    if (s.repositories !== N) {
      throw new Error(`the written app synthesized ${s.repositories} repositories, not ${N}`);
    }
    return {
      title: `Adopt: ${N.toLocaleString('en-US')} repositories in moto through an ECR-paging proxy, then the written app synthesized`,
      columns: ['measure', 'value', 'target'],
      rows: [
        ['adopt time (s): read, build, check, synthesize, compare, write', a.ms / 1000, '< 60'],
        ['API calls (proxy)', measured, `floor ${floor}, within 5%`],
        ['calls over the floor', `${(((measured - floor) / floor) * 100).toFixed(2)}%`, '<= 5%'],
        ['stacks written (resources)', a.stacks.map((x: [string, number]) => `${x[0]} (${x[1]})`).join(', '), '<= 400 resources each'],
        ['changes named / findings acknowledged', `${a.changes} / ${Object.values<number>(a.findings).reduce((x, y) => x + y, 0)}`, '-'],
        ['peak RSS of the adopting process (MB)', a.maxRssMB, '-'],
        ['written app: constructs + app.synth() (s)', s.ms / 1000, '< 5'],
        ['  its peak RSS (MB)', s.maxRssMB, '-'],
      ],
      notes: [
        'The written app runs with aws-cdk-lib\'s template validation off (CDK_VALIDATION=false) and its own EcrChecks plugin on, as `cdk synth` would run it; module loading is outside the time.',
        'The adopt time includes the report\'s read at its floor, building the same app in process, the EcrChecks pass, synthesis, reading the assembly back (as `report --assembly` does) and the drift comparison.',
      ],
    };
  } finally {
    client.destroy();
    await proxy.close();
    await moto.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
