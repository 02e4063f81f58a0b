import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { EcrValidationError, LifecyclePolicy, PrivateRepository } from '../src';
import { caught } from './helpers/errors';

describe('EcrValidationError', () => {
  test('is an Error with a name, a message that starts with the construct path, and a stack', () => {
    const e = new EcrValidationError('Stack/Repo', 'invalid x 1: must be 2');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(EcrValidationError);
    expect(e.name).toBe('EcrValidationError');
    expect(e.message).toBe('Stack/Repo: invalid x 1: must be 2');
    expect(String(e)).toBe('EcrValidationError: Stack/Repo: invalid x 1: must be 2');
    expect(e.stack).toMatch(/^EcrValidationError: Stack\/Repo: invalid x 1: must be 2\n\s+at /);
    expect(e.constructPath).toBe('Stack/Repo');
    expect(e.violations).toEqual([]);
  });

  test('isEcrValidationError tests the Symbol.for brand, not the class', () => {
    expect(EcrValidationError.isEcrValidationError(new EcrValidationError('A', 'b'))).toBe(true);
    // Another copy of the library brands its errors with the same global symbol.
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('cdk-ecr-registry.EcrValidationError'), { value: true });
    expect(EcrValidationError.isEcrValidationError(foreign)).toBe(true);
    for (const x of [new Error('x'), null, undefined, 'EcrValidationError', { name: 'EcrValidationError' }]) {
      expect(EcrValidationError.isEcrValidationError(x)).toBe(false);
    }
  });

  test('a construct throws it with its path and every violation as data', () => {
    const stack = new Stack(new App(), 'S');
    const e = caught(() => new PrivateRepository(stack, 'Repo', {
      repositoryName: 'Bad_Name',
      emptyOnDelete: true,
    }));
    expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
    const error = e as EcrValidationError;
    expect(error.constructPath).toBe('S/Repo');
    expect(error.violations.map(v => [v.property, v.value])).toEqual([
      ['repositoryName', 'Bad_Name'],
      ['emptyOnDelete', true],
    ]);
    expect(error.violations[1].allowed).toBe('only with removalPolicy DESTROY (got retain)');
    expect(error.message).toBe([
      'S/Repo: 2 invalid properties:',
      `  - invalid repositoryName "Bad_Name": ${error.violations[0].allowed}`,
      '  - invalid emptyOnDelete true: only with removalPolicy DESTROY (got retain)',
    ].join('\n'));
    expect(stack.node.children).toHaveLength(0);
  });

  test('a method call that cannot work throws it too', () => {
    const stack = new Stack(new App(), 'S');
    const repo = new PrivateRepository(stack, 'Repo');
    const e = caught(() => repo.addLifecycleRule({ maxImageCount: 3 }));
    expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
    expect((e as EcrValidationError).constructPath).toBe('S/Repo');
    expect(EcrValidationError.isEcrValidationError(caught(() => LifecyclePolicy.fromJson('{')))).toBe(true);
  });

  test('messages say what is allowed in words first; a pattern, if any, comes last', () => {
    const stack = new Stack(new App(), 'S');
    const e = caught(() => new PrivateRepository(stack, 'Repo', { repositoryName: 'Bad_Name' })) as EcrValidationError;
    expect(e.violations[0].allowed).toMatch(/^must be 2-256 characters: lowercase letters and digits/);
    expect(e.violations[0].allowed).toMatch(/\(pattern \^\(\?=\.\{2,256\}\$\).*\)$/);
    // aws-cdk-lib's own checks are not ours to reword; ours run first.
    expect(() => new ecr.Repository(stack, 'Plain', { repositoryName: 'Bad_Name' })).toThrow();
  });
});

/**
 * Every TypeScript file of the construct library: not the code that runs against a live registry
 * (the Lambda handlers, the CLI, the runtime client policy, the live report, adoption and the image copy engine), which has its own error types.
 */
function constructSources(): string[] {
  const root = path.join(__dirname, '..', 'src');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (![path.join(root, 'cli'), path.join(root, 'runtime'), path.join(root, 'report'), path.join(root, 'adopt')].includes(p)) {
          walk(p);
        }
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.lambda.ts')
        // The image copy engine (run by the copy command and the ImageCopy handler, not at synth):
        // only the construct and its provider are construct code.
        && (dir !== path.join(root, 'image-copy') || entry.name === 'image-copy.ts')
        && p !== path.join(root, 'image-copy', 'private', 'copy-event.ts')
        // The handler's core (run by the image check Lambda function, not at synth).
        && p !== path.join(root, 'image-check', 'private', 'check-images.ts')
        && p !== path.join(root, 'image-check', 'private', 'protect.ts')
        && p !== path.join(root, 'image-check', 'private', 'platforms.ts')
        // The organization audit worker's core (run by its Lambda function, not at synth).
        && p !== path.join(root, 'audit', 'private', 'worker.ts')
        // The public catalog handler's inline source: a string run by its Lambda function, not at synth.
        && p !== path.join(root, 'public', 'private', 'catalog-handler-source.ts')
        // Bounded reads and JSON for the run-time code (CLI, report): each caller turns their errors into its own.
        && p !== path.join(root, 'private', 'files.ts')
        && p !== path.join(root, 'private', 'json.ts')
        // Bounded concurrency (run by the handler and the live report, not at synth).
        && p !== path.join(root, 'private', 'concurrency.ts')) {
        out.push(p);
      }
    }
  };
  walk(root);
  return out;
}

describe('one error type and one token predicate across the construct code', () => {
  const sources = constructSources().map(file => ({ file: path.relative(path.join(__dirname, '..'), file), text: fs.readFileSync(file, 'utf8') }));

  test('the scan sees the construct code', () => {
    expect(sources.map(s => s.file)).toEqual(expect.arrayContaining([
      'src/repository/private-repository.ts', 'src/image-check/image-check.ts', 'src/private/tokens.ts',
      'src/image-copy/image-copy.ts', 'src/image-copy/private/provider.ts', 'src/image-copy/private/contract.ts',
    ]));
  });

  test('every synth-time throw is an EcrValidationError', () => {
    const plain = sources.flatMap(s => [...s.text.matchAll(/throw new (\w+)\(/g)]
      .filter(m => m[1] !== 'EcrValidationError')
      .map(m => `${s.file}: throw new ${m[1]}`));
    expect(plain).toEqual([]);
  });

  test('Token.isUnresolved is called only by the one predicate (src/private/tokens.ts)', () => {
    const users = sources.filter(s => /Token\.isUnresolved\(/.test(s.text)).map(s => s.file);
    expect(users).toEqual(['src/private/tokens.ts']);
    const others = sources.filter(s => /function (known|isResolved|isToken)\b/.test(s.text)).map(s => s.file);
    expect(others).toEqual([]);
  });
});
