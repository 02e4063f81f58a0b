import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { LifecyclePolicy } from '../lifecycle/policy';

/**
 * The settings of a private repository, declared once: `PrivateRepositoryProps`, the repositories
 * of a `RegistryBaseline` (`BaselineRepositoryOptions`) and repository creation templates (the
 * settings ECR gives to repositories it creates by itself) all extend it.
 *
 * Every default is what Security Hub ECR.2, ECR.3 and Control Tower CT.ECR.PR.1/PR.3 require.
 */
export interface RepositorySettings {
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
   * A key of another stack becomes a cross-stack reference; a creation template's role gets the
   * grants ECR needs on it.
   *
   * @default - the AWS managed key `aws/ecr`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The lifecycle policy: typed rules for every ECR rule form (count, since pushed, since
   * pulled, since transitioned; expire or transition to archive), checked at synth.
   *
   * Rendered after the in-use protection rule (`InUseProtection.rule()`, rule 1: images tagged
   * `in-use.*` by a stack's `ImageCheck` with `protectInUse` are never expired or archived); when a
   * rule of the policy has priority 1, every priority goes up by one. At most 49 rules.
   *
   * @default LifecyclePolicy.repositoryDefault() - expire untagged images 14 days after push, and keep the 1,000 most recently pushed tagged images (rules 2 and 3, after the protection rule)
   */
  readonly lifecyclePolicy?: LifecyclePolicy;
}

/**
 * The settings of a repository that a stack creates and owns (a `PrivateRepository`, a baseline
 * repository), besides the `RepositorySettings` that creation templates share: a template's
 * repositories are scanned by the registry's scanning configuration and are not part of a stack.
 */
export interface RepositoryResourceSettings extends RepositorySettings {
  /**
   * Scan images for vulnerabilities when they are pushed (basic scanning).
   *
   * Required by Security Hub ECR.1 and Control Tower CT.ECR.PR.2.
   *
   * @default true
   */
  readonly imageScanOnPush?: boolean;

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
