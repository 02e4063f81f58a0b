import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { isIntrinsic } from './intrinsic';
import { statementsOf } from './policy';
import { isTrue, possibleValues, renderedProperties } from './template';
import { deployTime } from './values';
import { isUnresolved } from '../../private/tokens';
import {
  CreationTemplateModel, DeployTimeValue, emptyRegistry, Possible, PublicRepositoryModel, PullThroughCacheRuleModel,
  RegistryModel, RegistryPolicyModel, RegistryScanningModel, ReplicationModel, RepositoryModel, ResourceTag,
  ScanningRule, SigningConfigurationModel, Subject, SubjectKind,
} from '../model';

/** A subject of a template, with the L1 resource it was read from. */
export interface TemplateSubject {
  readonly subject: Subject;
  readonly registry: RegistryModel;
  readonly node: CfnResource;
}

/** The settings model of every ECR resource of an app, one registry per account and region. */
export interface TemplateModel {
  /** One per account and region (an environment-agnostic stack is a registry of its own). */
  readonly registries: RegistryModel[];
  /** Every subject, in construct-tree order (pre-order). */
  readonly subjects: TemplateSubject[];
}

/** The subject kind of each ECR resource type the rules judge. */
const KINDS: Record<string, SubjectKind> = {
  'AWS::ECR::Repository': 'repository',
  'AWS::ECR::PublicRepository': 'publicRepository',
  'AWS::ECR::RegistryScanningConfiguration': 'registryScanning',
  'AWS::ECR::RegistryPolicy': 'registryPolicy',
  'AWS::ECR::ReplicationConfiguration': 'replication',
  'AWS::ECR::PullThroughCacheRule': 'pullThroughCacheRule',
  'AWS::ECR::RepositoryCreationTemplate': 'creationTemplate',
};

/** The managed signing configuration: read into the registry's settings. */
const SIGNING_TYPE = 'AWS::ECR::SigningConfiguration';

type MutableRegistry = { -readonly [K in keyof RegistryModel]: RegistryModel[K] extends readonly (infer E)[] ? E[] : RegistryModel[K] };

/**
 * Build the settings model from the CloudFormation resources under `root` (normally the app):
 * each property as it will be deployed (escape-hatch overrides included, tokens resolved), with
 * every value it can take (`CfnParameter` `AllowedValues`, both branches of `Fn::If`), `null`
 * when CloudFormation alone knows it.
 *
 * A resource that does not synthesize is left out; one that fails to render is a subject with a
 * `readError`.
 */
export function modelFromTemplate(root: IConstruct): TemplateModel {
  const registries = new Map<string, MutableRegistry>();
  const subjects: { subject: Subject; key: string; node: CfnResource }[] = [];
  for (const node of root.node.findAll()) {
    if (!CfnResource.isCfnResource(node) || !(node.cfnResourceType in KINDS || node.cfnResourceType === SIGNING_TYPE)) {
      continue;
    }
    const stack = Stack.of(node);
    const account = isUnresolved(stack.account) ? undefined : stack.account;
    const region = isUnresolved(stack.region) ? undefined : stack.region;
    // Environment-agnostic stacks are one registry only with themselves.
    const key = account !== undefined && region !== undefined ? `${account}/${region}` : `stack:${stack.node.path}`;
    if (!registries.has(key)) {
      registries.set(key, emptyRegistry(account, region) as MutableRegistry);
    }
    if (node.cfnResourceType === SIGNING_TYPE) {
      // A registry setting, not a subject: the signing rule judges the repositories it covers.
      const signing = signingConfiguration(node);
      if (signing) {
        registries.get(key)!.signingConfigurations.push(signing);
      }
      continue;
    }
    let subject: Subject | undefined;
    try {
      subject = toSubject(node, account, region);
    } catch (e) {
      subject = unreadable(node, (e as Error).message);
    }
    if (subject === undefined) {
      continue;
    }
    const registry = registries.get(key)!;
    listOf(registry, subject.kind).push(subject);
    subjects.push({ subject, key, node });
  }
  return {
    registries: [...registries.values()],
    subjects: subjects.map(s => ({ subject: s.subject, node: s.node, registry: registries.get(s.key)! })),
  };
}

function listOf(registry: MutableRegistry, kind: SubjectKind): Subject[] {
  switch (kind) {
    case 'repository': return registry.repositories as Subject[];
    case 'publicRepository': return registry.publicRepositories as Subject[];
    case 'registryScanning': return registry.scanningConfigurations as Subject[];
    case 'registryPolicy': return registry.registryPolicies as Subject[];
    case 'replication': return registry.replicationConfigurations as Subject[];
    case 'pullThroughCacheRule': return registry.pullThroughCacheRules as Subject[];
    case 'creationTemplate': return registry.creationTemplates as Subject[];
  }
}

