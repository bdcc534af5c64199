/**
 * Every env family's registrations, in one list the registry registers at load.
 * A family adds one import and one spread here.
 */
import { classicControlSpecs } from './classic/specs';
import { box2dSpecs } from './box2d/specs';
import { toyTextSpecs } from './toy-text/specs';
import { gridSpecs } from './grid/specs';
import { goalSpecs } from './goal/specs';
import type { EnvRegistration } from './types';

export const BUILTIN_ENVS: EnvRegistration[] = [...classicControlSpecs, ...toyTextSpecs, ...gridSpecs, ...goalSpecs, ...box2dSpecs];
