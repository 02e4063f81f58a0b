import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Linter, loadESLint } from 'eslint';
import { importCycles, importGraph, moduleSpecifiers } from './helpers/import-graph';

/**
 * The layering rules of .eslintrc.json (set in .projenrc.ts) fire: each is run, as configured for
 * this project's src files, on a small source tree that breaks it once and keeps it elsewhere.
 */

const ROOT = path.join(__dirname, '..');

/** A source tree in a fresh directory: `src/...` paths to their text. */
function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layering-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** The options of `rule` as .eslintrc.json configures it for src/ files. */
async function configured(rule: string): Promise<Linter.RuleEntry> {
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  const config = await new LegacyESLint({ cwd: ROOT }).calculateConfigForFile(path.join(ROOT, 'src/index.ts'));
  const entry = config.rules?.[rule];
  if (entry === undefined) {
    throw new Error(`${rule} is not configured for src/ files`);
  }
  return entry;
}

/** Lint `dir` with only `rules` (and the project's parser and import resolution); messages per file, relative. */
async function lint(dir: string, rules: Linter.RulesRecord): Promise<Record<string, string[]>> {
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  const eslint = new LegacyESLint({
    cwd: dir,
    useEslintrc: false,
    resolvePluginsRelativeTo: ROOT,
    baseConfig: {
      root: true,
      parser: require.resolve('@typescript-eslint/parser'),
      parserOptions: { ecmaVersion: 2018, sourceType: 'module' },
      plugins: ['import'],
      settings: {
        'import/parsers': { [require.resolve('@typescript-eslint/parser')]: ['.ts'] },
        'import/resolver': { node: { extensions: ['.ts'] } },
        'import/extensions': ['.ts'],
      },
      rules,
    },
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const out: Record<string, string[]> = {};
  for (const r of results) {
    for (const m of r.messages) {
      (out[path.relative(dir, r.filePath)] ??= []).push(`${m.ruleId}: ${m.message}`);
    }
  }
  return out;
}

describe('layering rules', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('src/private imports nothing above it (import/no-restricted-paths)', async () => {
    const [level, options] = await configured('import/no-restricted-paths') as [Linter.RuleSeverity, object];
    dir = writeTree({
      'src/private/errors.ts': 'export const ERRORS = 1;\n',
      'src/private/validation.ts': 'import { ERRORS } from \'./errors\';\nexport const CHECKS = ERRORS;\n',
      'src/private/upward.ts': 'import { POLICY } from \'../lifecycle/policy\';\nexport const UP = POLICY;\n',
      'src/private/upward-private.ts': 'import { HELPER } from \'../registry/private/shared\';\nexport const UP2 = HELPER;\n',
      'src/lifecycle/policy.ts': 'import { CHECKS } from \'../private/validation\';\nexport const POLICY = CHECKS;\n',
      'src/registry/private/shared.ts': 'import { ERRORS } from \'../../private/errors\';\nexport const HELPER = ERRORS;\n',
    });
    const messages = await lint(dir, { 'import/no-restricted-paths': [level, { ...options, basePath: dir }] });
    expect(Object.keys(messages).sort()).toEqual(['src/private/upward-private.ts', 'src/private/upward.ts']);
    expect(messages['src/private/upward.ts']).toEqual([expect.stringMatching(/^import\/no-restricted-paths: .*src\/private/)]);
  });

  test('src/model imports src/private only (import/no-restricted-paths)', async () => {
    const [level, options] = await configured('import/no-restricted-paths') as [Linter.RuleSeverity, object];
    dir = writeTree({
      'src/private/errors.ts': 'export const ERRORS = 1;\n',
      'src/model/settings.ts': 'import { ERRORS } from \'../private/errors\';\nexport const MODEL = ERRORS;\n',
      'src/model/kinds/repository.ts': 'import { MODEL } from \'../settings\';\nexport const KIND = MODEL;\n',
      'src/model/upward.ts': 'import { RULES } from \'../compliance/rules\';\nexport const UP = RULES;\n',
      'src/compliance/rules.ts': 'import { MODEL } from \'../model/settings\';\nexport const RULES = MODEL;\n',
    });
    const messages = await lint(dir, { 'import/no-restricted-paths': [level, { ...options, basePath: dir }] });
    expect(Object.keys(messages)).toEqual(['src/model/upward.ts']);
    expect(messages['src/model/upward.ts']).toEqual([expect.stringMatching(/^import\/no-restricted-paths: .*src\/model/)]);
  });

  test('src/integrations see the image check only through the leaf IVerifiedImage, type imports included (import/no-restricted-paths)', async () => {
    const [level, options] = await configured('import/no-restricted-paths') as [Linter.RuleSeverity, object];
    dir = writeTree({
      'src/private/errors.ts': 'export const ERRORS = 1;\n',
      'src/image-check/verified-image.ts': 'export interface IVerifiedImage { readonly digest: string }\n',
      'src/image-check/leaky-leaf.ts': 'import { ERRORS } from \'../private/errors\';\nexport const LEAK = ERRORS;\n',
      'src/image-check/image-check.ts': 'import { IVerifiedImage } from \'./verified-image\';\nimport { ecs } from \'../integrations/ecs\';\n'
        + 'export class VerifiedImage implements IVerifiedImage { readonly digest = \'d\'; ecs() { return ecs(this); } }\n',
      'src/integrations/ecs.ts': 'import type { IVerifiedImage } from \'../image-check/verified-image\';\nexport const ecs = (i: IVerifiedImage) => i.digest;\n',
      'src/integrations/lambda.ts': 'import type { VerifiedImage } from \'../image-check/image-check\';\nexport const lambda = (i: VerifiedImage) => i.digest;\n',
    });
    const messages = await lint(dir, { 'import/no-restricted-paths': [level, { ...options, basePath: dir }] });
    expect(Object.keys(messages)).toEqual(['src/integrations/lambda.ts']);
    expect(messages['src/integrations/lambda.ts']).toEqual([expect.stringMatching(/^import\/no-restricted-paths: .*IVerifiedImage/)]);

    // The leaf itself imports nothing of the library.
    fs.renameSync(path.join(dir, 'src/image-check/leaky-leaf.ts'), path.join(dir, 'src/image-check/verified-image.ts'));
    const leaf = await lint(dir, { 'import/no-restricted-paths': [level, { ...options, basePath: dir }] });
    expect(leaf['src/image-check/verified-image.ts']).toEqual([expect.stringMatching(/^import\/no-restricted-paths: .*is a leaf/)]);
  });

  test('no file takes part in an import cycle (import/no-cycle)', async () => {
    const entry = await configured('import/no-cycle');
    dir = writeTree({
      'src/registry/registry.ts': 'import { RULE } from \'./rule\';\nexport const REGISTRY = RULE;\n',
      'src/registry/rule.ts': 'import { TEMPLATE } from \'./template\';\nexport const RULE = TEMPLATE;\n',
      'src/registry/template.ts': 'import { REGISTRY } from \'./registry\';\nexport const TEMPLATE = () => REGISTRY;\n',
      'src/lifecycle/policy.ts': 'import { RULE } from \'../registry/rule\';\nexport const POLICY = RULE;\n',
    });
    const messages = await lint(dir, { 'import/no-cycle': entry });
    expect(Object.keys(messages).sort()).toEqual(['src/registry/registry.ts', 'src/registry/rule.ts', 'src/registry/template.ts']);
    expect(messages['src/registry/template.ts']).toEqual([expect.stringMatching(/^import\/no-cycle: Dependency cycle/)]);
  });
});

describe('import graph (every import, type-only ones included)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  });

  test('counts type imports, type-only specifiers, re-exports, import() types, require and import = require', () => {
    expect(moduleSpecifiers('a.ts', [
      'import type { A } from \'./a\';',
      'import { type B } from \'./b\';',
      'import * as c from \'./c\';',
      'export { D } from \'./d\';',
      'export * from \'./e\';',
      'let f: import(\'./f\').F;',
      'const g = require(\'./g\');',
      'import h = require(\'./h\');',
      'const i = () => import(\'./i\');',
      'import \'./j\';',
      'import * as fs from \'fs\';',
    ].join('\n'))).toEqual(['./a', './b', './c', './d', './e', './f', './g', './h', './i', './j', 'fs']);
  });

  test('finds a cycle that only type imports close (which import/no-cycle does not see), and none in a layered tree', async () => {
    dir = writeTree({
      'src/image-check/image-check.ts': 'import { ecs } from \'../integrations/ecs\';\nexport class VerifiedImage { readonly digest = \'d\'; ecs() { return ecs(this); } }\n',
      'src/integrations/ecs.ts': 'import type { VerifiedImage } from \'../image-check/image-check\';\nexport const ecs = (i: VerifiedImage) => i.digest;\n',
      'src/integrations/index.ts': 'export * from \'./ecs\';\n',
      'src/model/a.ts': 'export type A = import(\'./b\').B;\n',
      'src/model/b.ts': 'import { type A } from \'.\';\nexport type B = A;\n',
      'src/model/index.ts': 'export * from \'./a\';\n',
      'src/report/self.ts': 'export type Self = import(\'./self\').Self[];\n',
      'src/report/fine.ts': 'import { ecs } from \'../integrations\';\nexport const FINE = ecs;\n',
    });
    expect(importCycles(importGraph(dir!, 'src'))).toEqual([
      ['src/image-check/image-check.ts', 'src/integrations/ecs.ts', 'src/image-check/image-check.ts'],
      ['src/model/a.ts', 'src/model/b.ts', 'src/model/index.ts', 'src/model/a.ts'],
      ['src/report/self.ts', 'src/report/self.ts'],
    ]);
    // eslint's rule, as configured, passes the type-only cycle: hence this graph.
    const messages = await lint(dir, { 'import/no-cycle': await configured('import/no-cycle') });
    expect(messages['src/integrations/ecs.ts']).toBeUndefined();
    expect(messages['src/image-check/image-check.ts']).toBeUndefined();

    fs.writeFileSync(path.join(dir!, 'src/integrations/ecs.ts'),
      'import type { IVerifiedImage } from \'../image-check/verified-image\';\nexport const ecs = (i: IVerifiedImage) => i.digest;\n');
    fs.writeFileSync(path.join(dir!, 'src/image-check/verified-image.ts'), 'export interface IVerifiedImage { readonly digest: string }\n');
    fs.rmSync(path.join(dir!, 'src/model'), { recursive: true });
    fs.rmSync(path.join(dir!, 'src/report/self.ts'));
    expect(importCycles(importGraph(dir!, 'src'))).toEqual([]);
  });

  test('src/ has no import cycle, type imports counted', () => {
    const graph = importGraph(ROOT, 'src');
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/integrations/ecs.ts')).toContain('src/image-check/verified-image.ts');
    expect(importCycles(graph)).toEqual([]);
  });
});
