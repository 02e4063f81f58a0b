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

/** The registry-level resource types printed in their own section (not counted in "other resources"). */
const REGISTRY_TYPES = new Set([
  'AWS::ECR::RegistryScanningConfiguration',
  'AWS::ECR::ReplicationConfiguration',
  'AWS::ECR::RegistryPolicy',
  'AWS::ECR::PullThroughCacheRule',
  'AWS::ECR::RepositoryCreationTemplate',
]);

function list(v: unknown): any[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function arnTail(v: unknown): string {
  const s = typeof v === 'string' ? v : (v as any)?.['Fn::Join'] ? ((v as any)['Fn::Join'][1] as unknown[]).map(x => (typeof x === 'string' ? x : '')).join('') : str(v);
  const i = s.indexOf(':repository/');
  return i >= 0 ? s.slice(i + 1) : s;
}

/** One line per registry-level setting of a template. */
function registrySummary(resources: Array<[string, any]>): string[] {
  const lines: string[] = [];
  for (const [, res] of resources) {
    const p = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::ECR::RegistryScanningConfiguration':
        lines.push(`scanning: ${str(p.ScanType)}` + (list(p.Rules).length === 0 ? ' (manual scans only)'
          : ' - ' + list(p.Rules).map((r: any) => `${str(r.ScanFrequency)} on ${list(r.RepositoryFilters).map((f: any) => str(f.Filter)).join(', ')}`).join('; ')));
        break;
      case 'AWS::ECR::ReplicationConfiguration':
        for (const [i, r] of list(p.ReplicationConfiguration?.Rules).entries()) {
          const to = list(r.Destinations).map((d: any) => `${str(d.RegistryId)}/${str(d.Region)}`).join(', ');
          const filters = list(r.RepositoryFilters).map((f: any) => `${str(f.Filter)}*`).join(', ') || 'every repository';
          lines.push(`replication rule ${i + 1}: ${filters} -> ${to}`);
        }
        break;
      case 'AWS::ECR::RegistryPolicy':
        for (const st of list(p.PolicyText?.Statement)) {
          const principal = arnTail(st.Principal?.AWS).replace(/^.*:iam::(\d{12}):root$/, '$1');
          lines.push(`registry policy: ${principal} may ${list(st.Action).join(', ')} on ${list(st.Resource).map(arnTail).join(', ')}`);
        }
        break;
      case 'AWS::ECR::PullThroughCacheRule':
        lines.push(`pull-through cache: ${str(p.EcrRepositoryPrefix)}/ <- ${str(p.UpstreamRegistryUrl)} (${str(p.UpstreamRegistry)})`
          + (p.CredentialArn ? ', credentials from Secrets Manager' : '') + (p.CustomRoleArn ? ', custom role' : ''));
        break;
      case 'AWS::ECR::RepositoryCreationTemplate': {
        const enc = p.EncryptionConfiguration;
        const lifecycle = typeof p.LifecyclePolicy === 'string' ? lifecycleSummary({ LifecyclePolicy: { LifecyclePolicyText: p.LifecyclePolicy } }) : 'none';
        lines.push(`creation template ${str(p.Prefix)} [${list(p.AppliedFor).join(', ')}]: ${str(p.ImageTagMutability ?? 'MUTABLE')}, `
          + `${str(enc?.EncryptionType ?? 'AES256')}${enc?.KmsKey ? ' (customer key)' : ''}, lifecycle ${lifecycle}`
          + `${p.ResourceTags ? `, ${list(p.ResourceTags).length} tag(s)` : ''}${p.CustomRoleArn ? ', role' : ''}`);
        break;
      }
    }
  }
  return lines;
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
      } else if (!REGISTRY_TYPES.has(res.Type)) {
        others.set(res.Type, (others.get(res.Type) ?? 0) + 1);
      }
    }
    repoTotal += repos.length;
    console.log(`Stack ${name} (${artifact.environment}): ${resources.length} resources`);
    console.log(table(repos));
    const registry = registrySummary(resources);
    if (registry.length > 0) {
      console.log('  registry settings:');
      for (const line of registry) {
        console.log(`    ${line}`);
      }
    }
    const rest = [...others.entries()].sort(([a], [b]) => a.localeCompare(b));
    if (rest.length > 0) {
      console.log('  other resources: ' + rest.map(([t, n]) => `${t} x${n}`).join(', '));
    }
    console.log('');
  }
  console.log(`${repoTotal} repositories synthesized to ${dir}/`);
}

main();
