/**
 * An OCI distribution API registry as a copy's source or destination: token (Bearer) or basic
 * auth, retries to the deadline, redirects followed under the rules of `http.ts`.
 */
import { Readable } from 'stream';
import { ResolvedPolicy } from '../runtime';
import { DestinationEndpoint, Referrer, SourceEndpoint } from './endpoint';
import { ImageCopyError, printable, safeUrl } from './errors';
import {
  callWithRetries, describeAnswer, discard, HttpAnswer, HttpRequest, MAX_REDIRECTS, MAX_SMALL_BODY, plainHttpAllowed,
  readBounded, redirectTarget, retryableStatus, sameOrigin, sendOnce,
} from './http';
import {
  ACCEPTED_TYPES, Descriptor, Manifest, MAX_MANIFEST_BYTES, MEDIA, parseManifest, parseReferrers, referrersIndex, referrersTag,
} from './manifest';
import { ImageRef } from './reference';

/** A user name and password (or token) for a registry. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options of `OciRegistry`. */
export interface OciRegistryOptions {
  readonly ref: ImageRef;
  readonly credentials?: RegistryCredentials;
  /** Ask for push rights too (a destination). */
  readonly push: boolean;
  /** Hosts where plain HTTP is allowed besides loopback hosts. */
  readonly insecure: readonly string[];
  readonly policy: ResolvedPolicy;
}

interface Challenge {
  readonly scheme: string;
  readonly params: Record<string, string>;
}

/** `Bearer realm="https://auth",service="x",scope="y"` */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) {
    return undefined;
  }
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header.slice(0, 4096));
  if (!m) {
    return undefined;
  }
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2])) !== null) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

export class OciRegistry implements SourceEndpoint, DestinationEndpoint {
  public readonly name: string;
  private readonly base: URL;
  private authorization: string | undefined;

  constructor(private readonly options: OciRegistryOptions) {
    const host = options.ref.apiHost;
    const plain = plainHttpAllowed(host, options.insecure);
    this.base = new URL(`${plain ? 'http' : 'https'}://${host}`);
    this.name = `${options.ref.registry}/${options.ref.repository}`;
  }

  private url(path: string): URL {
    return new URL(`/v2/${this.options.ref.repository}/${path}`, this.base);
  }

  /**
   * One call: redirects, one authentication round on a 401, retries of throttled, 5xx and
   * network failures until the deadline. Resolves with an answer whose status is in `ok`.
   */
  public async call(what: string, req: HttpRequest, ok: number[], retry = true): Promise<HttpAnswer> {
    return callWithRetries({ name: this.name, what, policy: this.options.policy, ok, retry }, () => this.exchange(req));
  }

  private limits() {
    const p = this.options.policy;
    return { connectTimeoutMs: p.connectTimeoutMs, idleTimeoutMs: p.requestTimeoutMs, deadline: p.deadline() };
  }

