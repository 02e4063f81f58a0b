/**
 * The benchmark suite: `npm run bench [-- <name-filter>]`.
 *
 * Every `bench/*.bench.ts` exports `run(): Promise<BenchSection>`; this script runs them in one
 * process run (each section may spawn child processes for isolation) and prints one table per section.
 * Figures are measured in this run on this machine; ratios compare measurements of the same run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BenchSection, printSection } from './lib';

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = fs.readdirSync(__dirname).filter(f => f.endsWith('.bench.ts')).sort();
  const sections: BenchSection[] = [];
  for (const f of files) {
    if (filter && !f.includes(filter)) {
      continue;
    }
    const mod = await import(path.join(__dirname, f));
    const t0 = Date.now();
    const section: BenchSection = await mod.run();
    printSection(section, Date.now() - t0);
    sections.push(section);
  }
  if (sections.length === 0) {
    console.error(`no benchmark matched ${filter ?? '(all)'}`);
    process.exit(2);
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
