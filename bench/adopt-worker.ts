/**
 * Run by `adopt.bench.ts` in a fresh process:
 *
 *   node --require tsx/cjs bench/adopt-worker.ts adopt <endpoint> <account> <region> <out>
 *     adopts the registry with `adoptRegistry` and its defaults; prints one JSON line (time, stacks, changes, RSS)
 *   node --require tsx/cjs bench/adopt-worker.ts synth <app.ts> <outdir>
 *     loads aws-cdk-lib and this library, then runs the written app (its constructs and app.synth()) in
 *     this process; prints one JSON line (time of the app alone, stacks, repositories)
 */
import * as fs from 'fs';
import * as path from 'path';
// Loaded before anything is timed: the synth measure is the app's own work (constructs and synthesis).
import 'aws-cdk-lib';
import 'aws-cdk-lib/aws-ecr';
import 'aws-cdk-lib/aws-kms';
import '../src';
import { adoptRegistry } from '../src/adopt';

async function adopt(endpoint: string, account: string, region: string, out: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const result = await adoptRegistry({
    target: { account, region },
    out,
    force: true,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    env: {},
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({
    ms,
    stacks: result.stacks.map(s => [s.name, s.resources]),
    changes: result.changes.length,
    findings: result.findings,
    calls: result.calls,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }));
}

async function synth(app: string, outdir: string): Promise<void> {
  process.env.CDK_OUTDIR = outdir;
  const t0 = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.resolve(app));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.values<any>(manifest.artifacts).filter(a => a.type === 'aws:cloudformation:stack');
  const repositories = stacks.reduce((n, s) => n + Object.values<any>(JSON.parse(fs.readFileSync(path.join(outdir, s.properties.templateFile), 'utf8')).Resources)
    .filter(r => r.Type === 'AWS::ECR::Repository').length, 0);
  console.log(JSON.stringify({ ms, stacks: stacks.length, repositories, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

const [mode, ...args] = process.argv.slice(2);
(mode === 'adopt' ? adopt(args[0], args[1], args[2], args[3]) : synth(args[0], args[1])).catch(e => {
  console.error(e);
  process.exit(1);
});
