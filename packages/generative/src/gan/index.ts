export * from './layers';
export * from './networks';
export * from './gan';
export * from './trainer';
