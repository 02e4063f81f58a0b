#!/usr/bin/env node
// Splits jest suites by whether they load aws-cdk-lib or cdk-nag (the packages the canary changes): the canary (the newest
// aws-cdk-lib and cdk-nag) runs the suites that do; the other Node.js lines run the run-time suites, which do not.
//   node scripts/suites-by-cdk.cjs cdk [DIR...]       suites that load them (default DIR: test)
//   node scripts/suites-by-cdk.cjs runtime [DIR...]   suites that do not
//   node scripts/suites-by-cdk.cjs why FILE           the chain of imports by which FILE loads them
// A suite loads them when a file it imports (static import, require, import(), `export ... from`,
// followed through relative paths) names one of the packages, or when it runs a program of ours in a child
// process (a spawn of lib/ or src/ code, the CLI, tsx, cdk): those are counted as loading them, to be safe.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const PACKAGES = /^(aws-cdk-lib|cdk-nag)(\/|$)/;
const SPEC = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;
// `import type` and `export type` load nothing at run time.
const TYPE_ONLY = /^\s*(import|export)\s+type\s[^;]*?\bfrom\s*(['"])[^'"\n]+\2\s*;?/gm;
const CHILD = /\b(spawn|spawnSync|execFile|execFileSync|execSync|fork)\s*\(/;
const OURS_IN_CHILD = /\b(lib\/cli|src\/cli|lib\/report|tsx|ts-node|cdk\b|main\.(ts|js))/;

function resolveFile(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, `${base}.cjs`, path.join(base, 'index.ts'), path.join(base, 'index.js')]) {
    if (fs.existsSync(f) && fs.statSync(f).isFile()) {
      return f;
    }
  }
  return undefined;
}

/** What one file says: whether it names a package itself (and which), and the files it imports. */
const parsed = new Map();
function parse(file) {
  if (!parsed.has(file)) {
    const text = fs.readFileSync(file, 'utf8').replace(TYPE_ONLY, '');
    let direct = CHILD.test(text) && OURS_IN_CHILD.test(text) ? 'a program of ours in a child process' : undefined;
    const deps = [];
    for (const m of text.matchAll(SPEC)) {
      const spec = m[2];
      if (PACKAGES.test(spec)) {
        direct = direct ?? spec;
      } else if (spec.startsWith('.')) {
        const target = resolveFile(file, spec);
        if (target !== undefined && /\.(ts|tsx|js|cjs)$/.test(target)) {
          deps.push(target);
        }
      }
    }
    parsed.set(file, { direct, deps });
  }
  return parsed.get(file);
}

/**
 * The chain of imports from `suite` to a package (a breadth-first walk over every file it reaches, so
 * cycles end and no answer depends on the order files were visited), or undefined when it loads none.
 */
function chainToCdk(suite) {
  const parent = new Map([[suite, undefined]]);
  const queue = [suite];
  while (queue.length > 0) {
    const file = queue.shift();
    const { direct, deps } = parse(file);
    if (direct) {
      const chain = [direct];
      for (let f = file; f !== undefined; f = parent.get(f)) {
        chain.unshift(path.relative(ROOT, f));
      }
      return chain;
    }
    for (const d of deps) {
      if (!parent.has(d)) {
        parent.set(d, file);
        queue.push(d);
      }
    }
  }
  return undefined;
}

function suites(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== '__snapshots__' && e.name !== 'fixtures') {
      out.push(...suites(p));
    } else if (e.isFile() && /\.test\.ts$/.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

const [mode, ...dirs] = process.argv.slice(2);
if (mode === 'why' && dirs.length === 1) {
  const chain = chainToCdk(path.resolve(ROOT, dirs[0]));
  console.log(chain ? chain.join(' -> ') : `${dirs[0]} loads neither aws-cdk-lib nor cdk-nag`);
  process.exit(0);
}
if (mode !== 'cdk' && mode !== 'runtime') {
  console.error('usage: suites-by-cdk.cjs cdk|runtime [DIR...] | why FILE');
  process.exit(2);
}
const all = (dirs.length ? dirs : ['test']).flatMap(d => suites(path.resolve(ROOT, d))).sort();
const chosen = all.filter(f => (chainToCdk(f) !== undefined) === (mode === 'cdk'));
for (const f of chosen) {
  console.log(path.relative(ROOT, f));
}
