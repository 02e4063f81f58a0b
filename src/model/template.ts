/**
 * The template side of the model: every CloudFormation resource a kind descriptor reads, under a
 * construct (normally the app), read by that descriptor through a `TemplateContext`. The one module
 * of the model that needs aws-cdk-lib (with src/model/cfn-template.ts): synth-time checks and
 * `report --assembly` use it; the live read does not.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { possibleValues, renderedProperties } from './cfn-template';
import { KindItem, TemplateContext } from './descriptor';
import { kindOfCfnType } from './kind-list';
import { emptyRegistry, RegistryModel, Subject } from './settings';
import { isUnresolved } from '../private/tokens';

/** A subject of a template, with the L1 resource it was read from. */
export interface TemplateSubject {
  readonly subject: Subject;
  readonly registry: RegistryModel;
  readonly node: CfnResource;
}

/** An item of any kind of a template, with the L1 resource it was read from. */
export interface TemplateItem {
  /** The kind descriptor's `kind`. */
  readonly kind: string;
  readonly item: KindItem;
  readonly registry: RegistryModel;
  readonly node: CfnResource;
}

/** The settings model of every ECR resource of an app, one registry per account and region. */
export interface TemplateModel {
  /** One per account and region (an environment-agnostic stack is a registry of its own). */
  readonly registries: RegistryModel[];
  /** Every subject the rules judge, in construct-tree order (pre-order). */
  readonly subjects: TemplateSubject[];
  /** Every item of every kind, in construct-tree order (pre-order). */
  readonly items: TemplateItem[];
}

/**
 * Build the settings model from the CloudFormation resources under `root` (normally the app):
 * each property as it will be deployed (escape-hatch overrides included, tokens resolved), with
 * every value it can take (`CfnParameter` `AllowedValues`, both branches of `Fn::If`), `null`
 * when CloudFormation alone knows it.
 *
 * A resource that does not synthesize is left out; one that fails to render is an item with a
 * `readError` (a signing configuration: rules not known).
 */
export function modelFromTemplate(root: IConstruct): TemplateModel {
  const registries = new Map<string, Record<string, unknown>>();
  const items: { kind: string; item: KindItem; key: string; node: CfnResource; subject: boolean }[] = [];
  for (const node of root.node.findAll()) {
    if (!CfnResource.isCfnResource(node)) {
      continue;
    }
    const kind = kindOfCfnType(node.cfnResourceType);
    if (!kind?.fromTemplate) {
      continue;
    }
    const stack = Stack.of(node);
    const account = isUnresolved(stack.account) ? undefined : stack.account;
    const region = isUnresolved(stack.region) ? undefined : stack.region;
    // Environment-agnostic stacks are one registry only with themselves.
    const key = account !== undefined && region !== undefined ? `${account}/${region}` : `stack:${stack.node.path}`;
    if (!registries.has(key)) {
      registries.set(key, { ...emptyRegistry(account, region) });
    }
    let item: KindItem | undefined;
    try {
      const props = renderedProperties(node);
      if (props) {
        const ctx: TemplateContext = { id: node.node.path, account, region, props, possible: value => possibleValues(node, value) };
        item = kind.fromTemplate(ctx);
      }
    } catch (e) {
      item = kind.unreadable?.(node.node.path, (e as Error).message);
    }
    if (item === undefined) {
      continue;
    }
    const registry = registries.get(key)!;
    const list = (registry[kind.field] as KindItem[] | undefined) ?? [];
    list.push(item);
    registry[kind.field] = list;
    items.push({ kind: kind.kind, item, key, node, subject: kind.subject });
  }
  const registryOf = (key: string) => registries.get(key)! as unknown as RegistryModel;
  return {
    registries: [...registries.values()] as unknown as RegistryModel[],
    subjects: items.filter(i => i.subject).map(i => ({ subject: i.item as Subject, node: i.node, registry: registryOf(i.key) })),
    items: items.map(i => ({ kind: i.kind, item: i.item, node: i.node, registry: registryOf(i.key) })),
  };
}
