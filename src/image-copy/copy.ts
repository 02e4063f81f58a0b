/**
 * The copy engine: one image from a source to a destination, by digest. Shared by the `copy`
 * command and the `ImageCopy` handler; no aws-cdk-lib.
 *
 * Order of work, so that a failed copy leaves no tag:
 * 1. read the source manifest (by digest when given: its bytes must hash to it); for an index,
 *    pick the entries to copy and read each of their manifests (each must hash to its descriptor);
 * 2. ask the destination which blobs it lacks; stream those from the source through a verifying
 *    stream (digest and size against the manifest; the last chunk is held back until both match),
 *    a few at a time; a blob whose copy fails for a passing reason is copied again until the deadline;
 * 3. write the image manifests by digest, then the top manifest, under the tag when one is given
 *    (with `referrers`, the top manifest by digest, then the referrers, then the tag).
 */
import { pipeline, Readable } from 'stream';
import { formatSeconds, ResolvedPolicy } from '../runtime';
import { DestinationEndpoint, SourceEndpoint } from './endpoint';
import { ImageCopyError, printable } from './errors';
import { backoffMs, readBounded, retryableError, sleep } from './http';
import {
  Descriptor, formatPlatform, isAttestation, Manifest, MAX_CONFIG_BYTES, parseManifest, Platform, platformMatches,
  platformOfConfig, sha256,
} from './manifest';
import { DIGEST } from './reference';
import { VerifyStream, verifyBuffer } from './verify';

/** Options of `copyImage`. */
export interface CopyImageOptions {
  readonly source: SourceEndpoint;
  /** Tag or digest of the image in the source. */
  readonly sourceReference: string;
  readonly destination: DestinationEndpoint;
  /**
   * Tag to give the copy; the top manifest is written under it last.
   * @default - by digest only
   */
  readonly tag?: string;
  /**
   * Platforms to copy from an index. One platform: the copy is that platform's image manifest
   * (its digest). Several: a new index of those entries, in the source's order (a new digest).
   * @default - the index as it is, every entry (the digest is the source's)
   */
  readonly platforms?: Platform[];
  /**
   * With `platforms`, also copy the attestation manifests (provenance, SBOM) of the chosen entries.
   * @default false
   */
  readonly attestations?: boolean;
  /**
   * Also copy the referrers (signatures, SBOMs, attestations whose `subject` is a copied manifest),
   * and theirs in turn: listed through the source's OCI 1.1 referrers API, else its referrers tag
   * schema (`sha256-<hex>`); written after the image, by digest, each verified as the image is.
   * @default false
   */
  readonly referrers?: boolean;
  /**
   * Digest the copy must have (a destination reference with `@sha256:...`).
   * @default - any
   */
  readonly expectDigest?: string;
  /**
   * Blobs copied at once.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Most bytes of blobs the copy uploads (the blobs the destination lacks): a larger copy fails
   * before any blob is sent, naming the size, with `tooLargeHint` appended.
   * @default - no limit
   */
  readonly maxBytes?: number;
  /**
   * What to do instead when `maxBytes` is exceeded (appended to the message).
   * @default - nothing appended
   */
  readonly tooLargeHint?: string;
  /** Deadline and backoff (the runtime policy's). */
  readonly policy: ResolvedPolicy;
  /** Progress lines (no credentials, control characters escaped). */
  readonly log?: (line: string) => void;
}

/** What a copy did. */
export interface CopyResult {
  /** Digest of the copied image (the top manifest). */
  readonly digest: string;
  readonly mediaType: string;
  /** `linux/amd64`, ...: the platforms of the copy (attestations not counted). */
  readonly platforms: string[];
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  readonly bytesCopied: number;
  /** Manifests written (image manifests and the index). */
  readonly manifests: number;
  /** Referrers copied (with `referrers`). */
  readonly referrersCopied: number;
}

/** How deep referrers of referrers are followed (a signature of an SBOM of the image is depth 2). */
const MAX_REFERRER_DEPTH = 4;
/** Most referrers one copy writes. */
export const MAX_REFERRERS = 256;

