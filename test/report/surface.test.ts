/**
 * The public surface of `lib/report` is an explicit list: the names src/report/index.ts exports,
 * the names docs/report.md lists ("The library's names") and the values the module has at run time
 * are one and the same list; no `export *` anywhere in the report; the live entry exports every name
 * of the full one but the template readers.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as full from '../../src/report';
import * as live from '../../src/report/live';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Names an index exports: `{ values, types }`, from its `export { ... }` and `export type { ... }` lists. */
function exportsOf(file: string): { values: string[]; types: string[] } {
  const text = read(file);
  const values: string[] = [];
  const types: string[] = [];
  for (const m of text.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    const names = m[2].split(',').map(n => n.trim().split(/\s+as\s+/).pop()!).filter(n => n.length > 0);
    (m[1] ? types : values).push(...names);
  }
  return { values: values.sort(), types: types.sort() };
}

/** The names docs/report.md lists in "The library's names". */
function documented(): string[] {
  const doc = read('docs/report.md');
  const start = doc.indexOf("## The library's names");
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const rows = section.split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| what'));
  return rows.flatMap(r => [...r.split('|')[2].matchAll(/`(\w+)`/g)].map(m => m[1])).sort();
}

const TEMPLATE_SIDE = ['TemplateItem', 'TemplateModel', 'TemplateSubject', 'modelFromTemplate', 'readAssembly'];

describe("lib/report's public surface", () => {
  const index = exportsOf('src/report/index.ts');
  const liveExports = exportsOf('src/report/live.ts');

  test('is the list docs/report.md documents, name for name', () => {
    expect(documented()).toEqual([...index.values, ...index.types].sort());
  });

  test('has at run time exactly the values it lists (no helper leaks in)', () => {
    expect(Object.keys(full).sort()).toEqual(index.values);
    expect(Object.keys(full)).not.toEqual(expect.arrayContaining(['compareValues', 'hasToken', 'foldKnown', 'toolVersion', 'driftEntryJson', 'formatBytes']));
  });

  test('the live entry has every name but the template side', () => {
    const all = [...index.values, ...index.types].sort();
    expect([...liveExports.values, ...liveExports.types].sort()).toEqual(all.filter(n => !TEMPLATE_SIDE.includes(n)));
    expect(Object.keys(live).sort()).toEqual(liveExports.values);
  });

  test('no report module re-exports with export *', () => {
    const files = fs.readdirSync(path.join(ROOT, 'src/report'), { recursive: true }) as string[];
    const star = files.filter(f => f.endsWith('.ts') && /^export \* from/m.test(read(path.join('src/report', f))));
    expect(star).toEqual([]);
  });
});
