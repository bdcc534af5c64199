/**
 * Segment trees over `capacity` leaves (rounded up to a power of two) on a Float64Array,
 * for prioritized replay: O(log n) `update`, O(1) `total()` / `min()`, O(log n) prefix-sum
 * search. Node `k` has children `2k` and `2k + 1`; leaf `i` is node `size + i`; node 1 is
 * the root.
 */

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function checkCapacity(name: string, capacity: number): void {
  if (!Number.isInteger(capacity) || capacity <= 0) {
    throw new RangeError(`${name}: capacity must be a positive integer, got ${String(capacity)}`);
  }
}

export class SumTree {
  /** Requested number of leaves. */
  readonly capacity: number;
  /** Number of leaves actually allocated (a power of two ≥ capacity). */
  readonly treeSize: number;
  private readonly tree: Float64Array;

  constructor(capacity: number) {
    checkCapacity('SumTree', capacity);
    this.capacity = capacity;
    this.treeSize = nextPowerOfTwo(capacity);
    this.tree = new Float64Array(2 * this.treeSize);
  }

  /** Set leaf `i` to `p` (≥ 0) and update its ancestors. */
  update(i: number, p: number): void {
    if (!(i >= 0 && i < this.capacity) || !Number.isInteger(i)) {
      throw new RangeError(`SumTree.update: index ${i} is not in [0, ${this.capacity})`);
    }
    if (!(p >= 0) || p === Number.POSITIVE_INFINITY) {
      throw new RangeError(`SumTree.update: priority must be finite and >= 0, got ${p} at index ${i}`);
    }
    const t = this.tree;
    let k = i + this.treeSize;
    t[k] = p;
    k >>= 1;
    while (k >= 1) {
      t[k] = (t[2 * k] as number) + (t[2 * k + 1] as number);
      k >>= 1;
    }
  }

  /** Value of leaf `i`. */
  get(i: number): number {
    return this.tree[i + this.treeSize] as number;
  }

  /** Sum of all leaves. */
  total(): number {
    return this.tree[1] as number;
  }

  /**
   * The leaf `i` with `prefix(i) ≤ mass < prefix(i) + p_i`, where `prefix(i)` is the sum of
   * leaves before `i`. Zero leaves are never returned while the total is positive: a
   * `mass` at or past the total (from rounding) gives the last positive leaf.
   */
  findPrefixSum(mass: number): number {
    const t = this.tree;
    const n = this.treeSize;
    let k = 1;
    if (!(mass > 0)) mass = 0;
    while (k < n) {
      const left = t[2 * k] as number;
      if (mass < left || (t[2 * k + 1] as number) <= 0) {
        k = 2 * k;
      } else {
        mass -= left;
        k = 2 * k + 1;
      }
    }
    return k - n;
  }

  /** `out[j] = findPrefixSum(masses[j])` for every j. */
  findPrefixSumBatch(masses: Float64Array, out: Int32Array): Int32Array {
    if (out.length < masses.length) {
      throw new RangeError(`SumTree.findPrefixSumBatch: out has length ${out.length}, masses ${masses.length}`);
    }
    for (let j = 0; j < masses.length; j++) out[j] = this.findPrefixSum(masses[j] as number);
    return out;
  }

  /** Set every leaf to 0. */
  clear(): void {
    this.tree.fill(0);
  }

  /** A copy of the leaves `[0, capacity)`. */
  leaves(): Float64Array {
    return this.tree.slice(this.treeSize, this.treeSize + this.capacity);
  }
}

export class MinTree {
  readonly capacity: number;
  readonly treeSize: number;
  private readonly tree: Float64Array;

  constructor(capacity: number) {
    checkCapacity('MinTree', capacity);
    this.capacity = capacity;
    this.treeSize = nextPowerOfTwo(capacity);
    // Unused leaves are +∞, the identity of min.
    this.tree = new Float64Array(2 * this.treeSize).fill(Number.POSITIVE_INFINITY);
  }

  /** Set leaf `i` to `p` and update its ancestors. */
  update(i: number, p: number): void {
    if (!(i >= 0 && i < this.capacity) || !Number.isInteger(i)) {
      throw new RangeError(`MinTree.update: index ${i} is not in [0, ${this.capacity})`);
    }
    if (Number.isNaN(p)) throw new RangeError(`MinTree.update: priority is NaN at index ${i}`);
    const t = this.tree;
    let k = i + this.treeSize;
    t[k] = p;
    k >>= 1;
    while (k >= 1) {
      const a = t[2 * k] as number;
      const b = t[2 * k + 1] as number;
      t[k] = a < b ? a : b;
      k >>= 1;
    }
  }

  get(i: number): number {
    return this.tree[i + this.treeSize] as number;
  }

  /** Minimum over all leaves (+∞ when none was set). */
  min(): number {
    return this.tree[1] as number;
  }

  /** Reset every leaf to +∞. */
  clear(): void {
    this.tree.fill(Number.POSITIVE_INFINITY);
  }
}
