export * from './repository/private-repository';
