/**
 * Compiles (jsii-rosetta, strict) and translates every TypeScript snippet of `docs/*.md`.
 *
 * jsii-rosetta only reads snippets from a jsii assembly: the README (the assembly's `readme`) and the
 * API docs. `docs/` lies outside the assembly, so this script gives each page an assembly of its own,
 * `.rosetta-docs/<page>/.jsii`: the project's assembly with the page as its README and no types, named
 * `docs-<page>`, beside a `package.json` that depends on this package and the `rosetta/` fixtures.
 * Snippets therefore compile exactly as README snippets do (same fixture, same strict mode, importing
 * `cdk-ecr-registry` from the freshly compiled `lib/`), and a compile error is reported as
 * `docs-<page>-README-L<line>`: the snippet at that line of `docs/<page>.md`.
 *
 * Output:
 * - `.rosetta-docs/<page>/.jsii.tabl.json`: the page's snippets with their translations;
 * - `.rosetta-docs/<language>/<page>.md`: the page with every snippet translated (python, java, go);
 * - `.rosetta-docs/cache.tabl.json`: translations reused by the next run while the snippet and the
 *   types it uses are unchanged (a clean clone compiles everything).
 *
 * Usage: tsx scripts/docs-snippets.ts [page ...]   (after `jsii` compiled `.jsii` and `lib/`;
 * `npx projen docs:snippets`; the build runs it after compile)
 *
 * Other scripts can import `docsPages`, `runDocsSnippets` and `translatedPage` (for example to run the
 * translated Python or Java snippets).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
/** Where the per-page assemblies, tablets and translations go (git-ignored). */
export const WORK_DIR = path.join(ROOT, '.rosetta-docs');
/** The languages the assembly targets, and so the languages snippets are translated to. */
export const LANGUAGES = ['python', 'java', 'go'] as const;
export type Language = typeof LANGUAGES[number];

/** One `docs/*.md` page. */
export interface DocsPage {
  /** File name without `.md` (`lifecycle`). */
  readonly name: string;
  /** Absolute path of the page. */
  readonly file: string;
  /** Name of the page's assembly: how rosetta names its snippets (`docs-lifecycle-README-L12`). */
  readonly assemblyName: string;
  /** The page's assembly directory under `.rosetta-docs/`. */
  readonly dir: string;
}

/** Every `docs/*.md` page, or the named ones. */
export function docsPages(names: string[] = []): DocsPage[] {
  const docsDir = path.join(ROOT, 'docs');
  const all = fs.readdirSync(docsDir).filter(f => f.endsWith('.md')).sort().map(f => f.slice(0, -3));
  const unknown = names.filter(n => !all.includes(n.replace(/\.md$/, '')));
  if (unknown.length > 0) {
    throw new Error(`no docs page ${unknown.join(', ')}; pages: ${all.join(', ')}`);
  }
  const selected = names.length > 0 ? all.filter(n => names.map(x => x.replace(/\.md$/, '')).includes(n)) : all;
  return selected.map(name => ({
    name,
    file: path.join(docsDir, `${name}.md`),
    assemblyName: `docs-${name}`,
    dir: path.join(WORK_DIR, name),
  }));
}

