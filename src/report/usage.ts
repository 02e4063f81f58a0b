import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { StorageClass } from '../lifecycle/enums';
import { ImageDescription } from '../lifecycle/preview';
import { previewPolicyText } from '../lifecycle/preview-text';
import { RepositoryModel } from '../model/settings';
import { Limiter } from '../private/concurrency';
import { describeError } from '../runtime';
import { parseProtectionTag } from '../runtime/in-use-tag';

/** Storage prices used for costs (US dollars per GB-month; a GB is 2^30 bytes, as AWS bills storage). */
export interface StoragePrices {
  /** The region the prices are for. */
  readonly region: string;
  /** Standard storage class, USD per GB-month. */
  readonly standardPerGbMonth: number;
  /** Archive storage class, USD per GB-month. */
  readonly archivePerGbMonth: number;
  /** When the prices were read (YYYY-MM-DD), or `flags` when given on the command line. */
  readonly asOf: string;
  /** Where the prices come from. */
  readonly source: string;
}

/**
 * ECR's published storage prices for US East (N. Virginia), us-east-1, as of 2026-03: standard
 * storage $0.10 per GB-month; the archive storage class (November 2025) $0.10 per GB-month for the
 * first 150 TB a month and $0.07 above that. The report prices archive at the first tier (a
 * registry under 150 TB of archive); change it with `--price-archive`.
 * Source: https://aws.amazon.com/ecr/pricing/ (us-east-1, checked 2026-03).
 */
export const ECR_STORAGE_PRICES: StoragePrices = {
  region: 'us-east-1',
  standardPerGbMonth: 0.10,
  archivePerGbMonth: 0.10,
  asOf: '2026-03',
  source: 'https://aws.amazon.com/ecr/pricing/',
};

/** Bytes in a GB as AWS bills storage. */
export const BYTES_PER_GB = 1024 ** 3;

/** One image as the usage needs it: a lifecycle preview description plus its size. */
export interface ImageUsageInput extends ImageDescription {
  /** `imageSizeInBytes`. */
  readonly sizeBytes: number;
}

/** Images and bytes. */
export interface ImagesAndBytes {
  readonly images: number;
  readonly bytes: number;
}

/** Storage and cost of one repository. */
export interface RepositoryUsage {
  readonly name: string;
  readonly arn: string;
  /** Images in the repository (every storage class). */
  readonly images: number;
  /** Stored bytes by storage class. */
  readonly bytes: { readonly standard: number; readonly archive: number; readonly total: number };
  /** Images and bytes whose last pull (else last restore, else push) is 30 days old or more. */
  readonly notPulled30Days: ImagesAndBytes;
  /** The same at 90 days. */
  readonly notPulled90Days: ImagesAndBytes;
  /**
   * What the repository's lifecycle policy would do today (`LifecyclePolicy.preview`): null without
   * a policy (or when the policy could not be read or previewed: see `lifecycleError`).
   */
  readonly lifecycle: { readonly expire: ImagesAndBytes; readonly archive: ImagesAndBytes } | null;
  /** Why the lifecycle preview could not be made. */
  readonly lifecycleError: string | null;
  /** Storage cost per month now, USD. */
  readonly monthlyCost: number;
  /** Storage cost per month the lifecycle preview frees, USD (expired bytes at their class's price, archived bytes at the price difference). */
  readonly monthlyCostFreed: number;
  /**
   * What in-use protection tags keep (1.4; docs/in-use.md): the images carrying at least one
   * protection tag (`in-use.<scope>.<digest>`), their bytes, and how many image check resources
   * (distinct scopes) hold them.
   */
  readonly protection: ProtectionUsage;
  /** Why the images could not be read (then every count is 0). */
  readonly error: string | null;
}

/** What in-use protection tags keep in one repository. */
export interface ProtectionUsage extends ImagesAndBytes {
  /** Image check resources (protection scopes) whose tags are on the repository's images. */
  readonly resources: number;
}

/** The images carrying a protection tag, their bytes, and the distinct scopes of those tags. */
export function protectionUsage(images: readonly ImageUsageInput[]): ProtectionUsage {
  const scopes = new Set<string>();
  const kept: ImageUsageInput[] = [];
  for (const image of images) {
    const own = (image.tags ?? []).map(t => parseProtectionTag(t)).filter(p => p !== undefined && p.digest === image.digest);
    if (own.length > 0) {
      kept.push(image);
      own.forEach(p => scopes.add(p!.scope));
    }
  }
  return { ...sum(kept), resources: scopes.size };
}

const DAY = 86_400_000;

function sum(images: readonly ImageUsageInput[]): ImagesAndBytes {
  return { images: images.length, bytes: images.reduce((n, i) => n + i.sizeBytes, 0) };
}

function cost(bytes: number, perGb: number): number {
  return (bytes / BYTES_PER_GB) * perGb;
}

/** The last time an image was used: its last pull, else its last restore, else its push. */
function lastUsed(i: ImageDescription): number {
  return (i.lastPulledAt ?? i.lastActivatedAt ?? i.pushedAt).getTime();
}

/**
 * Storage and cost of one repository from its images (a pure function: the report reads the
 * images with DescribeImages; tests give them directly).
 */
