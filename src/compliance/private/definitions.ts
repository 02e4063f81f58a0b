import {
  EcrCreationTemplate, EcrCrossAccountWildcard, EcrCustomerManagedKey, EcrLifecyclePolicy, EcrOpenAccess,
  EcrPublicRepositoryTagged, EcrRegistryPolicyActions, EcrRegistryScanning, EcrScanOnPush, EcrSigningCoverage, EcrTagImmutability,
} from '../rules';
import { RuleDefinition } from './rule';
import { SubjectKind } from '../../model/settings';

/** The subjects that carry a resource policy. */
const POLICY_SUBJECTS: readonly SubjectKind[] = ['repository', 'publicRepository', 'registryPolicy', 'creationTemplate'];

/** The rules of the pack, in report order. Rule ids are `EcrChecks-<suffix>`: a public contract. */
export const RULES: RuleDefinition[] = [
  {
    suffix: 'ECR1',
    info: 'The ECR private repository does not scan images on push (Security Hub ECR.1, Control Tower CT.ECR.PR.2).',
    explanation: 'Scanning on push finds known vulnerabilities in an image before it is pulled. Set imageScanOnPush (ImageScanningConfiguration.ScanOnPush) to true; registry-level enhanced scanning does not satisfy CT.ECR.PR.2, acknowledge this rule with the reason if you rely on it.',
    severity: 'error',
    controls: 'Security Hub ECR.1; Control Tower CT.ECR.PR.2; checkov CKV_AWS_163',
    appliesTo: ['repository'],
    reads: ['repositories'],
    rule: EcrScanOnPush,
  },
  {
    suffix: 'ECR2',
    info: 'The ECR private repository does not have IMMUTABLE tags (Security Hub ECR.2, Control Tower CT.ECR.PR.3).',
    explanation: 'Immutable tags stop a tag from being moved to another image, so a deployment that names a tag gets the image that was reviewed and scanned. Set imageTagMutability to IMMUTABLE exactly: IMMUTABLE_WITH_EXCLUSION and the MUTABLE variants do not pass.',
    severity: 'error',
    controls: 'Security Hub ECR.2; Control Tower CT.ECR.PR.3; checkov CKV_AWS_51',
    appliesTo: ['repository'],
    reads: ['repositories'],
    rule: EcrTagImmutability,
  },
  {
    suffix: 'ECR3',
    info: 'The ECR private repository has no lifecycle policy (Security Hub ECR.3, Control Tower CT.ECR.PR.1).',
    explanation: 'A lifecycle policy expires untagged and old images, which limits storage cost and the number of stale, unpatched images that can still be pulled. Give the repository at least one lifecycle rule.',
    severity: 'error',
    controls: 'Security Hub ECR.3; Control Tower CT.ECR.PR.1',
    appliesTo: ['repository'],
    reads: ['lifecyclePolicies'],
    rule: EcrLifecyclePolicy,
  },
  {
    suffix: 'ECR4',
    info: 'The ECR public repository has no tags (Security Hub ECR.4).',
    explanation: 'Tags identify the owner and purpose of a public repository and drive attribute-based access control and cost allocation. Add at least one tag whose key does not start with aws:.',
    severity: 'error',
    controls: 'Security Hub ECR.4',
    appliesTo: ['publicRepository'],
    reads: ['tags'],
    rule: EcrPublicRepositoryTagged,
  },
  {
    suffix: 'ECR5',
    info: 'The ECR private repository is not encrypted with a customer managed KMS key (Security Hub ECR.5).',
    explanation: 'A customer managed key lets you control its key policy, rotation and deletion, and audit every use of it in CloudTrail; AES256 and the AWS managed key aws/ecr do not. Set encryption KMS or KMS_DSSE with an encryptionKey.',
    severity: 'warning',
    controls: 'Security Hub ECR.5; AWS Config ecr-repository-cmk-encryption-enabled',
    appliesTo: ['repository'],
    reads: ['repositories'],
    rule: EcrCustomerManagedKey,
  },
  {
    suffix: 'OpenAccess',
    info: 'The ECR policy allows pull or push to any principal without an organization or source condition.',
    explanation: 'A statement with Principal "*" (or NotPrincipal) lets every AWS account pull or push. Restrict it with aws:PrincipalOrgID or aws:PrincipalOrgPaths (your AWS Organization), or aws:SourceArn or aws:SourceAccount (a service acting for a known resource), using StringEquals, StringLike, ArnEquals or ArnLike; or name the accounts.',
    severity: 'error',
    controls: 'cdk-nag AwsSolutions-ECR1 (stricter: conditions judged); checkov CKV_AWS_32',
    appliesTo: POLICY_SUBJECTS,
    reads: ['repositoryPolicies'],
    rule: EcrOpenAccess,
  },
  {
    suffix: 'CrossAccountWildcard',
    info: 'The ECR policy grants wildcard actions (such as ecr:*) to another account.',
    explanation: 'A wildcard also grants the actions that delete images, change the policy or the lifecycle, and every action ECR adds later. Grant the named pull actions (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability) or push actions instead.',
    severity: 'error',
    controls: 'least privilege (NIST 800-53 AC-6)',
    appliesTo: POLICY_SUBJECTS,
    reads: ['repositoryPolicies'],
    rule: EcrCrossAccountWildcard,
  },
  {
    suffix: 'RegistryScanning',
    info: 'The registry is not configured to scan every repository.',
    explanation: 'A registry scanning configuration with a rule for the repository filter "*" (SCAN_ON_PUSH, or CONTINUOUS_SCAN with ENHANCED scanning) also scans the repositories that ECR creates on push, replication and pull-through cache. A stack that manages registry-level settings (replication, registry policy, pull-through cache rules, creation templates) must also configure scanning for the same account and region: give Registry a scanning (RegistryScanning.basic() or enhanced()), or, when Amazon Inspector, the organization\'s administrator or another app owns scanning, acknowledge this rule on the Registry with that reason.',
    severity: 'error',
    controls: 'Security Hub ECR.1 for repositories ECR creates itself',
    appliesTo: ['registryScanning', 'registryPolicy', 'replication', 'pullThroughCacheRule', 'creationTemplate'],
    reads: ['registryScanning'],
    rule: EcrRegistryScanning,
  },
  {
    suffix: 'RegistryPolicyActions',
    info: 'The ECR registry policy allows actions other than replication (ecr:ReplicateImage, ecr:CreateRepository), pull-through cache import (ecr:BatchImportUpstreamImage) and pull (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability).',
    explanation: 'Registry policy scope V2 (the default; V1 can no longer be selected) accepts every ECR action in a registry policy and enforces it in every ECR request, so an allowed push, delete or policy action applies to every matching repository of the registry. Name only the replication, pull-through cache and pull actions (no wildcard, no NotAction), and grant anything else in repository policies. Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html',
    severity: 'error',
    controls: 'ECR private registry permissions (registry policy scope V2); least privilege (NIST 800-53 AC-6)',
    appliesTo: ['registryPolicy'],
    reads: ['registryPolicy'],
    rule: EcrRegistryPolicyActions,
  },
  {
    suffix: 'CreationTemplate',
    info: 'The ECR repository creation template does not give created repositories IMMUTABLE tags and a lifecycle policy.',
    explanation: 'Repositories that ECR creates on push, replication or pull-through cache take their settings from the matching creation template; without IMMUTABLE tags and a lifecycle policy they fail Security Hub ECR.2 and ECR.3 (Control Tower CT.ECR.PR.3 and CT.ECR.PR.1) as soon as they exist.',
    severity: 'error',
    controls: 'Security Hub ECR.2, ECR.3; Control Tower CT.ECR.PR.1, CT.ECR.PR.3 for created repositories',
    appliesTo: ['creationTemplate'],
    reads: ['creationTemplates'],
    rule: EcrCreationTemplate,
  },
];

