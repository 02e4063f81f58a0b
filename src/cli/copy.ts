/**
 * `cdk-ecr-registry copy SOURCE DEST`: one image copied by digest, without Docker (the engine of
 * src/image-copy). The digest is the last line of stdout; `--json` prints one object instead.
 */
import { copyReference, ImageRef, parseReference, parsePlatform, Platform } from '../image-copy';
import { credentialsFromConfig, DockerConfig, readDockerConfig } from '../image-copy/docker-config';
import { registryEndpointUrl } from '../image-copy/ecr';
import { logLine } from '../private/escape';
import { createEcrClient, resolvePolicy } from '../runtime';
import { CliIo, EXIT, InputError, parseCommandArgs, runLimits, TIME_OPTIONS, TIME_OPTIONS_USAGE } from './common';

export const COPY_USAGE = `Usage:
  cdk-ecr-registry copy SOURCE DEST [--platform OS/ARCH]... [--attestations] [--referrers]
                                    [--insecure-registry HOST]... [--json]

Copies one image by digest: manifest bytes as they are, every blob checked against its digest and
size before the manifest is written; blobs the destination has are not sent again. A failed copy
leaves no tag.

  SOURCE, DEST          host[:port]/path[:tag][@sha256:...]; short names as Docker expands them
                        (nginx = docker.io/library/nginx). <account>.dkr.ecr.<region>.amazonaws.com
                        hosts go through the ECR API (default credential chain, AWS_ENDPOINT_URL_ECR);
                        others through the OCI distribution API with credentials from the Docker
                        config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json, "auths").
                        DEST without a tag: the copy is by digest only.
  --platform OS/ARCH    copy only this platform of an index (repeatable). One: the result is that
                        platform's image manifest; several: a new index of those entries.
  --attestations        with --platform, also the attestation manifests (provenance, SBOM) of the
                        platforms copied
  --referrers           also the referrers of what is copied (signatures, SBOMs: manifests whose
                        subject it is), from the OCI 1.1 referrers API and the sha256-<hex> tag.
                        For an ECR source the API is the registry endpoint's
                        (https://<account>.dkr.ecr.<region>.amazonaws.com, a GetAuthorizationToken
                        token); CDK_ECR_REGISTRY_ENDPOINT_URL=https://host[:port] names another one
                        (an interface VPC endpoint), for every ECR host of the copy
  --insecure-registry HOST  plain HTTP for HOST (loopback hosts always may)
  --json                print {"digest","mediaType","platforms","blobsCopied","blobsSkipped","bytesCopied"}
                        (and "referrersCopied" with --referrers)
${TIME_OPTIONS_USAGE}

Exit codes: 0 copied; 1 the copy failed (nothing tagged); 2 bad arguments; 4 the digest could not
be written to stdout (the copy itself is done).
`;

/** The environment variable naming the ECR registry endpoint (its referrers API) of the copy's ECR hosts. */
export const REGISTRY_ENDPOINT_ENV = 'CDK_ECR_REGISTRY_ENDPOINT_URL';

function reference(flag: string, text: string): ImageRef {
  try {
    return parseReference(text);
  } catch (e) {
    throw new InputError(`${flag}: ${(e as Error).message}`);
  }
}

/** The copy itself failed (whatever the registries answered): exit 1, nothing tagged. */
export class CopyFailedError extends Error {
  constructor(cause: unknown) {
    super(`copy failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'CopyFailed';
  }
}

/** Run `copy SOURCE DEST`: resolves to `EXIT.OK`; throws bad input, a failed copy and output errors for `main` to map. */
export async function runCopy(args: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommandArgs(args, COPY_USAGE, {
    'platform': { type: 'string', multiple: true },
    'insecure-registry': { type: 'string', multiple: true },
    'json': { type: 'boolean' },
    'attestations': { type: 'boolean' },
    'referrers': { type: 'boolean' },
    ...TIME_OPTIONS,
  }, true);
  if (help) {
    io.stdout(COPY_USAGE);
    return EXIT.OK;
  }
  if (positionals.length !== 2) {
    throw new InputError(`copy takes SOURCE and DEST, got ${positionals.length} argument(s)\n${COPY_USAGE}`);
  }
  const source = reference('SOURCE', positionals[0]);
  const destination = reference('DEST', positionals[1]);
  const platforms: Platform[] = ((values.platform ?? []) as string[]).map(p => {
    try {
      return parsePlatform(p);
    } catch (e) {
      throw new InputError(`--platform: ${(e as Error).message}`);
    }
  });
  if (values.attestations && platforms.length === 0) {
    throw new InputError('--attestations: only with --platform (without it the whole index is copied, attestation manifests included)');
  }
  const insecure = ((values['insecure-registry'] ?? []) as string[]).map(h => h.toLowerCase());
  // The Docker config is an input file: read (bounded, depth-limited) before any call, and a bad
  // one is bad input (exit 2), not a failed copy. ECR hosts never need it.
  let dockerConfig: DockerConfig | undefined;
  if (!source.ecr || !destination.ecr) {
    try {
      dockerConfig = readDockerConfig(io.env);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  // The ECR registry endpoint (referrers API) is an input too: a bad one is exit 2 before any call.
  const registryEndpoint = io.env[REGISTRY_ENDPOINT_ENV] || undefined;
  if (registryEndpoint !== undefined) {
    try {
      registryEndpointUrl(registryEndpoint, insecure);
    } catch (e) {
      throw new InputError(`${REGISTRY_ENDPOINT_ENV}: ${(e as Error).message}`);
    }
  }
  const limits = runLimits(values);
  const policy = resolvePolicy({ ...io.runtime, deadline: limits.deadline, requestTimeoutMs: limits.requestTimeoutMs, env: io.env });
  const endpoint = io.env.AWS_ENDPOINT_URL_ECR ?? io.env.AWS_ENDPOINT_URL;
  let result;
  try {
    result = await copyReference({
      source,
      destination,
      platforms,
      attestations: values.attestations === true,
      referrers: values.referrers === true,
      insecure,
      policy,
      ecrRegistryEndpoint: registryEndpoint,
      ecrClient: region => io.ecrClient
        ? io.ecrClient({ region, ...(endpoint ? { endpoint } : {}) })
        : createEcrClient({ ...io.runtime, region, endpoint, deadline: limits.deadline, requestTimeoutMs: limits.requestTimeoutMs, env: io.env }),
      credentials: registry => credentialsFromConfig(dockerConfig, registry),
      // Registry answers reach these lines: escaped and bounded.
      log: line => io.stderr(`${logLine(line)}\n`),
    });
  } catch (e) {
    // Whatever the registries answer (a platform the image lacks included) is a failed copy: exit 1.
    throw new CopyFailedError(e);
  }
  // Outside the copy's try: a stdout that cannot be written is an output error (exit 4), not a failed copy.
  if (values.json) {
    const { digest, mediaType, platforms: p, blobsCopied, blobsSkipped, bytesCopied, referrersCopied } = result;
    io.stdout(`${JSON.stringify({
      digest, mediaType, platforms: p, blobsCopied, blobsSkipped, bytesCopied, ...(values.referrers ? { referrersCopied } : {}),
    })}\n`);
  } else {
    io.stdout(`${result.digest}\n`);
  }
  return EXIT.OK;
}
