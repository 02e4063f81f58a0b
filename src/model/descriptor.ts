/**
 * A kind descriptor: everything that is "per kind" about one resource kind of a registry, in one
 * place. The template reader, the live inventory, the rule pack's subjects, drift and the report's
 * words and order all derive from the list of descriptors (src/model/kind-list.ts), so adding a kind
 * is one descriptor and its tests.
 *
 * Nothing here imports aws-cdk-lib: a descriptor reads a template through a `TemplateContext` the
 * template reader (src/model/template.ts) gives it, and the API through an `ApiContext`.
 */
import { CodeDeclaration } from './code';
import { Outcome } from './compare';
import { DeclaredStack, PhysicalIds } from './declared';
import { RegistryModel, RegistryPart } from './settings';

/** What every item of every kind has (the model's `SubjectBase`, with `kind` optional for settings kept without one). */
export interface KindItem {
  readonly kind?: string;
  /** The construct path (template) or an ARN-based id (live). */
  readonly id: string;
  readonly arn?: string;
  /** The template resource failed to render (template only). */
  readonly readError?: string;
  /** Parts of the item that could not be read (live only). */
  readonly unread?: readonly RegistryPart[];
}

/**
 * How items of a kind are told apart: `singleton` (one per registry: scanning, the registry
 * policy), `prefix` (pull-through cache rules, creation templates) or `name` (repositories,
 * pull-time exclusions by principal, account settings by name).
 */
export type Identity = 'singleton' | 'prefix' | 'name';

/** A CloudFormation resource of a template, as the template reader hands it to a descriptor. */
export interface TemplateContext {
  /** The construct path of the L1 resource: the item's `id`. */
  readonly id: string;
  /** The stack's account, when it is a literal. */
  readonly account?: string;
  /** The stack's region, when it is a literal. */
  readonly region?: string;
  /** The resource's properties as deployed (overrides applied, tokens resolved; intrinsics as JSON). */
  readonly props: Readonly<Record<string, any>>;
  /**
   * Every value a property can take (a literal, a parameter's allowed values, both branches of
   * `Fn::If`), `undefined` when only CloudFormation knows it.
   */
  readonly possible: (value: unknown) => readonly unknown[] | undefined;
}

/** A call's outcome: its answer, "there is none" (a not-found error), or failed (recorded as a gap). */
export interface Answer<T> {
  readonly value?: T;
  readonly absent?: boolean;
  readonly failed?: boolean;
}

/** How a descriptor reads the API: calls go through the inventory's limiter and client policy. */
export interface ApiContext {
  readonly region: string;
  /** The registry asked for (`registryId` of calls that take one). */
  readonly registryId?: string;
  /** `DescribeRegistry`'s answer: read first, it names the account. */
  readonly registry: Answer<any>;
  /** The account as known so far. */
  readonly account: () => string | undefined;
  /** One call; a failure is recorded as a gap of `part` (and of `repository`, when given). */
  readonly call: <T>(part: RegistryPart, action: string, command: unknown, repository?: string) => Promise<Answer<T>>;
  /** Every page of a listing (`nextToken`), `undefined` when a page failed (a gap) or answered nothing. */
  readonly pages: <T>(part: RegistryPart, action: string, make: (nextToken?: string) => unknown, key: string) => Promise<T[] | undefined>;
  /** Keep a registry-wide value the report prints as ECR answered it (`signingConfiguration`, `accountSettings`). */
  readonly keep: (field: string, value: unknown) => void;
  /** Progress of a long read (repositories). */
  readonly progress?: (listed: number, read: number, listingDone: boolean, accountHint?: string) => void;
}

