/**
 * The exact IAM action lists this library grants on private repositories.
 *
 * Least privilege by construction: every grant of this library uses one of these
 * lists, none of them holds a wildcard, and none is wider than what the Docker/OCI
 * client (or the Lambda service) calls for the job.
 */
export class RepositoryActions {
  /**
   * Pull an image: `docker pull`, ECS, EKS, CodeBuild.
   */
  public static readonly PULL: string[] = [
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchCheckLayerAvailability',
  ];

  /**
   * Push an image (`docker push`): layer existence check, layer upload, manifest put.
   * No read of existing images (use `PULL_PUSH` for that).
   */
  public static readonly PUSH: string[] = [
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
  ];

  /**
   * Pull and push: `PULL` plus the four upload actions of `PUSH`.
   */
  public static readonly PULL_PUSH: string[] = [
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
  ];

  /**
   * What the Lambda service (`lambda.amazonaws.com`) needs to fetch a container image
   * for a function: exactly these two actions.
   */
  public static readonly LAMBDA_PULL: string[] = [
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
  ];

  /**
   * In-use protection by an `ImageCheck` with `protectInUse` (docs/in-use.md): read the images,
   * read a manifest, add a protection tag (PutImage of the same manifest) and remove it
   * (BatchDeleteImage by tag). Grant it to the image check role of a stack in another account.
   */
  public static readonly IN_USE_PROTECTION: string[] = [
    'ecr:DescribeImages',
    'ecr:BatchGetImage',
    'ecr:PutImage',
    'ecr:BatchDeleteImage',
  ];

  /**
   * Registry-level login (`docker login`). It is only valid in identity policies
   * (`Resource: *`), never in a repository policy: each consumer account grants it
   * to its own principals.
   */
  public static readonly AUTHORIZATION: string[] = ['ecr:GetAuthorizationToken'];

  private constructor() {}
}
