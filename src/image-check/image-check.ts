import { CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { ImageReference } from './image-reference';
import {
  CheckProperties, digestAttribute, ImageSpec, MAX_IMAGES_PER_CHECK, MAX_IMAGES_PER_RESOURCE, MAX_PLATFORM_GATES, MAX_SCAN_WAIT_SECONDS,
  MAX_SIGNATURE_WAIT_SECONDS,
  PlatformGate,
  RESOURCE_TYPE, SERVICE_TIMEOUT_SECONDS,
} from './private/contract';
import { ImageCheckProvider } from './private/provider';
import { IVerifiedImage, PlatformRequirement } from './verified-image';
import { AppRunnerImageOptions } from '../integrations/app-runner';
import { VerifiedEksContainerImage } from '../integrations/batch';
import { VerifiedContainerImage } from '../integrations/ecs';
import { VerifiedDockerImageCode, VerifiedLambdaImageOptions } from '../integrations/lambda';
import { appRunnerSourceConfiguration } from '../integrations/private/app-runner-source';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import { recordInUseReference } from '../private/in-use-references';
import { platformsFit } from '../private/known-platforms';
import { checkLambdaRuntime } from '../private/lambda-runtime';
import { locateRepository } from '../private/repository-location';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkBoolean, checkEnum, checkPattern } from '../private/validation';

/** Severity of an image scan finding, for the scan gate. */
export enum ScanFindingSeverity {
  /** Informational findings and above: any finding fails the check. */
  INFORMATIONAL = 'INFORMATIONAL',
  /** Low and above. */
  LOW = 'LOW',
  /** Medium and above. */
  MEDIUM = 'MEDIUM',
  /** High and critical. */
  HIGH = 'HIGH',
  /** Critical only. */
  CRITICAL = 'CRITICAL',
}

/** Properties of an `ImageCheck`. */
export interface ImageCheckProps {
  /**
   * The images to check: at least one. Duplicates are checked once.
   *
   * More than 40 images are spread over several custom resources (CloudFormation limits a custom
   * resource's response to 4,096 bytes); they are all served by the stack's one handler function.
   * At most 2,000 distinct images (`ImageCheck.MAX_IMAGES`), checked at synth.
   */
  readonly images: ImageReference[];

  /**
   * Fail the deployment when an image has scan findings at or above this severity
   * (`ecr:DescribeImageScanFindings`; basic or enhanced scanning). An image without scan results
   * also fails the check.
   *
   * @default - no scan gate
   */
  readonly failOnSeverity?: ScanFindingSeverity;

  /**
   * How long to wait for a scan that is still in progress (scan on push just happened) before
   * failing. Only with `failOnSeverity`; at most 3 minutes.
   *
   * @default Duration.minutes(2)
   */
  readonly scanWaitTimeout?: Duration;

  /**
   * Protect the verified images from lifecycle policies while this stack uses them: at deploy, the
   * check tags each image with a protection tag of its own (`in-use.<scope>.<digest hex>`), which
   * the first rule of every `PrivateRepository` and creation template lifecycle policy selects and
   * never acts on (`InUseProtection`); the tag goes when the stack stops using the image (an update
   * to other images, or deleting the stack) and comes back on a rollback. See docs/in-use.md.
   *
   * The handler also gets `ecr:BatchGetImage`, `ecr:PutImage` and `ecr:BatchDeleteImage` on the
   * referenced repositories (a repository in another account must allow them in its policy:
   * `RepositoryAccessLevel.IN_USE_PROTECTION`). Repositories whose lifecycle policy does not start
   * with the protection rule get the tag but no protection from it.
   *
   * @default false
   */
  readonly protectInUse?: boolean;

