export const PACKAGE_NAME = '@tfrl/envs';
