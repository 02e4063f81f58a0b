import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { KnownPlatforms } from '../private/known-platforms';

/**
 * An image in an ECR repository, by tag or by digest.
 *
 * The repository can be owned by the stack or imported. The registry (account) and region
 * are those of the repository: import a repository of another account or region by its ARN
 * (`ecr.Repository.fromRepositoryArn(this, 'Api', 'arn:aws:ecr:eu-west-1:111111111111:repository/payments/api')`).
 */
export class ImageReference {
  /**
   * An image by tag. The check resolves the tag to the digest it points to at deploy time.
   *
   * @param repository the repository holding the image
   * @param tag an image tag: 1-128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`
   */
  public static fromTag(repository: ecr.IRepository, tag: string): ImageReference {
    return new ImageReference(repository, tag, undefined);
  }

  /**
   * An image by digest (`sha256:` and 64 hexadecimal digits).
   *
   * @param repository the repository holding the image
   * @param digest the image manifest digest
   */
  public static fromDigest(repository: ecr.IRepository, digest: string): ImageReference {
    return new ImageReference(repository, undefined, digest);
  }

  /** The repository holding the image. */
  public readonly repository: ecr.IRepository;

  /**
   * The tag, when the image is referenced by tag.
   *
   * @default - referenced by digest
   */
  public readonly tag?: string;

  /**
   * The digest, when the image is referenced by digest.
   *
   * @default - referenced by tag
   */
  public readonly digest?: string;

  /**
   * The platforms the image is known to have at synth time (an `ImageCopy`'s reference), for the
   * synth-time side of the platform gate.
   * @internal
   */
  public _knownPlatforms?: KnownPlatforms;

  private constructor(repository: ecr.IRepository, tag: string | undefined, digest: string | undefined) {
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /** `<repository>:<tag>` or `<repository>@<digest>` (may contain tokens). */
  public toString(): string {
    return this.tag !== undefined
      ? `${this.repository.repositoryName}:${this.tag}`
      : `${this.repository.repositoryName}@${this.digest}`;
  }
}