  /**
   * Fail the deployment unless every image has a `COMPLETE` managed signature
   * (`ecr:DescribeImageSigningStatus`, granted on the referenced repositories only with this
   * option): ECR signs an image on push when a signing rule of its registry covers the repository
   * (`Registry.addSigningRule`). An image with no signing status (no rule covered it), or whose
   * signing `FAILED` for every profile, fails at once; signing still `IN_PROGRESS` is polled until
   * `signatureWaitTimeout`. With several signing profiles, one `COMPLETE` signature is enough.
   * A repository in another account must allow `ecr:DescribeImageSigningStatus` to the check's role.
   *
   * @default false
   */
  readonly requireSignature?: boolean;

  /**
   * How long to wait for signing still `IN_PROGRESS` (ECR signs right after the push) before
   * failing. Only with `requireSignature`; at most 3 minutes.
   *
   * @default Duration.minutes(2)
   */
  readonly signatureWaitTimeout?: Duration;
}

/**
 * An image whose existence the stack's `ImageCheck` verifies at deploy time, pinned to the
 * digest it resolved to.
 */
export class VerifiedImage implements IVerifiedImage {
  /** @internal */
  public static _create(check: ImageCheck, reference: ImageReference, account: string, region: string, digest: string): VerifiedImage {
    return new VerifiedImage(check, reference, account, region, digest);
  }

  /** The check that verifies this image. */
  public readonly check: ImageCheck;

  /** The reference as given to the check. */
  public readonly reference: ImageReference;

  /** The check that verifies this image (`check`, as the construct `IVerifiedImage` names). */
  public readonly verifiedBy: IConstruct;

  /** The repository holding the image. */
  public readonly repository: ecr.IRepository;

  /**
   * The digest the reference resolved to at deploy time (`sha256:...`, a token: `Fn::GetAtt` of the
   * check resource, so whatever uses it is deployed after the check passed).
   */
  public readonly digest: string;

  /**
   * The image URI pinned to the verified digest:
   * `<account>.dkr.ecr.<region>.<url suffix>/<repository>@sha256:...` (a token).
   * Use it in ECS task definitions, Kubernetes manifests (`cluster.addManifest`) and Helm values.
   */
  public readonly imageUri: string;

  /** The repository URI without tag or digest: `<account>.dkr.ecr.<region>.<url suffix>/<repository>`. */
  public readonly repositoryUri: string;

  private constructor(check: ImageCheck, reference: ImageReference, account: string, region: string, digest: string) {
    this.check = check;
    this.verifiedBy = check;
    this.reference = reference;
    this.repository = reference.repository;
    this.digest = digest;
    const stack = Stack.of(check);
    this.repositoryUri = `${account}.dkr.ecr.${region}.${stack.urlSuffix}/${reference.repository.repositoryName}`;
    this.imageUri = `${this.repositoryUri}@${digest}`;
  }

  /**
   * Allow a principal to pull the image (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`,
   * `ecr:BatchCheckLayerAvailability` on the repository and `ecr:GetAuthorizationToken`).
   *
   * For a repository in another account, its repository policy must also allow the principal.
   */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPull(grantee);
  }

  /**
   * An ECS container image pinned to this image's digest (`VerifiedContainerImage`): binding it
   * grants pull to the task's execution role. Also for AWS Batch on ECS.
   */
  public ecsContainerImage(): ecs.ContainerImage {
    return VerifiedContainerImage.fromVerifiedImage(this);
  }

  /**
   * Lambda container image code pinned to this image's digest (`VerifiedDockerImageCode`), for
   * `lambda.DockerImageFunction`. The Lambda service may pull only with an `aws:SourceAccount`
   * (or `aws:SourceArn`) condition (`RepositoryAccess.grantPullToLambda`).
   */
  public lambdaCode(options: VerifiedLambdaImageOptions = {}): lambda.DockerImageCode {
    return VerifiedDockerImageCode.fromVerifiedImage(this, options);
  }

  /**
   * The `sourceConfiguration` of an `apprunner.CfnService` running this image, pinned to its
   * digest (automatic deployments off: they follow tags). Grants the access role pull and
   * `ecr:DescribeImages` on the repository.
   */
  public appRunnerSourceConfiguration(options: AppRunnerImageOptions): apprunner.CfnService.SourceConfigurationProperty {
    return appRunnerSourceConfiguration(this, options);
  }

  /**
   * A container image for AWS Batch on EKS (`batch.EksContainerDefinition`), pinned to this image's
   * digest (`VerifiedEksContainerImage`).
   *
   * @param nodeRole the role the nodes pull with (a managed compute environment's `instanceRole`),
   *   granted pull when the image is bound
   */
  public batchEksContainerImage(nodeRole?: iam.IGrantable): ecs.ContainerImage {
    return VerifiedEksContainerImage.fromVerifiedImage(this, nodeRole);
  }

  /**
   * Require the image to fit where a consumer runs it (the platform gate): at deploy time the
   * check reads the image's manifest (and a single-platform image's config) and fails before the
   * consumer is created when the image has no manifest for this platform, or, for Lambda, is not a
   * single image manifest. The integrations call it when they bind; the check's role gets
   * `ecr:BatchGetImage` and `ecr:GetDownloadUrlForLayer` on the repository.
   */
  public requirePlatform(requirement: PlatformRequirement): void {
    this.check._requirePlatform(this, requirement);
  }
}

