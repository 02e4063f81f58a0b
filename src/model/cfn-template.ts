import { CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { isIntrinsic } from './intrinsic';

export { isIntrinsic };

/**
 * The CloudFormation properties of a resource as they will be deployed: rendered by the L1
 * (so escape-hatch overrides such as `addPropertyOverride` count) and with every token resolved.
 *
 * Intrinsics that only CloudFormation can evaluate (`Ref`, `Fn::GetAtt`, `Fn::If`, ...) stay as
 * their JSON form. Returns `undefined` for a resource that does not synthesize (a condition-less
 * `shouldSynthesize() === false`).
 */
export function renderedProperties(node: CfnResource): Record<string, any> | undefined {
  const stack = Stack.of(node);
  const rendered = stack.resolve(node._toCloudFormation()) as { Resources?: Record<string, { Properties?: Record<string, any> }> };
  const resources = rendered?.Resources;
  if (!resources) {
    return undefined;
  }
  const [definition] = Object.values(resources);
  return definition?.Properties ?? {};
}


/**
 * Every value a resolved property can take at deploy time, or `undefined` when that cannot be
 * known at synth time.
 *
 * - a literal is itself;
 * - `{ Ref: P }` of a `CfnParameter` P of the stack is P's `AllowedValues` (unknown without them);
 * - `Fn::If` is the union of both branches;
 * - anything else (`Fn::ImportValue`, `Fn::GetAtt`, a pseudo parameter, ...) is unknown.
 */
export function possibleValues(node: CfnResource, value: unknown): unknown[] | undefined {
  if (value === undefined || !isIntrinsic(value)) {
    return [value];
  }
  if ('Ref' in value && typeof value.Ref === 'string') {
    const parameter = findParameter(Stack.of(node), value.Ref);
    const allowed = parameter?.allowedValues;
    if (!parameter || !allowed || allowed.length === 0) {
      return undefined;
    }
    return allowed.map(v => coerce(parameter.type, v));
  }
  if ('Fn::If' in value && Array.isArray(value['Fn::If']) && value['Fn::If'].length === 3) {
    const [, whenTrue, whenFalse] = value['Fn::If'] as unknown[];
    const a = possibleValues(node, whenTrue);
    const b = possibleValues(node, whenFalse);
    return a && b ? [...a, ...b] : undefined;
  }
  return undefined;
}

/**
 * Judge a property by every value it can take: `true` when all pass, `false` when one fails
 * or the values cannot be known at synth time.
 */
export function allPossible(node: CfnResource, value: unknown, test: (v: unknown) => boolean): boolean {
  const values = possibleValues(node, value);
  return values !== undefined && values.every(test);
}

function findParameter(stack: Stack, logicalId: string): CfnParameter | undefined {
  for (const c of stack.node.findAll()) {
    if (c instanceof CfnParameter && Stack.of(c) === stack && stack.resolve(c.logicalId) === logicalId) {
      return c;
    }
  }
  return undefined;
}

/** CloudFormation passes parameters as strings; a boolean property compares as its string form. */
function coerce(type: string, v: string): unknown {
  return type === 'String' && (v === 'true' || v === 'false') ? v === 'true' : v;
}

/** A boolean property that is `true` (CloudFormation also accepts the string `"true"`). */
export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

/** A non-empty, non-blank string. */
export function isNonBlankString(v: unknown): boolean {
  return typeof v === 'string' && v.trim().length > 0;
}
