import { Tokenization } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import type { IVerifiedImage } from '../../image-check/verified-image';
import { Violations } from '../../private/errors';
import { isUnresolved } from '../../private/tokens';
import type { AppRunnerImageOptions } from '../app-runner';

/** What App Runner's ECR access needs besides pull (as in AWSAppRunnerServicePolicyForECRAccess). */
const DESCRIBE_IMAGES = 'ecr:DescribeImages';

/** App Runner's default container port. */
const DEFAULT_PORT = 8080;

/**
 * The `SourceConfiguration` of an `apprunner.CfnService` that runs a verified image, pinned to
 * its digest. Exposed as `VerifiedImage.appRunnerSourceConfiguration`.
 */
export function appRunnerSourceConfiguration(
  image: IVerifiedImage, options: AppRunnerImageOptions,
): apprunner.CfnService.SourceConfigurationProperty {
  const v = new Violations(image.verifiedBy.node.path);
  const port = options.port ?? DEFAULT_PORT;
  if (!isUnresolved(port)) {
    v.check(Number.isInteger(port) && port >= 1 && port <= 65535, 'appRunnerSourceConfiguration.port', port, 'must be an integer port number 1-65535');
  }
  v.check(options.accessRole !== undefined, 'appRunnerSourceConfiguration.accessRole', options.accessRole,
    'an IAM role trusted by build.apprunner.amazonaws.com (new AppRunnerAccessRole(scope, id))');
  for (const name of Object.keys(options.environmentVariables ?? {})) {
    if (!isUnresolved(name)) {
      v.check(name.length > 0 && !name.toUpperCase().startsWith('AWSAPPRUNNER'), `appRunnerSourceConfiguration.environmentVariables[${JSON.stringify(name)}]`, name,
        'an environment variable name is not empty and does not start with AWSAPPRUNNER (reserved by App Runner)');
    }
  }
  v.throwIfAny();

  image.grantPull(options.accessRole);
  // App Runner runs Linux on x86-64 only.
  image.requirePlatform({ consumer: `App Runner service (source configuration from ${image.verifiedBy.node.path})`, os: 'linux', architecture: 'amd64' });
  image.repository.grant(options.accessRole, DESCRIBE_IMAGES);
  const env = Object.entries(options.environmentVariables ?? {});
  return {
    authenticationConfiguration: { accessRoleArn: options.accessRole.roleArn },
    // Automatic deployments follow a tag; a digest never changes.
    autoDeploymentsEnabled: false,
    imageRepository: {
      imageIdentifier: image.imageUri,
      imageRepositoryType: 'ECR',
      imageConfiguration: {
        port: Tokenization.stringifyNumber(port),
        runtimeEnvironmentVariables: env.length > 0 ? env.map(([name, value]) => ({ name, value })) : undefined,
        startCommand: options.startCommand,
      },
    },
  };
}
