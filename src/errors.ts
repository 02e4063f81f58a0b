// The library's error type. It is defined beside the collector that throws it (src/private, the
// floor every concern imports) and exported from here.
export { EcrValidationError } from './private/errors';
export type { Violation } from './private/errors';
