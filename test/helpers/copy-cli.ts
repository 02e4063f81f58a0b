/**
 * The \`copy\` command as the image copy tests run it: in this process, stdout and stderr collected,
 * no Docker config (HOME points nowhere), three attempts, short backoffs.
 */
import { main } from '../../src/cli/main';

export interface CopyRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** \`cdk-ecr-registry copy ...args\`, with \`env\` over the defaults (a value of undefined removes one). */
export async function copyCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CopyRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(['copy', ...args], {
    stdout: t => { stdout += t; },
    stderr: t => { stderr += t; },
    env: { HOME: '/nonexistent', AWS_MAX_ATTEMPTS: '3', ...env },
    runtime: { baseDelayMs: 5, throttleBaseDelayMs: 5, maxDelayMs: 20 },
  });
  return { code, stdout, stderr };
}
