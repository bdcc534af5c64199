export const PACKAGE_NAME = '@tfrl/imitation';
