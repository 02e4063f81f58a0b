import * as fs from 'fs';
import * as path from 'path';
import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RULES } from './private/definitions';
import { evaluateSubject, RuleViolation } from './private/evaluate';
import { modelFromTemplate } from './private/from-template';

/** The version of this package (lib/compliance -> package.json, and src/compliance in tests). */
const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

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
 * Each rule is a pure function of a neutral settings model (repository, repository policy and
 * registry settings), built here from the CloudFormation each resource renders and by
 * `cdk-ecr-registry report` from the ECR API, so a synth check and a live audit agree.
 *
 * The rules judge the CloudFormation each resource renders (escape-hatch overrides included), so
 * they apply to `PrivateRepository`, plain `ecr.Repository` and L1 resources alike. A value
 * given as a `CfnParameter` is judged by its `AllowedValues` (and `Fn::If` by both branches);
 * a value that cannot be known at synth time does not pass.
 */
export class EcrChecks implements IPolicyValidationPlugin {
  /** The name of the pack, shown in the policy validation report and used as the rule id prefix. */
  public readonly name: string = 'EcrChecks';

  /**
   * The version of the pack: the version of the cdk-ecr-registry package it comes from.
   *
   * Declared (not left to the interface's optional member) so that every binding's `EcrChecks`
   * has every member of `IPolicyValidationPlugin`: mypy treats the Python interface as a protocol
   * and rejects a class that lacks `version`.
   */
  public readonly version?: string = PACKAGE_VERSION;

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
    // The model covers the whole app (registry scanning is judged per account and region across
    // stacks); only the resources under `scope` are reported.
    const model = modelFromTemplate(scope.node.root);
    for (const { subject, registry, node } of model.subjects) {
      if (!isWithin(node, scope)) {
        continue;
      }
      for (const violation of evaluateSubject(subject, registry, RULES)) {
        this.report(violation, node, violations);
      }
    }
    const list = [...violations.values()];
    return { success: list.every(v => v.severity !== 'error'), violations: list };
  }

  private report(found: RuleViolation, node: CfnResource, violations: Map<string, any>): void {
    const def = found.definition;
    const ruleName = `${this.name}-${def.suffix}`;
    if (this.isAcknowledged(node, ruleName)) {
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
      locations: [found.error !== undefined ? `Properties (the rule failed: ${found.error})` : 'Properties'],
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

function isWithin(node: IConstruct, scope: IConstruct): boolean {
  for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
    if (current === scope) {
      return true;
    }
  }
  return false;
}