/** A subject whose resource could not be rendered: every rule of its kind reports the error. */
function unreadable(node: CfnResource, message: string): Subject {
  const base = { id: node.node.path, readError: message };
  switch (KINDS[node.cfnResourceType]) {
    case 'repository':
      return {
        ...base,
        kind: 'repository',
        tagMutability: null,
        tagMutabilityExclusionFilters: [],
        scanOnPush: null,
        encryptionType: null,
        kmsKey: null,
        lifecyclePolicyText: null,
        policyStatements: null,
        tags: null,
      };
    case 'publicRepository': return { ...base, kind: 'publicRepository', tags: null, policyStatements: null };
    case 'registryScanning': return { ...base, kind: 'registryScanning', scanType: null, rules: null };
    case 'registryPolicy': return { ...base, kind: 'registryPolicy', policyStatements: null };
    case 'replication': return { ...base, kind: 'replication', destinations: [] };
    case 'pullThroughCacheRule': return { ...base, kind: 'pullThroughCacheRule' };
    case 'creationTemplate':
    default:
      return { ...base, kind: 'creationTemplate', appliedFor: [], tagMutability: null, lifecyclePolicyText: null, policyStatements: null };
  }
}

function toSubject(node: CfnResource, account: string | undefined, region: string | undefined): Subject | undefined {
  const props = renderedProperties(node);
  if (!props) {
    return undefined;
  }
  const id = node.node.path;
  switch (KINDS[node.cfnResourceType]) {
    case 'repository': {
      const name = literal(props.RepositoryName);
      const repository: RepositoryModel = {
        kind: 'repository',
        id,
        name,
        arn: name !== undefined && account !== undefined && region !== undefined
          ? `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${name}` : undefined,
        tagMutability: mapPossible(possibleValues(node, props.ImageTagMutability), v => (v === undefined ? 'MUTABLE' : String(v))),
        tagMutabilityExclusionFilters: exclusionFilters(props.ImageTagMutabilityExclusionFilters),
        scanOnPush: mapPossible(fieldOf(node, props.ImageScanningConfiguration, 'ScanOnPush'), isTrue),
        encryptionType: mapPossible(fieldOf(node, props.EncryptionConfiguration, 'EncryptionType'), v => (v === undefined ? 'AES256' : String(v))),
        kmsKey: kmsKeys(node, props.EncryptionConfiguration),
        lifecyclePolicyText: lifecycleTexts(node, props.LifecyclePolicy),
        policyStatements: statementsOf(props.RepositoryPolicyText) ?? null,
        tags: tagsOf(node, props.Tags),
      };
      return repository;
    }
    case 'publicRepository': {
      const publicRepository: PublicRepositoryModel = {
        kind: 'publicRepository',
        id,
        name: literal(props.RepositoryName),
        tags: tagsOf(node, props.Tags),
        policyStatements: statementsOf(props.RepositoryPolicyText) ?? null,
      };
      return publicRepository;
    }
    case 'registryScanning': {
      const scanning: RegistryScanningModel = {
        kind: 'registryScanning',
        id,
        scanType: mapPossible(possibleValues(node, props.ScanType), v => String(v)),
        rules: scanningRules(props.Rules),
      };
      return scanning;
    }
    case 'registryPolicy': {
      const policy: RegistryPolicyModel = { kind: 'registryPolicy', id, policyStatements: statementsOf(props.PolicyText) ?? null };
      return policy;
    }
    case 'replication': {
      const replication: ReplicationModel = { kind: 'replication', id, destinations: destinationsOf(props.ReplicationConfiguration) };
      return replication;
    }
    case 'pullThroughCacheRule': {
      const rule: PullThroughCacheRuleModel = {
        kind: 'pullThroughCacheRule',
        id,
        ecrRepositoryPrefix: literal(props.EcrRepositoryPrefix),
        upstreamRegistryUrl: literal(props.UpstreamRegistryUrl),
      };
      return rule;
    }
    case 'creationTemplate':
    default: {
      const template: CreationTemplateModel = {
        kind: 'creationTemplate',
        id,
        prefix: literal(props.Prefix),
        appliedFor: Array.isArray(props.AppliedFor) ? props.AppliedFor.filter((a: unknown): a is string => typeof a === 'string') : [],
        tagMutability: mapPossible(possibleValues(node, props.ImageTagMutability), v => (v === undefined ? 'MUTABLE' : String(v))),
        lifecyclePolicyText: textValues(node, props.LifecyclePolicy),
        policyStatements: statementsOf(props.RepositoryPolicy) ?? null,
      };
      return template;
    }
  }
}

/** The partition of a region's ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) {
    return 'aws-cn';
  }
  if (region.startsWith('us-gov-')) {
    return 'aws-us-gov';
  }
  return 'aws';
}

function literal(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function mapPossible<T>(values: Possible<unknown> | undefined, map: (v: unknown) => T): Possible<T> {
  return values ? values.map(map) : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every value `container.key` can take (a container that is not an object gives `undefined`). */
