import { Annotations, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { pathOf, Violations } from '../private/errors';
import { checkCount, checkPattern, EXCLUSION_FILTER_PATTERN, REPOSITORY_NAME_PATTERN } from '../private/validation';


/**
 * Properties of a `PrivateRepository`.
 *
 * Every property is optional: the defaults are a compliant repository
 * (Security Hub ECR.1, ECR.2, ECR.3; Control Tower CT.ECR.PR.1-3).
 */
export interface PrivateRepositoryProps {
  /**
   * Name of the repository: 2-256 characters, lowercase letters, digits and
   * `.`, `_`, `-` separators, with optional `/` namespaces.
   *
   * @default - CloudFormation generates a name
   */
  readonly repositoryName?: string;

  /**
   * Whether tags can be overwritten.
   *
   * `IMMUTABLE` is what Security Hub ECR.2, Control Tower CT.ECR.PR.3 and checkov CKV_AWS_51 require;
   * any other value gets a synth warning.
   *
   * @default ecr.TagMutability.IMMUTABLE
   */
  readonly imageTagMutability?: ecr.TagMutability;

  /**
   * Wildcard patterns of tags exempt from the mutability setting (1-5 patterns of
   * `[0-9a-zA-Z._*-]`, up to 128 characters each, e.g. `latest` or `dev-*`). Only with
   * `IMMUTABLE_WITH_EXCLUSION` or `MUTABLE_WITH_EXCLUSION`.
   *
   * @default - no exclusions
   */
  readonly imageTagMutabilityExclusionFilters?: string[];

  /**
   * Scan images for vulnerabilities when they are pushed (basic scanning).
   *
   * Required by Security Hub ECR.1 and Control Tower CT.ECR.PR.2.
   *
   * @default true
   */
  readonly imageScanOnPush?: boolean;

  /**
   * Server-side encryption of the images.
   *
   * `KMS_DSSE` (dual-layer) is supported, with or without a customer key.
   *
   * @default ecr.RepositoryEncryption.KMS (with the AWS managed key `aws/ecr` unless `encryptionKey` is set)
   */
  readonly encryption?: ecr.RepositoryEncryption;

  /**
   * A customer managed KMS key (Security Hub ECR.5). Only with `KMS` or `KMS_DSSE` encryption.
   *
   * @default - the AWS managed key `aws/ecr`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Lifecycle rules. An empty list means no lifecycle policy (and a synth warning:
   * Security Hub ECR.3 and Control Tower CT.ECR.PR.1 require one).
   *
   * @default - expire untagged images 14 days after push, and keep the 1,000 most recently pushed tagged images
   */
  readonly lifecycleRules?: ecr.LifecycleRule[];

  /**
   * What happens to the repository when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Delete the images when the repository is deleted. Only with `RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

function defaultLifecycleRules(): ecr.LifecycleRule[] {
  return [
    {
      rulePriority: 1,
      description: 'Expire untagged images 14 days after push',
      tagStatus: ecr.TagStatus.UNTAGGED,
      maxImageAge: Duration.days(PrivateRepository.DEFAULT_UNTAGGED_EXPIRY_DAYS),
    },
    {
      rulePriority: 2,
      description: `Keep the ${PrivateRepository.DEFAULT_TAGGED_IMAGES_KEPT} most recent tagged images`,
      tagStatus: ecr.TagStatus.TAGGED,
      tagPatternList: ['*'],
      maxImageCount: PrivateRepository.DEFAULT_TAGGED_IMAGES_KEPT,
    },
  ];
}

/**
 * A private ECR repository with secure defaults: immutable tags, scan on push,
 * KMS encryption, a lifecycle policy and `RETAIN`.
 *
 * It is an `ecr.Repository`, so every aws-cdk-lib API that takes an `ecr.IRepository`
 * (ECS `ContainerImage.fromEcrRepository`, Lambda `DockerImageCode.fromEcr`, CodeBuild,
 * grants) works with it, and the imports (`fromRepositoryName`, `fromRepositoryArn`,
 * `fromRepositoryAttributes`) are aws-cdk-lib's.
 */
export class PrivateRepository extends ecr.Repository {
  /** Days after push at which the default lifecycle policy expires untagged images. */
  public static readonly DEFAULT_UNTAGGED_EXPIRY_DAYS = 14;

  /** How many tagged images the default lifecycle policy keeps. */
  public static readonly DEFAULT_TAGGED_IMAGES_KEPT = 1000;

  /**
   * Check every prop before anything is created; throws once with every violation.
   */
  private static validateProps(scope: Construct, id: string, props: PrivateRepositoryProps): void {
    const v = new Violations(pathOf(scope, id));

    checkPattern(v, 'repositoryName', props.repositoryName, REPOSITORY_NAME_PATTERN,
      `must match ${REPOSITORY_NAME_PATTERN.source} (2-256 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces)`);

    const mutability = props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE;
    const filters = props.imageTagMutabilityExclusionFilters;
    const withExclusion = mutability === ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
      || mutability === ecr.TagMutability.MUTABLE_WITH_EXCLUSION;
    if (filters !== undefined && !withExclusion) {
      v.add('imageTagMutabilityExclusionFilters', filters,
        `exclusion filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION (got ${mutability})`);
    } else if (withExclusion && (filters === undefined || filters.length === 0)) {
      v.add('imageTagMutabilityExclusionFilters', filters,
        `${mutability} needs 1-5 exclusion filters`);
    } else if (filters !== undefined) {
      checkCount(v, 'imageTagMutabilityExclusionFilters', filters, 1, 5);
      for (const [i, f] of filters.entries()) {
        checkPattern(v, `imageTagMutabilityExclusionFilters[${i}]`, f, EXCLUSION_FILTER_PATTERN,
          `must match ${EXCLUSION_FILTER_PATTERN.source} (1-128 of letters, digits, '.', '_', '-' and '*')`);
      }
    }

    const encryption = props.encryption ?? ecr.RepositoryEncryption.KMS;
    if (props.encryptionKey && encryption.value === ecr.RepositoryEncryption.AES_256.value) {
      v.add('encryption', encryption.value, 'a customer encryptionKey needs encryption KMS or KMS_DSSE (AES256 uses keys managed by ECR)');
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.emptyOnDelete && removalPolicy !== RemovalPolicy.DESTROY) {
      v.add('emptyOnDelete', props.emptyOnDelete, `only with removalPolicy DESTROY (got ${removalPolicy})`);
    }

    v.throwIfAny();
  }
  /** The encryption type rendered into the template (`AES256`, `KMS` or `KMS_DSSE`). */
  public readonly encryptionType: string;

  /** The customer managed key, if one was given. */
  public readonly encryptionKey?: kms.IKey;

  /** The tag mutability rendered into the template. */
  public readonly imageTagMutability: ecr.TagMutability;

  constructor(scope: Construct, id: string, props: PrivateRepositoryProps = {}) {
    PrivateRepository.validateProps(scope, id, props);

    const encryption = props.encryption ?? ecr.RepositoryEncryption.KMS;
    const dsse = encryption.value === ecr.RepositoryEncryption.KMS_DSSE.value;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const imageTagMutability = props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE;

    super(scope, id, {
      repositoryName: props.repositoryName,
      // Mutability and exclusion filters are rendered below: aws-cdk-lib's filter class rejects tokens.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: props.imageScanOnPush ?? true,
      // aws-cdk-lib's own KMS_DSSE path throws; render KMS and set the type below.
      encryption: dsse ? ecr.RepositoryEncryption.KMS : encryption,
      encryptionKey: props.encryptionKey,
      lifecycleRules: props.lifecycleRules ?? defaultLifecycleRules(),
      removalPolicy,
      emptyOnDelete: props.emptyOnDelete,
    });

    this.encryptionKey = props.encryptionKey;
    this.encryptionType = encryption.value;
    this.imageTagMutability = imageTagMutability;

    const cfn = this.node.defaultChild as ecr.CfnRepository;
    cfn.imageTagMutability = imageTagMutability;
    if (props.imageTagMutabilityExclusionFilters) {
      cfn.imageTagMutabilityExclusionFilters = props.imageTagMutabilityExclusionFilters.map(value => ({
        imageTagMutabilityExclusionFilterType: 'WILDCARD',
        imageTagMutabilityExclusionFilterValue: value,
      }));
    }
    if (dsse) {
      cfn.encryptionConfiguration = {
        encryptionType: ecr.RepositoryEncryption.KMS_DSSE.value,
        kmsKey: props.encryptionKey?.keyArn,
      };
    }

    this.addWarnings(props, imageTagMutability, encryption);
  }

  private addWarnings(props: PrivateRepositoryProps, mutability: ecr.TagMutability, encryption: ecr.RepositoryEncryption): void {
    const annotations = Annotations.of(this);
    if (mutability !== ecr.TagMutability.IMMUTABLE) {
      const why = props.imageTagMutabilityExclusionFilters?.length
        ? 'tag mutability exclusion filters make some tags overwritable'
        : `imageTagMutability is ${mutability}`;
      annotations.addWarningV2('cdk-ecr-registry:mutableTags',
        `${why}: Security Hub ECR.2, Control Tower CT.ECR.PR.3 and checkov CKV_AWS_51 require IMMUTABLE exactly.`);
    }
    if (props.imageScanOnPush === false) {
      annotations.addWarningV2('cdk-ecr-registry:noScanOnPush',
        'imageScanOnPush is false: Security Hub ECR.1 and Control Tower CT.ECR.PR.2 require scan on push (unless registry-level scanning covers this repository).');
    }
    if (props.lifecycleRules !== undefined && props.lifecycleRules.length === 0) {
      annotations.addWarningV2('cdk-ecr-registry:noLifecyclePolicy',
        'lifecycleRules is empty, so the repository has no lifecycle policy: Security Hub ECR.3 and Control Tower CT.ECR.PR.1 require one.');
    }
    if (encryption.value === ecr.RepositoryEncryption.AES_256.value) {
      annotations.addWarningV2('cdk-ecr-registry:aes256',
        'encryption is AES256: checkov CKV_AWS_136 and Security Hub ECR.5 require KMS encryption.');
    }
  }


}
