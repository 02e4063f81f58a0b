/**
 * The core of the image copy handler (run by its Lambda function, not at synth): validate the
 * event's properties, read the source's credentials, copy by digest, write the tags; remove the
 * tags on Delete when asked. No aws-cdk-lib.
 */
import { BatchDeleteImageCommand, BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the handler asset by esbuild (package time); the library never loads the handler
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorCode, ResolvedPolicy } from '../../runtime';
import { copyImage, CopyResult } from '../copy';
import { EcrRepository } from '../ecr';
import { DestinationEndpoint, SourceEndpoint } from '../endpoint';
import { ImageCopyError, printable } from '../errors';
import { ACCEPTED_TYPES, parseManifest, parsePlatform, Platform } from '../manifest';
import { DIGEST, formatReference, ImageRef, parseReference } from '../reference';
import { OciRegistry, RegistryCredentials } from '../registry';
import { CopyProperties, MAX_COPY_BYTES, MAX_PLATFORMS, MAX_TAGS } from './contract';

const KEYS = new Set(['ServiceToken', 'ServiceTimeout', 'Source', 'SourceSecretArn', 'Destination', 'Tags', 'Platforms', 'RemoveTagsOnDelete', 'Attestations', 'Referrers']);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A Secrets Manager secret ARN (full or partial). */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Properties checked by type and value, with the references parsed. */
export interface ParsedCopy {
  readonly props: CopyProperties;
  readonly source: ImageRef;
  readonly destination: ImageRef;
  readonly tags: string[];
  readonly platforms: Platform[];
  readonly removeTagsOnDelete: boolean;
  readonly attestations: boolean;
  readonly referrers: boolean;
}

function fail(message: string): never {
  throw new ImageCopyError('input', `invalid properties: ${message}`);
}

/** A value for a message: its JSON (or its type), escaped and at most 120 characters; never throws. */
export function shownValue(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined;
  }
  return printable(text ?? (v === undefined ? 'missing' : `a value of type ${typeof v}`), 120);
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 2048) {
    fail(`${name} is ${shownValue(v)}: a non-empty string of at most 2048 characters is allowed`);
  }
  return v;
}

function list(v: unknown, name: string, max: number): string[] {
  if (v === undefined) {
    return [];
  }
  // A single string is not read as a list of one (a hand-edited template): refused like any other type.
  if (!Array.isArray(v) || v.length > max || v.some(x => typeof x !== 'string')) {
    fail(`${name} is ${shownValue(v)}: a list of at most ${max} strings is allowed`);
  }
  return v as string[];
}

/** Check the properties of an event by type and value; throws an `input` ImageCopyError naming what is wrong. */
export function parseProperties(raw: unknown): ParsedCopy {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    fail(`ResourceProperties is ${shownValue(raw)}: an object is allowed`);
  }
  const p = raw as Record<string, unknown>;
  const unknown = Object.keys(p).filter(k => !KEYS.has(k));
  if (unknown.length > 0) {
    fail(`unknown properties ${unknown.slice(0, 5).map(k => JSON.stringify(printable(k, 60))).join(', ')}`);
  }
  const reference = (name: string): ImageRef => {
    const text = str(p[name], name);
    try {
      return parseReference(text);
    } catch (e) {
      return fail(`${name}: ${(e as Error).message}`);
    }
  };
  const source = reference('Source');
  if (source.tag === undefined && source.digest === undefined) {
    fail(`Source ${printable(String(p.Source))} names no tag and no digest`);
  }
  const destination = reference('Destination');
  if (!destination.ecr || destination.tag !== undefined || destination.digest !== undefined) {
    fail(`Destination ${printable(String(p.Destination))} must be an ECR repository <account>.dkr.ecr.<region>.<suffix>/<name>, without tag or digest`);
  }
  let secretArn: string | undefined;
  if (p.SourceSecretArn !== undefined) {
    secretArn = str(p.SourceSecretArn, 'SourceSecretArn');
    if (!SECRET_ARN.test(secretArn)) {
      fail(`SourceSecretArn ${printable(secretArn)} is not a Secrets Manager secret ARN`);
    }
    if (source.ecr) {
      fail('SourceSecretArn is for registries other than ECR (ECR sources are read with the function\'s role)');
    }
  }
  const tags = list(p.Tags, 'Tags', MAX_TAGS);
  for (const t of tags) {
    if (!TAG.test(t)) {
      fail(`tag ${JSON.stringify(printable(t))} is not an image tag (1-128 letters, digits, _ . - not starting with . or -)`);
    }
  }
  const platforms = list(p.Platforms, 'Platforms', MAX_PLATFORMS).map(text => {
    try {
      return parsePlatform(text);
    } catch (e) {
      return fail(`Platforms: ${(e as Error).message}`);
    }
  });
  if (p.RemoveTagsOnDelete !== undefined && p.RemoveTagsOnDelete !== 'true') {
    fail(`RemoveTagsOnDelete must be "true" or absent, not ${shownValue(p.RemoveTagsOnDelete)}`);
  }
  for (const key of ['Attestations', 'Referrers']) {
    if (p[key] !== undefined && p[key] !== 'true') {
      fail(`${key} must be "true" or absent, not ${JSON.stringify(printable(String(p[key]), 40))}`);
    }
  }
  if (p.Attestations === 'true' && platforms.length === 0) {
    fail('Attestations is only for a copy of named Platforms');
  }
  return {
    props: { ...(p as unknown as CopyProperties), ...(secretArn ? { SourceSecretArn: secretArn } : {}) },
    source,
    destination,
    tags: [...new Set(tags)],
    platforms,
    removeTagsOnDelete: p.RemoveTagsOnDelete === 'true',
    attestations: p.Attestations === 'true',
    referrers: p.Referrers === 'true',
  };
}

