/**
 * Example: cross-account and organization access.
 *
 * Two accounts, two stacks:
 * - the registry account (111111111111) owns `payments/api`; its repository policy lets one
 *   role of the consumer account pull, and every principal of the organization pull;
 * - the consumer account (222222222222) owns the role `payments-image-puller`, whose identity
 *   policy allows the same pull on that repository (both sides are needed across accounts).
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/cross-account/app.ts"
 */
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PrivateRepository, RepositoryAccess } from 'cdk-ecr-registry';

export const REGISTRY_ACCOUNT = '111111111111';
export const CONSUMER_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
export const ORGANIZATION_ID = 'o-a1b2c3d4e5';
export const REPOSITORY_NAME = 'payments/api';
export const PULLER_ROLE_NAME = 'payments-image-puller';

const pullerRoleArn = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/${PULLER_ROLE_NAME}`;
const repositoryArn = `arn:aws:ecr:${REGION}:${REGISTRY_ACCOUNT}:repository/${REPOSITORY_NAME}`;

/** The registry account: the repository and its policy (the resource side). */
export class RegistryStack extends Stack {
  public readonly repository: PrivateRepository;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.repository = new PrivateRepository(this, 'PaymentsApi', { repositoryName: REPOSITORY_NAME });
    Validations.of(this.repository).acknowledge({
      id: 'EcrChecks-ECR5',
      reason: 'Images are KMS-encrypted with the AWS managed key aws/ecr; this example shows only the cross-account access policies, and the platform-registry example shows a customer managed key.',
    });

    // One role of the consumer account: named by ARN, so the stacks share no reference.
    this.repository.access.grantPullToPrincipal(
      iam.Role.fromRoleArn(this, 'ConsumerPuller', pullerRoleArn, { mutable: false }));

    // Every principal of the organization (Principal "*" with aws:PrincipalOrgID);
    // the AwsSolutions-ECR1 acknowledgement ships with this grant.
    this.repository.access.grantPullToOrganization(ORGANIZATION_ID);
  }
}

/** The consumer account: the role that pulls (the identity side). */
export class ConsumerStack extends Stack {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.role = new iam.Role(this, 'Puller', {
      roleName: PULLER_ROLE_NAME,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    const repository = ecr.Repository.fromRepositoryArn(this, 'PaymentsApi', repositoryArn);
    RepositoryAccess.of(repository).grantPullToPrincipal(this.role);

    // The login action has no resource-level permissions: it needs Resource "*".
    Validations.of(this.role).acknowledge(...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map(pack => ({
      id: `${pack}-IAMNoInlinePolicy`,
      reason: 'The role exists only to pull this one repository; its inline policy holds just the pull grant and is created and deleted with the role, so a managed policy would add no control.',
    })), {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken (docker login) supports only Resource "*"; the pull actions are limited to the one repository ARN.',
    });
  }
}

export function buildApp(app = new App()): App {
  new RegistryStack(app, 'CrossAccountRegistry', {
    env: { account: REGISTRY_ACCOUNT, region: REGION },
    description: 'cdk-ecr-registry example: registry account with cross-account and organization pull',
  });
  new ConsumerStack(app, 'CrossAccountConsumer', {
    env: { account: CONSUMER_ACCOUNT, region: REGION },
    description: 'cdk-ecr-registry example: consumer account role that pulls',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
