export * from './public-repository';
