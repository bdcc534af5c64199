import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where a generative run saves its final model (`<run>/model/`, like the RL runs). */
export const MODEL_DIR = 'model';

/**
 * The checkpoint directory to load for `dir`: `dir` itself when it holds a checkpoint, else the
 * run's `model/`, else `checkpoint/` (where runs before `model/` saved the VAE and GAN).
 */
export function resolveModelDir(dir: string): string {
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  for (const sub of [MODEL_DIR, 'checkpoint']) if (existsSync(join(dir, sub, 'manifest.json'))) return join(dir, sub);
  return dir;
}
