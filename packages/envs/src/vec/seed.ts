import { MAX_SEED, assertSeed } from '@tfrl/core';

/**
 * Throw unless `seed` is a valid seed for a VecEnv of `numEnvs` envs: env i is reset with
 * `seed + i`, so every one of `seed … seed + numEnvs − 1` must be an integer in [0, 2^32 − 1]
 * (`MAX_SEED`, the range `BaseEnv.reset({seed})` accepts). `who` names the env in the message.
 */
export function assertVecSeed(seed: unknown, numEnvs: number, who: string, what = 'reset seed'): asserts seed is number {
  assertSeed(seed, who, what);
  const last = seed + numEnvs - 1;
  if (last > MAX_SEED) {
    throw new RangeError(
      `${who}: ${what} ${seed} gives env ${numEnvs - 1} the seed ${last}, above ${MAX_SEED} (2^32 - 1); ` +
        `with ${numEnvs} envs the seed must be at most ${MAX_SEED - numEnvs + 1}`,
    );
  }
}
