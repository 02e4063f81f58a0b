import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { InUseProtection } from '../../lifecycle/in-use';
import { LifecyclePolicy } from '../../lifecycle/policy';
import { Violations } from '../../private/errors';
import { checkBoolean, checkCount, checkEnum, checkPattern, EXCLUSION_FILTER_PATTERN } from '../../private/validation';
import { RepositoryResourceSettings, RepositorySettings } from '../settings';

/**
 * Checks and rendering of `RepositorySettings` and `RepositoryResourceSettings`, used by
 * `PrivateRepository`, `RepositoryCreationTemplate` and (through them) `RegistryBaseline`.
 */

/** Collect the violations of the settings every repository description shares. */
export function collectRepositorySettings(v: Violations, s: RepositorySettings): void {
  checkEnum(v, 'imageTagMutability', s.imageTagMutability, ecr.TagMutability, 'ecr.TagMutability');
  checkTagMutability(v, s.imageTagMutability ?? ecr.TagMutability.IMMUTABLE, s.imageTagMutabilityExclusionFilters);
  if (checkEncryption(v, s.encryption)) {
    checkEncryptionKey(v, s.encryption ?? ecr.RepositoryEncryption.KMS, s.encryptionKey);
  }
  s.lifecyclePolicy?._collect(v, 'lifecyclePolicy ');
  if (s.lifecyclePolicy !== undefined && s.lifecyclePolicy.validate().length === 0) {
    checkProtectedPolicy(v, s.lifecyclePolicy);
  }
}

/**
 * Check that the in-use protection rule fits beside the user's rules: ECR allows 50 rules and 30,720
 * characters of policy text. Only called when the user's own policy is valid.
 */
function checkProtectedPolicy(v: Violations, policy: LifecyclePolicy): void {
  if (!InUseProtection.canProtect(policy) || InUseProtection.isProtected(policy)) {
    return;
  }
  if (policy.rules.length >= 50) {
    v.add('lifecyclePolicy', `${policy.rules.length} rules`,
      'must have at most 49 rules: the in-use protection rule (rule 1, docs/in-use.md) takes one of the 50 rules ECR allows');
    return;
  }
  const sink = new Violations('');
  InUseProtection.protect(policy)._collect(sink);
  if (!sink.empty) {
    v.add('lifecyclePolicy', `${policy.rules.length} rules`,
      `leaves no room for the in-use protection rule (docs/in-use.md): ${sink.messages().map(m => m.replace(/^: /, '')).join('; ')}`);
  }
}

/** Collect the violations of the settings of a repository a stack owns. */
export function collectRepositoryResourceSettings(v: Violations, s: RepositoryResourceSettings): void {
  collectRepositorySettings(v, s);
  checkEnum(v, 'removalPolicy', s.removalPolicy, RemovalPolicy, 'RemovalPolicy');
  checkBoolean(v, 'imageScanOnPush', s.imageScanOnPush);
  checkBoolean(v, 'emptyOnDelete', s.emptyOnDelete);
  const removalPolicy = s.removalPolicy ?? RemovalPolicy.RETAIN;
  if (s.emptyOnDelete && removalPolicy !== RemovalPolicy.DESTROY) {
    v.add('emptyOnDelete', s.emptyOnDelete, `only with removalPolicy DESTROY (got ${removalPolicy})`);
  }
}

/** Check tag mutability against its exclusion filters (1-5 wildcard patterns, only with a `*_WITH_EXCLUSION` mode). */
function checkTagMutability(v: Violations, mutability: ecr.TagMutability, filters: string[] | undefined): void {
  const withExclusion = mutability === ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
    || mutability === ecr.TagMutability.MUTABLE_WITH_EXCLUSION;
  if (filters !== undefined && !withExclusion) {
    v.add('imageTagMutabilityExclusionFilters', filters,
      `exclusion filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION (got ${mutability})`);
  } else if (withExclusion && (filters === undefined || filters.length === 0)) {
    v.add('imageTagMutabilityExclusionFilters', filters, `${mutability} needs 1-5 exclusion filters`);
  } else if (filters !== undefined) {
    checkCount(v, 'imageTagMutabilityExclusionFilters', filters, 1, 5);
    for (const [i, f] of filters.entries()) {
      checkPattern(v, `imageTagMutabilityExclusionFilters[${i}]`, f, EXCLUSION_FILTER_PATTERN,
        `must be 1-128 of letters, digits, '.', '_', '-' and '*' (pattern ${EXCLUSION_FILTER_PATTERN.source})`);
    }
  }
}

