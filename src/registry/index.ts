export * from './registry';
export * from './pull-through-cache';
export * from './creation-template';
