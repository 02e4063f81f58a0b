/**
 * The image check itself: resolve every reference to a digest with as few `DescribeImages`
 * calls as possible, name every missing or archived image, and optionally gate on scan findings.
 *
 * Runs inside the handler Lambda (bundled by esbuild); exported for tests.
 */
import {
  DescribeImageScanFindingsCommand,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageDetail,
  ImageIdentifier,
} from '@aws-sdk/client-ecr';
import {
  CheckProperties, ImageSpec, MAX_IMAGES_PER_RESOURCE, MAX_PLATFORM_GATES, MAX_SCAN_WAIT_SECONDS, MAX_SIGNATURE_WAIT_SECONDS, SEVERITY_ORDER,
} from './contract';
import { checkPlatforms } from './platforms';
import { mapBounded } from '../../private/concurrency';
import { AwsCallError, errorCode } from '../../runtime';

/** DescribeImages accepts at most 100 image ids per call. */
export const MAX_IDS_PER_CALL = 100;

/** Calls in flight at once, over all repositories. */
const CONCURRENCY = 5;

/** How often a scan still in progress is polled. */
const DEFAULT_SCAN_POLL_MS = 10_000;

/** What the check needs from its environment (injected by tests). */
export interface CheckOptions {
  /** The ECR client for a region. */
  readonly clientFor: (region: string) => ECRClient;
  /** Epoch milliseconds by which the check must have finished. */
  readonly deadline: number;
  /** Aborted when the time budget is spent: every call is cancelled. */
  readonly signal?: AbortSignal;
  /** Poll interval while a scan (or signing) is in progress. */
  readonly scanPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** The result of a successful check: one digest per input image, in input order. */
export interface CheckResult {
  readonly digests: string[];
}

/** A check that found problems: every one of them, for one failure message. */
export class ImageCheckFailure extends Error {
  constructor(public readonly problems: string[], public readonly total: number) {
    super(`${problems.length} of ${total} image${total === 1 ? '' : 's'} cannot be deployed: ${problems.join('; ')}`);
    this.name = 'ImageCheckFailure';
  }
}

/** Properties that cannot be checked at all (bad or tampered input). */
export class InvalidPropertiesError extends Error {
  constructor(message: string) {
    super(`invalid image check properties: ${message}`);
    this.name = 'InvalidPropertiesError';
  }
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,256}$/;
/** An AWS account id: the registry. */
const REGISTRY = /^\d{12}$/;
/** An AWS region name (us-east-1, us-gov-west-1, cn-north-1, ap-southeast-5). */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** ECR's repository name pattern, at most 256 characters. */
const REPOSITORY = /^(?=.{1,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** An image tag (Docker's grammar; ECR takes up to 300 characters). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$/;
/** Whole seconds, as CloudFormation passes numbers to a custom resource. */
const SECONDS = /^\d{1,6}$/;

/** Every property the handler understands; anything else is a setting it cannot honour, so the check fails. */
const KNOWN_PROPERTIES = new Set(['ServiceToken', 'ServiceTimeout', 'Images', 'FailOnSeverity', 'ScanWaitSeconds', 'ProtectInUse', 'RequireSignature', 'SignatureWaitSeconds', 'Platforms']);
const KNOWN_GATE_KEYS = new Set(['Image', 'Consumer', 'Os', 'Architecture', 'ImageManifestOnly']);
const KNOWN_IMAGE_KEYS = new Set(['Registry', 'Region', 'Repository', 'Tag', 'Digest']);

/** A value for a message: JSON, cut to 100 characters (the Reason is escaped as a whole). */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/**
 * Validate the resource properties CloudFormation passed (a template author can edit them): by type
 * and by value, before any call. Every gate fails closed: a setting the handler does not understand
 * (a list where a severity belongs, an unknown property, a misspelt gate) is an error, never "no gate".
 */
export function parseProperties(raw: unknown): CheckProperties {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidPropertiesError('no properties');
  }
  const props = raw as Record<string, unknown>;
  const unknown = Object.keys(props).filter(k => !KNOWN_PROPERTIES.has(k));
  if (unknown.length > 0) {
    throw new InvalidPropertiesError(`unknown propert${unknown.length === 1 ? 'y' : 'ies'} ${unknown.slice(0, 5).map(k => shown(k)).join(', ')}`
      + `${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}: the handler understands ${[...KNOWN_PROPERTIES].join(', ')} (a setting it cannot honour fails the check)`);
  }
  const images = props.Images;
  if (!Array.isArray(images) || images.length === 0) {
    throw new InvalidPropertiesError('Images must be a non-empty list');
  }
  if (images.length > MAX_IMAGES_PER_RESOURCE) {
    throw new InvalidPropertiesError(`Images lists ${images.length.toLocaleString('en-US')} images; one resource checks at most ${MAX_IMAGES_PER_RESOURCE} `
      + '(their digests must fit in CloudFormation\'s 4,096-byte response; ImageCheck spreads more images over several resources)');
  }
  images.forEach((img: any, i) => {
    const where = `Images[${i}]`;
    if (typeof img !== 'object' || img === null || Array.isArray(img)) {
      throw new InvalidPropertiesError(`${where} is not an object`);
    }
    const extra = Object.keys(img).filter(k => !KNOWN_IMAGE_KEYS.has(k));
    if (extra.length > 0) {
      throw new InvalidPropertiesError(`${where} has unknown keys ${extra.slice(0, 5).map(k => shown(k)).join(', ')}: an image has Registry, Region, Repository and one of Tag and Digest`);
    }
    for (const k of ['Registry', 'Region', 'Repository']) {
      if (typeof img[k] !== 'string' || img[k] === '') {
        throw new InvalidPropertiesError(`${where}.${k} must be a non-empty string`);
      }
    }
    if (!REGISTRY.test(img.Registry)) {
      throw new InvalidPropertiesError(`${where}.Registry ${shown(img.Registry)} is not an AWS account id (12 digits)`);
    }
    if (!REGION.test(img.Region)) {
      throw new InvalidPropertiesError(`${where}.Region ${shown(img.Region)} is not an AWS region (like eu-west-1)`);
    }
    if (!REPOSITORY.test(img.Repository)) {
      throw new InvalidPropertiesError(`${where}.Repository ${shown(img.Repository)} is not a repository name (1-256 of lowercase letters, digits, '.', '_', '-' and '/')`);
    }
    const hasTag = img.Tag !== undefined;
    const hasDigest = img.Digest !== undefined;
    if (hasTag === hasDigest || (hasTag && img.Tag === '') || (hasDigest && img.Digest === '')) {
      throw new InvalidPropertiesError(`${where} needs exactly one of Tag and Digest`);
    }
    if (hasTag && (typeof img.Tag !== 'string' || !TAG.test(img.Tag))) {
      throw new InvalidPropertiesError(`${where}.Tag ${shown(img.Tag)} is not an image tag (1-300 of letters, digits, '_', '.' and '-', not starting with '.' or '-')`);
    }
    if (hasDigest && (typeof img.Digest !== 'string' || !DIGEST.test(img.Digest))) {
      throw new InvalidPropertiesError(`${where}.Digest ${shown(img.Digest)} is not a digest (sha256:<hex>)`);
    }
  });
  if (props.FailOnSeverity !== undefined && (typeof props.FailOnSeverity !== 'string' || !SEVERITY_ORDER.includes(props.FailOnSeverity))) {
    throw new InvalidPropertiesError(`FailOnSeverity ${shown(props.FailOnSeverity)} must be one of ${SEVERITY_ORDER.join(', ')} (one severity, as a string)`);
  }
  const seconds = (name: string, max: number) => {
    const v = props[name];
    if (v !== undefined && (typeof v !== 'string' || !SECONDS.test(v) || Number(v) > max)) {
      throw new InvalidPropertiesError(`${name} ${shown(v)} must be 0-${max} (whole seconds, as a string)`);
    }
  };
  seconds('ScanWaitSeconds', MAX_SCAN_WAIT_SECONDS);
  if (props.RequireSignature !== undefined && props.RequireSignature !== 'true') {
    throw new InvalidPropertiesError(`RequireSignature ${shown(props.RequireSignature)} must be "true" or absent`);
  }
  seconds('SignatureWaitSeconds', MAX_SIGNATURE_WAIT_SECONDS);
  if (props.ProtectInUse !== undefined && props.ProtectInUse !== 'true') {
    throw new InvalidPropertiesError(`ProtectInUse ${shown(props.ProtectInUse)} must be "true" or absent`);
  }
  parsePlatformGates(props.Platforms, images.length);
  return props as unknown as CheckProperties;
}

/** The platform gates by type and value: a gate the handler cannot read fails the check, never "no gate". */
function parsePlatformGates(raw: unknown, imageCount: number): void {
  if (raw === undefined) {
    return;
  }
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_PLATFORM_GATES) {
    throw new InvalidPropertiesError(`Platforms must be a list of 1-${MAX_PLATFORM_GATES} platform gates`);
  }
  raw.forEach((g: any, i) => {
    const where = `Platforms[${i}]`;
    if (typeof g !== 'object' || g === null || Array.isArray(g)) {
      throw new InvalidPropertiesError(`${where} is not an object`);
    }
    const extra = Object.keys(g).filter(k => !KNOWN_GATE_KEYS.has(k));
    if (extra.length > 0) {
      throw new InvalidPropertiesError(`${where} has unknown keys ${extra.slice(0, 5).map(k => shown(k)).join(', ')}: a gate has Image, Consumer, Os, Architecture and ImageManifestOnly`);
    }
    if (typeof g.Image !== 'string' || !/^\d{1,3}$/.test(g.Image) || Number(g.Image) >= imageCount) {
      throw new InvalidPropertiesError(`${where}.Image ${shown(g.Image)} must be the index of one of the ${imageCount} Images (a string)`);
    }
    if (typeof g.Consumer !== 'string' || g.Consumer === '' || g.Consumer.length > 1024) {
      throw new InvalidPropertiesError(`${where}.Consumer must be a string of 1-1024 characters`);
    }
    if (g.Os !== 'linux' && g.Os !== 'windows') {
      throw new InvalidPropertiesError(`${where}.Os ${shown(g.Os)} must be linux or windows`);
    }
    if (g.Architecture !== undefined && g.Architecture !== 'amd64' && g.Architecture !== 'arm64') {
      throw new InvalidPropertiesError(`${where}.Architecture ${shown(g.Architecture)} must be amd64, arm64 or absent`);
    }
    if (g.ImageManifestOnly !== undefined && g.ImageManifestOnly !== 'true') {
      throw new InvalidPropertiesError(`${where}.ImageManifestOnly ${shown(g.ImageManifestOnly)} must be "true" or absent`);
    }
  });
}

/** `payments/api:v1 (registry 111111111111, eu-west-1)` */
export function describeSpec(spec: ImageSpec): string {
  const ref = spec.Tag !== undefined && spec.Tag !== '' ? `${spec.Repository}:${spec.Tag}` : `${spec.Repository}@${spec.Digest}`;
  return `${ref} (registry ${spec.Registry}, ${spec.Region})`;
}

/** One repository and the distinct image ids asked of it. */
interface RepositoryGroup {
  readonly region: string;
  readonly registry: string;
  readonly repository: string;
  /** Distinct ids (key: `t:<tag>` or `d:<digest>`). */
  readonly ids: Map<string, ImageIdentifier>;
}

function idKey(id: ImageIdentifier): string {
  return id.imageTag !== undefined ? `t:${id.imageTag}` : `d:${id.imageDigest}`;
}

function groupKey(spec: ImageSpec): string {
  return `${spec.Region}|${spec.Registry}|${spec.Repository}`;
}

function idOf(spec: ImageSpec): ImageIdentifier {
  return spec.Tag !== undefined && spec.Tag !== '' ? { imageTag: spec.Tag } : { imageDigest: spec.Digest };
}

/** The service's error code, through the runtime policy's `AwsCallError` or from a bare SDK error. */
function errorName(e: unknown): string {
  return errorCode(e);
}

/** The service's own message (an `AwsCallError` keeps the SDK's error as `cause`). */
function serviceMessage(e: unknown): string {
  const inner = AwsCallError.isAwsCallError(e) ? e.cause : e;
  return String((inner as Error)?.message ?? inner ?? '');
}

/** What one repository answered. */
interface GroupOutcome {
  /** Found images by id key. */
  readonly found: Map<string, ImageDetail>;
  /** Ids that do not exist. */
  readonly missing: Set<string>;
  /** Set when the whole repository could not be read (not found, access denied). */
  readonly repositoryProblem?: string;
}

/** ECR names the first missing id in its message: `imageId {imageDigest:'null', imageTag:'v1'}`. */
const NOT_FOUND_ID = /imageDigest:'([^']*)',\s*imageTag:'([^']*)'/;

/** The id the ImageNotFoundException message names, if it is one of `ids`. */
function namedMissing(e: unknown, ids: ImageIdentifier[]): ImageIdentifier | undefined {
  const m = NOT_FOUND_ID.exec(serviceMessage(e));
  if (!m) {
    return undefined;
  }
  const [digest, tag] = [m[1] === 'null' ? undefined : m[1], m[2] === 'null' ? undefined : m[2]];
  return ids.find(id => (tag !== undefined && id.imageTag === tag) || (tag === undefined && digest !== undefined && id.imageDigest === digest));
}

/**
 * Describe `ids` in one call. One missing id fails the whole call (ImageNotFoundException):
 * when the message names the missing id, drop it and retry the rest (k + 1 calls for k missing);
 * otherwise split the batch in halves until every missing id is isolated (about 2·k·log2(n/k) calls).
 * One call when all exist.
 */
async function describeBatch(
  client: ECRClient, group: RepositoryGroup, ids: ImageIdentifier[], outcome: GroupOutcome, opts: CheckOptions,
): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  try {
    const res = await client.send(new DescribeImagesCommand({
      registryId: group.registry,
      repositoryName: group.repository,
      imageIds: ids,
    }), { abortSignal: opts.signal as any });
    const details = res.imageDetails ?? [];
    for (const id of ids) {
      const detail = details.find(d => id.imageTag !== undefined
        ? (d.imageTags ?? []).includes(id.imageTag)
        : d.imageDigest === id.imageDigest);
      if (detail) {
        outcome.found.set(idKey(id), detail);
      } else {
        outcome.missing.add(idKey(id));
      }
    }
  } catch (e) {
    if (errorName(e) !== 'ImageNotFoundException') {
      throw e;
    }
    if (ids.length === 1) {
      outcome.missing.add(idKey(ids[0]));
      return;
    }
    const named = namedMissing(e, ids);
    if (named) {
      outcome.missing.add(idKey(named));
      await describeBatch(client, group, ids.filter(id => id !== named), outcome, opts);
      return;
    }
    const mid = Math.ceil(ids.length / 2);
    await describeBatch(client, group, ids.slice(0, mid), outcome, opts);
    await describeBatch(client, group, ids.slice(mid), outcome, opts);
  }
}

/** Resolve every image; throws ImageCheckFailure listing every problem. */
export async function checkImages(props: CheckProperties, opts: CheckOptions): Promise<CheckResult> {
  const specs = props.Images;
  const groups = new Map<string, RepositoryGroup>();
  for (const spec of specs) {
    const key = groupKey(spec);
    let g = groups.get(key);
    if (!g) {
      g = { region: spec.Region, registry: spec.Registry, repository: spec.Repository, ids: new Map() };
      groups.set(key, g);
    }
    const id = idOf(spec);
    g.ids.set(idKey(id), id);
  }

  const outcomes = new Map<string, GroupOutcome>();
  const tasks: Array<() => Promise<void>> = [];
  for (const [key, group] of groups) {
    const outcome: { found: Map<string, ImageDetail>; missing: Set<string>; repositoryProblem?: string } = {
      found: new Map(), missing: new Set(),
    };
    outcomes.set(key, outcome);
    const ids = [...group.ids.values()];
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      const batch = ids.slice(i, i + MAX_IDS_PER_CALL);
      tasks.push(async () => {
        if (outcome.repositoryProblem) {
          return;
        }
        try {
          await describeBatch(opts.clientFor(group.region), group, batch, outcome, opts);
        } catch (e) {
          const name = errorName(e);
          if (name === 'RepositoryNotFoundException') {
            outcome.repositoryProblem = 'repository not found';
          } else if (name === 'AccessDeniedException') {
            outcome.repositoryProblem = `access denied (${serviceMessage(e)}): the repository policy must allow ecr:DescribeImages to the image check role`;
          } else {
            throw e;
          }
        }
      });
    }
  }
  await mapBounded(tasks, CONCURRENCY, task => task());

  const problems: string[] = [];
  const digests: string[] = [];
  const reported = new Set<string>();
  for (const spec of specs) {
    const key = groupKey(spec);
    const outcome = outcomes.get(key)!;
    const id = idOf(spec);
    const what = describeSpec(spec);
    const problem = outcome.repositoryProblem
      ? outcome.repositoryProblem
      : outcome.missing.has(idKey(id))
        ? 'not found'
        : statusProblem(outcome.found.get(idKey(id)));
    if (problem) {
      if (!reported.has(what)) {
        reported.add(what);
        problems.push(`${what} ${problem}`);
      }
      digests.push('');
    } else {
      digests.push(outcome.found.get(idKey(id))!.imageDigest!);
    }
  }
  if (problems.length > 0) {
    throw new ImageCheckFailure(problems, specs.length);
  }

  // The platform, scan and signature gates look at the same resolved images: one failure lists them all.
  const gateProblems = [
    ...props.Platforms ? await checkPlatforms(specs, digests, props.Platforms, opts, describeSpec) : [],
    ...props.FailOnSeverity ? await checkScans(specs, digests, props, opts) : [],
    ...props.RequireSignature === 'true' ? await checkSignatures(specs, digests, props, opts) : [],
  ];
  if (gateProblems.length > 0) {
    throw new ImageCheckFailure(gateProblems, specs.length);
  }
  return { digests };
}

