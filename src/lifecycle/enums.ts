/**
 * Which images a lifecycle rule selects by their tags (`selection.tagStatus`).
 */
export enum TagStatus {
  /** Images with at least one tag matching every entry of the rule's prefix or pattern list. */
  TAGGED = 'tagged',
  /** Images without any tag. */
  UNTAGGED = 'untagged',
  /** Every image; such a rule must have the highest priority among the rules of its storage class. */
  ANY = 'any',
}

/**
 * The storage class of an image (`selection.storageClass`, `action.targetStorageClass`).
 */
export enum StorageClass {
  /** Images that can be pulled (ECR's default storage). */
  STANDARD = 'standard',
  /** Images moved to ECR archive: they cannot be pulled until restored, and are kept at least 90 days. */
  ARCHIVE = 'archive',
}

/**
 * How a rule decides which of its selected images to act on (`selection.countType`).
 */
export enum CountType {
  /** Keep the `countNumber` most recently pushed images, act on the older ones. */
  IMAGE_COUNT_MORE_THAN = 'imageCountMoreThan',
  /** Act on images pushed more than `countNumber` days ago. */
  SINCE_IMAGE_PUSHED = 'sinceImagePushed',
  /**
   * Act on images last pulled more than `countNumber` days ago (never pulled: since push;
   * restored from archive and not pulled since: since the restore). Only with `transition`.
   */
  SINCE_IMAGE_PULLED = 'sinceImagePulled',
  /** Act on archived images transitioned more than `countNumber` days ago. Only with `expire` and `archive`. */
  SINCE_IMAGE_TRANSITIONED = 'sinceImageTransitioned',
}

/**
 * What a rule does to the images it marks (`action.type`).
 */
export enum LifecycleAction {
  /** Delete the image. */
  EXPIRE = 'expire',
  /** Move the image to the `archive` storage class (`targetStorageClass: archive`). */
  TRANSITION = 'transition',
}

/**
 * The outcome of a lifecycle preview for one image.
 */
export enum PreviewOutcome {
  /** A rule expires (deletes) the image. */
  EXPIRE = 'expire',
  /** A rule transitions the image to the archive storage class. */
  TRANSITION = 'transition',
  /** No rule acts on the image. */
  KEEP = 'keep',
}
