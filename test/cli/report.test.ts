/**
 * `cdk-ecr-registry report` against moto over HTTP: outputs, the JSON schema, exit codes, several
 * targets through roles.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { PutRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { main } from '../../src/cli/main';
import { progressPrinter, readingPrinter } from '../../src/cli/report';
import { useReportCli } from '../helpers/report-cli';
import { ACCOUNT, EXPECTED_FINDINGS, REGION, REPOSITORIES, seedRegistry, seedRepository } from '../report/seed';

// Real HTTP to moto on a shared 2-core machine: allow for load (each test also bounds its own times).
jest.setTimeout(60_000);

const SCHEMA = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'));
const OTHER_ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/registry-audit`;

const cli = useReportCli(REGION);
const { run } = cli;

beforeEach(async () => {
  await cli.moto.reset();
  cli.proxy.resetCounts();
});

const target = `${ACCOUNT}:${REGION}`;

describe('cdk-ecr-registry report', () => {
  test('terminal summary: totals first, a line per registry, then findings by rule, then what was not read; exit 3', async () => {
    await seedRegistry(cli.ecr);
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url);
    expect(stderr).toBe('');
    expect(code).toBe(3);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('1 registry, 8 repositories: 7 findings (6 error, 1 warning), 5 parts not read - at or above --fail-on error');
    expect(lines[2]).toMatch(/^REGISTRY\s+STATUS\s+REPOSITORIES\s+ERRORS\s+WARNINGS\s+NOT READ\s+CALLS\s+TIME$/);
    expect(lines[3]).toMatch(new RegExp(`^${ACCOUNT} ${REGION}\\s+partial\\s+8\\s+6\\s+1\\s+5\\s+\\d+\\s+\\d+\\.\\d s$`));
    const byRule = stdout.indexOf('Findings by rule');
    expect(byRule).toBeGreaterThan(0);
    for (const [rule, name] of EXPECTED_FINDINGS) {
      expect(stdout.indexOf(`${rule} (`, byRule)).toBeGreaterThan(byRule);
      expect(stdout).toContain(`  ${ACCOUNT} ${REGION}  ${name}: `);
    }
    expect(stdout).toContain('EcrChecks-ECR2 (error, 1): The ECR private repository does not have IMMUTABLE tags');
    expect(stdout).toContain(`  ${ACCOUNT} ${REGION}  fault/mutable: tag mutability is MUTABLE`);
    expect(stdout.indexOf('Not read')).toBeGreaterThan(byRule);
    expect(stdout).toMatch(/repository creation templates not read \(DescribeRepositoryCreationTemplates\): ECR DescribeRepositoryCreationTemplates answered HTTP 500/);
    expect(stdout).not.toMatch(/SyntaxError|\$response|Deserialization/);
  });

  test('--json follows the published schema (schema/report.schema.json) and carries the findings', async () => {
    await seedRegistry(cli.ecr);
    const { code, stdout } = await run('--target', target, '--endpoint', cli.proxy.url, '--json');
    expect(code).toBe(3);
    const doc = JSON.parse(stdout);
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(SCHEMA);
    expect(validate.errors ?? []).toEqual([]);
    expect(validate(doc)).toBe(true);
    expect(doc.schemaVersion).toBe('1.4');
    expect(doc.usage).toBeNull();
    expect(doc.targets[0].usage).toBeNull();
    expect(doc.summary).toMatchObject({
      targets: 1, targetsFailed: 0, repositories: 8, findings: 7, findingsBySeverity: { error: 6, warning: 1 }, gaps: 5, exceedsFailOn: true,
    });
    expect(doc.targets[0].findings.map((f: any) => [f.ruleId, f.resourceName]).sort()).toEqual([...EXPECTED_FINDINGS].map(p => [...p]).sort());
    expect(doc.targets[0].repositories.find((r: any) => r.name === 'fault/aes256')).toMatchObject({ encryption: { type: 'AES256', kmsKey: null }, unread: [] });
    expect(doc.targets[0].registry).toMatchObject({ scanning: { scanType: 'BASIC', rules: [] }, creationTemplates: null, pullThroughCacheRules: null, accountSettings: null, signing: null });
    // A document that breaks the schema is caught (the test can fail).
    expect(validate({ ...doc, summary: { ...doc.summary, findings: -1 } })).toBe(false);
  });

  test('--fail-on: none never exits 3; warning counts the ECR5 warning; error ignores it', async () => {
    await seedRepository(cli.ecr, { ...REPOSITORIES[1], name: 'only/aes256', encryption: 'AES256' });
    await cli.ecr.send(new PutRegistryScanningConfigurationCommand({
      scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
    }));
    expect((await run('--target', target, '--endpoint', cli.proxy.url)).code).toBe(0);
    expect((await run('--target', target, '--endpoint', cli.proxy.url, '--fail-on', 'warning')).code).toBe(3);
    expect((await run('--target', target, '--endpoint', cli.proxy.url, '--fail-on', 'none')).code).toBe(0);
    const { stdout } = await run('--target', target, '--endpoint', cli.proxy.url, '--fail-on', 'error');
    expect(stdout.split('\n')[0]).toBe('1 registry, 1 repository: 1 finding (0 error, 1 warning), 5 parts not read - none at or above --fail-on error');
  });

  test('several targets, one through a role (STS AssumeRole), read concurrently and reported side by side', async () => {
    await seedRegistry(cli.ecr);
    const { code, stdout } = await run('--target', target, '--target', `${OTHER_ACCOUNT}:eu-west-1:${ROLE}`, '--endpoint', cli.proxy.url, '--sts-endpoint', cli.proxy.url, '--json');
    expect(code).toBe(3);
    const doc = JSON.parse(stdout);
    expect(doc.targets.map((t: any) => [t.target.account, t.region, t.account, t.status, t.target.roleArn])).toEqual([
      [ACCOUNT, REGION, ACCOUNT, 'partial', null],
      [OTHER_ACCOUNT, 'eu-west-1', OTHER_ACCOUNT, 'partial', ROLE],
    ]);
    expect(doc.targets[1].repositories).toEqual([]);
    expect(doc.targets[1].calls.AssumeRole).toBe(1);
    expect(cli.proxy.count('AssumeRole')).toBe(1);
    // The other account's registry is its own: only its (default) scanning configuration is a finding.
    expect(doc.targets[1].findings.map((f: any) => f.ruleId)).toEqual(['EcrChecks-RegistryScanning']);
    const text = await run('--target', target, '--target', `${OTHER_ACCOUNT}:eu-west-1:${ROLE}`, '--endpoint', cli.proxy.url, '--sts-endpoint', cli.proxy.url);
    expect(text.stdout.split('\n')[0]).toBe('2 registries, 8 repositories: 8 findings (7 error, 1 warning), 10 parts not read - at or above --fail-on error');
    expect(text.stdout).toMatch(new RegExp(`^${OTHER_ACCOUNT} eu-west-1\\s+partial\\s+0\\s+1\\s+0\\s+5`, 'm'));
  });

  test('credentials of another account: that target failed, the others reported, exit 1', async () => {
    await seedRegistry(cli.ecr);
    const { code, stdout } = await run('--target', `999999999999:${REGION}`, '--target', target, '--endpoint', cli.proxy.url);
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toMatch(/^2 registries \(1 not read\), 8 repositories: 7 findings/);
    expect(stdout).toContain(`999999999999 ${REGION}: not read: the credentials read registry ${ACCOUNT} in ${REGION}, not 999999999999`);
  });

  test('an endpoint that refuses connections: failed fast (3 attempts, not --timeout), exit 1, one error naming the call and the attempts', async () => {
    const started = Date.now();
    const { code, stdout } = await run('--target', target, '--endpoint', 'http://127.0.0.1:9', '--timeout', '60', '--request-timeout', '1');
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stdout).toContain(`${target.replace(':', ' ')}: not read: ECR DescribeRegistry could not connect (connection refused): 3 attempts over `);
    expect(stdout).toMatch(/; the endpoint refused the connection 3 times \(account \d{12}, [a-z0-9-]+\)\n/);
    // One error for the registry: no part "not read" line per call.
    expect(stdout).not.toMatch(/Not read \(the rules/);
    expect(stdout.match(/connection refused/g)).toHaveLength(1);
  });

  test('--timeout and --request-timeout are durations (90s, 5m, 500ms; a bare number is seconds), as in every command', async () => {
    const started = Date.now();
    const unreachable = await run('--target', target, '--endpoint', 'http://127.0.0.1:9', '--timeout', '2s', '--request-timeout', '500ms');
    expect(unreachable.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(6000);
    await seedRepository(cli.ecr, REPOSITORIES[0]);
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url, '--timeout', '5m', '--request-timeout', '90s', '--json', '--fail-on', 'none');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout).targets[0].status).toBe('partial');
  });

  test.each([
    [['--target', 'nope'], /--target "nope" is not account:region\[:roleArn\]/],
    [['--target', '12345:us-east-1'], /target account "12345" is not an AWS account id: use 12 digits/],
    [['--target', `${ACCOUNT}:mars-1`], /target region "mars-1" is not an AWS region name/],
    [['--target', `${ACCOUNT}:${REGION}:role/x`], /target role "role\/x" is not an IAM role ARN/],
    [['--target', target, '--fail-on', 'info'], /--fail-on "info" is not one of error, warning, none/],
    [['--target', target, '--timeout', '0'], /^cdk-ecr-registry: --timeout "0" is not a duration: use a positive number with ms, s, m or h/],
    [['--target', target, '--request-timeout', '10 s'], /^cdk-ecr-registry: --request-timeout "10 s" is not a duration/],
    [['--target', target, '--concurrency', '1.5'], /--concurrency "1.5" is not a positive whole number/],
    [['--target', target, '--endpoint', 'ftp://x'], /--endpoint "ftp:\/\/x" is not an http\(s\) URL/],
    [['--target', target, '--region', REGION], /--region goes without --target/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('fails %j with exit 2 and a message naming the value', async (argv, message) => {
    const { code, stderr, stdout } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  test('no target and no region: exit 2 saying what to give', async () => {
    let stderr = '';
    const code = await main(['report'], { stdout: () => undefined, stderr: t => { stderr += t; }, env: {} });
    expect(code).toBe(2);
    expect(stderr).toMatch(/no registry to read: give --target account:region, or --region \(or set AWS_REGION\)/);
  });

  test('--region without --target reads the default credentials\' registry there; --help prints the usage', async () => {
    await seedRepository(cli.ecr, REPOSITORIES[0]);
    const { code, stdout } = await run('--region', REGION, '--endpoint', cli.proxy.url, '--json', '--fail-on', 'none');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).targets[0]).toMatchObject({ target: { account: null, region: REGION }, account: ACCOUNT });
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}cdk-ecr-registry report/);
  });
});

describe('progress on stderr', () => {
  test('large registries only, at most one line a second per registry, and the last one', () => {
    const lines: string[] = [];
    let clock = 0;
    const print = progressPrinter(t => lines.push(t), () => clock);
    const p = (listed: number, read: number, listingDone: boolean, account = '111111111111') => ({ account, region: 'eu-west-1', listed, read, listingDone });
    print(p(150, 100, true));
    expect(lines).toEqual([]);
    print(p(1000, 0, false));
    clock = 400;
    print(p(2000, 100, false));
    print(p(500, 0, false, '222222222222'));
    clock = 1500;
    print(p(2000, 900, true));
    clock = 1600;
    print(p(2000, 2000, true));
    expect(lines).toEqual([
      'cdk-ecr-registry report: 111111111111 eu-west-1: 0 of 1,000+ repositories read\n',
      'cdk-ecr-registry report: 222222222222 eu-west-1: 0 of 500+ repositories read\n',
      'cdk-ecr-registry report: 111111111111 eu-west-1: 900 of 2,000 repositories read\n',
      'cdk-ecr-registry report: 111111111111 eu-west-1: 2,000 of 2,000 repositories read, done\n',
    ]);
  });

  test('the line of a read in progress: what was listed and the time, names escaped and bounded', () => {
    const lines: string[] = [];
    const print = readingPrinter(t => lines.push(t));
    print({ account: '123456789012', region: 'eu-west-1', listed: 40, read: 12, elapsedMs: 12_300 });
    print({ region: 'eu-west-1', listed: 0, read: 0, elapsedMs: 5_000 });
    print({ account: `\u001b[2J\r${'9'.repeat(200)}`, region: 'eu-west-1', listed: 1, read: 0, elapsedMs: 800 });
    expect(lines[0]).toBe('cdk-ecr-registry report: reading 123456789012/eu-west-1: 40 repositories so far (12 s)\n');
    expect(lines[1]).toBe('cdk-ecr-registry report: reading (default account)/eu-west-1: no repository listed yet (5 s)\n');
    expect(lines[2]).toMatch(/^cdk-ecr-registry report: reading \\x1b\[2J\\r9{52}\.\.\.\/eu-west-1: 1 repository so far \(0\.8 s\)\n$/);
    expect(lines[2]).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  test('the old progress line escapes a registry id with control characters too', () => {
    const lines: string[] = [];
    progressPrinter(t => lines.push(t), () => 0)({ account: '\u001b[31mred', region: 'eu-west-1', listed: 300, read: 300, listingDone: true });
    expect(lines).toEqual(['cdk-ecr-registry report: \\x1b[31mred eu-west-1: 300 of 300 repositories read, done\n']);
  });
});
