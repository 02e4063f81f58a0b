import type { AuditTarget } from './contract';
import { escapeHtml, HTML_CSP } from '../../report/live';

/** What one target's read came to (`runs/<runId>/targets/<account>/<region>/summary.json`). */
export interface TargetSummary {
  readonly account: string;
  readonly region: string;
  readonly status: 'complete' | 'partial' | 'failed';
  readonly error?: string;
  readonly repositories: number;
  readonly findings: number;
  readonly findingsByRule: Record<string, number>;
  /** Parts that could not be read. */
  readonly gaps: number;
  /** Stored bytes (with usage). */
  readonly bytes: number;
  /** Storage cost per month, USD (with usage). */
  readonly monthlyCost: number;
  readonly largestRepositories: Array<{ name: string; bytes: number; monthlyCost: number }>;
  /** Findings imported into Security Hub (resolved ones included). */
  readonly imported: number;
  readonly resolved: number;
  /** Why the Security Hub import failed (the findings are imported again next run). */
  readonly importError?: string;
  /** API calls by action. */
  readonly calls: Record<string, number>;
  readonly durationMs: number;
}

/** The organization's summary of one run (`runs/<runId>/summary.json`). */
export interface OrganizationSummary {
  readonly runId: string;
  readonly generatedAt: string;
  readonly targets: {
    readonly planned: number;
    readonly complete: number;
    readonly partial: number;
    readonly failed: number;
    /** Failed, or no summary at all (the worker did not finish). */
    readonly notRead: number;
  };
  readonly notRead: Array<{ account: string; region: string; reason: string }>;
  readonly importErrors: Array<{ account: string; region: string; error: string }>;
  readonly repositories: number;
  readonly findings: number;
  readonly findingsByRule: Record<string, number>;
  readonly findingsByAccount: Record<string, number>;
  readonly costByAccount: Record<string, { bytes: number; monthlyCost: number }>;
  /** The largest registries (account and region), largest first. */
  readonly largestRegistries: Array<{ account: string; region: string; bytes: number; monthlyCost: number; repositories: number }>;
  readonly calls: number;
}

/** How many of the largest registries the summary lists. */
export const LARGEST = 20;

const sortedRecord = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));

/** The organization's summary from each target's (targets planned without a summary are not read). */
export function organizationSummary(
  runId: string, at: Date, planned: readonly AuditTarget[], summaries: readonly TargetSummary[],
): OrganizationSummary {
  const by = new Map(summaries.map(s => [`${s.account}/${s.region}`, s]));
  const notRead: OrganizationSummary['notRead'] = [];
  for (const t of planned) {
    const s = by.get(`${t.account}/${t.region}`);
    if (!s) {
      notRead.push({ account: t.account, region: t.region, reason: 'no result: the worker did not finish (see the state machine execution)' });
    } else if (s.status === 'failed') {
      notRead.push({ account: t.account, region: t.region, reason: s.error ?? 'failed' });
    }
  }
  const findingsByRule: Record<string, number> = {};
  const findingsByAccount: Record<string, number> = {};
  const costByAccount: Record<string, { bytes: number; monthlyCost: number }> = {};
  for (const s of summaries) {
    for (const [rule, n] of Object.entries(s.findingsByRule)) {
      findingsByRule[rule] = (findingsByRule[rule] ?? 0) + n;
    }
    findingsByAccount[s.account] = (findingsByAccount[s.account] ?? 0) + s.findings;
    const c = costByAccount[s.account] ??= { bytes: 0, monthlyCost: 0 };
    c.bytes += s.bytes;
    c.monthlyCost += s.monthlyCost;
  }
  const largest = [...summaries].sort((a, b) => b.bytes - a.bytes || a.account.localeCompare(b.account) || a.region.localeCompare(b.region))
    .slice(0, LARGEST)
    .map(s => ({ account: s.account, region: s.region, bytes: s.bytes, monthlyCost: s.monthlyCost, repositories: s.repositories }));
  return {
    runId,
    generatedAt: at.toISOString(),
    targets: {
      planned: planned.length,
      complete: summaries.filter(s => s.status === 'complete').length,
      partial: summaries.filter(s => s.status === 'partial').length,
      failed: summaries.filter(s => s.status === 'failed').length,
      notRead: notRead.length,
    },
    notRead: notRead.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region)),
    importErrors: summaries.filter(s => s.importError !== undefined).map(s => ({ account: s.account, region: s.region, error: s.importError! })),
    repositories: summaries.reduce((n, s) => n + s.repositories, 0),
    findings: summaries.reduce((n, s) => n + s.findings, 0),
    findingsByRule: sortedRecord(findingsByRule),
    findingsByAccount: sortedRecord(findingsByAccount),
    costByAccount: sortedRecord(costByAccount),
    largestRegistries: largest,
    calls: summaries.reduce((n, s) => n + Object.values(s.calls).reduce((a, b) => a + b, 0), 0),
  };
}

const GB = 1024 ** 3;
const gb = (bytes: number) => (bytes / GB).toFixed(2);
const usd = (n: number) => `$${n.toFixed(2)}`;

function rows(headers: string[], body: Array<Array<string | number>>): string {
  const head = `<tr>${headers.map(h => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const cells = body.map(r => `<tr>${r.map(c => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${cells || `<tr><td colspan="${headers.length}">none</td></tr>`}\n</table>`;
}

/** The summary as one self-contained page (no script, nothing fetched: the report page's CSP). */
export function summaryHtml(s: OrganizationSummary): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(HTML_CSP)}">
<title>ECR organization audit ${escapeHtml(s.runId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style>
</head><body>
<h1>ECR organization audit</h1>
<p>Run ${escapeHtml(s.runId)}, ${escapeHtml(s.generatedAt)}: ${s.targets.planned} registries planned, ${s.targets.complete} complete, ${s.targets.partial} partial, ${s.targets.notRead} not read; ${s.repositories} repositories, ${s.findings} findings, ${s.calls} API calls.</p>
<h2>Not read</h2>
${rows(['account', 'region', 'reason'], s.notRead.map(n => [n.account, n.region, n.reason]))}
<h2>Largest registries</h2>
${rows(['account', 'region', 'repositories', 'GB', 'per month'], s.largestRegistries.map(r => [r.account, r.region, r.repositories, gb(r.bytes), usd(r.monthlyCost)]))}
<h2>Findings by rule</h2>
${rows(['rule', 'findings'], Object.entries(s.findingsByRule))}
<h2>Findings by account</h2>
${rows(['account', 'findings'], Object.entries(s.findingsByAccount))}
<h2>Cost by account</h2>
${rows(['account', 'GB', 'per month'], Object.entries(s.costByAccount).map(([a, c]) => [a, gb(c.bytes), usd(c.monthlyCost)]))}
<h2>Security Hub import errors</h2>
${rows(['account', 'region', 'error'], s.importErrors.map(e => [e.account, e.region, e.error]))}
</body></html>
`;
}