/** A docker tag: 1-128 characters, the first a letter, digit or `_`. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** An ECR image digest. */
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;


function keyOf(ref: ImageReference): string {
  return `${ref.repository.repositoryArn}|${ref.tag !== undefined ? `t:${ref.tag}` : `d:${ref.digest}`}`;
}

/**
 * Makes `cdk deploy` fail early and clearly when a referenced image does not exist (a tag never
 * pushed, or expired by a lifecycle rule), is archived, or (optionally) has scan findings at or
 * above a severity or no complete managed signature; and resolves every reference to the digest
 * that was checked.
 *
 * A CloudFormation custom resource (`Custom::EcrImageCheck`) served by one Lambda function per
 * stack, however many checks and images. It only reads (`ecr:DescribeImages`, and
 * `ecr:DescribeImageScanFindings` with a scan gate, `ecr:DescribeImageSigningStatus` with
 * `requireSignature`) on the referenced repositories (and tags with `protectInUse`).
 *
 * The check runs when its properties change (the set of images, the gate). With the library's
 * IMMUTABLE tags a tag always resolves to the same digest; with mutable tags, change a reference
 * to re-check.
 */
export class ImageCheck extends Construct {
  /** Default time to wait for a scan in progress. */
  public static readonly DEFAULT_SCAN_WAIT = Duration.minutes(2);

  /** Default time to wait for signing in progress (`requireSignature`). */
  public static readonly DEFAULT_SIGNATURE_WAIT = Duration.minutes(2);

  /** Most images one custom resource checks (larger checks use several resources). */
  public static readonly MAX_IMAGES_PER_RESOURCE = MAX_IMAGES_PER_RESOURCE;

  /** Most distinct images one check verifies (2,000: 50 custom resources). */
  public static readonly MAX_IMAGES = MAX_IMAGES_PER_CHECK;

