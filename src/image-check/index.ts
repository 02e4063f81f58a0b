export * from './image-reference';
export * from './image-check';
