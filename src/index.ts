export * from './repository/private-repository';
export * from './lifecycle';
