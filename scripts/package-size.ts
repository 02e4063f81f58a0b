/**
 * What the npm package ships and how much it weighs, against the budget.
 *
 * Unpacks the tarball and sums its files: "packed" is the .tgz, "installed" is every byte npm puts
 * under node_modules/cdk-ecr-registry (the package and its bundled dependencies; peer dependencies,
 * aws-cdk-lib and constructs, are the user's and not counted). Fails when a budget is exceeded, when a
 * top-level entry is not one a user runs, when a file a user needs is missing, or when a source map in
 * lib/ carries the source text (`sourcesContent`: tsconfig's inlineSources, 2.1 MB the package does not need).
 *
 * Usage: tsx scripts/package-size.ts [package.tgz]   (default: dist/js/cdk-ecr-registry-*.tgz)
 * Budgets (bytes): PACKAGE_BUDGET_PACKED, PACKAGE_BUDGET_INSTALLED; `npx projen package:size` sets
 * them from .projenrc.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

/** Top-level entries a user runs or reads; anything else in the tarball fails the check. */
const ALLOWED = ['package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', '.jsii.tabl.json', 'lib', 'assets', 'rosetta', 'node_modules'];
/** Files that must be there. */
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', 'lib/index.js', 'lib/index.d.ts', 'lib/cli/main.js',
  'assets/image-check/image-check.lambda/index.js', 'assets/audit/audit-worker.lambda/index.js', 'rosetta/default.ts-fixture', 'node_modules/@aws-sdk/client-ecr/package.json'];

export interface PackageSize {
  readonly packedBytes: number;
  readonly installedBytes: number;
  readonly files: number;
  /** Installed bytes per top-level entry, and per bundled package under node_modules. */
  readonly parts: Array<{ entry: string; bytes: number; files: number }>;
  readonly topLevel: string[];
  /** lib/ files whose inline source map carries the sources' text. */
  readonly mapsWithSources: string[];
}

/** Whether a compiled file's inline source map (`//# sourceMappingURL=data:...;base64,...`) has `sourcesContent`. */
export function inlineMapHasSources(js: string): boolean {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
  if (!m) {
    return false;
  }
  const map = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
  return Array.isArray(map.sourcesContent) && map.sourcesContent.some((c: unknown) => typeof c === 'string' && c.length > 0);
}

function walk(dir: string): Array<{ file: string; bytes: number }> {
  const out: Array<{ file: string; bytes: number }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...walk(p));
    } else if (e.isFile()) {
      out.push({ file: p, bytes: fs.statSync(p).size });
    }
  }
  return out;
}

/** Measure a packed tarball. */
export function measure(tgz: string): PackageSize {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'package-size-'));
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', dir]);
    const pkg = path.join(dir, 'package');
    const files = walk(pkg).map(f => ({ rel: path.relative(pkg, f.file), bytes: f.bytes }));
    const groups = new Map<string, { bytes: number; files: number }>();
    for (const f of files) {
      const parts = f.rel.split(path.sep);
      let key = parts[0];
      if (key === 'node_modules') {
        key = parts[1].startsWith('@') ? `node_modules/${parts[1]}/*` : 'node_modules/(other)';
      }
      const g = groups.get(key) ?? { bytes: 0, files: 0 };
      g.bytes += f.bytes;
      g.files += 1;
      groups.set(key, g);
    }
    for (const r of REQUIRED) {
      if (!fs.existsSync(path.join(pkg, r))) {
        throw new Error(`the package lacks ${r}`);
      }
    }
    return {
      packedBytes: fs.statSync(tgz).size,
      installedBytes: files.reduce((s, f) => s + f.bytes, 0),
      files: files.length,
      parts: [...groups.entries()].map(([entry, g]) => ({ entry, ...g })).sort((a, b) => b.bytes - a.bytes),
      topLevel: fs.readdirSync(pkg).sort(),
      mapsWithSources: files
        .filter(f => f.rel.startsWith(`lib${path.sep}`) && f.rel.endsWith('.js'))
        .filter(f => inlineMapHasSources(fs.readFileSync(path.join(pkg, f.rel), 'utf8')))
        .map(f => f.rel),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function defaultTarball(): string {
  const dist = path.join(ROOT, 'dist', 'js');
  const built = fs.existsSync(dist) ? fs.readdirSync(dist).filter(f => f.endsWith('.tgz')) : [];
  if (built.length !== 1) {
    throw new Error(`expected one tarball in dist/js (run npx projen build), found ${built.length}`);
  }
  return path.join(dist, built[0]);
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

function budget(name: string): number {
  const v = Number(process.env[name]);
  if (!Number.isFinite(v) || v <= 0) {
    throw new Error(`${name} is not set to a number of bytes (npx projen package:size sets it)`);
  }
  return v;
}

if (require.main === module) {
  try {
    const tgz = process.argv[2] ? path.resolve(process.argv[2]) : defaultTarball();
    const packedBudget = budget('PACKAGE_BUDGET_PACKED');
    const installedBudget = budget('PACKAGE_BUDGET_INSTALLED');
    const size = measure(tgz);
    console.log(`${path.relative(ROOT, tgz)}: ${size.files.toLocaleString('en-US')} files`);
    for (const p of size.parts) {
      console.log(`  ${p.entry.padEnd(36)} ${mb(p.bytes).padStart(10)}  ${p.files.toLocaleString('en-US').padStart(6)} files`);
    }
    const problems: string[] = [];
    const extra = size.topLevel.filter(e => !ALLOWED.includes(e));
    if (extra.length > 0) {
      problems.push(`ships what a user does not run: ${extra.join(', ')}`);
    }
    console.log(`packed    ${mb(size.packedBytes).padStart(10)} (budget ${mb(packedBudget)}, ${Math.round(100 * size.packedBytes / packedBudget)}%)`);
    console.log(`installed ${mb(size.installedBytes).padStart(10)} (budget ${mb(installedBudget)}, ${Math.round(100 * size.installedBytes / installedBudget)}%)`);
    if (size.mapsWithSources.length > 0) {
      problems.push(`${size.mapsWithSources.length} file(s) of lib/ carry their sources in their source maps (tsconfig inlineSources), `
        + `for example ${size.mapsWithSources[0]}`);
    }
    if (size.packedBytes > packedBudget) {
      problems.push(`packed size ${mb(size.packedBytes)} exceeds the budget ${mb(packedBudget)}`);
    }
    if (size.installedBytes > installedBudget) {
      problems.push(`installed size ${mb(size.installedBytes)} exceeds the budget ${mb(installedBudget)}`);
    }
    if (problems.length > 0) {
      console.error(`package-size: ${problems.join('; ')}`);
      process.exit(1);
    }
  } catch (e) {
    console.error(`package-size: ${(e as Error).message}`);
    process.exit(1);
  }
}
