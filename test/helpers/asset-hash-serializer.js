// Jest snapshot serializer: replaces asset hashes (64 hex characters) in strings,
// so snapshots change only when the template changes, not when a bundle is rebuilt.
const HASH = /[0-9a-f]{64}/g;
module.exports = {
  test: (val) => typeof val === 'string' && /[0-9a-f]{64}/.test(val),
  serialize: (val) => JSON.stringify(val.replace(HASH, '[ASSET-HASH]')),
};
