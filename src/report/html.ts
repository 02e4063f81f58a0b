/**
 * The report as one self-contained HTML page (`report --html FILE`), rendered from the `--json`
 * document alone, so the page and the JSON cannot disagree.
 *
 * Self-contained: inline styles and an inline SVG chart, no script, font, image or link to load, and
 * a Content-Security-Policy that forbids a browser from fetching anything. Every string of the
 * document goes through one escaping template (`html`), so a repository name, a tag or a policy
 * text from the registry is text on the page, never markup.
 */
import type { Finding } from './audit';
import type { ReportJson, TargetJson } from './json';
import { formatBytes } from './text';
import type { RepositoryUsage } from './usage';

/** The page's Content-Security-Policy: nothing may be fetched; inline styles and `data:` images only. */
export const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Bars in a storage chart; more repositories than this share one last bar. */
export const HTML_CHART_BARS = 20;

/** Markup that is already safe (made by `html`). */
class Markup {
  constructor(public readonly text: string) {}
  public toString(): string {
    return this.text;
  }
}

/** Escape text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function part(v: Part): string {
  if (v === null || v === undefined || v === false) {
    return '';
  }
  if (v instanceof Markup) {
    return v.text;
  }
  if (Array.isArray(v)) {
    return v.map(part).join('');
  }
  return escapeHtml(String(v));
}

/** A template whose every value is escaped, except markup made by this template. */
function html(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0];
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1];
  });
  return new Markup(out);
}

const int = (n: number) => n.toLocaleString('en-US');
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;

function registryLabel(t: TargetJson): string {
  return `${t.account ?? t.target.account ?? '(default account)'} ${t.region}`;
}

/** Bytes for people, with the exact figure beside. */
function bytesCell(n: number): Markup {
  return html`<td class="num" data-bytes="${n}">${formatBytes(n)}<small>${int(n)} B</small></td>`;
}

function imagesAndBytes(v: { images: number; bytes: number }): Markup {
  return html`${int(v.images)} <span class="muted">(${formatBytes(v.bytes)})</span>`;
}

/** Long names are shortened in the chart (the full name is the bar's tooltip and in the tables). */
function shorten(name: string, max = 34): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}\u2026`;
}

interface Bar {
  readonly label: string;
  readonly repository: string | null;
  readonly standard: number;
  readonly archive: number;
  readonly images: number;
  readonly others: number;
}

/** The storage chart of one registry: a bar per repository, largest first, with its figure. */
function chart(usage: readonly RepositoryUsage[], id: string, registry: string): Markup {
  const top = usage.slice(0, usage.length > HTML_CHART_BARS ? HTML_CHART_BARS - 1 : HTML_CHART_BARS);
  const rest = usage.slice(top.length);
  const bars: Bar[] = top.map(u => ({
    label: u.name, repository: u.name, standard: u.bytes.standard, archive: u.bytes.archive, images: u.images, others: 0,
  }));
  if (rest.length > 0) {
    bars.push({
      label: `${int(rest.length)} other repositories`,
      repository: null,
      standard: rest.reduce((n, u) => n + u.bytes.standard, 0),
      archive: rest.reduce((n, u) => n + u.bytes.archive, 0),
      images: rest.reduce((n, u) => n + u.images, 0),
      others: rest.length,
    });
  }
  const total = usage.reduce((n, u) => n + u.bytes.total, 0);
  const max = Math.max(1, ...bars.map(b => b.standard + b.archive));
  const row = 24;
  const top0 = 8;
  const labelW = 230;
  const barW = 330;
  const height = top0 + bars.length * row + 8;
  const scale = (n: number) => Math.round((n / max) * barW * 10) / 10;
  const desc = `${int(usage.length)} repositories, ${formatBytes(total)} (${int(total)} bytes) in total. Largest first: `
    + bars.slice(0, 5).map(b => `${b.label} ${formatBytes(b.standard + b.archive)}`).join(', ') + (bars.length > 5 ? ', ...' : '.');
  return html`<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 780 ${height}" width="780" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">Storage by repository, ${registry}</title>