/** How a gate polls something in progress: until `waitSeconds` from now, never past the deadline. */
function polling(waitSeconds: string | undefined, opts: CheckOptions) {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));
  return { now, sleep, waitUntil: Math.min(now() + Number(waitSeconds ?? 0) * 1000, opts.deadline), poll: opts.scanPollMs ?? DEFAULT_SCAN_POLL_MS };
}

/** One entry per distinct image (repository + digest), in the order first seen, named by its last reference. */
function distinctImages(specs: ImageSpec[], digests: string[]): { spec: ImageSpec; digest: string }[] {
  const distinct = new Map<string, { spec: ImageSpec; digest: string }>();
  specs.forEach((spec, i) => {
    distinct.set(`${groupKey(spec)}|${digests[i]}`, { spec, digest: digests[i] });
  });
  return [...distinct.values()];
}

/** Archived (or still restoring) images cannot be pulled. */
function statusProblem(detail: ImageDetail | undefined): string | undefined {
  if (!detail || !detail.imageDigest) {
    return 'not found';
  }
  switch (detail.imageStatus) {
    case 'ARCHIVED':
      return 'is archived (ECR archive storage class) and cannot be pulled: restore it to the standard storage class (UpdateImageStorageClass) or push it again';
    case 'ACTIVATING':
      return 'is being restored from the ECR archive (ACTIVATING) and cannot be pulled yet: wait for the restore to finish';
    default:
      return undefined;
  }
}

