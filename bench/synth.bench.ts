/**
 * Synthesis time and peak memory of N repositories (lifecycle policy + cross-account pull each):
 * `PrivateRepository` vs aws-cdk-lib `ecr.Repository` with the same settings vs bare `ecr.CfnRepository`.
 *
 * Every case runs in a fresh `node` process (`synth-worker.ts`, bundled once with esbuild so the
 * library runs as compiled JavaScript, the way users load it), `SYNTH_RUNS` times (default 5; at most 3 with validation on)
 * interleaved, median reported. Times cover app + construct creation + `app.synth()`; process
 * startup (node, aws-cdk-lib, this library) is reported in its own column. Peak memory is the
 * process's RSS high-water mark (`process.resourceUsage().maxRSS`).
 *
 * Built-in template validation (aws-cdk-lib >= 2.262): measured off (`CDK_VALIDATION=false`) and on
 * (the default). The project's own aws-cdk-lib (the supported minimum) has none, so the bench also
 * installs the newest aws-cdk-lib 2.x into `.cache/bench/` (once; `npm install` from the registry) and
 * measures every case on both, in the same run. `BENCH_CDK_LATEST=false` measures the project's only
 * (and the table says so).
 *
 * Targets: ours <= 1.15x plain and <= 1.5x bare (time and peak RSS); 1,000 repositories in under
 * 5 s and 500 MB with validation off.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { build } from 'esbuild';
import { BenchSection, median } from './lib';
import type { WorkerResult } from './synth-worker';

const ROOT = path.join(__dirname, '..');
const SIZES = [100, 1_000];
const VARIANTS = ['ours', 'plain', 'bare'] as const;
/**
 * Diagnostics: `ours-plaingrant` (PrivateRepository + the plain grant) splits ours' extra cost between
 * construct and access helper; `bare-document` (bare with an iam.PolicyDocument) splits plain's.
 */
type Variant = typeof VARIANTS[number] | 'ours-plaingrant' | 'bare-document';
const DIAGNOSTICS: Variant[] = ['ours-plaingrant', 'bare-document'];
/** Size of the cost breakdown and the profile. */
const DIAGNOSTIC_N = 1_000;
/**
 * Repositories per stack. A stack holds at most 500 resources (`@aws-cdk/core:stackResourceLimit`);
 * each variant renders one resource per repository, so 250 per stack leaves room and matches how
 * a registry of this size would be split. The limit itself is left at its default.
 */
const PER_STACK = 250;
/** Runs per case: validation off, and on (whose fixed cost of seconds drowns the noise that more runs would average out). */
const RUNS_OFF = Number(process.env.SYNTH_RUNS ?? 5);
const RUNS_ON = Math.min(RUNS_OFF, 3);
const TARGET_VS_PLAIN = 1.15;
/** Goals of issue #12 (aws-cdk-lib of the project, N = 1,000, validation off): what a grant adds, and ours vs plain. */
const GOAL_GRANT_US = 100;
const GOAL_VS_PLAIN = 1.10;
const TARGET_VS_BARE = 1.5;
const TARGET_MS = 5_000;
const TARGET_MB = 500;
const MB = 1024 * 1024;

interface Mode {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly runs: number;
}

/** Medians of one case. */
interface Case {
  readonly mode: string;
  readonly n: number;
  readonly variant: Variant;
  readonly stacks: number;
  readonly startupMs: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly cpuMs: number;
  readonly maxRss: number;
  readonly deltaRss: number;
  readonly templateBytes: number;
  readonly resourceBytes: number;
  readonly messages: number;
  readonly sample: string;
}

/** One aws-cdk-lib installation the cases run against. */
interface CdkTarget {
  readonly version: string;
  /** `NODE_PATH` for the worker: where `aws-cdk-lib` and `constructs` resolve from. */
  readonly nodePath: string;
  /** aws-cdk-lib >= 2.262 runs @aws/cloudformation-validate in `App.synth()` (off with `CDK_VALIDATION=false`). */
  readonly builtinValidation: boolean;
  readonly modes: Mode[];
}

