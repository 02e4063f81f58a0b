import type { Context } from 'aws-lambda';
import { configFromEnv, runWorker } from './private/worker';

/** Time kept back from the function's timeout to write what was read and answer. */
const MARGIN_MS = 30_000;

/**
 * The organization audit's worker (the `RegistryAudit` construct): `plan` lists the targets,
 * `target` reads one registry through its member role, `summarize` writes the organization's
 * summary and the metric. See src/audit/private/worker.ts and docs/audit.md.
 */
export async function handler(event: unknown, context: Context): Promise<unknown> {
  const config = configFromEnv(process.env);
  return runWorker(event, { config, deadline: Date.now() + Math.max(1_000, context.getRemainingTimeInMillis() - MARGIN_MS) });
}
