/**
 * The report's HTML page (`renderHtml`), from documents built by the library: the markup itself, then
 * the page as headless Chromium renders it offline (test/helpers/chromium.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { readRenderedPage } from './html-dom';
import { EVIL_NAME, EVIL_POLICY_DESCRIPTION, EVIL_TAG, fixtureAssembly, fixtureDocument } from './html-fixture';
import { escapeHtml, HTML_CHART_BARS, HTML_CSP, renderHtml, ReportJson } from '../../src/report';
import { launchOffline, OfflineBrowser, openFile, OpenedPage, requireChromium } from '../helpers/chromium';

let dir: string;
let browser: OfflineBrowser | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'report-html-'));
  browser = await launchOffline();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

let pages = 0;
async function open(doc: ReportJson): Promise<OpenedPage> {
  const file = path.join(dir, `page-${++pages}.html`);
  writeFileSync(file, renderHtml(doc));
  return openFile(browser!, file);
}

/** The fixture with drift: compared with a synthesized app (html-fixture.ts). */
function withDrift(): ReportJson {
  return fixtureDocument({ assembly: fixtureAssembly(path.join(dir, `cdk.out-${++pages}`)) });
}

describe('renderHtml: the markup', () => {
  const page = renderHtml(fixtureDocument());

  test('loads nothing: a Content-Security-Policy that forbids fetching, no script, link, src, href or url()', () => {
    expect(HTML_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'");
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(HTML_CSP)}">`);
    // The policy comes before anything it governs.
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<style>'));
    // Every tag of the page (text from the document is escaped, so it makes none).
    const tags = new Set((page.match(/<\/?([a-zA-Z][\w-]*)/g) ?? []).map(t => t.replace(/[</]/g, '').toLowerCase()));
    const allowed = ['body', 'br', 'code', 'dd', 'desc', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'g', 'h1', 'h2', 'h3',
      'head', 'header', 'html', 'meta', 'p', 'pre', 'rect', 'section', 'small', 'span', 'style', 'summary', 'sup', 'svg', 'table', 'tbody', 'td',
      'text', 'th', 'thead', 'title', 'tr'];
    expect([...tags].filter(t => !allowed.includes(t))).toEqual([]);
    expect(tags).toContain('svg');
    // Attribute names of every tag (values, escaped document text among them, left out).
    const attributes = (page.match(/<[a-zA-Z][^>]*>/g) ?? []).map(t => t.replace(/"[^"]*"/g, '""')).join('\n');
    expect(attributes).not.toMatch(/\s(src|href|srcset|action|poster|data)\s*=/i);
    const style = /<style>([^<]*)<\/style>/.exec(page)![1];
    expect(style).not.toMatch(/url\(|@import|@font-face/i);
  });

  test('escapes every string of the document: names, tags, policy text', () => {
    expect(escapeHtml('<a href="x">\'&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(page).not.toContain(EVIL_NAME);
    expect(page).not.toContain(EVIL_TAG);
    expect(page).not.toContain('<script');
    expect(page).toContain(escapeHtml(EVIL_NAME));
    expect(page).toContain(escapeHtml(EVIL_TAG));
    // The lifecycle policy text is shown as the JSON text ECR answered, escaped.
    expect(page).toContain(escapeHtml(JSON.stringify(EVIL_POLICY_DESCRIPTION).slice(1, -1)));
  });

  test('a document without usage or drift says so instead of a chart or a table', () => {
    const doc = fixtureDocument();
    const bare = renderHtml({ ...doc, usage: null, targets: doc.targets.map(t => ({ ...t, usage: null })) });
    expect(bare).toContain('id="usage-note">Storage not read: this report was made without <code>--usage</code>');
    expect(bare).not.toContain('<svg');
    expect(bare).toContain('id="drift-note">Not compared: run with <code>--assembly cdk.out</code>');
    expect(renderHtml(withDrift())).not.toContain('drift-note');
  });
});

test('docs/report.md shows the screenshot (scripts/report-screenshot.ts): a PNG under 150 KB', () => {
  const root = path.join(__dirname, '..', '..');
  const docs = readFileSync(path.join(root, 'docs', 'report.md'), 'utf8');
  const m = /!\[[^\]]+\]\(https:\/\/raw\.githubusercontent\.com\/cdk-ecr-registry\/cdk-ecr-registry\/main\/(docs\/images\/[\w-]+\.png)\)/.exec(docs);
  expect(m).not.toBeNull();
  const png = path.join(root, m![1]);
  expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(statSync(png).size).toBeLessThan(150 * 1024);
});

test('without Chromium the page tests fail, saying how to install it (never skip)', () => {
  expect(() => requireChromium('/nonexistent/chromium')).toThrow(
    'Chromium is not installed at /nonexistent/chromium: the HTML report tests open the page in it. Install it with `sudo apt-get install -y chromium`');
});

describe('renderHtml: the page in headless Chromium, offline', () => {
  test('no request but the page itself, no console error; chart bars, usage rows and finding counts equal the document', async () => {
    const doc = fixtureDocument();
    const opened = await open(doc);
    try {
      expect(opened.requests).toEqual([pathToFileURL(path.join(dir, `page-${pages}.html`)).href]);
      expect(opened.errors).toEqual([]);
      const r = await readRenderedPage(opened.page);
      expect(r.title).toBe(`ECR registry report ${doc.generatedAt}`);
      expect(r.summary).toMatchObject({
        targets: '2',
        repositories: String(doc.summary.repositories),
        findings: String(doc.summary.findings),
        errors: String(doc.summary.findingsBySeverity.error),
        warnings: String(doc.summary.findingsBySeverity.warning),
        images: String(doc.usage!.images),
      });

      // Registry 0: one bar per repository, largest first, each showing its exact bytes.
      const [c0, c1] = r.charts;
      const u0 = doc.targets[0].usage!;
      expect(c0.title).toBe('Storage by repository, 111111111111 eu-west-1');
      expect(c0.desc).toMatch(/^4 repositories, 81\.1 MiB \(85,000,000 bytes\) in total\. Largest first: team\/api 66\.8 MiB/);
      expect(c0.bars.map(b => [b.repository, b.bytes, b.shownBytes])).toEqual(u0.map(u => [u.name, u.bytes.total, u.bytes.total]));
      expect(c0.bars.map(b => b.repository)).toEqual(['team/api', 'team/web', EVIL_NAME, 'empty']);
      expect(c0.bars.find(b => b.repository === EVIL_NAME)!.label).toBe(EVIL_NAME);
      // Drawn to scale: the widest bar is the largest repository, an empty one has no width.
      expect(c0.bars[0].width).toBeGreaterThan(300);
      expect(c0.bars[1].width / c0.bars[0].width).toBeCloseTo(12 / 70, 2);
      expect(c0.bars[3].width).toBe(0);

      // Registry 1: 25 repositories, more than the chart's bars: the smallest share the last one.
      const u1 = doc.targets[1].usage!;
      expect(c1.bars).toHaveLength(HTML_CHART_BARS);
      expect(c1.bars.slice(0, -1).map(b => [b.repository, b.shownBytes])).toEqual(u1.slice(0, HTML_CHART_BARS - 1).map(u => [u.name, u.bytes.total]));
      const rest = u1.slice(HTML_CHART_BARS - 1);
      expect(c1.bars[HTML_CHART_BARS - 1]).toMatchObject({ repository: '', others: rest.length, label: `${rest.length} other repositories` });
      expect(c1.bars[HTML_CHART_BARS - 1].shownBytes).toBe(rest.reduce((n, u) => n + u.bytes.total, 0));

      // Usage tables: every repository of every registry, with the exact bytes shown.
      expect(r.usage.map(u => [u.target, u.repository, u.images, ...u.bytes])).toEqual(doc.targets.flatMap((t, i) => t.usage!.map(u => [
        i, u.name, u.images, u.bytes.standard, u.bytes.archive, u.notPulled30Days.bytes, u.notPulled90Days.bytes,
      ])));

      // Findings: the count per rule shown equals the document's, and one row per finding.
      expect(Object.fromEntries(Object.entries(r.rules).filter(([, n]) => n > 0))).toEqual(doc.summary.findingsByRule);
      expect(Object.keys(r.rules)).toEqual(doc.rules.map(x => x.id));
      expect(r.findingRows).toHaveLength(doc.summary.findings);
      expect(r.findingRows.filter(f => f.resource === EVIL_NAME).map(f => f.rule).sort()).toEqual(
        doc.targets[0].findings.filter(f => f.resourceName === EVIL_NAME).map(f => f.ruleId).sort());
      expect(r.drift.note).toBe('Not compared: run with --assembly cdk.out to compare the registry with the app that declares it.');
    } finally {
      await opened.close();
    }
  });

  test('HTML in a repository name, a tag and a policy text is text in the DOM, never an element', async () => {
    const opened = await open(withDrift());
    try {
      const r = await readRenderedPage(opened.page);
      expect(r.elements).toEqual({ script: 0, img: 0, injected: 0, bold: 0 });
      const evil = r.repositoryRows.find(x => x.name === EVIL_NAME)!;
      expect(evil.tags).toBe(`owner=${EVIL_TAG}`);
      expect(r.repositoryRows.find(x => x.name === 'team/api')!.lifecyclePolicy).toContain(JSON.stringify(EVIL_POLICY_DESCRIPTION).slice(1, -1));
      expect(r.usage.filter(u => u.repository === EVIL_NAME)).toHaveLength(1);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  test('drift: the counts, the stacks and a row per entry of the document', async () => {
    const doc = withDrift();
    const entries = doc.targets[0].drift!.entries;
    // What the fixture's app declares against the live fixture: each kind the page must show.
    expect(entries.filter(e => e.kind !== 'notComparable').map(e => [e.kind, e.name])).toEqual(expect.arrayContaining([
      ['missing', 'team/gone'], ['unmanaged', EVIL_NAME], ['differs', 'team/api'],
    ]));
    const opened = await open(doc);
    try {
      expect(opened.errors).toEqual([]);
      const r = await readRenderedPage(opened.page);
      expect(r.drift.note).toBeNull();
      expect(r.drift.rows).toEqual(doc.targets.flatMap(t => t.drift!.entries).map(e => ({ kind: e.kind, name: e.name ?? '-', property: e.property ?? '-' })));
      expect(r.drift.counts).toEqual(doc.drift!.counts);
      expect(r.drift.stacks).toEqual(['Registry']);
      // The second registry: no stack declares anything there, so its 25 repositories are unmanaged.
      expect(doc.targets[1].drift!.summary).toMatchObject({ declared: 0, unmanaged: 25 });
      expect(r.elements).toEqual({ script: 0, img: 0, injected: 0, bold: 0 });
    } finally {
      await opened.close();
    }
  });

  test('the harness sees what a page would fetch: a request without the policy, a console error with it', async () => {
    // The zero-request assertions above can fail: a page that loads an image is caught both ways.
    const noPolicy = path.join(dir, 'fetches.html');
    writeFileSync(noPolicy, '<!DOCTYPE html><html><body><img src="http://registry.example.invalid/logo.png"></body></html>');
    const a = await openFile(browser!, noPolicy);
    await a.close();
    expect(a.requests).toEqual([pathToFileURL(noPolicy).href, 'http://registry.example.invalid/logo.png']);
    // ... and it never reached a network (offline flags and emulation).
    expect(a.errors.join('\n')).toMatch(/ERR_INTERNET_DISCONNECTED|ERR_NAME_NOT_RESOLVED|ERR_PROXY/);

    const withPolicy = path.join(dir, 'fetches-csp.html');
    writeFileSync(withPolicy, renderHtml(fixtureDocument()).replace('</body>', '<img src="http://registry.example.invalid/logo.png"></body>'));
    const b = await openFile(browser!, withPolicy);
    await b.close();
    expect(b.errors.join('\n')).toMatch(/violates the following Content Security Policy directive: "img-src data:"/);
  });
});
