import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IVerifiedImage } from '../image-check/verified-image';

/**
 * A container image for AWS Batch on Amazon EKS (`batch.EksContainerDefinition`), pinned to the
 * digest an `ImageCheck` verified.
 *
 * `EksContainerDefinition` takes an `ecs.ContainerImage` but binds it without an ECS task
 * definition, so `VerifiedContainerImage` (which grants pull to the task's execution role) does not
 * fit there. On EKS, kubelet pulls with the nodes' instance role: pass it (for a managed compute
 * environment, `computeEnvironment.instanceRole`) to have it granted pull, or grant it yourself
 * with `EksImageAccess.grantTo`.
 *
 * For AWS Batch on ECS (`EcsEc2ContainerDefinition`, `EcsFargateContainerDefinition`), use
 * `VerifiedContainerImage`: Batch binds it with the job's execution role.
 */
export class VerifiedEksContainerImage extends ecs.ContainerImage {
  /**
   * A Batch-on-EKS container image for a verified image.
   *
   * @param image the verified image
   * @param nodeRole the role the nodes pull with, granted pull when the image is bound
   */
  public static fromVerifiedImage(image: IVerifiedImage, nodeRole?: iam.IGrantable): VerifiedEksContainerImage {
    return new VerifiedEksContainerImage(image, nodeRole);
  }

  /** The pinned image URI (a token). */
  public readonly imageName: string;

  /** The verified image. */
  public readonly verifiedImage: IVerifiedImage;

  private readonly nodeRole?: iam.IGrantable;

  private constructor(image: IVerifiedImage, nodeRole?: iam.IGrantable) {
    super();
    this.verifiedImage = image;
    this.imageName = image.imageUri;
    this.nodeRole = nodeRole;
  }

  /** Grants pull to the node role (when given) and returns the pinned image name. */
  public bind(_scope: Construct, _containerDefinition: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    if (this.nodeRole) {
      this.verifiedImage.grantPull(this.nodeRole);
    }
    return { imageName: this.imageName };
  }
}