export function computeRepositoryUsage(
  repository: { readonly name: string; readonly arn: string; readonly lifecyclePolicyText?: string },
  images: readonly ImageUsageInput[],
  prices: StoragePrices = ECR_STORAGE_PRICES,
  now: Date = new Date(),
): RepositoryUsage {
  const archived = images.filter(i => i.storageClass === StorageClass.ARCHIVE);
  const standard = images.filter(i => i.storageClass !== StorageClass.ARCHIVE);
  const standardBytes = sum(standard).bytes;
  const archiveBytes = sum(archived).bytes;
  const idle = (days: number) => sum(images.filter(i => now.getTime() - lastUsed(i) >= days * DAY));
  let lifecycle: RepositoryUsage['lifecycle'] = null;
  let lifecycleError: string | null = null;
  let freed = 0;
  if (repository.lifecyclePolicyText) {
    try {
      const preview = previewPolicyText(repository.lifecyclePolicyText, [...images], { now });
      const byDigest = new Map(images.map(i => [i.digest, i]));
      const pick = (digests: string[]) => digests.map(d => byDigest.get(d)!);
      const expired = pick(preview.expired);
      const transitioned = pick(preview.transitioned);
      lifecycle = { expire: sum(expired), archive: sum(transitioned) };
      freed = expired.reduce((n, i) => n + cost(i.sizeBytes,
        i.storageClass === StorageClass.ARCHIVE ? prices.archivePerGbMonth : prices.standardPerGbMonth), 0)
        + cost(sum(transitioned).bytes, prices.standardPerGbMonth - prices.archivePerGbMonth);
    } catch (e) {
      lifecycleError = (e as Error).message;
    }
  }
  return {
    name: repository.name,
    arn: repository.arn,
    images: images.length,
    bytes: { standard: standardBytes, archive: archiveBytes, total: standardBytes + archiveBytes },
    notPulled30Days: idle(30),
    notPulled90Days: idle(90),
    lifecycle,
    lifecycleError,
    monthlyCost: cost(standardBytes, prices.standardPerGbMonth) + cost(archiveBytes, prices.archivePerGbMonth),
    monthlyCostFreed: freed,
    protection: protectionUsage(images),
    error: null,
  };
}

/** Largest repositories first (total bytes, then name). */
export function sortUsage(usage: readonly RepositoryUsage[]): RepositoryUsage[] {
  return [...usage].sort((a, b) => b.bytes.total - a.bytes.total || a.name.localeCompare(b.name));
}

/** One `DescribeImages` image detail as the usage needs it. */
export function imageFromDetail(d: any): ImageUsageInput {
  const date = (v: unknown) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v : undefined);
  return {
    digest: d.imageDigest ?? '',
    tags: d.imageTags ?? [],
    pushedAt: date(d.imagePushedAt) ?? new Date(0),
    ...(date(d.lastRecordedPullTime) ? { lastPulledAt: date(d.lastRecordedPullTime) } : {}),
    ...(date(d.lastArchivedAt) ? { transitionedAt: date(d.lastArchivedAt) } : {}),
    ...(date(d.lastActivatedAt) ? { lastActivatedAt: date(d.lastActivatedAt) } : {}),
    storageClass: d.imageStatus === 'ARCHIVED' ? StorageClass.ARCHIVE : StorageClass.STANDARD,
    sizeBytes: typeof d.imageSizeInBytes === 'number' ? d.imageSizeInBytes : 0,
  };
}

/** ECR's DescribeImages page size. */
export const DESCRIBE_IMAGES_PAGE_SIZE = 1000;

/** How to read usage. */
export interface ReadUsageOptions {
  readonly client: ECRClient;
  readonly repositories: readonly RepositoryModel[];
  readonly region: string;
  readonly registryId?: string;
  readonly prices?: StoragePrices;
  /** The time ages are measured from. @default - now */
  readonly now?: Date;
  /** @default 8 */
  readonly concurrency?: number;
  /** @default 100 */
  readonly requestsPerSecond?: number;
  /** Counts calls by action. */
  readonly calls?: Record<string, number>;
}

/**
 * Read every image of every repository (DescribeImages, all pages, 1,000 per page; ECR has no
 * registry-wide form) and compute each repository's usage, largest first. A repository whose
 * images cannot be read has `error` set and zero counts; the rest are read.
 */
export async function readUsage(options: ReadUsageOptions): Promise<RepositoryUsage[]> {
  const limiter = new Limiter(options.concurrency ?? 8, options.requestsPerSecond ?? 100);
  const now = options.now ?? new Date();
  const prices = options.prices ?? ECR_STORAGE_PRICES;
  const one = async (r: RepositoryModel): Promise<RepositoryUsage> => {
    const name = r.name ?? '';
    const repo = {
      name,
      arn: r.arn ?? r.id,
      lifecyclePolicyText: typeof r.lifecyclePolicyText?.[0] === 'string' ? r.lifecyclePolicyText[0] : undefined,
    };
    const images: ImageUsageInput[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page: any = await limiter.run(() => {
          if (options.calls) {
            options.calls.DescribeImages = (options.calls.DescribeImages ?? 0) + 1;
          }
          return options.client.send(new DescribeImagesCommand({
            registryId: options.registryId, repositoryName: name, maxResults: DESCRIBE_IMAGES_PAGE_SIZE, nextToken,
          }));
        });
        images.push(...(page.imageDetails ?? []).map(imageFromDetail));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (e) {
      const message = describeError(e, { call: 'ECR DescribeImages', resource: { repository: name, region: options.region } }).message;
      return { ...computeRepositoryUsage({ name, arn: repo.arn }, [], prices, now), error: message };
    }
    return computeRepositoryUsage(repo, images, prices, now);
  };
  return sortUsage(await Promise.all(options.repositories.map(one)));
}
