/**
 * Image references as the `copy` command and `ImageCopy` take them: `host[:port]/path[:tag][@digest]`,
 * with Docker's short names (`nginx` is `docker.io/library/nginx`, `me/app` is `docker.io/me/app`).
 */
import { ImageCopyError, printable } from './errors';

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host as written (`ghcr.io`, `localhost:5000`, `docker.io`). */
  readonly registry: string;
  /** Host and port the API is called on (`registry-1.docker.io` for `docker.io`). */
  readonly apiHost: string;
  /** Repository path (`library/nginx`, `org/app`). */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** The ECR registry the host names, when it is one (`<account>.dkr.ecr.<region>.amazonaws.com`). */
  readonly ecr?: { readonly account: string; readonly region: string };
}

/** `sha256:` and 64 lowercase hex digits. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
/** Private ECR registry hosts, in every partition (and FIPS endpoints). */
export const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|amazonaws\.com\.cn|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

/** Longest reference accepted (Docker's name limit is 255 characters for the path). */
const MAX_REFERENCE = 512;

function bad(text: string, why: string): ImageCopyError {
  return new ImageCopyError('input', `image reference "${printable(text)}" ${why}; use host[:port]/path[:tag][@sha256:<64 hex>] (for example ghcr.io/org/app:1.2, 111111111111.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:...)`);
}

/** Parse a reference; a bad one throws an `ImageCopyError` of kind `input` naming it. */
export function parseReference(text: string): ImageRef {
  if (typeof text !== 'string' || text.length === 0) {
    throw bad(String(text ?? ''), 'is empty');
  }
  if (text.length > MAX_REFERENCE) {
    throw bad(text, `is longer than ${MAX_REFERENCE} characters`);
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw bad(text, `has digest "${printable(digest)}", not sha256: and 64 lowercase hex digits`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw bad(text, `has tag "${printable(tag)}"; a tag is 1 to 128 letters, digits, _ . - and does not start with . or -`);
    }
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) {
      throw bad(text, `has host "${printable(registry)}", which is not a host name[:port]`);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    registry = 'docker.io';
  }
  if (registry === 'docker.io' && parts.length === 1) {
    parts.unshift('library');
  }
  for (const p of parts) {
    if (!PATH_COMPONENT.test(p)) {
      throw bad(text, `has path component "${printable(p)}"; components are lowercase letters and digits separated by . _ __ or -`);
    }
  }
  const repository = parts.join('/');
  if (repository.length > 255) {
    throw bad(text, 'has a repository path longer than 255 characters');
  }
  const m = ECR_HOST.exec(registry.toLowerCase());
  return {
    registry,
    apiHost: registry === 'docker.io' ? 'registry-1.docker.io' : registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    ...(m ? { ecr: { account: m[1], region: m[2] } } : {}),
  };
}

/** `host/path:tag@digest` as written back (for messages and `imageUri`). */
export function formatReference(ref: ImageRef, digest = ref.digest): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** Loopback hosts, where plain HTTP is allowed without `--insecure-registry`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
