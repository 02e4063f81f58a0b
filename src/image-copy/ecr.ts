/**
 * An ECR repository as a copy's source or destination, through the ECR API (every call through
 * the runtime client policy): BatchGetImage and GetDownloadUrlForLayer to read;
 * BatchCheckLayerAvailability, the layer upload calls and PutImage to write. Referrers are listed
 * through the registry endpoint's OCI 1.1 referrers API (`GET /v2/<repo>/referrers/<digest>` on
 * `https://<account>.dkr.ecr.<region>.amazonaws.com`, or `registryEndpoint`), with a token of
 * GetAuthorizationToken, merged with the referrers tag schema's index (`sha256-<hex>`).
 */
import { Readable } from 'stream';
import {
  BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, CompleteLayerUploadCommand, ECRClient,
  GetAuthorizationTokenCommand, GetDownloadUrlForLayerCommand, InitiateLayerUploadCommand, PutImageCommand, UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { errorCode, ResolvedPolicy } from '../runtime';
import { DestinationEndpoint, Referrer, SourceEndpoint } from './endpoint';
import { ImageCopyError, printable, safeUrl } from './errors';
import {
  callWithRetries, discard, HttpAnswer, MAX_REDIRECTS, plainHttpAllowed, readBounded, redirectTarget, sameOrigin, sendOnce,
} from './http';
import { ACCEPTED_TYPES, Descriptor, Manifest, MAX_MANIFEST_BYTES, MEDIA, parseReferrers, referrersTag } from './manifest';
import { DIGEST, ImageRef } from './reference';

/** Largest part sent in one UploadLayerPart (also the memory one blob upload holds). */
export const DEFAULT_PART_BYTES = 10 * 1024 * 1024;
/** BatchCheckLayerAvailability's limit of digests per call. */
const CHECK_BATCH = 100;
/** Longest authorization token taken from GetAuthorizationToken. */
const MAX_TOKEN_CHARS = 16_384;

/**
 * The base URL of an ECR registry endpoint as given (an option, `CDK_ECR_REGISTRY_ENDPOINT_URL`):
 * `https://host[:port]`, or `http://` for a loopback host or one of `insecure`. Anything else (a
 * path, a query, credentials, another scheme) is refused as `input`, plain HTTP elsewhere as `unsafe`.
 */
export function registryEndpointUrl(text: string, insecure: readonly string[] = []): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ImageCopyError('input', `registry endpoint "${printable(text, 120)}" is not an absolute URL; use https://host[:port]`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new ImageCopyError('input', `registry endpoint ${safeUrl(u)} is not HTTPS; use https://host[:port]`);
  }
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
    throw new ImageCopyError('input', `registry endpoint ${safeUrl(u)} has a path, a query or credentials; use https://host[:port] only (the token comes from GetAuthorizationToken)`);
  }
  if (u.protocol === 'http:' && !plainHttpAllowed(u.host, insecure)) {
    throw new ImageCopyError('unsafe', `registry endpoint ${safeUrl(u)} is plain HTTP; the registry token is sent over plain HTTP only to loopback hosts and hosts named with --insecure-registry`);
  }
  return new URL(`${u.protocol}//${u.host}`);
}

/** Options of `EcrRepository`. */
export interface EcrRepositoryOptions {
  readonly ref: ImageRef;
  /** An ECR client of the runtime policy, in the repository's region. */
  readonly client: ECRClient;
  readonly policy: ResolvedPolicy;
  /** Hosts where plain HTTP is allowed besides loopback (a download URL of a local stand-in). */
  readonly insecure?: readonly string[];
  /**
   * Base URL of the registry endpoint whose OCI referrers API lists the repository's referrers:
   * `scheme://host[:port]` only (an interface VPC endpoint's DNS name, a test's stand-in). Plain
   * HTTP only for a loopback host or one of `insecure`.
   * @default - https://<account>.dkr.ecr.<region>.amazonaws.com (the reference's host)
   */
  readonly registryEndpoint?: string;
  /**
   * Bytes per UploadLayerPart.
   * @default - the part size ECR answers InitiateLayerUpload with, at most 20 MiB; else 10 MiB
   */
  readonly partBytes?: number;
}

export class EcrRepository implements SourceEndpoint, DestinationEndpoint {
  public readonly name: string;
  private readonly ids: { registryId: string; repositoryName: string };
  /** The registry endpoint (its referrers API): the only origin the registry token goes to. */
  private readonly registry: URL;
  /** GetAuthorizationToken's token, for this object's life (fetched again after a 401). */
  private token: string | undefined;

