/**
 * Validate a SARIF log with two real checkers:
 *
 * - the SARIF SDK's validator (`@microsoft/sarif-multitool validate`, a self-contained .NET binary
 *   from npm, offline): the JSON schema (JSON1xxx), the SARIF rules (SARIF1xxx errors, SARIF2xxx
 *   warnings and notes) and GitHub code scanning's (GHxxxx). It exits 0 whatever it finds, so its
 *   `-o` output log is read instead; and it reports nothing at all for a value it cannot deserialize
 *   (a `level` outside the enum, a string `ruleIndex`), so
 * - the SARIF 2.1.0 JSON schema the validator ships (`sarif-2.1.0.json`) also checks the log, with ajv.
 */
import { execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** One problem the validator reported. */
export interface SarifIssue {
  readonly ruleId: string;
  readonly level: 'error' | 'warning' | 'note' | 'none';
  /** The JSON path the issue is about (the validator's first message argument). */
  readonly path: string;
  readonly text: string;
}

export interface SarifValidation {
  /** The validator's results, each at its effective level (its own or its rule's default). */
  readonly issues: readonly SarifIssue[];
  /** ajv's errors against the validator's bundled SARIF 2.1.0 schema. */
  readonly schemaErrors: readonly string[];
  /** Milliseconds the validator took. */
  readonly validatorMs: number;
}

/** The validator binary for this platform (the package's main export is its path). */
export function sarifMultitool(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@microsoft/sarif-multitool') as string;
}

let schemaValidate: ReturnType<Ajv2020['compile']> | undefined;

function schemaErrorsOf(doc: unknown): string[] {
  if (!schemaValidate) {
    const file = path.join(path.dirname(sarifMultitool()), 'sarif-2.1.0.json');
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    schemaValidate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  }
  return schemaValidate(doc) ? [] : (schemaValidate.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message}`);
}

/** Validate `doc` (written to a temporary file as JSON) with the SARIF validator and the schema. */
export async function validateSarif(doc: unknown): Promise<SarifValidation> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sarif-validate-'));
  try {
    const input = path.join(dir, 'input.sarif');
    const output = path.join(dir, 'validation.sarif');
    writeFileSync(input, JSON.stringify(doc, null, 2));
    const started = Date.now();
    await promisify(execFile)(sarifMultitool(), [
      'validate', input, '--output', output, '--log', 'ForceOverwrite',
      '--rule-kind', 'Sarif;Ghas', '--level', 'Error;Warning;Note', '--quiet',
    ], {
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      // No ICU needed (a fresh machine may lack libicu); no telemetry.
      env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
    const validatorMs = Date.now() - started;
    const log = JSON.parse(readFileSync(output, 'utf8'));
    const run = log.runs[0];
    const rules: any[] = run.tool?.driver?.rules ?? [];
    const issues: SarifIssue[] = (run.results ?? []).map((r: any) => {
      const rule = typeof r.ruleIndex === 'number' ? rules[r.ruleIndex] : rules.find(x => x.id === r.ruleId);
      const args: string[] = r.message?.arguments ?? [];
      return {
        ruleId: r.ruleId,
        level: r.level ?? rule?.defaultConfiguration?.level ?? 'warning',
        path: args[0] ?? '',
        text: r.message?.text ?? `${r.message?.id ?? ''} ${args.join(' ')}`.trim(),
      };
    });
    const failures = (run.invocations ?? [])
      .flatMap((i: any) => [...(i.toolExecutionNotifications ?? []), ...(i.toolConfigurationNotifications ?? [])])
      .filter((n: any) => n.level === 'error');
    if (failures.length > 0 || run.invocations?.some((i: any) => i.executionSuccessful === false)) {
      throw new Error(`the SARIF validator did not run to the end: ${JSON.stringify(failures)}`);
    }
    return { issues, schemaErrors: schemaErrorsOf(doc), validatorMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The issues at a level, as `ruleId path` strings (sorted). */
export function issuesAt(v: SarifValidation, level: SarifIssue['level']): string[] {
  return v.issues.filter(i => i.level === level).map(i => `${i.ruleId} ${i.path}`).sort();
}
