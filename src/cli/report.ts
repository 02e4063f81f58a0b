/**
 * `cdk-ecr-registry report`: the live audit of one or more ECR registries with the rules the
 * synth-time `EcrChecks` plugin applies to templates. A thin shell over `RegistryReport`
 * (src/report); see docs/report.md.
 *
 * Exit codes (`main` maps the errors it throws): 0 no finding at or above --fail-on (and no drift with
 * --fail-on-drift); 3 findings at or above --fail-on, or drift with --fail-on-drift; 2 bad input;
 * 1 anything else (a registry that could not be read at all, credentials, network); 4 an output that
 * could not be written.
 */
import {
  ECR_STORAGE_PRICES, FailOn, InventoryProgress, parseTarget, readAssembly, RegistryReport, renderHtml,
  renderText, reportToJson, ReportTarget, StoragePrices, TargetReading, validateTarget,
} from '../report';
import {
  CliIo, EXIT, InputError, OutputError, outputError, parseCommandArgs, positiveNumberFlag, runLimits, TIME_OPTIONS, TIME_OPTIONS_USAGE, urlFlag,
} from './common';
import { checkOutputFile, writeOutputFile } from './output-file';
import { checkSarifPath, writeSarifFile } from './sarif-file';
import { escapeTerminal } from '../private/escape';
import { isRepositoryNamePrefix } from '../report/audit';
import { formatSeconds } from '../runtime/errors';

export const REPORT_USAGE = `Usage:
  cdk-ecr-registry report [--target <account>:<region>[:<roleArn>]]... [--region <region>]
      [--json] [--fail-on error|warning|none] [--timeout <duration>] [--request-timeout <duration>]
      [--concurrency <n>] [--max-rps <n>] [--endpoint <url>] [--sts-endpoint <url>] [--quiet]
      [--usage [--price-standard <usd>] [--price-archive <usd>]] [--sarif <file>] [--html <file>]
      [--assembly <cdk.out> [--fail-on-drift]] [--require-signing <prefix>]...

  Reads every repository and the registry settings of each target with the ECR API and applies the
  EcrChecks rules (the rules of the synth-time plugin) to them.

  --target           a registry: account:region, or account:region:roleArn to read it through that role
                     (STS AssumeRole); repeatable, read concurrently and reported side by side
  --region           without --target: the registry of the default credentials in this region
                     (default: AWS_REGION or AWS_DEFAULT_REGION)
  --json             print the report as JSON (schema: docs/report-schema.md, schema/report.schema.json)
  --fail-on          exit 3 when a finding is at or above this severity (default: error; none: never)
  --concurrency      requests in flight per registry (default: 8)
  --max-rps          requests started per second per registry (default: 100)
  --endpoint         ECR endpoint URL (default: AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL, else AWS's)
  --sts-endpoint     STS endpoint URL for roles (default: AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, else AWS's)
  --quiet            no progress lines on stderr
  --usage            also read every image (DescribeImages) and report per repository the images, bytes by
                     storage class, bytes not pulled in 30 and 90 days, what the lifecycle policy would
                     expire or archive today and the storage cost per month that frees; largest first
  --price-standard   USD per GB-month of standard storage (default: ${ECR_STORAGE_PRICES.standardPerGbMonth}, ECR ${ECR_STORAGE_PRICES.region} ${ECR_STORAGE_PRICES.asOf})
  --price-archive    USD per GB-month of archive storage (default: ${ECR_STORAGE_PRICES.archivePerGbMonth}, ECR ${ECR_STORAGE_PRICES.region} ${ECR_STORAGE_PRICES.asOf})
  --sarif            also write the findings as SARIF 2.1.0 to this file (for code scanning), whatever the exit code
  --assembly         compare each registry with what this cloud assembly (cdk.out, stages and nested stacks
                     included) declares for its account and region: repositories declared but missing, live
                     but not declared (and the declared creation template that would govern them), each
                     differing setting, and registry-level differences
  --fail-on-drift    exit 3 when there is drift (missing, unmanaged or differing; "not comparable" never counts)
  --require-signing  switch on EcrChecks-Signing for repositories whose names start with this prefix (a managed
                     signing rule of the registry must cover them); repeatable, as EcrChecks({ requireSigning })
  --html             also write the report as one self-contained HTML page to this file (loads nothing; rendered
                     from the --json document); turns on --usage for its storage chart. Written whatever the exit code
${TIME_OPTIONS_USAGE}

Exit codes: 0 no finding at or above --fail-on (and no drift with --fail-on-drift), 3 findings at or
above --fail-on or drift with --fail-on-drift, 2 bad input (a bad --assembly among them),
1 other errors (a registry that could not be read at all, credentials, network), 4 an output that
could not be written (stdout, --sarif, --html; it wins over 1 and 3).
`;

