export const PACKAGE_NAME = '@tfrl/policy-gradient';
