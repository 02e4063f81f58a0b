/**
 * Files the report writes beside stdout (`--sarif FILE`, `--html FILE`). The path is checked before
 * any registry is read (a bad path costs no API call, exit 2), and the file is written whatever the
 * findings (exit 3) or a registry that could not be read (exit 1); a write that fails is exit 4.
 */
import { existsSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { InputError, outputError } from './common';

/**
 * Check the value of option `flag` (`--html`): a file path whose directory exists. `example` is a
 * file name for the message (`report.html`). Returns the path; throws `InputError`.
 */
export function checkOutputFile(flag: string, file: string, example: string): string {
  const bad = (why: string) => new InputError(`${flag} ${JSON.stringify(file)} ${why}: give a file path in an existing directory (like ${example})`);
  if (file.trim() === '') {
    throw bad('is empty');
  }
  if (file.endsWith('/') || (existsSync(file) && statSync(file).isDirectory())) {
    throw bad('is a directory');
  }
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) {
    throw bad(`is in a directory that does not exist (${dir})`);
  }
  if (!statSync(dir).isDirectory()) {
    throw bad(`is under ${dir}, which is not a directory`);
  }
  return file;
}

/** Write `text` to a file checked by `checkOutputFile`; returns the bytes written. */
export function writeOutputFile(flag: string, file: string, text: string): number {
  try {
    writeFileSync(file, text);
  } catch (e) {
    // Not bad input (the path was checked): an output error, exit 4.
    throw outputError(`${flag} ${JSON.stringify(file)}`, e);
  }
  return Buffer.byteLength(text);
}
