/**
 * Adoption without a registry: the import mapping's identifiers against CloudFormation's resource
 * schemas (as cfn-lint ships them), the writers (deterministic, ids, Python that compiles), the
 * sharding over stacks.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { adoptModel, PRIMARY_IDENTIFIERS } from '../../src/adopt';
import { MAX_RESOURCES_PER_STACK, PlannedDeclaration, shard } from '../../src/adopt/plan';
import { pythonApp, pythonName, snake, typescriptApp } from '../../src/adopt/write-code';
import { idFromName } from '../../src/model/code';
import { emptyRegistry, RegistryModel, RepositoryModel } from '../../src/model/settings';

const VENV = path.join(__dirname, '..', '..', '.venv');

/** cfn-lint's CloudFormation resource schemas (installed with moto[server] by the test task). */
function cfnLintSchemas(): string {
  const lib = path.join(VENV, 'lib');
  const python = readdirSync(lib).find(d => d.startsWith('python'));
  return path.join(lib, python!, 'site-packages', 'cfnlint', 'data', 'schemas');
}

function repository(name: string, extra: Partial<RepositoryModel> = {}): RepositoryModel {
  return {
    kind: 'repository',
    id: `arn:aws:ecr:us-east-1:123456789012:repository/${name}`,
    arn: `arn:aws:ecr:us-east-1:123456789012:repository/${name}`,
    name,
    tagMutability: ['IMMUTABLE'],
    tagMutabilityExclusionFilters: [],
    scanOnPush: [true],
    encryptionType: ['AES256'],
    kmsKey: [undefined],
    lifecyclePolicyText: [undefined],
    policyStatements: [],
    tags: [[]],
    ...extra,
  };
}

function registry(repositories: RepositoryModel[]): RegistryModel {
  return { ...emptyRegistry('123456789012', 'us-east-1'), repositories };
}

describe('import mapping', () => {
  test('the primary identifier of every AWS::ECR::* type is the one of its CloudFormation resource schema, and each has read and list handlers', () => {
    const dir = cfnLintSchemas();
    const providers = JSON.parse(readFileSync(path.join(dir, 'providers', 'us-east-1.json'), 'utf8'));
    const types = Object.keys(providers).filter(t => t.startsWith('AWS::ECR::')).sort();
    expect(types).toEqual(Object.keys(PRIMARY_IDENTIFIERS).sort());
    expect(types).toHaveLength(9);
    for (const type of types) {
      const schema = JSON.parse(readFileSync(path.join(dir, 'resources', `${providers[type]}.json`), 'utf8'));
      expect([type, schema.primaryIdentifier]).toEqual([type, [`/properties/${PRIMARY_IDENTIFIERS[type]}`]]);
      expect([type, Object.keys(schema.handlers)]).toEqual([type, expect.arrayContaining(['read', 'list'])]);
    }
  });
});

describe('writing', () => {
  const model = registry([
    repository('team/api', { tags: [[{ key: 'owner', value: "it's ours" }, { key: 'aws:cloudformation:stack-name', value: 'Old' }]] }),
    repository('team-api', { tagMutability: ['MUTABLE'], scanOnPush: [false] }),
    repository('9lives'),
  ]);

  test('the same registry writes the same code, with unique construct ids and no CloudFormation tags', () => {
    const a = adoptModel(model);
    const b = adoptModel(model);
    expect(typescriptApp(a.plan, false)).toEqual(typescriptApp(b.plan, false));
    expect(pythonApp(a.plan, false)).toEqual(pythonApp(b.plan, false));
    expect(a.imports).toEqual(b.imports);
    expect(a.plan.stacks[0].declarations.map(d => d.id)).toEqual(['Repository9lives', 'TeamApi', 'TeamApi2']);
    const ts = typescriptApp(a.plan, false);
    expect(ts).toContain("Tags.of(repository).add('owner', 'it\\'s ours');");
    expect(ts).not.toContain('aws:cloudformation');
    expect(ts).toContain("Validations.of(repository).acknowledge({ id: 'EcrChecks-ECR2', reason: ADOPTED_AS_IS });");
    // No lifecycle policy live: none declared (the construct's default would add one).
    expect(ts).toContain('lifecycleRules: [],');
    expect(a.changes).toEqual([]);
  });

  test('the Python app is valid Python with the props in snake_case and JSON kept as it is', () => {
    const a = adoptModel(registry([repository('team/api', {
      policyText: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'X', Effect: 'Allow', Principal: { AWS: '111111111111' }, Action: 'ecr:BatchGetImage', Condition: { Bool: { 'aws:SecureTransport': true } } }] }),
      policyStatements: [],
    })]));
    const py = pythonApp(a.plan, false);
    expect(py).toContain('team_api = PrivateRepository(');
    expect(py).toContain('image_tag_mutability=ecr.TagMutability.IMMUTABLE,');
    expect(py).toContain('"aws:SecureTransport": True');
    expect(py).toContain('"Statement": [');
    const dir = mkdtempSync(path.join(tmpdir(), 'adopt-py-'));
    try {
      writeFileSync(path.join(dir, 'app.py'), py);
      execFileSync(path.join(VENV, 'bin', 'python'), ['-m', 'py_compile', path.join(dir, 'app.py')], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('names: construct ids from names, Python names from camelCase', () => {
    expect(idFromName('team/api-v2')).toBe('TeamApiV2');
    expect(idFromName('---')).toBe('Item');
    expect(idFromName('1st', 'Repository')).toBe('Repository1st');
    expect(snake('imageTagMutabilityExclusionFilters')).toBe('image_tag_mutability_exclusion_filters');
    expect(snake('fromKeyArn')).toBe('from_key_arn');
    expect([pythonName('TeamApi'), pythonName('Ecr'), pythonName('If')]).toEqual(['team_api', 'ecr_', 'if_']);
  });
});

describe('sharding', () => {
  const declaration = (i: number, kind = 'repository', size = 0): PlannedDeclaration => ({
    construct: { module: 'lib', name: 'PrivateRepository' }, id: `R${i}`, props: { repositoryName: `r${i}`, pad: 'x'.repeat(size) }, kind, acknowledgements: [],
  });

  test(`at most ${MAX_RESOURCES_PER_STACK} resources a stack, in order, named AdoptedRegistry, AdoptedRegistry2, ...`, () => {
    const stacks = shard(Array.from({ length: 1001 }, (_, i) => declaration(i)));
    expect(stacks.map(s => [s.name, s.declarations.length])).toEqual([['AdoptedRegistry', 400], ['AdoptedRegistry2', 400], ['AdoptedRegistry3', 201]]);
    expect(stacks.flatMap(s => s.declarations.map(d => d.id))).toEqual(Array.from({ length: 1001 }, (_, i) => `R${i}`));
  });

  test('a stack holds at most about 700 KB of template', () => {
    const stacks = shard(Array.from({ length: 20 }, (_, i) => declaration(i, 'repository', 100_000)));
    expect(stacks.length).toBeGreaterThan(3);
    expect(Math.max(...stacks.map(s => s.declarations.length))).toBeLessThanOrEqual(5);
  });
});
