/**
 * scripts/with-deadline.sh: the deadline the CI steps and the binding checks run under. A hung command ends
 * in bounded time with what was running printed, its whole process group gone, and is tried again only when
 * it timed out.
 */
import { spawn, spawnSync, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'with-deadline.sh');

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'with-deadline-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function run(args: string[]) {
  const t0 = Date.now();
  const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

/** A shell command that counts its runs in a file, then runs `rest`. */
function counted(rest: string): string[] {
  return ['bash', '-c', `echo run >> "${dir}/runs"; ${rest}`];
}
function runs(): number {
  return fs.existsSync(path.join(dir, 'runs')) ? fs.readFileSync(path.join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length : 0;
}
/** The command lines of the running processes that contain `pattern`. */
function alive(pattern: string): string[] {
  const ps = execFileSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(pattern) && !l.startsWith('ps -e'));
}

test('a command that ends in time runs once, its output and exit status passed through', () => {
  const ok = run(['10', '2', 'demo', '--', ...counted('echo hello; exit 0')]);
  expect(ok.status).toBe(0);
  expect(ok.stdout).toBe('hello\n');
  expect(ok.stderr).toBe('');
  expect(runs()).toBe(1);
});

test('a command that fails by itself is not tried again', () => {
  const failed = run(['10', '3', 'demo', '--', ...counted('exit 3')]);
  expect(failed.status).toBe(3);
  expect(runs()).toBe(1);
  expect(failed.stderr).not.toContain('trying again');
});

test('a hung command is stopped at the deadline with what was running printed, tried again, then exits 124 with nothing left', () => {
  // The background sleep of a non-interactive shell ignores SIGQUIT: only the SIGKILL ends it.
  const marker = `sleep 97.${process.pid}`;
  const hung = run(['1', '2', 'the synth', '--', ...counted(`${marker} & ${marker}`)]);
  expect(hung.status).toBe(124);
  expect(runs()).toBe(2);
  expect(hung.stderr).toContain('the synth: not finished after 1s (try 1 of 2); what was running:');
  expect(hung.stderr).toContain('the synth: not finished after 1s (try 2 of 2); what was running:');
  expect(hung.stderr).toContain('the synth: trying again');
  expect(hung.stderr).toContain('the synth: timed out after 1s in each of 2 tries');
  // The listing names the processes of the group, the hung sleeps among them, with their wait channel column.
  expect(hung.stderr).toMatch(/PID PPID AGE\(s\) %CPU RSS\(KB\) STAT WCHAN COMMAND/);
  expect(hung.stderr.split('\n').filter((l) => l.includes(marker) && !l.includes('bash -c')).length).toBeGreaterThanOrEqual(4);
  expect(hung.seconds).toBeLessThan(15);
  expect(alive(marker)).toEqual([]);
});

test('the hung command gets SIGQUIT first (a Go program prints its goroutines then)', () => {
  const program = 'process.on("SIGQUIT", () => { console.error("goroutine 1 [chan receive]:"); process.exit(2); }); setInterval(() => {}, 1000);';
  const hung = run(['1', '1', 'go app', '--', process.execPath, '-e', program]);
  expect(hung.status).toBe(124);
  expect(hung.stderr).toContain('goroutine 1 [chan receive]:');
  expect(hung.stderr.indexOf('go app: not finished after 1s')).toBeLessThan(hung.stderr.indexOf('goroutine 1'));
});

test('a later try that ends in time ends the script with its status', () => {
  // The first run hangs, the second ends.
  const second = run(['1', '2', 'flaky', '--', ...counted(`if [ "$(wc -l < "${dir}/runs")" -eq 1 ]; then sleep 98.${process.pid} || exit 9; fi; echo done`)]);
  expect(second.status).toBe(0);
  expect(second.stdout).toBe('done\n');
  expect(runs()).toBe(2);
  expect(second.stderr).toContain('flaky: trying again');
});

test('stopped itself (CI cancelled), it stops the command and its watchdog too', async () => {
  const label = `cancelled-${process.pid}`;
  const marker = `sleep 96.${process.pid}`;
  const child = spawn('bash', [SCRIPT, '61', '1', label, '--', 'bash', '-c', `${marker} & ${marker}`], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(alive(marker).filter((l) => l.startsWith('sleep')).length).toBe(2);
  child.kill('SIGTERM');
  expect(await exited).toBe(130);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(alive(marker)).toEqual([]);
  // The watchdog is a fork of the script: its command line carries the label.
  expect(alive(label)).toEqual([]);
});

test.each([
  [['x', '1', 'l', '--', 'true'], "SECONDS must be a whole number above 0, not 'x'"],
  [['0', '1', 'l', '--', 'true'], "SECONDS must be a whole number above 0, not '0'"],
  [['5', '0', 'l', '--', 'true'], "TRIES must be 1 to 9, not '0'"],
  [['5', '1', 'l', 'true'], 'usage: with-deadline.sh SECONDS TRIES LABEL -- COMMAND'],
])('bad arguments %j exit 2 with what is allowed', (args, message) => {
  const bad = run(args);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain(message);
});
