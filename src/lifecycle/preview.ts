import { PreviewOutcome, StorageClass } from './enums';

/**
 * One image of a repository, as a lifecycle preview needs it (the fields of ECR's
 * `DescribeImages` image details).
 */
export interface ImageDescription {
  /** The image digest (`imageDigest`), unique in the list. */
  readonly digest: string;

  /**
   * The image tags (`imageTags`).
   *
   * @default - untagged
   */
  readonly tags?: string[];

  /** When the image was pushed (`imagePushedAt`). */
  readonly pushedAt: Date;

  /**
   * When ECR last recorded a pull (`lastRecordedPullTime`).
   *
   * @default - never pulled: `sinceImagePulled` counts from the push
   */
  readonly lastPulledAt?: Date;

  /**
   * The storage class (`imageStatus` `ARCHIVED` is `archive`).
   *
   * @default StorageClass.STANDARD
   */
  readonly storageClass?: StorageClass;

  /**
   * When the image was last archived (`lastArchivedAt`). `sinceImageTransitioned` rules act
   * only on archived images that have it.
   *
   * @default - never archived
   */
  readonly transitionedAt?: Date;

  /**
   * When the image was last restored from archive (`lastActivatedAt`). ECR then uses it instead
   * of the push time, and instead of the last pull time when the image was not pulled since.
   *
   * @default - never restored
   */
  readonly lastActivatedAt?: Date;
}

/**
 * Options of a lifecycle preview.
 */
export interface PreviewOptions {
  /**
   * The time at which the policy is evaluated (ages are measured from it).
   *
   * @default - the current time
   */
  readonly now?: Date;
}

/**
 * What the policy does to one image.
 */
export interface ImageDecision {
  /** The image digest. */
  readonly digest: string;

  /** Expire, transition to archive, or keep. */
  readonly outcome: PreviewOutcome;

  /**
   * For an expired or transitioned image, the priority of the rule that acts on it. For a kept
   * image, the priority of the first rule whose selection matches it (that rule protects it from
   * every lower-priority rule).
   *
   * @default - no rule selects the image
   */
  readonly rulePriority?: number;
}

/**
 * The result of `LifecyclePolicy.preview`: which images the policy expires, transitions to
 * archive and keeps, and which rule decided each.
 */
export class LifecyclePreview {
  /** Digests of the images the policy expires, in the order of the input list. */
  public readonly expired: string[];

  /** Digests of the images the policy transitions to archive, in the order of the input list. */
  public readonly transitioned: string[];

  /** Digests of the images the policy keeps as they are, in the order of the input list. */
  public readonly kept: string[];

  /** One decision per image, in the order of the input list. */
  public readonly decisions: ImageDecision[];

  private readonly byDigest: Map<string, ImageDecision>;

  /** @internal */
  constructor(decisions: ImageDecision[]) {
    this.decisions = decisions;
    this.expired = [];
    this.transitioned = [];
    this.kept = [];
    this.byDigest = new Map();
    for (const d of decisions) {
      this.byDigest.set(d.digest, d);
      (d.outcome === PreviewOutcome.EXPIRE ? this.expired : d.outcome === PreviewOutcome.TRANSITION ? this.transitioned : this.kept).push(d.digest);
    }
  }

  /**
   * The decision for one image, or undefined for a digest that was not in the list.
   */
  public decisionFor(digest: string): ImageDecision | undefined {
    return this.byDigest.get(digest);
  }
}
