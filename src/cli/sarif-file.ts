/**
 * `report --sarif FILE`: where the SARIF log goes. The path is checked before any registry is read
 * (a bad path costs no API call), and the log is written whatever the findings (exit 3) or a registry
 * that could not be read (exit 1, with `executionSuccessful: false`).
 */
import { existsSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { RegistryReport, ReportInputError, reportToSarif } from '../report';

/** Check `--sarif FILE`: a file path whose directory exists. Returns the path; throws `ReportInputError`. */
export function checkSarifPath(file: string | undefined): string | undefined {
  if (file === undefined) {
    return undefined;
  }
  const bad = (why: string) => new ReportInputError(`--sarif ${JSON.stringify(file)} ${why}: give a file path in an existing directory (like report.sarif)`);
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

/** Write the report's SARIF log to `file` (checked by `checkSarifPath`). */
export function writeSarifFile(file: string | undefined, report: RegistryReport): void {
  if (file === undefined) {
    return;
  }
  try {
    writeFileSync(file, `${JSON.stringify(reportToSarif(report), null, 2)}\n`);
  } catch (e) {
    throw new ReportInputError(`--sarif ${JSON.stringify(file)} could not be written: ${(e as Error).message}`);
  }
}
