import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack,
  Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RuleCompliance, RuleDefinition } from './private/rule';
import {
  EcrCreationTemplate, EcrCrossAccountWildcard, EcrCustomerManagedKey, EcrLifecyclePolicy, EcrOpenAccess,
  EcrPublicRepositoryTagged, EcrRegistryPolicyActions, EcrRegistryScanning, EcrScanOnPush, EcrTagImmutability,
} from './rules';


/** The rules of the pack, in report order. Rule ids are `EcrChecks-<suffix>`: a public contract. */
const RULES: RuleDefinition[] = [
  {
    suffix: 'ECR1',
    info: 'The ECR private repository does not scan images on push (Security Hub ECR.1, Control Tower CT.ECR.PR.2).',
    explanation: 'Scanning on push finds known vulnerabilities in an image before it is pulled. Set imageScanOnPush (ImageScanningConfiguration.ScanOnPush) to true; registry-level enhanced scanning does not satisfy CT.ECR.PR.2, acknowledge this rule with the reason if you rely on it.',
    severity: 'error',
    controls: 'Security Hub ECR.1; Control Tower CT.ECR.PR.2; checkov CKV_AWS_163',
    rule: EcrScanOnPush,
  },
  {
    suffix: 'ECR2',
    info: 'The ECR private repository does not have IMMUTABLE tags (Security Hub ECR.2, Control Tower CT.ECR.PR.3).',
    explanation: 'Immutable tags stop a tag from being moved to another image, so a deployment that names a tag gets the image that was reviewed and scanned. Set imageTagMutability to IMMUTABLE exactly: IMMUTABLE_WITH_EXCLUSION and the MUTABLE variants do not pass.',
    severity: 'error',
    controls: 'Security Hub ECR.2; Control Tower CT.ECR.PR.3; checkov CKV_AWS_51',
    rule: EcrTagImmutability,
  },
  {
    suffix: 'ECR3',
    info: 'The ECR private repository has no lifecycle policy (Security Hub ECR.3, Control Tower CT.ECR.PR.1).',
    explanation: 'A lifecycle policy expires untagged and old images, which limits storage cost and the number of stale, unpatched images that can still be pulled. Give the repository at least one lifecycle rule.',
    severity: 'error',
    controls: 'Security Hub ECR.3; Control Tower CT.ECR.PR.1',
    rule: EcrLifecyclePolicy,
  },
  {
    suffix: 'ECR4',
    info: 'The ECR public repository has no tags (Security Hub ECR.4).',
    explanation: 'Tags identify the owner and purpose of a public repository and drive attribute-based access control and cost allocation. Add at least one tag whose key does not start with aws:.',
    severity: 'error',
    controls: 'Security Hub ECR.4',
    rule: EcrPublicRepositoryTagged,
  },
  {
    suffix: 'ECR5',
    info: 'The ECR private repository is not encrypted with a customer managed KMS key (Security Hub ECR.5).',
    explanation: 'A customer managed key lets you control its key policy, rotation and deletion, and audit every use of it in CloudTrail; AES256 and the AWS managed key aws/ecr do not. Set encryption KMS or KMS_DSSE with an encryptionKey.',
    severity: 'warning',
    controls: 'Security Hub ECR.5; AWS Config ecr-repository-cmk-encryption-enabled',
    rule: EcrCustomerManagedKey,
  },
  {
    suffix: 'OpenAccess',
    info: 'The ECR policy allows pull or push to any principal without an organization or source condition.',
    explanation: 'A statement with Principal "*" (or NotPrincipal) lets every AWS account pull or push. Restrict it with aws:PrincipalOrgID or aws:PrincipalOrgPaths (your AWS Organization), or aws:SourceArn or aws:SourceAccount (a service acting for a known resource), using StringEquals, StringLike, ArnEquals or ArnLike; or name the accounts.',
    severity: 'error',
    controls: 'cdk-nag AwsSolutions-ECR1 (stricter: conditions judged); checkov CKV_AWS_32',
    rule: EcrOpenAccess,
  },
  {
    suffix: 'CrossAccountWildcard',
    info: 'The ECR policy grants wildcard actions (such as ecr:*) to another account.',
    explanation: 'A wildcard also grants the actions that delete images, change the policy or the lifecycle, and every action ECR adds later. Grant the named pull actions (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:BatchCheckLayerAvailability) or push actions instead.',
    severity: 'error',
    controls: 'least privilege (NIST 800-53 AC-6)',
    rule: EcrCrossAccountWildcard,
  },
  {
    suffix: 'RegistryScanning',
    info: 'The registry is not configured to scan every repository.',
    explanation: 'A registry scanning configuration with a rule for the repository filter "*" (SCAN_ON_PUSH, or CONTINUOUS_SCAN with ENHANCED scanning) also scans the repositories that ECR creates on push, replication and pull-through cache. A stack that manages registry-level settings (replication, registry policy, pull-through cache rules, creation templates) must also configure scanning for the same account and region.',
    severity: 'error',
    controls: 'Security Hub ECR.1 for repositories ECR creates itself',
    rule: EcrRegistryScanning,
  },
  {
    suffix: 'RegistryPolicyActions',
    info: 'The ECR registry policy allows actions other than ecr:ReplicateImage, ecr:CreateRepository and ecr:BatchImportUpstreamImage.',
    explanation: 'A registry policy exists to let source accounts replicate into the registry and pull-through cache rules import images. Under the V1 registry policy scope ECR rejects other actions; under V2 any other action applies to every repository in the registry. Name only the three registry-level actions, and grant repository access in repository policies.',
    severity: 'error',
    controls: 'ECR private registry permissions (V1 scope actions)',
    rule: EcrRegistryPolicyActions,
  },
  {
    suffix: 'CreationTemplate',
    info: 'The ECR repository creation template does not give created repositories IMMUTABLE tags and a lifecycle policy.',
    explanation: 'Repositories that ECR creates on push, replication or pull-through cache take their settings from the matching creation template; without IMMUTABLE tags and a lifecycle policy they fail Security Hub ECR.2 and ECR.3 (Control Tower CT.ECR.PR.3 and CT.ECR.PR.1) as soon as they exist.',
    severity: 'error',
    controls: 'Security Hub ECR.2, ECR.3; Control Tower CT.ECR.PR.1, CT.ECR.PR.3 for created repositories',
    rule: EcrCreationTemplate,
  },
];

