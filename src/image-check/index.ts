export * from './image-reference';
export * from './image-check';
export * from './verified-image';
