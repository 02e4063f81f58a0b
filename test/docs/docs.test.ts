/**
 * The README and docs/ pages: what ships to npm, PyPI and Maven has absolute links that resolve, every
 * docs page is reachable from the README's feature table, and the README stays a short first page.
 */
import * as fs from 'fs';
import * as path from 'path';
import { typescriptBlocks } from '../../scripts/docs-snippets';

const ROOT = path.resolve(__dirname, '..', '..');
const REPO_URL = 'https://github.com/cdk-ecr-registry/cdk-ecr-registry';
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DOCS = fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).sort();

/** Markdown links `[text](target)` outside code blocks and code spans. */
function links(markdown: string): string[] {
  const prose = markdown
    .replace(/^(\s*)(`{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, '')
    .replace(/`[^`\n]*`/g, '`code`');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]);
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): string[] {
  const prose = markdown.replace(/^(\s*)(`{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, '');
  return [...prose.matchAll(/^#{1,6} (.+)$/gm)].map(m => slug(m[1]));
}

const pages: Array<[string, string]> = [['README.md', README], ...DOCS.map(f => [`docs/${f}`, fs.readFileSync(path.join(ROOT, 'docs', f), 'utf8')] as [string, string])];

describe('README and docs/', () => {
  test('the README is a short first page (at most 400 lines)', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(400);
  });

  test.each(pages)('%s links only with absolute URLs (or to its own headings)', (name, markdown) => {
    const relative = links(markdown).filter(l => !/^https?:\/\//.test(l) && !l.startsWith('#'));
    expect({ name, relative }).toEqual({ name, relative: [] });
    const own = anchors(markdown);
    const missing = links(markdown).filter(l => l.startsWith('#') && !own.includes(l.slice(1)));
    expect({ name, missing }).toEqual({ name, missing: [] });
  });

  test.each(pages)('%s: links into this repository name files and headings that exist', (name, markdown) => {
    const broken: string[] = [];
    for (const link of links(markdown).filter(l => l.startsWith(`${REPO_URL}/`))) {
      const m = /^https:\/\/github\.com\/cdk-ecr-registry\/cdk-ecr-registry\/(blob|tree)\/main\/([^#]+)(?:#(.+))?$/.exec(link);
      if (!m) {
        broken.push(`${link}: not a blob/main or tree/main link`);
        continue;
      }
      const target = path.join(ROOT, m[2]);
      if (!fs.existsSync(target)) {
        broken.push(`${link}: ${m[2]} does not exist`);
        continue;
      }
      if ((m[1] === 'tree') !== fs.statSync(target).isDirectory()) {
        broken.push(`${link}: use tree/ for folders and blob/ for files`);
      }
      if (m[3] && (!target.endsWith('.md') || !anchors(fs.readFileSync(target, 'utf8')).includes(m[3]))) {
        broken.push(`${link}: no heading #${m[3]} in ${m[2]}`);
      }
    }
    expect({ name, broken }).toEqual({ name, broken: [] });
  });

  test('every docs/ page has its row in the README feature table (or the Install section), or is linked from a page that has', () => {
    const section = (title: string) => README.split(`\n## ${title}\n`)[1]?.split('\n## ')[0] ?? '';
    const rows = section('Features').split('\n').filter(l => l.startsWith('| ') && !l.startsWith('| concern'));
    const docsLinks = (ls: string[]) => ls
      .filter(l => l.startsWith(`${REPO_URL}/blob/main/docs/`))
      .map(l => l.replace(`${REPO_URL}/blob/main/`, '').replace(/#.*$/, ''));
    const fromReadme = docsLinks([...rows.flatMap(r => links(r)), ...links(section('Install'))]);
    const reached = new Set(fromReadme);
    for (const page of fromReadme) {
      const file = path.join(ROOT, page);
      if (fs.existsSync(file)) {
        docsLinks(links(fs.readFileSync(file, 'utf8'))).forEach(p => reached.add(p));
      }
    }
    expect(DOCS.map(f => `docs/${f}`).filter(p => !reached.has(p))).toEqual([]);
  });

  test('every docs/ page starts with one title', () => {
    for (const f of DOCS) {
      const text = fs.readFileSync(path.join(ROOT, 'docs', f), 'utf8');
      expect({ f, first: text.split('\n')[0].startsWith('# ') }).toEqual({ f, first: true });
      expect({ f, titles: (text.replace(/^(\s*)(`{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, '').match(/^# /gm) ?? []).length }).toEqual({ f, titles: 1 });
    }
  });

  test('the snippet extractor finds every ts block, with its line', () => {
    const md = ['# T', '', '```ts', 'const a = 1;', '```', '', '```sh', 'echo', '```', '', '```typescript', 'const b = 2;', '```'].join('\n');
    expect(typescriptBlocks(md)).toEqual([{ line: 3, source: 'const a = 1;' }, { line: 11, source: 'const b = 2;' }]);
  });
});
