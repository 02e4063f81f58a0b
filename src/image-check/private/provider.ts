import * as path from 'path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { HANDLER_TIMEOUT_SECONDS } from './contract';
import { RepositoryActions } from '../../access/repository-actions';
import { acknowledgeFunctionFindings, acknowledgeLogGroupEncryption, inEveryPack } from '../../private/handler-findings';
import { lambdaRuntime } from '../../private/lambda-runtime';

/** What in-use protection adds to the handler's role (on the referenced repositories only). */
const IN_USE_PROTECTION_ACTIONS = RepositoryActions.IN_USE_PROTECTION.filter(a => a !== 'ecr:DescribeImages');

/**
 * Directory of the handler bundle, built by esbuild from `src/image-check/image-check.lambda.ts`
 * (the projen task `bundle:image-check/image-check.lambda`). The same relative path works from
 * `src/image-check/private` and from the compiled `lib/image-check/private`.
 */
export const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'image-check', 'image-check.lambda');

/** Why the compliance findings on the image check handler do not apply (shipped as acknowledgements). */
const LAMBDA_REASONS = {
  dlq: 'The handler serves a CloudFormation custom resource, which CloudFormation invokes synchronously and retries itself; '
    + 'a dead-letter queue receives only failed asynchronous invocations, so it would never receive anything.',
  vpc: 'The handler calls only the ECR API (DescribeImages, DescribeImageScanFindings) and answers CloudFormation through a '
    + 'pre-signed S3 URL; it reaches no private resource, so a VPC would add NAT or endpoint costs and no isolation.',
  concurrency: 'The handler runs only during deployments, once per ImageCheck custom resource of the stack; reserved concurrency '
    + 'would take capacity from the account pool and fails to deploy in accounts with the default low concurrency quota.',
  logs: 'The log group holds only the handler messages (image references, digests, scan finding counts), no secrets or data; '
    + 'CloudWatch Logs encrypts it at rest with service keys, and a customer key per stack would add cost and no control.',
  inlinePolicy: 'The role belongs to the handler alone; its inline policy allows DescribeImages (and scan findings) on exactly '
    + 'the referenced repositories and writes to its own log group, and is created and deleted with the role.',
};

/**
 * The one handler of every `ImageCheck` in a stack: its function, role and log group.
 *
 * A singleton per stack, found by construct id; every check adds its repository ARNs to the role's
 * policy (deduplicated), so the role can describe exactly the repositories the stack references.
 */
export class ImageCheckProvider extends Construct {
  /** Construct id of the provider under its stack (public contract: changing it replaces the function). */
  public static readonly ID = 'CdkEcrRegistryImageCheckProvider';

