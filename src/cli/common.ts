/**
 * What every `cdk-ecr-registry` subcommand shares: its I/O, exit codes, its typed errors, the one
 * argument parser (`parseCommandArgs`) and flag readers, the `--timeout`/`--request-timeout` flags
 * and the ECR client they govern (the runtime policy), strict parsing of times and durations.
 *
 * A subcommand is a `Subcommand` in its own file (`lifecycle-preview.ts`, `report.ts`, ...), listed
 * once in `main.ts`. The convention: a subcommand returns `EXIT.OK` or `EXIT.FINDINGS` and throws
 * everything else (`InputError`, `OutputError`, the library's errors); only `main` maps errors to
 * exit codes (`reportError`).
 */
import { parseArgs, ParseArgsConfig } from 'util';
import { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { escapeTerminal } from '../private/escape';
import { ReportInputError } from '../report/errors';
import { AwsCallError, createEcrClient, DEFAULT_REQUEST_TIMEOUT_MS, formatSeconds, RuntimePolicy, RuntimePolicyError } from '../runtime';

/** Exit codes of every subcommand. */
export const EXIT = {
  OK: 0,
  /** Network, credentials, throttling, anything not the user's input. */
  ERROR: 1,
  /** Bad arguments, files, policies, an unknown repository. */
  BAD_INPUT: 2,
  /** Findings at or above --fail-on (report), drift with --fail-on-drift, an image in use at risk (--fail-on-in-use). */
  FINDINGS: 3,
  /**
   * The output could not be written: standard output closed or full (EPIPE, ENOSPC), a --sarif or
   * --html file that could not be written. Wins over 0, 1 and 3: whatever else happened, the caller
   * did not get it all.
   */
  OUTPUT: 4,
  /** Interrupted (Ctrl-C): 128 + SIGINT. */
  INTERRUPTED: 130,
} as const;

/** Where the command reads and writes; tests pass their own. */
export interface CliIo {
  /** Write to standard output (the result). */
  readonly stdout: (text: string) => void;
  /** Write to standard error (progress and errors). */
  readonly stderr: (text: string) => void;
  /** Environment variables (AWS_REGION, AWS_ENDPOINT_URL_ECR, AWS_MAX_ATTEMPTS, ...). */
  readonly env: Record<string, string | undefined>;
  /**
   * Make the ECR client (tests pass a mocked one).
   * @default - `createEcrClient` of the runtime policy, with the run's deadline and request timeout
   */
  readonly ecrClient?: (config: ECRClientConfig) => ECRClient;
  /**
   * Make the ECS client of `--in-use ecs` (tests pass one).
   * @default - an `ECSClient` governed by the runtime policy (src/runtime)
   */
  readonly ecsClient?: (region: string) => ECSClient;
  /**
   * Make the Lambda client of `--in-use lambda` (tests pass one).
   * @default - a `LambdaClient` governed by the runtime policy (src/runtime)
   */
  readonly lambdaClient?: (region: string) => LambdaClient;
  /**
   * Runtime policy settings besides the deadline and request timeout (tests scale the backoff down).
   * @default - the policy's defaults
   */
  readonly runtime?: Omit<RuntimePolicy, 'deadline' | 'requestTimeoutMs' | 'env'>;
  /**
   * How often a long read prints where it is on stderr (tests pass a short one).
   * @default 5000
   */
  readonly progressIntervalMs?: number;
  /**
   * Milliseconds since the epoch (tests pass a clock).
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Bad input (arguments, files, values): exit code 2. The CLI's one input error type. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The output could not be written (standard output, --sarif, --html): exit code 4. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** An `OutputError` for a failed write to `where` (`standard output`, `--sarif "r.sarif"`). */
export function outputError(where: string, e: unknown): OutputError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'EPIPE' ? 'the reader closed the pipe (EPIPE)'
    : code === 'ENOSPC' ? 'no space left on the device (ENOSPC)'
      : code ?? (e as Error)?.message ?? String(e);
  return new OutputError(`could not write ${where}: ${why}`);
}

/** AWS error codes that mean the user named something that does not exist or is not allowed: exit 2. */
const INPUT_CODES = new Set(['RepositoryNotFoundException', 'InvalidParameterException', 'RegistryNotFoundException']);

/**
 * Print an error the way every subcommand does; returns the exit code. `main` is its only caller:
 * bad input (`InputError`, and the library's `ReportInputError` and `RuntimePolicyError`, or an
 * AWS error naming something that does not exist) is 2, an output that could not be written 4,
 * anything else 1.
 */
export function reportError(e: unknown, io: CliIo): number {
  const message = (e as Error)?.message ?? String(e);
  // Messages carry values from files and registries: no control character reaches the terminal.
  io.stderr(`cdk-ecr-registry: ${escapeTerminal(message, { keepNewlines: !(e instanceof OutputError) })}\n`);
  if (e instanceof OutputError) {
    return EXIT.OUTPUT;
  }
  if (e instanceof InputError || e instanceof ReportInputError || e instanceof RuntimePolicyError) {
    return EXIT.BAD_INPUT;
  }
  if (AwsCallError.isAwsCallError(e) && INPUT_CODES.has(e.code)) {
    return EXIT.BAD_INPUT;
  }
  const name = (e as { name?: string })?.name;
  if (name !== undefined && INPUT_CODES.has(name)) {
    return EXIT.BAD_INPUT;
  }
  return EXIT.ERROR;
}

/** The flags of a parsed command line, by name (`--max-rps` is `values['max-rps']`). */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** A parsed command line. */
export interface ParsedArgs {
  readonly values: FlagValues;
  readonly positionals: string[];
  /** `--help` or `-h` was given: print the usage, nothing else is read. */
  readonly help: boolean;
}

/**
 * The one argument parser of every subcommand: `--help`/`-h` anywhere asks for the usage (nothing
 * else is checked); otherwise strict `util.parseArgs` (an unknown flag, a missing value, a stray
 * argument is an `InputError` followed by the usage).
 */
export function parseCommandArgs(
  args: string[], usage: string, options: NonNullable<ParseArgsConfig['options']>, allowPositionals = false,
): ParsedArgs {
  if (args.includes('--help') || args.includes('-h')) {
    return { values: {}, positionals: [], help: true };
  }
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: parsed.values as FlagValues, positionals: parsed.positionals, help: false };
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n${usage}`);
  }
}

/** A flag's positive number (`--concurrency 8`, `--max-rps 2.5`), or `fallback` when it is absent. */
export function positiveNumberFlag(flag: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InputError(`${flag} ${JSON.stringify(value)} is not a positive ${integer ? 'whole number' : 'number'}`);
  }
  return n;
}

/** A flag's http(s) URL (`--endpoint`, `--sts-endpoint`), or `undefined` when it is absent. */
export function urlFlag(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^https?:\/\/\S+$/.test(value)) {
    throw new InputError(`${flag} ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return value;
}

