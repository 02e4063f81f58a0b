import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The service principal App Runner pulls private ECR images with (the access role's trust). */
const APP_RUNNER_BUILD_SERVICE = 'build.apprunner.amazonaws.com';

/**
 * Options for an App Runner source pinned to a verified image.
 */
export interface AppRunnerImageOptions {
  /**
   * The role App Runner pulls the image with: trusted by `build.apprunner.amazonaws.com`
   * (an `AppRunnerAccessRole`, or a role of your own). It is granted pull on the repository
   * and `ecr:DescribeImages`.
   */
  readonly accessRole: iam.IRole;

  /**
   * The port the container listens on.
   *
   * @default 8080
   */
  readonly port?: number;

  /**
   * Environment variables of the running service.
   *
   * @default - none
   */
  readonly environmentVariables?: { [name: string]: string };

  /**
   * The command App Runner starts the image with.
   *
   * @default - the image's `ENTRYPOINT` and `CMD`
   */
  readonly startCommand?: string;
}

/**
 * The role App Runner pulls private ECR images with: an IAM role trusted by
 * `build.apprunner.amazonaws.com`, with no permissions until an image is wired through
 * `VerifiedImage.appRunnerSourceConfiguration` (which grants pull on that image's repository only).
 */
export class AppRunnerAccessRole extends iam.Role {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal(APP_RUNNER_BUILD_SERVICE),
      description: 'App Runner pulls verified ECR images with this role',
    });
  }
}
