import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Where a consumer runs an image: what the check's platform gate compares with the image's
 * platforms at deploy time (`IVerifiedImage.requirePlatform`).
 */
export interface PlatformRequirement {
  /** Who runs the image, for the failure message (a construct path, "Lambda function ..."). */
  readonly consumer: string;

  /** The operating system: `linux` or `windows`. */
  readonly os: string;

  /**
   * The CPU architecture, as image platforms name it: `amd64` or `arm64`.
   *
   * @default - any architecture (the consumer's hosts decide, e.g. an EC2 task without a runtime platform)
   */
  readonly architecture?: string;

  /**
   * The consumer takes a single image manifest only (Lambda): an image index, an attestation
   * manifest or another media type fails the check.
   *
   * @default false
   */
  readonly imageManifestOnly?: boolean;
}

/**
 * An image pinned to a digest that was verified at deploy time: what the integrations (ECS, EKS,
 * Lambda, App Runner, Batch) need of it.
 *
 * `VerifiedImage` (from `ImageCheck.verifiedImages`) implements it. The integrations take this
 * interface, never the class, so the image check can offer them as convenience methods without
 * an import cycle (as `aws-ecr`'s `IRepository` serves `aws-ecs`).
 *
 * This module is a leaf: it imports nothing of the library.
 */
export interface IVerifiedImage {
  /** The repository holding the image. */
  readonly repository: ecr.IRepository;

  /** The verified digest (`sha256:...`; a token that resolves once the check has passed). */
  readonly digest: string;

  /** The image URI pinned to the verified digest: `<account>.dkr.ecr.<region>.<url suffix>/<repository>@sha256:...`. */
  readonly imageUri: string;

  /** The repository URI without tag or digest: `<account>.dkr.ecr.<region>.<url suffix>/<repository>`. */
  readonly repositoryUri: string;

  /**
   * The construct that verified the image (for `VerifiedImage`, its `ImageCheck`); the
   * integrations name its path in their validation errors.
   */
  readonly verifiedBy: IConstruct;

  /**
   * Allow a principal to pull the image (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`,
   * `ecr:BatchCheckLayerAvailability` on the repository and `ecr:GetAuthorizationToken`).
   */
  grantPull(grantee: iam.IGrantable): iam.Grant;

  /**
   * Require the image to fit where a consumer runs it: at deploy time the check reads the image's
   * manifest (and, for a single-platform image, its config) and fails, before the consumer is
   * created, when the image has no manifest for this platform. The integrations call it when
   * they bind (Lambda's architecture, an ECS task's runtime platform or Fargate's default, App
   * Runner's platform).
   */
  requirePlatform(requirement: PlatformRequirement): void;
}