/** One API action a kind's read makes, with the permission it needs. */
export interface ApiCall {
  readonly action: string;
  /** The IAM action (`ecr:DescribeRepositories`). */
  readonly permission: string;
  /** How often: once per registry, per page, per repository, per batch of repositories. */
  readonly per: 'registry' | 'page' | 'repository' | 'batch';
  /** The most items one answer holds, for paged and batched calls. */
  readonly pageSize?: number;
  /**
   * A registry-wide feature a region or an emulator may lack (answered with a 5xx there): sent
   * with the client that gives up after a few attempts.
   */
  readonly optional?: boolean;
}

/** How a kind is read from the API. */
export interface ApiReader<S extends KindItem> {
  readonly calls: readonly ApiCall[];
  /**
   * The items as ECR answers them (`id` may be left empty: `liveId` names them once the account is
   * known), or `undefined` when they could not be read (the gap is recorded).
   */
  readonly read: (ctx: ApiContext) => Promise<readonly S[] | undefined>;
}

/** What a property comparison knows besides the two items. */
export interface CompareContext {
  /** The partition of the registry (account ids in policies compare as their `:root` ARN). */
  readonly partition: string;
  /** The declaring stack's tags (CloudFormation gives them to every resource that takes tags). */
  readonly stackTags: Readonly<Record<string, string>>;
}

/** One property of a kind: its name in drift entries, its words, and how it compares. */
export interface PropertyDescriptor<S> {
  /** `tagMutability`: the drift entry's `property` (a public contract of the JSON). */
  readonly name: string;
  /** `tag mutability`: its words in a sentence. */
  readonly words: string;
  /** The live part it is read from: when the live item could not read it, it is not comparable. */
  readonly part?: RegistryPart;
  /** How a value shows in a sentence. @default - the value, or its JSON */
  readonly show?: (v: unknown) => string;
  /** Compare the declared item's property with the live one's (normalization included). */
  readonly compare: (declared: S, live: S, ctx: CompareContext) => Outcome;
}

/** A declared item as drift sees it: the item and where it is declared. */
export interface DeclaredItemRef<S> {
  readonly item: S;
  readonly stack: DeclaredStack;
  readonly logicalId: string;
  readonly path?: string;
}

/** What a kind's drift hooks may look at. */
export interface DriftContext {
  readonly live: RegistryModel;
  /** Physical ids of deployed stacks, when they were read. */
  readonly physical?: PhysicalIds;
  /** The declared items of another kind (a creation template that would govern a repository). */
  readonly declaredOf: (kind: string) => readonly DeclaredItemRef<any>[];
  /** Declared items of this kind whose key could not be resolved. */
  readonly unresolved: number;
}

/** An entry a drift hook writes (the engine adds the kind, name and origin). */
export interface HookEntry {
  readonly reason: string;
  readonly declared?: unknown;
  readonly governedBy?: string;
}

/** Where a kind's drift differs from the rule of its identity. */
export interface DriftHooks<S> {
  /**
   * The key of a declared item that does not carry it (a repository without a literal name: by
   * CloudFormation's tags, or the deployed stack's physical ids), or why it is not known.
   */
  readonly resolveKey?: (x: DeclaredItemRef<S>, ctx: DriftContext) => string | { readonly reason: string };
  /** The live items as one (a singleton ECR answers in parts). @default - the first */
  readonly live?: (items: readonly S[]) => S | undefined;
  /** Whether a declared item is missing live, and why. @default - no live item: "the registry has no <noun>" */
  readonly missing?: (declared: S, live: S | undefined) => HookEntry | undefined;
  /** A live item nobody declares. @default - "the registry's <noun> for <keyWord> <key> is not declared by any stack"; singletons: none */
  readonly unmanaged?: (key: string, live: S, ctx: DriftContext) => HookEntry | undefined;
  /** A gap that is drift's business even when nothing is declared (the repository listing). */
  readonly gapAlways?: (action: string, reason: string) => string;
}

