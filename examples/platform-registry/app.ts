/**
 * Example: the platform team's registry.
 *
 * A registry account (111111111111) in eu-west-1 owns the organization's private
 * repositories, each with the library's secure defaults (immutable tags, scan on push,
 * KMS encryption, a lifecycle policy, RETAIN).
 *
 * Run: npx projen registry   (or: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/platform-registry/app.ts")
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PrivateRepository } from 'cdk-ecr-registry';

export const REGISTRY_ACCOUNT = '111111111111';
export const PRIMARY_REGION = 'eu-west-1';

/** The registry account's repositories. */
export class PlatformRegistryStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const key = new kms.Key(this, 'ImagesKey', {
      description: 'Encrypts the platform container images',
      enableKeyRotation: true,
    });

    for (const name of ['platform/base-images', 'payments/api', 'payments/worker']) {
      new PrivateRepository(this, name.replace(/[^a-z0-9]+/g, '-'), {
        repositoryName: name,
        encryptionKey: key,
      });
    }
  }
}

export function buildApp(app = new App()): App {
  new PlatformRegistryStack(app, 'PlatformRegistry', {
    env: { account: REGISTRY_ACCOUNT, region: PRIMARY_REGION },
    description: 'cdk-ecr-registry example: the platform registry',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