/** A price in USD per GB-month: a number zero or above. */
function price(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^\d+(\.\d+)?$/.test(value.trim())) {
    throw new InputError(`--${name} ${JSON.stringify(value)} is not a price in USD per GB-month (a number zero or above, like 0.10)`);
  }
  return Number(value);
}

/**
 * Progress lines on stderr for large registries (200 repositories or more): at most one a second
 * per registry, and the last one.
 */
export function progressPrinter(write: (text: string) => void, now: () => number = Date.now): (p: InventoryProgress) => void {
  const lastPrinted = new Map<string, number>();
  return p => {
    if (p.listed < 200) {
      return;
    }
    const key = `${p.account}/${p.region}`;
    const done = p.listingDone && p.read === p.listed;
    const t = now();
    if (!done && t - (lastPrinted.get(key) ?? -Infinity) < 1000) {
      return;
    }
    lastPrinted.set(key, t);
    write(`cdk-ecr-registry report: ${shortName(p.account)} ${shortName(p.region)}: ${p.read.toLocaleString('en-US')} of ${p.listed.toLocaleString('en-US')}`
      + `${p.listingDone ? '' : '+'} repositories read${done ? ', done' : ''}\n`);
  };
}

/** A name from the registry or the arguments in a progress line: escaped, at most 64 characters. */
function shortName(text: string): string {
  const s = escapeTerminal(text);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/**
 * The line printed every few seconds while a registry is read (`RegistryReportOptions.onReading`),
 * whether stderr is a terminal or not: `reading 123456789012/eu-west-1: 40 repositories so far (12 s)`.
 */
export function readingPrinter(write: (text: string) => void): (r: TargetReading) => void {
  return r => {
    const listed = r.listed === 0 ? 'no repository listed yet' : `${r.listed.toLocaleString('en-US')} repositor${r.listed === 1 ? 'y' : 'ies'} so far`;
    write(`cdk-ecr-registry report: reading ${shortName(r.account ?? '(default account)')}/${shortName(r.region)}: ${listed} (${formatSeconds(r.elapsedMs)})\n`);
  };
}

/**
 * Run `report` with the arguments after the word `report`: resolves to `EXIT.OK`, `EXIT.FINDINGS`
 * or `EXIT.ERROR` (a registry that could not be read at all); throws bad input and output errors
 * for `main` to map.
 */
export async function runReport(argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommandArgs(argv, REPORT_USAGE, {
    'target': { type: 'string', multiple: true },
    'region': { type: 'string' },
    'json': { type: 'boolean' },
    'fail-on': { type: 'string' },
    'concurrency': { type: 'string' },
    'max-rps': { type: 'string' },
    'endpoint': { type: 'string' },
    'sts-endpoint': { type: 'string' },
    'quiet': { type: 'boolean' },
    'usage': { type: 'boolean' },
    'price-standard': { type: 'string' },
    'price-archive': { type: 'string' },
    'sarif': { type: 'string' },
    'assembly': { type: 'string' },
    'fail-on-drift': { type: 'boolean' },
    'html': { type: 'string' },
    'require-signing': { type: 'string', multiple: true },
    ...TIME_OPTIONS,
  });
  if (help) {
    io.stdout(REPORT_USAGE);
    return EXIT.OK;
  }
  const failOn = (values['fail-on'] as string | undefined) ?? 'error';
  if (!['error', 'warning', 'none'].includes(failOn)) {
    throw new InputError(`--fail-on ${JSON.stringify(failOn)} is not one of error, warning, none`);
  }
  const targetTexts = (values.target as string[] | undefined) ?? [];
  let targets: ReportTarget[];
  if (targetTexts.length > 0) {
    if (values.region !== undefined) {
      throw new InputError('--region goes without --target (a target names its own region)');
    }
    targets = targetTexts.map(parseTarget);
  } else {
    const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new InputError('no registry to read: give --target account:region, or --region (or set AWS_REGION)');
    }
    targets = [validateTarget({ region })];
  }
  const now = io.now ?? Date.now;
  const limits = runLimits(values, now());
  const concurrency = positiveNumberFlag('--concurrency', values.concurrency as string | undefined, 8, true);
  const requestsPerSecond = positiveNumberFlag('--max-rps', values['max-rps'] as string | undefined, 100);
  const endpoint = urlFlag('--endpoint', values.endpoint as string | undefined);
  const stsEndpoint = urlFlag('--sts-endpoint', values['sts-endpoint'] as string | undefined);

  // Checked before the read: a bad path fails in a second, not after reading every registry.
  const htmlFile = values.html === undefined ? undefined : checkOutputFile('--html', values.html as string, 'report.html');
  // The page's storage chart needs the images: --html reads usage (docs/report.md, "HTML page").
  const usage = Boolean(values.usage) || htmlFile !== undefined;

  const priceText = { standard: values['price-standard'] as string | undefined, archive: values['price-archive'] as string | undefined };
  if (!usage && (priceText.standard !== undefined || priceText.archive !== undefined)) {
    throw new InputError('--price-standard and --price-archive go with --usage (or --html)');
  }
  const prices: StoragePrices = priceText.standard === undefined && priceText.archive === undefined ? ECR_STORAGE_PRICES : {
    ...ECR_STORAGE_PRICES,
    standardPerGbMonth: price('price-standard', priceText.standard, ECR_STORAGE_PRICES.standardPerGbMonth),
    archivePerGbMonth: price('price-archive', priceText.archive, ECR_STORAGE_PRICES.archivePerGbMonth),
    asOf: 'flags',
    source: `--price-standard/--price-archive (defaults: ${ECR_STORAGE_PRICES.source}, ${ECR_STORAGE_PRICES.region}, ${ECR_STORAGE_PRICES.asOf})`,
  };

  const sarifFile = checkSarifPath(values.sarif as string | undefined);
  const assemblyDir = values.assembly as string | undefined;
  if (assemblyDir === undefined && values['fail-on-drift']) {
    throw new InputError('--fail-on-drift goes with --assembly');
  }
  // Read the assembly before any call: a bad path is bad input (exit 2), found at once.
  const assembly = assemblyDir !== undefined ? readAssembly(assemblyDir) : undefined;
  const failOnDrift = values['fail-on-drift'] === true;
  const signingPrefixes = (values['require-signing'] as string[] | undefined) ?? [];
  for (const prefix of signingPrefixes) {
    if (!isRepositoryNamePrefix(prefix)) {
      throw new InputError(`--require-signing ${JSON.stringify(prefix)} is not the start of a repository name: 1-256 of lowercase letters, digits, '.', '_', '-' and '/', starting with a letter or digit`);
    }
  }

  const onProgress = values.quiet ? undefined : progressPrinter(io.stderr, now);

  const report = await RegistryReport.read({
    targets,
    deadline: limits.deadline,
    requestTimeoutMs: limits.requestTimeoutMs,
    concurrency,
    requestsPerSecond,
    endpoint,
    stsEndpoint,
    onProgress,
    ...(values.quiet ? {} : { onReading: readingPrinter(io.stderr), progressIntervalMs: io.progressIntervalMs }),
    env: io.env,
    ...(usage ? { usage: true, prices } : {}),
    ...(assembly ? { assembly } : {}),
    ...(signingPrefixes.length > 0 ? { requireSigning: { repositoryPrefixes: signingPrefixes } } : {}),
  });
  // One document for --json and --html: the page and the JSON cannot disagree.
  const doc = values.json || htmlFile !== undefined ? reportToJson(report, failOn as FailOn, failOnDrift) : undefined;
  // Every output is tried, whatever happened to the others; any failure is exit 4 (it wins over 1 and 3).
  const failures: string[] = [];
  const attempt = (write: () => void) => {
    try {
      write();
    } catch (e) {
      if (!(e instanceof OutputError)) {
        throw e;
      }
      failures.push(e.message);
    }
  };
  attempt(() => {
    try {
      io.stdout(values.json ? `${JSON.stringify(doc, null, 2)}\n` : renderText(report, failOn as FailOn, failOnDrift));
    } catch (e) {
      throw e instanceof OutputError ? e : outputError('standard output', e);
    }
  });
  attempt(() => writeSarifFile(sarifFile, report));
  if (htmlFile !== undefined) {
    attempt(() => {
      const bytes = writeOutputFile('--html', htmlFile, renderHtml(doc!));
      if (!values.quiet) {
        io.stderr(`cdk-ecr-registry report: wrote ${htmlFile} (${(bytes / 1024).toFixed(1)} KiB)\n`);
      }
    });
  }
  if (failures.length > 0) {
    throw new OutputError(failures.join('; '));
  }
  if (report.anyFailed) {
    return EXIT.ERROR;
  }
  return report.exceeds(failOn as FailOn) || (failOnDrift && report.hasDrift) ? EXIT.FINDINGS : EXIT.OK;
}
