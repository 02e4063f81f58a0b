export * from './ecs';
export * from './eks';
export * from './lambda';
export * from './app-runner';
export * from './batch';
