/**
 * Source of the custom resource handler that sets an ECR Public repository's catalog
 * data including the logo (`ecr-public:PutRepositoryCatalogData`).
 *
 * CloudFormation's `AWS::ECR::PublicRepository.RepositoryCatalogData` has no logo property,
 * and aws-cdk-lib's `AwsCustomResource` turns string parameters into UTF-8 bytes, which
 * would upload the base64 text instead of the image. So the handler is this small inline
 * function (Lambda `ZipFile`, under its 4,096-character limit) using the AWS SDK v3 that
 * the Node.js Lambda runtime ships. Dependencies are only `https` and
 * `@aws-sdk/client-ecr-public`, so tests run it with stubs.
 *
 * Like the image check handler, it answers only to CloudFormation's pre-signed S3 ResponseURL
 * (src/private/response-url.ts, the same check as plain JavaScript): any other URL is logged and
 * refused before any call. The properties are checked by type and value before any call (a
 * RequestType it does not know fails, never means a Put); a Delete calls nothing and answers SUCCESS.
 * The Reason is escaped (no control characters) and bounded.
 */
import { RESPONSE_URL_CHECK_SOURCE } from '../../private/response-url';

export const PUBLIC_CATALOG_HANDLER_SOURCE = `const https = require('https');
const { ECRPUBLICClient, PutRepositoryCatalogDataCommand } = require('@aws-sdk/client-ecr-public');
const client = new ECRPUBLICClient({});
${RESPONSE_URL_CHECK_SOURCE}

function respond(event, status, reason, physicalId) {
  const body = JSON.stringify({
    Status: status, Reason: reason, PhysicalResourceId: physicalId, StackId: event.StackId,
    RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: {},
  });
  const url = new URL(event.ResponseURL);
  return new Promise((resolve, reject) => {
    const req = https.request({
      hostname: url.hostname, path: url.pathname + url.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

const ALLOWED = {
  RequestType: 'Create, Update or Delete', RepositoryName: 'an ECR Public repository name',
  CatalogData: 'an object', LogoImageBlob: 'base64 text',
};
function invalid(t, p) {
  const n = p.RepositoryName, c = p.CatalogData, l = p.LogoImageBlob;
  if (t !== 'Create' && t !== 'Update') return ['RequestType', t];
  if (typeof n !== 'string' || !/^[a-z0-9][a-z0-9._\/-]{1,204}$/.test(n)) return ['RepositoryName', n];
  if (c !== undefined && (!c || typeof c !== 'object' || Array.isArray(c))) return ['CatalogData', c];
  if (l !== undefined && (typeof l !== 'string' || !/^[A-Za-z0-9+\/]*={0,2}$/.test(l))) return ['LogoImageBlob', l];
}

exports.handler = async (event) => {
  const bad = responseUrlProblem(event && event.ResponseURL);
  if (bad) {
    console.error('refused the request: its ResponseURL is ' + bad + '; no call made, no answer sent');
    return;
  }
  const p = event.ResourceProperties || {};
  const n = p.RepositoryName;
  const physicalId = event.PhysicalResourceId || (typeof n === 'string' ? n.slice(0, 205) : 'invalid') + '/catalog-data';
  try {
    if (event.RequestType !== 'Delete') {
      const i = invalid(event.RequestType, p);
      if (i) throw new Error('invalid ' + i[0] + ' ' + String(JSON.stringify(i[1])).slice(0, 100) + ': ' + ALLOWED[i[0]] + ' is allowed; no call made');
      const c = p.CatalogData || {};
      await client.send(new PutRepositoryCatalogDataCommand({
        repositoryName: p.RepositoryName,
        catalogData: {
          description: c.RepositoryDescription, aboutText: c.AboutText, usageText: c.UsageText,
          architectures: c.Architectures, operatingSystems: c.OperatingSystems,
          logoImageBlob: p.LogoImageBlob ? Buffer.from(p.LogoImageBlob, 'base64') : undefined,
        },
      }));
    }
    await respond(event, 'SUCCESS', 'OK', physicalId);
  } catch (e) {
    const m = String((e && e.message) || e).replace(/[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]/g, (c) => {
      const h = c.charCodeAt(0).toString(16);
      return h.length > 2 ? '\\\\u{' + h + '}' : '\\\\x' + h.padStart(2, '0');
    });
    await respond(event, 'FAILED', m.slice(0, 500), physicalId);
  }
};
`;
