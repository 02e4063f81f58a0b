export * from './findings-alert';
export * from './metrics';
