import { Finding } from './audit';
import { FailOn, RegistryReport, TargetReport } from './report';
import { kindOf, kinds } from '../model/kind-list';
import { ReadGap } from '../model/settings';
import { escapeTerminal } from '../private/escape';

/** A part's words, from the kind that reads it. */
function partWords(part: string): string {
  return kinds().flatMap(k => k.parts).find(p => p.part === part)?.words ?? part;
}

function label(t: TargetReport): string {
  return `${t.account ?? t.target.account ?? '(default account)'} ${t.region}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function table(raw: string[][]): string[] {
  // Cells hold names from the registry: escaped before their widths are measured.
  const rows = raw.map(r => r.map(cell => escapeTerminal(cell)));
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)));
  return rows.map(r => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** Gaps of a target, one line per part and reason (with the number of repositories concerned). */
function gapLines(t: TargetReport): string[] {
  const groups = new Map<string, { gap: ReadGap; repositories: number }>();
  for (const g of t.gaps) {
    const key = `${g.part}\u0000${g.action}\u0000${g.code ?? ''}`;
    const group = groups.get(key) ?? { gap: g, repositories: 0 };
    if (g.repository !== undefined) {
      group.repositories++;
    }
    groups.set(key, group);
  }
  return [...groups.values()].map(({ gap, repositories }) =>
    `  ${label(t)}: ${partWords(gap.part)}${repositories > 0 ? ` of ${plural(repositories, 'repository', 'repositories')}` : ''} not read (${gap.action}): ${gap.reason}`);
}

/** Bytes for people: binary units (GiB is the GB AWS bills storage by). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function dollars(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** The usage section: a row per repository, largest first, then the prices used. */
function usageLines(report: RegistryReport): string[] {
  const prices = report.prices!;
  const rows = report.targets.flatMap(t => (t.usage ?? []).map(u => ({ t, u })))
    .sort((a, b) => b.u.bytes.total - a.u.bytes.total || a.u.name.localeCompare(b.u.name));
  const out = ['', 'Storage by repository (largest first)', ''];
  out.push(...table([
    ['REPOSITORY', 'IMAGES', 'STANDARD', 'ARCHIVE', 'NOT PULLED 30D', 'NOT PULLED 90D', 'LIFECYCLE EXPIRES', 'LIFECYCLE ARCHIVES', 'PROTECTED (RESOURCES)',
      'COST/MONTH', 'FREED/MONTH'],
    ...rows.map(({ t, u }) => [
      report.targets.length > 1 ? `${label(t)} ${u.name}` : u.name,
      String(u.images),
      formatBytes(u.bytes.standard),
      formatBytes(u.bytes.archive),
      formatBytes(u.notPulled30Days.bytes),
      formatBytes(u.notPulled90Days.bytes),
      u.lifecycle ? `${u.lifecycle.expire.images} (${formatBytes(u.lifecycle.expire.bytes)})` : u.lifecycleError ? 'error' : 'no policy',
      u.lifecycle ? `${u.lifecycle.archive.images} (${formatBytes(u.lifecycle.archive.bytes)})` : '-',
      `${u.protection.images} (${formatBytes(u.protection.bytes)}) by ${u.protection.resources}`,
      dollars(u.monthlyCost),
      dollars(u.monthlyCostFreed),
    ]),
  ]));
  for (const { u } of rows.filter(r => r.u.error !== null || r.u.lifecycleError !== null)) {
    out.push(`  ${u.name}: ${u.error ?? `lifecycle preview: ${u.lifecycleError}`}`);
  }
  out.push('', `Prices: standard $${prices.standardPerGbMonth}, archive $${prices.archivePerGbMonth} per GB-month (${prices.region}, ${prices.asOf}, ${prices.source})`);
  return out;
}

const DRIFT_WORDS: Record<string, string> = {
  missing: 'missing',
  unmanaged: 'unmanaged',
  differs: 'differs',
  notComparable: 'not comparable',
};

/** The drift section: the stacks and what they were compared with, then an entry a line, by registry. */
function driftLines(report: RegistryReport, failOnDrift: boolean): string[] {
  const entries = report.driftEntries;
  const count = (kind: string) => entries.filter(e => e.kind === kind).length;
  const out = ['', `Drift against ${report.declared!.assembly}: ${count('missing')} missing, ${count('unmanaged')} unmanaged, `
    + `${count('differs')} differing, ${count('notComparable')} not comparable`
    + `${failOnDrift ? (report.hasDrift ? ' - fails --fail-on-drift' : ' - passes --fail-on-drift') : ''}`];
  for (const m of report.stackMatches) {
    const where = `${m.stack.account ?? 'any account'}/${m.stack.region ?? 'any region'}`;
    out.push(`  stack ${m.stack.displayName} (${where})${m.note ? `: ${m.note}` : ''}`);
  }
  for (const t of report.targets) {
    if (!t.drift) {
      continue;
    }
    const s = t.drift.summary;
    out.push('', `${label(t)}: ${s.declared} declared, ${s.live} live, ${s.clean} clean`);
    for (const e of t.drift.entries) {
      const what = `${kindOf(e.resource)?.words.drift ?? e.resource}${e.name !== undefined ? ` ${e.name}` : e.logicalId !== undefined ? ` ${e.stack}/${e.logicalId}` : ''}`;
      out.push(`  ${DRIFT_WORDS[e.kind].padEnd(14)} ${what}${e.property !== undefined ? ` ${e.property}` : ''}: ${e.reason}`);
    }
  }
  return out;
}

/**
 * The terminal summary: totals first, a line per registry, then the findings by rule, then what
 * could not be read.
 */
export function renderText(report: RegistryReport, failOn: FailOn, failOnDrift = false): string {
  const findings = report.findings;
  const errors = findings.filter(f => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const repositories = report.targets.reduce((n, t) => n + (t.model?.repositories.length ?? 0), 0);
  const gaps = report.targets.reduce((n, t) => n + gapLines(t).length, 0);
  const failed = report.targets.filter(t => t.status === 'failed').length;
  const out: string[] = [];
  out.push(`${plural(report.targets.length, 'registry', 'registries')}${failed ? ` (${failed} not read)` : ''}, ${plural(repositories, 'repository', 'repositories')}: `
    + `${plural(findings.length, 'finding')} (${errors} error, ${warnings} warning)`
    + `${gaps ? `, ${plural(gaps, 'part')} not read` : ''}`
    + `${failOn === 'none' ? '' : report.exceeds(failOn) ? ` - at or above --fail-on ${failOn}` : ` - none at or above --fail-on ${failOn}`}`);
  out.push('');
  out.push(...table([
    ['REGISTRY', 'STATUS', 'REPOSITORIES', 'ERRORS', 'WARNINGS', 'NOT READ', 'CALLS', 'TIME'],
    ...report.targets.map(t => [
      label(t),
      t.status,
      String(t.model?.repositories.length ?? '-'),
      String(t.findings.filter(f => f.severity === 'error').length),
      String(t.findings.filter(f => f.severity === 'warning').length),
      String(gapLines(t).length),
      String(Object.values(t.calls).reduce((a, b) => a + b, 0)),
      seconds(t.durationMs),
    ]),
  ]));
  for (const t of report.targets.filter(x => x.status === 'failed')) {
    out.push(`  ${label(t)}: not read: ${t.error}`);
  }
  if (findings.length > 0) {
    out.push('', 'Findings by rule');
    for (const rule of report.rules) {
      const mine: { t: TargetReport; f: Finding }[] = report.targets.flatMap(t => t.findings.filter(f => f.ruleId === rule.id).map(f => ({ t, f })));
      if (mine.length === 0) {
        continue;
      }
      out.push('', `${rule.id} (${rule.severity}, ${mine.length}): ${rule.title}`);
      for (const { t, f } of mine) {
        out.push(`  ${label(t)}  ${f.resourceName}: ${f.message}`);
      }
    }
  }
  if (report.prices) {
    out.push(...usageLines(report));
  }
  if (report.declared) {
    out.push(...driftLines(report, failOnDrift));
  }
  const notRead = report.targets.flatMap(gapLines);
  if (notRead.length > 0) {
    out.push('', 'Not read (the rules that need these parts were not applied to them)', ...notRead);
  }
  out.push('');
  // One entry a line: a value's line break, escape sequence or bidi control cannot forge or hide a line.
  return out.map(line => escapeTerminal(line)).join('\n');
}