interface Work {
  readonly top: Manifest;
  /** Image manifests to write before the top one (an index's entries). */
  readonly images: Manifest[];
  readonly platforms: string[];
}

async function readManifest(source: SourceEndpoint, reference: string, expect?: Descriptor): Promise<Manifest> {
  const where = `${source.name}@${printable(reference)}`;
  const got = await source.getManifest(reference);
  const m = parseManifest(got.bytes, got.mediaType, `manifest ${where}`);
  if (DIGEST.test(reference) && m.digest !== reference) {
    throw new ImageCopyError('verify', `manifest ${where}: the registry sent bytes of digest ${m.digest}`);
  }
  if (expect && m.bytes.length !== expect.size) {
    throw new ImageCopyError('verify', `manifest ${where}: ${m.bytes.length} bytes, its index declares ${expect.size}`);
  }
  if (expect && m.mediaType !== expect.mediaType) {
    throw new ImageCopyError('verify', `manifest ${where}: media type ${m.mediaType}, its index declares ${printable(expect.mediaType)}`);
  }
  return m;
}

async function readConfig(source: SourceEndpoint, d: Descriptor, where: string): Promise<Buffer> {
  const stream = await source.openBlob(d);
  const bytes = await readBounded({ status: 200, headers: {}, body: stream as any, url: new URL('http://x') }, MAX_CONFIG_BYTES, `config ${d.digest} of ${where}`);
  verifyBuffer(bytes, d, `config ${d.digest} of ${where}`);
  return bytes;
}

/** A new index of some entries of `index`, its other fields kept. */
function subIndex(index: Manifest, keep: Set<string>): Manifest {
  const json = JSON.parse(index.bytes.toString('utf8'));
  json.manifests = (json.manifests as any[]).filter(m => keep.has(m.digest));
  const bytes = Buffer.from(JSON.stringify(json), 'utf8');
  return parseManifest(bytes, index.mediaType, 'the index of the chosen platforms');
}