const ENCRYPTIONS = [ecr.RepositoryEncryption.AES_256, ecr.RepositoryEncryption.KMS, ecr.RepositoryEncryption.KMS_DSSE].map(e => e.value);

/** `encryption` is one of `ecr.RepositoryEncryption`'s constants (plain JavaScript or Python may pass a string). */
function checkEncryption(v: Violations, encryption: unknown): boolean {
  const ok = encryption === undefined
    || (typeof encryption === 'object' && encryption !== null && ENCRYPTIONS.includes((encryption as ecr.RepositoryEncryption).value));
  v.check(ok, 'encryption', encryption,
    `must be an ecr.RepositoryEncryption: ${ENCRYPTIONS.map(e => `RepositoryEncryption.${e === 'AES256' ? 'AES_256' : e}`).join(', ')} (not a string)`);
  return ok;
}

/** A customer key needs KMS or KMS_DSSE encryption. */
function checkEncryptionKey(v: Violations, encryption: ecr.RepositoryEncryption, key: kms.IKey | undefined): void {
  if (key && encryption.value === ecr.RepositoryEncryption.AES_256.value) {
    v.add('encryption', encryption.value, 'a customer encryptionKey needs encryption KMS or KMS_DSSE (AES256 uses keys managed by ECR)');
  }
}

/** The CloudFormation form of wildcard exclusion filters (the same shape for repositories and creation templates). */
export function renderExclusionFilters(filters: string[] | undefined): ecr.CfnRepository.ImageTagMutabilityExclusionFilterProperty[] | undefined {
  return filters?.map(value => ({
    imageTagMutabilityExclusionFilterType: 'WILDCARD',
    imageTagMutabilityExclusionFilterValue: value,
  }));
}

/** A lifecycle policy and the text rendered into the template. */
export interface RenderedLifecyclePolicy {
  readonly policy: LifecyclePolicy;
  readonly text: string;
}

let sharedDefault: RenderedLifecyclePolicy | undefined;

/**
 * The given lifecycle policy, with the in-use protection rule first (`InUseProtection.protect`), and its text (with tokens rendered by the stack when it has any), or
 * `LifecyclePolicy.repositoryDefault()` (protected the same way) and its text, built, checked and rendered once per process
 * and shared by every repository and template that takes the default (the policy is immutable:
 * its rules have only getters, and the rules array is frozen). Sharing it saves about a tenth of
 * a repository's creation time.
 */
export function renderLifecyclePolicy(scope: IConstruct, given: LifecyclePolicy | undefined): RenderedLifecyclePolicy {
  if (given !== undefined) {
    // Every repository gets the in-use protection rule first, whether or not a stack of this app protects
    // images, so that stacks importing the repository elsewhere can protect what they run (docs/in-use.md).
    const policy = InUseProtection.protect(given);
    if (!InUseProtection.isProtected(policy)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-registry:inUseRuleMissing',
        'the lifecycle policy has rule priorities that are unresolved tokens, so the in-use protection rule cannot be placed first: '
        + 'images tagged in-use.* by an ImageCheck with protectInUse are not protected in this repository (docs/in-use.md).');
    }
    return { policy, text: policy._hasTokens() ? Stack.of(scope).toJsonString(policy._renderObject()) : policy.toJson() };
  }
  if (sharedDefault === undefined) {
    const defaultPolicy = InUseProtection.protect(LifecyclePolicy.repositoryDefault());
    Object.freeze(defaultPolicy.rules);
    sharedDefault = { policy: defaultPolicy, text: defaultPolicy.toJson() };
  }
  return sharedDefault;
}
