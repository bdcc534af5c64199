/**
 * From an observation space to network inputs, as SB3's `preprocess_obs` and its
 * `CombinedExtractor` do it for vector observations:
 *
 * - Box: the values as they are (an `[H, W, C]` image keeps its shape);
 * - Discrete: one-hot of size n (value − start);
 * - MultiDiscrete: the one-hot of every element, concatenated;
 * - MultiBinary: the bits as floats;
 * - Dict / Tuple: every part encoded by these rules and concatenated in key order (Dict keys are
 *   sorted, as Gymnasium sorts them).
 *
 * Envs, VecEnvs and replay buffers hold observations in the space's compact layout (a Discrete is
 * one number, a Dict is its keys back to back, see `Dict.offsets`); the encoder turns a batch of
 * compact rows into the network's input with one pass over a typed array, and `toRows` turns
 * what a user hands to `predict` (one observation, a batch, or a dict) into compact rows.
 */
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, type Space, Tuple } from './spaces';

type Part =
  | { kind: 'copy'; from: number; to: number; dim: number }
  | { kind: 'onehot'; from: number; to: number; n: number; start: number };

function parts(space: Space<any>, from: number, to: number, out: Part[]): number {
  if (space instanceof Box || space instanceof MultiBinary) {
    out.push({ kind: 'copy', from, to, dim: space.compactDim });
    return space.compactDim;
  }
  if (space instanceof Discrete) {
    out.push({ kind: 'onehot', from, to, n: space.n, start: space.start });
    return space.n;
  }
  if (space instanceof MultiDiscrete) {
    let w = 0;
    for (let i = 0; i < space.nvec.length; i++) {
      const n = space.nvec[i] as number;
      out.push({ kind: 'onehot', from: from + i, to: to + w, n, start: 0 });
      w += n;
    }
    return w;
  }
  if (space instanceof Dict || space instanceof Tuple) {
    const subs: Space<any>[] = space instanceof Dict ? space.keys.map((k) => space.spaces[k] as Space<any>) : [...space.spaces];
    let f = from;
    let w = 0;
    for (const s of subs) {
      w += parts(s, f, to + w, out);
      f += s.compactDim;
    }
    return w;
  }
  throw new TypeError(`no network encoding for observation space ${String(space)}`);
}

export class ObservationEncoder {
  readonly space: Space<any>;
  /** Numbers per observation in envs and buffers. */
  readonly compactDim: number;
  /** Features per observation at the network's input. */
  readonly inputDim: number;
  /** Shape of one network input: `[inputDim]`, or `[H, W, C]` for an image Box. */
  readonly inputShape: number[];
  /** True when the network input is the compact row itself (a flat or image Box). */
  readonly identity: boolean;
  private readonly parts: Part[] = [];

  constructor(space: Space<any>) {
    this.space = space;
    this.compactDim = space.compactDim;
    this.inputDim = parts(space, 0, 0, this.parts);
    this.identity = space instanceof Box;
    this.inputShape = space instanceof Box && space.shape.length > 1 ? [...space.shape] : [this.inputDim];
  }

  /** Network inputs of `rows` compact observations (the same array when `identity`). */
  encode(compact: Float32Array, out?: Float32Array): Float32Array {
    if (this.identity) return compact;
    const d = this.compactDim;
    const w = this.inputDim;
    const rows = compact.length / d;
    const res = out ?? new Float32Array(rows * w);
    if (out) res.fill(0, 0, rows * w);
    for (let r = 0; r < rows; r++) {
      const src = r * d;
      const dst = r * w;
      for (const p of this.parts) {
        if (p.kind === 'copy') {
          for (let j = 0; j < p.dim; j++) res[dst + p.to + j] = compact[src + p.from + j] as number;
        } else {
          const k = Math.round(compact[src + p.from] as number) - p.start;
          if (k >= 0 && k < p.n) res[dst + p.to + k] = 1;
        }
      }
    }
    return res;
  }

  /**
   * Compact rows of what a user gives `predict`: a typed array or number array of one or more
   * rows, a number (Discrete), or an object with one value (or a batch of values) per Dict key.
   * Non-finite values are an error naming `who`.
   */
  toRows(obs: unknown, who: string): Float32Array {
    const d = this.compactDim;
    let rows: Float32Array;
    if (typeof obs === 'number') {
      if (d !== 1) throw new TypeError(`${who}: a number is not an observation of ${String(this.space)}`);
      rows = Float32Array.of(obs);
    } else if (ArrayBuffer.isView(obs) || Array.isArray(obs)) {
      rows = obs instanceof Float32Array ? obs : Float32Array.from(obs as ArrayLike<number>);
    } else if (obs !== null && typeof obs === 'object' && this.space instanceof Dict) {
      rows = this.dictToRows(obs as Record<string, unknown>, who);
    } else {
      throw new TypeError(`${who}: expected an observation of ${String(this.space)}, got ${obs === null ? 'null' : typeof obs}`);
    }
    if (rows.length === 0 || rows.length % d !== 0) {
      throw new RangeError(
        `${who}: observation length ${rows.length} is not a multiple of the observation size ${d} of ${String(this.space)}`,
      );
    }
    for (let i = 0; i < rows.length; i++) {
      if (!Number.isFinite(rows[i] as number)) {
        throw new RangeError(`${who}: observation value ${rows[i]} at index ${i} is not finite`);
      }
    }
    return rows;
  }

  private dictToRows(obs: Record<string, unknown>, who: string): Float32Array {
    const space = this.space as Dict;
    for (const k of Object.keys(obs)) {
      if (!(k in space.offsets)) throw new RangeError(`${who}: observation has unknown key '${k}' (keys: ${space.keys.join(', ')})`);
    }
    let n = -1;
    const values: Record<string, ArrayLike<number>> = {};
    for (const k of space.keys) {
      const v = obs[k];
      const at = space.offsets[k] as { offset: number; dim: number };
      if (v === undefined) throw new RangeError(`${who}: observation is missing key '${k}'`);
      const arr: ArrayLike<number> = typeof v === 'number' ? [v] : (v as ArrayLike<number>);
      if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number' || arr.length % at.dim !== 0) {
        throw new RangeError(`${who}: observation key '${k}' needs ${at.dim} values per row, got ${String(v)}`);
      }
      const rows = arr.length / at.dim;
      if (n >= 0 && rows !== n)
        throw new RangeError(`${who}: observation keys hold different numbers of rows (${n} and ${rows} for '${k}')`);
      n = rows;
      values[k] = arr;
    }
    const out = new Float32Array(n * space.compactDim);
    for (const k of space.keys) space.writeKey(out, k, values[k] as ArrayLike<number>);
    return out;
  }
}
