import type { EnvRegistration } from '../types';
import { BitFlippingEnv } from './bit-flipping';

/** Goal-conditioned tasks. BitFlipping truncates itself after `maxSteps` (default nBits), so no TimeLimit. */
export const goalSpecs: EnvRegistration[] = [
  {
    id: 'BitFlipping-v0',
    entryPoint: (kw) =>
      new BitFlippingEnv({
        nBits: kw.nBits as number,
        maxSteps: kw.maxSteps as number | null,
        fixedGoal: kw.fixedGoal as boolean,
        continuous: kw.continuous as boolean,
      }),
    kwargs: { nBits: 10, maxSteps: null, fixedGoal: false, continuous: false },
  },
];
