import { Construct } from 'constructs';
import { EcrValidationError, Violation, Violations } from '../../private/errors';

/**
 * Run a construct's own prop validation without creating the construct, and copy its violations
 * into the baseline's collector with a property prefix.
 *
 * The constructs of this library validate their props in a static `_validateProps(scope, id, props)`
 * (internal) that runs before `super()` and throws one `EcrValidationError` listing every violation. The
 * baseline reuses exactly that code, so a spec is judged by the same rules as a hand-written
 * registry, and reports every violation of every repository before it creates any stack.
 */
export function dryRun<P>(
  validate: (scope: Construct, id: string, props: P) => unknown, scope: Construct, id: string, props: P, into: Violations, prefix: string,
): void {
  try {
    validate(scope, id, props);
  } catch (e) {
    if (!(e instanceof EcrValidationError)) {
      throw e;
    }
    for (const v of e.violations as Violation[]) {
      into.add(`${prefix}${v.property}`, v.value, v.allowed);
    }
  }
}
