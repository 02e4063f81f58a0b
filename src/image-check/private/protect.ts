/**
 * In-use protection in the image check handler (docs/in-use.md): put this resource's protection
 * tag on every image it verified, and take it off the images it no longer uses.
 *
 * - Adding a tag: `BatchGetImage` of the manifest (every media type accepted, so image indexes and
 *   OCI manifests come back as pushed) and `PutImage` of the same manifest, media type and digest
 *   with the protection tag. The digest does not change; an IMMUTABLE repository accepts it because
 *   the tag is new (a tag names one digest and is never moved). Putting a tag that is already there
 *   answers `ImageAlreadyExistsException`: done.
 * - Removing a tag: `BatchDeleteImage` by tag, which removes only that tag when the image has
 *   others, and deletes the image when it is the last one (ECR API reference, BatchDeleteImage).
 *   So a protection tag is removed only from an image that keeps a tag other than a protection tag
 *   when it is read just before; otherwise it stays, and is logged. Counting the other protection
 *   tags would not do: two resources releasing the same image at once (two stacks deleted together,
 *   a retried Delete) each see the other's tag, and the second removal deletes the image. ECR
 *   documents no conditional delete, so the handler takes the side that keeps images.
 *
 * Direction of failures: a tag that cannot be added fails the deployment (the image would not be
 * protected); a tag that cannot be removed is logged and the request succeeds (the image is only
 * kept longer).
 *
 * Every call goes through the handler's clients (the runtime policy: retries until the deadline).
 */
