/**
 * `report --assembly` reads only inside the assembly, only regular files, only so much: the guard
 * (src/report/private/assembly-guard.ts) ends a hostile assembly with one error (exit 2) naming the
 * file and the limit before anything is opened, and nothing of a file that is not a template
 * reaches any output.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { main } from '../../src/cli/main';
import { readAssembly, ReportInputError } from '../../src/report';
import { MAX_ASSEMBLY_NESTING, MAX_TEMPLATE_BYTES } from '../../src/report/private/assembly-guard';

jest.setTimeout(60_000);

/** Every path opened or read through `fs` while `recording` (the property test). */
const opened: string[] = [];
let recording = false;
jest.mock('fs', () => {
  const real = jest.requireActual('fs');
  const { resolve } = jest.requireActual('path');
  const record = (p: unknown) => {
    if (recording && typeof p === 'string') {
      try {
        opened.push(real.realpathSync(p));
      } catch {
        opened.push(resolve(p));
      }
    }
  };
  return {
    ...real,
    openSync: (p: any, ...rest: any[]) => { record(p); return real.openSync(p, ...rest); },
    readFileSync: (p: any, ...rest: any[]) => { record(p); return real.readFileSync(p, ...rest); },
  };
});

const SECRET = 'root:x:0:0:secret-canary';
let base: string;
let outside: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-guard-'));
  outside = path.join(base, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'passwd'), `${SECRET}\n`);
  // Valid JSON outside: before the guard it was reported as declared.
  fs.writeFileSync(path.join(outside, 'stack.template.json'), JSON.stringify({
    Resources: { R: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'outside-canary' } } },
  }));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

let n = 0;
/** A cloud assembly directory with these artifacts and files (paths relative to it). */
function assembly(artifacts: Record<string, unknown>, files: Record<string, string> = {}, dir?: string): string {
  const root = dir ?? path.join(base, `cdk.out.${n++}`);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts }));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const stackArtifact = (templateFile: string, extra: Record<string, unknown> = {}) => ({
  type: 'aws:cloudformation:stack', environment: 'aws://111111111111/eu-west-1', properties: { templateFile }, ...extra,
});
const repoTemplate = (name: string) => JSON.stringify({ Resources: { R: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: name } } } });

