/**
 * Feature maps for linear action-value approximation Q(s, a) = θᵀφ(s, a).
 *
 * Two kinds:
 * - `state-action`: φ(s, a) ∈ R^dim, one weight vector θ ∈ R^dim shared by all actions
 *   (e.g. the symmetric CartPole features of the course notebook);
 * - `state`: φ(s) ∈ R^dim with one weight vector per action, θ ∈ R^{nA × dim}, Q(s, a) = θ_aᵀφ(s)
 *   (equivalently φ(s, a) places φ(s) in block a of an nA·dim vector).
 *
 * Feature maps are registered by name so that a checkpoint (which stores the name) can be loaded.
 */

export interface StateActionFeatureMap {
  readonly kind: 'state-action';
  /** Registry name (written to checkpoints). */
  readonly name: string;
  /** Length of φ(s, a). */
  readonly dim: number;
  /** Write φ(s, a) of one observation into `out` (length `dim`). */
  features(obs: ArrayLike<number>, action: number, out: Float32Array): void;
}

export interface StateFeatureMap {
  readonly kind: 'state';
  readonly name: string;
  /** Length of φ(s). */
  readonly dim: number;
  /** Write φ(s) of one observation into `out` (length `dim`). */
  features(obs: ArrayLike<number>, out: Float32Array): void;
}

export type FeatureMap = StateActionFeatureMap | StateFeatureMap;

/** Builds a feature map for an observation size and a number of actions (throws when it does not fit). */
export type FeatureMapFactory = (obsDim: number, nActions: number) => FeatureMap;

/**
 * The symmetric state–action features of the course notebook for CartPole-v1:
 * `phi(state, action) = state if action == 1 else -state`, so Q(s, 1) = θᵀs = −Q(s, 0).
 */
export const cartpoleSymmetricFeatures: StateActionFeatureMap = {
  kind: 'state-action',
  name: 'cartpole-symmetric',
  dim: 4,
  features(obs, action, out) {
    const sign = action === 1 ? 1 : -1;
    for (let i = 0; i < 4; i++) out[i] = sign * (obs[i] as number);
  },
};

/** φ(s, a) = +s for a = 1, −s for a = 0, for any observation size and two actions. */
export function symmetricFeatures(obsDim: number, nActions = 2): StateActionFeatureMap {
  if (nActions !== 2) throw new RangeError(`symmetric features need exactly 2 actions, the env has ${nActions}`);
  if (obsDim === 4) return cartpoleSymmetricFeatures;
  return {
    kind: 'state-action',
    name: 'symmetric',
    dim: obsDim,
    features(obs, action, out) {
      const sign = action === 1 ? 1 : -1;
      for (let i = 0; i < obsDim; i++) out[i] = sign * (obs[i] as number);
    },
  };
}

/** φ(s) = s with one weight vector per action. */
export function identityFeatures(obsDim: number): StateFeatureMap {
  return {
    kind: 'state',
    name: 'identity',
    dim: obsDim,
    features(obs, out) {
      for (let i = 0; i < obsDim; i++) out[i] = obs[i] as number;
    },
  };
}

/** φ(s) = [s, 1] with one weight vector per action (an affine Q per action). */
export function identityBiasFeatures(obsDim: number): StateFeatureMap {
  return {
    kind: 'state',
    name: 'identity-bias',
    dim: obsDim + 1,
    features(obs, out) {
      for (let i = 0; i < obsDim; i++) out[i] = obs[i] as number;
      out[obsDim] = 1;
    },
  };
}

const registry = new Map<string, FeatureMapFactory>([
  [
    'cartpole-symmetric',
    (obsDim, nA) => {
      if (obsDim !== 4 || nA !== 2)
        throw new RangeError(`feature map 'cartpole-symmetric' needs 4 observation values and 2 actions, the env has ${obsDim} and ${nA}`);
      return cartpoleSymmetricFeatures;
    },
  ],
  ['symmetric', (obsDim, nA) => symmetricFeatures(obsDim, nA)],
  ['identity', (obsDim) => identityFeatures(obsDim)],
  ['identity-bias', (obsDim) => identityBiasFeatures(obsDim)],
]);

/** Register a feature map under `name` (the name `LinearQ`'s `features` hyperparameter takes). */
export function registerFeatureMap(name: string, factory: FeatureMapFactory | FeatureMap): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError(`registerFeatureMap: name must be a non-empty string, got ${String(name)}`);
  registry.set(name, typeof factory === 'function' ? factory : () => factory);
}

/** Names of the registered feature maps. */
export function listFeatureMaps(): string[] {
  return [...registry.keys()].sort();
}

/** The feature map registered as `name`, built for the env's sizes. */
export function resolveFeatureMap(name: string, obsDim: number, nActions: number): FeatureMap {
  const f = registry.get(name);
  if (!f)
    throw new RangeError(`unknown feature map '${name}' (registered: ${listFeatureMaps().join(', ')}; add one with registerFeatureMap)`);
  return checkFeatureMap(f(obsDim, nActions), name);
}

export function checkFeatureMap(fm: FeatureMap, who: string): FeatureMap {
  if (!fm || (fm.kind !== 'state' && fm.kind !== 'state-action'))
    throw new TypeError(`feature map ${who}: kind must be 'state' or 'state-action'`);
  if (!Number.isInteger(fm.dim) || fm.dim < 1)
    throw new RangeError(`feature map ${who}: dim must be a positive integer, got ${String(fm.dim)}`);
  if (typeof fm.features !== 'function') throw new TypeError(`feature map ${who}: features must be a function`);
  return fm;
}
