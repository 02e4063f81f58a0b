/**
 * Prints what a cloud assembly holds: per stack, the ECR repositories with their key
 * settings, and a count of every other ECR and registry-level resource.
 *
 * Usage: tsx scripts/summarize.ts [cdk.out]
 */
import * as fs from 'fs';
import * as path from 'path';

interface Row { [k: string]: string }

function str(v: unknown): string {
  if (v === undefined || v === null) {
    return '-';
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  if (typeof v === 'object' && v !== null && 'Ref' in v) {
    return `{Ref ${String((v as any).Ref)}}`;
  }
  if (typeof v === 'object' && v !== null && 'Fn::GetAtt' in v) {
    return `{GetAtt ${((v as any)['Fn::GetAtt'] as string[]).join('.')}}`;
  }
  return '(token)';
}

function table(rows: Row[]): string {
  if (rows.length === 0) {
    return '  (none)';
  }
  const cols = Object.keys(rows[0]);
  const widths = cols.map(c => Math.max(c.length, ...rows.map(r => (r[c] ?? '').length)));
  const line = (r: Row) => '  ' + cols.map((c, i) => (r[c] ?? '').padEnd(widths[i])).join('  ').trimEnd();
  const header: Row = Object.fromEntries(cols.map(c => [c, c]));
  return [line(header), '  ' + widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function lifecycleSummary(props: any): string {
  const text = props.LifecyclePolicy?.LifecyclePolicyText;
  if (typeof text !== 'string') {
    return text === undefined ? 'none' : '(token)';
  }
  const rules = JSON.parse(text).rules as any[];
  return `${rules.length} rule${rules.length === 1 ? '' : 's'}`;
}

function policySummary(props: any): string {
  const doc = props.RepositoryPolicyText;
  if (!doc) {
    return 'none';
  }
  const n = Array.isArray(doc.Statement) ? doc.Statement.length : 1;
  return `${n} statement${n === 1 ? '' : 's'}`;
}

function main(): void {
  const dir = process.argv[2] ?? 'cdk.out';
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  let repoTotal = 0;
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') {
      continue;
    }
    const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
    const resources = Object.entries<any>(template.Resources ?? {});
    const repos: Row[] = [];
    const others = new Map<string, number>();
    for (const [logicalId, res] of resources) {
      const p = res.Properties ?? {};
      if (res.Type === 'AWS::ECR::Repository') {
        repos.push({
          repository: str(p.RepositoryName ?? `(generated: ${logicalId})`),
          tags: str(p.ImageTagMutability ?? 'MUTABLE'),
          scanOnPush: str(p.ImageScanningConfiguration?.ScanOnPush ?? false),
          encryption: str(p.EncryptionConfiguration?.EncryptionType ?? 'AES256') + (p.EncryptionConfiguration?.KmsKey ? ' (customer key)' : ''),
          lifecycle: lifecycleSummary(p),
          policy: policySummary(p),
          removal: str(res.DeletionPolicy ?? 'Delete'),
        });
      } else {
        others.set(res.Type, (others.get(res.Type) ?? 0) + 1);
      }
    }
    repoTotal += repos.length;
    console.log(`Stack ${name} (${artifact.environment}): ${resources.length} resources`);
    console.log(table(repos));
    const rest = [...others.entries()].sort(([a], [b]) => a.localeCompare(b));
    if (rest.length > 0) {
      console.log('  other resources: ' + rest.map(([t, n]) => `${t} x${n}`).join(', '));
    }
    console.log('');
  }
  console.log(`${repoTotal} repositories synthesized to ${dir}/`);
}

main();
