import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { parsePlatform, platformMatches } from './manifest';
import {
  CopyProperties, DIGEST_ATTRIBUTE, MAX_PLATFORMS, MAX_TAGS, MEDIA_TYPE_ATTRIBUTE, RESOURCE_TYPE, SERVICE_TIMEOUT_SECONDS,
} from './private/contract';
import { DESTINATION_ACTIONS, ImageCopyProvider, SOURCE_ACTIONS, UNTAG_ACTIONS } from './private/provider';
import { parseReference } from './reference';
import { ImageReference } from '../image-check/image-reference';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import type { KnownPlatforms } from '../private/known-platforms';
import { checkLambdaRuntime } from '../private/lambda-runtime';
import { locateRepository } from '../private/repository-location';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkBoolean, checkCount, checkPattern } from '../private/validation';

/** A docker tag: 1-128 characters, the first a letter, digit or `_`. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** An image digest. */
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** Options of `ImageCopySource.fromRegistry`. */
export interface RegistrySourceOptions {
  /**
   * A Secrets Manager secret with the registry's credentials: `username:password`, or JSON
   * `{"username": "...", "password": "..."}` (a token or an access key as the password).
   *
   * The handler may read this secret only (`secretsmanager:GetSecretValue` and
   * `secretsmanager:DescribeSecret` on its ARN, and `kms:Decrypt` on its key through Secrets
   * Manager when it has one). The value never reaches the template or a log line.
   *
   * @default - anonymous (public images; Docker Hub's anonymous pull limits apply)
   */
  readonly credentials?: secretsmanager.ISecret;
}

/** Options of `ImageCopySource.fromDockerImageAsset` and `fromTarballImageAsset`. */
export interface ImageAssetSourceOptions {
  /**
   * The platform the asset's image is built for. A `DockerImageAsset`'s own `platform` is found
   * without it (in the stack's asset manifest, for the CDK's stack synthesizers); name it here for a
   * `TarballImageAsset`, whose tarball says nothing at synth. A `DockerImageAsset` whose `platform`
   * differs is an error.
   *
   * Known at synth, it makes a copy that cannot run where it is used an error at synth: an
   * integration of the copy's `ImageCheck` on another architecture (a Lambda function, an ECS or
   * Batch task, App Runner, EKS nodes), or `platforms` that leave it out.
   *
   * @default - the `DockerImageAsset`'s `platform`, when it has one; else unknown until deploy time
   */
  readonly platform?: ecrAssets.Platform;
}

interface SourceSpec {
  readonly kind: 'asset' | 'reference' | 'registry';
  /** For asset sources: the asset, for the messages. */
  readonly asset?: Construct;
  /** For asset sources: `DockerImageAsset` or `TarballImageAsset`. */
  readonly assetKind?: string;
  /** For asset sources: the platform of `options.platform`. */
  readonly platform?: string;
  /** For asset sources: the platform the asset's own props name (found in the stack's asset manifest). */
  readonly assetPlatform?: string;
  /** For ECR sources. */
  readonly repository?: ecr.IRepository;
  readonly tag?: string;
  readonly digest?: string;
  /** For registry sources: the reference as given. */
  readonly reference?: string;
  readonly credentials?: secretsmanager.ISecret;
}

/**
 * Where an `ImageCopy` reads its image: a CDK image asset, an image in an ECR repository of any
 * account and Region, or an image in any OCI registry.
 */
export class ImageCopySource {
  /**
   * The image a `DockerImageAsset` builds, from the CDK asset repository it is published to
   * (before the stack deploys).
   */
  public static fromDockerImageAsset(asset: ecrAssets.DockerImageAsset, options: ImageAssetSourceOptions = {}): ImageCopySource {
    return new ImageCopySource({
      kind: 'asset',
      asset,
      assetKind: 'DockerImageAsset',
      repository: asset.repository,
      tag: asset.imageTag,
      platform: options.platform?.platform,
      assetPlatform: platformOfAsset(asset),
    });
  }

