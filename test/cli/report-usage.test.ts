/** `cdk-ecr-registry report --usage` against moto over HTTP: the usage table, the JSON (schema 1.1), price flags. */
import { readFileSync } from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { BYTES_PER_GB } from '../../src/report';
import { useReportCli } from '../helpers/report-cli';
import { SIZES, seedUsage } from '../report/usage-seed';

const SCHEMA = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'));
const target = '123456789012:us-east-1';

const cli = useReportCli('us-east-1');
beforeAll(async () => seedUsage(cli.ecr), 60_000);

/** `report --fail-on none <argv>`: these tests are about usage, not the exit code of findings. */
const run = (...argv: string[]) => cli.run('--fail-on', 'none', ...argv);

const BIG = SIZES.pr1 + SIZES.pr2 + SIZES.v1;

describe('report --usage', () => {
  test('--json: schema 1.1 validates; usage per repository largest first with exact bytes; totals', async () => {
    const { code, stdout } = await run('--target', target, '--endpoint', cli.proxy.url, '--usage', '--json');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(SCHEMA);
    expect(validate(doc)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(doc.schemaVersion).toBe('1.4');
    const usage = doc.targets[0].usage;
    expect(usage.map((u: any) => [u.name, u.images, u.bytes.total])).toEqual([['usage/big', 3, BIG], ['usage/small', 1, SIZES.lib], ['usage/empty', 0, 0]]);
    expect(usage[0].lifecycle).toEqual({ expire: { images: 1, bytes: SIZES.pr1 }, archive: { images: 0, bytes: 0 } });
    expect(doc.usage).toMatchObject({
      prices: { region: 'us-east-1', standardPerGbMonth: 0.1, archivePerGbMonth: 0.1, asOf: '2026-03', source: 'https://aws.amazon.com/ecr/pricing/' },
      repositories: 3,
      images: 4,
      bytes: { standard: BIG + SIZES.lib, archive: 0, total: BIG + SIZES.lib },
      lifecycleExpireBytes: SIZES.pr1,
    });
    // A usage entry that breaks the schema is caught.
    const broken = { ...doc, targets: [{ ...doc.targets[0], usage: [{ ...usage[0], bytes: { standard: -1, archive: 0, total: 0 } }] }] };
    expect(validate(broken)).toBe(false);
  });

  test('terminal: the storage table, largest first, and the prices used; --price-standard changes the costs', async () => {
    const { code, stdout } = await run('--target', target, '--endpoint', cli.proxy.url, '--usage', '--price-standard', '2.5');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const at = lines.indexOf('Storage by repository (largest first)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 2]).toMatch(/^REPOSITORY\s+IMAGES\s+STANDARD\s+ARCHIVE\s+NOT PULLED 30D\s+NOT PULLED 90D\s+LIFECYCLE EXPIRES\s+LIFECYCLE ARCHIVES\s+PROTECTED \(RESOURCES\)\s+COST\/MONTH\s+FREED\/MONTH$/);
    const cost = (BIG / BYTES_PER_GB * 2.5).toFixed(2);
    const freed = (SIZES.pr1 / BYTES_PER_GB * 2.5).toFixed(2);
    expect(lines[at + 3]).toMatch(new RegExp(`^usage/big\\s+3\\s+8\\.6 MiB\\s+0 B\\s+0 B\\s+0 B\\s+1 \\(2\\.9 MiB\\)\\s+0 \\(0 B\\)\\s+0 \\(0 B\\) by 0\\s+\\$${cost}\\s+\\$${freed}$`));
    expect(lines[at + 4]).toMatch(/^usage\/small\s+1\s+195\.3 KiB\s+.*no policy/);
    expect(lines[at + 5]).toMatch(/^usage\/empty\s+0\s+0 B/);
    expect(stdout).toContain('Prices: standard $2.5, archive $0.1 per GB-month (us-east-1, flags,');
  });

  test('fails on a bad price (exit 2) and on price flags without --usage', async () => {
    const bad = await run('--target', target, '--endpoint', cli.proxy.url, '--usage', '--price-archive', 'cheap');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--price-archive "cheap" is not a price in USD per GB-month');
    const alone = await run('--target', target, '--endpoint', cli.proxy.url, '--price-standard', '0.1');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--price-standard and --price-archive go with --usage');
  });
});
