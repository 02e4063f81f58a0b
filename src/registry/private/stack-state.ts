import { Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/** The id of the state construct under each stack; part of the construct tree, so chosen once. */
const STATE_ID = 'CdkEcrRegistryStackState';

/**
 * What the registry-level constructs of one stack share, kept in the construct tree: a child of the
 * stack, found by its id, that synthesizes nothing. It holds the stack's `Registry` and the prefixes of
 * its pull-through cache rules (ECR keeps both once per account and region).
 *
 * Only `obtain` creates it, and constructors call `obtain` after their props passed validation, so a
 * failed construction leaves the tree as it was.
 */
export class RegistryStackState extends Construct {
  /** The state of the stack that contains `scope`, if a registry construct created it. */
  public static find(scope: IConstruct): RegistryStackState | undefined {
    const child = Stack.of(scope).node.tryFindChild(STATE_ID);
    return child instanceof RegistryStackState ? child : undefined;
  }

  /** The state of the stack that contains `scope`, created on first use. */
  public static obtain(scope: IConstruct): RegistryStackState {
    return RegistryStackState.find(scope) ?? new RegistryStackState(Stack.of(scope), STATE_ID);
  }

  /** The stack's `Registry`, once one is created. */
  public registry?: IConstruct;

  /** Pull-through cache rule prefixes of the stack (a token prefix under a key of its own), each to the path of its rule. */
  public readonly cachePrefixes = new Map<string, string>();

  /** Creation template prefixes of the stack (a token prefix under a key of its own), each to the path of its template. */
  public readonly templatePrefixes = new Map<string, string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }
}