<desc id="${id}-desc">${desc}</desc>
${bars.map((b, i) => {
  const y = top0 + i * row;
  const w1 = scale(b.standard);
  const w2 = scale(b.archive);
  const bytes = b.standard + b.archive;
  return html`<g class="bar${b.others ? ' others' : ''}" data-repository="${b.repository ?? ''}" data-others="${b.others}" data-bytes="${bytes}" data-standard="${b.standard}" data-archive="${b.archive}" data-images="${b.images}">
<title>${b.label}: ${formatBytes(bytes)} (${int(bytes)} bytes), ${int(b.images)} images</title>
<text class="label" x="${labelW - 8}" y="${y + 15}" text-anchor="end">${shorten(b.label)}</text>
<rect class="standard" x="${labelW}" y="${y + 4}" width="${w1}" height="14"></rect>
<rect class="archive" x="${labelW + w1}" y="${y + 4}" width="${w2}" height="14"></rect>
<text class="figure" x="${labelW + w1 + w2 + 6}" y="${y + 15}">${formatBytes(bytes)} (${int(bytes)} bytes)</text>
</g>
`;
})}</svg>`;
}

function findingRow(t: TargetJson, f: Finding, many: boolean): Markup {
  return html`<tr data-rule="${f.ruleId}" data-severity="${f.severity}">
<td><span class="sev ${f.severity}">${f.severity}</span></td><td class="mono">${f.ruleId}</td>${many ? html`<td>${registryLabel(t)}</td>` : ''}
<td class="mono">${f.resourceName}</td><td>${f.message}</td><td class="mono small">${f.resource}</td></tr>
`;
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) {
    return '-';
  }
  return typeof v === 'string' ? v : JSON.stringify(v, null, 1);
}

function driftSection(doc: ReportJson): Markup {
  const drift = doc.drift;
  if (!drift) {
    return html`<section id="drift"><h2>Drift</h2><p class="note" id="drift-note">Not compared: run with <code>--assembly cdk.out</code> to compare the registry with the app that declares it.</p></section>`;
  }
  const many = doc.targets.length > 1;
  return html`<section id="drift"><h2>Drift</h2>
<p>Compared with the cloud assembly <code>${drift.assembly}</code>: <span data-count="missing">${int(drift.counts.missing)} missing</span>, <span data-count="unmanaged">${int(drift.counts.unmanaged)} unmanaged</span>, <span data-count="differs">${int(drift.counts.differs)} differing</span>, <span data-count="notComparable">${int(drift.counts.notComparable)} not comparable</span>.${drift.failOnDrift ? html` ${drift.exceedsFailOnDrift ? html`<span class="sev error">fails</span>` : html`<span class="status complete">passes</span>`} <code>--fail-on-drift</code>.` : ''}</p>
${drift.stacks.length === 0 ? '' : html`<table id="drift-stacks"><thead><tr><th>stack</th><th>environment</th><th class="num">repositories declared</th><th>compared with</th></tr></thead><tbody>
${drift.stacks.map(st => html`<tr><td class="mono">${st.displayName}</td><td class="mono">${st.account ?? '(any account)'} ${st.region ?? '(any region)'}</td><td class="num">${int(st.repositories)}</td><td>${st.targets.length === 0 ? html`<span class="muted">no registry read</span>` : st.targets.map((ti, k) => html`${k > 0 ? ', ' : ''}${doc.targets[ti] ? registryLabel(doc.targets[ti]) : String(ti)}`)}${st.note ? html`<br><span class="small muted">${st.note}</span>` : ''}</td></tr>
`)}</tbody></table>`}
${doc.targets.map((t, i) => {
  const d = t.drift;
  const head = many ? html`<h3>${registryLabel(t)}</h3>` : '';
  if (!d) {
    return html`${head}<p class="note">Not compared (the registry was not read).</p>`;
  }
  return html`${head}<p class="muted">${int(d.summary.declared)} declared, ${int(d.summary.live)} live, ${int(d.summary.clean)} clean.</p>
${d.entries.length === 0 ? html`<p>No drift.</p>` : html`<div class="scroll"><table class="drift" data-target="${i}"><thead><tr><th>kind</th><th>resource</th><th>name</th><th>property</th><th>declared</th><th>live</th><th>why</th></tr></thead><tbody>
${d.entries.map(e => html`<tr data-kind="${e.kind}"><td><span class="kind ${e.kind}">${e.kind}</span></td><td>${e.resource}</td><td class="mono">${e.name ?? '-'}</td><td class="mono">${e.property ?? '-'}</td><td><pre>${valueText(e.declared)}</pre></td><td><pre>${valueText(e.live)}</pre></td><td>${e.reason}${e.path ? html`<br><span class="muted small mono">${e.path}</span>` : ''}</td></tr>
`)}</tbody></table></div>`}`;
})}</section>`;
}

/** Images and bytes in-use protection tags keep, and the check resources holding them ('-' in a report before 1.4). */
function protectionCell(u: RepositoryUsage): Markup {
  const p = (u as Partial<RepositoryUsage>).protection;
  return p ? html`<td class="num" data-protected-images="${p.images}" data-protected-resources="${p.resources}">${imagesAndBytes(p)}${p.resources > 0
    ? html`<br><span class="muted small">${int(p.resources)} check resource${p.resources === 1 ? '' : 's'}</span>` : ''}</td>`
    : html`<td class="num">-</td>`;
}

function usageTable(t: TargetJson, i: number): Markup {
  const usage = t.usage ?? [];
  return html`<div class="scroll"><table class="usage" data-target="${i}"><thead><tr><th>repository</th><th class="num">images</th><th class="num">standard</th><th class="num">archive</th><th class="num">not pulled 30 d</th><th class="num">not pulled 90 d</th><th class="num">lifecycle expires</th><th class="num">lifecycle archives</th><th class="num">kept by protection tags</th><th class="num">cost / month</th><th class="num">freed / month</th></tr></thead><tbody>