/** The suffix of the opt-in signing coverage rule (`EcrChecks-Signing`). */
export const SIGNING_RULE_SUFFIX = 'Signing';

/**
 * The opt-in rule `EcrChecks-Signing` (not in `RULES`: switched on with
 * `new EcrChecks({ requireSigning: { repositoryPrefixes } })`).
 * @param repositoryPrefixes the prefixes of the repositories that must be covered by a signing rule
 */
export function signingRuleDefinition(repositoryPrefixes: readonly string[]): RuleDefinition {
  return {
    suffix: SIGNING_RULE_SUFFIX,
    info: `The ECR private repository matches a prefix that requires managed signing (${repositoryPrefixes.join(', ')}) and no signing rule of its registry covers it.`,
    explanation: 'With managed signing, ECR signs every image pushed to a repository that a signing rule covers (a rule without repository filters, or a WILDCARD_MATCH filter matching the whole repository name), so consumers and the image check can require a signature. Add a signing rule for the repository in the registry of the same account and region (Registry.addSigningRule, or AWS::ECR::SigningConfiguration), or widen a rule\'s repositoryFilters.',
    severity: 'error',
    controls: 'supply chain integrity (SLSA; NIST 800-53 SI-7); ECR managed signing',
    appliesTo: ['repository'],
    reads: ['signing'],
    rule: EcrSigningCoverage(repositoryPrefixes),
  };
}
