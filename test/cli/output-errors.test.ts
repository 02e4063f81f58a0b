/**
 * Output errors and terminal safety of the CLI: stdout closed or full, --sarif/--html that cannot be
 * written: one line and exit 4 (winning over 1 and 3), never a stack trace; control characters from
 * files, arguments and registries escaped in errors and in the text report; bounded input files.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT } from '../../src/cli/common';
import { CliIo, main, unsupportedNodeMessage } from '../../src/cli/main';
import { emptyRegistry, RegistryReport, RepositoryModel } from '../../src/report';
import { renderText } from '../../src/report/text';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-output-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const policyFile = path.join(dir, 'policy.json');
fs.writeFileSync(policyFile, JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }],
}));
const imagesFile = path.join(dir, 'images.json');
fs.writeFileSync(imagesFile, JSON.stringify([{ digest: 'sha256:a', tags: ['v1\u001b[2J\r\nFAKE LINE'], pushedAt: '2025-05-01T00:00:00Z' }]));

async function run(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, env: {}, ...extra });
  return { code, stdout, stderr };
}

const enospc = () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };

function spawnCli(args: string[], stdout: 'pipe' | number = 'pipe'): ChildProcess {
  const script = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
  return spawn(process.execPath, [require.resolve('tsx/cli'), script, ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', stdout, 'pipe'],
  });
}

function collect(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  return new Promise(resolve => child.on('close', code => resolve({ code, stderr })));
}

describe('output errors: exit 4, one line', () => {
  test('stdout full (ENOSPC) in process: exit 4, one line (it was an uncaught stack trace)', async () => {
    const r = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--json'], { stdout: enospc });
    expect(r.code).toBe(EXIT.OUTPUT);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('cdk-ecr-registry: could not write standard output: no space left on the device (ENOSPC)\n');
  });

  test('the real process writing to /dev/full: exit 4, one line, no stack trace', async () => {
    const full = fs.openSync('/dev/full', 'w');
    try {
      const r = await collect(spawnCli(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile], full));
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(`${unsupportedNodeMessage(process.version) ?? ''}cdk-ecr-registry: could not write standard output: no space left on the device (ENOSPC)\n`);
    } finally {
      fs.closeSync(full);
    }
  });

  test('--sarif and --html on a full device: exit 4 (not 2, the code of bad input), one line naming both', async () => {
    const r = await run(['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--timeout', '1',
      '--sarif', '/dev/full', '--html', '/dev/full', '--quiet']);
    // The registry could not be read (1), but the outputs failing wins: 4.
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^cdk-ecr-registry: could not write --sarif "\/dev\/full": no space left on the device \(ENOSPC\); could not write --html "\/dev\/full": no space left on the device \(ENOSPC\)\n$/);
  });
});

describe('control characters', () => {
  test('an argument with escape sequences is escaped in the error', async () => {
    const evil = path.join(dir, 'x\u001b]0;owned\u0007\u001b[2J');
    const r = await run(['lifecycle', 'preview', '--policy', evil, '--images', imagesFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\u001b|\u0007/);
    expect(r.stderr).toContain('x\\x1b]0;owned\\x07\\x1b[2J');
  });

  test('a tag with CR/LF and ESC is escaped in the preview table (one line per image)', async () => {
    const r = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--now', '2025-06-01T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b|\r/);
    expect(r.stdout).toContain('v1\\x1b[2J\\r\\nFAKE LINE');
    expect(r.stdout.split('\n').filter(l => l.startsWith('FAKE'))).toEqual([]);
    // JSON stays exact.
    const json = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', imagesFile, '--now', '2025-06-01T00:00:00Z', '--json']);
    expect(json.stdout).toContain('v1\\u001b[2J\\r\\nFAKE LINE');
  });

  test('names from the registry with escape sequences, C1 and bidi controls are escaped in the text report', () => {
    const name = 'team/app\u001b[31m\u009b2J\u202e\r\nFAKE';
    const repo: RepositoryModel = {
      kind: 'repository',
      id: name,
      name,
      tagMutability: ['MUTABLE'],
      tagMutabilityExclusionFilters: [],
      scanOnPush: [false],
      encryptionType: ['AES256'],
      kmsKey: [undefined],
      lifecyclePolicyText: [undefined],
      policyStatements: [],
      tags: [[]],
    };
    const report = RegistryReport.fromModels([{ ...emptyRegistry('111111111111', 'eu-west-1'), repositories: [repo] }], new Date(0));
    const text = renderText(report, 'error');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('team/app\\x1b[31m\\x9b2J\\u{202e}\\r\\nFAKE');
    expect(text.split('\n').some(l => l.startsWith('FAKE'))).toBe(false);
  });
});

describe('bounded input files', () => {
  test('--images /dev/zero: refused at the limit, exit 2 (it never ended before)', async () => {
    const r = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cdk-ecr-registry: images file /dev/zero goes on past the limit of 256 MiB\n');
  });

  test('--policy of 100 MB (sparse): refused without reading it', async () => {
    const big = path.join(dir, 'big.json');
    execFileSync('truncate', ['-s', '100M', big]);
    const r = await run(['lifecycle', 'preview', '--policy', big, '--images', imagesFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cdk-ecr-registry: policy file ${big} is 104,857,600 bytes, over the limit of 1 MiB\n`);
  });

  test('an images file nested 15,000 deep: one error, exit 2 (it was "Maximum call stack size exceeded")', async () => {
    const deep = path.join(dir, 'deep.json');
    fs.writeFileSync(deep, `${'['.repeat(15_000)}${']'.repeat(15_000)}`);
    const r = await run(['lifecycle', 'preview', '--policy', policyFile, '--images', deep]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cdk-ecr-registry: ${deep} nests deeper than 256 levels of objects and arrays (at line 1, column 257): the limit keeps a hostile file from exhausting the stack\n`);
  });

  test('a policy file nested 15,000 deep: one error, exit 2', async () => {
    const deep = path.join(dir, 'deep-policy.json');
    fs.writeFileSync(deep, `{"rules":${'['.repeat(15_000)}${']'.repeat(15_000)}}`);
    const r = await run(['lifecycle', 'preview', '--policy', deep, '--images', imagesFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nests deeper than 256 levels of objects and arrays/);
    expect(r.stderr).not.toMatch(/Maximum call stack|RangeError/);
  });
});