import {
  BatchDeleteImageCommand, BatchGetImageCommand, DescribeImagesCommand, DescribeImagesCommandOutput, ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { CheckProperties, ImageSpec } from './contract';
import { errorCode } from '../../runtime/errors';
import { IN_USE_TAG_PREFIX, MANIFEST_MEDIA_TYPES, protectionScope, protectionTag } from '../../runtime/in-use-tag';

/** Media types asked of BatchGetImage: all of them, so ECR returns the manifest as it was pushed (no conversion). */
export const ACCEPTED_MEDIA_TYPES = MANIFEST_MEDIA_TYPES;

/** BatchGetImage and BatchDeleteImage take at most 100 image ids. */
const IDS_PER_CALL = 100;

/** What protection needs from the handler. */
export interface ProtectContext {
  readonly clientFor: (region: string) => ECRClient;
  readonly signal?: AbortSignal;
  /** Where progress and leftovers are reported (CloudWatch Logs). */
  readonly log?: (line: string) => void;
}

/** The request fields protection reads (a CloudFormation custom resource event). */
export interface ProtectEvent {
  readonly RequestType?: string;
  readonly StackId?: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: unknown;
  readonly OldResourceProperties?: unknown;
}

/** What one call changed. */
export interface ProtectionReport {
  /** `repository:tag` added. */
  readonly added: string[];
  /** `repository:tag` removed. */
  readonly removed: string[];
  /**
   * `repository:tag` left in place because its image has no tag other than protection tags
   * (removing the last one would delete the image).
   */
  readonly leftAsLastTag: string[];
}

interface Repo {
  readonly region: string;
  readonly registry: string;
  readonly repository: string;
}

const repoKey = (r: Repo) => `${r.region}|${r.registry}|${r.repository}`;

/** The service's error code, through the runtime policy's AwsCallError or from a bare SDK error. */
function errorName(e: unknown): string {
  return errorCode(e);
}

/** An image keeps a tag other than a protection tag: removing protection tags cannot delete it. */
function keepsOtherTag(tags: string[]): boolean {
  return tags.some(t => !t.startsWith(IN_USE_TAG_PREFIX));
}

function isProtecting(props: unknown): props is CheckProperties {
  return typeof props === 'object' && props !== null && (props as CheckProperties).ProtectInUse === 'true'
    && Array.isArray((props as CheckProperties).Images);
}

/** The repositories of well-formed specs (a Delete's properties are not validated by the check). */
function reposOf(specs: unknown[]): Repo[] {
  const out = new Map<string, Repo>();
  for (const s of specs as Array<Partial<ImageSpec>>) {
    if (s && typeof s.Region === 'string' && typeof s.Registry === 'string' && typeof s.Repository === 'string') {
      const r = { region: s.Region, registry: s.Registry, repository: s.Repository };
      out.set(repoKey(r), r);
    }
  }
  return [...out.values()];
}

/** Put the protection tag of `scope` on every image (digests in spec order). */
export async function addProtection(specs: ImageSpec[], digests: string[], scope: string, ctx: ProtectContext): Promise<string[]> {
  const byRepo = new Map<string, { repo: Repo; digests: Set<string> }>();
  specs.forEach((s, i) => {
    const repo = { region: s.Region, registry: s.Registry, repository: s.Repository };
    const entry = byRepo.get(repoKey(repo)) ?? { repo, digests: new Set<string>() };
    entry.digests.add(digests[i]);
    byRepo.set(repoKey(repo), entry);
  });
  const added: Array<{ repo: Repo; tag: string }> = [];
  try {
    for (const { repo, digests: set } of byRepo.values()) {
      const client = ctx.clientFor(repo.region);
      const all = [...set];
      for (let i = 0; i < all.length; i += IDS_PER_CALL) {
        const chunk = all.slice(i, i + IDS_PER_CALL);
        const got = await client.send(new BatchGetImageCommand({
          registryId: repo.registry,
          repositoryName: repo.repository,
          imageIds: chunk.map(imageDigest => ({ imageDigest })),
          acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
        }), { abortSignal: ctx.signal as any });
        const manifests = new Map<string, { manifest: string; mediaType?: string }>();
        for (const image of got.images ?? []) {
          const d = image.imageId?.imageDigest;
          if (d && image.imageManifest && !manifests.has(d)) {
            manifests.set(d, { manifest: image.imageManifest, mediaType: image.imageManifestMediaType });
          }
        }
        const missing = chunk.filter(d => !manifests.has(d));
        if (missing.length > 0) {
          const why = (got.failures ?? []).map(f => `${f.imageId?.imageDigest ?? f.imageId?.imageTag}: ${f.failureCode} ${f.failureReason ?? ''}`.trim());
          throw new Error(`cannot protect ${repo.repository}@${missing.join(', ')}: ECR BatchGetImage returned no manifest${why.length ? ` (${why.join('; ')})` : ''}`);
        }
        for (const digest of chunk) {
          const tag = protectionTag(scope, digest);
          const { manifest, mediaType } = manifests.get(digest)!;
          if (await putTag(client, repo, digest, tag, manifest, mediaType, ctx)) {
            added.push({ repo, tag });
          }
        }
      }
    }
  } catch (e) {
    // Leave nothing half-done: this request's new tags go again (where that cannot delete an
    // image), then the failure. What cannot be removed is logged.
    await undoAdded(added, ctx);
    throw e;
  }
  const names = added.map(a => `${a.repo.repository}:${a.tag}`);
  if (names.length > 0) {
    ctx.log?.(`in-use protection: added ${names.join(', ')}`);
  }
  return names;
}

/** PutImage with the tag; false when the image already had it. */
async function putTag(
  client: ECRClient, repo: Repo, digest: string, tag: string, manifest: string, mediaType: string | undefined, ctx: ProtectContext,
): Promise<boolean> {
  try {
    await client.send(new PutImageCommand({
      registryId: repo.registry,
      repositoryName: repo.repository,
      imageManifest: manifest,
      imageManifestMediaType: mediaType,
      imageDigest: digest,
      imageTag: tag,
    }), { abortSignal: ctx.signal as any });
    return true;
  } catch (e) {
    const name = errorName(e);
    if (name === 'ImageAlreadyExistsException') {
      return false;
    }
    if (name === 'ImageTagAlreadyExistsException') {
      // An IMMUTABLE repository may answer this for the same tag on the same image: check where the tag is.
      const res = await client.send(new DescribeImagesCommand({
        registryId: repo.registry, repositoryName: repo.repository, imageIds: [{ imageTag: tag }],
      }), { abortSignal: ctx.signal as any });
      if (res.imageDetails?.[0]?.imageDigest === digest) {
        return false;
      }
      throw new Error(`protection tag ${tag} of ${repo.repository} is on another image (${res.imageDetails?.[0]?.imageDigest}) than ${digest}; it was moved by hand`);
    }
    throw e;
  }
}

async function removeTags(tags: Array<{ repo: Repo; tag: string }>, ctx: ProtectContext): Promise<void> {
  const byRepo = new Map<string, { repo: Repo; tags: string[] }>();
  for (const t of tags) {
    const e = byRepo.get(repoKey(t.repo)) ?? { repo: t.repo, tags: [] };
    e.tags.push(t.tag);
    byRepo.set(repoKey(t.repo), e);
  }
  for (const { repo, tags: list } of byRepo.values()) {
    for (let i = 0; i < list.length; i += IDS_PER_CALL) {
      await ctx.clientFor(repo.region).send(new BatchDeleteImageCommand({
        registryId: repo.registry,
        repositoryName: repo.repository,
        imageIds: list.slice(i, i + IDS_PER_CALL).map(imageTag => ({ imageTag })),
      }), { abortSignal: ctx.signal as any });
    }
  }
}

/** After a failed request: remove the tags it added, where that cannot delete an image; log the rest. */
async function undoAdded(added: Array<{ repo: Repo; tag: string }>, ctx: ProtectContext): Promise<void> {
  if (added.length === 0) {
    return;
  }
  const ids = new Set(added.map(a => `${repoKey(a.repo)}|${a.tag}`));
  const repos = [...new Map(added.map(a => [repoKey(a.repo), a.repo])).values()];
  try {
    const done = await removeWhereSafe(repos, (repo, tag) => ids.has(`${repoKey(repo)}|${tag}`), ctx);
    if (done.removed.length > 0) {
      ctx.log?.(`in-use protection: the request failed; removed the tags it had added: ${done.removed.join(', ')}`);
    }
    logLeft(done.leftAsLastTag, ctx);
  } catch (e) {
    ctx.log?.('in-use protection: the request failed and could not remove the tags it had added (the images stay protected '
      + `until they are removed by hand): ${added.map(a => `${a.repo.repository}:${a.tag}`).join(', ')}: ${(e as Error).message}`);
  }
}

function logLeft(left: string[], ctx: ProtectContext): void {
  if (left.length > 0) {
    ctx.log?.(`in-use protection: left ${left.join(', ')}: its image has no tag other than protection tags (removing the last one `
      + 'would delete the image); delete the image or the tag yourself once nothing runs it (aws ecr batch-delete-image --image-ids imageTag=<tag>)');
  }
}

/**
 * Remove the protection tags that `select` picks from the images of these repositories, reading
 * their tagged images first (DescribeImages, 1,000 per page): a tag goes only when its image keeps
 * a tag other than a protection tag, so that no removal, even one racing another, deletes an image.
 */
async function removeWhereSafe(
  repos: Repo[], select: (repo: Repo, tag: string, digest: string) => boolean, ctx: ProtectContext,
): Promise<ProtectionReport> {
  const removed: string[] = [];
  const leftAsLastTag: string[] = [];
  for (const repo of repos) {
    const client = ctx.clientFor(repo.region);
    const drop: Array<{ repo: Repo; tag: string }> = [];
    let nextToken: string | undefined;
    try {
      do {
        const page: DescribeImagesCommandOutput = await client.send(new DescribeImagesCommand({
          registryId: repo.registry,
          repositoryName: repo.repository,
          filter: { tagStatus: 'TAGGED' },
          maxResults: 1000,
          nextToken,
        }), { abortSignal: ctx.signal as any });
        for (const d of page.imageDetails ?? []) {
          const tags = d.imageTags ?? [];
          const ours = tags.filter(t => t.startsWith(IN_USE_TAG_PREFIX) && select(repo, t, d.imageDigest ?? ''));
          if (ours.length === 0) {
            continue;
          }
          if (!keepsOtherTag(tags)) {
            leftAsLastTag.push(...ours.map(t => `${repo.repository}:${t}`));
            continue;
          }
          drop.push(...ours.map(tag => ({ repo, tag })));
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (e) {
      if (errorName(e) === 'RepositoryNotFoundException') {
        continue; // nothing left to protect there
      }
      throw e;
    }
    await removeTags(drop, ctx);
    removed.push(...drop.map(t => `${repo.repository}:${t.tag}`));
  }
  return { added: [], removed, leftAsLastTag };
}

/**
 * Remove the protection tags of `scope` from the images of these repositories, except on the
 * digests in `keep` (`<region>|<registry>|<repository>|<digest>`). A tag stays on an image that
 * has no tag other than protection tags (removeWhereSafe).
 */
export async function removeProtection(repos: Repo[], scope: string, keep: Set<string>, ctx: ProtectContext): Promise<ProtectionReport> {
  const prefix = `${IN_USE_TAG_PREFIX}${scope}.`;
  const report = await removeWhereSafe(repos, (repo, tag, digest) => tag.startsWith(prefix) && !keep.has(`${repoKey(repo)}|${digest}`), ctx);
  if (report.removed.length > 0) {
    ctx.log?.(`in-use protection: removed ${report.removed.join(', ')}`);
  }
  logLeft(report.leftAsLastTag, ctx);
  return report;
}

/**
 * After a successful check (Create or Update): protect the verified images when the resource asks
 * for it, and, when an Update keeps the physical id, take this resource's tags off the images it no
 * longer uses (or off every image, when protection was turned off).
 *
 * An Update that changes the physical id leaves the old tags alone: CloudFormation deletes the old
 * physical resource after a successful update (its Delete removes them) and keeps it on a rollback.
 */
export async function protectAfterCheck(
  event: ProtectEvent, props: CheckProperties, physicalId: string, digests: string[], ctx: ProtectContext,
): Promise<ProtectionReport> {
  const scope = protectionScope(event.StackId ?? '', event.LogicalResourceId ?? '', physicalId);
  const protecting = props.ProtectInUse === 'true';
  const added = protecting ? await addProtection(props.Images, digests, scope, ctx) : [];
  let removal: ProtectionReport = { added: [], removed: [], leftAsLastTag: [] };
  if (event.RequestType === 'Update' && event.PhysicalResourceId === physicalId && isProtecting(event.OldResourceProperties)) {
    const keep = new Set<string>(protecting
      ? props.Images.map((s, i) => `${s.Region}|${s.Registry}|${s.Repository}|${digests[i]}`)
      : []);
    const repos = reposOf([...event.OldResourceProperties.Images, ...props.Images]);
    removal = await removeQuietly(repos, scope, keep, ctx);
  }
  return { ...removal, added };
}

/** On Delete: take this resource's tags off every image of its repositories. Never fails. */
export async function releaseOnDelete(event: ProtectEvent, ctx: ProtectContext): Promise<ProtectionReport> {
  if (!isProtecting(event.ResourceProperties) || !event.PhysicalResourceId) {
    return { added: [], removed: [], leftAsLastTag: [] };
  }
  const scope = protectionScope(event.StackId ?? '', event.LogicalResourceId ?? '', event.PhysicalResourceId);
  return removeQuietly(reposOf(event.ResourceProperties.Images), scope, new Set(), ctx);
}

async function removeQuietly(repos: Repo[], scope: string, keep: Set<string>, ctx: ProtectContext): Promise<ProtectionReport> {
  try {
    return await removeProtection(repos, scope, keep, ctx);
  } catch (e) {
    ctx.log?.(`in-use protection: could not remove the tags ${IN_USE_TAG_PREFIX}${scope}.* from ${repos.map(r => r.repository).join(', ')} `
      + `(the images stay protected until they are removed by hand): ${(e as Error).message}`);
    return { added: [], removed: [], leftAsLastTag: [] };
  }
}
