/**
 * Manifests as the copy reads them: bounded in size and entries, media types checked, every
 * descriptor's digest and size valid before anything is fetched.
 */
import { createHash } from 'crypto';
import { ImageCopyError, printable } from './errors';
import { DIGEST } from './reference';

export const MEDIA = {
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  DOCKER_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Media types of an image index (a list of manifests). */
export const INDEX_TYPES: readonly string[] = [MEDIA.OCI_INDEX, MEDIA.DOCKER_LIST];
/** Media types of a single image manifest. */
export const IMAGE_TYPES: readonly string[] = [MEDIA.OCI_MANIFEST, MEDIA.DOCKER_MANIFEST];
/** What the copy asks registries for (the `Accept` header, ECR's `acceptedMediaTypes`). */
export const ACCEPTED_TYPES: readonly string[] = [...INDEX_TYPES, ...IMAGE_TYPES];

/** Largest manifest read (ECR's own limit for a manifest is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Most entries in an index. */
export const MAX_INDEX_ENTRIES = 1024;
/** Most layers in an image manifest. */
export const MAX_LAYERS = 1024;
/** Largest config blob read into memory. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** Largest blob copied (ECR's layer limit is 52,000 MiB). */
export const MAX_BLOB_BYTES = 64 * 1024 ** 3;

/** A content descriptor. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Record<string, string>;
  /** Non-distributable layers name where they are fetched from; they are not copied. */
  readonly urls?: string[];
}

/** `os/architecture[/variant]`. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** A manifest's exact bytes and what they say. */
export interface Manifest {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly mediaType: string;
  readonly kind: 'index' | 'image';
  /** For an index: its entries. */
  readonly manifests: Descriptor[];
  /** For an image: its config. */
  readonly config?: Descriptor;
  /** For an image: its layers. */
  readonly layers: Descriptor[];
  /** OCI `subject` (a referrer: a signature, an SBOM). */
  readonly subject?: Descriptor;
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `linux/arm64/v8` */
export function formatPlatform(p: Platform | undefined): string {
  if (!p) {
    return 'unknown';
  }
  return [p.os, p.architecture, p.variant].filter(x => x).join('/');
}

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** `linux/amd64`, `linux/arm64/v8`; a bad one throws an `input` error naming it. */
export function parsePlatform(text: string): Platform {
  const m = PLATFORM.exec(String(text).trim().toLowerCase());
  if (!m) {
    throw new ImageCopyError('input', `platform "${printable(String(text))}" is not OS/ARCH[/VARIANT] (for example linux/amd64, linux/arm64, linux/arm/v7)`);
  }
  return { os: m[1], architecture: m[2], ...(m[3] ? { variant: m[3] } : {}) };
}

/** arm64's default variant is v8; amd64 has none. */
function normalVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8')) {
    return undefined;
  }
  return p.variant;
}

/** Whether `have` satisfies `want` (a `want` without variant accepts any variant). */
export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) {
    return false;
  }
  if (want.variant === undefined) {
    return true;
  }
  return normalVariant(have) === normalVariant(want);
}

/** An attestation manifest in an index (BuildKit's provenance and SBOM entries). */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
    || (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown');
}

function fail(where: string, why: string): never {
  throw new ImageCopyError('verify', `${where}: ${why}`);
}

function descriptor(raw: any, where: string, kind: 'manifest' | 'blob'): Descriptor {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(where, 'is not a descriptor object');
  }
  const { mediaType, digest, size, platform, annotations, urls } = raw;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 256) {
    fail(where, `has mediaType ${printable(JSON.stringify(mediaType) ?? 'undefined')}, not a media type`);
  }
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    fail(where, `has digest ${printable(JSON.stringify(digest) ?? 'undefined', 90)}, not sha256: and 64 lowercase hex digits`);
  }
  const max = kind === 'manifest' ? MAX_MANIFEST_BYTES : MAX_BLOB_BYTES;
  if (!Number.isSafeInteger(size) || size < 0 || size > max) {
    fail(where, `has size ${printable(JSON.stringify(size) ?? 'undefined')}, not a whole number of bytes from 0 to ${max}`);
  }
  let p: Platform | undefined;
  if (platform !== undefined) {
    if (typeof platform?.os !== 'string' || typeof platform?.architecture !== 'string') {
      fail(where, 'has a platform without os and architecture');
    }
    p = { os: platform.os, architecture: platform.architecture, ...(typeof platform.variant === 'string' && platform.variant ? { variant: platform.variant } : {}) };
  }
  const ann = annotations && typeof annotations === 'object' ? annotations as Record<string, string> : undefined;
  return {
    mediaType,
    digest,
    size,
    ...(p ? { platform: p } : {}),
    ...(ann ? { annotations: ann } : {}),
    ...(Array.isArray(urls) && urls.length ? { urls } : {}),
  };
}

