/**
 * `cdk-ecr-registry adopt`: a live registry written as a CDK app, with a `cdk import` mapping per
 * stack and every change a deploy would make (src/adopt; docs/adopt.md).
 */
import { CliIo, EXIT, InputError, OutputError, parseCommandArgs, runLimits, TIME_OPTIONS, TIME_OPTIONS_USAGE, urlFlag } from './common';
import { progressPrinter } from './report';
import type * as adopt from '../adopt';
import type { AdoptLanguage } from '../adopt/write-code';
import { parseTarget, ReportTarget, validateTarget } from '../report/report';

export const ADOPT_USAGE = `Usage:
  cdk-ecr-registry adopt [--region <region> | --target <account>:<region>[:<roleArn>]] --out <dir>
      [--language typescript|python] [--compliant] [--force] [--endpoint <url>] [--sts-endpoint <url>] [--quiet]

  Reads the registry as \`report\` does and writes a CDK app that declares it into --out: the app
  (app.ts, or app.py), cdk.json, ADOPTED.md (what was written, what to do next), adopt-changes.json
  (every change a deploy would make, and every gap) and import-<stack>.json per stack, the mapping
  \`cdk import <stack> --resource-mapping import-<stack>.json\` reads.

  --region        the registry of the default credentials in this region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --target        the registry as account:region, or account:region:roleArn to read it through that role
  --out           the directory to write (created when missing; refused when not empty, unless --force)
  --language      typescript (default) or python
  --compliant     fix every EcrChecks finding instead of acknowledging it ("adopted as is")
  --force         write into a non-empty --out (over the app's files)
  --endpoint      ECR endpoint URL (default: AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL, else AWS's)
  --sts-endpoint  STS endpoint URL for a role (default: AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, else AWS's)
  --quiet         no progress lines on stderr
${TIME_OPTIONS_USAGE}

Exit codes: 0 written; 2 bad input; 1 the registry could not be read (or another error); 4 the app
could not be written into --out, or the summary to stdout.
`;

/** Run `adopt` with the arguments after the word `adopt`. */
export async function runAdopt(args: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommandArgs(args, ADOPT_USAGE, {
    'region': { type: 'string' },
    'target': { type: 'string' },
    'out': { type: 'string' },
    'language': { type: 'string' },
    'compliant': { type: 'boolean' },
    'force': { type: 'boolean' },
    'endpoint': { type: 'string' },
    'sts-endpoint': { type: 'string' },
    'quiet': { type: 'boolean' },
    ...TIME_OPTIONS,
  });
  if (help) {
    io.stdout(ADOPT_USAGE);
    return EXIT.OK;
  }
  // Bad input (AdoptInputError is a ReportInputError) is exit 2, an unreadable registry (AdoptReadError) 1: main maps them.
  let target: ReportTarget;
  if (values.target !== undefined) {
    if (values.region !== undefined) {
      throw new InputError('--region goes without --target (a target names its own region)');
    }
    target = parseTarget(values.target as string);
  } else {
    const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new InputError('no registry to read: give --region (or set AWS_REGION), or --target account:region');
    }
    target = validateTarget({ region });
  }
  if (values.out === undefined) {
    throw new InputError('--out is required: the directory the app is written into');
  }
  const language = (values.language as string | undefined) ?? 'typescript';
  if (language !== 'typescript' && language !== 'python') {
    throw new InputError(`--language ${JSON.stringify(language)} is not one of typescript, python`);
  }
  const limits = runLimits(values);
  // Loaded here: adoption builds a CDK app (aws-cdk-lib), which no other command needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { adoptRegistry, AdoptWriteError } = require('../adopt') as typeof adopt;
  const result = await adoptRegistry({
    target,
    out: values.out as string,
    language: language as AdoptLanguage,
    compliant: values.compliant === true,
    force: values.force === true,
    deadline: limits.deadline,
    requestTimeoutMs: limits.requestTimeoutMs,
    endpoint: urlFlag('--endpoint', values.endpoint as string | undefined),
    stsEndpoint: urlFlag('--sts-endpoint', values['sts-endpoint'] as string | undefined),
    env: io.env,
    onProgress: values.quiet ? undefined : progressPrinter(io.stderr),
  }).catch(e => {
    // The app that could not be written is an output error (exit 4), like a stdout that cannot be.
    throw e instanceof AdoptWriteError ? new OutputError(e.message) : e;
  });
  const lines = [
    `cdk-ecr-registry adopt: wrote the registry ${result.account} ${result.region} into ${values.out} (${result.language}, ${result.compliant ? 'compliant' : 'as is'}):`
    + ` ${result.stacks.map(s => `${s.name} (${s.resources} resources)`).join(', ')}`,
  ];
  const findings = Object.entries(result.findings);
  if (findings.length > 0) {
    lines.push(`EcrChecks findings ${result.compliant ? 'fixed' : 'acknowledged ("adopted as is")'}: ${findings.map(([id, n]) => `${id} ${n}`).join(', ')}`);
  }
  lines.push(`${result.changes.length} change${result.changes.length === 1 ? '' : 's'} a deploy makes (adopt-changes.json):`);
  for (const c of result.changes) {
    lines.push(`  change: ${c.resource}${c.name !== null ? ` ${c.name}` : ''} ${c.property ?? ''}: ${c.why}`);
  }
  if (result.gaps.length > 0) {
    lines.push(`${result.gaps.length} gap${result.gaps.length === 1 ? '' : 's'} (adopt-changes.json):`);
    for (const g of result.gaps) {
      lines.push(`  gap: ${g.part}${g.repository !== null ? ` ${g.repository}` : ''}: ${g.reason}`);
    }
  }
  lines.push(`Next: ADOPTED.md in ${values.out} (cdk import stack by stack, then cdk deploy).`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
