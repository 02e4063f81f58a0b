/**
 * The contract between the `ImageCheck` construct and its handler (`image-check.lambda.ts`):
 * the custom resource type, its properties and the attribute keys of its response.
 *
 * Both sides import this module; the handler bundle inlines it.
 */

/** CloudFormation type of every image check resource. Part of the public contract: never change it. */
export const RESOURCE_TYPE = 'Custom::EcrImageCheck';

/** One image to check, as rendered into the resource properties (CloudFormation passes strings). */
export interface ImageSpec {
  /** Registry (AWS account) id of the repository. */
  readonly Registry: string;
  /** Region of the repository. */
  readonly Region: string;
  /** Repository name. */
  readonly Repository: string;
  /** A tag; exactly one of Tag and Digest. */
  readonly Tag?: string;
  /** A digest (`sha256:...`); exactly one of Tag and Digest. */
  readonly Digest?: string;
}

/**
 * One platform gate: the image at `Image` (its index in `Images`, as a string) must fit where a
 * consumer runs it (`IVerifiedImage.requirePlatform`).
 */
export interface PlatformGate {
  /** Index of the image in `Images`, as a string. */
  readonly Image: string;
  /** Who runs it (for the message). */
  readonly Consumer: string;
  /** `linux` or `windows`. */
  readonly Os: string;
  /** `amd64` or `arm64`. Absent: any. */
  readonly Architecture?: string;
  /** `'true'`: a single image manifest only (Lambda). Absent: an index with the platform is fine. */
  readonly ImageManifestOnly?: string;
}

/** Properties of one image check resource (besides ServiceToken and ServiceTimeout). */
export interface CheckProperties {
  readonly Images: ImageSpec[];
  /** Fail when scan findings at or above this severity exist. Absent: no scan gate. */
  readonly FailOnSeverity?: string;
  /** How long to wait for a scan that is still in progress (seconds, as a string). */
  readonly ScanWaitSeconds?: string;
  /**
   * `'true'`: tag every checked image with this resource's protection tag (docs/in-use.md), and
   * remove the tag when the resource stops using the image. Absent: no protection.
   */
  readonly ProtectInUse?: string;
  /** `'true'`: every image needs a COMPLETE managed signature (DescribeImageSigningStatus). Absent: no signature gate. */
  readonly RequireSignature?: string;
  /** How long to wait for signing still IN_PROGRESS (seconds, as a string). */
  readonly SignatureWaitSeconds?: string;
  /** Platform gates (absent: none): the handler reads the manifests (and configs) of these images. */
  readonly Platforms?: PlatformGate[];
}

/** Most platform gates one resource carries (consumers of its images). */
export const MAX_PLATFORM_GATES = 200;

/** Severities a scan gate can use, lowest first (ECR FindingSeverity values that have an order). */
export const SEVERITY_ORDER = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Response attribute holding the digest of the image at `index` within one resource. */
export function digestAttribute(index: number): string {
  return `D${index}`;
}

/** CloudFormation rejects response bodies larger than this (Status, ids, Reason and Data together). */
export const MAX_RESPONSE_BYTES = 4096;

/**
 * Bytes reserved in the response for everything but Data: Status, StackId (an ARN with a
 * 128-character stack name and a UUID), RequestId, LogicalResourceId (up to 255 characters),
 * PhysicalResourceId and the JSON punctuation.
 */
export const RESPONSE_OVERHEAD_BYTES = 800;

/** Bytes one image takes in Data: `"D99":"sha256:<64 hex>",` (a 2-digit index). */
export const BYTES_PER_IMAGE = 81;

/**
 * Most images one custom resource checks: their digests must fit in the response with the overhead.
 * (4096 - 800) / 81 = 40. An `ImageCheck` with more images spreads them over several resources
 * (all served by the same Lambda function).
 */
export const MAX_IMAGES_PER_RESOURCE = Math.floor((MAX_RESPONSE_BYTES - RESPONSE_OVERHEAD_BYTES) / BYTES_PER_IMAGE);

/**
 * Most distinct images one `ImageCheck` verifies: 2,000, that is 50 custom resources of 40. Each resource
 * adds about 6 KB of template (its image list) and its digests are read by attribute; 50 keep a check well
 * inside CloudFormation's 1 MB template and 500 resources per stack, and the handler's calls (one
 * DescribeImages per 100 images and repository) inside its deadline. Larger sets: several checks, or stacks.
 */
export const MAX_IMAGES_PER_CHECK = 2_000;

/** The Lambda function's timeout, in seconds. */
export const HANDLER_TIMEOUT_SECONDS = 300;

/** The handler answers CloudFormation this long before the Lambda timeout at the latest. */
export const HANDLER_SAFETY_MARGIN_MS = 20_000;

/** Longest scan wait a check can ask for, in seconds (well under the handler's budget). */
export const MAX_SCAN_WAIT_SECONDS = 180;

/** Longest wait for signing in progress a check can ask for, in seconds (the same bound as the scan wait). */
export const MAX_SIGNATURE_WAIT_SECONDS = MAX_SCAN_WAIT_SECONDS;

/** ServiceTimeout of every check resource: the Lambda timeout plus a minute for retries of a crashed invocation. */
export const SERVICE_TIMEOUT_SECONDS = HANDLER_TIMEOUT_SECONDS + 60;
