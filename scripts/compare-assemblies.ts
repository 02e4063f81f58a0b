/**
 * Compares the stack templates of two cloud assemblies, ignoring metadata
 * (resource `Metadata`, the `CDKMetadata` resource and its condition), which records
 * construct paths and the synthesizing language rather than what gets deployed.
 *
 * Usage: tsx scripts/compare-assemblies.ts <cdk.out A> <cdk.out B>
 * Exits 1 and prints the first differences when any stack differs or is missing.
 */
import * as fs from 'fs';
import * as path from 'path';

function templates(dir: string): Map<string, any> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const out = new Map<string, any>();
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      out.set(id, JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8')));
    }
  }
  return out;
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
  const a = templates(dirA);
  const b = templates(dirB);
  const problems: string[] = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    if (!a.has(id) || !b.has(id)) {
      problems.push(`stack ${id} only in ${a.has(id) ? dirA : dirB}`);
      continue;
    }
    const out: string[] = [];
    diff(normalize(a.get(id)), normalize(b.get(id)), id, out);
    problems.push(...out);
    if (out.length === 0) {
      const n = Object.keys(normalize(a.get(id)).Resources ?? {}).length;
      console.log(`  ${id}: identical (${n} resources)`);
    }
  }
  if (problems.length > 0) {
    console.error(`templates differ:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${a.size} stack templates identical between ${dirA} and ${dirB} (metadata ignored)`);
}

main();