function cdkTarget(nodeModules: string): CdkTarget {
  const pkg = path.join(nodeModules, 'aws-cdk-lib', 'package.json');
  const version: string = JSON.parse(fs.readFileSync(pkg, 'utf-8')).version;
  const file = path.join(nodeModules, 'aws-cdk-lib', 'core', 'lib', 'private', 'synthesis-validation.js');
  const builtinValidation = fs.existsSync(file) && fs.readFileSync(file, 'utf-8').includes('CDK_VALIDATION');
  const modes: Mode[] = [{ name: 'off', env: { CDK_VALIDATION: 'false' }, runs: RUNS_OFF }];
  if (builtinValidation) {
    modes.push({ name: 'on', env: { CDK_VALIDATION: 'true' }, runs: RUNS_ON });
  }
  return { version, nodePath: nodeModules, builtinValidation, modes };
}

/**
 * The project's aws-cdk-lib, and the newest 2.x (installed into `.cache/bench/aws-cdk-lib-<version>`
 * with the project's `constructs`, unless already there or `BENCH_CDK_LATEST=false`).
 */
function cdkTargets(): { targets: CdkTarget[]; note: string } {
  const project = cdkTarget(path.join(ROOT, 'node_modules'));
  if (process.env.BENCH_CDK_LATEST === 'false') {
    return { targets: [project], note: `aws-cdk-lib ${project.version} only (BENCH_CDK_LATEST=false)` };
  }
  const npm = (args: string[]) => {
    const res = spawnSync('npm', args, { cwd: ROOT, encoding: 'utf-8', maxBuffer: 16 * MB });
    if (res.status !== 0) {
      throw new Error(`npm ${args.join(' ')} failed (${res.status}): ${res.stderr}\n(BENCH_CDK_LATEST=false measures the project's aws-cdk-lib only)`);
    }
    return res.stdout;
  };
  const versions = JSON.parse(npm(['view', 'aws-cdk-lib@2', 'version', '--json']));
  const latest: string = Array.isArray(versions) ? versions[versions.length - 1] : versions;
  if (latest === project.version) {
    return { targets: [project], note: `aws-cdk-lib ${project.version} is also the newest 2.x` };
  }
  const dir = path.join(ROOT, '.cache', 'bench', `aws-cdk-lib-${latest}`);
  if (!fs.existsSync(path.join(dir, 'node_modules', 'aws-cdk-lib', 'package.json'))) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-aws-cdk-lib', private: true }));
    const constructs: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'constructs', 'package.json'), 'utf-8')).version;
    console.error(`bench: installing aws-cdk-lib ${latest} (newest 2.x) into ${path.relative(ROOT, dir)}`);
    npm(['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-package-lock', `aws-cdk-lib@${latest}`, `constructs@${constructs}`]);
  }
  return {
    targets: [project, cdkTarget(path.join(dir, 'node_modules'))],
    note: `aws-cdk-lib ${project.version} (the project's, the supported minimum) and ${latest} (the newest 2.x, in .cache/bench)`,
  };
}

