import { IConstruct } from 'constructs';
import { EcrValidationError, Violation, Violations } from '../../private/errors';

/**
 * Run a construct's own prop validation without creating the construct, and copy its violations
 * into the baseline's collector with a property prefix.
 *
 * The constructs of this library validate their props in a static `validateProps(scope, id, props)`
 * that runs before `super()` and throws one `EcrValidationError` listing every violation. The
 * baseline reuses exactly that code, so a spec is judged by the same rules as a hand-written
 * registry, and reports every violation of every repository before it creates any stack.
 */
export function dryRun(
  target: unknown, scope: IConstruct, id: string, props: unknown, into: Violations, prefix: string,
): void {
  const validate = (target as { validateProps?: (s: IConstruct, i: string, p: unknown) => unknown }).validateProps;
  if (typeof validate !== 'function') {
    // A construct without a static validator validates when it is created.
    return;
  }
  try {
    validate.call(target, scope, id, props);
  } catch (e) {
    if (!(e instanceof EcrValidationError)) {
      throw e;
    }
    for (const v of e.violations as Violation[]) {
      into.add(`${prefix}${v.property}`, v.value, v.allowed);
    }
  }
}
