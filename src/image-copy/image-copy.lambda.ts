/**
 * Handler of `Custom::EcrImageCopy`: CloudFormation invokes it directly (the ServiceToken is this
 * function, no provider framework) and it answers the pre-signed ResponseURL itself, like the
 * image check's handler, whose response code it shares.
 *
 * Create/Update: copy the source image into the destination repository by digest (the engine in
 * src/image-copy: blobs streamed and verified, the manifest written last), then write the tags;
 * answer `Digest`, `MediaType` and `Platforms`. A copy that would upload more than
 * `MAX_COPY_BYTES` fails before any blob is sent, naming the size and the `copy` command.
 * Delete: with `RemoveTagsOnDelete`, remove the tags that still name this copy; always SUCCESS.
 *
 * Input: the event's properties are validated by type and value before any call; the ResponseURL
 * must be CloudFormation's pre-signed S3 URL. Credentials (the secret's value, registry tokens,
 * pre-signed layer URLs) reach no log line and no Reason.
 *
 * Time: the function's remaining time, less `HANDLER_SAFETY_MARGIN_MS`, is the deadline of every
 * call (ECR, Secrets Manager, registries); the margin is kept to answer CloudFormation.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset by esbuild (package time); the library never loads the handler
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ImageCopyError } from './errors';
import { HANDLER_SAFETY_MARGIN_MS, DIGEST_ATTRIBUTE, MEDIA_TYPE_ATTRIBUTE, PLATFORMS_ATTRIBUTE, SERVICE_TIMEOUT_SECONDS } from './private/contract';
import { parseProperties, physicalIdOf, removeTags, runCopy } from './private/copy-event';
import {
  CustomResourceEvent, CustomResourceResponse, fitReason, HandlerContext, sendResponse, SendResponseOptions,
} from '../image-check/image-check.lambda';
import { escapeTerminal, logLine } from '../private/escape';
import { checkResponseUrl } from '../private/response-url';
import { AwsCallError, createEcrClient, forClient, resolvePolicy, RuntimePolicy } from '../runtime';

/** Runtime policy settings of the handler's clients (the deadline is the invocation's). */
export type CopyHandlerPolicy = Omit<RuntimePolicy, 'deadline'>;

/** Options of `handleEvent` (tests inject them). */
export interface CopyHandlerOptions {
  readonly policy?: CopyHandlerPolicy;
  /**
   * ECR endpoint URL of the clients.
   * @default - AWS_ENDPOINT_URL_ECR, else AWS's
   */
  readonly ecrEndpoint?: string;
  /**
   * Secrets Manager endpoint URL of the clients.
   * @default - AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS's
   */
  readonly secretsEndpoint?: string;
  /**
   * The ECR client of a region (tests wrap one of the emulator).
   * @default - a client of the runtime policy with this invocation's deadline
   */
  readonly ecrClient?: (region: string, policy: RuntimePolicy) => ECRClient;
  /** Hosts where plain HTTP is allowed besides loopback hosts (tests). */
  readonly insecure?: readonly string[];
  /**
   * Base URL of the ECR registry endpoint whose referrers API an ECR source is asked (tests).
   * @default - https://<account>.dkr.ecr.<region>.amazonaws.com of the source
   */
  readonly registryEndpoint?: string;
  /** Most bytes of blobs one copy uploads (tests lower it). @default MAX_COPY_BYTES */
  readonly maxBytes?: number;
}

/** Longest id taken from an event. */
const MAX_ID_CHARS = 1024;

function fallbackPhysicalId(event: CustomResourceEvent): string {
  const own = (v: unknown) => typeof v === 'string' && v !== '' && v.length <= MAX_ID_CHARS ? v : undefined;
  return own(event.PhysicalResourceId) ?? `ecr-image-copy-${own(event.LogicalResourceId) ?? 'unknown'}`;
}

