import * as fs from 'fs';
import * as path from 'path';
import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RULES, signingRuleDefinition } from './private/definitions';
import { evaluateSubject, RuleViolation } from './private/evaluate';
import { modelFromTemplate } from '../model/template';
import { RuleDefinition } from './private/rule';
import { Violations } from '../private/errors';
import { isUnresolved } from '../private/tokens';

/** The version of this package (lib/compliance -> package.json, and src/compliance in tests). */
const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

/** The repositories that must be covered by a managed signing rule (the opt-in rule `EcrChecks-Signing`). */
export interface SigningRequirement {
  /**
   * Name prefixes of the repositories that ECR must sign on push (`prod/`, `payments-`): a
   * repository whose name starts with one of them passes only when a signing rule of its registry
   * (same account and region) covers it. 1-100 prefixes of lowercase letters, digits, `.`, `_`,
   * `-` and `/` (a repository name's characters), each at most 256 characters.
   */
  readonly repositoryPrefixes: string[];
}

/** Options of the `EcrChecks` pack. */
export interface EcrChecksProps {
  /**
   * Switch on `EcrChecks-Signing`: every repository whose name starts with one of these prefixes
   * is covered by a managed signing rule (`Registry.addSigningRule`) of its registry.
   *
   * @default - the rule is off: no repository needs a signing rule
   */
  readonly requireSigning?: SigningRequirement;
}

/** Most prefixes `requireSigning` takes. */
const MAX_SIGNING_PREFIXES = 100;
/** A prefix of a repository name. */
const REPOSITORY_NAME_PREFIX = /^[a-z0-9][a-z0-9._/-]{0,255}$/;

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
 * `EcrChecks-RegistryPolicyActions` and `EcrChecks-CreationTemplate`; and, only when switched on
 * with `requireSigning`, `EcrChecks-Signing` (repositories of the given prefixes are covered by a
 * managed signing rule).
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

  /** The ids of every rule of the pack (`EcrChecks-Signing` only when `requireSigning` switches it on). */
  public readonly ruleIds?: string[];

  private readonly rules: readonly RuleDefinition[];

  constructor(props: EcrChecksProps = {}) {
    const v = new Violations('EcrChecks');
    const prefixes = checkSigningRequirement(v, props.requireSigning);
    v.throwIfAny();
    this.rules = prefixes ? [...RULES, signingRuleDefinition(prefixes)] : RULES;
    this.ruleIds = this.rules.map(r => `EcrChecks-${r.suffix}`);
  }

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
      for (const violation of evaluateSubject(subject, registry, this.rules)) {
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

/** Check `requireSigning`; its prefixes when it is given and well-formed. */
function checkSigningRequirement(v: Violations, requirement: SigningRequirement | undefined): string[] | undefined {
  if (requirement === undefined) {
    return undefined;
  }
  const prefixes = requirement?.repositoryPrefixes;
  if (isUnresolved(prefixes)) {
    return [prefixes as unknown as string];
  }
  if (!Array.isArray(prefixes) || prefixes.length < 1 || prefixes.length > MAX_SIGNING_PREFIXES) {
    v.add(Array.isArray(prefixes) ? 'requireSigning.repositoryPrefixes.length' : 'requireSigning.repositoryPrefixes',
      Array.isArray(prefixes) ? prefixes.length : prefixes, `give 1-${MAX_SIGNING_PREFIXES} repository name prefixes (leave requireSigning out to switch the rule off)`);
    return undefined;
  }
  prefixes.forEach((prefix, i) => {
    if (!isUnresolved(prefix)) {
      v.check(typeof prefix === 'string' && REPOSITORY_NAME_PREFIX.test(prefix), `requireSigning.repositoryPrefixes[${i}]`, prefix,
        'must be the start of a repository name: 1-256 of lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\', starting with a letter or digit');
    }
  });
  return prefixes;
}

function isWithin(node: IConstruct, scope: IConstruct): boolean {
  for (let current: IConstruct | undefined = node; current; current = current.node.scope) {
    if (current === scope) {
      return true;
    }
  }
  return false;
}
