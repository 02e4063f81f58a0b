import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

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
}
