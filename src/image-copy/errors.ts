/**
 * Errors of the image copy engine. Every message names the image or the registry call, never a
 * credential, a token or a pre-signed URL's query.
 */

const BRAND = Symbol.for('cdk-ecr-registry.ImageCopyError');

/**
 * Why a copy stopped.
 * - `input`: the request itself is wrong (a bad reference, a platform the image does not have, no credentials for a registry that wants them)
 * - `verify`: what the source sent does not match what its manifest says (digest, size, media type, limits)
 * - `registry`: a registry refused or failed a call after every retry the deadline allowed
 * - `unsafe`: the registry asked for something this engine never does (credentials over plain HTTP, a redirect loop)
 */
export type CopyFailureKind = 'input' | 'verify' | 'registry' | 'unsafe';

/** A copy that failed; nothing was tagged. */
export class ImageCopyError extends Error {
  /** Whether `x` is an `ImageCopyError` (also across copies of this library). */
  public static isImageCopyError(x: unknown): x is ImageCopyError {
    return typeof x === 'object' && x !== null && (x as any)[BRAND] === true;
  }

  public readonly kind: CopyFailureKind;
  /** HTTP status of the registry's last answer, when there was one. */
  public readonly httpStatus?: number;
  /** Worth trying the whole step again (a network error, a 5xx, a timeout). */
  public readonly retryable: boolean;

  constructor(kind: CopyFailureKind, message: string, options: { httpStatus?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'ImageCopyError';
    this.kind = kind;
    this.httpStatus = options.httpStatus;
    this.retryable = options.retryable ?? false;
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
    }
  }
}

/** Control characters (and the escape character) shown as `\xNN`, text cut to `max` characters. */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const escaped = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}...` : escaped;
}

/** A URL for a message: scheme, host and path only (a pre-signed URL's query holds credentials). */
export function safeUrl(url: URL | string): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return printable(`${u.protocol}//${u.host}${u.pathname}`);
  } catch {
    return '(an unparsable URL)';
  }
}
