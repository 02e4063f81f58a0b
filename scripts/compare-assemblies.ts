/**
 * Compares the stack templates of two cloud assemblies, ignoring metadata
 * (resource `Metadata`, the `CDKMetadata` resource and its condition), which records
 * construct paths and the synthesizing language rather than what gets deployed.
 *
 * Also compares what each stack reports at synth: its warnings, errors and acknowledged
 * rules (the stack's metadata entries other than creation stacks, without stack traces),
 * so that a translation that drops an acknowledgement is caught too.
 *
 * Usage: tsx scripts/compare-assemblies.ts <cdk.out A> <cdk.out B>
 * Exits 1 and prints the first differences when any stack differs or is missing.
 */
import * as fs from 'fs';
import * as path from 'path';

interface StackOutput {
  readonly template: any;
  /** `<construct path> <type> <data>` per metadata entry, sorted (creation stacks and traces left out). */
  readonly reports: string[];
}

function stacks(dir: string): Map<string, StackOutput> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const out = new Map<string, StackOutput>();
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
      out.set(id, { template, reports: reports(dir, id, artifact) });
    }
  }
  return out;
}

function reports(dir: string, id: string, artifact: any): string[] {
  const file = path.join(dir, `${id}.metadata.json`);
  const metadata: Record<string, Array<{ type: string; data?: unknown }>> = artifact.metadata
    ?? (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
  return Object.entries(metadata)
    .flatMap(([at, entries]) => entries
      .filter(e => e.type !== 'aws:cdk:creationStack')
      .map(e => `${at} ${e.type} ${JSON.stringify(e.data)}`))
    .sort();
}

function normalize(template: any): any {
  const t = JSON.parse(JSON.stringify(template));
  for (const [id, res] of Object.entries<any>(t.Resources ?? {})) {
    if (res.Type === 'AWS::CDK::Metadata') {
      delete t.Resources[id];
      continue;
    }
    delete res.Metadata;
  }
  if (t.Conditions) {
    delete t.Conditions.CDKMetadataAvailable;
    if (Object.keys(t.Conditions).length === 0) {
      delete t.Conditions;
    }
  }
  return t;
}

function diff(a: any, b: any, at: string, out: string[]): void {
  if (out.length >= 20) {
    return;
  }
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== 'object') {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(`${at}: ${JSON.stringify(a)?.slice(0, 120)} != ${JSON.stringify(b)?.slice(0, 120)}`);
    }
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of [...keys].sort()) {
    diff(a[k], b[k], `${at}/${k}`, out);
  }
}

function main(): void {
  const [dirA, dirB] = process.argv.slice(2);
  if (!dirA || !dirB) {
    console.error('usage: compare-assemblies <cdk.out A> <cdk.out B>');
    process.exit(2);
  }
  const a = stacks(dirA);
  const b = stacks(dirB);
  const problems: string[] = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    if (!a.has(id) || !b.has(id)) {
      problems.push(`stack ${id} only in ${a.has(id) ? dirA : dirB}`);
      continue;
    }
    const [sa, sb] = [a.get(id)!, b.get(id)!];
    const out: string[] = [];
    diff(normalize(sa.template), normalize(sb.template), id, out);
    const onlyA = sa.reports.filter(r => !sb.reports.includes(r));
    const onlyB = sb.reports.filter(r => !sa.reports.includes(r));
    out.push(...onlyA.map(r => `${id}: reported only in ${dirA}: ${r.slice(0, 200)}`));
    out.push(...onlyB.map(r => `${id}: reported only in ${dirB}: ${r.slice(0, 200)}`));
    problems.push(...out);
    if (out.length === 0) {
      const n = Object.keys(normalize(sa.template).Resources ?? {}).length;
      console.log(`  ${id}: identical (${n} resources, ${sa.reports.length} warnings, errors, acknowledgements and logical ids reported)`);
    }
  }
  if (problems.length > 0) {
    console.error(`templates differ:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${a.size} stack templates identical between ${dirA} and ${dirB} (resource metadata ignored), and the same synth reports`);
}

main();
