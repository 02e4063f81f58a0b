import * as path from 'path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { HANDLER_MEMORY_MB, HANDLER_TIMEOUT_SECONDS } from './contract';
import { RepositoryActions } from '../../access/repository-actions';
import { acknowledgeFunctionFindings, acknowledgeLogGroupEncryption, inEveryPack } from '../../private/handler-findings';
import { lambdaRuntime } from '../../private/lambda-runtime';

/**
 * Directory of the handler bundle, built by esbuild from `src/image-copy/image-copy.lambda.ts`
 * (the projen task `bundle:image-copy/image-copy.lambda`). The same relative path works from
 * `src/image-copy/private` and from the compiled `lib/image-copy/private`.
 */
export const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'image-copy', 'image-copy.lambda');

/** What the handler calls on a source repository (the ECR API, no registry token). */
export const SOURCE_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
/** What the handler calls on a destination repository. */
export const DESTINATION_ACTIONS = [
  'ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload', 'ecr:PutImage',
];
/**
 * What the referrers of an ECR source add (`referrers`): a registry token for the registry
 * endpoint's referrers API (the registry-level login). The action has no resource (`*`); the
 * token gives no more than the role's own repository permissions.
 */
export const REGISTRY_TOKEN_ACTIONS = RepositoryActions.AUTHORIZATION;
/** What removing the tags on Delete adds on the destination (`removeTagsOnDelete`). */
export const UNTAG_ACTIONS = ['ecr:BatchDeleteImage'];

/** Why the compliance findings on the image copy handler do not apply (shipped as acknowledgements). */
const LAMBDA_REASONS = {
  dlq: 'The handler serves a CloudFormation custom resource, which CloudFormation invokes synchronously and retries itself; '
    + 'a dead-letter queue receives only failed asynchronous invocations, so it would never receive anything.',
  vpc: 'The handler copies images from registries on the internet (Docker Hub, ghcr.io, quay.io, public.ecr.aws) and through the '
    + 'ECR API; inside a VPC it would need a NAT gateway to reach them, which adds cost and no isolation.',
  concurrency: 'The handler runs only during deployments, once per ImageCopy custom resource of the stack; reserved concurrency '
    + 'would take capacity from the account pool and fails to deploy in accounts with the default low concurrency quota.',
  logs: 'The log group holds only the handler messages (image references, digests, sizes), never credentials; CloudWatch Logs '
    + 'encrypts it at rest with service keys, and a customer key per stack would add cost and no control.',
  registryToken: 'ecr:GetAuthorizationToken has no resource-level permissions: it is allowed on * or not at all. The token it '
    + 'returns authorizes no more than the role\'s own repository permissions; the handler sends it only to the ECR registry '
    + 'endpoint, to list the referrers of a source repository.',
  inlinePolicy: 'The role belongs to the handler alone; its inline policy allows pulling from exactly the source repositories, '
    + 'pushing to exactly the destination repositories, reading exactly the named secrets, and writing to its own log group '
    + '(and, for the referrers of an ECR source, ecr:GetAuthorizationToken, which has no resource).',
};

/**
 * The one handler of every `ImageCopy` in a stack: its function, role and log group. Every copy
 * adds its repositories and secret to the role's policy (deduplicated).
 */
export class ImageCopyProvider extends Construct {
  /** Construct id of the provider under its stack (public contract: changing it replaces the function). */
  public static readonly ID = 'CdkEcrRegistryImageCopyProvider';

  /** The provider of the stack of `scope`, created on first use. */
  public static of(scope: IConstruct): ImageCopyProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ImageCopyProvider.ID);
    return existing instanceof ImageCopyProvider ? existing : new ImageCopyProvider(stack, ImageCopyProvider.ID);
  }

  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  private readonly statements = new Map<string, { statement: iam.PolicyStatement; arns: Set<string> }>();
  private readonly secrets = new Set<secretsmanager.ISecret>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-ecr-registry image copy: pulls from the sources, pushes to the destination repositories',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    this.function = new lambda.Function(this, 'Handler', {
      description: 'cdk-ecr-registry image copy (src/image-copy/image-copy.lambda.ts)',
      runtime: lambdaRuntime(this),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(HANDLER_ASSET_DIR),
      architecture: lambda.Architecture.ARM_64,
      memorySize: HANDLER_MEMORY_MB,
      timeout: Duration.seconds(HANDLER_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
    });
    this.acknowledgeFindings();
  }

  private acknowledgeFindings(): void {
    acknowledgeFunctionFindings(this.function, LAMBDA_REASONS);
    acknowledgeLogGroupEncryption(this.logGroup, LAMBDA_REASONS.logs);
    Validations.of(this.role).acknowledge(...inEveryPack('IAMNoInlinePolicy', LAMBDA_REASONS.inlinePolicy));
  }

  /** Allow `actions` on these ARNs: one statement per action set, resources deduplicated. */
  public allow(actions: string[], arns: string[]): void {
    const key = actions.join(',');
    let entry = this.statements.get(key);
    if (!entry) {
      entry = { statement: new iam.PolicyStatement({ actions, resources: [] }), arns: new Set() };
      this.statements.set(key, entry);
      this.role.addToPrincipalPolicy(entry.statement);
    }
    const fresh = arns.filter(a => !entry!.arns.has(a));
    fresh.forEach(a => entry!.arns.add(a));
    if (fresh.length > 0) {
      entry.statement.addResources(...fresh);
    }
  }

  /**
   * Allow a registry token (`ecr:GetAuthorizationToken`, which has no resource: `*`) for the
   * referrers API of ECR sources; acknowledged as cdk-nag's AwsSolutions-IAM5 for that `*` only.
   */
  public allowRegistryToken(): void {
    if (this.statements.has(REGISTRY_TOKEN_ACTIONS.join(','))) {
      return;
    }
    this.allow(REGISTRY_TOKEN_ACTIONS, ['*']);
    this.role.node.findChild('DefaultPolicy').node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, {
      'AwsSolutions-IAM5[Resource::*]': LAMBDA_REASONS.registryToken,
    });
  }

  /** Allow reading one secret (its ARN only, and decrypting with its key when it has one). */
  public allowSecret(secret: secretsmanager.ISecret): void {
    if (!this.secrets.has(secret)) {
      this.secrets.add(secret);
      secret.grantRead(this.role);
    }
  }
}
