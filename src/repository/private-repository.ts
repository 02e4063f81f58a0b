import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RepositoryAccess } from '../access/repository-access';
import { LifecyclePolicy } from '../lifecycle/policy';
import { warnInUseRisks } from './private/in-use-risk';
import { dependOnPrincipalStack, guardRepositoryPolicy } from './private/policy';
import { collectRepositoryResourceSettings, renderExclusionFilters, renderLifecyclePolicy } from './private/settings';
import { RepositoryResourceSettings } from './settings';
import { RepositoryMetrics } from '../monitoring/metrics';
import { CheckContext, contextOf } from '../private/context';
import { EcrValidationError, pathOf, Violations } from '../private/errors';
import { recordInUseReference } from '../private/in-use-references';
import { checkPattern, REPOSITORY_NAME_PATTERN } from '../private/validation';


/**
 * Properties of a `PrivateRepository`.
 *
 * Every property is optional: the defaults are a compliant repository
 * (Security Hub ECR.1, ECR.2, ECR.3; Control Tower CT.ECR.PR.1-3).
 */
export interface PrivateRepositoryProps extends RepositoryResourceSettings {
  /**
   * Name of the repository: 2-256 characters, lowercase letters, digits and
   * `.`, `_`, `-` separators, with optional `/` namespaces.
   *
   * @default - CloudFormation generates a name
   */
  readonly repositoryName?: string;

  /**
   * Lifecycle rules as aws-cdk-lib's typed rules (expire rules only), kept for compatibility:
   * prefer `lifecyclePolicy`, which covers every rule form. Not together with `lifecyclePolicy`.
   * An empty list means no lifecycle policy (and a synth warning:
   * Security Hub ECR.3 and Control Tower CT.ECR.PR.1 require one).
   *
   * @default - the `lifecyclePolicy` (or its default)
   */
  readonly lifecycleRules?: ecr.LifecycleRule[];
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
  /**
   * Collect every violation of the props (nothing is created). The constructor calls it, then
   * throws once; `RegistryBaseline` calls it on each repository of its spec.
   * @internal
   */
  public static _collect(v: Violations, props: PrivateRepositoryProps, _context: CheckContext): void {
    checkPattern(v, 'repositoryName', props.repositoryName, REPOSITORY_NAME_PATTERN,
      `must be 2-256 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces (pattern ${REPOSITORY_NAME_PATTERN.source})`);
    if (props.lifecyclePolicy !== undefined && props.lifecycleRules !== undefined) {
      v.add('lifecycleRules', `${props.lifecycleRules.length} rules`,
        'use lifecyclePolicy or lifecycleRules, not both (lifecyclePolicy covers every rule form; lifecycleRules is kept for aws-cdk-lib compatibility)');
    }
    collectRepositoryResourceSettings(v, props);
  }

  /** The encryption type rendered into the template (`AES256`, `KMS` or `KMS_DSSE`). */
  public readonly encryptionType: string;

  /** The customer managed key, if one was given. */
  public readonly encryptionKey?: kms.IKey;

  /** The tag mutability rendered into the template. */
  public readonly imageTagMutability: ecr.TagMutability;

  /**
   * The lifecycle policy rendered into the template, the in-use protection rule first (undefined when `lifecycleRules` was given).
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
    const v = new Violations(pathOf(scope, id));
    PrivateRepository._collect(v, props, contextOf(scope));
    v.throwIfAny();

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
      const lifecycle = renderLifecyclePolicy(this, props.lifecyclePolicy);
      this.lifecyclePolicy = lifecycle.policy;
      cfn.lifecyclePolicy = { lifecyclePolicyText: lifecycle.text };
    }
    cfn.imageTagMutabilityExclusionFilters = renderExclusionFilters(props.imageTagMutabilityExclusionFilters);
    if (dsse) {
      cfn.encryptionConfiguration = {
        encryptionType: ecr.RepositoryEncryption.KMS_DSSE.value,
        kmsKey: props.encryptionKey?.keyArn,
      };
    }

    this.addWarnings(props, imageTagMutability, encryption);
    guardRepositoryPolicy(this, cfn);
    // At synth, once every reference is made: warn for references a lifecycle rule can remove (docs/in-use.md).
    this.node.addValidation({
      validate: () => {
        warnInUseRisks({ repository: this, policy: this.lifecyclePolicy, mutability: imageTagMutability });
        return [];
      },
    });
  }

  /**
   * The URI of an image of this repository by tag (aws-cdk-lib's, unchanged). A tag given here
   * (by `ecs.ContainerImage.fromEcrRepository`, `lambda.DockerImageCode.fromEcr` or any other
   * caller) is recorded: at synth, a reference that a rule of the lifecycle policy can expire or
   * archive gets the warning `cdk-ecr-registry:inUseAtRisk` (docs/in-use.md).
   *
   * @param tag the image tag
   */
  public repositoryUriForTag(tag?: string): string {
    const uri = super.repositoryUriForTag(tag);
    if (tag !== undefined && tag !== '') {
      recordInUseReference(this, { uri, tag, via: `reference by tag through repositoryUriForTag('${tag}')`, protected: false });
    }
    return uri;
  }

  /**
   * The URI of an image of this repository by digest (aws-cdk-lib's, unchanged). A digest given
   * here is recorded like a tag of `repositoryUriForTag` (docs/in-use.md).
   *
   * @param digest the image digest (`sha256:...`)
   */
  public repositoryUriForDigest(digest?: string): string {
    const uri = super.repositoryUriForDigest(digest);
    if (digest !== undefined && digest !== '') {
      recordInUseReference(this, { uri, digest, via: 'reference by digest through repositoryUriForDigest', protected: false });
    }
    return uri;
  }

  /**
   * Add a statement to the repository policy. Whoever adds it, the synth fails if the finished
   * policy allows `Principal: *` without an organization or source condition; a principal that
   * another stack of the app deploys makes this repository's stack depend on that stack.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    for (const principal of statement.principals) {
      dependOnPrincipalStack(this, principal);
    }
    return super.addToResourcePolicy(statement);
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

  /**
   * The number of image pulls from this repository (`AWS/ECR` `RepositoryPullCount`, `Sum` over
   * 5 minutes unless overridden), e.g. for an alarm on a repository nobody pulls any more.
   */
  public metricPullCount(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return RepositoryMetrics.pullCount(this, props);
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