/**
 * Read a manifest's bytes: valid JSON of a known media type, with valid descriptors, within the
 * limits. `declaredType` is what the registry said (Content-Type, ECR's media type); the
 * manifest's own `mediaType` wins when present, and the two must not disagree.
 */
export function parseManifest(bytes: Buffer, declaredType: string | undefined, where: string): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    fail(where, `is ${bytes.length} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may have`);
  }
  let json: any;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    fail(where, 'is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(where, 'is not a JSON object');
  }
  const declared = declaredType?.split(';')[0].trim();
  let mediaType: string | undefined = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (mediaType === undefined) {
    // OCI allows a manifest without mediaType: tell index from image by shape.
    mediaType = declared && ACCEPTED_TYPES.includes(declared) ? declared
      : Array.isArray(json.manifests) ? MEDIA.OCI_INDEX : MEDIA.OCI_MANIFEST;
  }
  if (!ACCEPTED_TYPES.includes(mediaType)) {
    fail(where, `has media type ${printable(mediaType)}; this copy reads ${ACCEPTED_TYPES.join(', ')} (Docker schema 1 manifests are not copied)`);
  }
  if (declared && ACCEPTED_TYPES.includes(declared) && declared !== mediaType) {
    fail(where, `was served as ${printable(declared)} but says it is ${mediaType}`);
  }
  if (json.schemaVersion !== 2) {
    fail(where, `has schemaVersion ${printable(JSON.stringify(json.schemaVersion) ?? 'undefined')}, not 2`);
  }
  const digest = sha256(bytes);
  const subject = json.subject !== undefined ? descriptor(json.subject, `${where} subject`, 'manifest') : undefined;
  if (INDEX_TYPES.includes(mediaType)) {
    if (!Array.isArray(json.manifests)) {
      fail(where, 'is an index without a manifests list');
    }
    if (json.manifests.length > MAX_INDEX_ENTRIES) {
      fail(where, `is an index of ${json.manifests.length} entries, more than the ${MAX_INDEX_ENTRIES} this copy reads`);
    }
    const manifests = json.manifests.map((m: unknown, i: number) => descriptor(m, `${where} entry ${i}`, 'manifest'));
    return { bytes, digest, mediaType, kind: 'index', manifests, layers: [], ...(subject ? { subject } : {}) };
  }
  if (!Array.isArray(json.layers)) {
    fail(where, 'is an image manifest without a layers list');
  }
  if (json.layers.length > MAX_LAYERS) {
    fail(where, `has ${json.layers.length} layers, more than the ${MAX_LAYERS} this copy reads`);
  }
  const config = descriptor(json.config, `${where} config`, 'blob');
  if (config.size > MAX_CONFIG_BYTES) {
    fail(where, `has a config of ${config.size} bytes, more than the ${MAX_CONFIG_BYTES} this copy reads`);
  }
  const layers = json.layers.map((l: unknown, i: number) => descriptor(l, `${where} layer ${i}`, 'blob'));
  return { bytes, digest, mediaType, kind: 'image', manifests: [], config, layers, ...(subject ? { subject } : {}) };
}

/** The platform an image config says it is for, or undefined when it says none. */
export function platformOfConfig(bytes: Buffer): Platform | undefined {
  try {
    const c = JSON.parse(bytes.toString('utf8'));
    if (typeof c?.os === 'string' && typeof c?.architecture === 'string') {
      return { os: c.os, architecture: c.architecture, ...(typeof c.variant === 'string' && c.variant ? { variant: c.variant } : {}) };
    }
  } catch {
    // not an image config (an artifact): no platform
  }
  return undefined;
}

/** The referrers tag schema's tag of a subject: `sha256-<hex>` (OCI distribution 1.1, for registries without the API). */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/**
 * The entries of a referrers index (the API's answer, or the referrers tag's index): each a valid
 * manifest descriptor, the JSON entry kept as it is.
 */
export function parseReferrers(bytes: Buffer, where: string): Array<{ descriptor: Descriptor; entry: Record<string, unknown> }> {
  const index = parseManifest(bytes, MEDIA.OCI_INDEX, where);
  if (index.kind !== 'index') {
    fail(where, 'is not an image index');
  }
  const raw = JSON.parse(bytes.toString('utf8')).manifests as Array<Record<string, unknown>>;
  return index.manifests.map((d, i) => ({ descriptor: d, entry: raw[i] }));
}

/** A referrers index (OCI) of these entries. */
export function referrersIndex(entries: Array<Record<string, unknown>>): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.OCI_INDEX, manifests: entries }), 'utf8');
}
