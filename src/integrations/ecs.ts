import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { taskPlatform } from './private/task-platform';
import type { IVerifiedImage } from '../image-check/verified-image';

/**
 * An ECS container image pinned to the digest an `ImageCheck` verified.
 *
 * Like aws-cdk-lib's `EcrImage`, binding it to a container grants pull to the task definition's
 * *execution* role (the role the ECS agent pulls with), never to the task role. The image name
 * is `<account>.dkr.ecr.<region>.<url suffix>/<repository>@sha256:...`, so the task definition is
 * created after the check passed and runs exactly the checked image.
 */
export class VerifiedContainerImage extends ecs.ContainerImage {
  /** A container image for a verified image. */
  public static fromVerifiedImage(image: IVerifiedImage): VerifiedContainerImage {
    return new VerifiedContainerImage(image);
  }

  /** The pinned image URI (a token). */
  public readonly imageName: string;

  /** The verified image. */
  public readonly verifiedImage: IVerifiedImage;

  /** @param image the verified image */
  constructor(image: IVerifiedImage) {
    super();
    this.verifiedImage = image;
    this.imageName = image.imageUri;
  }

  /**
   * Grants pull to the execution role, asks the check to gate on the task's platform (its runtime
   * platform, or Fargate's Linux on x86-64) and returns the pinned image name.
   */
  public bind(_scope: Construct, containerDefinition: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    this.verifiedImage.grantPull(containerDefinition.taskDefinition.obtainExecutionRole());
    const platform = taskPlatform(containerDefinition.taskDefinition);
    if (platform) {
      this.verifiedImage.requirePlatform({ consumer: `ECS task definition ${containerDefinition.taskDefinition.node.path}`, ...platform });
    }
    return { imageName: this.imageName };
  }
}