  constructor(private readonly options: EcrRepositoryOptions) {
    if (!options.ref.ecr) {
      throw new ImageCopyError('input', `${options.ref.registry} is not an ECR registry host`);
    }
    this.name = `${options.ref.registry}/${options.ref.repository}`;
    this.ids = { registryId: options.ref.ecr.account, repositoryName: options.ref.repository };
    this.registry = options.registryEndpoint !== undefined
      ? registryEndpointUrl(options.registryEndpoint, options.insecure)
      : new URL(`https://${options.ref.apiHost}`);
  }

  public async getManifest(reference: string): Promise<{ bytes: Buffer; mediaType?: string }> {
    const imageId = DIGEST.test(reference) ? { imageDigest: reference } : { imageTag: reference };
    const out = await this.options.client.send(new BatchGetImageCommand({
      ...this.ids, imageIds: [imageId], acceptedMediaTypes: [...ACCEPTED_TYPES],
    }));
    const image = out.images?.[0];
    if (!image?.imageManifest) {
      const f = out.failures?.[0];
      throw new ImageCopyError('registry', `${this.name}: no image ${printable(reference)} (${printable(f?.failureCode ?? 'not found')}${f?.failureReason ? `: ${printable(f.failureReason)}` : ''})`);
    }
    return { bytes: Buffer.from(image.imageManifest, 'utf8'), mediaType: image.imageManifestMediaType };
  }

