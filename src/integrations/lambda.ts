import { Annotations, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RepositoryAccess } from '../access/repository-access';
import type { IVerifiedImage } from '../image-check/verified-image';
import { Violations } from '../private/errors';
import { checkCount, checkLength, checkPattern } from '../private/validation';

/** A Lambda function ARN or pattern (the same form `RepositoryAccess.grantPullToLambda` accepts). */
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_*?-]+(:[a-zA-Z0-9_$*?-]+)?$/;

/**
 * Options for a Lambda container image pinned to a verified digest.
 */
export interface VerifiedLambdaImageOptions {
  /**
   * The command to run (overrides the image's `CMD`).
   *
   * @default - the image's `CMD`
   */
  readonly cmd?: string[];

  /**
   * The entry point (overrides the image's `ENTRYPOINT`).
   *
   * @default - the image's `ENTRYPOINT`
   */
  readonly entrypoint?: string[];

  /**
   * The working directory (overrides the image's `WORKDIR`).
   *
   * @default - the image's `WORKDIR`
   */
  readonly workingDirectory?: string;

  /**
   * The functions the Lambda service may pull the image for: an `aws:SourceArn` (`StringLike`)
   * condition in the repository policy (`*` and `?` allowed in the name, e.g.
   * `arn:aws:lambda:eu-west-1:111111111111:function:orders-*`). A function's own ARN cannot be
   * used here in the same app (the repository policy would depend on the function, which depends
   * on the repository); name a pattern.
   *
   * @default - every function of the function's account: an `aws:SourceAccount` condition
   */
  readonly functionArns?: string[];
}

/**
 * Lambda container image code pinned to the digest an `ImageCheck` verified:
 * `<account>.dkr.ecr.<region>.<url suffix>/<repository>@sha256:...`, so the function is
 * created after the check passed and runs exactly the checked image.
 *
 * Unlike `lambda.DockerImageCode.fromEcr(repository, { tagOrDigest: digest })`, which renders a
 * `:` before a digest that is a token and grants pull to `lambda.amazonaws.com` without any
 * condition, the pull grant goes through `RepositoryAccess.grantPullToLambda`: the Lambda service
 * principal with an `aws:SourceAccount` (or `aws:SourceArn`) condition. A repository this app does
 * not define (an import) gets no statement and the function a warning: grant Lambda pull in the
 * stack that defines the repository.
 */
export class VerifiedDockerImageCode extends lambda.DockerImageCode {
  /**
   * Lambda code for a verified image.
   */
  public static fromVerifiedImage(image: IVerifiedImage, options: VerifiedLambdaImageOptions = {}): VerifiedDockerImageCode {
    return new VerifiedDockerImageCode(image, options);
  }

  /** The verified image. */
  public readonly verifiedImage: IVerifiedImage;

  /** The image URI the function runs (pinned to the digest; a token). */
  public readonly imageUri: string;

  private readonly options: VerifiedLambdaImageOptions;

  private constructor(image: IVerifiedImage, options: VerifiedLambdaImageOptions) {
    super();
    const v = new Violations(image.verifiedBy.node.path);
    const arns = options.functionArns;
    if (arns !== undefined) {
      v.check(arns.length > 0, 'lambdaCode.functionArns', arns,
        'name at least one function ARN or pattern, or leave functionArns out to allow the functions of the function\'s account');
      for (const [i, arn] of arns.entries()) {
        checkPattern(v, `lambdaCode.functionArns[${i}]`, arn, LAMBDA_FUNCTION_ARN,
          'must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>] ("*" and "?" allowed in the name and qualifier)');
      }
    }
    checkLength(v, 'lambdaCode.workingDirectory', options.workingDirectory, 1, 1000);
    checkCount(v, 'lambdaCode.cmd', options.cmd, 0, 1500);
    checkCount(v, 'lambdaCode.entrypoint', options.entrypoint, 0, 1500);
    v.throwIfAny();
    this.verifiedImage = image;
    this.imageUri = image.imageUri;
    this.options = options;
  }

  /** @internal */
  public _bind(architecture?: lambda.Architecture): lambda.Code {
    return new PinnedImageCode(this.verifiedImage, this.options, architecture ?? lambda.Architecture.X86_64);
  }
}

/** The `lambda.Code` a `VerifiedDockerImageCode` produces for one function. */
class PinnedImageCode extends lambda.Code {
  public readonly isInline = false;

  constructor(private readonly image: IVerifiedImage, private readonly options: VerifiedLambdaImageOptions,
    private readonly architecture: lambda.Architecture) {
    super();
  }

  public bind(scope: Construct): lambda.CodeConfig {
    grantLambdaPull(scope, this.image, this.options.functionArns);
    // Lambda takes one image manifest (no index, no attestation) of the function's architecture.
    this.image.requirePlatform({
      consumer: `Lambda function ${scope.node.path}`,
      os: 'linux',
      architecture: this.architecture.name === lambda.Architecture.ARM_64.name ? 'arm64' : 'amd64',
      imageManifestOnly: true,
    });
    return {
      image: {
        imageUri: this.image.imageUri,
        cmd: this.options.cmd,
        entrypoint: this.options.entrypoint,
        workingDirectory: this.options.workingDirectory,
      },
    };
  }
}

/**
 * Let the Lambda service pull the image for `fn` (the function being created), conditioned on
 * the function's account or the given ARNs. Never an unconditioned `lambda.amazonaws.com` grant.
 */
function grantLambdaPull(fn: Construct, image: IVerifiedImage, functionArns: string[] | undefined): void {
  const repository = image.repository;
  const owned = repository.node.defaultChild !== undefined
    && (repository.node.defaultChild as { cfnResourceType?: string }).cfnResourceType === 'AWS::ECR::Repository';
  if (!owned) {
    Annotations.of(fn).addWarningV2('cdk-ecr-registry:lambdaPullNotGranted',
      `the image's repository ${repository.node.path} is imported, so this app cannot add the repository policy statement Lambda needs to pull it: `
      + 'in the stack that defines the repository, call RepositoryAccess.of(repository).grantPullToLambda({ sourceAccounts: [<this function\'s account>] }) (or functionArns).');
    return;
  }
  const access = RepositoryAccess.of(repository);
  if (functionArns !== undefined) {
    access.grantPullToLambda({ functionArns });
  } else {
    access.grantPullToLambda({ sourceAccounts: [Stack.of(fn).account] });
  }
}
