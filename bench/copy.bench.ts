/**
 * Image copy (`npm run bench -- copy`): our engine against `crane copy` between two local
 * registries (go-containerregistry's in-memory registry, built by scripts/oci-tools.sh), in one run.
 * - a 1 GB image of 4 layers: our time / crane's, target <= 1.3x;
 * - peak RSS of the copy process with a 256 MB and a 2 GB layer: within 20% of each other, both < 300 MB;
 * - the same copy again: 0 blob bytes, under 1 s.
 * Images are generated on the fly in a temporary directory and deleted; nothing is committed.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchSection } from './lib';
import { crane, makeLayer, pushImage, startRegistry } from '../test/helpers/oci';

const ROOT = path.join(__dirname, '..');

/** Our `copy` command bundled once (node on plain JS, as the published CLI runs). */
function bundle(dir: string): string {
  const out = path.join(dir, 'copy-cli.js');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), [path.join(ROOT, 'src/cli/main.ts'), '--bundle', '--platform=node', '--target=node20', `--outfile=${out}`, '--log-level=warning']);
  return out;
}

interface Run { ms: number; rssMb: number; json: any }

/** Run a command; resolves with its wall time, its peak RSS (from /proc via GNU time's format-less read) and stdout's last line. */
function timed(cmd: string, args: string[]): Promise<{ ms: number; stdout: string; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // `node -e` wrapper not needed: the child reports its own peak RSS via resourceUsage at exit (ours), or 0.
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', d => { stdout += d; });
    p.stderr.on('data', d => { stderr += d; });
    p.on('exit', code => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const m = /PEAK_RSS_KB=(\d+)/.exec(stderr);
      resolve({ ms, stdout, rssKb: m ? Number(m[1]) : 0 });
    });
  });
}

async function ours(cli: string, src: string, dst: string): Promise<Run> {
  const r = await timed(process.execPath, ['-e', `
    process.on('exit', () => process.stderr.write('PEAK_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'));
    process.argv = [process.argv[0], ${JSON.stringify(cli)}, 'copy', ${JSON.stringify(src)}, ${JSON.stringify(dst)}, '--json'];
    require(${JSON.stringify(cli)}).main(process.argv.slice(2)).then(c => { process.exitCode = c; });
  `]);
  const lines = r.stdout.trim().split('\n');
  return { ms: r.ms, rssMb: r.rssKb / 1024, json: JSON.parse(lines[lines.length - 1]) };
}

export async function run(): Promise<BenchSection> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-bench-'));
  const registries = await Promise.all([startRegistry(), startRegistry(), startRegistry(), startRegistry()]);
  const [src, dstOurs, dstCrane, dstBig] = registries;
  try {
    const cli = bundle(dir);
    const MB = 1024 * 1024;
    const layers = [0, 1, 2, 3].map(i => makeLayer(dir, `l${i}`, 256 * MB, `bench-${i}`));
    const digest = await pushImage(`${src.host}/big:gb`, layers, 'linux/amd64');
    layers.forEach(l => fs.rmSync(l));
    const small = makeLayer(dir, 'small', 256 * MB, 'small');
    await pushImage(`${src.host}/rss:256m`, [small], 'linux/amd64');
    fs.rmSync(small);
    const huge = makeLayer(dir, 'huge', 2048 * MB, 'huge');
    await pushImage(`${src.host}/rss:2g`, [huge], 'linux/amd64');
    fs.rmSync(huge);

    const craneRun = await timed(path.join(ROOT, '.oci-tools', 'bin', 'crane'), ['copy', `${src.host}/big:gb`, `${dstCrane.host}/big:gb`]);
    const ourRun = await ours(cli, `${src.host}/big:gb`, `${dstOurs.host}/big:gb`);
    if (ourRun.json.digest !== digest || (await crane(['digest', `${dstCrane.host}/big:gb`])) !== digest) {
      throw new Error('a copy did not keep the digest');
    }
    const again = await ours(cli, `${src.host}/big:gb`, `${dstOurs.host}/big:gb`);
    const r256 = await ours(cli, `${src.host}/rss:256m`, `${dstBig.host}/rss:256m`);
    const r2g = await ours(cli, `${src.host}/rss:2g`, `${dstBig.host}/rss:2g`);
    const ratio = ourRun.ms / craneRun.ms;
    const spread = Math.abs(r2g.rssMb - r256.rssMb) / Math.min(r2g.rssMb, r256.rssMb);
    const ok = (b: boolean) => (b ? 'met' : 'MISSED');
    return {
      title: 'Image copy: ours vs crane copy (local registries)',
      columns: ['case', 'ours s', 'crane s', 'ratio', 'peak RSS MB', 'bytes copied'],
      rows: [
        ['1 GB, 4 layers', ourRun.ms / 1000, craneRun.ms / 1000, ratio, ourRun.rssMb, ourRun.json.bytesCopied],
        ['same copy again', again.ms / 1000, '-', '-', again.rssMb, again.json.bytesCopied],
        ['one 256 MB layer', r256.ms / 1000, '-', '-', r256.rssMb, r256.json.bytesCopied],
        ['one 2 GB layer', r2g.ms / 1000, '-', '-', r2g.rssMb, r2g.json.bytesCopied],
      ],
      notes: [
        `time ratio ${ratio.toFixed(2)}x (target <= 1.3x): ${ok(ratio <= 1.3)}`,
        `peak RSS 256 MB vs 2 GB layer: ${r256.rssMb.toFixed(0)} / ${r2g.rssMb.toFixed(0)} MB, ${(spread * 100).toFixed(0)}% apart (target within 20%, both < 300 MB): ${ok(spread <= 0.2 && r256.rssMb < 300 && r2g.rssMb < 300)}`,
        `repeated copy: ${again.json.bytesCopied} bytes in ${(again.ms / 1000).toFixed(2)} s, process start included (target 0 bytes, < 1 s): ${ok(again.json.bytesCopied === 0 && again.ms < 1000)}`,
      ],
    };
  } finally {
    await Promise.all(registries.map(r => r.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
