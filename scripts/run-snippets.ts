/**
 * Runs the translations of every README and `docs/*.md` snippet in the languages we ship, against the
 * built packages: what a Python or Java user copies from the docs must work, not only compile in
 * TypeScript.
 *
 * The translations come from jsii-rosetta (never edited by hand): the README's from `.jsii.tabl.json`
 * (`jsii-rosetta extract`, post-compile) and each page's from `.rosetta-docs/<page>/.jsii.tabl.json`
 * (scripts/docs-snippets.ts, post-compile). Each snippet goes into the fixture its code fence names
 * (` ```ts fixture=<name> `, else `default`): `rosetta/<name>.py-fixture` and
 * `rosetta/<name>.java-fixture` are real code in that language that builds every name the TypeScript
 * fixture `rosetta/<name>.ts-fixture` declares. A fixture has an `imports` marker (the snippet's imports
 * go there) and a `here` marker (the snippet's statements go there, at its indentation).
 *
 *   tsx scripts/run-snippets.ts python <python>   writes .ci-work/snippets/python/<snippet>.py, runs them all
 *                                                  in one interpreter (each synthesizes its app), then mypy
 *   tsx scripts/run-snippets.ts java <classpath>  writes .ci-work/snippets/java/snippets/<Snippet>.java and
 *                                                  compiles them with javac against the classpath
 *   tsx scripts/run-snippets.ts go <Go module>     writes .ci-work/snippets/go/<snippet>/main.go (rosetta's Go,
 *                                                  repaired: scripts/go-snippet-fixes.ts) and compiles them
 *                                                  with one go build, then go vet
 *
 * Fails when a snippet has no translation, when a translation refers to a fixture name (`fixture_...`:
 * the fixture's aliases leaked into what users read), or when a snippet fails to run, type-check or compile.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { docsPages, typescriptBlocks } from './docs-snippets';
import { fixFromErrors, fixGoSnippet, GoError, goTypeIndex, projectAssemblies } from './go-snippet-fixes';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.ci-work', 'snippets');

interface Snippet {
  /** Where it is documented: `README.md` or `docs/<page>.md`. */
  readonly file: string;
  /** Line of the code fence in that file. */
  readonly line: number;
  /** The fixture the fence names (`default` when none). */
  readonly fixture: string;
  /** Identifier-safe name: `readme_l46`, `docs_lifecycle_l14`. */
  readonly slug: string;
  readonly translations: Record<string, string>;
}

function readTablet(file: string): any[] {
  if (!fs.existsSync(file)) {
    return [];
  }
  return Object.values<any>(JSON.parse(fs.readFileSync(file, 'utf8')).snippets ?? {});
}

function fenceFixture(markdownFile: string, line: number): string {
  const fence = fs.readFileSync(path.join(ROOT, markdownFile), 'utf8').split('\n')[line - 1] ?? '';
  if (!/^\s*`{3,}\s*(ts|typescript)\b/.test(fence)) {
    throw new Error(`${markdownFile}:${line} is not a TypeScript code fence: ${JSON.stringify(fence)}`);
  }
  return /\bfixture=([\w-]+)/.exec(fence)?.[1] ?? 'default';
}

/** Every README and docs snippet with its translations. */
export function snippets(): Snippet[] {
  const sources: Array<{ tablet: string; moduleFqn: string; file: string }> = [
    { tablet: path.join(ROOT, '.jsii.tabl.json'), moduleFqn: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name, file: 'README.md' },
    ...docsPages().map(p => ({ tablet: path.join(p.dir, '.jsii.tabl.json'), moduleFqn: p.assemblyName, file: `docs/${p.name}.md` })),
  ];
  const out: Snippet[] = [];
  for (const source of sources) {
    // Each ```ts block of the file as it is now, with the tablet's translation of the same source (the
    // tablet accumulates, and keeps the line where it first saw a source: the block gives the line).
    const tablet = readTablet(source.tablet).filter(s =>
      // README snippets only (the tablet also holds the API docs' examples); docs pages have nothing else.
      s.location?.api?.api === 'moduleReadme' && s.location.api.moduleFqn === source.moduleFqn);
    const missing: number[] = [];
    for (const block of typescriptBlocks(fs.readFileSync(path.join(ROOT, source.file), 'utf8'))) {
      const s = tablet.find(t => String(t.translations.$?.source ?? '').trim() === block.source.trim());
      if (!s) {
        missing.push(block.line);
        continue;
      }
      const translations: Record<string, string> = {};
      for (const [language, t] of Object.entries<any>(s.translations)) {
        translations[language] = t.source;
      }
      out.push({
        file: source.file,
        line: block.line,
        fixture: fenceFixture(source.file, block.line),
        slug: `${source.file.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}_l${block.line}`,
        translations,
      });
    }
    if (missing.length > 0) {
      throw new Error(`${source.file}: no translation of the snippet(s) at line ${missing.join(', ')}: `
        + 'run the build (npx projen compile && npx projen post-compile) first');
    }
  }
  if (out.length === 0) {
    throw new Error('no snippets found: compile first (npx projen compile && npx projen post-compile)');
  }
  return out.sort((a, b) => a.slug.localeCompare(b.slug));
}

