export * from './ecr-checks';