/** Scan statuses that mean "not finished yet". */
const SCAN_PENDING = new Set(['IN_PROGRESS', 'PENDING']);
/** Scan statuses whose findings count. */
const SCAN_DONE = new Set(['COMPLETE', 'ACTIVE']);

async function checkScans(specs: ImageSpec[], digests: string[], props: CheckProperties, opts: CheckOptions): Promise<string[]> {
  const threshold = SEVERITY_ORDER.indexOf(props.FailOnSeverity!);
  if (threshold < 0) {
    // parseProperties refuses it first; a gate never reads a setting it does not understand as "no gate".
    throw new InvalidPropertiesError(`FailOnSeverity ${JSON.stringify(props.FailOnSeverity)} must be one of ${SEVERITY_ORDER.join(', ')}`);
  }
  const { now, sleep, waitUntil, poll } = polling(props.ScanWaitSeconds, opts);

  // One scan lookup per distinct image (repository + digest).
  const tasks = distinctImages(specs, digests).map(({ spec, digest }) => async (): Promise<string | undefined> => {
    const client = opts.clientFor(spec.Region);
    const what = `${describeSpec(spec)} [${digest}]`;
    for (;;) {
      let res;
      try {
        res = await client.send(new DescribeImageScanFindingsCommand({
          registryId: spec.Registry,
          repositoryName: spec.Repository,
          imageId: { imageDigest: digest },
          maxResults: 1,
        }), { abortSignal: opts.signal as any });
      } catch (e) {
        if (errorName(e) === 'ScanNotFoundException') {
          return `${what} has no scan results: scan it (scan on push or registry scanning) before deploying`;
        }
        throw e;
      }
      const status = res.imageScanStatus?.status ?? 'UNKNOWN';
      if (SCAN_DONE.has(status)) {
        const counts = (res.imageScanFindings?.findingSeverityCounts ?? {}) as Record<string, number>;
        const over = SEVERITY_ORDER.slice(threshold).reverse()
          .filter(s => (counts[s] ?? 0) > 0)
          .map(s => `${counts[s]} ${s}`);
        return over.length > 0
          ? `${what} has findings at or above ${props.FailOnSeverity}: ${over.join(', ')}`
          : undefined;
      }
      if (SCAN_PENDING.has(status)) {
        if (now() + poll > waitUntil) {
          return `${what} scan still ${status} after waiting ${props.ScanWaitSeconds ?? 0} s`;
        }
        await sleep(poll);
        continue;
      }
      const description = res.imageScanStatus?.description;
      return `${what} scan status is ${status}${description ? ` (${description})` : ''}: no findings to judge`;
    }
  });
  const results = await mapBounded(tasks, CONCURRENCY, task => task());
  return results.filter((r): r is string => r !== undefined);
}

