/** Shared helpers for the benchmark suite. */

/** One table of results. */
export interface BenchSection {
  readonly title: string;
  readonly columns: string[];
  readonly rows: Array<Array<string | number>>;
  /** Lines printed under the table: targets met or missed, what was measured. */
  readonly notes?: string[];
}

/** Print a section as an aligned table. */
export function printSection(section: BenchSection, elapsedMs: number): void {
  const cells = [section.columns, ...section.rows.map(r => r.map(c => typeof c === 'number' ? fmt(c) : c))];
  const widths = section.columns.map((_, i) => Math.max(...cells.map(r => String(r[i] ?? '').length)));
  console.log(`\n## ${section.title}  (section took ${(elapsedMs / 1000).toFixed(1)} s)`);
  cells.forEach((r, idx) => {
    console.log('| ' + r.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ') + ' |');
    if (idx === 0) {
      console.log('|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|');
    }
  });
  for (const n of section.notes ?? []) {
    console.log(`  ${n}`);
  }
}

function fmt(n: number): string {
  if (Number.isInteger(n)) {
    return n.toLocaleString('en-US');
  }
  return n.toFixed(Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Time a synchronous function: median of `runs` runs in milliseconds. */
export function timeMs(fn: () => void, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** A section as Markdown for bench/README.md: heading, table, notes as a list. */
export function sectionMarkdown(section: BenchSection, elapsedMs: number): string {
  const cells = [section.columns, ...section.rows.map(r => r.map(c => typeof c === 'number' ? fmt(c) : String(c ?? '')))]
    .map(r => r.map(c => c.replace(/\|/g, '\\|')));
  const widths = section.columns.map((_, i) => Math.max(3, ...cells.map(r => (r[i] ?? '').length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ') + ' |';
  return [
    `## ${section.title}`,
    '',
    `(this section took ${(elapsedMs / 1000).toFixed(1)} s)`,
    '',
    line(cells[0]),
    '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|',
    ...cells.slice(1).map(line),
    '',
    ...(section.notes ?? []).map(n => (n.startsWith('  ') ? `  - ${n.trim()}` : `- ${n}`)),
    '',
  ].join('\n');
}