  /** Redirects and authentication of one attempt. */
  private async exchange(req: HttpRequest): Promise<HttpAnswer> {
    let url = req.url;
    let authenticated = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...req.headers };
      // Credentials go to the registry's own origin only, never to where it redirects.
      if (this.authorization && sameOrigin(url, this.base)) {
        headers.authorization = this.authorization;
      }
      const answer = await sendOnce({ ...req, url, headers }, this.limits());
      if ([301, 302, 303, 307, 308].includes(answer.status)) {
        await discard(answer);
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new ImageCopyError('registry', `${this.name}: ${req.method} ${safeUrl(url)} answered a redirect, which this copy follows only for reads`);
        }
        url = redirectTarget(url, answer.headers.location, this.options.insecure);
        continue;
      }
      if (answer.status === 401 && sameOrigin(url, this.base) && !authenticated) {
        const challenge = parseChallenge(answer.headers['www-authenticate'] as string | undefined);
        await discard(answer);
        await this.authenticate(challenge);
        authenticated = true;
        hop--;
        continue;
      }
      return answer;
    }
    throw new ImageCopyError('unsafe', `${this.name}: ${req.method} ${safeUrl(req.url)} was redirected more than ${MAX_REDIRECTS} times (a redirect loop?)`);
  }

  private async authenticate(challenge: Challenge | undefined): Promise<void> {
    const creds = this.options.credentials;
    if (!challenge) {
      throw new ImageCopyError('registry', `${this.name}: the registry answered 401 without a WWW-Authenticate challenge`, { httpStatus: 401 });
    }
    if (challenge.scheme === 'basic') {
      if (!creds) {
        throw new ImageCopyError('input', `${this.name}: the registry asks for a user name and password and none is configured (docker login, or a config.json "auths" entry for ${printable(this.options.ref.registry)})`, { httpStatus: 401 });
      }
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return;
    }
    if (challenge.scheme !== 'bearer') {
      throw new ImageCopyError('registry', `${this.name}: the registry asks for ${printable(challenge.scheme)} authentication; this copy speaks Bearer (token) and Basic`, { httpStatus: 401 });
    }
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      throw new ImageCopyError('registry', `${this.name}: the registry's token challenge has no usable realm`, { httpStatus: 401 });
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.base.protocol === 'http:' && plainHttpAllowed(realm.host, this.options.insecure))) {
      throw new ImageCopyError('unsafe', `${this.name}: the registry's token realm ${safeUrl(realm)} is not HTTPS; credentials and tokens are not sent over plain HTTP for a registry reached over ${this.base.protocol === 'https:' ? 'HTTPS' : 'a host not named with --insecure-registry'}`);
    }
    if (challenge.params.service) {
      realm.searchParams.set('service', challenge.params.service);
    }
    realm.searchParams.set('scope', `repository:${this.options.ref.repository}:${this.options.push ? 'pull,push' : 'pull'}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds) {
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const answer = await sendOnce({ method: 'GET', url: realm, headers }, this.limits());
    if (answer.status !== 200) {
      const detail = await describeAnswer(answer);
      throw new ImageCopyError(answer.status === 401 || answer.status === 403 ? 'input' : 'registry',
        `${this.name}: the token service ${safeUrl(realm)} refused a token: ${detail}${creds ? '' : ' (no credentials configured for this registry)'}`,
        { httpStatus: answer.status, retryable: retryableStatus(answer.status) });
    }
    let token: unknown;
    try {
      const body = JSON.parse((await readBounded(answer, MAX_SMALL_BODY, 'a token answer')).toString('utf8'));
      token = body?.token ?? body?.access_token;
    } catch (e) {
      if (ImageCopyError.isImageCopyError(e)) {
        throw e;
      }
    }
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384 || !/^[\x21-\x7e]+$/.test(token)) {
      throw new ImageCopyError('registry', `${this.name}: the token service ${safeUrl(realm)} answered without a usable token`);
    }
    this.authorization = `Bearer ${token}`;
  }

  public async getManifest(reference: string): Promise<{ bytes: Buffer; mediaType?: string }> {
    const answer = await this.call(`GET manifest ${printable(reference)}`, {
      method: 'GET', url: this.url(`manifests/${reference}`), headers: { accept: ACCEPTED_TYPES.join(', ') },
    }, [200]);
    const bytes = await readBounded(answer, MAX_MANIFEST_BYTES, `${this.name}: manifest ${printable(reference)}`);
    const ct = answer.headers['content-type'];
    return { bytes, mediaType: typeof ct === 'string' ? ct : undefined };
  }

  public async openBlob(d: Descriptor): Promise<Readable> {
    const answer = await this.call(`GET blob ${d.digest}`, { method: 'GET', url: this.url(`blobs/${d.digest}`) }, [200]);
    const length = answer.headers['content-length'];
    if (length !== undefined && Number(length) !== d.size) {
      answer.body.destroy();
      throw new ImageCopyError('verify', `${this.name}: blob ${d.digest} is served with Content-Length ${printable(String(length))}, its manifest declares ${d.size} bytes`);
    }
    return answer.body;
  }

  public async missingBlobs(ds: Descriptor[]): Promise<Descriptor[]> {
    const missing: Descriptor[] = [];
    for (const d of ds) {
      const answer = await this.call(`HEAD blob ${d.digest}`, { method: 'HEAD', url: this.url(`blobs/${d.digest}`) }, [200, 404]);
      await discard(answer);
      if (answer.status === 404) {
        missing.push(d);
      }
    }
    return missing;
  }

  public async uploadBlob(d: Descriptor, data: Readable): Promise<void> {
    const start = await this.call(`start upload of ${d.digest}`, { method: 'POST', url: this.url('blobs/uploads/'), headers: { 'content-length': '0' } }, [202, 201]);
    await discard(start);
    if (start.status === 201) {
      data.destroy();
      return;
    }
    const location = start.headers.location;
    if (!location) {
      data.destroy();
      throw new ImageCopyError('registry', `${this.name}: the upload of ${d.digest} was started without a Location to send it to`);
    }
    const target = new URL(location, start.url);
    if (!sameOrigin(target, this.base)) {
      data.destroy();
      throw new ImageCopyError('unsafe', `${this.name}: the upload location ${safeUrl(target)} is on another host; this copy sends credentials to the registry's own host only`);
    }
    target.searchParams.set('digest', d.digest);
    // A stream is sent once: a failure here fails this blob's attempt (the copy tries the blob again).
    const put = await this.call(`PUT blob ${d.digest}`, {
      method: 'PUT',
      url: target,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(d.size) },
      body: () => data,
    }, [201, 204], false);
    await discard(put);
  }

  public async hasManifest(digest: string): Promise<boolean> {
    const answer = await this.call(`HEAD manifest ${digest}`, {
      method: 'HEAD', url: this.url(`manifests/${digest}`), headers: { accept: ACCEPTED_TYPES.join(', ') },
    }, [200, 404]);
    await discard(answer);
    return answer.status === 200;
  }

  public async referrers(digest: string): Promise<Referrer[]> {
    // The OCI 1.1 referrers API; a registry without it answers 404 (or 400/405 for a path it does not know).
    const api = await this.call(`GET referrers of ${digest}`, {
      method: 'GET', url: this.url(`referrers/${digest}`), headers: { accept: MEDIA.OCI_INDEX },
    }, [200, 400, 404, 405]);
    const type = String(api.headers['content-type'] ?? '').split(';')[0].trim();
    if (api.status === 200 && type === MEDIA.OCI_INDEX) {
      const bytes = await readBounded(api, MAX_MANIFEST_BYTES, `${this.name}: referrers of ${digest}`);
      return parseReferrers(bytes, `${this.name}: referrers of ${digest}`);
    }
    await discard(api);
    return this.taggedReferrers(digest);
  }

  /** The referrers tag schema: the index under `sha256-<hex>`, or none. */
  private async taggedReferrers(digest: string): Promise<Referrer[]> {
    const tag = referrersTag(digest);
    const answer = await this.call(`GET manifest ${tag}`, {
      method: 'GET', url: this.url(`manifests/${tag}`), headers: { accept: MEDIA.OCI_INDEX },
    }, [200, 404]);
    if (answer.status === 404) {
      await discard(answer);
      return [];
    }
    const bytes = await readBounded(answer, MAX_MANIFEST_BYTES, `${this.name}: referrers tag ${tag}`);
    return parseReferrers(bytes, `${this.name}: referrers tag ${tag}`);
  }

  public async putReferrer(m: Manifest, referrer: Referrer): Promise<void> {
    const subject = m.subject!.digest;
    const answer = await this.call(`PUT manifest ${m.digest}`, {
      method: 'PUT', url: this.url(`manifests/${m.digest}`), headers: { 'content-type': m.mediaType }, body: m.bytes,
    }, [201, 200, 202]);
    const indexed = answer.headers['oci-subject'];
    await discard(answer);
    if (typeof indexed === 'string' && indexed.length > 0) {
      return; // the registry's referrers API lists it
    }
    const have = await this.taggedReferrers(subject);
    if (have.some(r => r.descriptor.digest === m.digest)) {
      return;
    }
    const bytes = referrersIndex([...have.map(r => r.entry), referrer.entry]);
    await this.putManifest(parseManifest(bytes, MEDIA.OCI_INDEX, `the referrers index of ${subject}`), referrersTag(subject));
  }

  public async putManifest(m: Manifest, tag?: string): Promise<void> {
    const answer = await this.call(`PUT manifest ${tag ?? m.digest}`, {
      method: 'PUT', url: this.url(`manifests/${tag ?? m.digest}`), headers: { 'content-type': m.mediaType }, body: m.bytes,
    }, [201, 200, 202]);
    const named = answer.headers['docker-content-digest'];
    await discard(answer);
    if (typeof named === 'string' && named !== m.digest) {
      throw new ImageCopyError('registry', `${this.name}: the registry stored the manifest as ${printable(named)}, not ${m.digest} (it rewrote the bytes)`);
    }
  }
}