/** A snippet written into its fixture: the program, and where the translation's lines are in it. */
interface Embedded {
  readonly text: string;
  /** 1-based line of the program where the translation's first non-import line is. */
  readonly firstLine: number;
  /** How many lines of the translation are there (from firstLine on). */
  readonly lineCount: number;
}

/** Puts a translation into a fixture: import lines at the `imports` marker, the rest at the `here` marker. */
function embed(fixturePath: string, translation: string, comment: string,
  isImport: (line: string) => boolean, marker: { imports: RegExp; here: RegExp }): Embedded {
  const fixture = fs.readFileSync(fixturePath, 'utf8');
  const lines = translation.replace(/\s+$/, '').split('\n');
  const imports = lines.filter(isImport);
  const body = lines.filter(l => !isImport(l));
  const fixtureLines = fixture.split('\n');
  const hereIndex = fixtureLines.findIndex(l => marker.here.test(l));
  const importsIndex = fixtureLines.findIndex(l => marker.imports.test(l));
  if (hereIndex < 0 || importsIndex < 0 || importsIndex > hereIndex) {
    throw new Error(`${path.relative(ROOT, fixturePath)} needs an imports marker and, after it, a here marker`);
  }
  const indent = /^\s*/.exec(fixtureLines[hereIndex])![0];
  const out = [
    ...fixtureLines.slice(0, importsIndex),
    ...imports,
    ...fixtureLines.slice(importsIndex + 1, hereIndex),
    `${indent}${comment}`,
  ];
  const firstLine = out.length + 1;
  out.push(...body.map(l => (l.trim() === '' ? '' : indent + l)), ...fixtureLines.slice(hereIndex + 1));
  return { text: out.join('\n'), firstLine, lineCount: body.length };
}

/** Where a line of a written program comes from, for error messages. */
export interface Written extends Embedded {
  readonly snippet: Pick<Snippet, 'file' | 'line' | 'fixture'>;
  /** The program's file name, as the compiler or interpreter names it. */
  readonly name: string;
  readonly language: string;
}

/**
 * Says where a diagnostic at `line` of a written program is: in the snippet (its page and fence line, the
 * line of the translation and its text) or in the fixture around it.
 */
export function origin(w: Written, line: number): string {
  const where = `${w.snippet.file}:${w.snippet.line} (fixture ${w.snippet.fixture})`;
  const text = w.text.split('\n')[line - 1]?.trim() ?? '';
  if (line >= w.firstLine && line < w.firstLine + w.lineCount) {
    return `${where}, line ${line - w.firstLine + 1} of its ${w.language} translation: ${text}`;
  }
  const extension = { Java: 'java', Go: 'go' }[w.language] ?? 'py';
  return `${where}, in rosetta/${w.snippet.fixture}.${extension}-fixture around it (${w.name}:${line}): ${text}`;
}

/**
 * Groups a compiler's or type checker's output (`<file>:<line>: error: <message>`, javac and mypy) by
 * snippet: one entry per failing snippet, each error with its origin. Lines of other files are ignored.
 */