/** Default of `--timeout`: the whole run. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** `parseArgs` options every subcommand that calls AWS takes. */
export const TIME_OPTIONS = {
  'timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
} as const;

/** Their lines in a usage text. */
export const TIME_OPTIONS_USAGE = `  --timeout          give up the whole run after this long (default 5m); e.g. 90s, 5m, 1h, 1.5s, 500ms
  --request-timeout  give up one request after this long, then retry (default 10s)
  Retries (jittered backoff, adaptive on throttling) go on until --timeout; AWS_MAX_ATTEMPTS and
  AWS_RETRY_MODE (adaptive|standard) win when set.`;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `5m`, `1h`, `500ms`, `1.5s`, or a bare number of seconds; positive. */
export function parseDuration(flag: string, value: string): number {
  const m = DURATION.exec(value.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's'] : NaN;
  if (!m || !Number.isFinite(ms) || ms <= 0) {
    throw new InputError(`${flag} ${JSON.stringify(value)} is not a duration: use a positive number with ms, s, m or h (e.g. 90s, 5m; a bare number is seconds)`);
  }
  return ms;
}

/** The run's time limits from `--timeout` and `--request-timeout`. */
export interface RunLimits {
  /** Epoch milliseconds by which every AWS call has ended. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
}

export function runLimits(values: Record<string, unknown>, startedAt: number = Date.now()): RunLimits {
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration('--timeout', String(values.timeout));
  const requestTimeoutMs = values['request-timeout'] === undefined
    ? DEFAULT_REQUEST_TIMEOUT_MS
    : parseDuration('--request-timeout', String(values['request-timeout']));
  return { deadline: startedAt + timeoutMs, timeoutMs, requestTimeoutMs };
}

/** Options of `ecrClientFor`. */
export interface EcrClientSettings {
  readonly region: string;
  readonly endpoint?: string;
  readonly limits: RunLimits;
}

/** The run's ECR client: the runtime policy with the run's deadline (or the test's mock). */
export function ecrClientFor(io: CliIo, settings: EcrClientSettings): ECRClient {
  const config: ECRClientConfig = { region: settings.region, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) };
  if (io.ecrClient) {
    return io.ecrClient(config);
  }
  return createEcrClient({
    ...io.runtime,
    region: settings.region,
    endpoint: settings.endpoint,
    deadline: settings.limits.deadline,
    requestTimeoutMs: settings.limits.requestTimeoutMs,
    env: io.env,
  });
}

