/**
 * Every env family's registrations, in one list the registry registers at load.
 * A family adds one import and one spread here.
 */
import { classicControlSpecs } from './classic/specs';
import type { EnvRegistration } from './types';

export const BUILTIN_ENVS: EnvRegistration[] = [
  ...classicControlSpecs,
];