async function plan(o: CopyImageOptions): Promise<Work> {
  const top = await readManifest(o.source, o.sourceReference);
  const where = `${o.source.name}@${top.digest}`;
  if (top.kind === 'image') {
    const config = await readConfig(o.source, top.config!, where);
    const platform = platformOfConfig(config);
    for (const want of o.platforms ?? []) {
      if (!platformMatches(platform, want)) {
        throw new ImageCopyError('input', `${o.source.name}@${top.digest} is a single-platform image for ${formatPlatform(platform)}; ${formatPlatform(want)} was asked for`);
      }
    }
    return { top, images: [], platforms: platform ? [formatPlatform(platform)] : [] };
  }
  const entries = top.manifests;
  let chosen: Descriptor[];
  let result = top;
  if (!o.platforms || o.platforms.length === 0) {
    chosen = entries;
  } else {
    const have = entries.filter(e => !isAttestation(e));
    const picked = new Set<string>();
    for (const want of o.platforms) {
      const hit = have.find(e => platformMatches(e.platform, want));
      if (!hit) {
        throw new ImageCopyError('input', `${where} has the platforms ${have.map(e => formatPlatform(e.platform)).join(', ') || '(none)'}; ${formatPlatform(want)} is not among them`);
      }
      picked.add(hit.digest);
    }
    if (o.attestations) {
      for (const e of entries) {
        if (isAttestation(e) && picked.has(e.annotations?.['vnd.docker.reference.digest'] ?? '')) {
          picked.add(e.digest);
        }
      }
    }
    chosen = entries.filter(e => picked.has(e.digest));
    if (chosen.length === 1) {
      const only = await readManifest(o.source, chosen[0].digest, chosen[0]);
      if (only.kind !== 'image') {
        throw new ImageCopyError('verify', `${where}: entry ${chosen[0].digest} is itself an index; nested indexes are not copied`);
      }
      return { top: only, images: [], platforms: [formatPlatform(chosen[0].platform)] };
    }
    result = subIndex(top, picked);
  }
  const images: Manifest[] = [];
  for (const e of chosen) {
    const m = await readManifest(o.source, e.digest, e);
    if (m.kind !== 'image') {
      throw new ImageCopyError('verify', `${where}: entry ${e.digest} is itself an index; nested indexes are not copied`);
    }
    images.push(m);
  }
  const platforms = chosen.filter(e => !isAttestation(e)).map(e => formatPlatform(e.platform));
  return { top: result, images, platforms };
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try {
        await run(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  if (failed !== undefined) {
    throw failed;
  }
}

function mb(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) {
    return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  }
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} B`;
}

/** Copy one image; resolves when the top manifest is written, rejects with nothing tagged. */
export async function copyImage(o: CopyImageOptions): Promise<CopyResult> {
  const log = o.log ?? (() => undefined);
  const work = await plan(o);
  if (o.expectDigest && work.top.digest !== o.expectDigest) {
    throw new ImageCopyError('input', `${o.source.name}@${printable(o.sourceReference)} is ${work.top.digest}, not the ${o.expectDigest} the destination names`);
  }
  const manifests = work.images.length ? work.images : [work.top];
  const blobs = new Map<string, { d: Descriptor; where: string }>();
  for (const m of manifests) {
    for (const d of [m.config!, ...m.layers]) {
      // Foreign (non-distributable) layers are fetched by the runtime from their URLs.
      if (!d.urls && !blobs.has(d.digest)) {
        blobs.set(d.digest, { d, where: `${o.source.name}@${m.digest}` });
      }
    }
  }
  const all = [...blobs.values()];
  const missing = await o.destination.missingBlobs(all.map(b => b.d));
  const missingSet = new Set(missing.map(d => d.digest));
  const toCopy = missing.reduce((sum, d) => sum + d.size, 0);
  log(`${work.top.digest}: ${manifests.length} manifest(s), ${all.length} blob(s), ${missing.length} to copy (${mb(toCopy)})`);
  if (o.maxBytes !== undefined && toCopy > o.maxBytes) {
    throw new ImageCopyError('input', `${o.source.name}@${work.top.digest}: ${missing.length} blob(s) of ${mb(toCopy)} to copy, more than the ${mb(o.maxBytes)} this copy takes${o.tooLargeHint ? `; ${o.tooLargeHint}` : ''}`);
  }
  let bytesCopied = 0;
  await pool(all.filter(b => missingSet.has(b.d.digest)), o.concurrency ?? 4, async ({ d, where }) => {
    const started = Date.now();
    await copyBlob(o, d, `blob ${d.digest} of ${where}`);
    bytesCopied += d.size;
    log(`copied ${d.digest} (${mb(d.size)}) in ${formatSeconds(Date.now() - started)}`);
  });
  for (const m of work.images) {
    if (!(await o.destination.hasManifest(m.digest))) {
      await o.destination.putManifest(m);
    }
  }
  let referrersCopied = 0;
  if (o.referrers) {
    // The image by digest, then its referrers, then the tag: a copy whose referrers fail leaves no tag.
    await o.destination.putManifest(work.top);
    const copied = await copyReferrers(o, [work.top.digest, ...work.images.map(m => m.digest)]);
    referrersCopied = copied.count;
    bytesCopied += copied.bytes;
  }
  if (!o.referrers || o.tag !== undefined) {
    await o.destination.putManifest(work.top, o.tag);
  }
  log(`wrote ${work.top.digest}${o.tag ? ` as ${printable(o.tag)}` : ''} to ${o.destination.name}`);
  return {
    digest: work.top.digest,
    mediaType: work.top.mediaType,
    platforms: work.platforms,
    blobsCopied: missing.length,
    blobsSkipped: all.length - missing.length,
    bytesCopied,
    manifests: work.images.length + 1,
    referrersCopied,
  };
}

/**
 * The referrers of `subjects` and theirs in turn, breadth first: each manifest read by digest
 * (its bytes must hash to it, its `subject` must be the one it is listed for), its blobs copied and
 * verified as an image's are (for a referrer that is an index, its entries' manifests and blobs,
 * the entries written by digest first), then written as a referrer of its subject.
 */
async function copyReferrers(o: CopyImageOptions, subjects: string[]): Promise<{ count: number; bytes: number }> {
  const seen = new Set<string>(subjects);
  let level = subjects;
  let count = 0;
  let bytes = 0;
  /** Referrers and the entries of referrer indexes read, against MAX_REFERRERS. */
  let manifestsRead = 0;
  for (let depth = 1; depth <= MAX_REFERRER_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const subject of level) {
      for (const referrer of await o.source.referrers(subject)) {
        const d = referrer.descriptor;
        if (seen.has(d.digest)) {
          continue;
        }
        seen.add(d.digest);
        if (++manifestsRead > MAX_REFERRERS) {
          throw new ImageCopyError('input', `${o.source.name}@${subject}: more than ${MAX_REFERRERS} referrers to copy`);
        }
        const m = await readManifest(o.source, d.digest, d);
        if (m.subject?.digest !== subject) {
          throw new ImageCopyError('verify', `${o.source.name}: referrer ${d.digest} is listed for ${subject} but its subject is ${m.subject?.digest ?? '(none)'}`);
        }
        // An index referrer (per-platform signatures or attestations in one artifact): its entries
        // are read (each must hash to its descriptor), their blobs copied and written by digest first.
        let images = [m];
        if (m.kind !== 'image') {
          manifestsRead += m.manifests.length;
          if (manifestsRead > MAX_REFERRERS) {
            throw new ImageCopyError('input', `${o.source.name}@${subject}: more than ${MAX_REFERRERS} referrer manifests to copy (referrer index ${d.digest} has ${m.manifests.length} entries)`);
          }
          images = [];
          for (const e of m.manifests) {
            const entry = await readManifest(o.source, e.digest, e);
            if (entry.kind !== 'image') {
              throw new ImageCopyError('verify', `${o.source.name}: referrer index ${d.digest}: entry ${e.digest} is itself an index; nested indexes are not copied`);
            }
            images.push(entry);
          }
        }
        for (const image of images) {
          const blobs = [...new Map([image.config!, ...image.layers].filter(b => !b.urls).map(b => [b.digest, b] as const)).values()];
          for (const b of await o.destination.missingBlobs(blobs)) {
            await copyBlob(o, b, `blob ${b.digest} of referrer ${o.source.name}@${d.digest}`);
            bytes += b.size;
          }
          if (image !== m && !(await o.destination.hasManifest(image.digest))) {
            await o.destination.putManifest(image);
          }
        }
        await o.destination.putReferrer(m, referrer);
        o.log?.(`copied referrer ${d.digest} (${printable(String(referrer.entry.artifactType ?? m.config!.mediaType))}) of ${subject}`);
        count++;
        next.push(d.digest);
      }
    }
    level = next;
  }
  return { count, bytes };
}

/** One blob, verified on the way, tried again on passing failures until the deadline. */
async function copyBlob(o: CopyImageOptions, d: Descriptor, what: string): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const src = await o.source.openBlob(d);
      const verified = new VerifyStream(d, what);
      pipeline(src as Readable, verified, () => undefined);
      await o.destination.uploadBlob(d, verified);
      return;
    } catch (e) {
      const wait = backoffMs(o.policy, attempt, false);
      const left = o.policy.deadline() - Date.now();
      if (!retryableError(e) || attempt >= o.policy.maxAttempts || left < wait + 250) {
        const known = ImageCopyError.isImageCopyError(e);
        if (known && !e.retryable && attempt === 1) {
          throw e;
        }
        // The count of whole-blob attempts goes into the message however the last one ended
        // (a deadline, a refusal, a digest mismatch), so it is true and always there.
        const message = printable((e as Error)?.message ?? String(e), 400);
        throw new ImageCopyError(known ? e.kind : 'registry',
          `${what}: ${message}${attempt > 1 ? ` (${attempt} attempts over ${formatSeconds(Date.now() - started)})` : ''}`,
          { cause: e, httpStatus: known ? e.httpStatus : undefined });
      }
      o.log?.(`${what}: ${printable((e as Error)?.message ?? String(e))}; trying again`);
      await sleep(wait);
    }
  }
}

export { sha256 };
