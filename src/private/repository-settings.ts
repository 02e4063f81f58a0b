import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { Violations } from './errors';
import { checkCount, checkPattern, EXCLUSION_FILTER_PATTERN } from './validation';
import { LifecyclePolicy } from '../lifecycle/policy';

/**
 * Settings shared by every place that describes a repository: `PrivateRepository` and the
 * repository creation templates (which give the same settings to repositories ECR creates).
 */

/** Check tag mutability against its exclusion filters (1-5 wildcard patterns, only with a `*_WITH_EXCLUSION` mode). */
export function checkTagMutability(v: Violations, mutability: ecr.TagMutability, filters: string[] | undefined): void {
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

/** A customer key needs KMS or KMS_DSSE encryption. */
export function checkEncryptionKey(v: Violations, encryption: ecr.RepositoryEncryption, key: kms.IKey | undefined): void {
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

/** The policy text of a `LifecyclePolicy`, with tokens rendered by the stack when it has any. */
export function lifecyclePolicyText(scope: IConstruct, policy: LifecyclePolicy): string {
  return policy._hasTokens() ? Stack.of(scope).toJsonString(policy._renderObject()) : policy.toJson();
}
