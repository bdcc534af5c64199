export const PACKAGE_NAME = '@tfrl/value-based';
