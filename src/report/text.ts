import { Finding } from './audit';
import { FailOn, RegistryReport, TargetReport } from './report';
import { ReadGap } from '../compliance/model';

const PART_NAMES: Record<string, string> = {
  repositories: 'repositories',
  repositoryScanning: 'repository scanning frequency',
  lifecyclePolicies: 'lifecycle policies',
  repositoryPolicies: 'repository policies',
  tags: 'tags',
  registryScanning: 'registry scanning configuration',
  registryPolicy: 'registry policy',
  replication: 'replication configuration',
  pullThroughCacheRules: 'pull-through cache rules',
  creationTemplates: 'repository creation templates',
  accountSettings: 'account settings (registry policy scope)',
  signing: 'signing configuration',
};

function label(t: TargetReport): string {
  return `${t.account ?? t.target.account ?? '(default account)'} ${t.region}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function table(rows: string[][]): string[] {
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
    `  ${label(t)}: ${PART_NAMES[gap.part] ?? gap.part}${repositories > 0 ? ` of ${plural(repositories, 'repository', 'repositories')}` : ''} not read (${gap.action}): ${gap.reason}`);
}

/**
 * The terminal summary: totals first, a line per registry, then the findings by rule, then what
 * could not be read.
 */
export function renderText(report: RegistryReport, failOn: FailOn): string {
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
  const notRead = report.targets.flatMap(gapLines);
  if (notRead.length > 0) {
    out.push('', 'Not read (the rules that need these parts were not applied to them)', ...notRead);
  }
  out.push('');
  return out.join('\n');
}