  /**
   * The image a `TarballImageAsset` loads, from the CDK asset repository it is published to.
   * Name its `platform` to have a copy that cannot run where it is used fail at synth.
   */
  public static fromTarballImageAsset(asset: ecrAssets.TarballImageAsset, options: ImageAssetSourceOptions = {}): ImageCopySource {
    return new ImageCopySource({
      kind: 'asset', asset, assetKind: 'TarballImageAsset', repository: asset.repository, tag: asset.imageTag, platform: options.platform?.platform,
    });
  }

  /**
   * An image in an ECR repository, by tag or digest. A repository in another account or Region is
   * imported by ARN (`ecr.Repository.fromRepositoryArn`); its repository policy must allow the copy's
   * role `ecr:BatchGetImage` and `ecr:GetDownloadUrlForLayer`.
   */
  public static fromImageReference(reference: ImageReference): ImageCopySource {
    return new ImageCopySource({ kind: 'reference', repository: reference.repository, tag: reference.tag, digest: reference.digest });
  }

  /**
   * An image in any OCI registry other than private ECR, by reference `host[:port]/path:tag` or
   * `...@sha256:...`: `ghcr.io/org/app:1.2`, `quay.io/org/app@sha256:...`,
   * `public.ecr.aws/docker/library/nginx:1.27`. Docker Hub short names expand as Docker expands them
   * (`nginx:1.27` is `docker.io/library/nginx:1.27`).
   *
   * @param reference the image reference, with a tag or a digest
   * @param options credentials of the registry
   */
  public static fromRegistry(reference: string, options: RegistrySourceOptions = {}): ImageCopySource {
    return new ImageCopySource({ kind: 'registry', reference, credentials: options.credentials });
  }

  /** @internal */
  public readonly _spec: SourceSpec;

  private constructor(spec: SourceSpec) {
    this._spec = spec;
  }
}

/** Properties of an `ImageCopy`. */
export interface ImageCopyProps {
  /** The image to copy. */
  readonly source: ImageCopySource;

  /**
   * The repository to copy into (a `PrivateRepository`, or any `IRepository`). A repository in
   * another account must allow the copy's role to push (`ecr:BatchCheckLayerAvailability`,
   * `ecr:InitiateLayerUpload`, `ecr:UploadLayerPart`, `ecr:CompleteLayerUpload`, `ecr:PutImage`,
   * `ecr:BatchGetImage`).
   */
  readonly destination: ecr.IRepository;

  /**
   * Tags to give the copy, written after the image itself (a failed copy writes none). With
   * IMMUTABLE tags (the `PrivateRepository` default) a tag cannot move to another image: use tags
   * that change with the source, or none.
   *
   * @default - no tag: the copy is referenced by its digest (`digest`, `imageUri`)
   */
  readonly tags?: string[];

  /**
   * Platforms to copy from a multi-platform image (an index), as `os/arch[/variant]`. One platform:
   * the copy is that platform's image manifest, and `digest` is its digest. Several: a new index of
   * those entries (a new digest). A single-platform source must be of the platform named.
   *
   * @default - the image as it is: an index with all its platforms (the source's digest)
   */
  readonly platforms?: string[];

  /**
   * With `platforms`, also copy the attestation manifests (BuildKit's provenance and SBOM entries
   * of the index) of the platforms named, so the copy's index keeps them.
   *
   * @default false
   */
  readonly attestations?: boolean;

  /**
   * Also copy the referrers of the image (signatures, SBOMs and attestations whose `subject` it is,
   * and theirs in turn): listed through the source's OCI 1.1 referrers API, else its referrers tag
   * schema (`sha256-<hex>`; an ECR source through its registry endpoint's referrers API and that
   * tag both, which adds `ecr:GetAuthorizationToken` to the copy's role), verified as the image is,
   * written by digest before the copy's tags (ECR lists them through its own referrers API). They
   * are untagged in the destination: its lifecycle rules for untagged images apply to them.
   *
   * @default false
   */
  readonly referrers?: boolean;

  /**
   * When the resource is deleted (or replaced), remove the tags it wrote that still name its copy.
   * ECR deletes an image whose last tag is removed. Without it, a delete leaves the images and tags
   * to the repository's lifecycle rules.
   *
   * @default false
   */
  readonly removeTagsOnDelete?: boolean;
}