/** Compute the response to one request (never throws). */
export async function handleEvent(event: CustomResourceEvent, deadline: number, opts: CopyHandlerOptions = {}): Promise<CustomResourceResponse> {
  const text = (v: unknown) => (typeof v === 'string' && v.length <= MAX_ID_CHARS ? v : '');
  const base = { StackId: text(event.StackId), RequestId: text(event.RequestId), LogicalResourceId: text(event.LogicalResourceId) };
  const ecrClients = new Map<string, ECRClient>();
  const secretsClients = new Map<string, SecretsManagerClient>();
  const policySettings = { requestTimeoutMs: 30_000, ...opts.policy, deadline };
  const env = {
    policy: resolvePolicy(policySettings),
    ecrClient: (region: string) => {
      let c = ecrClients.get(region);
      if (!c) {
        c = opts.ecrClient
          ? opts.ecrClient(region, policySettings)
          : createEcrClient({ ...policySettings, region, ...(opts.ecrEndpoint ? { endpoint: opts.ecrEndpoint } : {}) });
        ecrClients.set(region, c);
      }
      return c;
    },
    secretsClient: (region: string) => {
      let c = secretsClients.get(region);
      if (!c) {
        c = forClient(SecretsManagerClient, { region, ...(opts.secretsEndpoint ? { endpoint: opts.secretsEndpoint } : {}) }, policySettings);
        secretsClients.set(region, c);
      }
      return c;
    },
    insecure: opts.insecure,
    registryEndpoint: opts.registryEndpoint,
    maxBytes: opts.maxBytes,
    log: (line: string) => console.log(logLine(line)),
  };
  const close = () => {
    ecrClients.forEach(c => c.destroy());
    secretsClients.forEach(c => c.destroy());
  };
  if (event.RequestType === 'Delete') {
    // CloudFormation must be able to delete what it created: SUCCESS whatever happens.
    try {
      const parsed = parseProperties(event.ResourceProperties);
      const removed = await removeTags(parsed, fallbackPhysicalId(event), env);
      if (removed.length > 0) {
        env.log(`removed the tags ${removed.join(', ')}`);
      }
    } catch (e) {
      env.log(`Delete: nothing removed (${(e as Error)?.message ?? String(e)})`);
    } finally {
      close();
    }
    return { ...base, Status: 'SUCCESS', PhysicalResourceId: fallbackPhysicalId(event) };
  }
  let physicalId = fallbackPhysicalId(event);
  try {
    if (event.RequestType !== 'Create' && event.RequestType !== 'Update') {
      throw new ImageCopyError('input', `unknown RequestType ${JSON.stringify(text(event.RequestType)).slice(0, 40)}`);
    }
    const parsed = parseProperties(event.ResourceProperties);
    const result = await runCopy(parsed, env);
    physicalId = physicalIdOf(parsed.destination, result.digest);
    env.log(`copied ${result.digest}: ${result.blobsCopied} blob(s) copied (${result.bytesCopied} bytes), ${result.blobsSkipped} already there`);
    return {
      ...base,
      Status: 'SUCCESS',
      PhysicalResourceId: physicalId,
      Data: {
        [DIGEST_ATTRIBUTE]: result.digest,
        [MEDIA_TYPE_ATTRIBUTE]: result.mediaType,
        [PLATFORMS_ATTRIBUTE]: result.platforms.join(','),
      },
    };
  } catch (e) {
    const err = e as Error;
    const reason = ImageCopyError.isImageCopyError(err) || AwsCallError.isAwsCallError(err)
      ? err.message
      : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    return { ...base, Status: 'FAILED', PhysicalResourceId: physicalId, Reason: `image copy failed: ${escapeTerminal(reason)}` };
  } finally {
    close();
  }
}

/** Settings of the Lambda entry point (tests scale them down). */
export interface CopyHandlerConfig extends CopyHandlerOptions {
  /** @default HANDLER_SAFETY_MARGIN_MS */
  readonly safetyMarginMs?: number;
  readonly response?: Omit<SendResponseOptions, 'deadline'>;
  /** @default - the built-in check of CloudFormation's pre-signed S3 URLs */
  readonly allowResponseUrl?: (url: URL) => boolean;
}

/** The Lambda entry point with these settings. */
export function createHandler(config: CopyHandlerConfig = {}): (input: CustomResourceEvent, context: HandlerContext) => Promise<void> {
  return async (input, context) => {
    const event: CustomResourceEvent = input !== null && typeof input === 'object' ? input : {};
    console.log(logLine(JSON.stringify({
      request: { RequestType: event.RequestType, LogicalResourceId: event.LogicalResourceId, PhysicalResourceId: event.PhysicalResourceId },
    })));
    const target = checkResponseUrl(event.ResponseURL, config.allowResponseUrl);
    if ('problem' in target) {
      console.error(logLine(`refused the request: ${target.problem}; no call made and no answer sent `
        + `(CloudFormation waits for the resource's ServiceTimeout, ${SERVICE_TIMEOUT_SECONDS} s)`));
      return;
    }
    const end = Date.now() + context.getRemainingTimeInMillis();
    const margin = config.safetyMarginMs ?? HANDLER_SAFETY_MARGIN_MS;
    const full = await handleEvent(event, end - margin, config);
    if (full.Status === 'FAILED') {
      console.error(logLine(full.Reason ?? ''));
    }
    const res = fitReason(full, context.logGroupName);
    console.log(logLine(JSON.stringify({ response: res.Status, physicalResourceId: res.PhysicalResourceId })));
    try {
      await sendResponse(event.ResponseURL as string, res, { ...config.response, deadline: Math.min(end, Date.now() + margin) - 1_000 });
    } catch (e) {
      console.error(logLine(`could not send the response: ${(e as Error).message}`));
    }
  };
}

/** The Lambda entry point. */
export const handler = createHandler();
