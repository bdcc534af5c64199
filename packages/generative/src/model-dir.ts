import { fileExists, joinPath } from './node-io';

/** Where a generative run saves its final model (`<run>/model/`, like the RL runs). */
export const MODEL_DIR = 'model';

/**
 * The checkpoint directory to load for `dir`: `dir` itself when it holds a checkpoint, else the
 * run's `model/`, else `checkpoint/` (where runs before `model/` saved the VAE and GAN).
 */
export function resolveModelDir(dir: string): string {
  if (fileExists(joinPath(dir, 'manifest.json'))) return dir;
  for (const sub of [MODEL_DIR, 'checkpoint']) if (fileExists(joinPath(dir, sub, 'manifest.json'))) return joinPath(dir, sub);
  return dir;
}
