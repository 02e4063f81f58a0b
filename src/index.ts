export * from './repository/private-repository';
export * from './lifecycle';
export * from './access';
export * from './public';
export * from './registry';
export * from './image-check';
export * from './integrations';
export * from './compliance';
