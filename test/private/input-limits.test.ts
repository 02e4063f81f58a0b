/** The leaf helpers every bounded read relies on: escaping, JSON with a nesting limit, bounded file reads. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { EcrValidationError, LifecyclePolicy } from '../../src';
import { boundLine, escapeTerminal, logLine } from '../../src/private/escape';
import { FileLimitError, readBounded, resolveInside } from '../../src/private/files';
import { excessDepthAt, JsonInputError, MAX_JSON_DEPTH, parseJson } from '../../src/private/json';

describe('escapeTerminal', () => {
  test('C0, DEL, C1 and invisible reordering characters are escaped; text stays', () => {
    expect(escapeTerminal('a\u001b[31mred\r\nb\tc\u0000\u007f\u009b\u0085\u202e\u2028é😀')).toBe(
      'a\\x1b[31mred\\r\\nb\\tc\\x00\\x7f\\x9b\\x85\\u{202e}\\u{2028}é😀');
    expect(escapeTerminal('line 1\nline\u001b 2', { keepNewlines: true })).toBe('line 1\nline\\x1b 2');
  });

  test('property: the result holds no control character, and is idempotent', () => {
    fc.assert(fc.property(fc.fullUnicodeString(), s => {
      const e = escapeTerminal(s);
      expect(e).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
      expect(escapeTerminal(e)).toBe(e);
    }));
  });

  test('bounded lines say how much was left out', () => {
    expect(boundLine('x'.repeat(100), 50)).toMatch(/^x+ \.\.\. \(\d+ more characters\)$/);
    expect(boundLine('x'.repeat(100), 50).length).toBeLessThanOrEqual(50);
    expect(logLine(`${'a\n'.repeat(10_000)}`).length).toBeLessThanOrEqual(8_192);
    expect(boundLine('short', 50)).toBe('short');
  });
});

describe('parseJson', () => {
  test('nesting beyond the limit is one error naming the source and the position, not the text', () => {
    const deep = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    expect(excessDepthAt(deep)).toBe(MAX_JSON_DEPTH);
    expect(() => parseJson(deep, 'images.json')).toThrow(new JsonInputError(
      'images.json nests deeper than 256 levels of objects and arrays (at line 1, column 257): the limit keeps a hostile file from exhausting the stack', 'images.json'));
    expect(parseJson(`${'['.repeat(256)}${']'.repeat(256)}`, 'x')).toBeDefined();
    // Brackets inside strings do not count.
    expect(parseJson(JSON.stringify({ a: '['.repeat(10_000) }), 'x')).toEqual({ a: '['.repeat(10_000) });
  });

  test('text that is not JSON: the message quotes none of it', () => {
    for (const text of ['root:x:0:0:secret', '{"a": secret}', '', '{"a":']) {
      let message = '';
      try {
        parseJson(text, 'f.json');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^f\.json is not JSON/);
      expect(message).not.toMatch(/secret|root/);
    }
  });

  test('LifecyclePolicy.fromJson of a policy nested 15,000 deep: EcrValidationError (it was a raw RangeError)', () => {
    let error: unknown;
    try {
      LifecyclePolicy.fromJson(`{"rules":${'['.repeat(15_000)}${']'.repeat(15_000)}}`);
    } catch (e) {
      error = e;
    }
    expect(EcrValidationError.isEcrValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/LifecyclePolicy\.fromJson: invalid text .*nests deeper than 256 levels/);
  });
});

describe('bounded reads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'input-limits-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a sparse 1 GB file is refused by its size without reading; /dev/zero at the limit', () => {
    const big = path.join(dir, 'big');
    execFileSync('truncate', ['-s', '1G', big]);
    expect(() => readBounded(big, { maxBytes: 1024, label: 'big', why: 'a reason' })).toThrow('big is 1,073,741,824 bytes, over the limit of 1 KiB (a reason)');
    expect(() => readBounded('/dev/zero', { maxBytes: 1024, label: 'zero', regularOnly: false })).toThrow('zero goes on past the limit of 1 KiB');
    expect(() => readBounded('/dev/zero', { maxBytes: 1024, label: 'zero' })).toThrow('zero is not a regular file (a device, socket or pipe)');
  });

  test('resolveInside: links and .. are resolved before the check', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(dir, 'root-')));
    fs.writeFileSync(path.join(root, 'in.json'), '{}');
    fs.symlinkSync('/etc/hostname', path.join(root, 'out'));
    fs.mkdirSync(path.join(root, 'sub'));
    expect(resolveInside(root, `${root}/sub/../in.json`, 'file', 'x').real).toBe(path.join(root, 'in.json'));
    expect(() => resolveInside(root, path.join(root, 'out'), 'file', 'link')).toThrow(FileLimitError);
    expect(() => resolveInside(root, path.join(root, '..'), 'directory', 'parent')).toThrow(/outside/);
    expect(() => resolveInside(root, path.join(root, 'in.json'), 'directory', 'f')).toThrow('f is not a regular directory (a file)');
  });
});