/**
 * Copies one image into an ECR repository at deploy time, by digest: the manifest as it is (Docker
 * v2 or OCI, single-platform or an index), every blob checked against its digest and size before
 * the manifest is written, blobs the repository has not sent again. No Docker: a Lambda function
 * (`Custom::EcrImageCopy`, one per stack) runs the same engine as the `copy` command.
 *
 * The copy runs when its properties change: a new asset hash, tag or digest copies the new image.
 * A copy that would upload more than 10 GiB fails before it starts, naming the size and the
 * `copy` command to run in a pipeline instead (docs/image-copy.md).
 *
 * Use `digest` or `imageUri`, or hand `toImageReference()` to an `ImageCheck` to gate and pin what
 * runs to the copy.
 */
export class ImageCopy extends Construct {
  /**
   * Collect every violation of the props (nothing is created); the constructor calls it, then throws once.
   * @internal
   */
  public static _collect(v: Violations, props: ImageCopyProps, context: CheckContext): void {
    v.check(props.source instanceof ImageCopySource, 'source', props.source,
      'must be an ImageCopySource (ImageCopySource.fromDockerImageAsset, fromTarballImageAsset, fromImageReference or fromRegistry)');
    v.check(props.destination !== undefined && props.destination !== null && typeof props.destination.repositoryArn === 'string',
      'destination', props.destination, 'must be an ecr.IRepository (a PrivateRepository, or ecr.Repository.fromRepositoryArn(...))');
    const spec = props.source instanceof ImageCopySource ? props.source._spec : undefined;
    if (spec?.kind === 'reference') {
      if (spec.tag !== undefined) {
        checkPattern(v, 'source.tag', spec.tag, TAG_PATTERN,
          `must be an image tag: 1-128 of letters, digits, '_', '.' and '-', not starting with '.' or '-' (${TAG_PATTERN.source})`);
      } else {
        checkPattern(v, 'source.digest', spec.digest, DIGEST_PATTERN, `must be an image digest: 'sha256:' and 64 lowercase hexadecimal digits (${DIGEST_PATTERN.source})`);
      }
    }
    if (spec?.kind === 'registry' && !isUnresolved(spec.reference)) {
      const allowed = 'must be an image reference host[:port]/path:tag or host[:port]/path@sha256:<64 hex> of a registry other than private ECR, '
        + 'such as nginx:1.27, ghcr.io/org/app:1.2 or public.ecr.aws/docker/library/nginx:1.27 '
        + '(for an ECR repository use ImageCopySource.fromImageReference)';
      try {
        const ref = parseReference(String(spec.reference));
        v.check(ref.tag !== undefined || ref.digest !== undefined, 'source.reference', spec.reference, `names no tag and no digest: ${allowed}`);
        v.check(ref.ecr === undefined, 'source.reference', spec.reference, `is a private ECR repository: ${allowed}`);
      } catch (e) {
        v.add('source.reference', spec.reference, `${(e as Error).message.replace(/; use host.*$/, '')}: ${allowed}`);
      }
    }
    const tags = props.tags;
    if (tags !== undefined && checkCount(v, 'tags', tags, 1, MAX_TAGS) && !isUnresolved(tags)) {
      tags.forEach((t, i) => checkPattern(v, `tags[${i}]`, t, TAG_PATTERN,
        `must be an image tag: 1-128 of letters, digits, '_', '.' and '-', not starting with '.' or '-' (${TAG_PATTERN.source})`));
    }
    const platforms = props.platforms;
    if (platforms !== undefined && checkCount(v, 'platforms', platforms, 1, MAX_PLATFORMS) && !isUnresolved(platforms)) {
      platforms.forEach((p, i) => {
        if (!isUnresolved(p)) {
          try {
            parsePlatform(p);
          } catch {
            v.add(`platforms[${i}]`, p, 'must be os/arch or os/arch/variant in lowercase, such as linux/amd64, linux/arm64 or linux/arm/v7');
          }
        }
      });
    }
    if (checkBoolean(v, 'attestations', props.attestations) && props.attestations === true) {
      v.check(platforms !== undefined, 'attestations', true,
        'only with platforms (a copy without platforms copies the whole index, attestation manifests included)');
    }
    checkBoolean(v, 'referrers', props.referrers);
    if (spec?.kind === 'asset') {
      ImageCopy.checkAssetPlatform(v, spec, platforms);
    }
    if (checkBoolean(v, 'removeTagsOnDelete', props.removeTagsOnDelete) && props.removeTagsOnDelete === true) {
      v.check(tags !== undefined && (isUnresolved(tags) || tags.length > 0), 'removeTagsOnDelete', true,
        'only with tags (a copy without tags has no tag to remove; its image stays for the lifecycle rules)');
    }
    if (context.scope) {
      checkLambdaRuntime(v, context.scope);
    }
  }

