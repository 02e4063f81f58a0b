/**
 * The built-in kinds, and what must agree with them: the report's JSON schema names every compared
 * kind, property and part; docs/report.md lists every call and permission the live read makes.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { BUILT_IN_KINDS, kindOf, kindOfCfnType } from '../../src/model/kind-list';

const ROOT = path.join(__dirname, '..', '..');
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'report.schema.json'), 'utf8'));
const compared = BUILT_IN_KINDS.filter(k => k.api !== undefined);

describe('the built-in kinds', () => {
  test('are the registry kinds this library models, each once, each CloudFormation type read by one kind', () => {
    expect(BUILT_IN_KINDS.map(k => k.kind)).toEqual([
      'repository', 'publicRepository', 'registryScanning', 'registryPolicy', 'replication', 'pullThroughCacheRule', 'creationTemplate',
      'accountSetting', 'signing', 'pullTimeExclusion',
    ]);
    const types = BUILT_IN_KINDS.flatMap(k => k.cfnTypes);
    expect(new Set(types).size).toBe(types.length);
    for (const k of BUILT_IN_KINDS) {
      expect(kindOf(k.kind)).toBe(k);
      k.cfnTypes.forEach(t => expect(kindOfCfnType(t)).toBe(k));
    }
    // Compared: every kind read live (ECR Public is not: it needs another SDK client).
    expect(compared.map(k => k.kind)).not.toContain('publicRepository');
  });

  test('a prefix or name kind has a key, a singleton has none; the rule subjects are the judged kinds', () => {
    for (const k of compared) {
      expect([k.kind, k.identity === 'singleton' ? k.keyOf === undefined : k.keyOf !== undefined]).toEqual([k.kind, true]);
    }
    expect(BUILT_IN_KINDS.filter(k => k.subject).map(k => k.kind)).toEqual(
      SCHEMA.$defs.target.properties.findings.items.properties.resourceKind.enum,
    );
  });

  test('the JSON schema names every compared kind, property and live part', () => {
    const entry = SCHEMA.$defs.driftEntry.properties;
    expect([...entry.resource.enum].sort()).toEqual(compared.map(k => k.kind).sort());
    const properties = [...new Set(compared.flatMap(k => k.properties.map(p => p.name)))].sort();
    expect(entry.property.enum.filter((p: string | null) => p !== null).sort()).toEqual(properties);
    expect(SCHEMA.$defs.target.properties.gaps.items.properties.part.enum).toEqual(BUILT_IN_KINDS.flatMap(k => k.parts.map(p => p.part)));
  });

  test('docs/report.md lists every call of the live read, and the permissions are ECR actions of the same names', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'report.md'), 'utf8');
    const reads = doc.slice(doc.indexOf('## What it reads'), doc.indexOf('### Rate, retries and time'));
    for (const call of compared.flatMap(k => k.api!.calls)) {
      expect([call.action, reads.includes(`\`${call.action}\``)]).toEqual([call.action, true]);
      expect(call.permission).toBe(`ecr:${call.action}`);
    }
  });
});
