import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * `Annotations.of(scope).addWarningV2(id, message)` without the stack trace it would capture,
 * unless `CDK_DEBUG` is `true` or `1` (the CDK's debug mode, which always captures traces).
 *
 * For warnings recorded once per repository or grant: capturing a trace costs tens of
 * microseconds, most of a grant's cost, and the warning names its construct path anyway. It is
 * still `addWarningV2`: acknowledged per construct with `Annotations.of(x).acknowledgeWarning(id)`,
 * before or after it is recorded. aws-cdk-lib reads `CDK_DISABLE_STACK_TRACE` when an
 * `Annotations` is created; it is set for that moment only and restored.
 */
export function addWarningWithoutTrace(scope: IConstruct, id: string, message: string): void {
  const debug = ['true', '1'].includes((process.env.CDK_DEBUG ?? '').toLowerCase());
  const previous = process.env.CDK_DISABLE_STACK_TRACE;
  if (!debug) {
    process.env.CDK_DISABLE_STACK_TRACE = '1';
  }
  try {
    Annotations.of(scope).addWarningV2(id, message);
  } finally {
    if (previous === undefined) {
      delete process.env.CDK_DISABLE_STACK_TRACE;
    } else {
      process.env.CDK_DISABLE_STACK_TRACE = previous;
    }
  }
}
