export const PACKAGE_NAME = '@tfrl/generative';
