import { Annotations, IResource, Resource, Stack, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import { checkNamespacePrefix, repositoryArnForPrefix } from './private/shared';
import { RegistryStackState } from './private/stack-state';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkEnumList, checkLength, checkResourceTags } from '../private/validation';
import { checkRepositoryPolicy } from '../repository/private/policy';
import { collectRepositorySettings, renderExclusionFilters, renderLifecyclePolicy } from '../repository/private/settings';
import { RepositorySettings } from '../repository/settings';

/** cdk-nag packs whose IAMNoInlinePolicy rule the template's own role trips. */
const INLINE_POLICY_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/**
 * The ways ECR creates repositories by itself, which a creation template applies to.
 */
export enum CreationTemplateAppliedFor {
  /** Repositories created by a pull-through cache rule. */
  PULL_THROUGH_CACHE = 'PULL_THROUGH_CACHE',
  /** Repositories created in this registry by replication. */
  REPLICATION = 'REPLICATION',
  /** Repositories created by pushing to a repository that does not exist yet (create on push). */
  CREATE_ON_PUSH = 'CREATE_ON_PUSH',
}

/**
 * Options of a repository creation template added to a `Registry`: the `RepositorySettings` of
 * the repositories ECR creates, and what the template applies to.
 */
export interface RepositoryCreationTemplateOptions extends RepositorySettings {
  /**
   * The namespace the template applies to: repositories named `<prefix>/...`, or `ROOT` for every
   * repository that no other template matches (1-256 characters).
   */
  readonly prefix: string;

  /**
   * Which ways of creating repositories the template applies to.
   *
   * @default - all: PULL_THROUGH_CACHE, REPLICATION and CREATE_ON_PUSH
   */
  readonly appliedFor?: CreationTemplateAppliedFor[];

  /**
   * A description (at most 256 characters).
   *
   * @default - none
   */
  readonly description?: string;

  /**
   * The repository policy of created repositories.
   *
   * @default - none
   */
  readonly repositoryPolicy?: iam.PolicyDocument;

  /**
   * Tags of created repositories (at most 50; keys 1-128 characters, not starting with `aws:`;
   * values at most 256 characters).
   *
   * @default - none
   */
  readonly resourceTags?: { [key: string]: string };

  /**
   * The role ECR assumes to create repositories from this template. ECR needs one when the template
   * uses a customer KMS key or resource tags; it gets the permissions the template needs.
   *
   * @default - created when `encryptionKey` or `resourceTags` is set (trusting `ecr.amazonaws.com`), otherwise none
   */
  readonly role?: iam.IRole;
}

/**
 * Properties of a `RepositoryCreationTemplate`.
 */
export interface RepositoryCreationTemplateProps extends RepositoryCreationTemplateOptions {}

const ALL_APPLIED_FOR = [
  CreationTemplateAppliedFor.PULL_THROUGH_CACHE,
  CreationTemplateAppliedFor.REPLICATION,
  CreationTemplateAppliedFor.CREATE_ON_PUSH,
];

/**
 * A repository creation template, owned by this app (`RepositoryCreationTemplate`) or imported by its
 * prefix (`RepositoryCreationTemplate.fromPrefix`).
 */
export interface IRepositoryCreationTemplate extends IResource {
  /**
   * The namespace the template applies to (`ROOT`: every repository no other template matches).
   *
   * @attribute
   */
  readonly prefix: string;
}

/**
 * A repository creation template (`AWS::ECR::RepositoryCreationTemplate`): the settings ECR gives
 * to repositories it creates by itself (pull-through cache, replication, create on push), with
 * the same secure defaults as `PrivateRepository`: immutable tags, KMS encryption and the default
 * lifecycle policy. Scan on push comes from the registry's scanning configuration. The L1 is
 * `node.defaultChild`.
 *
 * Note that a pull-through cache repository with immutable tags keeps the first image it cached
 * for a tag (a moved upstream tag such as `latest` is not refreshed): exclude such tags with
 * `IMMUTABLE_WITH_EXCLUSION`.
 */
export class RepositoryCreationTemplate extends Resource implements IRepositoryCreationTemplate {
  /**
   * A creation template of this stack's registry that exists already (created by another stack or by
   * hand), by its prefix.
   *
   * @param prefix the template's namespace (1-256 characters, or `ROOT`)
   */
  public static fromPrefix(scope: Construct, id: string, prefix: string): IRepositoryCreationTemplate {
    const v = new Violations(pathOf(scope, id));
    checkNamespacePrefix(v, 'prefix', prefix, 256);
    v.throwIfAny();
    class Import extends Resource implements IRepositoryCreationTemplate {
      public readonly prefix = prefix;
    }
    return new Import(scope, id);
  }