${usage.map(u => html`<tr data-repository="${u.name}">
<td class="mono">${u.name}${u.error ? html`<br><span class="err small">${u.error}</span>` : ''}${u.lifecycleError ? html`<br><span class="err small">lifecycle preview: ${u.lifecycleError}</span>` : ''}</td>
<td class="num" data-images="${u.images}">${int(u.images)}</td>${bytesCell(u.bytes.standard)}${bytesCell(u.bytes.archive)}${bytesCell(u.notPulled30Days.bytes)}${bytesCell(u.notPulled90Days.bytes)}
<td class="num">${u.lifecycle ? imagesAndBytes(u.lifecycle.expire) : html`<span class="muted">${u.lifecycleError ? 'error' : 'no policy'}</span>`}</td>
<td class="num">${u.lifecycle ? imagesAndBytes(u.lifecycle.archive) : '-'}</td>
${protectionCell(u)}
<td class="num" data-usd="${u.monthlyCost}">${usd(u.monthlyCost)}</td><td class="num" data-usd="${u.monthlyCostFreed}">${usd(u.monthlyCostFreed)}</td></tr>
`)}</tbody></table></div>`;
}

function storageSection(doc: ReportJson): Markup {
  if (!doc.usage) {
    return html`<section id="storage"><h2>Storage and cost</h2><p class="note" id="usage-note">Storage not read: this report was made without <code>--usage</code> (<code>report --html</code> reads it unless the report was made elsewhere), so there is no chart.</p></section>`;
  }
  const u = doc.usage;
  const many = doc.targets.length > 1;
  return html`<section id="storage"><h2>Storage and cost</h2>
<dl class="totals">
<div><dt>images</dt><dd data-field="images">${int(u.images)}</dd></div>
<div><dt>stored</dt><dd data-field="bytes" data-bytes="${u.bytes.total}">${formatBytes(u.bytes.total)}<small>${int(u.bytes.total)} B</small></dd></div>
<div><dt>archive</dt><dd data-field="archiveBytes" data-bytes="${u.bytes.archive}">${formatBytes(u.bytes.archive)}</dd></div>
<div><dt>not pulled in 90 days</dt><dd data-field="notPulled90DaysBytes" data-bytes="${u.notPulled90DaysBytes}">${formatBytes(u.notPulled90DaysBytes)}</dd></div>
<div><dt>cost / month</dt><dd data-field="monthlyCost">${usd(u.monthlyCost)}</dd></div>
<div><dt>lifecycle frees / month</dt><dd data-field="monthlyCostFreed">${usd(u.monthlyCostFreed)}</dd></div>
</dl>
<p class="muted small">Prices: standard ${usd(u.prices.standardPerGbMonth)}, archive ${usd(u.prices.archivePerGbMonth)} per GB-month (GB = 2<sup>30</sup> bytes; ${u.prices.region}, ${u.prices.asOf}, ${u.prices.source}).</p>
${doc.targets.map((t, i) => html`<div class="target-usage" data-target="${i}">
<h3>${many ? registryLabel(t) : 'By repository, largest first'}</h3>
${t.usage === null ? html`<p class="note">Not read (${t.status}${t.error ? html`: ${t.error}` : ''}).</p>`
  : t.usage.length === 0 ? html`<p>No repositories.</p>`
    : html`<figure>${chart(t.usage, `chart-${i}`, registryLabel(t))}<figcaption><span class="swatch standard"></span> standard <span class="swatch archive"></span> archive${t.usage.length > HTML_CHART_BARS ? html` · the ${int(t.usage.length - HTML_CHART_BARS + 1)} smallest repositories share the last bar` : ''}</figcaption></figure>
${usageTable(t, i)}`}
</div>`)}</section>`;
}

function repositoriesSection(doc: ReportJson): Markup {
  const many = doc.targets.length > 1;
  return html`<section id="repositories"><h2>Repositories</h2>
