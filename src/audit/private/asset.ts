import * as path from 'path';

/**
 * Directory of the worker bundle, built by esbuild from `src/audit/audit-worker.lambda.ts` (the
 * projen task `bundle:audit/audit-worker.lambda`); the same relative path works from `src/audit/private`
 * and from the compiled `lib/audit/private`.
 */
export const AUDIT_WORKER_ASSET_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'audit', 'audit-worker.lambda');

