/**
 * Replay-buffer classes by name, so `replayBufferClass` can be a string (in YAML configs and
 * checkpoints) as well as a class. The built-in buffers are always there; other packages add theirs
 * (a hindsight buffer, a demonstration buffer) with `registerReplayBuffer`.
 */
import { PrioritizedReplayBuffer } from './prioritized';
import { ReplayBuffer } from './replay';

/** A replay-buffer class that `replayBufferClass` can name. */
export interface ReplayBufferClass {
  new (options: any): ReplayBuffer;
  readonly registeredName: string;
}

const classes = new Map<string, ReplayBufferClass>([
  [ReplayBuffer.registeredName, ReplayBuffer],
  [PrioritizedReplayBuffer.registeredName, PrioritizedReplayBuffer],
]);

/** Make a replay-buffer class available by its `registeredName`. */
export function registerReplayBuffer(cls: ReplayBufferClass): void {
  if (typeof cls !== 'function' || typeof cls.registeredName !== 'string' || cls.registeredName === '') {
    throw new TypeError('registerReplayBuffer: expected a ReplayBuffer subclass with a static registeredName');
  }
  classes.set(cls.registeredName, cls);
}

/** The registered replay-buffer class called `name`, or an Error listing the known ones. */
export function replayBufferClassByName(name: string): ReplayBufferClass {
  const c = classes.get(name);
  if (!c) throw new RangeError(`unknown replay buffer class "${name}" (known: ${[...classes.keys()].join(', ')})`);
  return c;
}