${doc.targets.map((t, i) => html`${many ? html`<h3>${registryLabel(t)}</h3>` : ''}${t.repositories.length === 0 ? html`<p class="muted">None read.</p>` : html`<table class="repositories" data-target="${i}"><thead><tr><th>repository</th><th>tag mutability</th><th>scan on push</th><th>encryption</th><th>tags</th><th>lifecycle policy</th><th>repository policy</th></tr></thead><tbody>
${t.repositories.map(r => html`<tr data-repository="${r.name}"><td class="mono">${r.name}</td><td>${r.tagMutability ?? '-'}</td><td>${r.scanOnPush === null ? '-' : r.scanOnPush ? 'yes' : 'no'}</td><td>${r.encryption.type ?? '-'}${r.encryption.kmsKey ? html`<br><span class="mono small">${r.encryption.kmsKey}</span>` : ''}</td>
<td class="tags">${r.tags === null ? html`<span class="muted">not read</span>` : Object.entries(r.tags).map(([k, v]) => html`<span class="tag"><span class="k">${k}</span>=<span class="v">${v}</span></span> `)}</td>
<td>${r.lifecyclePolicy === null ? html`<span class="muted">none</span>` : html`<details><summary>policy</summary><pre class="policy">${r.lifecyclePolicy}</pre></details>`}</td>
<td>${r.policy === null ? html`<span class="muted">none</span>` : html`<details><summary>policy</summary><pre class="policy">${r.policy}</pre></details>`}</td></tr>
`)}</tbody></table>`}`)}</section>`;
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bg:#fff;--soft:#f4f6f8;--std:#2f6fb3;--arc:#9a7cc2;--err:#b42318;--warn:#b54708;--ok:#067647}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
.muted{color:var(--muted)}.small,small{font-size:12px}.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{margin:0;white-space:pre-wrap;word-break:break-all;max-width:46em}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600;font-size:12.5px}td.num,th.num{text-align:right;white-space:nowrap}td.num small,dd small{display:block;color:var(--muted)}
dl.totals{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}dl.totals div{background:var(--soft);border-radius:6px;padding:8px 12px;min-width:120px}
dt{font-size:12px;color:var(--muted)}dd{margin:0;font-size:18px;font-weight:600}
.sev,.kind,.status{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.sev.error,.status.failed,.kind.missing{background:var(--err)}.sev.warning,.status.partial,.kind.differs{background:var(--warn)}.status.complete{background:var(--ok)}
.kind.unmanaged{background:#6941c6}.kind.notComparable{background:var(--muted)}
.note{background:#fffaeb;border-left:4px solid var(--warn);padding:8px 12px}.err{color:var(--err)}
.tag{display:inline-block;background:var(--soft);border-radius:4px;padding:0 4px;margin:1px 0;font-family:ui-monospace,Menlo,monospace;font-size:12px}
svg.chart{max-width:100%;height:auto;font-size:12px}svg.chart .label{fill:var(--fg)}svg.chart .figure{fill:var(--muted)}
svg.chart rect.standard,.swatch.standard{fill:var(--std);background:var(--std)}svg.chart rect.archive,.swatch.archive{fill:var(--arc);background:var(--arc)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}figure{margin:8px 0}figcaption{font-size:12px;color:var(--muted)}
details summary{cursor:pointer;color:var(--std)}.scroll{overflow-x:auto}
`;

/**
 * The report as one self-contained HTML page (the `--html` page), from the `--json` document
 * (`reportToJson`). The page loads nothing: see `HTML_CSP`.
 */
