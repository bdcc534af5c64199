export * from './vae';
export * from './trainer';
