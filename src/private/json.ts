/**
 * JSON from outside (files, templates, policy texts, events) parsed with a nesting limit, and
 * errors that say where the text went wrong without quoting it (a file that is not JSON may be
 * anything: no byte of it belongs in a message).
 *
 * Leaf module: imports nothing.
 */

/**
 * Deepest nesting of objects and arrays accepted. CloudFormation templates, lifecycle and IAM
 * policies, image manifests and `describe-images` output nest fewer than 20 levels; 256 leaves
 * room and keeps every recursive walk over the value far from the stack limit.
 */
export const MAX_JSON_DEPTH = 256;

/** Text that is not JSON, or nests too deep. The message names the source and a position, never the text. */
export class JsonInputError extends Error {
  constructor(message: string, public readonly source: string, public readonly reason: 'syntax' | 'depth' = 'syntax') {
    super(message);
    this.name = 'JsonInputError';
  }
}

/** Options of `parseJson`. */
export interface ParseJsonOptions {
  /** @default MAX_JSON_DEPTH */
  readonly maxDepth?: number;
}

/** Line and column (1-based) of character `index`. */
function lineColumn(text: string, index: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${index - start + 1}`;
}

/** The first index at which `text` nests deeper than `max`, or -1. Strings are skipped. */
export function excessDepthAt(text: string, max: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) { // backslash: skip the escaped character
        i++;
      } else if (c === 34) {
        inString = false;
      }
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) { // [ {
      if (++depth > max) {
        return i;
      }
    } else if (c === 93 || c === 125) { // ] }
      depth--;
    }
  }
  return -1;
}

/**
 * Parse `text` as JSON. Throws `JsonInputError` naming `source` when it is not JSON (with the line
 * and column, not the text) or nests deeper than the limit.
 */
export function parseJson(text: string, source: string, options: ParseJsonOptions = {}): unknown {
  const max = options.maxDepth ?? MAX_JSON_DEPTH;
  const deep = excessDepthAt(text, max);
  if (deep >= 0) {
    throw new JsonInputError(`${source} nests deeper than ${max} levels of objects and arrays (at ${lineColumn(text, deep)}): `
      + 'the limit keeps a hostile file from exhausting the stack', source, 'depth');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = String((e as Error)?.message ?? '');
    // V8 says "at position N" or "(line L column C)"; other words may quote the text, so they are dropped.
    const lc = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    const where = lc ? ` at line ${lc[1]}, column ${lc[2]}` : pos ? ` at ${lineColumn(text, Number(pos[1]))}` : /end of (JSON )?input/i.test(message) || text.trim() === '' ? ' (it ends too early)' : '';
    throw new JsonInputError(`${source} is not JSON${where}`, source);
  }
}
