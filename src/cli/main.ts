#!/usr/bin/env node
/**
 * `cdk-ecr-registry lifecycle preview`: what a lifecycle policy would do to a repository's images,
 * from a file of images or from the live repository (DescribeImages, 1,000 per page).
 *
 * Exit codes: 0 done; 2 bad input (arguments, files, policy, unknown repository); 1 anything else
 * (network, credentials, throttling).
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { DescribeImagesCommand, DescribeImagesCommandOutput, ECRClient, ECRClientConfig, ImageDetail } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CallCounts, InUseMarking, InUseReference, markInUse, parseInUseSources, readEcs, readLambda, readPodsFile, renderInUse } from './in-use';
import { runReport } from './report';
import { PreviewOutcome, StorageClass } from '../lifecycle/enums';
import { LifecyclePolicy } from '../lifecycle/policy';
import { ImageDescription, LifecyclePreview } from '../lifecycle/preview';
import { forClient } from '../runtime/client';

/** Where the command reads and writes; tests pass their own. */
export interface CliIo {
  /** Write to standard output (the result). */
  readonly stdout: (text: string) => void;
  /** Write to standard error (progress and errors). */
  readonly stderr: (text: string) => void;
  /** Environment variables (AWS_REGION, AWS_ENDPOINT_URL_ECR, ...). */
  readonly env: Record<string, string | undefined>;
  /**
   * Make the ECR client (tests pass a mocked one).
   * @default - a new `ECRClient` with the given configuration
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
}

export const USAGE = `Usage:
  cdk-ecr-registry report [--target <account>:<region>[:<roleArn>]]... [--json] [--fail-on <severity>]   (report --help)
  cdk-ecr-registry lifecycle preview --policy <policy.json>
      (--images <images.json> | --repository <name> [--region <region>] [--registry-id <account>] [--endpoint <url>])
      [--now <ISO time>] [--json] [--in-use ecs,lambda,k8s=<pods.json>] [--fail-on-in-use]

  --policy       lifecycle policy text (the JSON ECR takes)
  --images       images as a JSON list of {digest, tags, pushedAt, lastPulledAt?, storageClass?, transitionedAt?,
                 lastActivatedAt?}, or the output of "aws ecr describe-images" ({"imageDetails": [...]});
                 times are ISO strings or epoch seconds
  --repository   read the images of this repository with DescribeImages (every status, 1,000 per page)
  --region       AWS region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --registry-id  account of the registry (default: the caller's)
  --endpoint     ECR endpoint URL (default: AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL, else AWS's)
  --now          evaluate at this time (default: now)
  --json         print JSON instead of a table
  --in-use       with --repository: mark the images that run (ECS services' task definitions and running tasks,
                 Lambda functions' image URIs, pods of a "kubectl get pods -A -o json" file), and those the policy
                 would expire or archive while in use as AT RISK (docs/in-use.md)
  --fail-on-in-use  exit 3 when any image is AT RISK

Exit codes: 0 done, 2 bad input, 1 other errors, 3 an in-use image is AT RISK (with --fail-on-in-use).
`;

/** Bad input: reported with exit code 2. */
class InputError extends Error {}

/** Run the command; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(`cdk-ecr-registry: ${e.message}\n`);
      return 2;
    }
    const name = (e as { name?: string }).name;
    if (name === 'RepositoryNotFoundException' || name === 'InvalidParameterException') {
      io.stderr(`cdk-ecr-registry: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr(`cdk-ecr-registry: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout)(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === 'report') {
    return runReport(argv.slice(1), io);
  }
  if (argv[0] !== 'lifecycle' || argv[1] !== 'preview') {
    throw new InputError(`unknown command "${argv.slice(0, 2).join(' ')}"\n${USAGE}`);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv.slice(2),
      options: {
        'policy': { type: 'string' },
        'images': { type: 'string' },
        'repository': { type: 'string' },
        'region': { type: 'string' },
        'registry-id': { type: 'string' },
        'endpoint': { type: 'string' },
        'now': { type: 'string' },
        'json': { type: 'boolean' },
        'in-use': { type: 'string' },
        'fail-on-in-use': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const policyFile = values.policy as string | undefined;
  const imagesFile = values.images as string | undefined;
  const repository = values.repository as string | undefined;
  if (!policyFile) {
    throw new InputError(`--policy is required\n${USAGE}`);
  }
  if ((imagesFile === undefined) === (repository === undefined)) {
    throw new InputError(`give exactly one of --images or --repository\n${USAGE}`);
  }
  if (imagesFile !== undefined && (values.region || values['registry-id'] || values.endpoint)) {
    throw new InputError('--region, --registry-id and --endpoint go with --repository, not --images');
  }
  let sources;
  if (values['in-use'] !== undefined) {
    if (repository === undefined) {
      throw new InputError('--in-use goes with --repository (references are matched to the repository read live)');
    }
    try {
      sources = parseInUseSources(values['in-use'] as string);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  } else if (values['fail-on-in-use']) {
    throw new InputError('--fail-on-in-use goes with --in-use');
  }
  let now = new Date();
  if (values.now !== undefined) {
    now = new Date(values.now as string);
    if (Number.isNaN(now.getTime())) {
      throw new InputError(`--now ${JSON.stringify(values.now)} is not a time: use ISO 8601, e.g. 2025-06-01T00:00:00Z`);
    }
  }

  const policy = readPolicy(policyFile);
  const images = imagesFile !== undefined
    ? readImagesFile(imagesFile)
    : await fetchImages(repository!, values, io);

  let preview: LifecyclePreview;
  try {
    preview = policy.preview(images, { now });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  let marking: InUseMarking | undefined;
  if (sources) {
    const region = regionOf(values, io);
    const refs: InUseReference[] = [];
    const calls: CallCounts = {};
    const deadline = Date.now() + 300_000;
    if (sources.ecs) {
      refs.push(...await readEcs(io.ecsClient ? io.ecsClient(region) : forClient(ECSClient, { region }, { deadline }), calls));
    }
    if (sources.lambda) {
      refs.push(...await readLambda(io.lambdaClient ? io.lambdaClient(region) : forClient(LambdaClient, { region }, { deadline }), calls));
    }
    for (const file of sources.podFiles) {
      try {
        refs.push(...readPodsFile(file));
      } catch (e) {
        throw new InputError(`cannot read pods file ${file}: ${(e as Error).message}`);
      }
    }
    marking = markInUse({ name: repository!, account: values['registry-id'] as string | undefined, region }, images, preview, refs);
    io.stderr(`cdk-ecr-registry: in-use references read: ${refs.length} (${Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ') || 'no API calls'})\n`);
  }
  io.stdout(values.json
    ? renderJson(policy, images, preview, now, marking)
    : renderTable(policy, images, preview, now) + (marking ? `\nin use:\n${renderInUse(marking)}` : ''));
  return marking && values['fail-on-in-use'] && marking.atRisk.length > 0 ? 3 : 0;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readPolicy(file: string): LifecyclePolicy {
  const text = readText(file, 'policy file');
  try {
    return LifecyclePolicy.fromJson(text.trim());
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
}

function parseTime(value: unknown): Date | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'number') {
    return new Date(value * 1000);
  }
  if (typeof value === 'string') {
    return new Date(value);
  }
  return new Date(NaN);
}

/** Images from our own format or from `aws ecr describe-images` output. */
export function imagesFromJson(doc: unknown, source: string): ImageDescription[] {
  const list = Array.isArray(doc) ? doc
    : (doc && typeof doc === 'object' && Array.isArray((doc as any).imageDetails)) ? (doc as any).imageDetails
      : (doc && typeof doc === 'object' && Array.isArray((doc as any).images)) ? (doc as any).images
        : undefined;
  if (list === undefined) {
    throw new InputError(`${source}: expected a JSON list of images, or {"imageDetails": [...]} from "aws ecr describe-images"`);
  }
  return list.map((raw: any, i: number) => {
    if (!raw || typeof raw !== 'object') {
      throw new InputError(`${source}: image [${i}] is not an object`);
    }
    const status = raw.storageClass ?? (raw.imageStatus === 'ARCHIVED' ? StorageClass.ARCHIVE : raw.imageStatus !== undefined ? StorageClass.STANDARD : undefined);
    const image: ImageDescription = {
      digest: raw.digest ?? raw.imageDigest,
      tags: raw.tags ?? raw.imageTags ?? [],
      pushedAt: parseTime(raw.pushedAt ?? raw.imagePushedAt) as Date,
      lastPulledAt: parseTime(raw.lastPulledAt ?? raw.lastRecordedPullTime),
      storageClass: typeof status === 'string' ? status.toLowerCase() as StorageClass : status,
      transitionedAt: parseTime(raw.transitionedAt ?? raw.lastArchivedAt),
      lastActivatedAt: parseTime(raw.lastActivatedAt),
    };
    return image;
  });
}

function readImagesFile(file: string): ImageDescription[] {
  const text = readText(file, 'images file');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: is not JSON (${(e as Error).message})`);
  }
  return imagesFromJson(doc, file);
}

/** One ECR image detail as an image description. */
export function imageFromDetail(d: ImageDetail): ImageDescription {
  return {
    digest: d.imageDigest ?? '',
    tags: d.imageTags ?? [],
    pushedAt: d.imagePushedAt ?? new Date(NaN),
    lastPulledAt: d.lastRecordedPullTime,
    storageClass: d.imageStatus === 'ARCHIVED' ? StorageClass.ARCHIVE : StorageClass.STANDARD,
    transitionedAt: d.lastArchivedAt,
    lastActivatedAt: d.lastActivatedAt,
  };
}

async function fetchImages(repositoryName: string, values: Record<string, unknown>, io: CliIo): Promise<ImageDescription[]> {
  const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError('--repository needs a region: pass --region or set AWS_REGION');
  }
  const endpoint = (values.endpoint as string | undefined) ?? io.env.AWS_ENDPOINT_URL_ECR ?? io.env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new InputError(`--endpoint ${JSON.stringify(endpoint)} is not an http(s) URL`);
  }
  const config: ECRClientConfig = { region, ...(endpoint ? { endpoint } : {}) };
  const client = io.ecrClient ? io.ecrClient(config) : new ECRClient(config);
  const images: ImageDescription[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page: DescribeImagesCommandOutput = await client.send(new DescribeImagesCommand({
      repositoryName,
      registryId: values['registry-id'] as string | undefined,
      maxResults: 1000,
      nextToken,
      filter: { imageStatus: 'ANY' },
    }));
    pages++;
    for (const d of page.imageDetails ?? []) {
      images.push(imageFromDetail(d));
    }
    nextToken = page.nextToken;
    if (nextToken !== undefined || pages > 1) {
      io.stderr(`cdk-ecr-registry: ${repositoryName}: ${images.length.toLocaleString('en-US')} images read (page ${pages})${nextToken ? '...' : ', done'}\n`);
    }
  } while (nextToken);
  return images;
}

function iso(d: Date | undefined): string {
  return d === undefined ? '-' : d.toISOString().replace(/\.000Z$/, 'Z');
}

function counts(preview: LifecyclePreview) {
  return { images: preview.decisions.length, expire: preview.expired.length, transition: preview.transitioned.length, keep: preview.kept.length };
}

function renderJson(policy: LifecyclePolicy, images: ImageDescription[], preview: LifecyclePreview, now: Date, marking?: InUseMarking): string {
  const descriptions = new Map(policy.rules.map(r => [r.rulePriority, r.description]));
  const out = {
    now: now.toISOString(),
    summary: counts(preview),
    expired: preview.expired,
    transitioned: preview.transitioned,
    kept: preview.kept,
    decisions: preview.decisions.map((d, i) => ({
      digest: d.digest,
      tags: images[i].tags ?? [],
      pushedAt: images[i].pushedAt.toISOString(),
      outcome: d.outcome,
      rulePriority: d.rulePriority ?? null,
      ruleDescription: d.rulePriority === undefined ? null : descriptions.get(d.rulePriority) ?? null,
    })),
    ...(marking ? { inUse: marking } : {}),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function renderTable(policy: LifecyclePolicy, images: ImageDescription[], preview: LifecyclePreview, now: Date): string {
  const order = { [PreviewOutcome.EXPIRE]: 0, [PreviewOutcome.TRANSITION]: 1, [PreviewOutcome.KEEP]: 2 };
  const rows = preview.decisions
    .map((d, i) => ({ d, img: images[i] }))
    .sort((a, b) => order[a.d.outcome] - order[b.d.outcome]
      || b.img.pushedAt.getTime() - a.img.pushedAt.getTime()
      || (a.d.digest < b.d.digest ? -1 : 1))
    .map(({ d, img }) => [
      d.outcome.toUpperCase(),
      d.rulePriority === undefined ? '-' : String(d.rulePriority),
      d.digest.length > 19 ? `${d.digest.slice(0, 19)}…` : d.digest,
      (img.tags ?? []).length === 0 ? '<untagged>' : (img.tags ?? []).join(','),
      iso(img.pushedAt),
      iso(img.lastPulledAt),
      img.storageClass ?? StorageClass.STANDARD,
    ]);
  const header = ['OUTCOME', 'RULE', 'DIGEST', 'TAGS', 'PUSHED', 'LAST PULLED', 'STORAGE'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const c = counts(preview);
  const rules = policy.rules.map(r => `  rule ${r.rulePriority}: ${r.action} ${r.tagStatus} ${r.countType} ${r.countNumber}${r.description ? ` (${r.description})` : ''}`);
  return [
    line(header),
    ...rows.map(line),
    '',
    `${c.images} images at ${iso(now)}: ${c.expire} expire, ${c.transition} transition to archive, ${c.keep} keep`,
    'rules:',
    ...rules,
    '',
  ].join('\n');
}

function processIo(): CliIo {
  return {
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    env: process.env,
  };
}

if (require.main === module) {
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}

function regionOf(values: Record<string, unknown>, io: CliIo): string {
  const region = (values.region as string | undefined) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new InputError('--repository needs a region: pass --region or set AWS_REGION');
  }
  return region;
}
