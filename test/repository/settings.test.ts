import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Repository settings are declared once (`RepositorySettings`, `RepositoryResourceSettings`) and
 * extended by every props type that describes a repository. This reads the jsii assembly, which
 * is what the Python, Java and Go bindings are generated from.
 */

const ROOT = path.join(__dirname, '..', '..');
const FQN = (name: string) => `cdk-ecr-registry.${name}`;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The project's `.jsii` when it is newer than every source file (after `projen compile`, as in
 * `projen build`); otherwise the assembly of a scratch copy of the sources, compiled by jsii here.
 */
function loadAssembly(): any {
  const built = path.join(ROOT, '.jsii');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestSource(path.join(ROOT, 'src'))) {
    return JSON.parse(fs.readFileSync(built, 'utf8'));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ecr-registry-jsii-'));
  try {
    for (const f of ['package.json', 'tsconfig.json', 'README.md', 'LICENSE']) {
      if (fs.existsSync(path.join(ROOT, f))) {
        fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
      }
    }
    fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], {
      cwd: dir, stdio: 'pipe', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
    });
    return JSON.parse(fs.readFileSync(path.join(dir, '.jsii'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('repository settings in the jsii assembly', () => {
  let types: Record<string, any>;
  beforeAll(() => {
    types = loadAssembly().types;
  }, 180_000);

  /** The interfaces `fqn` extends, transitively. */
  const ancestors = (fqn: string): string[] => (types[fqn]?.interfaces ?? []).flatMap((i: string) => [i, ...ancestors(i)]);
  const declared = (fqn: string): string[] => (types[fqn]?.properties ?? []).map((p: any) => p.name);

  test('the settings interfaces declare the shared settings', () => {
    expect(declared(FQN('RepositorySettings')).sort()).toEqual([
      'encryption', 'encryptionKey', 'imageTagMutability', 'imageTagMutabilityExclusionFilters', 'lifecyclePolicy',
    ]);
    expect(declared(FQN('RepositoryResourceSettings')).sort()).toEqual(['emptyOnDelete', 'imageScanOnPush', 'removalPolicy']);
    expect(ancestors(FQN('RepositoryResourceSettings'))).toEqual([FQN('RepositorySettings')]);
  });

  test('every props type that describes a repository extends them', () => {
    for (const name of ['PrivateRepositoryProps', 'BaselineRepositoryOptions', 'BaselineRepository']) {
      expect(ancestors(FQN(name))).toContain(FQN('RepositoryResourceSettings'));
    }
    for (const name of ['RepositoryCreationTemplateOptions', 'RepositoryCreationTemplateProps', 'BaselineCreationTemplate']) {
      expect(ancestors(FQN(name))).toContain(FQN('RepositorySettings'));
    }
  });

  test('no setting is declared twice: no interface that extends the settings declares one of them again', () => {
    const settings = [FQN('RepositorySettings'), FQN('RepositoryResourceSettings')];
    const names = new Set(settings.flatMap(declared));
    const family = Object.keys(types).filter(fqn => types[fqn].kind === 'interface' && !settings.includes(fqn) && ancestors(fqn).some(a => settings.includes(a)));
    expect(family.length).toBeGreaterThanOrEqual(6);
    const again = family.flatMap(fqn => declared(fqn).filter(n => names.has(n)).map(n => `${fqn}.${n}`));
    expect(again).toEqual([]);
    // Nor is a setting declared by two props types that do not share the settings interface.
    const owners = new Map<string, string[]>();
    for (const fqn of Object.keys(types).filter(f => types[f].kind === 'interface' && !settings.includes(f))) {
      for (const n of declared(fqn).filter(x => names.has(x))) {
        owners.set(n, [...owners.get(n) ?? [], fqn]);
      }
    }
    expect([...owners.entries()].filter(([, fqns]) => fqns.length > 1)).toEqual([]);
  });
});
