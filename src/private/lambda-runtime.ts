import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { Violations } from './errors';

/**
 * The runtime policy of every Lambda function this library creates (the image check's handler, the
 * public catalog handler, any later one): one place, one override.
 *
 * - By default a function runs on the newest Node.js runtime the app's aws-cdk-lib knows: what
 *   cdk-nag's AwsSolutions-L1 compares with, in whichever aws-cdk-lib the app uses (newer than
 *   `determineLatestNodeRuntime`, whose regional fact lags behind).
 * - The context key `cdk-ecr-registry:lambdaRuntime` (`nodejs24.x`, ...) sets another one, for a region
 *   that does not offer the newest runtime yet.
 * - The policy never produces a runtime older than `OLDEST_LAMBDA_NODE_MAJOR`: the handler bundles are
 *   built once, when the package is made, for that Node.js version (esbuild target, .projenrc.ts).
 */

/** The context key that sets the runtime of every Lambda function of this library. */
export const LAMBDA_RUNTIME_CONTEXT = 'cdk-ecr-registry:lambdaRuntime';

/**
 * The oldest Node.js major the policy can produce: the newest Node.js runtime of the minimum
 * aws-cdk-lib (2.258.0 knows `nodejs24.x`). The esbuild target of the handler bundles
 * (`node24` in .projenrc.ts; test/private/lambda-runtime.test.ts checks both).
 */
export const OLDEST_LAMBDA_NODE_MAJOR = 24;

const NODE_RUNTIME_NAME = /^nodejs(\d+)\.x$/;

/** The major version of a Node.js runtime name (`nodejs24.x` is 24), or undefined for any other name. */
export function nodeMajorOf(name: string): number | undefined {
  const m = NODE_RUNTIME_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The newest Node.js runtime this aws-cdk-lib knows (`nodejs24.x` in 2.258, `nodejs26.x` in 2.277). */
export function newestNodeRuntime(): lambda.Runtime {
  const major = (r: lambda.Runtime) => (r.family === lambda.RuntimeFamily.NODEJS ? nodeMajorOf(r.name) ?? 0 : 0);
  return lambda.Runtime.ALL.reduce((a, b) => (major(b) > major(a) ? b : a));
}

/**
 * Record a violation when the context key under `scope` is set to anything but a Node.js runtime name
 * of version `OLDEST_LAMBDA_NODE_MAJOR` or later. Constructs that create a function call it with their
 * other prop checks, before anything is created.
 */
export function checkLambdaRuntime(v: Violations, scope: IConstruct): void {
  const value: unknown = scope.node.tryGetContext(LAMBDA_RUNTIME_CONTEXT);
  if (value === undefined) {
    return;
  }
  const major = typeof value === 'string' ? nodeMajorOf(value) : undefined;
  v.check(major !== undefined && major >= OLDEST_LAMBDA_NODE_MAJOR, `context ${LAMBDA_RUNTIME_CONTEXT}`, value,
    `must be a Node.js Lambda runtime name nodejs<N>.x with N >= ${OLDEST_LAMBDA_NODE_MAJOR} `
    + `(the handlers are built for Node.js ${OLDEST_LAMBDA_NODE_MAJOR}), such as nodejs${OLDEST_LAMBDA_NODE_MAJOR}.x; `
    + `without the key, functions use the newest Node.js runtime aws-cdk-lib knows (${newestNodeRuntime().name})`);
}

/**
 * The runtime of a Lambda function this library creates under `scope`: the context key's runtime
 * when set, else the newest Node.js runtime aws-cdk-lib knows.
 *
 * @throws EcrValidationError naming the construct path, the key, the value and what is allowed
 *   (`checkLambdaRuntime`), when the context value is not a runtime the policy allows
 */
export function lambdaRuntime(scope: IConstruct): lambda.Runtime {
  const v = new Violations(scope.node.path || '<app>');
  checkLambdaRuntime(v, scope);
  v.throwIfAny();
  const name: string | undefined = scope.node.tryGetContext(LAMBDA_RUNTIME_CONTEXT);
  if (name === undefined) {
    return newestNodeRuntime();
  }
  // A runtime newer than this aws-cdk-lib knows is allowed: the name is what CloudFormation gets.
  return lambda.Runtime.ALL.find(r => r.name === name)
    ?? new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
}
