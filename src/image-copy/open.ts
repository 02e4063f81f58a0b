/**
 * A copy between two references (`copy SOURCE DEST`): ECR hosts through the ECR API, every other
 * host through the OCI distribution API.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { ResolvedPolicy } from '../runtime';
import { copyImage, CopyResult } from './copy';
import { credentialsFor } from './docker-config';
import { EcrRepository } from './ecr';
import { DestinationEndpoint, SourceEndpoint } from './endpoint';
import { ImageCopyError, printable } from './errors';
import { Platform } from './manifest';
import { formatReference, ImageRef } from './reference';
import { OciRegistry, RegistryCredentials } from './registry';

/** Options of `copyReference`. */
export interface CopyReferenceOptions {
  readonly source: ImageRef;
  readonly destination: ImageRef;
  readonly platforms?: Platform[];
  /** With `platforms`, also the attestation manifests of the chosen entries (`copyImage`'s `attestations`). */
  readonly attestations?: boolean;
  /** Also the referrers: signatures, SBOMs (`copyImage`'s `referrers`). */
  readonly referrers?: boolean;
  /** Hosts where plain HTTP is allowed besides loopback hosts. */
  readonly insecure?: readonly string[];
  readonly policy: ResolvedPolicy;
  /** An ECR client of the runtime policy for a region. */
  readonly ecrClient: (region: string) => ECRClient;
  /**
   * Base URL of the ECR registry endpoint whose referrers API an ECR source is asked
   * (`EcrRepositoryOptions.registryEndpoint`), for every ECR host of the copy.
   * @default - https://<account>.dkr.ecr.<region>.amazonaws.com of each reference
   */
  readonly ecrRegistryEndpoint?: string;
  /**
   * Credentials of a registry host.
   * @default - none
   */
  readonly credentials?: (registry: string) => RegistryCredentials | undefined;
  readonly log?: (line: string) => void;
  readonly concurrency?: number;
}

function endpoint(ref: ImageRef, push: boolean, o: CopyReferenceOptions): SourceEndpoint & DestinationEndpoint {
  if (ref.ecr) {
    return new EcrRepository({
      ref, client: o.ecrClient(ref.ecr.region), policy: o.policy, insecure: o.insecure, registryEndpoint: o.ecrRegistryEndpoint,
    });
  }
  return new OciRegistry({ ref, push, insecure: o.insecure ?? [], policy: o.policy, credentials: o.credentials?.(ref.registry) });
}

/** Copy `source` to `destination`; the destination's tag (if any) is written last. */
export async function copyReference(o: CopyReferenceOptions): Promise<CopyResult> {
  const reference = o.source.digest ?? o.source.tag;
  if (reference === undefined) {
    throw new ImageCopyError('input', `source ${printable(formatReference(o.source))} names no tag and no digest; add :tag or @sha256:...`);
  }
  return copyImage({
    source: endpoint(o.source, false, o),
    sourceReference: reference,
    destination: endpoint(o.destination, true, o),
    tag: o.destination.tag,
    expectDigest: o.destination.digest,
    platforms: o.platforms,
    attestations: o.attestations,
    referrers: o.referrers,
    policy: o.policy,
    log: o.log,
    concurrency: o.concurrency,
  });
}

export { credentialsFor };
