export const PACKAGE_NAME = '@tfrl/value-based';

/**
 * Registers this package's algorithms in @tfrl/core's algorithm registry (the CLI calls this).
 * The DQN family lands with its own issue; until then there is nothing to register.
 */
export function registerValueBasedAlgorithms(): void {}
