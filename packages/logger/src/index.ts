export const PACKAGE_NAME = '@tfrl/logger';