function refused(dir: string, pattern: RegExp): ReportInputError {
  let error: unknown;
  try {
    readAssembly(dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ReportInputError);
  const message = (error as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain(SECRET);
  expect(message).not.toMatch(/Maximum call stack|heap/);
  return error as ReportInputError;
}

async function cli(dir: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(['report', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1', '--assembly', dir, '--timeout', '1'],
    { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
}

describe('paths that leave the assembly', () => {
  test('a templateFile with ../ to a JSON file outside: refused, naming the file (it was reported as declared)', async () => {
    const dir = assembly({ S: stackArtifact('../outside/stack.template.json') });
    refused(dir, /templateFile of artifact "S" of manifest\.json\) resolves to .*outside.*outside .*every file it names must lie inside it/);
    const r = await cli(dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('outside-canary');
  });

  test('a symbolic link to a file outside (not JSON): refused, no byte of it in the message', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') });
    fs.symlinkSync(path.join(outside, 'passwd'), path.join(dir, 'S.template.json'));
    refused(dir, /S\.template\.json \(templateFile of artifact "S".*resolves to .*passwd, outside/);
  });

  test('a symbolic link to /dev/zero: refused at once (it grew to 16.8 GB before)', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') });
    fs.symlinkSync('/dev/zero', path.join(dir, 'S.template.json'));
    const started = Date.now();
    refused(dir, /resolves to \/dev\/zero, outside/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('manifest.json itself a link out of the assembly: refused', () => {
    const dir = path.join(base, `cdk.out.${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(outside, 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts: {} }));
    fs.symlinkSync(path.join(outside, 'manifest.json'), path.join(dir, 'manifest.json'));
    refused(dir, /manifest\.json resolves to .*outside/);
  });

  test('a nested stack whose asset path leaves the assembly: refused', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') }, {
      'S.template.json': JSON.stringify({ Resources: { N: { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': '../outside/stack.template.json' }, Properties: { TemplateURL: 'x' } } } }),
    });
    refused(dir, /nested stack N \(in S\.template\.json\) resolves to .*outside/);
  });

  test('a nested assembly whose directoryName leaves the assembly: refused', () => {
    const dir = assembly({ Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: '../outside' } } });
    refused(dir, /directoryName of artifact "Stage".*resolves to .*outside/);
  });

  test('an additionalMetadataFile outside: refused (CloudAssembly reads it when it opens the manifest)', () => {
    const dir = assembly({ S: stackArtifact('S.template.json', { additionalMetadataFile: '../outside/passwd' }) }, { 'S.template.json': repoTemplate('a') });
    refused(dir, /additionalMetadataFile of artifact "S".*outside/);
  });

  test('a symbolic link inside the assembly to another file of it is fine', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') }, { 'real.json': repoTemplate('linked') });
    fs.symlinkSync(path.join(dir, 'real.json'), path.join(dir, 'S.template.json'));
    expect(readAssembly(dir).stacks[0].subjects.map(s => (s.subject as any).name)).toEqual(['linked']);
  });
});

describe('files that are not regular or too large', () => {
  test('a template of 200 MB (sparse): refused naming the 1 MB limit, without reading it', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') });
    execFileSync('truncate', ['-s', '200M', path.join(dir, 'S.template.json')]);
    const before = process.memoryUsage().rss;
    refused(dir, new RegExp('S\\.template\\.json \\(templateFile of artifact "S" of manifest\\.json\\) is 209,715,200 bytes, over the limit of 1 MiB \\(CloudFormation deploys templates of at most 1 MB\\)'));
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
  });

  test('a template just over the limit is refused; at the limit it is read', () => {
    const pad = (size: number) => {
      const t = repoTemplate('big');
      return t.slice(0, -1) + ' '.repeat(size - t.length) + '}';
    };
    const ok = assembly({ S: stackArtifact('S.template.json') }, { 'S.template.json': pad(MAX_TEMPLATE_BYTES) });
    expect(readAssembly(ok).stacks).toHaveLength(1);
    const over = assembly({ S: stackArtifact('S.template.json') }, { 'S.template.json': pad(MAX_TEMPLATE_BYTES + 1) });
    refused(over, /over the limit of 1 MiB/);
  });

  test('a named pipe as template: refused, not opened (open() would wait for a writer)', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') });
    execFileSync('mkfifo', [path.join(dir, 'S.template.json')]);
    refused(dir, /S\.template\.json .* is not a regular file \(a device, socket or pipe\)/);
  });

  test('a directory as template: refused', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') });
    fs.mkdirSync(path.join(dir, 'S.template.json'));
    refused(dir, /is not a regular file \(a directory\)/);
  });
});

describe('nesting and cycles', () => {
  test('a nested assembly named "." (it ended in "Maximum call stack size exceeded"): a cycle', () => {
    const dir = assembly({ Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: '.' } } });
    refused(dir, /\. \(directoryName of artifact "Stage" of manifest\.json\) contains itself \(a cycle of nested assemblies\)/);
  });

  test('two assemblies naming each other: a cycle', () => {
    const dir = assembly({ A: { type: 'cdk:cloud-assembly', properties: { directoryName: 'a' } } });
    assembly({ B: { type: 'cdk:cloud-assembly', properties: { directoryName: '..' } } }, {}, path.join(dir, 'a'));
    refused(dir, /contains itself \(a cycle of nested assemblies\)/);
  });

  test(`assemblies nested deeper than ${MAX_ASSEMBLY_NESTING}: refused naming the limit`, () => {
    const dir = assembly({ A: { type: 'cdk:cloud-assembly', properties: { directoryName: 'n' } } });
    let d = dir;
    for (let i = 0; i < MAX_ASSEMBLY_NESTING + 1; i++) {
      d = path.join(d, 'n');
      assembly({ A: { type: 'cdk:cloud-assembly', properties: { directoryName: 'n' } } }, {}, d);
    }
    refused(dir, new RegExp(`nests assemblies more than ${MAX_ASSEMBLY_NESTING} deep, the limit`));
  });

  test('a nested stack whose template is its own: a cycle', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') }, {
      'S.template.json': JSON.stringify({ Resources: { Me: { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': 'S.template.json' } } } }),
    });
    refused(dir, /nested stack Me .* contains itself \(a cycle of nested stacks\)/);
  });

  test('two nested stacks sharing one template (CDK dedups assets by hash) are fine', () => {
    const nested = { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': 'n.json' } };
    const dir = assembly({ S: stackArtifact('S.template.json') }, {
      'S.template.json': JSON.stringify({ Resources: { A: nested, B: nested } }),
      'n.json': repoTemplate('shared'),
    });
    expect(readAssembly(dir).stacks.map(s => s.displayName)).toEqual(['S', 'S/A', 'S/B']);
  });
});

describe('JSON', () => {
  test('a template nested 15,000 deep: one error naming the file and the limit', () => {
    const dir = assembly({ S: stackArtifact('S.template.json') }, { 'S.template.json': `{"Resources":${'['.repeat(15_000)}${']'.repeat(15_000)}}` });
    refused(dir, /S\.template\.json \(templateFile of artifact "S" of manifest\.json\) nests deeper than 256 levels/);
  });

  test('a manifest nested 15,000 deep: one error', () => {
    const dir = path.join(base, `cdk.out.${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'manifest.json'), `{"version":"36.0.0","artifacts":{"x":${'['.repeat(15_000)}${']'.repeat(15_000)}}}`);
    refused(dir, /manifest\.json nests deeper than 256 levels/);
  });

  test('a template inside the assembly that is not JSON: a stack with an error that quotes nothing of it', async () => {
    const dir = assembly({ S: stackArtifact('S.template.json'), T: stackArtifact('T.template.json') }, {
      'S.template.json': `${SECRET}\nmore secret lines\n`,
      'T.template.json': repoTemplate('fine'),
    });
    const d = readAssembly(dir);
    expect(d.stacks.map(s => [s.artifactId, s.error ?? null])).toEqual([
      ['S', 'its template S.template.json could not be read: is not JSON'],
      ['T', null],
    ]);
    const r = await cli(dir);
    expect(`${r.stdout}${r.stderr}`).not.toContain('root:x');
  });

  test('a manifest that is not JSON: exit 2, quoting nothing', () => {
    const dir = path.join(base, `cdk.out.${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'manifest.json'), SECRET);
    refused(dir, /manifest\.json is not JSON$/);
  });
});

describe('property: random manifests, paths and nesting', () => {
  const names = fc.constantFrom('S.template.json', 'n.json', '../outside/stack.template.json', '../outside/passwd', '/etc/passwd', '.', '..',
    'sub', 'sub/../S.template.json', 'link', 'loop', 'missing.json', 'fifo', 'deep.json', 'notjson.json', '', 'sub/n.json');
  const artifact = fc.oneof(
    names.map(f => ({ type: 'aws:cloudformation:stack', environment: 'aws://111111111111/eu-west-1', properties: { templateFile: f } })),
    names.map(d => ({ type: 'cdk:cloud-assembly', properties: { directoryName: d } })),
    names.map(f => ({ type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'S.template.json' }, additionalMetadataFile: f })),
    fc.anything({ maxDepth: 3 }),
  );
  const template = fc.oneof(
    fc.constant(repoTemplate('inside')),
    names.map(f => JSON.stringify({ Resources: { N: { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': f } } } })),
    fc.constant('not json'),
    fc.jsonValue({ maxDepth: 4 }).map(v => JSON.stringify(v)),
  );

  test('never reads outside, never crashes with anything but ReportInputError, bounded', () => {
    let reads = 0;
    try {
      fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), artifact, { maxKeys: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), artifact, { maxKeys: 3 }), template, template, (top, sub, t1, t2) => {
          const dir = path.join(base, `prop.${n++}`);
          assembly(top, { 'S.template.json': t1, 'n.json': t2, 'notjson.json': SECRET, 'deep.json': '['.repeat(300) + ']'.repeat(300) }, dir);
          assembly(sub, { 'n.json': t1 }, path.join(dir, 'sub'));
          fs.symlinkSync(path.join(outside, 'passwd'), path.join(dir, 'link'));
          fs.symlinkSync(dir, path.join(dir, 'loop'));
          execFileSync('mkfifo', [path.join(dir, 'fifo')]);
          opened.length = 0;
          recording = true;
          const started = Date.now();
          let out = '';
          try {
            out = JSON.stringify(readAssembly(dir));
          } catch (e) {
            expect(e).toBeInstanceOf(ReportInputError);
            out = (e as Error).message;
          }
          recording = false;
          reads += opened.length;
          expect(Date.now() - started).toBeLessThan(5_000);
          expect(out).not.toContain('root:x');
          expect(out).not.toContain('outside-canary');
          const realOutside = fs.realpathSync(outside);
          expect(opened.filter(p => p.startsWith(realOutside) || p.startsWith('/etc/') || p.startsWith('/dev/'))).toEqual([]);
          fs.rmSync(dir, { recursive: true, force: true });
        }), { numRuns: 150 });
    } finally {
      recording = false;
    }
    // The recording saw the reads (the test would pass vacuously otherwise).
    expect(reads).toBeGreaterThan(100);
  });
});
