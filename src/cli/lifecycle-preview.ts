/**
 * `cdk-ecr-registry lifecycle preview`: what a lifecycle policy would do to a repository's images,
 * from a file of images or from the live repository (DescribeImages, 1,000 per page).
 */
import { DescribeImagesCommand, DescribeImagesCommandOutput, ImageDetail } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CliIo, describeLimits, ecrClientFor, endpointFrom, EXIT, InputError, parseCommandArgs, parseTime, parseTimeFlag, regionFrom, RunLimits, runLimits,
  TIME_OPTIONS, TIME_OPTIONS_USAGE,
} from './common';
import {
  CallCounts, InUseMarking, InUseReference, ManifestInfo, markInUse, parseInUseSources, readEcs, readImageGraph, readLambda, readPodsFile,
  renderInUse,
} from './in-use';
import { PreviewOutcome, StorageClass } from '../lifecycle/enums';
import { LifecyclePolicy } from '../lifecycle/policy';
import { ImageDescription, LifecyclePreview } from '../lifecycle/preview';
import { escapeTerminal } from '../private/escape';
import { FileLimitError, readBoundedText } from '../private/files';
import { excessDepthAt, parseJson } from '../private/json';
import { AwsCallError, forClient } from '../runtime';

export const PREVIEW_USAGE = `Usage:
  cdk-ecr-registry lifecycle preview --policy <policy.json>
      (--images <images.json> | --repository <name> [--region <region>] [--registry-id <account>] [--endpoint <url>])
      [--now <time>] [--json] [--in-use ecs,lambda,k8s=<pods.json>] [--fail-on-in-use]
      [--timeout <duration>] [--request-timeout <duration>]

  --policy       lifecycle policy text (the JSON ECR takes)
  --images       images as a JSON list of {digest, tags, pushedAt, lastPulledAt?, storageClass?, transitionedAt?,
                 lastActivatedAt?}, or the output of "aws ecr describe-images" ({"imageDetails": [...]})
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
${TIME_OPTIONS_USAGE}

Times (--now and in --images) are ISO 8601 with a zone (2025-06-01T00:00:00Z, +02:00) or epoch seconds
(fractional allowed, as "aws ecr describe-images" prints them); zone-less times and epoch milliseconds are refused.

Exit codes: 0 done, 2 bad input, 1 other errors, 3 an in-use image is AT RISK (with --fail-on-in-use),
130 interrupted.
`;