/** The words of a kind. */
export interface KindWords {
  /** In findings and listings: `repository creation template`. */
  readonly one: string;
  /** In drift lines (text, HTML): `creation template`. */
  readonly drift: string;
  /** After "the registry has no": `creation template`. */
  readonly noun: string;
  /** A gap of its registry-wide read: `the repository creation templates`. */
  readonly gap: string;
  /** What the key of a prefix or name kind is: `prefix`, `principal`. */
  readonly key?: string;
}

/**
 * Adoption's writer (`cdk-ecr-registry adopt`): a descriptor's `toCode` declares one live item as
 * constructs of the written app, as data (src/model/code.ts) that the TypeScript and Python writers
 * render and the adoption builds in process.
 */
export interface CodeWriter {
  /** Declare a construct. */
  readonly declare: (declaration: CodeDeclaration) => void;
  /** A construct id unique in the written app, from a hint (`TeamApi`, then `TeamApi2`). */
  readonly idFor: (hint: string) => string;
  /**
   * Record a live setting the code cannot hold exactly (written as close as it can, or left out):
   * it becomes a gap of `adopt-changes.json`, never a silent loss.
   */
  readonly gap: (reason: string) => void;
  /** Say how a setting is written when it is not the obvious way (an escape hatch): `ADOPTED.md` lists it. */
  readonly note: (text: string) => void;
  /**
   * Why the library's `LifecyclePolicy.fromJson` refuses a policy text (then the text is kept
   * through an escape hatch), `undefined` when it takes it. (The model cannot import the library.)
   */
  readonly lifecyclePolicyProblem: (text: string) => string | undefined;
}

/** One resource kind of a registry. */
export interface KindDescriptor<S extends KindItem = any> {
  /** `repository`, `replication`, `signing`, ...: the drift entry's `resource` (a public contract of the JSON). */
  readonly kind: string;
  readonly identity: Identity;
  /** The `RegistryModel` list that holds the kind's items (`repositories`). */
  readonly field: string;
  /** Whether the rule pack judges items of the kind (its items are `subjectsOf` the registry). */
  readonly subject: boolean;
  readonly words: KindWords;
  /** The parts of a live registry its read fills, in report order, with their words. */
  readonly parts: readonly { readonly part: RegistryPart; readonly words: string }[];
  /** The CloudFormation types it is read from (`AWS::ECR::Repository`). */
  readonly cfnTypes: readonly string[];
  /** Read one resource of a template; `undefined` to leave it out. Throwing makes it unreadable. */
  readonly fromTemplate?: (ctx: TemplateContext) => S | undefined;
  /**
   * The item of a resource that failed to render: every rule of the kind reports it.
   * @default - the resource is left out
   */
  readonly unreadable?: (id: string, message: string) => S;
  /** How it is read from the API; a kind without one is not read live and not compared. */
  readonly api?: ApiReader<S>;
  /** A live item's id once the registry's ARN is known. @default - the id the read gave */
  readonly liveId?: (item: S, registryArn: string) => string;
  /** The key of a prefix or name kind (`undefined` when only CloudFormation knows it). */
  readonly keyOf?: (item: S) => string | undefined;
  /** The item's name in findings and listings. */
  readonly nameOf: (item: S) => string;
  /** The item as the report's JSON lists it (`resources`, schema 1.3). */
  readonly toJson?: (item: S) => Readonly<Record<string, unknown>>;
  /** Its properties, in report order. */
  readonly properties: readonly PropertyDescriptor<S>[];
  readonly drift?: DriftHooks<S>;
  /**
   * How adoption declares a live item as code (its settings exactly as read: escape hatches for
   * what a construct would refuse). A kind without one is not written; adoption names it.
   */
  readonly toCode?: (item: S, writer: CodeWriter) => void;
}

/** The items of a kind in a registry model. */
export function itemsOf<S extends KindItem>(model: RegistryModel, d: KindDescriptor<S>): readonly S[] {
  const list = (model as unknown as Record<string, unknown>)[d.field];
  return Array.isArray(list) ? list as S[] : [];
}