  /**
   * Collect every violation of the props (nothing is created); the constructor calls it, then throws once.
   * @internal
   */
  public static _collect(v: Violations, props: ImageCheckProps, context: CheckContext): void {
    const images = props.images ?? [];
    if (!isUnresolved(images)) {
      v.check(images.length > 0, 'images', images, 'must list at least one image');
      const distinct = new Set(images.filter(ref => ref?.repository !== undefined).map(keyOf)).size;
      if (distinct > MAX_IMAGES_PER_CHECK) {
        v.add('images', `${distinct} distinct images`,
          `must list at most ${MAX_IMAGES_PER_CHECK.toLocaleString('en-US')} distinct images (${MAX_IMAGES_PER_CHECK / MAX_IMAGES_PER_RESOURCE} custom resources of ${MAX_IMAGES_PER_RESOURCE}): split them over several checks or stacks`);
      }
    }
    images.forEach((ref, i) => {
      const repo = ref.repository;
      const cfn = repo?.node.defaultChild;
      const there = cfn instanceof ecr.CfnRepository ? Stack.of(repo) : undefined;
      const here = context.scope ? Stack.of(context.scope) : undefined;
      const differs = (a: string | undefined, b: string | undefined) => isKnown(a) && isKnown(b) && a !== b;
      if (there && there !== here && (differs(there.region, context.region) || differs(there.account, context.account))
        && there.resolve((cfn as ecr.CfnRepository).repositoryName) === undefined) {
        v.add(`images[${i}].repository`, repo.node.path,
          `is in stack ${there.node.path} (${there.account}/${there.region}) and has a generated name, which a stack in `
          + `${context.account}/${context.region} cannot reference across environments: give the repository a repositoryName, `
          + 'or import it here by ARN (ecr.Repository.fromRepositoryArn) and check that');
      }
      if (ref.tag !== undefined) {
        checkPattern(v, `images[${i}].tag`, ref.tag, TAG_PATTERN,
          `must be an image tag: 1-128 of letters, digits, '_', '.' and '-', not starting with '.' or '-' (${TAG_PATTERN.source})`);
      } else {
        checkPattern(v, `images[${i}].digest`, ref.digest, DIGEST_PATTERN,
          `must be an image digest: 'sha256:' and 64 lowercase hexadecimal digits (${DIGEST_PATTERN.source})`);
      }
    });
    checkEnum(v, 'failOnSeverity', props.failOnSeverity, ScanFindingSeverity, 'ScanFindingSeverity');
    if (context.scope) {
      checkLambdaRuntime(v, context.scope);
    }
    checkBoolean(v, 'protectInUse', props.protectInUse);
    checkBoolean(v, 'requireSignature', props.requireSignature);
    if (props.signatureWaitTimeout !== undefined) {
      if (props.requireSignature !== true) {
        v.add('signatureWaitTimeout', props.signatureWaitTimeout.toHumanString(), 'only with requireSignature: true (there is no signing to wait for without the signature gate)');
      } else if (!isUnresolved(props.signatureWaitTimeout.toSeconds())) {
        v.check(props.signatureWaitTimeout.toSeconds() <= MAX_SIGNATURE_WAIT_SECONDS, 'signatureWaitTimeout', props.signatureWaitTimeout.toHumanString(),
          `must be at most ${MAX_SIGNATURE_WAIT_SECONDS / 60} minutes (the handler answers CloudFormation within 5 minutes)`);
      }
    }
    if (props.scanWaitTimeout !== undefined) {
      if (props.failOnSeverity === undefined) {
        v.add('scanWaitTimeout', props.scanWaitTimeout.toHumanString(), 'only with failOnSeverity (there is no scan to wait for without a scan gate)');
      } else if (!isUnresolved(props.scanWaitTimeout.toSeconds())) {
        const s = props.scanWaitTimeout.toSeconds();
        v.check(s <= MAX_SCAN_WAIT_SECONDS, 'scanWaitTimeout', props.scanWaitTimeout.toHumanString(),
          `must be at most ${MAX_SCAN_WAIT_SECONDS / 60} minutes (the handler answers CloudFormation within 5 minutes)`);
      }
    }
  }

  /** The verified images, one per distinct reference, in the order given. */
  public readonly verifiedImages: VerifiedImage[];

  /** The custom resources (one per 40 images). */
  public readonly resources: CustomResource[];

  /** Whether the check tags the images it verifies as in use (`protectInUse`). */
  public readonly protectInUse: boolean;

  private readonly byKey = new Map<string, VerifiedImage>();

  /** Where each verified image is rendered: its resource and its index there. */
  private readonly positions = new Map<VerifiedImage, { chunk: number; index: number }>();

  /** The platform gates of each resource (`requirePlatform`), rendered lazily. */
  private readonly gates: PlatformGate[][] = [];