  /**
   * Collect every violation of the props (nothing is created). The constructor calls it, then
   * throws once; `RegistryBaseline` calls it on each template of its spec.
   * @internal
   */
  public static _collect(v: Violations, props: RepositoryCreationTemplateProps, context: CheckContext): void {
    if (props.prefix === undefined) {
      v.add('prefix', props.prefix, 'needs a repository namespace or ROOT');
    }
    checkNamespacePrefix(v, 'prefix', props.prefix, 256);
    if (context.scope && isKnown(props.prefix)) {
      const other = RegistryStackState.find(context.scope)?.templatePrefixes.get(props.prefix);
      if (other !== undefined) {
        v.add('prefix', props.prefix, `${other} already uses this prefix; ECR keeps one creation template per prefix in a registry`);
      }
    }

    const appliedFor = props.appliedFor ?? ALL_APPLIED_FOR;
    checkEnumList(v, 'appliedFor', appliedFor, CreationTemplateAppliedFor, 'CreationTemplateAppliedFor');
    v.check(appliedFor.length >= 1, 'appliedFor', appliedFor, 'needs at least one of PULL_THROUGH_CACHE, REPLICATION, CREATE_ON_PUSH');
    v.check(new Set(appliedFor).size === appliedFor.length, 'appliedFor', appliedFor, 'lists a value twice');

    checkLength(v, 'description', props.description, 0, 256);
    collectRepositorySettings(v, props);
    checkResourceTags(v, 'resourceTags', props.resourceTags);
  }

  /** The namespace the template applies to. */
  public readonly prefix: string;

  /** The role ECR assumes for this template, if any. */
  public readonly role?: iam.IRole;

  constructor(scope: Construct, id: string, props: RepositoryCreationTemplateProps) {
    const v = new Violations(pathOf(scope, id));
    RepositoryCreationTemplate._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id);
    this.prefix = props.prefix;
    RegistryStackState.obtain(this).templatePrefixes.set(isUnresolved(props.prefix) ? `${this.node.path}#token` : props.prefix, this.node.path);

    const appliedFor = props.appliedFor ?? ALL_APPLIED_FOR;
    const mutability = props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE;
    const encryption = props.encryption ?? ecr.RepositoryEncryption.KMS;
    const tags = Object.entries(props.resourceTags ?? {}).sort(([a], [b]) => a.localeCompare(b));

    const needsRole = props.encryptionKey !== undefined || tags.length > 0;
    this.role = props.role ?? (needsRole ? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
      description: `ECR repository creation template ${props.prefix}`,
    }) : undefined);
    if (this.role) {
      this.grantTemplateRole(this.role, appliedFor, tags.length > 0, props.encryptionKey);
    }
    if (this.role && !props.role) {
      // The role is this template's own: its one inline policy is scoped to the template's prefix and key.
      Validations.of(this.role).acknowledge(...INLINE_POLICY_PACKS.map(pack => ({
        id: `${pack}-IAMNoInlinePolicy`,
        reason: 'The role is created for this one creation template and assumed only by ecr.amazonaws.com; its inline policy '
          + 'allows creating (and tagging) repositories under the template prefix and using its KMS key, and is created and '
          + 'deleted with the role, so a separately managed policy would add no control.',
      })));
    }

    const stack = Stack.of(this);
    const resource = new ecr.CfnRepositoryCreationTemplate(this, 'Resource', {
      prefix: props.prefix,
      appliedFor: [...appliedFor],
      description: props.description,
      imageTagMutability: mutability,
      imageTagMutabilityExclusionFilters: renderExclusionFilters(props.imageTagMutabilityExclusionFilters),
      encryptionConfiguration: encryption.value === ecr.RepositoryEncryption.AES_256.value
        ? { encryptionType: encryption.value }
        : { encryptionType: encryption.value, kmsKey: props.encryptionKey?.keyArn },
      lifecyclePolicy: renderLifecyclePolicy(this, props.lifecyclePolicy).text,
      repositoryPolicy: props.repositoryPolicy ? stack.toJsonString(props.repositoryPolicy) : undefined,
      resourceTags: tags.length > 0 ? tags.map(([key, value]) => ({ key, value })) : undefined,
      customRoleArn: this.role?.roleArn,
    });
    if (this.role) {
      resource.node.addDependency(this.role);
    }

    if (props.repositoryPolicy) {
      const policy = props.repositoryPolicy;
      this.node.addValidation({
        validate: () => {
          const found = new Violations(this.node.path);
          checkRepositoryPolicy(found, 'repositoryPolicy', Stack.of(this).resolve(policy.toJSON()), true);
          return found.messages();
        },
      });
    }
    this.addWarnings(mutability, encryption);
  }

  private grantTemplateRole(role: iam.IRole, appliedFor: CreationTemplateAppliedFor[], tagged: boolean, key?: kms.IKey): void {
    const actions = ['ecr:CreateRepository'];
    if (appliedFor.includes(CreationTemplateAppliedFor.REPLICATION)) {
      actions.push('ecr:ReplicateImage');
    }
    if (tagged) {
      actions.push('ecr:TagResource');
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateRepositoriesFromTemplate',
      actions,
      resources: [repositoryArnForPrefix(this, this.prefix)],
    }));
    key?.grant(role, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant');
  }

  private addWarnings(mutability: ecr.TagMutability, encryption: ecr.RepositoryEncryption): void {
    const annotations = Annotations.of(this);
    if (mutability !== ecr.TagMutability.IMMUTABLE) {
      annotations.addWarningV2('cdk-ecr-registry:mutableTags',
        `imageTagMutability is ${mutability}: Security Hub ECR.2, Control Tower CT.ECR.PR.3 and checkov CKV_AWS_51 require IMMUTABLE exactly for the repositories this template creates.`);
    }
    if (encryption.value === ecr.RepositoryEncryption.AES_256.value) {
      annotations.addWarningV2('cdk-ecr-registry:aes256',
        'encryption is AES256: checkov CKV_AWS_136 and Security Hub ECR.5 require KMS encryption for the repositories this template creates.');
    }
  }
}
