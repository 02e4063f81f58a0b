export * from './enums';
export * from './tag-selection';
export * from './rule';
export * from './policy';
export * from './preview';
export * from './in-use';
