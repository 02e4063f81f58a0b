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
 */
export const PUBLIC_CATALOG_HANDLER_SOURCE = `const https = require('https');
const { ECRPUBLICClient, PutRepositoryCatalogDataCommand } = require('@aws-sdk/client-ecr-public');
const client = new ECRPUBLICClient({});

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

exports.handler = async (event) => {
  const p = event.ResourceProperties;
  const physicalId = event.PhysicalResourceId || p.RepositoryName + '/catalog-data';
  try {
    if (event.RequestType !== 'Delete') {
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
    await respond(event, 'FAILED', String((e && e.message) || e).slice(0, 500), physicalId);
  }
};
`;
