/**
 * The CLI as an operator meets it: strict times and durations (exit 2 naming the value),
 * --version, help for each level, and the real process piped into a reader that stops early
 * (EPIPE: one line, exit 4, the code of output errors) or interrupted with Ctrl-C (exit 130, no stack trace).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDuration, parseTime } from '../../src/cli/common';
import { CliIo, main, SUPPORTED_NODE_MAJORS, unsupportedNodeMessage } from '../../src/cli/main';
import { HANG, plans, startFaultProxy } from '../helpers/fault-proxy';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-hygiene-'));
const policyFile = path.join(dir, 'policy.json');
fs.writeFileSync(policyFile, JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }],
}));
const imagesFile = path.join(dir, 'images.json');
fs.writeFileSync(imagesFile, JSON.stringify([{ digest: 'sha256:a', pushedAt: '2025-05-01T00:00:00Z' }]));

async function run(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, env: {}, ...extra });
  return { code, stdout, stderr };
}

const preview = (...extra: string[]) => ['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--json', ...extra];

describe('times', () => {
  test.each([
    ['2025-06-01T00:00:00Z', Date.UTC(2025, 5, 1)],
    ['2025-06-01T02:00:00+02:00', Date.UTC(2025, 5, 1)],
    ['2025-05-31T19:00:00-05:00', Date.UTC(2025, 5, 1)],
    ['2025-06-01T00:00:00.250Z', Date.UTC(2025, 5, 1) + 250],
    ['2025-06-01T00:00:00.123456+00:00', Date.UTC(2025, 5, 1) + 123],
    ['2025-06-01T00:00Z', Date.UTC(2025, 5, 1)],
    ['1748736000', Date.UTC(2025, 5, 1)],
    ['1748736000.5', Date.UTC(2025, 5, 1) + 500],
    [1748736000.25, Date.UTC(2025, 5, 1) + 250],
  ])('accepts %p', (value, epochMs) => {
    const r = parseTime(value);
    expect('time' in r && r.time.getTime()).toBe(epochMs);
  });

  test.each([
    ['2025-06-01T00:00:00', /has no time zone/],
    ['2025-06-01', /has no time zone/],
    ['1700000000000', /looks like epoch milliseconds \(1700000000000 seconds would be the year 55840\): give epoch seconds, e.g\. 1700000000/],
    [1e11, /looks like epoch milliseconds/],
    ['0', /epoch seconds must be positive/],
    [-5, /epoch seconds must be positive/],
    ['2025-02-30T00:00:00Z', /is not a valid date and time/],
    ['2025-06-01T24:00:00Z', /is not a valid date and time/],
    ['yesterday', /is not a time/],
    [true, /is not a time/],
  ])('refuses %p', (value, problem) => {
    const r = parseTime(value);
    expect('problem' in r && r.problem).toMatch(problem);
  });

  test('the answer does not depend on the machine\'s zone (TZ)', () => {
    const script = `const { parseTime } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'cli', 'common.ts'))});
      console.log(parseTime('2025-06-01T02:00:00+02:00').time.toISOString())`;
    const out = ['UTC', 'America/New_York', 'Asia/Kolkata'].map(tz => execFileSync(process.execPath,
      ['-r', require.resolve('tsx/cjs'), '-e', script], { env: { ...process.env, TZ: tz } }).toString().trim());
    expect(out).toEqual(Array(3).fill('2025-06-01T00:00:00.000Z'));
  });

  test.each([
    ['--now', '1700000000000', 'cdk-ecr-registry: --now "1700000000000" looks like epoch milliseconds (1700000000000 seconds would be the year 55840): give epoch seconds, e.g. 1700000000\n'],
    ['--now', '0', 'cdk-ecr-registry: --now "0" is not a time: epoch seconds must be positive\n'],
    ['--now', '2025-06-01T00:00:00', /^cdk-ecr-registry: --now "2025-06-01T00:00:00" has no time zone: add Z or an offset/],
    ['--timeout', '0', /^cdk-ecr-registry: --timeout "0" is not a duration: use a positive number with ms, s, m or h/],
    ['--timeout', 'forever', /^cdk-ecr-registry: --timeout "forever" is not a duration/],
    ['--request-timeout=-1s', '', /^cdk-ecr-registry: --request-timeout "-1s" is not a duration/],
  ])('fails on %s %s with exit 2, naming the value', async (flag, value, message) => {
    const { code, stdout, stderr } = await run(preview(...[flag, value].filter(a => a !== '')));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    if (typeof message === 'string') {
      expect(stderr).toBe(message);
    } else {
      expect(stderr).toMatch(message);
    }
  });

  test('epoch seconds and zoned times give the same preview', async () => {
    const a = await run(preview('--now', '1748736000'));
    const b = await run(preview('--now', '2025-06-01T02:00:00+02:00'));
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
    expect(JSON.parse(a.stdout).now).toBe('2025-06-01T00:00:00.000Z');
  });

  test('durations', () => {
    expect(parseDuration('--timeout', '90')).toBe(90_000);
    expect(parseDuration('--timeout', '90s')).toBe(90_000);
    expect(parseDuration('--timeout', '5m')).toBe(300_000);
    expect(parseDuration('--timeout', '1h')).toBe(3_600_000);
    expect(parseDuration('--timeout', '1.5s')).toBe(1_500);
    expect(parseDuration('--timeout', '500ms')).toBe(500);
  });

  test('a bad AWS_MAX_ATTEMPTS is bad input (exit 2), named', async () => {
    const { code, stderr } = await run(['lifecycle', 'preview', '--policy', policyFile, '--repository', 'app', '--region', 'us-east-1'],
      { env: { AWS_MAX_ATTEMPTS: 'lots' } });
    expect(code).toBe(2);
    expect(stderr).toBe('cdk-ecr-registry: AWS_MAX_ATTEMPTS "lots" must be a whole number of at least 1\n');
  });
});

describe('one convention across the subcommands', () => {
  /** Every subcommand, with otherwise valid arguments that make no call before the flags are read. */
  const refused = 'http://127.0.0.1:9';
  const commands: Record<string, string[]> = {
    'report': ['report', '--region', 'us-east-1', '--endpoint', refused],
    'adopt': ['adopt', '--region', 'us-east-1', '--endpoint', refused, '--out', path.join(dir, 'adopted')],
    'copy': ['copy', '127.0.0.1:9/a:v1', '127.0.0.1:9/b:v1'],
    'lifecycle preview': ['lifecycle', 'preview', '--policy', policyFile, '--repository', 'app', '--region', 'us-east-1', '--endpoint', refused],
  };
  // The SDK reads credentials from the process environment: fake ones, never a real chain.
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' });
    delete process.env.AWS_PROFILE;
  });
  afterAll(() => {
    process.env = saved;
  });

  test.each(Object.keys(commands))('%s: a bad --timeout or --request-timeout is the same bad input (exit 2, one line naming the value, nothing on stdout)', async name => {
    for (const [flag, value] of [['--timeout', '0'], ['--timeout', '5 minutes'], ['--request-timeout', '0ms']]) {
      const { code, stdout, stderr } = await run([...commands[name], flag, value]);
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr: `cdk-ecr-registry: ${flag} ${JSON.stringify(value)} is not a duration: use a positive number with ms, s, m or h (e.g. 90s, 5m; a bare number is seconds)\n`,
      });
    }
  });

  test.each(Object.keys(commands))('%s: an unknown flag is bad input followed by the usage; --help anywhere prints the usage (exit 0)', async name => {
    const bad = await run([...commands[name], '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cdk-ecr-registry: Unknown option '--bogus'[^]*\nUsage:\n {2}cdk-ecr-registry /);
    const help = await run([...commands[name], '--help']);
    expect(help).toEqual({ code: 0, stdout: expect.stringMatching(/^Usage:\n {2}cdk-ecr-registry /), stderr: '' });
    expect(help.stdout).toContain('--timeout          give up the whole run after this long (default 5m)');
  });

  test.each(Object.keys(commands))('%s: durations in any unit reach the run: 90s, 5m, a bare number of seconds', async name => {
    // An endpoint that refuses connections: the run fails by itself (exit 1, not 2), the flags were accepted.
    const env = { AWS_MAX_ATTEMPTS: '1' };
    for (const [timeout, request] of [['5m', '90s'], ['300', '1.5s']]) {
      const { code, stderr } = await run([...commands[name], '--timeout', timeout, '--request-timeout', request], { env });
      expect(stderr).not.toMatch(/is not a duration|is not a positive number/);
      expect(code).toBe(1);
    }
  });
});