export function diagnostics(output: string, written: Written[]): Map<Written, string[]> {
  const byName = new Map(written.map(w => [w.name, w]));
  const found = new Map<Written, string[]>();
  for (const l of output.split('\n')) {
    const m = /^(\S+?):(\d+):(?:\d+:)? error: (.*)$/.exec(l.trim());
    const w = m ? byName.get(m[1]) : undefined;
    if (!m || !w) {
      continue;
    }
    found.set(w, [...found.get(w) ?? [], `${m[3]}\n      at ${origin(w, Number(m[2]))}`]);
  }
  return found;
}

/** Prints one block per failing snippet (page, fence line, errors), after the tool's own output. */
function report(language: string, tool: string, found: Map<Written, string[]>, total: number): void {
  if (found.size === 0) {
    return;
  }
  console.error(`\n${language.toLowerCase()}: ${found.size} of ${total} snippets fail ${tool}:`);
  for (const [w, errors] of found) {
    console.error(`  ${w.snippet.file}:${w.snippet.line} (fixture ${w.snippet.fixture}, ${w.name}):`);
    for (const e of errors) {
      console.error(`    - ${e}`);
    }
  }
}

function fixtureFile(fixture: string, extension: string): string {
  const file = path.join(ROOT, 'rosetta', `${fixture}.${extension}-fixture`);
  if (!fs.existsSync(file)) {
    throw new Error(`no rosetta/${fixture}.${extension}-fixture (the ${extension} twin of rosetta/${fixture}.ts-fixture)`);
  }
  return file;
}

