/**
 * `report --sarif FILE`: where the SARIF log goes. The path is checked before any registry is read
 * (a bad path costs no API call), and the log is written whatever the findings (exit 3) or a registry
 * that could not be read (exit 1, with `executionSuccessful: false`).
 */
import { checkOutputFile, writeOutputFile } from './output-file';
import { RegistryReport, reportToSarif } from '../report';

/** Check `--sarif FILE`: a file path whose directory exists. Returns the path; throws `InputError`. */
export function checkSarifPath(file: string | undefined): string | undefined {
  return file === undefined ? undefined : checkOutputFile('--sarif', file, 'report.sarif');
}

/** Write the report's SARIF log to `file` (checked by `checkSarifPath`). */
export function writeSarifFile(file: string | undefined, report: RegistryReport): void {
  if (file !== undefined) {
    writeOutputFile('--sarif', file, `${JSON.stringify(reportToSarif(report), null, 2)}\n`);
  }
}