/**
 * Credentials from a secret's string: `username:password`, or JSON with `username` and
 * `password`. The value is never part of a message.
 */
export function credentialsFromSecret(value: string | undefined, arn: string): RegistryCredentials {
  const text = (value ?? '').trim();
  if (text.startsWith('{')) {
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (json && typeof json.username === 'string' && typeof json.password === 'string' && json.username && json.password) {
      return { username: json.username, password: json.password };
    }
  } else {
    const colon = text.indexOf(':');
    if (colon > 0 && colon < text.length - 1) {
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
  }
  throw new ImageCopyError('input', `the secret ${printable(arn)} holds neither username:password nor JSON {"username": ..., "password": ...} (its value is not shown)`);
}

/** What the copy needs from its environment (tests pass clients of the emulator). */
export interface CopyEnvironment {
  readonly policy: ResolvedPolicy;
  /** An ECR client of the runtime policy for a region. */
  readonly ecrClient: (region: string) => ECRClient;
  /** A Secrets Manager client of the runtime policy for a region. */
  readonly secretsClient: (region: string) => SecretsManagerClient;
  /** Hosts where plain HTTP is allowed besides loopback hosts (tests only). */
  readonly insecure?: readonly string[];
  /** Base URL of the ECR registry endpoint (its referrers API), tests only. @default - each ECR host */
  readonly registryEndpoint?: string;
  /** Most bytes of blobs to upload. @default MAX_COPY_BYTES */
  readonly maxBytes?: number;
  readonly log: (line: string) => void;
}

async function readSecret(arn: string, env: CopyEnvironment): Promise<RegistryCredentials> {
  const region = SECRET_ARN.exec(arn)![1];
  let value: string | undefined;
  try {
    const out = await env.secretsClient(region).send(new GetSecretValueCommand({ SecretId: arn }));
    value = out.SecretString;
  } catch (e) {
    throw new ImageCopyError('registry', `could not read the secret ${printable(arn)}: ${printable(errorCode(e) ?? (e as Error)?.name ?? 'error', 80)}`);
  }
  return credentialsFromSecret(value, arn);
}

function ecrEndpoint(ref: ImageRef, env: CopyEnvironment): EcrRepository {
  return new EcrRepository({
    ref, client: env.ecrClient(ref.ecr!.region), policy: env.policy, insecure: env.insecure, registryEndpoint: env.registryEndpoint,
  });
}

/** The way out of a copy too large for one invocation. */
function hint(c: ParsedCopy): string {
  return `copy it in a pipeline instead (npx cdk-ecr-registry copy ${formatReference(c.source)} ${formatReference(c.destination)}:<tag>) `
    + 'and reference the result with ImageReference.fromDigest (docs/image-copy.md, "Large images")';
}

/**
 * Tag -> digest of the tags that exist in an ECR repository: one BatchGetImage per tag (at most
 * `MAX_TAGS`), as an answer for several tags of one image may name only one of them.
 */
async function tagged(client: ECRClient, dest: ImageRef, tags: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const imageTag of tags) {
    const got = await client.send(new BatchGetImageCommand({
      registryId: dest.ecr!.account,
      repositoryName: dest.repository,
      imageIds: [{ imageTag }],
      acceptedMediaTypes: [...ACCEPTED_TYPES],
    }));
    const digest = got.images?.[0]?.imageId?.imageDigest;
    if (digest) {
      out.set(imageTag, digest);
    }
  }
  return out;
}