  /** An asset's platform: the option against the asset's own, and `platforms` against both. */
  private static checkAssetPlatform(v: Violations, spec: SourceSpec, platforms: string[] | undefined): void {
    const kind = spec.assetKind;
    const { platform, assetPlatform } = spec;
    if (isKnown(platform) && isKnown(assetPlatform) && platform !== assetPlatform) {
      v.add('source.platform', platform, `must be the platform ${kind} ${spec.asset?.node.path} is built for (${assetPlatform}), or left out`);
    }
    const built = platform ?? assetPlatform;
    if (!isKnown(built) || platforms === undefined || isUnresolved(platforms) || platforms.some(p => isUnresolved(p))) {
      return;
    }
    let have;
    try {
      have = parsePlatform(built);
    } catch {
      return;
    }
    const fits = platforms.some(p => {
      try {
        return platformMatches(have, parsePlatform(p));
      } catch {
        return true; // reported as a bad platform above
      }
    });
    v.check(fits, 'platforms', platforms,
      `must include the platform ${kind} ${spec.asset?.node.path} is built for (${built}): the copy of an image for ${built} has no other platform `
      + `(leave platforms out, or build the asset for ${platforms.join(', ')})`);
  }

  /** The custom resource that copies the image. */
  public readonly resource: CustomResource;

  /** The repository the image is copied into. */
  public readonly repository: ecr.IRepository;

  /**
   * The digest of the copy (`sha256:...`, a token: `Fn::GetAtt` of the copy resource, so whatever
   * uses it is deployed after the copy).
   */
  public readonly digest: string;

  /**
   * The copy's URI pinned to its digest: `<account>.dkr.ecr.<region>.<url suffix>/<repository>@sha256:...` (a token).
   */
  public readonly imageUri: string;

  /** The media type of the copy's manifest (a token). */
  public readonly mediaType: string;

  /** The copy's platforms when they are known at synth (for the platform gate of its `ImageCheck`). */
  private readonly knownPlatforms?: KnownPlatforms;

  constructor(scope: Construct, id: string, props: ImageCopyProps) {
    const v = new Violations(pathOf(scope, id));
    ImageCopy._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id);

    const stack = Stack.of(this);
    const provider = ImageCopyProvider.of(this);
    const spec = props.source._spec;
    const ecrHost = (repo: ecr.IRepository) => {
      const { account, region } = locateRepository(repo);
      return `${account}.dkr.ecr.${region}.${stack.urlSuffix}/${repo.repositoryName}`;
    };

    let source: string;
    if (spec.kind === 'registry') {
      source = spec.reference!;
      if (spec.credentials) {
        provider.allowSecret(spec.credentials);
      }
    } else {
      source = `${ecrHost(spec.repository!)}${spec.tag !== undefined ? `:${spec.tag}` : `@${spec.digest}`}`;
      provider.allow(SOURCE_ACTIONS, [spec.repository!.repositoryArn]);
      if (props.referrers) {
        // The referrers API of the registry endpoint takes a registry token (GetAuthorizationToken).
        provider.allowRegistryToken();
      }
    }
    provider.allow(DESTINATION_ACTIONS, [props.destination.repositoryArn]);
    if (props.removeTagsOnDelete) {
      provider.allow(UNTAG_ACTIONS, [props.destination.repositoryArn]);
    }