async function bundleWorker(dir: string): Promise<string> {
  const outfile = path.join(dir, 'synth-worker.js');
  await build({
    entryPoints: [path.join(__dirname, 'synth-worker.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    // Module comments in the bundle (`// src/...`) are relative to this: the profile summary reads them.
    absWorkingDir: ROOT,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

function runWorker(worker: string, target: CdkTarget, variant: Variant, n: number, env: Record<string, string>): WorkerResult {
  const res = spawnSync(process.execPath, [worker, variant, String(n), String(PER_STACK)], {
    cwd: ROOT,
    // The bundle lives in a temp dir: aws-cdk-lib and constructs resolve from the target's node_modules.
    env: { ...process.env, NODE_PATH: target.nodePath, ...env },
    encoding: 'utf-8',
    maxBuffer: 64 * MB,
  });
  if (res.status !== 0) {
    throw new Error(`synth worker ${variant} ${n} on aws-cdk-lib ${target.version} failed (${res.status}): ${res.stderr}`);
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

function us(ms: number, n: number): string {
  return `${Math.round((ms * 1000) / n)} µs`;
}

function plus(ms: number, n: number): string {
  return ms >= 0 ? `+${us(ms, n)}` : `-${us(-ms, n)} (within noise)`;
}

interface ProfileSummary {
  readonly totalMs: number;
  readonly topSelf: string[];
  readonly topOurs: string[];
}

interface CpuProfile {
  readonly nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/**
 * Self time per function, and inclusive time of this library's functions. Functions of the
 * bundle are named by the source file esbuild notes above each module (`// src/access/...`).
 */
function summarizeProfile(profile: CpuProfile, bundle: string): ProfileSummary {
  const starts: Array<[number, string]> = [];
  bundle.split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:src|bench)\/\S+\.ts)$/.exec(line);
    if (m) {
      starts.push([i, m[1]]);
    }
  });
  const fileOf = (line: number) => starts.filter(([start]) => start <= line).pop()?.[1] ?? 'bundle';
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const names = new Map<number, string>();
  const nameOf = (id: number): string => {
    let name = names.get(id);
    if (name === undefined) {
      const f = byId.get(id)!.callFrame;
      const where = f.url.startsWith('file://') && f.url.endsWith('.js') && !f.url.includes('node_modules')
        ? fileOf(f.lineNumber)
        : f.url.replace(/^.*node_modules\//, '').replace(/^node:internal\//, 'node:');
      name = `${f.functionName || '(anonymous)'} (${where || 'native'})`;
      names.set(id, name);
    }
    return name;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    self.set(nameOf(id), (self.get(nameOf(id)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = nameOf(at);
      if (!seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  });
  const fmt = ([name, ms]: [string, number]) => `${name} ${Math.round(ms)} ms (${Math.round((100 * ms) / totalMs)}%)`;
  const skip = /^\((program|idle|root)\)/;
  return {
    totalMs,
    topSelf: [...self].filter(([name]) => !skip.test(name)).sort((a, b) => b[1] - a[1]).slice(0, 6).map(fmt),
    topOurs: [...inclusive].filter(([name]) => name.includes('(src/')).sort((a, b) => b[1] - a[1]).slice(0, 6).map(fmt),
  };
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

export async function run(): Promise<BenchSection> {
  const { targets, note: targetsNote } = cdkTargets();
  const project = targets[0];
  const load0 = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecr-registry-synth-bench-'));
  const results = new Map<string, WorkerResult[]>();
  let profile: ProfileSummary | undefined;
  const keyOf = (target: CdkTarget, mode: string, n: number, variant: Variant) => `${target.version}/${mode}/${n}/${variant}`;
  const record = (k: string, r: WorkerResult) => results.set(k, [...(results.get(k) ?? []), r]);
  try {
    const worker = await bundleWorker(dir);
    // Warm-up (file cache, lazy aws-cdk-lib modules on disk): not counted.
    for (const target of targets) {
      for (const variant of VARIANTS) {
        runWorker(worker, target, variant, SIZES[0], target.modes[0].env);
      }
    }
    // Interleave repetitions so that a busy moment on the machine hits every case alike.
    for (let r = 0; r < RUNS_OFF; r++) {
      for (const target of targets) {
        for (const mode of target.modes.filter(m => r < m.runs)) {
          for (const n of SIZES) {
            for (const variant of VARIANTS) {
              record(keyOf(target, mode.name, n, variant), runWorker(worker, target, variant, n, mode.env));
            }
          }
        }
      }
      for (const variant of DIAGNOSTICS) {
        record(keyOf(project, 'off', DIAGNOSTIC_N, variant), runWorker(worker, project, variant, DIAGNOSTIC_N, project.modes[0].env));
      }
    }
    // One profiled run of ours (create + synth only), for the biggest costs.
    const profileFile = path.join(dir, 'ours.cpuprofile');
    runWorker(worker, project, 'ours', DIAGNOSTIC_N, { ...project.modes[0].env, SYNTH_BENCH_PROFILE: profileFile });
    profile = summarizeProfile(JSON.parse(fs.readFileSync(profileFile, 'utf-8')), fs.readFileSync(worker, 'utf-8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const cases = new Map<string, Case>();
  for (const [k, rs] of results) {
    const [, mode, n, variant] = k.split('/');
    const m = (f: (r: WorkerResult) => number) => median(rs.map(f));
    cases.set(k, {
      mode,
      n: Number(n),
      variant: variant as Variant,
      stacks: rs[0].stacks,
      startupMs: m(r => r.startupMs),
      constructMs: m(r => r.constructMs),
      synthMs: m(r => r.synthMs),
      totalMs: m(r => r.constructMs + r.synthMs),
      cpuMs: m(r => r.cpuMs),
      maxRss: m(r => r.maxRss),
      deltaRss: m(r => r.maxRss - r.startupRss),
      templateBytes: rs[0].templateBytes,
      resourceBytes: rs[0].resourceBytes,
      messages: rs[0].messages,
      sample: JSON.stringify(rs[0].sample),
    });
  }

  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  const missed: string[] = [];
  for (const target of targets) {
    for (const mode of target.modes) {
      const label = target.builtinValidation ? mode.name : 'off (none built in)';
      for (const n of SIZES) {
        const plain = cases.get(keyOf(target, mode.name, n, 'plain'))!;
        const bare = cases.get(keyOf(target, mode.name, n, 'bare'))!;
        for (const variant of VARIANTS) {
          const c = cases.get(keyOf(target, mode.name, n, variant))!;
          rows.push([
            target.version, label, n, variant, c.stacks,
            Math.round(c.startupMs), Math.round(c.constructMs), Math.round(c.synthMs), Math.round(c.totalMs), Math.round(c.cpuMs),
            ratio(c.cpuMs, plain.cpuMs), ratio(c.cpuMs, bare.cpuMs),
            Math.round(c.maxRss / MB), Math.round(c.deltaRss / MB),
            ratio(c.maxRss, plain.maxRss), ratio(c.maxRss, bare.maxRss),
            Math.round(c.templateBytes / n),
          ]);
        }
        const ours = cases.get(keyOf(target, mode.name, n, 'ours'))!;
        // Per-round ratios (runs of one round are seconds apart): their range shows the machine's noise.
        const spread = (other: Variant) => {
          const oursRuns = results.get(keyOf(target, mode.name, n, 'ours'))!;
          const xs = results.get(keyOf(target, mode.name, n, other))!;
          const rs = oursRuns.map((r, i) => r.cpuMs / xs[i].cpuMs);
          return `rounds ${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)}`;
        };
        const checks: Array<[string, number, number, string?]> = [
          ['time vs plain', ours.cpuMs / plain.cpuMs, TARGET_VS_PLAIN, spread('plain')],
          ['time vs bare', ours.cpuMs / bare.cpuMs, TARGET_VS_BARE, spread('bare')],
          ['peak RSS vs plain', ours.maxRss / plain.maxRss, TARGET_VS_PLAIN],
          ['peak RSS vs bare', ours.maxRss / bare.maxRss, TARGET_VS_BARE],
        ];
        const where = `aws-cdk-lib ${target.version}, validation ${label}, N=${n}`;
        const line = checks.map(([what, got, want, range]) => {
          const ok = got <= want;
          if (!ok) {
            missed.push(`${what} (${where})`);
          }
          return `${what} ${got.toFixed(2)}x (${range ? `${range}; ` : ''}<= ${want}x: ${ok ? 'met' : 'MISSED'})`;
        }).join('; ');
        notes.push(`${where}: ${line}`);
      }
    }
    const off1000 = cases.get(keyOf(target, 'off', 1_000, 'ours'))!;
    const timeOk = off1000.totalMs < TARGET_MS;
    const memOk = off1000.maxRss < TARGET_MB * MB;
    notes.push(`absolute, ours, 1,000 repositories, aws-cdk-lib ${target.version}, validation off: ${Math.round(off1000.totalMs)} ms create + synth `
      + `(${Math.round(off1000.startupMs + off1000.totalMs)} ms with process startup; target < ${TARGET_MS} ms: ${timeOk ? 'met' : 'MISSED'}), `
      + `peak RSS ${Math.round(off1000.maxRss / MB)} MB (target < ${TARGET_MB} MB: ${memOk ? 'met' : 'MISSED'})`);
    if (!timeOk || !memOk) {
      missed.push(`absolute 1,000 repositories (aws-cdk-lib ${target.version})`);
    }
    const on1000 = cases.get(keyOf(target, 'on', 1_000, 'ours'));
    if (on1000) {
      notes.push(`  with validation on: ${Math.round(on1000.totalMs)} ms and ${Math.round(on1000.maxRss / MB)} MB `
        + `(${ratio(on1000.totalMs, off1000.totalMs)} the time of validation off; the targets above are for validation off)`);
    }
  }

  const samples = new Set(targets.flatMap(t => VARIANTS.map(v => cases.get(keyOf(t, 'off', SIZES[0], v))!.sample)));
  const oursC = cases.get(keyOf(project, 'off', 1_000, 'ours'))!;
  const plainC = cases.get(keyOf(project, 'off', 1_000, 'plain'))!;
  const bareC = cases.get(keyOf(project, 'off', 1_000, 'bare'))!;
  notes.push(`same settings: the three variants render ${samples.size === 1 ? 'the identical' : 'DIFFERENT'} AWS::ECR::Repository resource on every aws-cdk-lib `
    + `(${oursC.resourceBytes} bytes minified: IMMUTABLE, scan on push, KMS, RETAIN, 2-rule lifecycle policy, CrossAccountPull for 222222222222)`);
  notes.push(`template bytes per repository (files as written, 1,000 repositories): ours ${Math.round(oursC.templateBytes / 1000)}, `
    + `plain ${Math.round(plainC.templateBytes / 1000)} (${ratio(oursC.templateBytes, plainC.templateBytes)}), bare ${Math.round(bareC.templateBytes / 1000)} `
    + '(bare ids are top-level, so its logical ids have no hash suffix)');
  notes.push(`ours also records ${oursC.messages.toLocaleString('en-US')} synth warnings for 1,000 repositories (cdk-ecr-registry:accountRootPrincipal: one per account-root grant, `
    + 'acknowledgeable per repository, recorded without a stack trace unless CDK_DEBUG=true)');
  notes.push(`stacks: ${PER_STACK} repositories per stack (N=1,000 -> 4 stacks); @aws-cdk/core:stackResourceLimit left at its default 500`);
  notes.push(targetsNote);
  notes.push(`median of ${RUNS_OFF} (validation off) / ${RUNS_ON} (on) interleaved runs per case, each a fresh node process running the compiled bundle; ratios use CPU time `
    + '(user + system of create + synth; wall ms shown too) and peak RSS; startup (node + aws-cdk-lib + this library) excluded; '
    + `load average ${load0.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
  const diag = (v: Variant) => cases.get(keyOf(project, 'off', DIAGNOSTIC_N, v))!;
  const [o, og, p, bd, b] = [diag('ours'), diag('ours-plaingrant'), diag('plain'), diag('bare-document'), diag('bare')];
  notes.push(`where the CPU time goes (aws-cdk-lib ${project.version}, N=${DIAGNOSTIC_N}, validation off, per repository): bare CfnRepository ${us(b.cpuMs, DIAGNOSTIC_N)}; `
    + `its policy as an iam.PolicyDocument instead of JSON ${plus(bd.cpuMs - b.cpuMs, DIAGNOSTIC_N)}; `
    + `the rest of aws-cdk-lib's ecr.Repository L2 ${plus(p.cpuMs - bd.cpuMs, DIAGNOSTIC_N)} (plain/bare ${ratio(p.cpuMs, b.cpuMs)}); `
    + `PrivateRepository over plain (prop checks, LifecyclePolicy) ${plus(og.cpuMs - p.cpuMs, DIAGNOSTIC_N)}; `
    + `RepositoryAccess.grantPullToAccounts over addToResourcePolicy (checks, the account-root warning, policy check) ${plus(o.cpuMs - og.cpuMs, DIAGNOSTIC_N)}`);
  // The goals of issue #12, each with its per-round range (the runs of one round are seconds apart).
  const roundsOf = (v: Variant) => results.get(keyOf(project, 'off', DIAGNOSTIC_N, v))!;
  const grantUs = roundsOf('ours').map((r, i) => ((r.cpuMs - roundsOf('ours-plaingrant')[i].cpuMs) * 1000) / DIAGNOSTIC_N);
  const vsPlain = roundsOf('ours').map((r, i) => r.cpuMs / roundsOf('plain')[i].cpuMs);
  const grantGot = ((o.cpuMs - og.cpuMs) * 1000) / DIAGNOSTIC_N;
  const vsPlainGot = o.cpuMs / p.cpuMs;
  const goal = (ok: boolean, what: string) => {
    if (!ok) {
      missed.push(what);
    }
    return ok ? 'met' : 'MISSED';
  };
  notes.push(`goal: RepositoryAccess.grantPullToAccounts adds under ${GOAL_GRANT_US} µs per repository over addToResourcePolicy (N=${DIAGNOSTIC_N}, aws-cdk-lib ${project.version}, `
    + `validation off): ${Math.round(grantGot)} µs (median of the CPU times; rounds ${Math.round(Math.min(...grantUs))} to ${Math.round(Math.max(...grantUs))} µs): `
    + goal(grantGot < GOAL_GRANT_US, 'grant cost'));
  notes.push(`goal: PrivateRepository with grants <= ${GOAL_VS_PLAIN}x plain ecr.Repository (N=${DIAGNOSTIC_N}, aws-cdk-lib ${project.version}, validation off): `
    + `${vsPlainGot.toFixed(2)}x (rounds ${Math.min(...vsPlain).toFixed(2)}-${Math.max(...vsPlain).toFixed(2)}): ${goal(vsPlainGot <= GOAL_VS_PLAIN, 'ours vs plain')}`);
  if (profile) {
    notes.push(`profile of ours (aws-cdk-lib ${project.version}, N=${DIAGNOSTIC_N}, create + synth, ${Math.round(profile.totalMs)} ms sampled): top self time ${profile.topSelf.join(', ')}`);
    notes.push(`  this library's code, inclusive: ${profile.topOurs.join(', ')}`);
  }
  if (missed.length > 0) {
    notes.push(`missed: ${missed.join(', ')}`);
  }
  if (missed.some(m => m.startsWith('time vs bare'))) {
    notes.push(`  vs bare: aws-cdk-lib's own ecr.Repository is already ${ratio(p.cpuMs, b.cpuMs)} bare (above ${TARGET_VS_BARE}x), and PrivateRepository `
      + 'is a drop-in ecr.Repository (a subclass), so ours/bare >= plain/bare; the biggest cost is aws-cdk-lib\'s: '
      + 'the L2 and its iam.PolicyDocument (split above)');
  }

  return {
    title: 'Synthesis: PrivateRepository vs ecr.Repository vs CfnRepository (lifecycle policy + cross-account pull each)',
    columns: ['aws-cdk-lib', 'validation', 'repos', 'variant', 'stacks', 'startup ms', 'create ms', 'synth ms', 'total ms', 'CPU ms',
      'CPU vs plain', 'CPU vs bare', 'peak RSS MB', 'Δ RSS MB', 'RSS vs plain', 'RSS vs bare', 'template B/repo'],
    rows,
    notes,
  };
}
