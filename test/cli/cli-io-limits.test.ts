/**
 * Every subcommand's output and every file the CLI reads, as tables (a subcommand or a file option
 * added later must join them: the tables are checked against `COMMANDS`):
 * - standard output that fails (ENOSPC: a full disk, EPIPE: a closed pipe) is one line on stderr
 *   and exit 4, never a stack trace, whatever the subcommand; a real process on a closed pipe too;
 * - every input file (`--policy`, `--images`, `--in-use k8s=`, `--assembly` and its manifest, the
 *   Docker config of `copy`) over its size limit, nested 20,000 deep, a device, a directory or a
 *   pipe that never ends is one line naming the file and the limit, exit 2, before any call.
 */
import { execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EXIT } from '../../src/cli/common';
import { CliIo, COMMANDS, main } from '../../src/cli/main';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-io-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const policyFile = file('policy.json', JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }],
}));
const imagesFile = file('images.json', JSON.stringify([{ digest: 'sha256:a', tags: ['v1'], pushedAt: '2025-05-01T00:00:00Z' }]));

/** An ECR client that must not be called (inputs are read before any call). */
const noCall = () => ({
  send: async () => { throw new Error('an ECR call was made before the inputs were read'); },
  destroy: () => undefined,
} as unknown as ECRClient);

async function run(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: { HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' },
    ecrClient: noCall,
    runtime: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
  return { code, stdout, stderr };
}

// ---------------------------------------------------------------------------------------------
// A registry in memory, enough for `copy` to complete: one image at app:v1, blobs everywhere, manifests accepted.
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layer = Buffer.from('layer bytes');
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
}));
const blobs = new Map([[sha(config), config], [sha(layer), layer]]);
let registry: http.Server;
let host: string;
beforeAll(async () => {
  registry = http.createServer((req, res) => {
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(url);
      if (url === '/v2/') {
        res.end('{}');
      } else if (m && m[2] === 'manifests' && req.method === 'PUT') {
        res.writeHead(201, { 'docker-content-digest': sha(Buffer.concat(chunks)), 'location': url }).end();
      } else if (m && m[2] === 'manifests') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': manifest.length, 'docker-content-digest': sha(manifest) });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      } else if (m && m[2] === 'blobs' && blobs.has(m[3])) {
        const b = blobs.get(m[3])!;
        res.writeHead(200, { 'content-length': b.length, 'docker-content-digest': m[3] });
        res.end(req.method === 'HEAD' ? undefined : b);
      } else {
        res.writeHead(404).end('{"errors":[{"code":"NOT_FOUND","message":"unknown"}]}');
      }
    });
  });
  registry.keepAliveTimeout = 100;
  await new Promise<void>(resolve => registry.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>(resolve => { registry.closeAllConnections(); registry.close(() => resolve()); }));

