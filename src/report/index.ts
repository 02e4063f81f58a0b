/**
 * The live registry report (`cdk-ecr-registry report`) as a library for Node.js:
 *
 * ```ts
 * import { RegistryReport } from 'cdk-ecr-registry/lib/report';
 * ```
 *
 * Not part of the jsii assembly (and so not in the Python, Java or Go bindings): it is an async
 * API over AWS SDK v3 clients and settings models with union types, which jsii cannot export.
 * See docs/report.md.
 */
export * from './report';
export * from './audit';
export * from './inventory';
export * from './json';
export * from './sarif';
export * from './text';
export * from './usage';
export * from './drift';
export * from './assembly';
export * from './physical-ids';
export * from '../compliance/model';
export { modelFromTemplate } from '../compliance/private/from-template';
export type { TemplateModel, TemplateSubject } from '../compliance/private/from-template';
export * from './html';
