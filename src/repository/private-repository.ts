import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RepositoryAccess } from '../access/repository-access';
import { LifecyclePolicy } from '../lifecycle/policy';
import { EcrValidationError, pathOf, Violations } from '../private/errors';
import { checkEncryptionKey, checkTagMutability, lifecyclePolicyText, renderExclusionFilters } from '../private/repository-settings';
import { checkPattern, REPOSITORY_NAME_PATTERN } from '../private/validation';


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
   * Lifecycle rules as aws-cdk-lib's typed rules (expire rules only), kept for compatibility:
   * prefer `lifecyclePolicy`, which covers every rule form. Not together with `lifecyclePolicy`.
   * An empty list means no lifecycle policy (and a synth warning:
   * Security Hub ECR.3 and Control Tower CT.ECR.PR.1 require one).
   *
   * @default - the `lifecyclePolicy` (or its default)
   */
  readonly lifecycleRules?: ecr.LifecycleRule[];

  /**
   * The lifecycle policy: typed rules for every ECR rule form (count, since pushed, since
   * pulled, since transitioned; expire or transition to archive), checked at synth.
   * Not together with `lifecycleRules`.
   *
   * @default LifecyclePolicy.repositoryDefault() - expire untagged images 14 days after push (rule 1), and keep the 1,000 most recently pushed tagged images (rule 2)
   */
  readonly lifecyclePolicy?: LifecyclePolicy;

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
   *
   * Also run by `RegistryBaseline` to check a spec without creating anything.
   * @internal
   */
  public static _validateProps(scope: Construct, id: string, props: PrivateRepositoryProps): void {
    const v = new Violations(pathOf(scope, id));

    checkPattern(v, 'repositoryName', props.repositoryName, REPOSITORY_NAME_PATTERN,
      `must be 2-256 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces (pattern ${REPOSITORY_NAME_PATTERN.source})`);

    checkTagMutability(v, props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE, props.imageTagMutabilityExclusionFilters);
    checkEncryptionKey(v, props.encryption ?? ecr.RepositoryEncryption.KMS, props.encryptionKey);

    if (props.lifecyclePolicy !== undefined && props.lifecycleRules !== undefined) {
      v.add('lifecycleRules', `${props.lifecycleRules.length} rules`,
        'use lifecyclePolicy or lifecycleRules, not both (lifecyclePolicy covers every rule form; lifecycleRules is kept for aws-cdk-lib compatibility)');
    }
    props.lifecyclePolicy?._collect(v, 'lifecyclePolicy ');

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

  /**
   * The lifecycle policy rendered into the template (undefined when `lifecycleRules` was given).
   */
  public readonly lifecyclePolicy?: LifecyclePolicy;

  /**
   * Least-privilege cross-account, organization and Lambda access to this repository
   * (the same helper as `RepositoryAccess.of(repository)`).
   */
  public get access(): RepositoryAccess {
    return RepositoryAccess.of(this);
  }

  constructor(scope: Construct, id: string, props: PrivateRepositoryProps = {}) {
    PrivateRepository._validateProps(scope, id, props);

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
      lifecycleRules: props.lifecycleRules,
      removalPolicy,
      emptyOnDelete: props.emptyOnDelete,
    });

    this.encryptionKey = props.encryptionKey;
    this.encryptionType = encryption.value;
    this.imageTagMutability = imageTagMutability;

    const cfn = this.node.defaultChild as ecr.CfnRepository;
    cfn.imageTagMutability = imageTagMutability;
    if (props.lifecycleRules === undefined) {
      if (props.lifecyclePolicy === undefined) {
        const shared = defaultLifecyclePolicy();
        this.lifecyclePolicy = shared.policy;
        cfn.lifecyclePolicy = { lifecyclePolicyText: shared.text };
      } else {
        this.lifecyclePolicy = props.lifecyclePolicy;
        cfn.lifecyclePolicy = { lifecyclePolicyText: lifecyclePolicyText(this, this.lifecyclePolicy) };
      }
    }
    cfn.imageTagMutabilityExclusionFilters = renderExclusionFilters(props.imageTagMutabilityExclusionFilters);
    if (dsse) {
      cfn.encryptionConfiguration = {
        encryptionType: ecr.RepositoryEncryption.KMS_DSSE.value,
        kmsKey: props.encryptionKey?.keyArn,
      };
    }

    this.addWarnings(props, imageTagMutability, encryption);
  }

  /**
   * Add an aws-cdk-lib lifecycle rule. Only for repositories created with `lifecycleRules`: a
   * repository with a `LifecyclePolicy` (given or the default) takes its rules from that policy.
   */
  public addLifecycleRule(rule: ecr.LifecycleRule): void {
    if (this.lifecyclePolicy === undefined) {
      // aws-cdk-lib's constructor adds `lifecycleRules` through here, before our fields exist.
      super.addLifecycleRule(rule);
      return;
    }
    throw new EcrValidationError(this.node.path, `invalid addLifecycleRule ${JSON.stringify(rule)}: this repository's lifecycle policy is a LifecyclePolicy; `
      + 'put every rule in the lifecyclePolicy prop (new LifecyclePolicy({ rules: [...] })), or create the repository with lifecycleRules');
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

let sharedDefault: { readonly policy: LifecyclePolicy; readonly text: string } | undefined;

/**
 * `LifecyclePolicy.repositoryDefault()` and its text, built, checked and rendered once per process and
 * shared by every repository that takes the default (the policy is immutable: its rules have only
 * getters, and the rules array is frozen). Saves about a tenth of a repository's creation time.
 */
function defaultLifecyclePolicy(): { readonly policy: LifecyclePolicy; readonly text: string } {
  if (sharedDefault === undefined) {
    const policy = LifecyclePolicy.repositoryDefault();
    Object.freeze(policy.rules);
    sharedDefault = { policy, text: policy.toJson() };
  }
  return sharedDefault;
}