  constructor(scope: Construct, id: string, props: ImageCheckProps) {
    const v = new Violations(pathOf(scope, id));
    ImageCheck._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id);

    this.protectInUse = props.protectInUse ?? false;
    const provider = ImageCheckProvider.of(this);
    const gate = props.failOnSeverity !== undefined;
    const seen = new Set<string>();
    const distinct = props.images.filter(ref => !seen.has(keyOf(ref)) && seen.add(keyOf(ref)));
    const repositoryArns = [...new Set(distinct.map(r => r.repository.repositoryArn))];
    provider.allow(repositoryArns, gate);
    if (props.protectInUse) {
      provider.allowProtection(repositoryArns);
    }
    if (props.requireSignature) {
      provider.allowSigningStatus(repositoryArns);
    }

    this.resources = [];
    this.verifiedImages = [];
    for (let start = 0, chunk = 0; start < distinct.length; start += MAX_IMAGES_PER_RESOURCE, chunk++) {
      const refs = distinct.slice(start, start + MAX_IMAGES_PER_RESOURCE);
      const located = refs.map(ref => ({ ref, ...locateRepository(ref.repository) }));
      const specs: ImageSpec[] = located.map(({ ref, account, region }) => ({
        Registry: account,
        Region: region,
        Repository: ref.repository.repositoryName,
        ...(ref.tag !== undefined ? { Tag: ref.tag } : { Digest: ref.digest }),
      }));
      const properties: CheckProperties = {
        Images: specs,
        ...(gate ? {
          FailOnSeverity: props.failOnSeverity,
          ScanWaitSeconds: String((props.scanWaitTimeout ?? ImageCheck.DEFAULT_SCAN_WAIT).toSeconds()),
        } : {}),
        ...(props.protectInUse ? { ProtectInUse: 'true' } : {}),
        ...(props.requireSignature ? {
          RequireSignature: 'true',
          SignatureWaitSeconds: String((props.signatureWaitTimeout ?? ImageCheck.DEFAULT_SIGNATURE_WAIT).toSeconds()),
        } : {}),
      };
      const gates: PlatformGate[] = [];
      this.gates.push(gates);
      // Consumers bind after the check is built: their platform gates render at synthesis.
      (properties as any).Platforms = Lazy.any({ produce: () => (gates.length > 0 ? gates : undefined) });
      const resource = new CustomResource(this, `Check${chunk}`, {
        resourceType: RESOURCE_TYPE,
        serviceToken: provider.function.functionArn,
        serviceTimeout: Duration.seconds(SERVICE_TIMEOUT_SECONDS),
        properties: properties as unknown as Record<string, unknown>,
      });
      // The function's policy must be in place before the first check runs.
      resource.node.addDependency(provider);
      this.resources.push(resource);
      located.forEach(({ ref, account, region }, i) => {
        const verified = VerifiedImage._create(this, ref, account, region, resource.getAttString(digestAttribute(i)));
        this.byKey.set(keyOf(ref), verified);
        this.positions.set(verified, { chunk, index: i });
        this.verifiedImages.push(verified);
        // For the repository's synth-time in-use warnings (docs/in-use.md): protected, or where to warn.
        recordInUseReference(ref.repository, {
          uri: verified.imageUri,
          tag: ref.tag,
          digest: ref.digest,
          via: `verified by ImageCheck ${this.node.path}`,
          fallback: this,
          protected: this.protectInUse,
        });
      });
    }
  }

  /**
   * Add a platform gate for one of this check's images (`VerifiedImage.requirePlatform`).
   * @internal
   */
  public _requirePlatform(image: VerifiedImage, requirement: PlatformRequirement): void {
    const position = this.positions.get(image);
    const v = new Violations(this.node.path);
    v.check(position !== undefined, 'requirePlatform', image.reference.toString(), 'must be an image this check verifies');
    checkPattern(v, 'requirePlatform.os', requirement.os, /^(linux|windows)$/, 'must be linux or windows');
    if (requirement.architecture !== undefined) {
      checkPattern(v, 'requirePlatform.architecture', requirement.architecture, /^(amd64|arm64)$/, 'must be amd64 or arm64 (as image platforms name them)');
    }
    checkBoolean(v, 'requirePlatform.imageManifestOnly', requirement.imageManifestOnly);
    v.throwIfAny();
    judgeKnownPlatforms(v, image, requirement);
    v.throwIfAny();
    const gates = this.gates[position!.chunk];
    const gate: PlatformGate = {
      Image: String(position!.index),
      Consumer: requirement.consumer,
      Os: requirement.os,
      ...(requirement.architecture !== undefined ? { Architecture: requirement.architecture } : {}),
      ...(requirement.imageManifestOnly ? { ImageManifestOnly: 'true' } : {}),
    };
    if (!gates.some(g => JSON.stringify(g) === JSON.stringify(gate))) {
      gates.push(gate);
    }
    if (gates.length === MAX_PLATFORM_GATES + 1) {
      this.node.addValidation({
        validate: () => [`${this.node.path}: ${gates.length} consumers need platform gates on one check resource, more than ${MAX_PLATFORM_GATES}: spread the images over several ImageChecks`],
      });
    }
    ImageCheckProvider.of(this).allowPlatformRead([image.repository.repositoryArn]);
  }

  /**
   * The verified image of a reference given to this check: the same object, or an equal reference
   * (same repository and tag or digest).
   *
   * Prefer it to indexing `verifiedImages`: it reads the same in every language (Java gets
   * `verifiedImages` as a `List`), and it does not depend on the order or on duplicates in `images`.
   *
   * @param reference one of the references in `images`
   * @returns the image pinned to the digest the check resolved for that reference
   * @throws EcrValidationError when the reference is not one of `images` (naming the references allowed)
   */
  public verifiedImage(reference: ImageReference): VerifiedImage {
    const found = this.byKey.get(keyOf(reference));
    if (!found) {
      const known = this.verifiedImages.map(i => JSON.stringify(i.reference.toString()));
      const shown = known.length > 5 ? [...known.slice(0, 5), `and ${known.length - 5} more`] : known;
      const v = new Violations(this.node.path);
      v.add('reference', reference.toString(), `must be one of the images this check verifies: ${shown.join(', ')}`);
      v.throwIfAny();
    }
    return found!;
  }
}