/** The TypeScript snippets of a page, as rosetta extracts them (` ```ts ` and ` ```typescript ` blocks). */
export function typescriptBlocks(markdown: string): Array<{ line: number; source: string }> {
  const blocks: Array<{ line: number; source: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*(ts|typescript)\b/.exec(lines[i]);
    if (!open) {
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trimStart().startsWith(open[2])) {
      body.push(lines[j]);
      j++;
    }
    blocks.push({ line: i + 1, source: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Write one assembly per page (plus the shared `node_modules/cdk-ecr-registry` link to this package). */
function prepare(pages: DocsPage[]): void {
  const assemblyFile = path.join(ROOT, '.jsii');
  if (!fs.existsSync(assemblyFile) || !fs.existsSync(path.join(ROOT, 'lib', 'index.d.ts'))) {
    throw new Error('no .jsii or lib/index.d.ts: compile first (npx projen compile)');
  }
  const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  fs.mkdirSync(WORK_DIR, { recursive: true });
  for (const entry of fs.readdirSync(WORK_DIR)) {
    if (entry !== 'cache.tabl.json') {
      fs.rmSync(path.join(WORK_DIR, entry), { recursive: true, force: true });
    }
  }
  // Snippets import `cdk-ecr-registry`: resolve it to this package (its lib/ and package.json).
  fs.mkdirSync(path.join(WORK_DIR, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(WORK_DIR, 'node_modules', pkg.name), 'dir');

  for (const page of pages) {
    fs.mkdirSync(page.dir);
    const pageAssembly = {
      ...assembly,
      name: page.assemblyName,
      readme: { markdown: fs.readFileSync(page.file, 'utf8') },
      // The API docs' own examples are the real assembly's business (`jsii-rosetta extract .jsii`).
      types: {},
    };
    delete pageAssembly.fingerprint;
    fs.writeFileSync(path.join(page.dir, '.jsii'), JSON.stringify(pageAssembly));
    fs.writeFileSync(path.join(page.dir, 'package.json'), JSON.stringify({
      name: page.assemblyName,
      version: pkg.version,
      private: true,
      dependencies: { [pkg.name]: pkg.version },
      peerDependencies: pkg.peerDependencies,
      jsiiRosetta: { strict: true },
    }, undefined, 2));
    fs.symlinkSync(path.join(ROOT, 'rosetta'), path.join(page.dir, 'rosetta'), 'dir');
  }
}

function rosetta(args: string[]): void {
  const bin = path.join(path.dirname(require.resolve('jsii-rosetta/package.json')), 'bin', 'jsii-rosetta');
  execFileSync(process.execPath, [bin, ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.env.JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?? '20' },
  });
}

/** The page with every snippet translated to `language` (after `runDocsSnippets`). */
export function translatedPage(page: DocsPage, language: Language): string {
  return path.join(WORK_DIR, language, `${page.name}.md`);
}

/** Extract, compile (strict) and translate the snippets of the given pages; throws on any failure. */
export function runDocsSnippets(pages: DocsPage[]): { snippets: number } {
  prepare(pages);
  const cache = path.join(WORK_DIR, 'cache.tabl.json');
  const assemblies = pages.map(p => path.relative(ROOT, path.join(p.dir, '.jsii')));
  try {
    rosetta(['extract', '--strict', '--cache', path.relative(ROOT, cache), ...assemblies]);
  } catch (e) {
    if ((e as { status?: number }).status === undefined) {
      throw e;
    }
    throw new Error('docs snippets do not compile (above). A location docs-<page>-README-L<n> is the snippet at line n of docs/<page>.md; the fixture is rosetta/default.ts-fixture.');
  }

  // Every ```ts block of every page is in its tablet: none skipped.
  let snippets = 0;
  for (const page of pages) {
    const tabletFile = path.join(page.dir, '.jsii.tabl.json');
    // rosetta writes no tablet for a page without snippets
    const tablet = fs.existsSync(tabletFile) ? JSON.parse(fs.readFileSync(tabletFile, 'utf8')) : { snippets: {} };
    const extracted = new Set(Object.values<any>(tablet.snippets).map(s => String(s.translations.$.source).trim()));
    const blocks = typescriptBlocks(fs.readFileSync(page.file, 'utf8'));
    const distinct = new Set(blocks.map(b => b.source.trim()));
    if (extracted.size < distinct.size) {
      throw new Error(`docs/${page.name}.md has ${distinct.size} distinct TypeScript snippets but rosetta extracted ${extracted.size}`);
    }
    for (const snippet of Object.values<any>(tablet.snippets)) {
      if (snippet.didCompile !== true) {
        throw new Error(`docs/${page.name}.md: snippet ${snippet.location?.field?.line ?? ''} did not compile`);
      }
      for (const language of LANGUAGES) {
        if (!snippet.translations[language]?.source) {
          throw new Error(`docs/${page.name}.md: snippet at line ${snippet.location?.field?.line ?? '?'} has no ${language} translation`);
        }
      }
    }
    snippets += blocks.length;
  }

  rosetta([
    'transliterate', '--strict', '--tablet', path.relative(ROOT, cache),
    ...pages.map(p => path.relative(ROOT, p.dir)),
    // --language takes a list: it comes last, after the assemblies
    ...LANGUAGES.flatMap(l => ['--language', l]),
  ]);
  for (const language of LANGUAGES) {
    fs.mkdirSync(path.join(WORK_DIR, language), { recursive: true });
    for (const page of pages) {
      const translated = path.join(page.dir, `.jsii.${language}`);
      const markdown = JSON.parse(fs.readFileSync(translated, 'utf8')).readme.markdown as string;
      fs.writeFileSync(translatedPage(page, language), markdown);
      fs.rmSync(translated);
    }
  }
  return { snippets };
}

if (require.main === module) {
  try {
    const pages = docsPages(process.argv.slice(2));
    const t0 = Date.now();
    const { snippets } = runDocsSnippets(pages);
    console.log(`docs snippets: ${snippets} in ${pages.length} pages compiled (jsii-rosetta strict) and translated to ${LANGUAGES.join(', ')} `
      + `in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${path.relative(ROOT, WORK_DIR)}/<language>/<page>.md`);
  } catch (e) {
    console.error(`docs-snippets: ${(e as Error).message}`);
    process.exit(1);
  }
}
