// Jest snapshot serializer: the Lambda runtime policy's default runtime (the newest Node.js runtime the
// installed aws-cdk-lib knows, src/private/lambda-runtime.ts) is written as "nodejs<latest>", so the same
// snapshots hold on the minimum and on the newest aws-cdk-lib. Any other runtime name stays as it is.
const { newestNodeRuntime } = require('../../src/private/lambda-runtime');
const NEWEST = newestNodeRuntime().name;
module.exports = {
  test: (val) => val === NEWEST,
  serialize: () => JSON.stringify('nodejs<latest>'),
};