export function renderHtml(doc: ReportJson): string {
  const s = doc.summary;
  const many = doc.targets.length > 1;
  const findings = doc.targets.flatMap(t => t.findings.map(f => ({ t, f })));
  const gaps = doc.targets.flatMap(t => t.gaps.map(g => ({ t, g })));
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${doc.tool.name} ${doc.tool.version}">
<title>ECR registry report ${doc.generatedAt}</title>
<style>${new Markup(STYLE)}</style>
</head>
<body>
<header>
<h1>ECR registry report</h1>
<p class="muted">Generated ${doc.generatedAt} by ${doc.tool.name} ${doc.tool.version} (report schema ${doc.schemaVersion}).</p>
</header>
<section id="summary"><h2>Summary</h2>
<dl class="totals">
<div><dt>registries</dt><dd data-field="targets">${int(s.targets)}</dd></div>
<div><dt>repositories</dt><dd data-field="repositories">${int(s.repositories)}</dd></div>
<div><dt>findings</dt><dd data-field="findings">${int(s.findings)}</dd></div>
<div><dt>errors</dt><dd data-field="errors">${int(s.findingsBySeverity.error)}</dd></div>
<div><dt>warnings</dt><dd data-field="warnings">${int(s.findingsBySeverity.warning)}</dd></div>
<div><dt>parts not read</dt><dd data-field="gaps">${int(s.gaps)}</dd></div>
</dl>
<p id="verdict">${doc.failOn === 'none' ? html`Findings do not fail the run (<code>--fail-on none</code>).`
  : s.exceedsFailOn ? html`<span class="sev error">fails</span> findings at or above <code>--fail-on ${doc.failOn}</code>.`
    : html`<span class="status complete">passes</span> no finding at or above <code>--fail-on ${doc.failOn}</code>.`}</p>
<table id="registries"><thead><tr><th>registry</th><th>status</th><th class="num">repositories</th><th class="num">findings</th><th class="num">parts not read</th><th class="num">calls</th><th class="num">time</th></tr></thead><tbody>
${doc.targets.map((t, i) => html`<tr data-target="${i}"><td class="mono">${registryLabel(t)}${t.target.roleArn ? html`<br><span class="small muted">via ${t.target.roleArn}</span>` : ''}</td><td><span class="status ${t.status}">${t.status}</span>${t.error ? html`<br><span class="err small">${t.error}</span>` : ''}</td><td class="num">${int(t.repositories.length)}</td><td class="num">${int(t.findings.length)}</td><td class="num">${int(t.gaps.length)}</td><td class="num">${int(Object.values(t.calls).reduce((a, b) => a + b, 0))}</td><td class="num">${(t.durationMs / 1000).toFixed(1)} s</td></tr>
`)}</tbody></table>
</section>
${storageSection(doc)}
<section id="findings"><h2>Findings</h2>
<table id="rules"><thead><tr><th>rule</th><th>severity</th><th class="num">findings</th><th>what it checks</th><th>controls</th></tr></thead><tbody>
${doc.rules.map(r => html`<tr data-rule="${r.id}"><td class="mono">${r.id}</td><td><span class="sev ${r.severity}">${r.severity}</span></td><td class="num count">${int(s.findingsByRule[r.id] ?? 0)}</td><td>${r.title}</td><td class="small">${r.controls}</td></tr>
`)}</tbody></table>
${findings.length === 0 ? html`<p id="no-findings">No findings.</p>` : html`<table id="findings-table"><thead><tr><th>severity</th><th>rule</th>${many ? html`<th>registry</th>` : ''}<th>resource</th><th>what the rule saw</th><th>ARN</th></tr></thead><tbody>
${findings.map(({ t, f }) => findingRow(t, f, many))}</tbody></table>`}
</section>
${driftSection(doc)}
${repositoriesSection(doc)}
<section id="gaps"><h2>Not read</h2>
${gaps.length === 0 ? html`<p>Every part of every registry was read.</p>` : html`<p class="muted">The rules that need these parts were not applied to them.</p><table id="gaps-table"><thead><tr><th>registry</th><th>part</th><th>repository</th><th>call</th><th>why</th></tr></thead><tbody>
${gaps.map(({ t, g }) => html`<tr><td class="mono">${registryLabel(t)}</td><td>${g.part}</td><td class="mono">${g.repository ?? '-'}</td><td class="mono">${g.action}</td><td>${g.reason}</td></tr>
`)}</tbody></table>`}
</section>
</body>
</html>
`;
  return page.text;
}
