export * from './registry';
export * from './replication';
export * from './registry-policy';
export * from './scanning';
export * from './pull-through-cache';
export * from './creation-template';
export * from './signing';