async function untag(client: ECRClient, dest: ImageRef, tags: string[]): Promise<void> {
  if (tags.length === 0) {
    return;
  }
  await client.send(new BatchDeleteImageCommand({
    registryId: dest.ecr!.account,
    repositoryName: dest.repository,
    imageIds: tags.map(imageTag => ({ imageTag })),
  }));
}

/** The result of a Create or Update. */
export interface CopyOutcome extends CopyResult {
  /** Tags written by this copy (those that named the image before are not counted). */
  readonly tagsWritten: string[];
}

/**
 * Copy the image by digest, then write the tags. A failure after some tags were written removes
 * the ones this copy wrote, so a failed copy leaves no tag.
 */
export async function runCopy(c: ParsedCopy, env: CopyEnvironment): Promise<CopyOutcome> {
  const credentials = c.props.SourceSecretArn ? await readSecret(c.props.SourceSecretArn, env) : undefined;
  const source: SourceEndpoint = c.source.ecr
    ? ecrEndpoint(c.source, env)
    : new OciRegistry({ ref: c.source, push: false, insecure: env.insecure ?? [], policy: env.policy, credentials });
  const destination = ecrEndpoint(c.destination, env);
  const result = await copyImage({
    source,
    sourceReference: c.source.digest ?? c.source.tag!,
    destination: destination as DestinationEndpoint,
    platforms: c.platforms.length > 0 ? c.platforms : undefined,
    attestations: c.attestations,
    referrers: c.referrers,
    policy: env.policy,
    log: env.log,
    maxBytes: env.maxBytes ?? MAX_COPY_BYTES,
    tooLargeHint: hint(c),
  });
  if (c.tags.length === 0) {
    return { ...result, tagsWritten: [] };
  }
  const client = env.ecrClient(c.destination.ecr!.region);
  const before = await tagged(client, c.destination, c.tags);
  const fresh = c.tags.filter(t => before.get(t) !== result.digest);
  const written: string[] = [];
  try {
    if (fresh.length > 0) {
      const got = await destination.getManifest(result.digest);
      const manifest = parseManifest(got.bytes, got.mediaType, `manifest ${destination.name}@${result.digest}`);
      if (manifest.digest !== result.digest) {
        throw new ImageCopyError('registry', `${destination.name}: BatchGetImage answered manifest bytes of digest ${manifest.digest} for ${result.digest}`);
      }
      for (const tag of fresh) {
        await destination.putManifest(manifest, tag);
        written.push(tag);
      }
    }
  } catch (e) {
    try {
      await untag(client, c.destination, written);
    } catch (u) {
      env.log(`could not remove the tags ${written.join(', ')} after a failed copy: ${printable((u as Error)?.message ?? String(u))}`);
    }
    throw e;
  }
  env.log(`tagged ${result.digest} as ${c.tags.join(', ')}${fresh.length < c.tags.length ? ` (${c.tags.length - fresh.length} already)` : ''}`);
  return { ...result, tagsWritten: written };
}

/** `<destination>@sha256:...`: the physical id of a copy. */
export function physicalIdOf(destination: ImageRef, digest: string): string {
  return `${formatReference(destination)}@${digest}`;
}

/**
 * Delete: with `RemoveTagsOnDelete`, remove the copy's tags that still name the digest of the
 * physical id (a tag another copy moved is left alone); the image stays otherwise. Never throws
 * for a physical id that is not a copy's (a failed Create).
 */
export async function removeTags(c: ParsedCopy, physicalId: string, env: CopyEnvironment): Promise<string[]> {
  if (!c.removeTagsOnDelete || c.tags.length === 0) {
    return [];
  }
  const at = physicalId.lastIndexOf('@');
  const digest = at > 0 ? physicalId.slice(at + 1) : '';
  if (!DIGEST.test(digest) || physicalId.slice(0, at) !== formatReference(c.destination)) {
    return [];
  }
  const client = env.ecrClient(c.destination.ecr!.region);
  const now = await tagged(client, c.destination, c.tags);
  const mine = c.tags.filter(t => now.get(t) === digest);
  await untag(client, c.destination, mine);
  return mine;
}
