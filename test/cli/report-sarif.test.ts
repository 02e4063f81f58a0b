/**
 * `cdk-ecr-registry report --sarif FILE` against moto over HTTP: the file beside the terminal or JSON
 * output, whatever the exit code; a bad path is exit 2 before any call.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { PutRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { useReportCli } from '../helpers/report-cli';
import { ACCOUNT, EXPECTED_FINDINGS, REGION, REPOSITORIES, seedRegistry, seedRepository } from '../report/seed';

// Real HTTP to moto on a shared 2-core machine: allow for load.
jest.setTimeout(60_000);

const cli = useReportCli(REGION);
const run = cli.run;
let dir: string;

beforeEach(async () => {
  await cli.moto.reset();
  cli.proxy.resetCounts();
  dir = mkdtempSync(path.join(tmpdir(), 'report-sarif-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const target = `${ACCOUNT}:${REGION}`;
const sarifAt = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const calls = () => ['DescribeRepositories', 'GetRegistryScanningConfiguration', 'DescribeRegistry'].map(a => cli.proxy.count(a)).reduce((a, b) => a + b, 0);

describe('report --sarif', () => {
  test('findings at or above --fail-on: exit 3, the terminal summary on stdout and every finding in the file', async () => {
    await seedRegistry(cli.ecr);
    const file = path.join(dir, 'ecr.sarif');
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', file);
    expect(code).toBe(3);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe('1 registry, 8 repositories: 7 findings (6 error, 1 warning), 5 parts not read - at or above --fail-on error');
    const sarif = sarifAt(file);
    expect(sarif.version).toBe('2.1.0');
    const pairs = sarif.runs[0].results.map((r: any) => [r.ruleId, r.locations[0].logicalLocations[0].name]);
    expect(pairs.sort()).toEqual([...EXPECTED_FINDINGS].map(p => [...p]).sort());
    expect(sarif.runs[0].results.find((r: any) => r.ruleId === 'EcrChecks-ECR2').locations[0].physicalLocation.artifactLocation.uri)
      .toBe(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/fault/mutable`);
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(true);
  });

  test('with --json: the JSON on stdout and the same findings in the file', async () => {
    await seedRegistry(cli.ecr);
    const file = path.join(dir, 'ecr.sarif');
    const { code, stdout } = await run('--target', target, '--endpoint', cli.proxy.url, '--json', '--sarif', file);
    expect(code).toBe(3);
    const json = JSON.parse(stdout);
    const sarif = sarifAt(file);
    expect(sarif.runs[0].results.map((r: any) => `${r.ruleId} ${r.locations[0].physicalLocation.artifactLocation.uri}`).sort())
      .toEqual(json.targets[0].findings.map((f: any) => `${f.ruleId} ${f.resource}`).sort());
    expect(sarif.runs[0].invocations[0].startTimeUtc).toBe(json.generatedAt);
  });

  test('no finding at or above --fail-on: exit 0, the file lists the rules and the warning only', async () => {
    await seedRepository(cli.ecr, { ...REPOSITORIES[1], name: 'only/aes256', encryption: 'AES256' });
    await cli.ecr.send(new PutRegistryScanningConfigurationCommand({
      scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    }));
    const file = path.join(dir, 'clean.sarif');
    const { code } = await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', file, '--quiet');
    expect(code).toBe(0);
    const sarif = sarifAt(file);
    expect(sarif.runs[0].tool.driver.rules).toHaveLength(10);
    expect(sarif.runs[0].results.map((r: any) => [r.ruleId, r.level])).toEqual([['EcrChecks-ECR5', 'warning']]);
  });

  test('a registry that could not be read: exit 1, and the file says so (executionSuccessful false)', async () => {
    await seedRegistry(cli.ecr);
    const file = path.join(dir, 'failed.sarif');
    const { code } = await run('--target', `999999999999:${REGION}`, '--target', target, '--endpoint', cli.proxy.url, '--sarif', file);
    expect(code).toBe(1);
    const invocation = sarifAt(file).runs[0].invocations[0];
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications.filter((n: any) => n.level === 'error').map((n: any) => n.properties.account)).toEqual(['999999999999']);
  });

  test('an existing file is replaced', async () => {
    await seedRegistry(cli.ecr);
    const file = path.join(dir, 'ecr.sarif');
    await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', file, '--fail-on', 'none');
    await cli.moto.reset();
    const { code } = await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', file, '--fail-on', 'none');
    expect(code).toBe(0);
    expect(sarifAt(file).runs[0].results.map((r: any) => r.ruleId)).toEqual(['EcrChecks-RegistryScanning']);
  });

  test.each([
    ['a directory', () => dir, /^cdk-ecr-registry: --sarif ".*" is a directory: give a file path in an existing directory \(like report\.sarif\)\n$/],
    ['a path ending in /', () => `${dir}/x/`, /--sarif ".*\/x\/" is a directory/],
    ['a file in a missing directory', () => path.join(dir, 'missing', 'ecr.sarif'), /--sarif ".*missing\/ecr\.sarif" is in a directory that does not exist \(.*missing\)/],
    ['a file under a file', () => { const f = path.join(dir, 'plain'); writeFileSync(f, ''); return path.join(f, 'ecr.sarif'); }, /--sarif ".*plain\/ecr\.sarif" is under .*plain, which is not a directory/],
    ['empty', () => '', /--sarif "" is empty/],
  ])('fails for %s: exit 2, one message, no call made, nothing written', async (_, file, message) => {
    await seedRegistry(cli.ecr);
    cli.proxy.resetCounts();
    const f = file();
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', f);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.split('\n').filter(l => l !== '')).toHaveLength(1);
    expect(stdout).toBe('');
    expect(calls()).toBe(0);
    expect(existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  test('a file that cannot be written (/proc/version): the report is printed, then exit 4 (an output error, over 3) naming the file and why', async () => {
    await seedRegistry(cli.ecr);
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url, '--sarif', '/proc/version');
    expect(code).toBe(4);
    expect(stdout.split('\n')[0]).toMatch(/^1 registry, 8 repositories: 7 findings/);
    expect(stderr).toMatch(/^cdk-ecr-registry: could not write --sarif "\/proc\/version": E[A-Z]+\n$/);
  });

  test('--help lists --sarif', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/\[--sarif <file>\]/);
    expect(stdout).toMatch(/--sarif {12}also write the findings as SARIF 2\.1\.0 to this file/);
  });
});
