export * from './repository-actions';
export * from './repository-access';
