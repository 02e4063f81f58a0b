/**
 * `cdk-ecr-registry report --html FILE` against moto over HTTP: the page is written (also when
 * findings make the exit code 3), it reads usage without --usage, and headless Chromium, offline,
 * renders the same numbers as the JSON document printed by the same run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CreateRepositoryCommand, PutImageCommand, PutLifecyclePolicyCommand, TagResourceCommand } from '@aws-sdk/client-ecr';
import { ReportJson } from '../../src/report';
import { launchOffline, OfflineBrowser, openFile } from '../helpers/chromium';
import { useReportCli } from '../helpers/report-cli';
import { readRenderedPage } from '../report/html-dom';
import { manifest, SIZES, seedUsage } from '../report/usage-seed';

const target = '123456789012:us-east-1';
/** Registry strings that would be markup on an unescaped page (ECR refuses such repository names; tags and policy text take them). */
const EVIL_TAG = '</td><script>alert(1)</script><b id="injected">x</b>';
const EVIL_DESCRIPTION = '</pre><img src=x onerror=alert(2)>';

const cli = useReportCli('us-east-1');
const run = (...argv: string[]) => cli.run(...argv);
let browser: OfflineBrowser | undefined;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'report-html-cli-'));
  browser = await launchOffline();
  const ecr = cli.ecr;
  await seedUsage(ecr);
  const repo = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'html/inject', imageTagMutability: 'IMMUTABLE' }));
  await ecr.send(new TagResourceCommand({ resourceArn: repo.repository!.repositoryArn!, tags: [{ Key: 'owner', Value: EVIL_TAG }] }));
  await ecr.send(new PutLifecyclePolicyCommand({
    repositoryName: 'html/inject',
    lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, description: EVIL_DESCRIPTION, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] }),
  }));
  await ecr.send(new PutImageCommand({ repositoryName: 'html/inject', imageTag: 'v1', imageManifest: manifest('html/inject:v1', 777_777) }));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report --html', () => {
  test('writes the page whatever the exit code (3 here); reads usage without --usage; Chromium renders the JSON document\'s numbers, offline', async () => {
    const file = path.join(dir, 'report.html');
    const { code, stdout, stderr } = await run('--target', target, '--endpoint', cli.proxy.url, '--html', file, '--json');
    // moto's repositories are MUTABLE without scan on push: findings at error, exit 3, and the page is there.
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`^cdk-ecr-registry report: wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d KiB\\)\\n$`));
    const doc: ReportJson = JSON.parse(stdout);
    expect(doc.summary.exceedsFailOn).toBe(true);
    expect(doc.usage).not.toBeNull();
    const usage = doc.targets[0].usage!;
    expect(usage.map(u => [u.name, u.bytes.total])).toEqual([
      ['usage/big', SIZES.pr1 + SIZES.pr2 + SIZES.v1], ['html/inject', 777_777], ['usage/small', SIZES.lib], ['usage/empty', 0],
    ]);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain(`<p class="muted">Generated ${doc.generatedAt} by cdk-ecr-registry`);

    const opened = await openFile(browser!, file);
    try {
      expect(opened.requests).toEqual([pathToFileURL(file).href]);
      expect(opened.errors).toEqual([]);
      const r = await readRenderedPage(opened.page);
      // The chart: one bar per repository, largest first, showing the JSON's exact bytes.
      expect(r.charts).toHaveLength(1);
      expect(r.charts[0].title).toBe('Storage by repository, 123456789012 us-east-1');
      expect(r.charts[0].bars.map(b => [b.repository, b.bytes, b.shownBytes])).toEqual(usage.map(u => [u.name, u.bytes.total, u.bytes.total]));
      expect(r.charts[0].bars[0].width).toBeGreaterThan(r.charts[0].bars[1].width);
      // The usage table: a row per repository with the JSON's images and bytes.
      expect(r.usage.map(u => [u.repository, u.images, ...u.bytes])).toEqual(usage.map(u => [
        u.name, u.images, u.bytes.standard, u.bytes.archive, u.notPulled30Days.bytes, u.notPulled90Days.bytes,
      ]));
      // Totals and findings: the counts shown equal the document's.
      expect(r.summary).toMatchObject({
        targets: '1',
        repositories: String(doc.summary.repositories),
        findings: String(doc.summary.findings),
        errors: String(doc.summary.findingsBySeverity.error),
        warnings: String(doc.summary.findingsBySeverity.warning),
        images: String(doc.usage!.images),
        bytes: expect.stringMatching(/MiB$/),
      });
      expect(doc.summary.findings).toBeGreaterThan(0);
      for (const rule of doc.rules) {
        expect([rule.id, r.rules[rule.id]]).toEqual([rule.id, doc.summary.findingsByRule[rule.id] ?? 0]);
      }
      expect(r.findingRows.map(f => `${f.rule} ${f.resource}`).sort()).toEqual(doc.targets[0].findings.map(f => `${f.ruleId} ${f.resourceName}`).sort());
      // Registry strings are text: the tag and the policy text read back as written, no element made of them.
      expect(r.elements).toEqual({ script: 0, img: 0, injected: 0, bold: 0 });
      const inject = r.repositoryRows.find(x => x.name === 'html/inject')!;
      expect(inject.tags).toBe(`owner=${EVIL_TAG}`);
      expect(JSON.parse(inject.lifecyclePolicy).rules[0].description).toBe(EVIL_DESCRIPTION);
      expect(r.drift.note).toMatch(/^Not compared: run with --assembly/);
    } finally {
      await opened.close();
    }
  }, 60_000);

  test('fails with exit 2 and one line, before reading anything, on a folder that does not exist or a path that is a folder', async () => {
    const missing = path.join(dir, 'no-such-folder', 'report.html');
    const a = await run('--target', target, '--endpoint', 'http://127.0.0.1:9', '--html', missing);
    const allowed = ': give a file path in an existing directory (like report.html)\n';
    expect(a).toEqual({
      code: 2,
      stdout: '',
      stderr: `cdk-ecr-registry: --html ${JSON.stringify(missing)} is in a directory that does not exist (${path.dirname(missing)})${allowed}`,
    });
    expect(existsSync(path.dirname(missing))).toBe(false);
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    const b = await run('--target', target, '--endpoint', 'http://127.0.0.1:9', '--html', folder);
    expect(b).toMatchObject({ code: 2, stderr: `cdk-ecr-registry: --html ${JSON.stringify(folder)} is a directory${allowed}` });
    const c = await run('--target', target, '--endpoint', 'http://127.0.0.1:9', '--html', '');
    expect(c).toMatchObject({ code: 2, stderr: `cdk-ecr-registry: --html "" is empty${allowed}` });
  });
});
