/**
 * The names of in-use protection tags (docs/in-use.md), shared by the lifecycle rule, the image
 * check handler and the CLI. No dependencies: the handler bundle inlines it.
 *
 * A protection tag is `in-use.<scope>.<digest hex>`:
 * - `<scope>`: 16 hex digits of sha256(stack id | logical id | physical id) of one image check
 *   resource, so each resource (and each version of it, across updates and rollbacks) owns its tags;
 * - `<digest hex>`: the 64 hex digits of the image's sha256 digest, so a tag names exactly one
 *   image and is never put on a different one (IMMUTABLE repositories reject moving a tag:
 *   ImageTagAlreadyExistsException).
 * 7 + 16 + 1 + 64 = 88 characters, within ECR's 128.
 */
import { createHash } from 'crypto';

/**
 * Every manifest media type ECR stores (Docker v1 and v2, manifest lists, OCI manifests and image
 * indexes): BatchGetImage's `acceptedMediaTypes`, so a manifest comes back as it was pushed.
 */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/** The prefix of every protection tag. */
export const IN_USE_TAG_PREFIX = 'in-use.';

const SHA256 = /^sha256:([a-f0-9]{64})$/;
const TAG = /^in-use\.([a-f0-9]{16})\.([a-f0-9]{64})$/;

/** The scope of one image check resource (16 hex digits). */
export function protectionScope(stackId: string, logicalId: string, physicalId: string): string {
  return createHash('sha256').update(`${stackId}|${logicalId}|${physicalId}`).digest('hex').slice(0, 16);
}

/** The protection tag of `digest` (`sha256:<64 hex>`) in `scope`. */
export function protectionTag(scope: string, digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) {
    throw new Error(`cannot name a protection tag for digest ${JSON.stringify(digest)}: ECR image digests are sha256:<64 hex digits>`);
  }
  if (!/^[a-f0-9]{16}$/.test(scope)) {
    throw new Error(`invalid protection scope ${JSON.stringify(scope)}: 16 hex digits`);
  }
  return `${IN_USE_TAG_PREFIX}${scope}.${m[1]}`;
}

/** The scope and digest a protection tag names, or undefined for any other tag. */
export function parseProtectionTag(tag: string): { scope: string; digest: string } | undefined {
  const m = TAG.exec(tag);
  return m ? { scope: m[1], digest: `sha256:${m[2]}` } : undefined;
}