function checkTranslation(s: Snippet, language: string): string {
  const source = s.translations[language];
  if (!source) {
    throw new Error(`${s.file}:${s.line} has no ${language} translation`);
  }
  if (/\bfixture_?[A-Za-z]/i.test(source.replace(/^\s*(#|\/\/).*$/gm, ''))) {
    throw new Error(`${s.file}:${s.line}: the ${language} translation names the fixture (an alias leaked from the TypeScript fixture):\n${source}`);
  }
  return source;
}

/** Runs a tool with its output shown as it comes. */
function run(cmd: string, args: string[], cwd: string): number {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: process.env });
  if (r.error) {
    throw r.error;
  }
  return r.status ?? 1;
}

/** Runs a compiler or type checker: its output is shown, and returned to map its diagnostics to snippets. */
function check(cmd: string, args: string[], cwd: string): { status: number; output: string } {
  const r = spawnSync(cmd, args, { cwd, env: process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    throw r.error;
  }
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}\n${r.stderr ?? ''}` };
}

function python(interpreter: string): number {
  const dir = path.join(OUT, 'python');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const written: Written[] = [];
  for (const s of snippets()) {
    const source = checkTranslation(s, 'python');
    const name = `${s.slug}.py`;
    const e = embed(fixtureFile(s.fixture, 'py'), source, `# ${s.file}, line ${s.line} (fixture ${s.fixture}):`,
      l => /^(from \S+ import |import )/.test(l), { imports: /^# imports\s*$/, here: /^\s*# here\s*$/ });
    fs.writeFileSync(path.join(dir, name), e.text);
    written.push({ ...e, snippet: s, name, language: 'Python' });
  }
  const files = written.map(w => w.name);
  // What the runner needs to name a failing snippet by its page and line.
  fs.writeFileSync(path.join(dir, 'snippets.json'), JSON.stringify(Object.fromEntries(written.map(w => [w.name, {
    origin: `${w.snippet.file}:${w.snippet.line}`, fixture: w.snippet.fixture, firstLine: w.firstLine, lineCount: w.lineCount,
  }])), undefined, 2));
  console.log(`python: ${files.length} snippets written to ${path.relative(ROOT, dir)}`);
  // One interpreter for all: the jsii kernel loads aws-cdk-lib once.
  let status = run(interpreter, [path.join(ROOT, 'scripts', 'run-python-snippets.py'), 'snippets.json', ...files], dir);
  const mypy = path.join(path.dirname(interpreter), 'mypy');
  const t0 = Date.now();
  const checked = check(mypy, ['--cache-dir', path.join(ROOT, '.ci-work', 'mypy-cache'), ...files], dir);
  if (checked.status !== 0) {
    report('Python', 'mypy', diagnostics(checked.output, written), files.length);
    status = 1;
  } else {
    console.log(`python: mypy clean on ${files.length} snippets (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return status;
}

function java(classpath: string): number {
  const dir = path.join(OUT, 'java');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'snippets'), { recursive: true });
  const written: Written[] = [];
  const header = 'package snippets;\n\n';
  for (const s of snippets()) {
    const source = checkTranslation(s, 'java');
    const className = `Snippet_${s.slug}`;
    const name = `snippets/${className}.java`;
    const e = embed(fixtureFile(s.fixture, 'java'), source, `// ${s.file}, line ${s.line} (fixture ${s.fixture}):`,
      l => /^import /.test(l), { imports: /^\/\/ imports\s*$/, here: /^\s*\/\/ here\s*$/ });
    const text = `${header}${e.text.replace(/\bFixture\b/g, className)}`;
    fs.writeFileSync(path.join(dir, name), text);
    written.push({ text, firstLine: e.firstLine + 2, lineCount: e.lineCount, snippet: s, name, language: 'Java' });
  }
  const files = written.map(w => w.name);
  console.log(`java: ${files.length} snippets written to ${path.relative(ROOT, dir)}`);
  const t0 = Date.now();
  // One javac for all of them (one JVM start, the jars read once); -Xmaxerrs: every error of every snippet.
  const compiled = check('javac', ['-nowarn', '-Xmaxerrs', '10000', '-d', 'classes', '-cp', classpath, ...files], dir);
  if (compiled.status === 0) {
    console.log(`java: ${files.length} snippets compile against the built jar (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return 0;
  }
  const found = diagnostics(compiled.output, written);
  report('Java', 'to compile', found, files.length);
  if (found.size === 0) {
    console.error('java: javac failed without an error in a snippet file (see its output above)');
  }
  return 1;
}

/** Go's diagnostics (`go build`, `go vet`): `<dir>/main.go:<line>:<col>: <message>`, maybe `./`- or `vet: `-prefixed. */
export function goDiagnostics(output: string, written: Written[]): Map<Written, string[]> {
  const byName = new Map(written.map(w => [w.name, w]));
  const found = new Map<Written, string[]>();
  for (const l of output.split('\n')) {
    const m = /^(?:vet: )?(?:\.\/)?(\S+?\.go):(\d+):(?:\d+:)? (.*)$/.exec(l.trim());
    const w = m ? byName.get(m[1]) : undefined;
    if (!m || !w) {
      continue;
    }
    found.set(w, [...found.get(w) ?? [], `${m[3]}\n      at ${origin(w, Number(m[2]))}`]);
  }
  return found;
}

/** Go's errors with their line and column in a written program, and the indented lines that follow one (have/want). */
export function goErrors(output: string, written: Written[]): Map<Written, Array<GoError & { detail: string }>> {
  const byName = new Map(written.map(w => [w.name, w]));
  const found = new Map<Written, Array<GoError & { detail: string }>>();
  let last: (GoError & { detail: string }) | undefined;
  for (const l of output.split('\n')) {
    if (last && /^\t/.test(l)) {
      last.detail += `\n${l.trim()}`;
      continue;
    }
    last = undefined;
    const m = /^(?:vet: )?(?:\.\/)?(\S+?\.go):(\d+):(\d+): (.*)$/.exec(l.trim());
    const w = m ? byName.get(m[1]) : undefined;
    if (!m || !w) {
      continue;
    }
    last = { line: Number(m[2]), column: Number(m[3]), message: m[4], detail: m[4] };
    found.set(w, [...found.get(w) ?? [], last]);
  }
  return found;
}

/**
 * Go: each snippet is a package of its own (`<slug>/main.go`, its fixture around it) in one module that
 * requires the aws-cdk-go release of examples/platform-registry/go and the binding (dist/go, a replace).
 * rosetta's Go translations do not compile as written (scripts/go-snippet-fixes.ts: the classes of its
 * mistakes); each is repaired from the jsii assemblies first, then `go build` (every error: -gcflags=-e)
 * compiles them all, the repairs that need the compiler's types are made from its errors, and it builds
 * again, until the errors left are none or no repair covers them; then `go vet`. The packages are not
 * `main` (no link: a binary with aws-cdk-go is large). Variables a snippet declares and does not use again
 * (its last results, shown to the reader) are used by the fixture (`_ = name`): Go rejects unused variables,
 * which a reader's own code would go on to use. GO_SNIPPETS_RAW=1 compiles rosetta's translations as written
 * (no repairs: to measure the translator); GO_SNIPPETS_ROUNDS caps the repair rounds (5).
 */
function go(moduleTemplate: string): number {
  const dir = path.join(OUT, 'go');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const template = path.resolve(moduleTemplate);
  const binding = path.join(ROOT, 'dist', 'go', 'cdkecrregistry');
  const goMod = fs.readFileSync(path.join(template, 'go.mod'), 'utf8')
    .replace(/^module .*$/m, 'module cdkecrregistry.example/snippets')
    .replace(/=> \S*dist\/go\/cdkecrregistry\s*$/m, `=> ${binding}`);
  fs.writeFileSync(path.join(dir, 'go.mod'), goMod);
  fs.copyFileSync(path.join(template, 'go.sum'), path.join(dir, 'go.sum'));
  const index = goTypeIndex(projectAssemblies(ROOT));
  const fixes: Record<string, number> = {};
  const tally = (f: Record<string, number>) => {
    for (const [k, v] of Object.entries(f)) {
      fixes[k] = (fixes[k] ?? 0) + v;
    }
  };
  const written: Written[] = [];
  for (const s of snippets()) {
    const translation = checkTranslation(s, 'go');
    let fixed: { source: string; fixes: Record<string, number> } = { source: translation, fixes: {} };
    try {
      fixed = process.env.GO_SNIPPETS_RAW ? fixed : fixGoSnippet(translation, s.translations.$, index);
    } catch (e) {
      throw new Error(`${s.file}:${s.line} (fixture ${s.fixture}): ${(e as Error).message}`);
    }
    tally(fixed.fixes);
    const source = fixed.source;
    const declared = [...new Set([...source.matchAll(/^(\w+) :?= /gm)].map(m => m[1]).filter(n => n !== '_'))];
    const used = declared.length > 0 ? `\n${declared.map(n => `_ = ${n}`).join('\n')}` : '';
    const name = `${s.slug}/main.go`;
    const e = embed(fixtureFile(s.fixture, 'go'), `${source.replace(/\s+$/, '')}${used}`, `// ${s.file}, line ${s.line} (fixture ${s.fixture}):`,
      l => /^import (\w+ )?"/.test(l), { imports: /^\/\/ imports\s*$/, here: /^\s*\/\/ here\s*$/ });
    fs.mkdirSync(path.join(dir, s.slug));
    const text = e.text.replace(/^package main$/m, `package ${s.slug}`);
    fs.writeFileSync(path.join(dir, name), text);
    written.push({ ...e, text, snippet: s, name, language: 'Go' });
  }
  console.log(`go: ${written.length} snippets written to ${path.relative(ROOT, dir)}`);
  const t0 = Date.now();
  // go build stops at the first import that no required module provides: find those first (one go list
  // over every imported path), name each snippet that imports one, and compile the others.
  const importsOf = (w: Written) => [...w.text.matchAll(/^import (?:\w+ )?"([^"]+)"/gm)].map(m => m[1]);
  const paths = [...new Set(written.flatMap(importsOf))].sort();
  const listed = spawnSync('go', ['list', '-e', '-f', '{{.ImportPath}}\t{{if .Error}}{{.Error}}{{end}}', ...paths],
    { cwd: dir, env: process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const unresolved = new Map((listed.stdout ?? '').split('\n').filter(l => /\t./.test(l))
    .map(l => [l.split('\t')[0], l.split('\t')[1].split('\n')[0].replace(/^.*?: (?=no required module|cannot find)/, '')]));
  const found = new Map<Written, string[]>();
  for (const w of written) {
    w.text.split('\n').forEach((l, i) => {
      const p = /^import (?:\w+ )?"([^"]+)"/.exec(l)?.[1];
      if (p && unresolved.has(p)) {
        found.set(w, [...found.get(w) ?? [], `${unresolved.get(p)}\n      at ${w.snippet.file}:${w.snippet.line} (fixture ${w.snippet.fixture}), an import of its Go translation (${w.name}:${i + 1}): ${l}`]);
      }
    });
  }
  const loadable = () => written.filter(w => !found.has(w));
  const tool = 'to compile (go build; go vet)';
  // Repair rounds: a build, then the repairs its errors show; the build after the last round is the verdict.
  const rounds = process.env.GO_SNIPPETS_RAW ? 0 : Number(process.env.GO_SNIPPETS_ROUNDS ?? 5);
  let builds = 0;
  if (loadable().length > 0) {
    let checked: { status: number; output: string };
    for (let round = 1; ; round++) {
      const packages = loadable().map(w => `./${path.dirname(w.name)}`);
      builds++;
      // the packages built before come from the build cache: only the repaired ones compile again
      checked = round > rounds ? check('go', ['build', '-gcflags=-e', ...packages], dir) : (() => {
        const r = spawnSync('go', ['build', '-gcflags=-e', ...packages], { cwd: dir, env: process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        if (r.error) {
          throw r.error;
        }
        return { status: r.status ?? 1, output: `${r.stdout ?? ''}\n${r.stderr ?? ''}` };
      })();
      if (checked.status === 0 || round > rounds) {
        break;
      }
      let repaired = 0;
      let snippetsRepaired = 0;
      for (const [w, errs] of goErrors(checked.output, written)) {
        const r = fixFromErrors(w.text, errs);
        const n = Object.values(r.fixes).reduce((x, y) => x + y, 0);
        if (n > 0) {
          repaired += n;
          snippetsRepaired++;
          tally(r.fixes);
          fs.writeFileSync(path.join(dir, w.name), r.text);
          written[written.indexOf(w)] = { ...w, text: r.text };
        }
      }
      if (repaired === 0) {
        // nothing more to repair: this build's errors are the verdict
        process.stdout.write(checked.output);
        break;
      }
      console.log(`go: build ${round}: ${repaired} repairs from the compiler's errors in ${snippetsRepaired} snippets`);
    }
    if (checked.status === 0) {
      checked = check('go', ['vet', ...loadable().map(w => `./${path.dirname(w.name)}`)], dir);
    }
    const compiled = goDiagnostics(checked.output, written);
    for (const [w, errors] of compiled) {
      found.set(w, errors);
    }
    if (checked.status !== 0 && compiled.size === 0) {
      console.error('go: the build failed without an error in a snippet file (see its output above)');
      return 1;
    }
  }
  const summary = Object.entries(fixes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`go: repairs of rosetta's translations: ${summary || 'none'}`);
  if (found.size === 0) {
    console.log(`go: ${written.length} snippets compile and pass go vet against the binding (${builds} builds, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return 0;
  }
  report('Go', tool, found, written.length);
  return 1;
}

if (require.main === module) {
  const [language, arg] = process.argv.slice(2);
  try {
    if (language === 'python' && arg) {
      process.exit(python(arg));
    } else if (language === 'java' && arg) {
      process.exit(java(arg));
    } else if (language === 'go' && arg) {
      process.exit(go(arg));
    } else if (language === 'list') {
      for (const s of snippets()) {
        console.log(`${s.file}:${s.line} fixture=${s.fixture} ${s.slug}`);
      }
    } else {
      console.error('usage: tsx scripts/run-snippets.ts python <python interpreter> | java <classpath> | go <Go module to copy go.mod from> | list');
      process.exit(2);
    }
  } catch (e) {
    console.error(`run-snippets: ${(e as Error).message}`);
    process.exit(1);
  }
}
