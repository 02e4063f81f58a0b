/**
 * scripts/run-snippets.ts names a failing snippet by its page and fence line: compiler and type checker
 * errors (javac, mypy) at a line of a written program map back to the snippet, or to the fixture around it.
 */
import { diagnostics, goDiagnostics, origin, Written } from '../../scripts/run-snippets';

// A program of 8 lines: lines 4-6 are the snippet's translation (3 lines), the rest is its fixture.
const text = [
  'package snippets;',
  '',
  'public class Snippet_docs_access_l9 {',
  '    Repo repo = new Repo();',
  '    repo.access.grantPull();',
  '    int x = 1;',
  '    Object unused;',
  '}',
].join('\n');
const access: Written = {
  text,
  firstLine: 4,
  lineCount: 3,
  name: 'snippets/Snippet_docs_access_l9.java',
  language: 'Java',
  snippet: { file: 'docs/access.md', line: 9, fixture: 'default' },
};
const readme: Written = {
  text: 'a = 1\nb: str = a\n',
  firstLine: 2,
  lineCount: 1,
  name: 'readme_l58.py',
  language: 'Python',
  snippet: { file: 'README.md', line: 58, fixture: 'app' },
};

describe('run-snippets: errors name the page and line of the snippet', () => {
  test('a line of the translation: page, fence line, line of the translation and its text', () => {
    expect(origin(access, 5)).toBe('docs/access.md:9 (fixture default), line 2 of its Java translation: repo.access.grantPull();');
    expect(origin(access, 4)).toMatch(/, line 1 of its Java translation: Repo repo/);
    expect(origin(access, 6)).toMatch(/, line 3 of its Java translation: int x = 1;/);
  });

  test('a line outside the translation is the fixture\'s', () => {
    expect(origin(access, 7)).toBe('docs/access.md:9 (fixture default), in rosetta/default.java-fixture around it '
      + '(snippets/Snippet_docs_access_l9.java:7): Object unused;');
    expect(origin(access, 3)).toMatch(/in rosetta\/default\.java-fixture around it/);
    expect(origin(readme, 1)).toMatch(/^README\.md:58 \(fixture app\), in rosetta\/app\.py-fixture around it \(readme_l58\.py:1\)/);
  });

  test('javac and mypy output grouped by snippet; other lines and files ignored', () => {
    const output = [
      'snippets/Snippet_docs_access_l9.java:5: error: cannot find symbol',
      '        repo.access.grantPull();',
      '            ^',
      '  symbol:   variable access',
      'snippets/Other.java:3: error: not ours',
      'Note: snippets/Snippet_docs_access_l9.java uses unchecked or unsafe operations.',
      'snippets/Snippet_docs_access_l9.java:7: error: missing return statement',
      '1 error',
      'readme_l58.py:2: error: Incompatible types in assignment (expression has type "int", variable has type "str")  [assignment]',
      'readme_l58.py:2: note: a note is not an error',
      'Found 1 error in 1 file (checked 2 source files)',
    ].join('\n');
    const found = diagnostics(output, [access, readme]);
    expect([...found.keys()]).toEqual([access, readme]);
    expect(found.get(access)).toEqual([
      'cannot find symbol\n      at docs/access.md:9 (fixture default), line 2 of its Java translation: repo.access.grantPull();',
      expect.stringMatching(/^missing return statement\n {6}at .*in rosetta\/default\.java-fixture around it/),
    ]);
    expect(found.get(readme)).toEqual([expect.stringMatching(/^Incompatible types .*\n {6}at README\.md:58 \(fixture app\), line 1 of its Python translation: b: str = a$/)]);
  });

  test('nothing to report when the output names no snippet file', () => {
    expect(diagnostics('error: invalid flag: -Xfoo\nUsage: javac <options> <source files>', [access]).size).toBe(0);
  });
});

describe('run-snippets: Go diagnostics (go build, go vet) name the page and line of the snippet', () => {
  const goSnippet: Written = {
    text: 'package main\n\nfunc snippet() {\n\trepo := cdkecrregistry.NewPrivateRepository(this, nil, &PrivateRepositoryProps{})\n\t_ = repo\n}\n',
    firstLine: 4,
    lineCount: 1,
    name: 'docs_repositories_l6/main.go',
    language: 'Go',
    snippet: { file: 'docs/repositories.md', line: 6, fixture: 'default' },
  };

  test('go build and go vet lines, with or without ./ and vet: prefixes; other packages and lines ignored', () => {
    const output = [
      '# cdkecrregistry.example/snippets/docs_repositories_l6',
      'docs_repositories_l6/main.go:4:73: undefined: PrivateRepositoryProps',
      './docs_repositories_l6/main.go:5:2: declared and not used: x',
      'vet: docs_repositories_l6/main.go:4:10: something vet says',
      'other_l1/main.go:3:1: not ours',
      'note: module requires Go 1.26',
    ].join('\n');
    const found = goDiagnostics(output, [goSnippet]);
    expect([...found.keys()]).toEqual([goSnippet]);
    expect(found.get(goSnippet)).toEqual([
      'undefined: PrivateRepositoryProps\n      at docs/repositories.md:6 (fixture default), line 1 of its Go translation: '
        + 'repo := cdkecrregistry.NewPrivateRepository(this, nil, &PrivateRepositoryProps{})',
      expect.stringMatching(/^declared and not used: x\n {6}at .*in rosetta\/default\.go-fixture around it \(docs_repositories_l6\/main\.go:5\): _ = repo$/),
      expect.stringMatching(/^something vet says\n {6}at docs\/repositories\.md:6 .*line 1 of its Go translation/),
    ]);
  });

  test('nothing to report when the output names no snippet file', () => {
    expect(goDiagnostics('go: updates to go.mod needed; to update it:\n\tgo mod tidy', [goSnippet]).size).toBe(0);
  });
});
