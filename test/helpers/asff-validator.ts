/**
 * ASFF documents checked against the Security Hub API model: botocore's shapes of
 * `BatchImportFindings` (required members, types, enums, lengths), through ./.venv's Python
 * (botocore comes with moto[server]: scripts/python-env.sh test). A missing Python is a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const PYTHON = path.join(__dirname, '..', '..', '.venv', 'bin', 'python');
const SCRIPT = path.join(__dirname, 'asff-validate.py');

export interface AsffValidation {
  readonly botocore: string;
  readonly errors: string[];
}

/** Validate `{ Findings }` as BatchImportFindings input. */
export function validateImport(findings: readonly unknown[]): AsffValidation {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`${PYTHON} not found: run "bash scripts/python-env.sh test"`);
  }
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ Findings: findings }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`asff-validate.py failed (exit ${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}
