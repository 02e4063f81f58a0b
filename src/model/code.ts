/**
 * Code as data, for adoption (`cdk-ecr-registry adopt`): a kind descriptor's `toCode` declares
 * its item as one or more `CodeDeclaration`s, which the adoption writers render as TypeScript or
 * Python and which the adoption builds in process (the same declarations, so the written app and
 * the one whose changes are listed cannot differ). Plain data: nothing here imports aws-cdk-lib.
 */

/** A module the written code imports: aws-cdk-lib's `aws-ecr` and `aws-kms`, or this library. */
export type CodeModule = 'ecr' | 'kms' | 'lib';

/** A value that is code, not data. */
export type CodeExpr =
  /** A static member: `ecr.TagMutability.IMMUTABLE`. */
  | { readonly $: 'ref'; readonly module: CodeModule; readonly path: readonly string[] }
  /** A static call: `LifecyclePolicy.fromJson('...')`, `kms.Key.fromKeyArn(stack, 'Id', '...')`. */
  | { readonly $: 'call'; readonly module: CodeModule; readonly path: readonly string[]; readonly args: readonly CodeValue[] }
  /** The stack the declaration is in. */
  | { readonly $: 'scope' }
  /** JSON kept exactly as ECR answered it (a policy document): its keys are never renamed. */
  | { readonly $: 'json'; readonly value: unknown };

/** A prop value: literals, lists and objects of props (keys renamed per language), or code. */
export type CodeValue =
  | string | number | boolean | null
  | readonly CodeValue[]
  | { readonly [key: string]: CodeValue }
  | CodeExpr;

/** One construct of the written app. */
export interface CodeDeclaration {
  /** The construct's class: `PrivateRepository` of this library, `CfnRegistryPolicy` of aws-ecr. */
  readonly construct: { readonly module: CodeModule; readonly name: string };
  /** The construct id (unique in the written app: `CodeWriter.idFor`). */
  readonly id: string;
  /** The props, in the construct's own (camelCase) names. */
  readonly props: { readonly [key: string]: CodeValue };
  /** Tags added with `Tags.of(construct).add(key, value)`, in this order. */
  readonly tags?: readonly (readonly [string, string])[];
  /**
   * Escape-hatch overrides of the CloudFormation resource (`addPropertyOverride` on the construct's
   * L1), for what the construct would refuse or change: the value is JSON, kept exactly.
   */
  readonly overrides?: readonly { readonly path: string; readonly value: unknown }[];
  /** `applyRemovalPolicy(RemovalPolicy.RETAIN)` (an L1; `cdk import` requires `DeletionPolicy: Retain`). */
  readonly retain?: boolean;
  /** Comment lines written above it. */
  readonly comments?: readonly string[];
}

/** A static member of a module (`ref('ecr', 'TagMutability', 'IMMUTABLE')`). */
export function ref(module: CodeModule, ...path: string[]): CodeExpr {
  return { $: 'ref', module, path };
}

/** A static call of a module. */
export function call(module: CodeModule, path: readonly string[], ...args: CodeValue[]): CodeExpr {
  return { $: 'call', module, path, args };
}

/** JSON kept exactly. */
export function json(value: unknown): CodeExpr {
  return { $: 'json', value };
}

/** The stack the declaration is in. */
export const SCOPE: CodeExpr = { $: 'scope' };

/** Whether a value is a `CodeExpr`. */
export function isCodeExpr(v: unknown): v is CodeExpr {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $?: unknown }).$ === 'string'
    && ['ref', 'call', 'scope', 'json'].includes((v as { $: string }).$);
}

/**
 * A construct id from a name: its words (split at anything not a letter or digit) in PascalCase,
 * `Item` when it has none, prefixed when it starts with a digit.
 */
export function idFromName(name: string, fallback = 'Item'): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(w => w.length > 0);
  const id = words.map(w => w[0].toUpperCase() + w.slice(1)).join('') || fallback;
  return /^[0-9]/.test(id) ? `${fallback}${id}` : id;
}