/** Signing statuses that mean "not finished yet". */
const SIGNING_PENDING = 'IN_PROGRESS';

/**
 * The signature gate: every distinct image needs a `COMPLETE` managed signature (any signing
 * profile). `IN_PROGRESS` (ECR signs after the push) is polled until `SignatureWaitSeconds` or the
 * deadline; no status at all, or only `FAILED`, fails at once.
 */
async function checkSignatures(specs: ImageSpec[], digests: string[], props: CheckProperties, opts: CheckOptions): Promise<string[]> {
  const wait = Number(props.SignatureWaitSeconds ?? 0);
  const { now, sleep, waitUntil, poll } = polling(props.SignatureWaitSeconds, opts);

  const tasks = distinctImages(specs, digests).map(({ spec, digest }) => async (): Promise<string | undefined> => {
    const client = opts.clientFor(spec.Region);
    const what = `${describeSpec(spec)} [${digest}]`;
    for (;;) {
      let res;
      try {
        res = await client.send(new DescribeImageSigningStatusCommand({
          registryId: spec.Registry,
          repositoryName: spec.Repository,
          imageId: { imageDigest: digest },
        }), { abortSignal: opts.signal as any });
      } catch (e) {
        if (errorName(e) === 'AccessDeniedException') {
          return `${what} signing status: access denied (${serviceMessage(e)}): the repository policy must allow ecr:DescribeImageSigningStatus to the image check role`;
        }
        throw e;
      }
      const statuses = res.signingStatuses ?? [];
      if (statuses.some(s => s.status === 'COMPLETE')) {
        return undefined;
      }
      if (statuses.length === 0) {
        return `${what} has no signature: no managed signing rule of registry ${spec.Registry} (${spec.Region}) matched the repository when the image was pushed (registry.addSigningRule)`;
      }
      const describe = statuses.map(s => `${s.status ?? 'UNKNOWN'} for ${s.signingProfileArn ?? 'an unnamed profile'}`
        + (s.failureCode || s.failureReason ? ` (${[s.failureCode, s.failureReason].filter(Boolean).join(': ')})` : '')).join(', ');
      if (statuses.some(s => s.status === SIGNING_PENDING)) {
        if (now() + poll > waitUntil) {
          return `${what} has no COMPLETE signature after waiting ${wait} s: signing ${describe}`;
        }
        await sleep(poll);
        continue;
      }
      return `${what} has no COMPLETE signature: signing ${describe}`;
    }
  });
  const results = await mapBounded(tasks, CONCURRENCY, task => task());
  return results.filter((r): r is string => r !== undefined);
}
