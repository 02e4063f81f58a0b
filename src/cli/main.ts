#!/usr/bin/env node
/**
 * The `cdk-ecr-registry` command. Subcommands live in their own files and are listed once in
 * `COMMANDS`; what they share (I/O, exit codes, typed errors, the argument parser,
 * --timeout/--request-timeout as durations, strict time parsing, the ECR client of the runtime
 * policy) is in `common.ts`. A subcommand resolves to 0 or 3 and throws every error; `main` alone
 * maps errors to exit codes (one line on stderr, `cdk-ecr-registry: ...`).
 *
 * Exit codes: 0 done; 2 bad input (arguments, files, policy, unknown repository); 1 anything else
 * (network, credentials, throttling); 3 findings (report, --fail-on-in-use); 4 the output could not
 * be written (standard output closed or full, a --sarif/--html file), one line on stderr, winning
 * over 0, 1 and 3; 130 interrupted (Ctrl-C).
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import type * as adoptCommand from './adopt';
import { CliIo, EXIT, InputError, OutputError, outputError, reportError } from './common';
import type * as copyCommand from './copy';
import type * as previewCommand from './lifecycle-preview';
import type * as reportCommand from './report';

export type { CliIo } from './common';
export { EXIT } from './common';

/** What a subcommand's module gives when it is loaded. */
export interface LoadedSubcommand {
  readonly usage: string;
  readonly run: (args: string[], io: CliIo) => Promise<number>;
}

/**
 * One subcommand: `words` after the program name, then its own arguments. Its module is loaded
 * when it runs, so a command loads only what it uses: `copy` never loads aws-cdk-lib, which
 * `report`, `adopt` and `lifecycle preview` need.
 */
export interface Subcommand {
  readonly words: string[];
  readonly summary: string;
  readonly load: () => LoadedSubcommand;
}

/** Every subcommand (add new ones here). */
export const COMMANDS: Subcommand[] = [
  {
    words: ['report'],
    summary: 'the live registry checked with the EcrChecks rules (report --help)',
    load: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./report') as typeof reportCommand;
      return { usage: m.REPORT_USAGE, run: m.runReport };
    },
  },
  {
    words: ['adopt'],
    summary: 'the live registry written as a CDK app, with cdk import mappings (adopt --help)',
    load: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./adopt') as typeof adoptCommand;
      return { usage: m.ADOPT_USAGE, run: m.runAdopt };
    },
  },
  {
    words: ['copy'],
    summary: 'one image copied by digest between registries, without Docker (copy --help)',
    load: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./copy') as typeof copyCommand;
      return { usage: m.COPY_USAGE, run: m.runCopy };
    },
  },
  {
    words: ['lifecycle', 'preview'],
    summary: 'what a lifecycle policy would do to a repository\'s images',
    load: () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('./lifecycle-preview') as typeof previewCommand;
      return { usage: m.PREVIEW_USAGE, run: m.lifecyclePreview };
    },
  },
];

/** The package version (package.json sits two levels up from src/cli and lib/cli). */
export function version(): string {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function groupUsage(group: string): string {
  const cmds = COMMANDS.filter(c => c.words[0] === group);
  return `Usage:\n${cmds.map(c => `  cdk-ecr-registry ${c.words.join(' ')} ...    ${c.summary}`).join('\n')}\n\n`
    + `Run "cdk-ecr-registry ${group} <command> --help" for its options.\n`;
}

/** The command's usage; it ends with the options of `lifecycle preview` (loaded for it). */
export function usage(): string {
  const preview = COMMANDS.find(c => c.words.join(' ') === 'lifecycle preview')!.load();
  return `Usage:
${COMMANDS.map(c => `  cdk-ecr-registry ${c.words.join(' ')} ...    ${c.summary}`).join('\n')}
  cdk-ecr-registry --version
  cdk-ecr-registry <command> --help

${preview.usage.replace(/^Usage:\n/, '')}`;
}

/** Run the command; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  // A failed write to stdout (a closed pipe, a full disk) is an output error, whoever writes.
  let failed: OutputError | undefined;
  const guarded: CliIo = {
    ...io,
    stdout: text => {
      if (failed) {
        throw failed;
      }
      try {
        io.stdout(text);
      } catch (e) {
        failed = outputError('standard output', e);
        throw failed;
      }
    },
  };
  try {
    const code = await dispatch(argv, guarded);
    return failed ? reportError(failed, io) : code;
  } catch (e) {
    return reportError(failed ?? e, io);
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.stderr(usage());
    return EXIT.BAD_INPUT;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(usage());
    return EXIT.OK;
  }
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    io.stdout(`cdk-ecr-registry ${version()}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find(c => c.words.every((w, i) => argv[i] === w));
  if (command) {
    return command.load().run(argv.slice(command.words.length), io);
  }
  const group = COMMANDS.some(c => c.words[0] === argv[0]) ? argv[0] : undefined;
  if (group !== undefined && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
    (argv.length === 1 ? io.stderr : io.stdout)(groupUsage(group));
    return argv.length === 1 ? EXIT.BAD_INPUT : EXIT.OK;
  }
  throw new InputError(`unknown command "${argv.slice(0, 2).join(' ')}"\n${usage()}`);
}

/** The real process: stdout/stderr; a failed write is one line and exit 4, never a stack trace. */
function processIo(): CliIo {
  // Writes to a pipe or a file fail after the call returned (an 'error' event): end at once.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    try {
      process.stderr.write(`cdk-ecr-registry: ${outputError('standard output', e).message}\n`);
    } catch {
      // stderr is gone too: the exit code says it.
    }
    process.exit(EXIT.OUTPUT);
  });
  process.stderr.on('error', () => process.exit(EXIT.OUTPUT));
  return {
    stdout: text => { process.stdout.write(text); },
    stderr: text => { process.stderr.write(text); },
    env: process.env,
  };
}

/** The Node.js major versions the library and the command support (docs/install.md); engines in package.json agree. */
export const SUPPORTED_NODE_MAJORS = [22, 24, 26];

/**
 * One line for a Node.js the command does not support (older than the oldest supported line), or undefined.
 * The command goes on: the line says what to install.
 */
export function unsupportedNodeMessage(nodeVersion: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(nodeVersion)?.[1]);
  if (!Number.isInteger(major) || major >= SUPPORTED_NODE_MAJORS[0]) {
    return undefined;
  }
  return `cdk-ecr-registry: Node.js ${nodeVersion.replace(/[^\w.]/g, '')} is not supported (end of life); `
    + `use Node.js ${SUPPORTED_NODE_MAJORS.join(', ')}\n`;
}

if (require.main === module) {
  const unsupported = unsupportedNodeMessage(process.version);
  if (unsupported !== undefined) {
    process.stderr.write(unsupported);
    // The line above says it; the AWS SDK's own ten-line NodeVersionSupportWarning would repeat it
    // (the variable is the SDK's documented switch, read when a client is created).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
  process.once('SIGINT', () => {
    process.stderr.write('\ncdk-ecr-registry: interrupted\n');
    process.exit(EXIT.INTERRUPTED);
  });
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
