/**
 * Image copy (`npm run bench -- copy`): our engine against `crane copy` between two local
 * registries, in one run.
 * - a 1 GiB image of 4 layers: our time / crane's, target <= 1.3x (three rounds, crane and ours
 *   interleaved, each into an empty registry of its own; medians);
 * - peak RSS of the copy process with a 256 MiB and a 2 GiB layer: within 20% of each other, both < 300 MB;
 * - the same copy again: 0 blob bytes, under 1 s.
 *
 * The registries are the CNCF distribution registry (built by scripts/oci-tools.sh) on the
 * filesystem, in a temporary directory: go-containerregistry's in-memory registry would hold every
 * blob of every registry in memory (about 8 GB for this run). Layers are generated with a seeded
 * AES-CTR stream (incompressible, fast), pushed once with crane; everything is deleted afterwards.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchSection } from './lib';
import { crane, freePort, pushImage } from '../test/helpers/oci';

const ROOT = path.join(__dirname, '..');
const TOOLS = path.join(ROOT, '.oci-tools');
const MB = 1024 * 1024;
/** Rounds of the 1 GiB copy (crane and ours in each); the ratio is of the medians. */
const ROUNDS = 3;

function median(xs: number[]): number {
  return xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * Our `copy` command as the published CLI runs: our code as plain JS (bundled once, so the bench
 * does not need a compile first), its dependencies loaded from node_modules as lib/cli/main.js loads
 * them. Bundling the dependencies too would put aws-cdk-lib (55 MB, which `copy` never runs) into
 * one file that node parses at every start: 0.7 s the published command does not spend.
 */
function bundle(): string {
  // Inside the project (ignored by git), so that node_modules resolves from it as from lib/cli.
  const out = path.join(ROOT, '.cache', 'copy-bench', 'main.js');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [path.join(ROOT, 'src/cli/main.ts'), '--bundle', '--platform=node', '--target=node20', '--packages=external', `--outfile=${out}`, '--log-level=warning']);
  return out;
}

interface DiskRegistry {
  readonly host: string;
  stop(): Promise<void>;
}