    const destination = ecrHost(props.destination);
    const properties: CopyProperties = {
      Source: source,
      ...(spec.credentials ? { SourceSecretArn: spec.credentials.secretArn } : {}),
      Destination: destination,
      ...(props.tags !== undefined && (isUnresolved(props.tags) || props.tags.length > 0) ? { Tags: props.tags } : {}),
      ...(props.platforms !== undefined ? { Platforms: props.platforms } : {}),
      ...(props.removeTagsOnDelete ? { RemoveTagsOnDelete: 'true' } : {}),
      ...(props.attestations ? { Attestations: 'true' } : {}),
      ...(props.referrers ? { Referrers: 'true' } : {}),
    };
    this.resource = new CustomResource(this, 'Resource', {
      resourceType: RESOURCE_TYPE,
      serviceToken: provider.function.functionArn,
      serviceTimeout: Duration.seconds(SERVICE_TIMEOUT_SECONDS),
      properties: properties as unknown as Record<string, unknown>,
    });
    // The function's policy must be in place before the copy runs.
    this.resource.node.addDependency(provider);
    this.repository = props.destination;
    this.digest = this.resource.getAttString(DIGEST_ATTRIBUTE);
    this.mediaType = this.resource.getAttString(MEDIA_TYPE_ATTRIBUTE);
    this.imageUri = `${destination}@${this.digest}`;
    this.knownPlatforms = knownPlatforms(this.node.path, spec, props.platforms);
  }

  /**
   * The copy as an `ImageReference` (by digest) for an `ImageCheck`: its gates (existence, scan,
   * signature, in-use protection) run on the copy, and its verified image pins the integrations
   * (ECS, Lambda, EKS, App Runner, Batch) to the copy's digest.
   */
  public toImageReference(): ImageReference {
    const reference = ImageReference.fromDigest(this.repository, this.digest);
    reference._knownPlatforms = this.knownPlatforms;
    return reference;
  }
}


/**
 * The platform a `DockerImageAsset` is built for, as its stack's synthesizer recorded it: the asset
 * manifest of the CDK's default, CLI-credentials and bootstrapless synthesizers, or the stack's
 * asset metadata (the legacy synthesizer). Undefined when neither says (another synthesizer).
 */
function platformOfAsset(asset: ecrAssets.DockerImageAsset): string | undefined {
  const stack = Stack.of(asset);
  const manifest = (stack.synthesizer as { assetManifest?: { dockerImages?: Record<string, { source?: { platform?: unknown } }> } }).assetManifest;
  const recorded = manifest?.dockerImages?.[asset.assetHash]?.source?.platform;
  if (typeof recorded === 'string') {
    return recorded;
  }
  const entry = stack.node.metadata.find(m => m.type === 'aws:cdk:asset' && (m.data as { id?: unknown })?.id === asset.assetHash);
  const legacy = (entry?.data as { platform?: unknown } | undefined)?.platform;
  return typeof legacy === 'string' ? legacy : undefined;
}

/** What the copy's platforms are at synth: the platforms it names, else the asset's platform; else unknown. */
function knownPlatforms(path: string, spec: SourceSpec, platforms: string[] | undefined): KnownPlatforms | undefined {
  if (platforms !== undefined) {
    if (isUnresolved(platforms) || platforms.length === 0 || platforms.some(p => isUnresolved(p))) {
      return undefined;
    }
    const named = platforms.map(p => String(p).trim().toLowerCase());
    return { platforms: named, index: named.length > 1, origin: `the copy ImageCopy ${path} makes of the platforms ${named.join(', ')}` };
  }
  const built = spec.platform ?? spec.assetPlatform;
  if (spec.kind !== 'asset' || !isKnown(built)) {
    return undefined;
  }
  return {
    platforms: [built.toLowerCase()],
    index: false,
    origin: `the copy ImageCopy ${path} makes of ${spec.assetKind} ${spec.asset?.node.path} (built for ${built})`,
  };
}
