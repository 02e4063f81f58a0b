/**
 * The image copy engine (Node.js only, no aws-cdk-lib): shared by the `copy` command and the
 * `ImageCopy` handler.
 */
export { copyImage } from './copy';
export type { CopyImageOptions, CopyResult } from './copy';
export { copyReference } from './open';
export type { CopyReferenceOptions } from './open';
export { credentialsFor, dockerConfigPath } from './docker-config';
export { EcrRepository } from './ecr';
export type { EcrRepositoryOptions } from './ecr';
export type { DestinationEndpoint, SourceEndpoint } from './endpoint';
export { ImageCopyError, printable } from './errors';
export type { CopyFailureKind } from './errors';
export { formatPlatform, parsePlatform, MAX_INDEX_ENTRIES, MAX_MANIFEST_BYTES } from './manifest';
export type { Platform } from './manifest';
export { formatReference, parseReference } from './reference';
export type { ImageRef } from './reference';
export { OciRegistry } from './registry';
export type { OciRegistryOptions, RegistryCredentials } from './registry';