  public async openBlob(d: Descriptor): Promise<Readable> {
    const out = await this.options.client.send(new GetDownloadUrlForLayerCommand({ ...this.ids, layerDigest: d.digest }));
    if (!out.downloadUrl) {
      throw new ImageCopyError('registry', `${this.name}: GetDownloadUrlForLayer gave no URL for ${d.digest}`);
    }
    // A pre-signed URL: no credentials are sent, and it is never printed (its query holds them).
    let url = new URL(out.downloadUrl);
    const p = this.options.policy;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const answer = await sendOnce({ method: 'GET', url }, { connectTimeoutMs: p.connectTimeoutMs, idleTimeoutMs: p.requestTimeoutMs, deadline: p.deadline() });
      if ([301, 302, 303, 307, 308].includes(answer.status)) {
        await discard(answer);
        url = redirectTarget(url, answer.headers.location, this.options.insecure ?? []);
        continue;
      }
      if (answer.status !== 200) {
        const text = await readBounded(answer, 4096, 'an error answer').catch(() => Buffer.alloc(0));
        throw new ImageCopyError('registry', `${this.name}: the download of layer ${d.digest} answered HTTP ${answer.status} ${printable(text.toString('utf8').split('\n')[0] ?? '', 120)}`, { httpStatus: answer.status, retryable: answer.status >= 500 || answer.status === 429 });
      }
      const length = answer.headers['content-length'];
      if (length !== undefined && Number(length) !== d.size) {
        answer.body.destroy();
        throw new ImageCopyError('verify', `${this.name}: layer ${d.digest} is served with Content-Length ${printable(String(length))}, its manifest declares ${d.size} bytes`);
      }
      return answer.body;
    }
    throw new ImageCopyError('unsafe', `${this.name}: the download of layer ${d.digest} was redirected more than ${MAX_REDIRECTS} times`);
  }

  public async missingBlobs(ds: Descriptor[]): Promise<Descriptor[]> {
    const available = new Set<string>();
    for (let i = 0; i < ds.length; i += CHECK_BATCH) {
      const batch = ds.slice(i, i + CHECK_BATCH);
      const out = await this.options.client.send(new BatchCheckLayerAvailabilityCommand({ ...this.ids, layerDigests: batch.map(d => d.digest) }));
      for (const l of out.layers ?? []) {
        if (l.layerAvailability === 'AVAILABLE' && l.layerDigest) {
          available.add(l.layerDigest);
        }
      }
    }
    return ds.filter(d => !available.has(d.digest));
  }

  public async uploadBlob(d: Descriptor, data: Readable): Promise<void> {
    const client = this.options.client;
    const started = await client.send(new InitiateLayerUploadCommand(this.ids));
    const uploadId = started.uploadId;
    if (!uploadId) {
      data.destroy();
      throw new ImageCopyError('registry', `${this.name}: InitiateLayerUpload gave no uploadId for ${d.digest}`);
    }
    const answered = started.partSize;
    const partBytes = this.options.partBytes
      ?? (answered !== undefined && answered >= 1024 * 1024 && answered <= 20 * 1024 * 1024 ? answered : DEFAULT_PART_BYTES);
    let first = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const send = async (final: boolean) => {
      while (pendingBytes >= partBytes || (final && pendingBytes > 0)) {
        const all = Buffer.concat(pending, pendingBytes);
        const size = Math.min(partBytes, all.length);
        const part = all.subarray(0, size);
        await client.send(new UploadLayerPartCommand({
          ...this.ids, uploadId, partFirstByte: first, partLastByte: first + size - 1, layerPartBlob: part,
        }));
        first += size;
        const rest = all.subarray(size);
        pending = rest.length ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
      }
    };
    // The verified stream fails before its end when the bytes are wrong: then the upload is
    // never completed, and ECR forgets it.
    for await (const chunk of data) {
      pending.push(chunk as Buffer);
      pendingBytes += (chunk as Buffer).length;
      if (pendingBytes >= partBytes) {
        await send(false);
      }
    }
    await send(true);
    try {
      await client.send(new CompleteLayerUploadCommand({ ...this.ids, uploadId, layerDigests: [d.digest] }));
    } catch (e) {
      if (errorCode(e) !== 'LayerAlreadyExistsException') {
        throw e;
      }
    }
  }

  /**
   * The referrers of `digest`: the registry endpoint's OCI 1.1 referrers API (where notation,
   * cosign in OCI 1.1 mode and oras leave them: no tag is written), plus the entries of the
   * referrers tag schema's index (`sha256-<hex>`, as older tools push it) that the API does not
   * list. A registry endpoint without the API (404, 400, 405) leaves the tag schema only.
   */
  public async referrers(digest: string): Promise<Referrer[]> {
    const listed = await this.apiReferrers(digest);
    const tagged = await this.taggedReferrers(digest);
    if (listed === undefined) {
      return tagged;
    }
    const have = new Set(listed.map(r => r.descriptor.digest));
    return [...listed, ...tagged.filter(r => !have.has(r.descriptor.digest))];
  }

  /** The referrers API's list, or undefined when the endpoint does not serve it. */
  private async apiReferrers(digest: string): Promise<Referrer[] | undefined> {
    const url = new URL(`/v2/${this.options.ref.repository}/referrers/${digest}`, this.registry);
    const what = `GET referrers of ${digest} (the registry's referrers API, ${safeUrl(url)})`;
    try {
      const answer = await callWithRetries({ name: this.name, what, policy: this.options.policy, ok: [200, 400, 404, 405] },
        () => this.registryExchange(url));
      const type = String(answer.headers['content-type'] ?? '').split(';')[0].trim();
      if (answer.status !== 200 || type !== MEDIA.OCI_INDEX) {
        await discard(answer);
        return undefined;
      }
      const bytes = await readBounded(answer, MAX_MANIFEST_BYTES, `${this.name}: referrers of ${digest}`);
      return parseReferrers(bytes, `${this.name}: referrers of ${digest}`);
    } catch (e) {
      // Whatever of the answer a message quotes may echo the token it was sent.
      throw this.withoutToken(e);
    }
  }

  /**
   * One GET on the registry endpoint: `Authorization: Basic <token>` to its own origin only (never
   * after a redirect to another origin), a new token once after a 401, at most `MAX_REDIRECTS`.
   */
  private async registryExchange(start: URL): Promise<HttpAnswer> {
    const p = this.options.policy;
    let url = start;
    let renewed = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { accept: MEDIA.OCI_INDEX };
      const own = sameOrigin(url, this.registry);
      if (own) {
        headers.authorization = `Basic ${await this.authorizationToken()}`;
      }
      const answer = await sendOnce({ method: 'GET', url, headers }, { connectTimeoutMs: p.connectTimeoutMs, idleTimeoutMs: p.requestTimeoutMs, deadline: p.deadline() });
      if ([301, 302, 303, 307, 308].includes(answer.status)) {
        await discard(answer);
        url = redirectTarget(url, answer.headers.location, this.options.insecure ?? []);
        continue;
      }
      if (answer.status === 401 && own && !renewed) {
        await discard(answer);
        this.token = undefined;
        renewed = true;
        hop--;
        continue;
      }
      return answer;
    }
    throw new ImageCopyError('unsafe', `${this.name}: GET ${safeUrl(start)} was redirected more than ${MAX_REDIRECTS} times (a redirect loop?)`);
  }

  /**
   * `e` with the token (and its password) cut out of its message: an error answer may echo what
   * it was sent, and a message cut to length may hold part of it (any run of 8 or more of its
   * characters goes).
   */
  private withoutToken(e: unknown): unknown {
    const token = this.token;
    if (token === undefined || !(e instanceof Error)) {
      return e;
    }
    const password = Buffer.from(token, 'base64').toString('utf8').replace(/^[^:]*:/, '');
    let message = e.message.replace(/[A-Za-z0-9+/=]{8,}/g, run => token.includes(run) ? '(the registry token)' : run);
    if (password.length >= 8) {
      message = message.split(password).join('(the registry token)');
    }
    e.message = message;
    return e;
  }

  /** GetAuthorizationToken's token (base64 of `AWS:<password>`), never shown. */
  private async authorizationToken(): Promise<string> {
    if (this.token !== undefined) {
      return this.token;
    }
    let token: unknown;
    try {
      const out = await this.options.client.send(new GetAuthorizationTokenCommand({}));
      token = out.authorizationData?.[0]?.authorizationToken;
    } catch (e) {
      throw new ImageCopyError('registry', `${this.name}: GetAuthorizationToken (for the registry's referrers API; needs ecr:GetAuthorizationToken) failed: ${printable((e as Error)?.message ?? String(e))}`, { cause: e });
    }
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9+/=]+$/.test(token)) {
      throw new ImageCopyError('registry', `${this.name}: GetAuthorizationToken answered without a usable token (base64, at most ${MAX_TOKEN_CHARS} characters; its value is not shown)`);
    }
    this.token = token;
    return token;
  }

  /** The referrers tag schema's index (`sha256-<hex>`), as other tools push it to ECR; none without the tag. */
  private async taggedReferrers(digest: string): Promise<Referrer[]> {
    const tag = referrersTag(digest);
    const out = await this.options.client.send(new BatchGetImageCommand({
      ...this.ids, imageIds: [{ imageTag: tag }], acceptedMediaTypes: [MEDIA.OCI_INDEX],
    }));
    const image = out.images?.[0];
    if (!image?.imageManifest) {
      return [];
    }
    return parseReferrers(Buffer.from(image.imageManifest, 'utf8'), `${this.name}: referrers tag ${tag}`);
  }

  /**
   * A referrer into ECR: by digest only. ECR (OCI 1.1) lists a manifest with a `subject` through its
   * referrers API itself; no referrers tag is written (a repository's tags may be immutable).
   */
  public async putReferrer(m: Manifest, _referrer: Referrer): Promise<void> {
    await this.putManifest(m);
  }

  public async hasManifest(digest: string): Promise<boolean> {
    const out = await this.options.client.send(new BatchGetImageCommand({
      ...this.ids, imageIds: [{ imageDigest: digest }], acceptedMediaTypes: [...ACCEPTED_TYPES],
    }));
    return (out.images ?? []).some(i => i.imageId?.imageDigest === digest);
  }

  public async putManifest(m: Manifest, tag?: string): Promise<void> {
    const text = m.bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(m.bytes)) {
      throw new ImageCopyError('verify', `${this.name}: manifest ${m.digest} is not valid UTF-8, which PutImage needs to keep its bytes`);
    }
    try {
      const out = await this.options.client.send(new PutImageCommand({
        ...this.ids,
        imageManifest: text,
        imageManifestMediaType: m.mediaType,
        // ECR names a manifest by the sha256 of its bytes; saying it keeps stand-ins honest too.
        imageDigest: m.digest,
        ...(tag !== undefined ? { imageTag: tag } : {}),
      }));
      const stored = out.image?.imageId?.imageDigest;
      if (stored !== undefined && stored !== m.digest) {
        throw new ImageCopyError('registry', `${this.name}: PutImage stored the manifest as ${printable(stored)}, not ${m.digest}`);
      }
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ImageAlreadyExistsException') {
        return;
      }
      if (code === 'ImageTagAlreadyExistsException') {
        throw new ImageCopyError('input', `${this.name}: tag ${printable(tag ?? '')} already names another image and the repository's tags are immutable; copy under a new tag or by digest only`, { cause: e });
      }
      throw e;
    }
  }
}
