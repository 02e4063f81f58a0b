export * from './ecs';
export * from './eks';
