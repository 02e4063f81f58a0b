/**
 * # The runtime client policy (one for the whole library)
 *
 * Every AWS SDK client that this library creates at run time (the image check handler, the
 * `cdk-ecr-registry` CLI, the live report, the in-use guard) is made here, so that every call
 * to AWS behaves the same way under a bad network:
 *
 * ```ts
 * import { createEcrClient, forClient, AwsCallError, describeError, errorCode } from '../runtime';
 *
 * const deadline = Date.now() + 60_000;                       // or () => epoch ms, read per call
 * const ecr = createEcrClient({ region, deadline });           // + requestTimeoutMs, connectTimeoutMs, ...
 * const ecs = forClient(ECSClient, { region }, { deadline, resourceOf: i => ({ name: `cluster ${i.cluster}` }) });
 * try {
 *   await ecr.send(new DescribeImagesCommand({ repositoryName: 'payments/api' }));   // paginators too
 * } catch (e) {
 *   if (errorCode(e) === 'RepositoryNotFoundException') { ... }   // the service's code survives
 *   console.error(describeError(e, { call: 'ECR DescribeImages' }).message);
 * }
 * ```
 *
 * What the policy does to every call of such a client:
 *
 * - **Per-attempt timeout that fires.** The transport is `NodeHttpHandler` with
 *   `throwOnRequestTimeout: true` (without it `requestTimeout` only logs a warning) and a
 *   connection timeout (`connectTimeoutMs`, default 3 s). One attempt ends after `requestTimeoutMs`
 *   (default 10 s) or at the deadline, whichever comes first; the limit covers the answer's body too.
 * - **Retries until the deadline, not for a count.** A throttled, timed-out, reset or 5xx attempt
 *   (or one answered with a non-JSON body, e.g. an HTML 503 from a proxy) is tried again after a
 *   full-jitter exponential backoff (base `baseDelayMs` 100 ms, `throttleBaseDelayMs` 500 ms after
 *   throttling, at most `maxDelayMs` 20 s), as long as the deadline leaves room for an attempt.
 *   No retry-token budget: a long burst of errors is ridden out if the deadline allows.
 * - **Adaptive for throttling** (`retryMode: 'adaptive'`, the default): throttling on any call
 *   pauses every call of the same client for a growing, jittered time; successes shrink it.
 * - **The operator's settings win.** `AWS_MAX_ATTEMPTS` caps the attempts of each call (still
 *   bounded by the deadline); `AWS_RETRY_MODE` picks `adaptive` or `standard` (`legacy` = standard).
 * - **Errors that say what happened.** A call that fails for good throws an `AwsCallError`:
 *   "ECR DescribeImages did not answer within 10 s: 3 attempts over 41 s (repository
 *   payments/api, account 111111111111, eu-west-1)". `code` keeps the service's error code,
 *   `kind` the class of failure, `attempts`/`elapsedMs` the effort, `cause` the SDK's error.
 *   No `$response`, `SyntaxError` or "Deserialization error" reaches the message.
 *
 * Deadlines in use: the image check handler's is the Lambda function's remaining time less the
 * margin it needs to answer CloudFormation; the CLI's is its start plus `--timeout` (default 5 min).
 * See docs/runtime.md.
 */
export * from './errors';
export * from './client';
export * from './ecr';
