export const PACKAGE_NAME = '@tfrl/curriculum';
