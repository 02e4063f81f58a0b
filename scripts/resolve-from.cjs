/**
 * Preload (`node --require`, or NODE_OPTIONS=--require) that resolves the packages named in
 * RESOLVE_PACKAGES (comma-separated, e.g. `aws-cdk-lib,constructs`) and their subpaths from the
 * node_modules folder RESOLVE_FROM instead of the project's own node_modules.
 *
 * scripts/bindings-go.sh uses it to synthesize the TypeScript example with the aws-cdk-lib and constructs
 * that the Go app runs (the npm tarballs embedded in the aws-cdk-go and constructs-go modules), so that
 * both sides compare at the same versions, as the Python and Java comparisons do.
 */
'use strict';
const Module = require('module');
const path = require('path');

const from = process.env.RESOLVE_FROM;
const packages = (process.env.RESOLVE_PACKAGES || '').split(',').map(s => s.trim()).filter(Boolean);
if (!from || packages.length === 0) {
  throw new Error('resolve-from.cjs needs RESOLVE_FROM (a node_modules folder) and RESOLVE_PACKAGES (names)');
}
const root = path.resolve(from);
const original = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, parent, isMain, options) {
  if (packages.some(p => request === p || request.startsWith(`${p}/`))) {
    return original.call(this, request, parent, isMain, { ...options, paths: [root] });
  }
  return original.call(this, request, parent, isMain, options);
};