describe('version and help', () => {
  test('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`cdk-ecr-registry ${pkg.version}\n`);
  });

  test('lifecycle --help lists its commands (exit 0); lifecycle alone is bad input (exit 2)', async () => {
    const help = await run(['lifecycle', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}cdk-ecr-registry lifecycle preview \.\.\. {4}what a lifecycle policy would do/);
    const bare = await run(['lifecycle']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(help.stdout);
  });

  test('lifecycle preview --help documents --timeout, --request-timeout and the time formats', async () => {
    const { code, stdout } = await run(['lifecycle', 'preview', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--timeout          give up the whole run after this long (default 5m)');
    expect(stdout).toContain('--request-timeout  give up one request after this long, then retry (default 10s)');
    expect(stdout).toContain('zone-less times and epoch milliseconds are refused');
    expect(stdout).toContain('130 interrupted');
  });
});

/** What the command prints first on this Node.js: one line on an unsupported version, else nothing. */
const NODE_LINE = unsupportedNodeMessage(process.version) ?? '';

describe('supported Node.js versions', () => {
  test('22, 24 and 26 as in package.json engines and docs/install.md', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`>= ${SUPPORTED_NODE_MAJORS[0]}.0.0`);
    const install = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'install.md'), 'utf8');
    expect(install).toContain(`**Node.js ${SUPPORTED_NODE_MAJORS.join(', ').replace(/, (\d+)$/, ' or $1')}`);
  });

  test.each(['v22.0.0', 'v24.22.3', 'v26.12.1', 'v27.0.0'])('%s: nothing to say', v => {
    expect(unsupportedNodeMessage(v)).toBeUndefined();
  });

  test.each(['v20.20.2', 'v18.0.0', 'v21.7.3'])('%s: one line naming the version and the supported ones', v => {
    const line = unsupportedNodeMessage(v)!;
    expect(line).toBe(`cdk-ecr-registry: Node.js ${v} is not supported (end of life); use Node.js 22, 24, 26\n`);
    expect(line.split('\n')).toHaveLength(2);
  });

  test('the real process on this Node.js: at most our one line before a live call, never the SDK\'s ten-line warning', async () => {
    const proxy = await startFaultProxy({ plan: plans.always(HANG) });
    try {
      // Without the test's switch for the SDK warning: what a user sees.
      const child = spawnCli(['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/app', '--region', 'us-east-1',
        '--endpoint', proxy.url, '--timeout', '1s'], { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' });
      const r = await collect(child);
      expect(proxy.calls.length).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
      expect(r.stderr.startsWith(NODE_LINE)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

/** The real program, through tsx (as the bin entry runs it from lib/ after the build). */
function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  const script = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  return spawn(process.execPath, [require.resolve('tsx/cli'), script, ...args], {
    // The SDK warns on stderr about Node 20's end of support; that is AWS's notice, not ours.
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  return new Promise(resolve => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

describe('the real process', () => {
  test('piped into a reader that stops early (| head): one line, exit 4 (an output error), no stack trace', async () => {
    const many = path.join(dir, 'many.json');
    fs.writeFileSync(many, JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ digest: `sha256:${i}`, tags: [`t${i}`], pushedAt: 1748736000 - i * 60 }))));
    const child = spawnCli(['lifecycle', 'preview', '--policy', policyFile, '--images', many, '--now', '1748736000']);
    const done = collect(child);
    // Read the first chunk, then close the pipe, as `head -1` does.
    await new Promise<void>(resolve => child.stdout!.once('data', () => resolve()));
    child.stdout!.destroy();
    const r = await done;
    expect(r.stderr).toBe(`${NODE_LINE}cdk-ecr-registry: could not write standard output: the reader closed the pipe (EPIPE)\n`);
    expect(r.code).toBe(4);
  });

  test('Ctrl-C during a live read: exit 130, one line, no stack trace', async () => {
    const proxy = await startFaultProxy({ plan: plans.always(HANG) });
    try {
      const child = spawnCli(['lifecycle', 'preview', '--policy', policyFile, '--repository', 'team/app', '--region', 'us-east-1', '--endpoint', proxy.url]);
      const done = collect(child);
      // Interrupt once the request is in flight (the proxy holds it).
      for (let i = 0; i < 300 && proxy.calls.length === 0; i++) {
        await new Promise(r => setTimeout(r, 50));
      }
      expect(proxy.calls.length).toBe(1);
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stderr).toBe(`${NODE_LINE}\ncdk-ecr-registry: interrupted\n`);
    } finally {
      await proxy.close();
    }
  });
});

describe('a command loads what it runs', () => {
  /** The packages a `main(argv)` in a fresh process loaded (node_modules folders), and its exit code. */
  function loadedBy(argv: string[]): { code: number; packages: string[] } {
    const script = `const { main } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'))});
      main(${JSON.stringify(argv)}, { stdout: () => undefined, stderr: () => undefined, env: {} }).then(code => {
        const packages = new Set(Object.keys(require.cache).map(f => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(f)?.[1]).filter(Boolean));
        console.log(JSON.stringify({ code, packages: [...packages].sort() }));
      });`;
    const out = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } }).toString().trim();
    return JSON.parse(out.split('\n').pop()!);
  }

  test.each([
    [['copy', '--help'], 0],
    [['copy', 'only-one-reference'], 2],
    [['--version'], 0],
  ])('%j never loads aws-cdk-lib or constructs (the copy command is the image copy engine and the SDK)', (argv, code) => {
    const r = loadedBy(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.packages).not.toContain('aws-cdk-lib');
    expect(r.packages).not.toContain('constructs');
  });

  test('report --help does load aws-cdk-lib (the probe sees a package a command loads)', () => {
    const r = loadedBy(['report', '--help']);
    expect(r.code).toBe(0);
    expect(r.packages).toContain('aws-cdk-lib');
  });
});
