/**
 * The list of kind descriptors: everything per kind derives from it, in this order (report order:
 * repositories first, then the registry-wide settings).
 */
import { itemsOf, KindDescriptor } from './descriptor';
import { ACCOUNT_SETTING } from './kinds/account-setting';
import { CREATION_TEMPLATE } from './kinds/creation-template';
import { PUBLIC_REPOSITORY } from './kinds/public-repository';
import { PULL_THROUGH_CACHE_RULE } from './kinds/pull-through-cache-rule';
import { PULL_TIME_EXCLUSION } from './kinds/pull-time-exclusion';
import { REGISTRY_POLICY } from './kinds/registry-policy';
import { REGISTRY_SCANNING } from './kinds/registry-scanning';
import { REPLICATION } from './kinds/replication';
import { REPOSITORY } from './kinds/repository';
import { SIGNING } from './kinds/signing';
import { RegistryModel, Subject } from './settings';
import { EcrValidationError } from '../private/errors';

/** The kinds this library models, in report order. */
export const BUILT_IN_KINDS: readonly KindDescriptor[] = [
  REPOSITORY,
  PUBLIC_REPOSITORY,
  REGISTRY_SCANNING,
  REGISTRY_POLICY,
  REPLICATION,
  PULL_THROUGH_CACHE_RULE,
  CREATION_TEMPLATE,
  ACCOUNT_SETTING,
  SIGNING,
  PULL_TIME_EXCLUSION,
];

const registered: KindDescriptor[] = [];

/** Every kind: the built-in ones, then those registered, in registration order. */
export function kinds(): readonly KindDescriptor[] {
  return registered.length === 0 ? BUILT_IN_KINDS : [...BUILT_IN_KINDS, ...registered];
}

/**
 * Add a kind (a test's, or one a later version adds before it is built in): the inventory, drift
 * and the report take it up with no other change. Returns the function that removes it again.
 */
export function registerKind(descriptor: KindDescriptor): () => void {
  if (kinds().some(k => k.kind === descriptor.kind)) {
    throw new EcrValidationError('registerKind', `kind ${JSON.stringify(descriptor.kind)} is registered already: a kind's name is its identity in drift and the JSON`);
  }
  registered.push(descriptor);
  return () => {
    const i = registered.indexOf(descriptor);
    if (i >= 0) {
      registered.splice(i, 1);
    }
  };
}

/** The descriptor of a kind, `undefined` for a kind nobody registered. */
export function kindOf(kind: string): KindDescriptor | undefined {
  return kinds().find(k => k.kind === kind);
}

/** The kind of each CloudFormation type a descriptor reads. */
export function kindOfCfnType(type: string): KindDescriptor | undefined {
  return kinds().find(k => k.cfnTypes.includes(type));
}

/** Every subject the rules judge, in report order (repositories first). */
export function subjectsOf(model: RegistryModel): Subject[] {
  return kinds().filter(k => k.subject).flatMap(k => itemsOf(model, k) as readonly Subject[]);
}
