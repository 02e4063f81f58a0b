/**
 * The platform gate (run by the image check handler, not at synth): does each image fit where its
 * consumers run it? Reads the manifest (BatchGetImage) and, for a single-platform image, its config
 * blob (GetDownloadUrlForLayer, at most 8 MiB, verified against its digest) with the image copy
 * engine's readers.
 */
import { Readable } from 'stream';
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ImageSpec, PlatformGate } from './contract';
import { EcrRepository } from '../../image-copy/ecr';
import { ImageCopyError } from '../../image-copy/errors';
import {
  ACCEPTED_TYPES, formatPlatform, isAttestation, Manifest, MAX_CONFIG_BYTES, parseManifest, Platform, platformOfConfig,
} from '../../image-copy/manifest';
import { verifyBuffer } from '../../image-copy/verify';
import { mapBounded } from '../../private/concurrency';
import { errorCode, resolvePolicy } from '../../runtime';

/** Manifest media types asked for: the ones the gate reads, and Docker schema 1 so that it can be named. */
const ASKED_TYPES = [...ACCEPTED_TYPES, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json'];

/** What the gate needs of the check's environment (a part of `CheckOptions`). */
export interface PlatformCheckOptions {
  readonly clientFor: (region: string) => ECRClient;
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** Reads at once. */
const CONCURRENCY = 5;

/** What an image offers: its kind and its platforms (attestations and artifacts have none). */
interface Offer {
  readonly kind: 'index' | 'image';
  readonly platforms: Platform[];
  readonly mediaType: string;
}

async function readAll(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) {
      stream.destroy();
      throw new ImageCopyError('verify', `${what} is more than the ${max} bytes the check reads`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function offerOf(spec: ImageSpec, digest: string, opts: PlatformCheckOptions): Promise<Offer> {
  const client = opts.clientFor(spec.Region);
  const got = await client.send(new BatchGetImageCommand({
    registryId: spec.Registry,
    repositoryName: spec.Repository,
    imageIds: [{ imageDigest: digest }],
    acceptedMediaTypes: ASKED_TYPES,
  }), { abortSignal: opts.signal as any });
  const image = got.images?.[0];
  if (!image?.imageManifest) {
    const f = got.failures?.[0];
    throw new ImageCopyError('registry', `BatchGetImage answered no manifest (${f?.failureCode ?? 'no image'}${f?.failureReason ? `: ${f.failureReason}` : ''})`);
  }
  const mediaType = image.imageManifestMediaType ?? '';
  const bytes = Buffer.from(image.imageManifest, 'utf8');
  let manifest: Manifest;
  try {
    manifest = parseManifest(bytes, mediaType || undefined, 'its manifest');
  } catch (e) {
    return { kind: 'image', platforms: [], mediaType: `${mediaType || 'an unknown media type'} (${(e as Error).message})` };
  }
  if (manifest.kind === 'index') {
    return {
      kind: 'index',
      mediaType: manifest.mediaType,
      platforms: manifest.manifests.filter(d => !isAttestation(d) && d.platform).map(d => d.platform!),
    };
  }
  const ref = {
    registry: `${spec.Registry}.dkr.ecr.${spec.Region}.amazonaws.com`,
    apiHost: `${spec.Registry}.dkr.ecr.${spec.Region}.amazonaws.com`,
    repository: spec.Repository,
    ecr: { account: spec.Registry, region: spec.Region },
  };
  const repository = new EcrRepository({ ref, client, policy: resolvePolicy({ deadline: opts.deadline }) });
  const what = `the config ${manifest.config!.digest}`;
  const config = await readAll(await repository.openBlob(manifest.config!), MAX_CONFIG_BYTES, what);
  verifyBuffer(config, manifest.config!, what);
  const platform = platformOfConfig(config);
  const real = platform && !(platform.os === 'unknown' && platform.architecture === 'unknown');
  return { kind: 'image', mediaType: manifest.mediaType, platforms: real ? [platform] : [] };
}

function wanted(gate: PlatformGate): string {
  return gate.Architecture ? `${gate.Os}/${gate.Architecture}` : `${gate.Os} (any architecture)`;
}

/** The problems of one image with its gates, or none. */
export function judge(what: string, offer: Offer, gates: PlatformGate[]): string[] {
  const have = offer.platforms.map(formatPlatform);
  const haveText = have.length > 0 ? have.join(', ') : 'no platform';
  const hasText = have.length > 0 ? `has the platforms ${haveText}` : 'has no platform (an attestation manifest or another artifact)';
  const problems: string[] = [];
  for (const gate of gates) {
    const fits = offer.platforms.some(p => p.os === gate.Os && (gate.Architecture === undefined || p.architecture === gate.Architecture));
    if (gate.ImageManifestOnly === 'true' && !ACCEPTED_TYPES.includes(offer.mediaType)) {
      problems.push(`${what} has media type ${offer.mediaType}, which ${gate.Consumer} cannot run: it needs an image manifest (Docker v2 schema 2 or OCI) for ${wanted(gate)}`);
    } else if (gate.ImageManifestOnly === 'true' && offer.kind === 'index') {
      problems.push(`${what} is an image index (${haveText}); ${gate.Consumer} takes a single image manifest for ${wanted(gate)}: `
        + `reference that platform's manifest by its digest, or copy that platform alone (ImageCopy platforms: ['${wanted(gate)}'])`);
    } else if (!fits) {
      problems.push(`${what} ${hasText}; ${gate.Consumer} needs ${wanted(gate)}`);
    }
  }
  return problems;
}

/**
 * The platform gate over the resolved images: one manifest read (and one config read for a
 * single-platform image) per distinct gated image; every problem, for one failure message.
 */
export async function checkPlatforms(specs: ImageSpec[], digests: string[], gates: PlatformGate[], opts: PlatformCheckOptions,
  describe: (spec: ImageSpec) => string): Promise<string[]> {
  const byImage = new Map<string, { spec: ImageSpec; digest: string; gates: PlatformGate[] }>();
  for (const gate of gates) {
    const i = Number(gate.Image);
    const spec = specs[i];
    const key = `${spec.Region}|${spec.Registry}|${spec.Repository}|${digests[i]}`;
    const entry = byImage.get(key) ?? { spec, digest: digests[i], gates: [] };
    entry.gates.push(gate);
    byImage.set(key, entry);
  }
  const results = await mapBounded([...byImage.values()], CONCURRENCY, async ({ spec, digest, gates: mine }) => {
    const what = `${describe(spec)} [${digest}]`;
    let offer: Offer;
    try {
      offer = await offerOf(spec, digest, opts);
    } catch (e) {
      if (errorCode(e) === 'AccessDeniedException') {
        return [`${what}: its platforms could not be read (access denied): the repository policy must allow ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to the image check role`];
      }
      if (ImageCopyError.isImageCopyError(e)) {
        return [`${what}: its platforms could not be read: ${e.message}`];
      }
      throw e;
    }
    return judge(what, offer, mine);
  });
  return results.flat();
}
