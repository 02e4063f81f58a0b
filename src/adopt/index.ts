/**
 * Adoption as a library for Node.js (`cdk-ecr-registry/lib/adopt`), beside `RegistryReport`:
 * not part of the jsii assembly (an async API over the report's reader). See docs/adopt.md.
 */
export {
  AdoptInputError, AdoptReadError, AdoptWriteError, PRIMARY_IDENTIFIERS, adoptModel, adoptRegistry, importMapping,
} from './adopt';
export type { AdoptChange, AdoptChangesJson, AdoptGap, AdoptOptions, AdoptReadOptions, AdoptResult, AdoptedModel, AdoptedStack } from './adopt';
export { ADOPTED_AS_IS } from './findings';
export type { AdoptLanguage } from './write-code';
