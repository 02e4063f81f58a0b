/**
 * The contract between the `ImageCopy` construct and its handler (`image-copy.lambda.ts`): the
 * custom resource type, its properties and the attribute keys of its response.
 *
 * Both sides import this module; the handler bundle inlines it. No imports.
 */

/** CloudFormation type of every image copy resource. Part of the public contract: never change it. */
export const RESOURCE_TYPE = 'Custom::EcrImageCopy';

/** Properties of one image copy resource (besides ServiceToken and ServiceTimeout). */
export interface CopyProperties {
  /**
   * The image to copy, `host[:port]/path:tag` or `...@sha256:...`. An ECR host
   * (`<account>.dkr.ecr.<region>.<suffix>`) is read through the ECR API, any other through the
   * OCI distribution API.
   */
  readonly Source: string;
  /** ARN of a Secrets Manager secret with the source registry's credentials. Absent: anonymous. */
  readonly SourceSecretArn?: string;
  /** The destination repository, `<account>.dkr.ecr.<region>.<suffix>/<name>` (no tag, no digest). */
  readonly Destination: string;
  /** Tags to give the copy, written after the image. Absent: by digest only. */
  readonly Tags?: string[];
  /** `os/arch[/variant]` entries of an index to copy. Absent: the image as it is. */
  readonly Platforms?: string[];
  /** `'true'`: a Delete removes the tags that still name this copy. Absent: a Delete leaves everything. */
  readonly RemoveTagsOnDelete?: string;
  /** `'true'`: with Platforms, also the attestation manifests of the chosen entries. Absent: not. */
  readonly Attestations?: string;
  /** `'true'`: also the referrers (signatures, SBOMs) of what is copied. Absent: not. */
  readonly Referrers?: string;
}

/** Response attribute: the digest of the copy (`sha256:...`). */
export const DIGEST_ATTRIBUTE = 'Digest';
/** Response attribute: the media type of the copy's top manifest. */
export const MEDIA_TYPE_ATTRIBUTE = 'MediaType';
/** Response attribute: the platforms of the copy, comma-separated (`linux/amd64,linux/arm64`). */
export const PLATFORMS_ATTRIBUTE = 'Platforms';

/** Most tags one copy writes. */
export const MAX_TAGS = 10;
/** Most platforms one copy names. */
export const MAX_PLATFORMS = 16;

/** The Lambda function's timeout, in seconds (Lambda's longest). */
export const HANDLER_TIMEOUT_SECONDS = 900;

/** The handler answers CloudFormation this long before the Lambda timeout at the latest. */
export const HANDLER_SAFETY_MARGIN_MS = 20_000;

/** ServiceTimeout of every copy resource: the Lambda timeout plus a minute. */
export const SERVICE_TIMEOUT_SECONDS = HANDLER_TIMEOUT_SECONDS + 60;

/**
 * Most bytes of blobs one deploy-time copy uploads (blobs already in the destination do not count):
 * at a sustained 20 MB/s, 10 GiB take about 9 minutes of the function's 15. A larger copy fails
 * before any blob is sent, with the size and the way out (the `copy` command in a pipeline).
 */
export const MAX_COPY_BYTES = 10 * 1024 ** 3;

/** Memory of the handler function, in MiB (the copy streams: memory does not grow with the image). */
export const HANDLER_MEMORY_MB = 1024;