/**
 * The synth-time side of the platform gate: when the image's platforms are known at synth (an
 * `ImageCopy` of an asset built for a platform, or of the platforms it names) and the consumer's
 * are too, a consumer that cannot run the image is an error now rather than a failed deployment.
 * Anything unresolved is left to the deploy-time gate.
 */
function judgeKnownPlatforms(v: Violations, image: VerifiedImage, requirement: PlatformRequirement): void {
  const known = image.reference._knownPlatforms;
  const { os, architecture } = requirement;
  if (!known || isUnresolved(os) || isUnresolved(architecture) || isUnresolved(requirement.consumer)) {
    return;
  }
  const needed = architecture !== undefined ? `${os}/${architecture}` : `${os} (any architecture)`;
  const has = known.platforms.join(', ');
  if (!platformsFit(known.platforms, os, architecture)) {
    v.add('requirePlatform', needed,
      `${requirement.consumer} needs ${needed}, but it runs ${known.origin}, which has only ${has}: `
      + `copy an image with ${needed} (build the asset with platform ${needed}, or name ${needed} in the copy's platforms), or run the consumer on ${has}`);
  } else if (requirement.imageManifestOnly && known.index) {
    v.add('requirePlatform', needed,
      `${requirement.consumer} takes one image manifest, but it runs ${known.origin}, which makes an image index of ${has}: `
      + `name only ${needed} in the copy's platforms (its digest is then that platform's image manifest)`);
  }
}