/** The distribution registry (v3), anonymous, storing blobs under `dir`. */
async function startDiskRegistry(dir: string): Promise<DiskRegistry> {
  const bin = path.join(TOOLS, 'dist', 'registry');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} not found: run "bash scripts/oci-tools.sh"`);
  }
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'data')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const proc: ChildProcess = spawn(bin, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore', env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`distribution registry exited (${proc.exitCode}) before it answered`);
    }
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) {
        break;
      }
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`distribution registry did not answer on ${host} within 20 s`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return {
    host,
    stop: () => new Promise<void>(resolve => {
      // Ended already (a process killed by a signal has a signalCode and no exitCode).
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve();
        return;
      }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

/** A tar layer of one file of `bytes` incompressible bytes (AES-128-CTR of zeros, seeded), in `dir`. */
function fastLayer(dir: string, name: string, bytes: number, seed: string): string {
  const key = crypto.createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const content = path.join(dir, `${name}.bin`);
  const fd = fs.openSync(content, 'w');
  const zeros = Buffer.alloc(4 * MB);
  for (let written = 0; written < bytes; written += zeros.length) {
    fs.writeSync(fd, cipher.update(zeros.subarray(0, Math.min(zeros.length, bytes - written))));
  }
  fs.closeSync(fd);
  const tar = path.join(dir, `${name}.tar`);
  execFileSync('tar', ['--mtime=2020-01-01', '--owner=0', '--group=0', '-cf', tar, '-C', dir, `${name}.bin`]);
  fs.rmSync(content);
  return tar;
}

/** Run a command; resolves with its wall time, stdout and the peak RSS it reports on stderr (PEAK_RSS_KB=...). */
function timed(cmd: string, args: string[]): Promise<{ ms: number; stdout: string; stderr: string; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', d => { stdout += d; });
    p.stderr.on('data', d => { stderr = (stderr + d).slice(-20_000); });
    p.on('exit', code => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ').slice(0, 200)} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const m = /PEAK_RSS_KB=(\d+)/.exec(stderr);
      resolve({ ms, stdout, stderr, rssKb: m ? Number(m[1]) : 0 });
    });
  });
}

interface Run {
  /** Wall time of the whole process. */
  ms: number;
  /** Time of the copy itself, after node started and loaded the CLI. */
  copyMs: number;
  rssMb: number;
  json: any;
}

async function ours(cli: string, src: string, dst: string): Promise<Run> {
  const r = await timed(process.execPath, ['-e', `
    process.on('exit', () => process.stderr.write('PEAK_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'));
    const cli = require(${JSON.stringify(cli)});
    const t0 = process.hrtime.bigint();
    cli.main(['copy', ${JSON.stringify(src)}, ${JSON.stringify(dst)}, '--json', '--timeout', '30m', '--request-timeout', '60s'])
      .then(c => { process.stderr.write('COPY_MS=' + Number(process.hrtime.bigint() - t0) / 1e6 + '\\n'); process.exitCode = c; });
  `]);
  const lines = r.stdout.trim().split('\n');
  const copyMs = Number(/COPY_MS=([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms: r.ms, copyMs, rssMb: r.rssKb / 1024, json: JSON.parse(lines[lines.length - 1]) };
}

/** Progress on stderr (the table goes to stdout). */
function step(text: string): void {
  process.stderr.write(`copy bench: ${text}\n`);
}

export async function run(): Promise<BenchSection> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-bench-'));
  const registries: DiskRegistry[] = [];
  const registry = async (name: string) => {
    const r = await startDiskRegistry(path.join(dir, name));
    registries.push(r);
    return r;
  };
  try {
    const cli = bundle();
    const [src, dstBig] = await Promise.all([registry('src'), registry('big')]);
    let again: Run | undefined;
    step('generating and pushing the images (1 GiB of 4 layers, 256 MiB, 2 GiB)');
    const layers = [0, 1, 2, 3].map(i => fastLayer(dir, `l${i}`, 256 * MB, `bench-${i}`));
    const digest = await pushImage(`${src.host}/big:gb`, layers, 'linux/amd64');
    layers.forEach(l => fs.rmSync(l));
    const small = fastLayer(dir, 'small', 256 * MB, 'small');
    await pushImage(`${src.host}/rss:256m`, [small], 'linux/amd64');
    fs.rmSync(small);
    const huge = fastLayer(dir, 'huge', 2048 * MB, 'huge');
    await pushImage(`${src.host}/rss:2g`, [huge], 'linux/amd64');
    fs.rmSync(huge);

    step(`copying 1 GiB: crane and ours in turn, ${ROUNDS} rounds, each into an empty registry; then ours again`);
    const craneRuns: number[] = [];
    const ourRuns: Run[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate who goes first, so neither always gets the warmer page cache.
      for (const who of round % 2 === 1 ? ['crane', 'ours'] : ['ours', 'crane']) {
        const dst = await registry(`${who}-${round}`);
        if (who === 'crane') {
          craneRuns.push((await timed(path.join(TOOLS, 'bin', 'crane'), ['copy', `${src.host}/big:gb`, `${dst.host}/big:gb`])).ms);
          if ((await crane(['digest', `${dst.host}/big:gb`])) !== digest) {
            throw new Error('crane\'s copy did not keep the digest');
          }
        } else {
          const mine = await ours(cli, `${src.host}/big:gb`, `${dst.host}/big:gb`);
          if (mine.json.digest !== digest || (await crane(['digest', `${dst.host}/big:gb`])) !== digest) {
            throw new Error('our copy did not keep the digest');
          }
          ourRuns.push(mine);
          if (round === ROUNDS) {
            again = await ours(cli, `${src.host}/big:gb`, `${dst.host}/big:gb`);
          }
        }
        await dst.stop();
        fs.rmSync(path.join(dir, `${who}-${round}`), { recursive: true, force: true });
      }
      step(`round ${round}: ours ${(ourRuns[round - 1].ms / 1000).toFixed(2)} s, crane ${(craneRuns[round - 1] / 1000).toFixed(2)} s`);
    }
    const ourRun = ourRuns.slice().sort((a, b) => a.ms - b.ms)[Math.floor(ROUNDS / 2)];
    const craneMs = median(craneRuns);
    if (!again) {
      throw new Error('the repeated copy did not run');
    }
    step(`again ${(again.ms / 1000).toFixed(2)} s; peak RSS: one 256 MiB layer, one 2 GiB layer`);
    const r256 = await ours(cli, `${src.host}/rss:256m`, `${dstBig.host}/rss:256m`);
    step(`256 MiB: ${(r256.ms / 1000).toFixed(1)} s`);
    const r2g = await ours(cli, `${src.host}/rss:2g`, `${dstBig.host}/rss:2g`);
    step(`2 GiB: ${(r2g.ms / 1000).toFixed(1)} s`);
    const want2g = await crane(['digest', `${src.host}/rss:2g`]);
    step(`2 GiB digest at the source: ${want2g}`);
    if (r2g.json.digest !== want2g || (await crane(['digest', `${dstBig.host}/rss:2g`])) !== want2g) {
      throw new Error('the 2 GiB copy did not keep the digest');
    }
    step('digests checked');
    const ratio = ourRun.ms / craneMs;
    const spread = Math.abs(r2g.rssMb - r256.rssMb) / Math.min(r2g.rssMb, r256.rssMb);
    const ok = (b: boolean) => (b ? 'met' : 'MISSED');
    return {
      title: 'Image copy: ours vs crane copy (local registries)',
      columns: ['case', 'ours s', 'ours s (copy only)', 'crane s', 'ratio', 'peak RSS MB', 'bytes copied'],
      rows: [
        ['1 GiB, 4 layers (median)', ourRun.ms / 1000, ourRun.copyMs / 1000, craneMs / 1000, ratio, ourRun.rssMb, ourRun.json.bytesCopied],
        ['same copy again', again.ms / 1000, again.copyMs / 1000, '-', '-', again.rssMb, again.json.bytesCopied],
        ['one 256 MiB layer', r256.ms / 1000, r256.copyMs / 1000, '-', '-', r256.rssMb, r256.json.bytesCopied],
        ['one 2 GiB layer', r2g.ms / 1000, r2g.copyMs / 1000, '-', '-', r2g.rssMb, r2g.json.bytesCopied],
      ],
      notes: [
        `time ratio ${ratio.toFixed(2)}x, whole processes, medians of ${ROUNDS} rounds (target <= 1.3x): ${ok(ratio <= 1.3)}; the copy alone (after node started and loaded the CLI) ${(ourRun.copyMs / craneMs).toFixed(2)}x crane's whole process; rounds: ours ${ourRuns.map(r => (r.ms / 1000).toFixed(2)).join(' / ')} s, crane ${craneRuns.map(ms => (ms / 1000).toFixed(2)).join(' / ')} s`,
        `peak RSS 256 MiB vs 2 GiB layer: ${r256.rssMb.toFixed(0)} / ${r2g.rssMb.toFixed(0)} MB, ${(spread * 100).toFixed(0)}% apart (target within 20%, both < 300 MB): ${ok(spread <= 0.2 && r256.rssMb < 300 && r2g.rssMb < 300)}`,
        `repeated copy: ${again.json.bytesCopied} bytes in ${(again.ms / 1000).toFixed(2)} s with the process start, ${(again.copyMs / 1000).toFixed(2)} s the copy alone (target 0 bytes, < 1 s): ${ok(again.json.bytesCopied === 0 && again.ms < 1000)} with the process start, ${ok(again.json.bytesCopied === 0 && again.copyMs < 1000)} the copy alone`,
        'registries: the distribution registry (v3.0.0) on the filesystem, one per destination, on 127.0.0.1; times are wall times of the whole process (ours: node and our code, its dependencies from node_modules as the published lib/cli/main.js loads them; crane: its binary)',
      ],
    };
  } finally {
    await Promise.all(registries.map(r => r.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, '.cache', 'copy-bench'), { recursive: true, force: true });
  }
}