export async function lifecyclePreview(args: string[], io: CliIo): Promise<number> {
  const startedAt = Date.now();
  const { values, help } = parseCommandArgs(args, PREVIEW_USAGE, {
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
    ...TIME_OPTIONS,
  });
  if (help) {
    io.stdout(PREVIEW_USAGE);
    return EXIT.OK;
  }
  const policyFile = values.policy as string | undefined;
  const imagesFile = values.images as string | undefined;
  const repository = values.repository as string | undefined;
  if (!policyFile) {
    throw new InputError(`--policy is required\n${PREVIEW_USAGE}`);
  }
  if ((imagesFile === undefined) === (repository === undefined)) {
    throw new InputError(`give exactly one of --images or --repository\n${PREVIEW_USAGE}`);
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
  // Every input file is read before any call: a bad one is exit 2 at once, not after a live read.
  const podRefs: InUseReference[] = [];
  for (const file of sources?.podFiles ?? []) {
    try {
      podRefs.push(...readPodsFile(file));
    } catch (e) {
      throw new InputError(`cannot read pods file ${file}: ${(e as Error).message}`);
    }
  }
  const now = values.now !== undefined ? parseTimeFlag('--now', values.now as string) : new Date();
  const limits = runLimits(values, startedAt);

  const policy = readPolicy(policyFile);
  const manifests: ManifestInfo[] = [];
  const images = imagesFile !== undefined
    ? readImagesFile(imagesFile)
    : await fetchImages(repository!, values, io, limits, manifests);

  let preview: LifecyclePreview;
  try {
    preview = policy.preview(images, { now });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  let marking: InUseMarking | undefined;
  if (sources) {
    const region = regionFrom(values, io, '--repository');
    const refs: InUseReference[] = [];
    const calls: CallCounts = {};
    const clientPolicy = { ...io.runtime, deadline: limits.deadline, requestTimeoutMs: limits.requestTimeoutMs, env: io.env };
    if (sources.ecs) {
      refs.push(...await readEcs(io.ecsClient ? io.ecsClient(region) : forClient(ECSClient, { region }, clientPolicy), calls));
    }
    if (sources.lambda) {
      refs.push(...await readLambda(io.lambdaClient ? io.lambdaClient(region) : forClient(LambdaClient, { region }, clientPolicy), calls));
    }
    refs.push(...podRefs);
    const previewed = { name: repository!, account: values['registry-id'] as string | undefined, region };
    const direct = markInUse(previewed, images, preview, refs);
    // Indexes keep their children in use, referrers go with their subject: read the graph live.
    const client = ecrClientFor(io, { region, endpoint: endpointFrom(values, io), limits });
    try {
      const inUse = direct.images.map(i => i.digest);
      const graph = await readImageGraph(client, { name: repository!, registryId: previewed.account }, manifests, inUse, calls);
      marking = markInUse(previewed, images, preview, refs, graph);
    } finally {
      if (!io.ecrClient) {
        client.destroy();
      }
    }
    io.stderr(`cdk-ecr-registry: in-use references read: ${refs.length} (${Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ') || 'no API calls'})\n`);
  }
  io.stdout(values.json
    ? renderJson(policy, images, preview, now, marking)
    : renderTable(policy, images, preview, now) + (marking ? `\nin use:\n${renderInUse(marking)}` : ''));
  return marking && values['fail-on-in-use'] && marking.atRisk.length > 0 ? EXIT.FINDINGS : EXIT.OK;
}

/** Largest policy file read: ECR takes policy texts of 30,720 characters; whitespace may add some. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** Largest images file read (`describe-images` of 100,000 images is about 60 MB). */
export const MAX_IMAGES_FILE_BYTES = 256 * 1024 * 1024;

function readText(file: string, what: string, maxBytes: number): string {
  try {
    // A pipe (/dev/stdin) is fine; /dev/zero and huge files stop at the limit.
    return readBoundedText(file, { maxBytes, label: `${what} ${file}`, regularOnly: false });
  } catch (e) {
    if (e instanceof FileLimitError) {
      const unreadable = / cannot be read \((.*)\)$/.exec(e.message);
      throw new InputError(unreadable ? `cannot read ${what} ${file}: ${unreadable[1]}` : e.message);
    }
    throw e;
  }
}

function readPolicy(file: string): LifecyclePolicy {
  const text = readText(file, 'policy file', MAX_POLICY_FILE_BYTES);
  // The nesting limit first, as for every JSON file the command reads: one line naming the file.
  if (excessDepthAt(text) >= 0) {
    try {
      parseJson(text, file);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  try {
    return LifecyclePolicy.fromJson(text.trim());
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
}

/** Most time problems listed in one error. */
const MAX_LISTED = 20;

/** Images from our own format or from `aws ecr describe-images` output; every bad time is reported at once. */
export function imagesFromJson(doc: unknown, source: string): ImageDescription[] {
  const list = Array.isArray(doc) ? doc
    : (doc && typeof doc === 'object' && Array.isArray((doc as any).imageDetails)) ? (doc as any).imageDetails
      : (doc && typeof doc === 'object' && Array.isArray((doc as any).images)) ? (doc as any).images
        : undefined;
  if (list === undefined) {
    throw new InputError(`${source}: expected a JSON list of images, or {"imageDetails": [...]} from "aws ecr describe-images"`);
  }
  const problems: string[] = [];
  const time = (i: number, field: string, value: unknown): Date | undefined => {
    if (value === undefined || value === null) {
      return undefined;
    }
    const r = parseTime(value);
    if ('problem' in r) {
      problems.push(`image [${i}] ${field} ${JSON.stringify(value)} ${r.problem}`);
      return undefined;
    }
    return r.time;
  };
  const images = list.map((raw: any, i: number) => {
    if (!raw || typeof raw !== 'object') {
      throw new InputError(`${source}: image [${i}] is not an object`);
    }
    const status = raw.storageClass ?? (raw.imageStatus === 'ARCHIVED' ? StorageClass.ARCHIVE : raw.imageStatus !== undefined ? StorageClass.STANDARD : undefined);
    const pushed = raw.pushedAt ?? raw.imagePushedAt;
    const image: ImageDescription = {
      digest: raw.digest ?? raw.imageDigest,
      tags: raw.tags ?? raw.imageTags ?? [],
      // A missing push time is left to preview(), which lists it with the other field problems.
      pushedAt: time(i, raw.pushedAt !== undefined ? 'pushedAt' : 'imagePushedAt', pushed) ?? (pushed === undefined ? undefined : new Date(NaN)) as Date,
      lastPulledAt: time(i, raw.lastPulledAt !== undefined ? 'lastPulledAt' : 'lastRecordedPullTime', raw.lastPulledAt ?? raw.lastRecordedPullTime),
      storageClass: typeof status === 'string' ? status.toLowerCase() as StorageClass : status,
      transitionedAt: time(i, raw.transitionedAt !== undefined ? 'transitionedAt' : 'lastArchivedAt', raw.transitionedAt ?? raw.lastArchivedAt),
      lastActivatedAt: time(i, 'lastActivatedAt', raw.lastActivatedAt),
    };
    return image;
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED).map(p => `  - ${p}\n`).join('');
    const more = problems.length > MAX_LISTED ? `  ... and ${problems.length - MAX_LISTED} more\n` : '';
    throw new InputError(`${source}: ${problems.length} invalid time${problems.length === 1 ? '' : 's'}:\n${listed}${more}`.trimEnd());
  }
  return images;
}

function readImagesFile(file: string): ImageDescription[] {
  const text = readText(file, 'images file', MAX_IMAGES_FILE_BYTES);
  let doc: unknown;
  try {
    doc = parseJson(text, file);
  } catch (e) {
    throw new InputError((e as Error).message);
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

async function fetchImages(
  repositoryName: string, values: Record<string, unknown>, io: CliIo, limits: RunLimits, manifests: ManifestInfo[] = [],
): Promise<ImageDescription[]> {
  const region = regionFrom(values, io, '--repository');
  const endpoint = endpointFrom(values, io);
  const client = ecrClientFor(io, { region, endpoint, limits });
  const images: ImageDescription[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      let page: DescribeImagesCommandOutput;
      try {
        page = await client.send(new DescribeImagesCommand({
          repositoryName,
          registryId: values['registry-id'] as string | undefined,
          maxResults: 1000,
          nextToken,
          filter: { imageStatus: 'ANY' },
        }));
      } catch (e) {
        if (AwsCallError.isAwsCallError(e) && e.kind !== 'client' && e.kind !== 'other') {
          // Say how far the read got, and whether the run's own limit ended it.
          const progress = `after reading ${images.length.toLocaleString('en-US')} images in ${pages} page${pages === 1 ? '' : 's'}`;
          const head = e.atDeadline
            ? `gave up at the run's time limit (${describeLimits(limits)}) ${progress}`
            : `stopped ${progress}`;
          throw Object.assign(new Error(`${head}: ${e.message}`), { cause: e });
        }
        throw e;
      }
      pages++;
      for (const d of page.imageDetails ?? []) {
        images.push(imageFromDetail(d));
        manifests.push({ digest: d.imageDigest ?? '', tags: d.imageTags ?? [], mediaType: d.imageManifestMediaType, artifactMediaType: d.artifactMediaType });
      }
      nextToken = page.nextToken;
      if (nextToken !== undefined || pages > 1) {
        io.stderr(`cdk-ecr-registry: ${repositoryName}: ${images.length.toLocaleString('en-US')} images read (page ${pages})${nextToken ? '...' : ', done'}\n`);
      }
    } while (nextToken);
  } finally {
    if (!io.ecrClient) {
      client.destroy();
    }
  }
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
    ].map(cell => escapeTerminal(String(cell))));
  const header = ['OUTCOME', 'RULE', 'DIGEST', 'TAGS', 'PUSHED', 'LAST PULLED', 'STORAGE'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const c = counts(preview);
  const rules = policy.rules.map(r => escapeTerminal(`  rule ${r.rulePriority}: ${r.action} ${r.tagStatus} ${r.countType} ${r.countNumber}${r.description ? ` (${r.description})` : ''}`));
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
