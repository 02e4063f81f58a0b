export * from './registry-audit';