  /** The provider of the stack of `scope`, created on first use. */
  public static of(scope: IConstruct): ImageCheckProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ImageCheckProvider.ID);
    return existing instanceof ImageCheckProvider ? existing : new ImageCheckProvider(stack, ImageCheckProvider.ID);
  }

  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  private readonly describeImages: iam.PolicyStatement;
  private scanFindings?: iam.PolicyStatement;
  private readonly describeArns = new Set<string>();
  private readonly scanArns = new Set<string>();
  private signingStatus?: iam.PolicyStatement;
  private readonly signingArns = new Set<string>();
  private protection?: iam.PolicyStatement;
  private platformRead?: iam.PolicyStatement;
  private readonly platformArns = new Set<string>();
  private readonly protectArns = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-ecr-registry image check: describes the referenced ECR images',
    });
    // Instead of AWSLambdaBasicExecutionRole (log access to every log group): its own log group only.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    this.describeImages = new iam.PolicyStatement({ actions: ['ecr:DescribeImages'], resources: [] });

    this.function = new lambda.Function(this, 'Handler', {
      description: 'cdk-ecr-registry image check (src/image-check/image-check.lambda.ts)',
      runtime: lambdaRuntime(this),
      handler: 'index.handler',
      code: lambda.Code.fromAsset(HANDLER_ASSET_DIR),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(HANDLER_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
    });
    this.acknowledgeFindings();
  }

  /**
   * Compliance findings on the handler that do not apply to a CloudFormation custom resource handler,
   * acknowledged here with the reason (cdk-nag), in checkov skips and in cfn-guard suppressions.
   */
  private acknowledgeFindings(): void {
    acknowledgeFunctionFindings(this.function, LAMBDA_REASONS);
    acknowledgeLogGroupEncryption(this.logGroup, LAMBDA_REASONS.logs);
    Validations.of(this.role).acknowledge(...inEveryPack('IAMNoInlinePolicy', LAMBDA_REASONS.inlinePolicy));
  }

  /**
   * Allow what in-use protection needs on these repositories: `ecr:BatchGetImage` (read the
   * manifest), `ecr:PutImage` (add the protection tag) and `ecr:BatchDeleteImage` (remove it).
   */
  public allowProtection(repositoryArns: string[]): void {
    const fresh = repositoryArns.filter(a => !this.protectArns.has(a));
    if (fresh.length === 0) {
      return;
    }
    if (!this.protection) {
      this.protection = new iam.PolicyStatement({ actions: [...IN_USE_PROTECTION_ACTIONS], resources: [] });
      this.role.addToPrincipalPolicy(this.protection);
    }
    fresh.forEach(a => this.protectArns.add(a));
    this.protection.addResources(...fresh);
  }

  /**
   * Allow what the platform gate reads on these repositories: `ecr:BatchGetImage` (the manifest)
   * and `ecr:GetDownloadUrlForLayer` (a single-platform image's config), in a statement of its own
   * that exists only when some consumer of the stack's checks has a platform gate.
   */
  public allowPlatformRead(repositoryArns: string[]): void {
    const fresh = repositoryArns.filter(a => !this.platformArns.has(a));
    if (fresh.length === 0) {
      return;
    }
    if (!this.platformRead) {
      this.platformRead = new iam.PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: [] });
      this.role.addToPrincipalPolicy(this.platformRead);
    }
    fresh.forEach(a => this.platformArns.add(a));
    this.platformRead.addResources(...fresh);
  }

  /**
   * Allow `ecr:DescribeImageSigningStatus` on these repositories (the signature gate), in a
   * statement of its own that exists only when some check of the stack requires a signature.
   */
  public allowSigningStatus(repositoryArns: string[]): void {
    const fresh = repositoryArns.filter(a => !this.signingArns.has(a));
    if (fresh.length === 0) {
      return;
    }
    if (!this.signingStatus) {
      this.signingStatus = new iam.PolicyStatement({ actions: ['ecr:DescribeImageSigningStatus'], resources: [] });
      this.role.addToPrincipalPolicy(this.signingStatus);
    }
    fresh.forEach(a => this.signingArns.add(a));
    this.signingStatus.addResources(...fresh);
  }

  /** Allow DescribeImages (and DescribeImageScanFindings when gating) on these repositories. */
  public allow(repositoryArns: string[], scanFindings: boolean): void {
    const fresh = repositoryArns.filter(a => !this.describeArns.has(a));
    if (fresh.length > 0) {
      if (this.describeArns.size === 0) {
        this.role.addToPrincipalPolicy(this.describeImages);
      }
      fresh.forEach(a => this.describeArns.add(a));
      this.describeImages.addResources(...fresh);
    }
    if (scanFindings) {
      const freshScan = repositoryArns.filter(a => !this.scanArns.has(a));
      if (freshScan.length > 0) {
        if (!this.scanFindings) {
          this.scanFindings = new iam.PolicyStatement({ actions: ['ecr:DescribeImageScanFindings'], resources: [] });
          this.role.addToPrincipalPolicy(this.scanFindings);
        }
        freshScan.forEach(a => this.scanArns.add(a));
        this.scanFindings.addResources(...freshScan);
      }
    }
  }
}
