/**
 * The declared side of drift: what the stacks of a cloud assembly declare, in the model. The
 * assembly reader (src/report/assembly.ts, with aws-cdk-lib) builds it; drift and the report only
 * read it, so they need no aws-cdk-lib.
 */
import { SigningConfigurationModel, Subject } from './settings';

/** One ECR resource of a declared stack. */
export interface DeclaredSubject {
  /** Its settings, in the neutral model. */
  readonly subject: Subject;
  /** Its logical id in the template. */
  readonly logicalId: string;
  /** Its construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
}

/** One item of any kind a stack declares (schema 1.3: every kind of src/model/kinds). */
export interface DeclaredItem {
  /** The kind descriptor's `kind`. */
  readonly kind: string;
  /** Its settings, in the neutral model. */
  readonly item: { readonly id: string; readonly readError?: string };
  readonly logicalId: string;
  /** Its construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
}

/** One stack of the assembly (a top-level stack, a stack in a stage, or a nested stack). */
export interface DeclaredStack {
  /** The artifact id; for a nested stack, its parent's id, `/` and its logical id in the parent. */
  readonly artifactId: string;
  /** The CloudFormation stack name (`undefined` for a nested stack: CloudFormation names it at deploy time). */
  readonly stackName?: string;
  /** The name the CDK CLI shows (`Stage/Stack`). */
  readonly displayName: string;
  /** The account, `undefined` when environment-agnostic. */
  readonly account?: string;
  /** The region, `undefined` when environment-agnostic. */
  readonly region?: string;
  /** Stack-level tags (CloudFormation gives them to every resource that takes tags). */
  readonly tags: Readonly<Record<string, string>>;
  /** The stack a nested stack belongs to. */
  readonly parent?: DeclaredStack;
  /** A nested stack's logical id in its parent (its `AWS::CloudFormation::Stack` resource). */
  readonly logicalIdInParent?: string;
  /** The ECR resources it declares that the rules judge. */
  readonly subjects: readonly DeclaredSubject[];
  /**
   * The managed signing configurations it declares (`AWS::ECR::SigningConfiguration`: a registry
   * setting, not a judged subject).
   * @default - none
   */
  readonly signingConfigurations?: readonly DeclaredSigning[];
  /**
   * Every item it declares, of every kind, in template order (drift compares these).
   * @default - `subjects` and `signingConfigurations`
   */
  readonly items?: readonly DeclaredItem[];
  /** Why its template could not be read (it then declares nothing that can be compared). */
  readonly error?: string;
}

/** A managed signing configuration a stack declares. */
export interface DeclaredSigning {
  readonly configuration: SigningConfigurationModel;
  readonly logicalId: string;
  /** The construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
}

/** A cloud assembly as declared. */
export interface DeclaredApp {
  /** The directory as given. */
  readonly assembly: string;
  /** Every stack, top-level ones in manifest order, each followed by its nested stacks. */
  readonly stacks: readonly DeclaredStack[];
}

/**
 * Physical ids of a stack's resources (logical id to physical id), as CloudFormation answered,
 * or why they are not known; by stack artifact id.
 */
export type PhysicalIds = ReadonlyMap<string, { readonly ids?: ReadonlyMap<string, string>; readonly reason?: string }>;

/** Every item a stack declares: `items`, else its subjects and signing configurations. */
export function declaredItems(stack: DeclaredStack): readonly DeclaredItem[] {
  if (stack.items) {
    return stack.items;
  }
  return [
    ...stack.subjects.map(s => ({
      kind: s.subject.kind, item: s.subject, logicalId: s.logicalId, ...(s.path !== undefined ? { path: s.path } : {}),
    })),
    ...(stack.signingConfigurations ?? []).map(s => ({
      kind: 'signing', item: s.configuration, logicalId: s.logicalId, ...(s.path !== undefined ? { path: s.path } : {}),
    })),
  ];
}