// ---------------------------------------------------------------------------------------------
describe('standard output that fails: exit 4, one line, for every subcommand', () => {
  const failing = {
    ENOSPC: { error: () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), why: 'no space left on the device (ENOSPC)' },
    EPIPE: { error: () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), why: 'the reader closed the pipe (EPIPE)' },
  };
  /** Every way a subcommand writes to stdout. `words` say which subcommand a row covers. */
  const rows: Array<{ words: string[]; argv: () => string[] }> = [
    { words: [], argv: () => ['--help'] },
    { words: [], argv: () => ['--version'] },
    { words: ['lifecycle'], argv: () => ['lifecycle', '--help'] },
    ...COMMANDS.map(c => ({ words: c.words, argv: () => [...c.words, '--help'] })),
    { words: ['lifecycle', 'preview'], argv: () => ['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile] },
    { words: ['lifecycle', 'preview'], argv: () => ['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--json'] },
    // The registry cannot be read (exit 1), but the report is still printed, and its failure wins.
    { words: ['report'], argv: () => ['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--timeout', '1', '--quiet'] },
    { words: ['report'], argv: () => ['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--timeout', '1', '--quiet', '--json'] },
    // The copy itself is done; only its digest could not be written.
    { words: ['copy'], argv: () => ['copy', `${host}/app:v1`, `${host}/copy:v1`] },
    { words: ['copy'], argv: () => ['copy', `${host}/app:v1`, `${host}/copy:v1`, '--json'] },
    // adopt needs a registry to read: its rows (stdout and the files of --out) are in test/adopt/adopt.moto.test.ts.
  ];

  test('the table covers every subcommand that does more than print its usage', () => {
    const covered = new Set(rows.filter(r => !r.argv().includes('--help')).map(r => r.words.join(' ')));
    expect(COMMANDS.map(c => c.words.join(' ')).filter(w => !covered.has(w))).toEqual(['adopt']);
  });

  test.each(rows.flatMap(r => Object.keys(failing).map(code => [r.argv().join(' ').replace(/127\.0\.0\.1:\d+/g, 'HOST'), code, r] as const)))(
    '%s with %s', async (_name, code, row) => {
      const f = failing[code as keyof typeof failing];
      const r = await run(row.argv(), { stdout: () => { throw f.error(); } });
      // One error line, the last one (copy's progress lines come before it), and no stack trace.
      const line = `cdk-ecr-registry: could not write standard output: ${f.why}`;
      expect(r.stderr.split('\n').filter(l => l.startsWith('cdk-ecr-registry:'))).toEqual([line]);
      expect(r.stderr.endsWith(`${line}\n`)).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(EXIT.OUTPUT);
    });

  test('the real process on a closed pipe: exit 4, one line, no stack trace', async () => {
    const script = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, 'lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the command writes.
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', d => { stderr += d; });
    const code = await new Promise<number | null>(resolve => child.on('close', c => resolve(c)));
    expect(stderr.split('\n').filter(l => l.startsWith('cdk-ecr-registry: could not write'))).toEqual(['cdk-ecr-registry: could not write standard output: the reader closed the pipe (EPIPE)']);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------
describe('every input file: bounded, depth-limited, a regular file or a pipe; one line, exit 2, before any call', () => {
  const deepJson = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  const sparse = (name: string, bytes: number) => {
    const p = path.join(dir, name);
    fs.closeSync(fs.openSync(p, 'w'));
    fs.truncateSync(p, bytes);
    return p;
  };
  const subdir = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  /** A named pipe whose writer never stops (a `<(yes)`): read up to the limit, then refused. */
  const endlessPipe = (name: string) => {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) {
      execFileSync('mkfifo', [p]);
    }
    const writer = spawn('sh', ['-c', `exec yes '[' > '${p}'`], { stdio: 'ignore' });
    writer.on('error', () => undefined);
    return { path: p, stop: () => writer.kill('SIGKILL') };
  };

  const MiB = 1024 * 1024;
  /** Each option that names a file: how to run the command with `f` as that file, and the file's limit. */
  interface FileOption {
    readonly option: string;
    readonly words: string[];
    readonly limit: number;
    readonly argv: (f: string) => string[];
    readonly env?: (f: string) => Record<string, string>;
    readonly pipes: boolean;
  }
  const options: FileOption[] = [
    { option: '--policy', words: ['lifecycle', 'preview'], limit: MiB, pipes: true, argv: f => ['lifecycle', 'preview', '--policy', f, '--images', imagesFile] },
    { option: '--images', words: ['lifecycle', 'preview'], limit: 256 * MiB, pipes: true, argv: f => ['lifecycle', 'preview', '--policy', policyFile, '--images', f] },
    {
      option: '--in-use k8s=',
      words: ['lifecycle', 'preview'],
      limit: 256 * MiB,
      pipes: true,
      argv: f => ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'app', '--region', 'eu-west-1', '--in-use', `k8s=${f}`],
    },
    {
      option: 'copy: $DOCKER_CONFIG/config.json',
      words: ['copy'],
      limit: MiB,
      pipes: false,
      argv: () => ['copy', `${host}/app:v1`, `${host}/copy:v1`],
      env: f => ({ DOCKER_CONFIG: path.dirname(f) }),
    },
    {
      option: '--assembly (its manifest.json)',
      words: ['report'],
      limit: 32 * MiB,
      pipes: false,
      argv: f => ['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--assembly', path.dirname(f)],
    },
  ];
  /** Where the file goes: the docker config and the manifest have a fixed name in a directory of their own. */
  const place = (o: FileOption, kase: string): string => {
    const fixed = o.option.startsWith('copy') ? 'config.json' : o.option.startsWith('--assembly') ? 'manifest.json' : undefined;
    const slug = `${o.option.replace(/\W+/g, '_')}-${kase}`;
    return fixed ? path.join(subdir(slug), fixed) : path.join(dir, `${slug}.json`);
  };

  async function expectRefused(o: FileOption, f: string, message: RegExp) {
    let stdout = '';
    let stderr = '';
    const envExtra = o.env?.(f) ?? {};
    const code = await main(o.argv(f), {
      stdout: t => { stdout += t; },
      stderr: t => { stderr += t; },
      env: { HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1', ...envExtra },
      ecrClient: noCall,
    });
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/Maximum call stack|RangeError|\n\s+at /);
    expect(stdout).toBe('');
    expect(code).toBe(EXIT.BAD_INPUT);
  }

  const escaped = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** The file as messages name it: its path, or the assembly's directory and the manifest's name in it. */
  const named = (f: string) => `(${escaped(f)}|${escaped(path.dirname(f))}": ${escaped(path.basename(f))})`;
  const limitText = (bytes: number) => `${bytes / MiB} MiB`;

  test('the table covers every subcommand that reads a file', () => {
    // adopt reads no file (it writes --out); every other subcommand is here.
    expect(COMMANDS.map(c => c.words.join(' ')).filter(w => !options.some(o => o.words.join(' ') === w))).toEqual(['adopt']);
  });

  describe.each(options.map(o => [o.option, o] as const))('%s', (_name, o) => {
    test('over the size limit (a sparse file): refused by its size, naming the file and the limit', async () => {
      const f = place(o, 'large');
      fs.mkdirSync(path.dirname(f), { recursive: true });
      sparse(path.relative(dir, f), o.limit + 1);
      await expectRefused(o, f, new RegExp(`${named(f)}.* is ${(o.limit + 1).toLocaleString('en-US')} bytes, over the limit of ${limitText(o.limit)}`));
    });

    test('nested 20,000 deep: refused, naming the file and the 256 levels', async () => {
      const f = place(o, 'deep');
      fs.writeFileSync(f, o.option.startsWith('--assembly') ? `{"version":"36.0.0","artifacts":${deepJson}}` : deepJson);
      await expectRefused(o, f, new RegExp(`${named(f)}.*nests deeper than 256 levels of objects and arrays`));
    });

    test('a directory: refused, naming it', async () => {
      const f = place(o, 'directory');
      fs.mkdirSync(f, { recursive: true });
      await expectRefused(o, f, new RegExp(`${named(f)}.* (is a directory|is not a regular file \\(a directory\\))`));
    });

    if (!o.option.startsWith('copy') && !o.option.startsWith('--assembly')) {
      test('/dev/zero: read up to the limit, then refused (it never ended)', async () => {
        await expectRefused(o, '/dev/zero', new RegExp(`/dev/zero:? (the file )?goes on past the limit of ${limitText(o.limit)}`));
      });
    } else {
      test('a device and a named pipe: refused without reading (a pipe would block, a device never ends)', async () => {
        const d = place(o, 'device');
        fs.symlinkSync('/dev/zero', d);
        await expectRefused(o, d, /is not a regular file|a device, socket or pipe|resolves to \/dev\/zero, outside/);
        const fifo = place(o, 'fifo');
        execFileSync('mkfifo', [fifo]);
        await expectRefused(o, fifo, /is not a regular file|a device, socket or pipe/);
      });
    }

    if (o.pipes && o.limit <= MiB) {
      test('a named pipe that never ends: read up to the limit, then refused', async () => {
        const pipe = endlessPipe(`${o.option.replace(/\W+/g, '_')}-fifo`);
        try {
          await expectRefused(o, pipe.path, new RegExp(`${escaped(pipe.path)} goes on past the limit of ${limitText(o.limit)}`));
        } finally {
          pipe.stop();
        }
      });
    }
  });

  test('--assembly itself a device or a file: refused', async () => {
    const o = options.find(x => x.option.startsWith('--assembly'))!;
    const argv = (a: string) => ['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--assembly', a];
    for (const a of ['/dev/zero', policyFile]) {
      let stderr = '';
      const code = await main(argv(a), { stdout: () => undefined, stderr: t => { stderr += t; }, env: {} });
      expect([code, stderr.trimEnd().split('\n').length]).toEqual([EXIT.BAD_INPUT, 1]);
      expect(stderr).toContain(a);
    }
    expect(o.limit).toBe(32 * MiB);
  });

  test('adopt --out a device, a pipe or a file: one line, exit 2, before any call (it said "is a file" of a device)', async () => {
    const fifo = path.join(dir, 'adopt-out-fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [out, what] of [['/dev/zero', 'a device, socket or pipe'], [fifo, 'a device, socket or pipe'], [policyFile, 'a file']]) {
      const r = await run(['adopt', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--out', out, '--quiet']);
      expect([r.code, r.stderr]).toEqual([EXIT.BAD_INPUT, `cdk-ecr-registry: --out ${JSON.stringify(out)} is ${what}, not a directory\n`]);
    }
  });

  test('a Docker config that is fine is read once, before the copy, and the copy goes on', async () => {
    const f = place(options.find(x => x.option.startsWith('copy'))!, 'good');
    fs.writeFileSync(f, JSON.stringify({ auths: { [host]: { auth: Buffer.from('user:pass').toString('base64') } } }));
    const r = await run(['copy', `${host}/app:v1`, `${host}/copy:v1`], { env: { HOME: '/nonexistent', DOCKER_CONFIG: path.dirname(f) } });
    expect([r.code, r.stdout]).toEqual([0, `${sha(manifest)}\n`]);
  });
});
