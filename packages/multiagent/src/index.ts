export const PACKAGE_NAME = '@tfrl/multiagent';