/**
 * A rule pack for Amazon ECR, run as an aws-cdk-lib policy validation plugin
 * (`Validations.of(app).addPlugins(new EcrChecks())`) or directly (`validateScope`).
 *
 * It covers the Security Hub ECR.1-ECR.5 and Control Tower CT.ECR.PR.1-3 controls, plus checks of
 * repository and registry policies, registry scanning and repository creation templates. It works
 * like a cdk-nag 3 pack (one pure rule per file over L1 resources; findings acknowledged with
 * `Validations.of(scope).acknowledge({ id, reason })`) without depending on cdk-nag, so it is
 * available in every jsii language.
 *
 * Rule ids (a public contract): `EcrChecks-ECR1` (scan on push), `EcrChecks-ECR2` (IMMUTABLE
 * tags), `EcrChecks-ECR3` (lifecycle policy), `EcrChecks-ECR4` (public repository tagged),
 * `EcrChecks-ECR5` (customer managed KMS key, a warning), `EcrChecks-OpenAccess`,
 * `EcrChecks-CrossAccountWildcard`, `EcrChecks-RegistryScanning`,
 * `EcrChecks-RegistryPolicyActions` and `EcrChecks-CreationTemplate`.
 *
 * The rules judge the CloudFormation each resource renders (escape-hatch overrides included), so
 * they apply to `PrivateRepository`, plain `ecr.Repository` and L1 resources alike. A value
 * given as a `CfnParameter` is judged by its `AllowedValues` (and `Fn::If` by both branches);
 * a value that cannot be known at synth time does not pass.
 */
export class EcrChecks implements IPolicyValidationPlugin {
  /** The name of the pack, shown in the policy validation report and used as the rule id prefix. */
  public readonly name: string = 'EcrChecks';

  /** The ids of every rule of the pack. */
  public readonly ruleIds?: string[] = RULES.map(r => `EcrChecks-${r.suffix}`);

  /**
   * Entry point of the aws-cdk-lib validation framework: checks the whole app.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    return this.validateScope(context.appConstruct);
  }

  /**
   * Check every CloudFormation resource under a construct (an app, a stage, a stack or any
   * construct). Call it after `app.synth()` (or use the plugin) when tags come from `Tags.of()`:
   * aspects apply them during synthesis.
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    const violations = new Map<string, PolicyViolation & { violatingResources: PolicyViolation['violatingResources'][number][] }>();
    const visit = (node: IConstruct): void => {
      if (CfnResource.isCfnResource(node)) {
        for (const def of RULES) {
          this.apply(def, node, violations);
        }
      }
      for (const child of node.node.children) {
        visit(child);
      }
    };
    visit(scope);
    const list = [...violations.values()];
    return { success: list.every(v => v.severity !== 'error'), violations: list };
  }

  private apply(def: RuleDefinition, node: CfnResource, violations: Map<string, any>): void {
    const ruleName = `${this.name}-${def.suffix}`;
    let result: RuleCompliance;
    let error: string | undefined;
    try {
      result = def.rule(node);
    } catch (e) {
      result = RuleCompliance.NON_COMPLIANT;
      error = (e as Error).message;
    }
    if (result !== RuleCompliance.NON_COMPLIANT || this.isAcknowledged(node, ruleName)) {
      return;
    }
    let violation = violations.get(ruleName);
    if (!violation) {
      violation = {
        ruleName,
        description: def.info,
        fix: def.explanation,
        severity: def.severity,
        ruleMetadata: { controls: def.controls },
        violatingResources: [],
      };
      violations.set(ruleName, violation);
    }
    violation.violatingResources.push({
      constructPath: node.node.path,
      resourceLogicalId: Stack.of(node).resolve(node.logicalId),
      locations: [error ? `Properties (the rule failed: ${error})` : 'Properties'],
    });
  }

  /**
   * Whether the rule is acknowledged on the resource or one of its scopes with
   * `Validations.of(scope).acknowledge({ id: 'EcrChecks-...', reason })` (stored as
   * `annotation::EcrChecks-...`) or with the plugin-qualified id `EcrChecks::EcrChecks-...`.
   */
  private isAcknowledged(node: IConstruct, ruleName: string): boolean {
    const ids = [ruleName, `annotation::${ruleName}`, `${this.name}::${ruleName}`].map(i => i.toLowerCase());
    for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
      for (const entry of current.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data && typeof entry.data === 'object'
          && Object.keys(entry.data).some(k => ids.includes(k.toLowerCase()))) {
          return true;
        }
      }
    }
    return false;
  }
}
