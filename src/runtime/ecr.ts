import { ECRClient, ECRClientConfig } from '@aws-sdk/client-ecr';
import { forClient, RuntimePolicy } from './client';

/** Options of `createEcrClient`: the SDK settings that stay the caller's, and the policy. */
export interface EcrClientOptions extends RuntimePolicy {
  /** AWS region. */
  readonly region: string;
  /**
   * ECR endpoint URL.
   * @default - AWS_ENDPOINT_URL_ECR or AWS_ENDPOINT_URL (read by the SDK), else AWS's
   */
  readonly endpoint?: string;
  /**
   * Credentials.
   * @default - the SDK's default chain
   */
  readonly credentials?: ECRClientConfig['credentials'];
}

/** An `ECRClient` governed by the runtime policy. */
export function createEcrClient(options: EcrClientOptions): ECRClient {
  const { region, endpoint, credentials, ...policy } = options;
  return forClient(ECRClient, {
    region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
  }, policy);
}
