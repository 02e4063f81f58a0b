/**
 * Bounded reads of local files named by input that may be hostile (a manifest's paths, a CLI flag):
 * never more than a limit of bytes, never a blocking special file unless asked, and, inside a root,
 * only what really lies inside it (symbolic links and `..` resolved first).
 *
 * Leaf module: imports only Node.js.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A file that cannot be read within the rules. The message names the file and the rule, never its bytes. */
export class FileLimitError extends Error {
  constructor(message: string, public readonly file: string) {
    super(message);
    this.name = 'FileLimitError';
  }
}

/** `1 MiB`, `256 KiB`, `12 bytes`. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) {
    return `${(bytes / (1024 * 1024)).toLocaleString('en-US')} MiB`;
  }
  if (bytes >= 1024 && bytes % 1024 === 0) {
    return `${(bytes / 1024).toLocaleString('en-US')} KiB`;
  }
  return `${bytes.toLocaleString('en-US')} bytes`;
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);
}

/** Whether `child` (a real path) is `root` (a real path) or lies below it. */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '..');
}

/** What `resolveInside` found. */
export interface ResolvedEntry {
  /** The real path (links resolved). */
  readonly real: string;
  readonly stat: fs.Stats;
}

/**
 * The real path of `file` and its `stat`, when it lies inside `realRoot` (itself a real path) and is
 * of `kind`. Throws `FileLimitError` naming `label` otherwise (missing, outside, another type).
 */
export function resolveInside(realRoot: string, file: string, kind: 'file' | 'directory', label: string): ResolvedEntry {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (e) {
    throw new FileLimitError(`${label} cannot be read (${errnoOf(e)})`, file);
  }
  if (!isInside(realRoot, real)) {
    throw new FileLimitError(`${label} resolves to ${real}, outside ${realRoot}: every file it names must lie inside it (symbolic links and .. resolved)`, file);
  }
  const stat = fs.statSync(real);
  if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) {
    throw new FileLimitError(`${label} is not a regular ${kind}${stat.isDirectory() ? ' (a directory)' : stat.isFile() ? ' (a file)' : ' (a device, socket or pipe)'}`, file);
  }
  return { real, stat };
}

/** Options of `readBounded`. */
export interface ReadBoundedOptions {
  /** Most bytes read; a longer file is refused. */
  readonly maxBytes: number;
  /** How the file is named in errors (`--images images.json`). */
  readonly label: string;
  /** Why the limit is what it is, for the error (`CloudFormation deploys templates of at most 1 MB`). */
  readonly why?: string;
  /**
   * Only a regular file (no pipe, device or socket). A pipe (`/dev/stdin`) is fine for a CLI flag and
   * read up to the limit; a manifest's paths must be regular files.
   * @default true
   */
  readonly regularOnly?: boolean;
}

/**
 * Read at most `maxBytes` of `file`: a larger file (or a stream that goes on, like `/dev/zero`) is
 * refused with a `FileLimitError` naming it and the limit, after reading at most `maxBytes + 1` bytes.
 */
export function readBounded(file: string, options: ReadBoundedOptions): Buffer {
  const { maxBytes, label } = options;
  const tooLarge = (size: string) => new FileLimitError(
    `${label} is ${size}, over the limit of ${formatLimit(maxBytes)}${options.why ? ` (${options.why})` : ''}`, file);
  let fd: number;
  try {
    const st = fs.statSync(file);
    if ((options.regularOnly ?? true) && !st.isFile()) {
      throw new FileLimitError(`${label} is not a regular file${st.isDirectory() ? ' (a directory)' : ' (a device, socket or pipe)'}`, file);
    }
    if (st.isDirectory()) {
      throw new FileLimitError(`${label} is a directory, not a file`, file);
    }
    if (st.isFile() && st.size > maxBytes) {
      throw tooLarge(`${st.size.toLocaleString('en-US')} bytes`);
    }
    // Non-blocking open: a pipe with no writer must not hang the read at open().
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(file, fs.constants.O_RDONLY | ((options.regularOnly ?? true) ? fs.constants.O_NONBLOCK : 0));
  } catch (e) {
    if (e instanceof FileLimitError) {
      throw e;
    }
    throw new FileLimitError(`${label} cannot be read (${errnoOf(e)})`, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if ((options.regularOnly ?? true) && !st.isFile()) {
      throw new FileLimitError(`${label} is not a regular file`, file);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1));
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, maxBytes + 1 - total), null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          // A non-blocking pipe with nothing yet: wait a little, as a blocking read would.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw new FileLimitError(`${label} cannot be read (${errnoOf(e)})`, file);
      }
      if (n === 0) {
        break;
      }
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      total += n;
      if (total > maxBytes) {
        throw new FileLimitError(`${label} goes on past the limit of ${formatLimit(maxBytes)}${options.why ? ` (${options.why})` : ''}`, file);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** `readBounded` as UTF-8 text. */
export function readBoundedText(file: string, options: ReadBoundedOptions): string {
  return readBounded(file, options).toString('utf8');
}
