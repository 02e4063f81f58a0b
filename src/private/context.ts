import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * What a construct's prop collector knows about where the construct goes.
 *
 * A constructor passes `contextOf(scope)`. A composite that checks a spec before creating
 * anything (`RegistryBaseline`) passes the environment it will create the stack with and no
 * scope: checks that need the construct tree (another registry in the same stack, ...) are then
 * the composite's own.
 */
export interface CheckContext {
  /** The account of the stack (may be a token, or unknown). */
  readonly account?: string;
  /** The region of the stack (may be a token, or unknown). */
  readonly region?: string;
  /** The parent the construct is about to be created in. */
  readonly scope?: IConstruct;
}

/** The context of a construct about to be created in `scope`. */
export function contextOf(scope: IConstruct): CheckContext {
  const stack = Stack.of(scope);
  return { account: stack.account, region: stack.region, scope };
}
