/**
 * What adoption writes, as data: each live item declared by its kind's `toCode` (src/model/kinds),
 * spread over stacks (CloudFormation holds 500 resources and a 1 MB template per stack).
 * Imports no aws-cdk-lib: the writers render the plan and `build.ts` constructs it.
 */
import { CodeDeclaration } from '../model/code';
import { CodeWriter, itemsOf, KindDescriptor } from '../model/descriptor';
import { kinds } from '../model/kind-list';
import { RegistryModel } from '../model/settings';

/** An acknowledgement of an EcrChecks finding on a declaration. */
export interface Acknowledgement {
  /** `EcrChecks-ECR1`. */
  readonly id: string;
  readonly reason: string;
}

/** A declaration of the plan, with the live item it declares. */
export interface PlannedDeclaration extends CodeDeclaration {
  /** The kind descriptor's `kind` of the item. */
  readonly kind: string;
  /** The item's key (repository name, prefix, principal), `undefined` for a singleton. */
  readonly key?: string;
  /** EcrChecks findings acknowledged on it (as-is mode), in rule order. */
  readonly acknowledgements: readonly Acknowledgement[];
}

/** One stack of the written app. */
export interface PlannedStack {
  /** The stack's construct id and CloudFormation name. */
  readonly name: string;
  readonly declarations: readonly PlannedDeclaration[];
}

/** The whole written app. */
export interface AdoptionPlan {
  readonly account: string;
  readonly region: string;
  readonly stacks: readonly PlannedStack[];
  /** Settings the app could not hold exactly, and parts that could not be read: the gaps of `adopt-changes.json`. */
  readonly gaps: readonly string[];
  /** How some settings are written (escape hatches), for `ADOPTED.md`. */
  readonly notes: readonly string[];
}

/** Most resources a written stack holds (CloudFormation's limit is 500; room is left for what a team adds). */
export const MAX_RESOURCES_PER_STACK = 400;
/** Most template bytes a written stack holds, estimated (CloudFormation's limit is 1 MB through S3). */
export const MAX_TEMPLATE_BYTES = 700_000;
/** The written stacks' names: `AdoptedRegistry`, then `AdoptedRegistry2`, ... */
export const STACK_NAME = 'AdoptedRegistry';

/** Declare every live item with its kind's `toCode`. */
export function planAdoption(
  model: RegistryModel, options: { readonly lifecyclePolicyProblem: (text: string) => string | undefined },
): AdoptionPlan {
  const declarations: PlannedDeclaration[] = [];
  const gaps: string[] = [];
  const notes: string[] = [];
  const ids = new Set<string>();
  for (const k of kinds()) {
    const items = [...itemsOf(model, k)].sort((a, b) => keyOf(k, a).localeCompare(keyOf(k, b)));
    if (items.length === 0) {
      continue;
    }
    if (!k.toCode) {
      if (k.api) {
        gaps.push(...items.map(item => `${k.nameOf(item)} is not declared: no CloudFormation resource declares a ${k.words.one} `
          + `(${describe(k, item)}), so it stays as it is, outside the app`));
      }
      continue;
    }
    for (const item of items) {
      const key = k.keyOf?.(item);
      const writer: CodeWriter = {
        declare: d => declarations.push({ ...d, kind: k.kind, ...(key !== undefined ? { key } : {}), acknowledgements: [] }),
        idFor: hint => {
          let id = hint;
          for (let n = 2; ids.has(id.toLowerCase()); n++) {
            id = `${hint}${n}`;
          }
          ids.add(id.toLowerCase());
          return id;
        },
        gap: reason => gaps.push(reason),
        note: text => notes.push(text),
        lifecyclePolicyProblem: options.lifecyclePolicyProblem,
      };
      k.toCode(item, writer);
    }
  }
  // Registry-wide settings first (the first stack holds them), then the repositories.
  const ordered = [...declarations.filter(d => d.kind !== 'repository'), ...declarations.filter(d => d.kind === 'repository')];
  return { account: model.account ?? 'unknown', region: model.region ?? 'unknown', stacks: shard(ordered), gaps, notes };
}

function keyOf(k: KindDescriptor, item: unknown): string {
  return k.keyOf?.(item) ?? '';
}

function describe(k: KindDescriptor, item: unknown): string {
  return JSON.stringify(k.toJson ? k.toJson(item) : item);
}

/** Registry-wide settings first, then repositories, each stack up to the limits. */
export function shard(declarations: readonly PlannedDeclaration[]): PlannedStack[] {
  const stacks: PlannedDeclaration[][] = [[]];
  let bytes = 0;
  for (const d of declarations) {
    const size = 400 + JSON.stringify({ p: d.props, o: d.overrides ?? [], t: d.tags ?? [] }).length * 1.5;
    const current = stacks[stacks.length - 1];
    if (current.length > 0 && (current.length + 1 > MAX_RESOURCES_PER_STACK || bytes + size > MAX_TEMPLATE_BYTES)) {
      stacks.push([d]);
      bytes = size;
    } else {
      current.push(d);
      bytes += size;
    }
  }
  return stacks.map((declared, i) => ({ name: i === 0 ? STACK_NAME : `${STACK_NAME}${i + 1}`, declarations: declared }));
}
