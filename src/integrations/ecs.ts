import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { batchFargatePlatform, taskPlatform } from './private/task-platform';
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
   * platform, or Fargate's Linux on x86-64; for an AWS Batch container on Fargate, its
   * `fargateCpuArchitecture` and `fargateOperatingSystemFamily`) and returns the pinned image name.
   */
  public bind(scope: Construct, containerDefinition: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    this.verifiedImage.grantPull(containerDefinition.taskDefinition.obtainExecutionRole());
    const platform = taskPlatform(containerDefinition.taskDefinition);
    if (platform) {
      this.verifiedImage.requirePlatform({ consumer: `ECS task definition ${containerDefinition.taskDefinition.node.path}`, ...platform });
    }
    // AWS Batch binds its ECS containers without a task definition (the scope is the container),
    // before the container has set its Fargate platform: gate when the tree is validated.
    if (scope instanceof batch.EcsFargateContainerDefinition) {
      const image = this.verifiedImage;
      scope.node.addValidation({
        validate: () => {
          const fargate = batchFargatePlatform(scope);
          try {
            if (fargate) {
              image.requirePlatform({ consumer: `Batch container ${scope.node.path}`, ...fargate });
            }
            return [];
          } catch (e) {
            return [(e as Error).message];
          }
        },
      });
    }
    return { imageName: this.imageName };
  }
}
