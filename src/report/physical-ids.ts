/**
 * Physical ids of the declared repositories that have no literal name, from the deployed stacks:
 * CloudFormation names such a repository at deploy time (`stack-logicalid-random`), and only the
 * deployed stack knows the name.
 *
 * The report first reads the names from the tags CloudFormation gives every repository it creates
 * (`aws:cloudformation:stack-name`, `aws:cloudformation:logical-id`; src/report/drift.ts), which
 * the inventory has already read: no call, no permission. For what the tags do not name, a caller
 * may pass a `StackResourcesReader` (CloudFormation `ListStackResources` with its own client): the
 * package does not bundle the CloudFormation client (2.2 MB installed, beyond the package's size
 * budget).
 */
import { DeclaredStack } from './assembly';
import { PhysicalIds } from './drift';
import { describeError, errorCode } from '../runtime';

/** Where a stack is deployed, for a `StackResourcesReader`. */
export interface DeployedStack {
  /** The stack name (for a nested stack, the physical id its parent lists: the stack's ARN). */
  readonly stackName: string;
  /** The registry's account. */
  readonly account?: string;
  readonly region: string;
}

/**
 * Answers a deployed stack's resources: logical id to physical id (CloudFormation
 * `ListStackResources`, every page). Throws when the stack cannot be read; an error whose code is
 * `ValidationError` and whose message says "does not exist" means the stack is not deployed.
 */
export type StackResourcesReader = (stack: DeployedStack) => Promise<ReadonlyMap<string, string>>;

type Known = { readonly ids?: ReadonlyMap<string, string>; readonly reason?: string };

/**
 * Read the physical ids of `stacks` (and of the parents of nested ones) with `reader`. Never
 * throws: a stack that cannot be read has a `reason`.
 */
export async function readPhysicalIds(
  stacks: readonly DeclaredStack[], reader: StackResourcesReader, where: { account?: string; region: string },
): Promise<PhysicalIds> {
  const cache = new Map<DeclaredStack, Promise<Known>>();
  const read = (stack: DeclaredStack): Promise<Known> => {
    let known = cache.get(stack);
    if (!known) {
      known = list(stack);
      cache.set(stack, known);
    }
    return known;
  };
  const list = async (stack: DeclaredStack): Promise<Known> => {
    let name = stack.stackName;
    if (name === undefined) {
      if (!stack.parent || stack.logicalIdInParent === undefined) {
        return { reason: `stack ${stack.displayName} has no name to look up` };
      }
      const parent = await read(stack.parent);
      if (parent.reason !== undefined) {
        return { reason: `the physical ids of its parent stack are not known: ${parent.reason}` };
      }
      name = parent.ids?.get(stack.logicalIdInParent);
      if (name === undefined) {
        return { reason: `the deployed stack ${stack.parent.displayName} lists no nested stack ${stack.logicalIdInParent}` };
      }
    }
    try {
      return { ids: await reader({ stackName: name, ...(where.account !== undefined ? { account: where.account } : {}), region: where.region }) };
    } catch (e) {
      const message = describeError(e, {
        call: 'CloudFormation ListStackResources',
        resource: { name: `stack ${name}`, ...(where.account !== undefined ? { account: where.account } : {}), region: where.region },
      }).message;
      const notDeployed = errorCode(e) === 'ValidationError' && /does not exist/i.test(message);
      return { reason: notDeployed ? `stack ${name} is not deployed in this account and region (${message})` : `its stack's physical ids could not be read: ${message}` };
    }
  };
  const result = new Map<string, Known>();
  await Promise.all(stacks.map(async s => {
    result.set(s.artifactId, await read(s));
  }));
  return result;
}
