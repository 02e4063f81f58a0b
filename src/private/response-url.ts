/**
 * The ResponseURL of a CloudFormation custom resource event: the only URL a handler of this library
 * sends anything to, so it must be the pre-signed S3 URL CloudFormation makes, not whatever the event
 * says (a hand-made event could point the PUT at the instance metadata service, or at any host).
 *
 * CloudFormation answers through its own bucket in each region, `cloudformation-custom-resource-
 * response-<region without dashes>` (`...-useast1`, `...-cnnorth1`, `...-usgovwest1`), on S3's
 * endpoints in the partitions this library supports:
 *
 * - aws: `<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3-<region>.amazonaws.com`
 * - aws-cn: `<bucket>.s3.<region>.amazonaws.com.cn` (regions `cn-*`)
 * - aws-us-gov: `<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3-<region>.amazonaws.com` (regions `us-gov-*`)
 * - and the path-style forms of each (`s3.<region>.amazonaws.com/<bucket>/...`) and `s3.dualstack.<region>`.
 *
 * The URL must be `https` on the default port, without user information, and pre-signed (a
 * `Signature` or `X-Amz-Signature` query parameter). The ISO partitions are not accepted (a
 * handler there can widen the check with `allowResponseUrl`).
 *
 * Leaf module: no imports. `RESPONSE_URL_CHECK_SOURCE` is the same check as plain JavaScript for
 * the inline handlers (src/public/private/catalog-handler-source.ts).
 */

const BUCKET = 'cloudformation-custom-resource-response-[a-z0-9]+';
const REGION = '[a-z]{2}(?:-gov)?-[a-z]+-\\d{1,2}';
const S3 = `s3(?:\\.dualstack)?(?:[.-](${REGION}))?\\.amazonaws\\.com(\\.cn)?`;

/** `<bucket>.s3[...].amazonaws.com[.cn]` */
export const RESPONSE_URL_VIRTUAL_HOST = new RegExp(`^(${BUCKET})\\.${S3}$`);
/** `s3[...].amazonaws.com[.cn]` with the bucket first in the path */
export const RESPONSE_URL_PATH_HOST = new RegExp(`^${S3}$`);
export const RESPONSE_URL_PATH = new RegExp(`^/(${BUCKET})/`);
/** A pre-signed S3 URL carries its signature in the query (SigV4 or SigV2). */
export const PRESIGNED_QUERY = /[?&](?:X-Amz-Signature|Signature)=[^&]+/;

/** What `checkResponseUrl` found: the URL, or why it is refused (a sentence that names no secret). */
export type ResponseUrlCheck = { readonly url: URL } | { readonly problem: string };

/**
 * Check a ResponseURL. `allow` replaces the host check (tests that answer to a local server pass
 * `() => true`); the URL must still parse and be http(s).
 */
export function checkResponseUrl(value: unknown, allow?: (url: URL) => boolean): ResponseUrlCheck {
  if (typeof value !== 'string' || value === '') {
    return { problem: 'the event has no ResponseURL' };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'the ResponseURL is not a URL' };
  }
  if (allow) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { problem: `the ResponseURL's scheme ${url.protocol} is not http(s)` };
    }
    return allow(url) ? { url } : { problem: `the ResponseURL (host ${url.host}) is refused by allowResponseUrl` };
  }
  if (url.protocol !== 'https:') {
    return { problem: `the ResponseURL's scheme ${url.protocol} is not https` };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: 'the ResponseURL carries user information' };
  }
  if (url.port !== '') {
    return { problem: `the ResponseURL names port ${url.port}` };
  }
  const host = url.hostname;
  const virtual = RESPONSE_URL_VIRTUAL_HOST.exec(host);
  const path = RESPONSE_URL_PATH_HOST.exec(host);
  const m = virtual ?? (path && RESPONSE_URL_PATH.test(url.pathname) ? path : null);
  if (!m) {
    return { problem: `the ResponseURL's host ${host} is not CloudFormation's response bucket on S3 (cloudformation-custom-resource-response-<region>, in aws, aws-cn or aws-us-gov)` };
  }
  const [region, cn] = virtual ? [m[2], m[3]] : [m[1], m[2]];
  if ((cn !== undefined) !== (region?.startsWith('cn-') ?? false)) {
    return { problem: `the ResponseURL's host ${host} mixes the partitions (amazonaws.com.cn goes with the cn-* regions only)` };
  }
  if (!PRESIGNED_QUERY.test(url.search)) {
    return { problem: 'the ResponseURL is not pre-signed (no Signature or X-Amz-Signature)' };
  }
  return { url };
}

/**
 * The same check in plain JavaScript for inline handlers: defines `responseUrlProblem(value)`,
 * which returns `undefined` for an accepted URL and the reason otherwise.
 */
export const RESPONSE_URL_CHECK_SOURCE = `const RV = ${RESPONSE_URL_VIRTUAL_HOST}, RP = ${RESPONSE_URL_PATH_HOST}, RB = ${RESPONSE_URL_PATH}, RS = ${PRESIGNED_QUERY};
function responseUrlProblem(v) {
  let u;
  try { u = new URL(v); } catch (e) { return 'not a URL'; }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return 'not https on the default port';
  const m = RV.exec(u.hostname) || (RB.test(u.pathname) ? RP.exec(u.hostname) : null);
  if (!m) return 'not the CloudFormation response bucket';
  const [r, cn] = m.length > 3 ? [m[2], m[3]] : [m[1], m[2]];
  if (!!cn !== !!(r && r.startsWith('cn-'))) return 'mixed partitions';
  if (!RS.test(u.search)) return 'not pre-signed';
}`;