function fieldOf(node: CfnResource, container: unknown, key: string): Possible<unknown> {
  const outer = possibleValues(node, container);
  if (!outer) {
    return null;
  }
  const values: unknown[] = [];
  for (const o of outer) {
    if (!isObject(o)) {
      values.push(undefined);
      continue;
    }
    const inner = possibleValues(node, o[key]);
    if (!inner) {
      return null;
    }
    values.push(...inner);
  }
  return values;
}

/** A KMS key as written: a reference of any kind is a deploy-time value (not expanded). */
function kmsKeys(node: CfnResource, encryption: unknown): Possible<string | DeployTimeValue | undefined> {
  const outer = possibleValues(node, encryption);
  if (!outer) {
    return null;
  }
  return outer.map(cfg => {
    const key = isObject(cfg) ? cfg.KmsKey : undefined;
    if (isIntrinsic(key) || (key !== undefined && typeof key !== 'string')) {
      return deployTime(key);
    }
    return key;
  });
}

/** A policy text: `Fn::Join` / `Fn::Sub` is a text built at deploy time; other intrinsics are expanded or unknown. */
function textValues(node: CfnResource, text: unknown): Possible<string | DeployTimeValue | undefined> {
  if (isIntrinsic(text) && ('Fn::Join' in text || 'Fn::Sub' in text)) {
    return [deployTime(text)];
  }
  const values = possibleValues(node, text);
  if (!values) {
    return null;
  }
  return values.map(v => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v)));
}

function lifecycleTexts(node: CfnResource, lifecyclePolicy: unknown): Possible<string | DeployTimeValue | undefined> {
  const outer = possibleValues(node, lifecyclePolicy);
  if (!outer) {
    return null;
  }
  const values: (string | DeployTimeValue | undefined)[] = [];
  for (const lp of outer) {
    if (!isObject(lp)) {
      values.push(undefined);
      continue;
    }
    const texts = textValues(node, lp.LifecyclePolicyText);
    if (!texts) {
      return null;
    }
    values.push(...texts);
  }
  return values;
}

function tagsOf(node: CfnResource, tags: unknown): Possible<readonly ResourceTag[]> {
  const outer = possibleValues(node, tags);
  if (!outer) {
    return null;
  }
  const asText = (v: unknown): string | DeployTimeValue | undefined =>
    (typeof v === 'string' ? v : isIntrinsic(v) ? deployTime(v) : undefined);
  return outer.map(list => (Array.isArray(list) ? list : []).flatMap((t: unknown) => {
    if (!isObject(t)) {
      return [];
    }
    const key = asText(t.Key);
    return key === undefined ? [] : [{ key, value: asText(t.Value) ?? '' }];
  }));
}

function exclusionFilters(v: unknown): { filter: string; filterType: string }[] {
  if (!Array.isArray(v)) {
    return [];
  }
  return v.filter(isObject).map(f => ({ filter: String(f.Filter ?? ''), filterType: String(f.FilterType ?? '') }));
}

function scanningRules(rules: unknown): ScanningRule[] | null {
  if (!Array.isArray(rules)) {
    return null;
  }
  const asText = (v: unknown): string | DeployTimeValue => (typeof v === 'string' ? v : deployTime(v));
  return rules.filter(r => isObject(r) && !isIntrinsic(r)).map((r: Record<string, unknown>) => ({
    scanFrequency: asText(r.ScanFrequency),
    repositoryFilters: (Array.isArray(r.RepositoryFilters) ? r.RepositoryFilters : []).filter(isObject)
      .map(f => ({ filter: asText(f.Filter), filterType: asText(f.FilterType) })),
  }));
}

/**
 * A signing configuration as it will be deployed (undefined when it does not synthesize); rules
 * that cannot be known, or that fail to render, make `rules` null.
 */
function signingConfiguration(node: CfnResource): SigningConfigurationModel | undefined {
  const id = node.node.path;
  let props: Record<string, any> | undefined;
  try {
    props = renderedProperties(node);
  } catch {
    return { id, rules: null };
  }
  if (!props) {
    return undefined;
  }
  const rules = props.Rules;
  if (!Array.isArray(rules) || rules.some(r => !isObject(r) || isIntrinsic(r))) {
    return { id, rules: null };
  }
  const asText = (v: unknown): string | DeployTimeValue => (typeof v === 'string' ? v : deployTime(v));
  return {
    id,
    rules: rules.map((r: Record<string, unknown>) => ({
      signingProfileArn: asText(r.SigningProfileArn),
      repositoryFilters: (Array.isArray(r.RepositoryFilters) ? r.RepositoryFilters : []).filter(isObject)
        .map(f => ({ filter: asText(f.Filter), filterType: asText(f.FilterType) })),
    })),
  };
}

function destinationsOf(configuration: unknown): string[] {
  const rules = isObject(configuration) && Array.isArray(configuration.Rules) ? configuration.Rules : [];
  return rules.filter(isObject).flatMap(r => (Array.isArray(r.Destinations) ? r.Destinations : []).filter(isObject)
    .map(d => `${typeof d.Region === 'string' ? d.Region : '?'}/${typeof d.RegistryId === 'string' ? d.RegistryId : '?'}`));
}