/** Region from `--region`, AWS_REGION or AWS_DEFAULT_REGION. */
export function regionFrom(values: Record<string, unknown>, io: CliIo, forWhat: string): string {
  const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError(`${forWhat} needs a region: pass --region or set AWS_REGION`);
  }
  return region;
}

/** Endpoint from `--endpoint`, AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL. */
export function endpointFrom(values: Record<string, unknown>, io: CliIo): string | undefined {
  return urlFlag('--endpoint', (values.endpoint as string | undefined) ?? io.env.AWS_ENDPOINT_URL_ECR ?? io.env.AWS_ENDPOINT_URL);
}

/** Epoch seconds of 5138-11-16: a number this large is milliseconds, not seconds. */
export const MAX_EPOCH_SECONDS = 1e11;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
const ISO_NO_ZONE = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;
const EPOCH = /^\d+(\.\d+)?$/;

/**
 * A time as the CLI accepts it, or why not (a sentence naming no field: the caller adds it).
 * - ISO 8601 with an explicit zone: `2025-06-01T00:00:00Z`, `2025-06-01T02:00:00+02:00`
 * - epoch seconds, fractional allowed (the AWS CLI prints `1717200000.123`), as a number or a string
 * Refused: a zone-less time (it would depend on the machine's TZ), epoch values of 1e11 or more
 * (milliseconds), zero and negative epochs, anything else.
 */
export function parseTime(value: unknown): { time: Date } | { problem: string } {
  if (typeof value === 'number') {
    return fromEpoch(value);
  }
  if (typeof value !== 'string') {
    return { problem: 'is not a time: use ISO 8601 with a zone (2025-06-01T00:00:00Z) or epoch seconds' };
  }
  const text = value.trim();
  if (EPOCH.test(text)) {
    return fromEpoch(Number(text));
  }
  const m = ISO.exec(text);
  if (!m) {
    if (ISO_NO_ZONE.test(text)) {
      return { problem: 'has no time zone: add Z or an offset (2025-06-01T00:00:00Z, +02:00), so that the answer does not depend on the machine\'s zone' };
    }
    return { problem: 'is not a time: use ISO 8601 with a zone (2025-06-01T00:00:00Z) or epoch seconds' };
  }
  const [, y, mo, d, h, mi, s = '0', frac = '', z, sign, oh, om] = m;
  const ms = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(local);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)
    || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return { problem: 'is not a valid date and time' };
  }
  if (!z && (Number(oh) > 23 || Number(om) > 59)) {
    return { problem: 'has an invalid zone offset' };
  }
  const offset = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return { time: new Date(local - offset) };
}

function fromEpoch(n: number): { time: Date } | { problem: string } {
  if (!Number.isFinite(n) || n <= 0) {
    return { problem: 'is not a time: epoch seconds must be positive' };
  }
  if (n >= MAX_EPOCH_SECONDS) {
    return { problem: `looks like epoch milliseconds (${n} seconds would be the year ${Math.floor(1970 + n / 31_556_952)}): give epoch seconds, e.g. ${Math.floor(n / 1000)}` };
  }
  return { time: new Date(n * 1000) };
}

/** A time given on the command line; bad input names the flag and the value. */
export function parseTimeFlag(flag: string, value: string): Date {
  const r = parseTime(value);
  if ('problem' in r) {
    throw new InputError(`${flag} ${JSON.stringify(value)} ${r.problem}`);
  }
  return r.time;
}

/** A one-line summary of the effective limits, for errors that mention them. */
export function describeLimits(l: RunLimits): string {
  return `--timeout ${formatSeconds(l.timeoutMs)}, --request-timeout ${formatSeconds(l.requestTimeoutMs)}`;
}
