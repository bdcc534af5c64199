/**
 * A hand-written baseline for simple_spread_v3: every agent assigns the agents to the landmarks
 * with the Hungarian algorithm (minimum summed distance), then steers to its own landmark with a
 * PD controller. It reads only its own observation (its position and velocity, and the relative
 * positions of the landmarks and the other agents), so it is a decentralised policy like the
 * learned actors; every agent computes the same assignment.
 */

/**
 * The Hungarian algorithm (Kuhn–Munkres with potentials, O(n²m)): the assignment of every row to a
 * distinct column with the smallest summed cost. `cost` has n rows of m ≥ n columns; the result
 * holds the column of each row.
 */
export function hungarian(cost: ArrayLike<ArrayLike<number>>): number[] {
  const n = cost.length;
  if (n === 0) return [];
  const m = (cost[0] as ArrayLike<number>).length;
  if (m < n) throw new RangeError(`hungarian: needs at least as many columns as rows, got ${n} rows and ${m} columns`);
  for (let i = 0; i < n; i++) {
    const row = cost[i] as ArrayLike<number>;
    if (row.length !== m) throw new RangeError(`hungarian: row ${i} has ${row.length} entries, row 0 has ${m}`);
    for (let j = 0; j < m; j++) {
      if (!Number.isFinite(row[j] as number)) throw new RangeError(`hungarian: cost[${i}][${j}] is ${row[j]}, not a finite number`);
    }
  }
  // 1-based potentials u (rows), v (columns); p[j]: the row matched to column j (0: none).
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(INF);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = INF;
      let j1 = 0;
      const row = cost[i0 - 1] as ArrayLike<number>;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = (row[j - 1] as number) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else minv[j] = (minv[j] as number) - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if ((p[j] as number) > 0) out[(p[j] as number) - 1] = j - 1;
  return out;
}

export interface SpreadHeuristicOptions {
  /** Continuous `Box(0, 1, (5,))` actions (the env's `continuous_actions`); otherwise `Discrete(5)`. Default true. */
  continuousActions?: boolean;
  /** The original openai MPE's continuous action directions (the env's `legacy`). Default false. */
  legacy?: boolean;
  /** Proportional gain on the offset to the landmark. Default 6. */
  kp?: number;
  /** Derivative gain on the agent's velocity. Default 1.5. */
  kd?: number;
}

/**
 * Actions of the assignment + PD heuristic for every agent of simple_spread_v3 (`agent_0` …
 * `agent_{N-1}`) from their observations `[vel(2), pos(2), landmark_rel(2N), other_rel(2(N−1)),
 * comm(2(N−1))]`: `Float32Array(5)` per agent with continuous actions, else a number in 0..4.
 */
export function spreadHeuristic(
  obs: Record<string, ArrayLike<number>>,
  options: SpreadHeuristicOptions = {},
): Record<string, Float32Array | number> {
  const continuous = options.continuousActions ?? true;
  const legacy = options.legacy ?? false;
  const kp = options.kp ?? 6;
  const kd = options.kd ?? 1.5;
  const out: Record<string, Float32Array | number> = {};
  for (const [name, o] of Object.entries(obs)) {
    const m = /^agent_(\d+)$/.exec(name);
    if (!m) throw new Error(`spreadHeuristic: agent names must be agent_<i> (simple_spread_v3), got ${JSON.stringify(name)}`);
    const self = Number(m[1]);
    if (o.length % 6 !== 0 || o.length < 6) {
      throw new Error(`spreadHeuristic: ${name}'s observation has ${o.length} numbers; simple_spread_v3 with N agents has 6N`);
    }
    const n = o.length / 6;
    const px = o[2] as number;
    const py = o[3] as number;
    // Absolute positions of every agent (in agent order) and landmark, from this agent's view.
    const ax = new Float64Array(n);
    const ay = new Float64Array(n);
    for (let j = 0, k = 0; j < n; j++) {
      if (j === self) {
        ax[j] = px;
        ay[j] = py;
        continue;
      }
      ax[j] = px + (o[4 + 2 * n + 2 * k] as number);
      ay[j] = py + (o[5 + 2 * n + 2 * k] as number);
      k++;
    }
    const cost: number[][] = [];
    for (let j = 0; j < n; j++) {
      const row: number[] = [];
      for (let l = 0; l < n; l++)
        row.push(Math.hypot(px + (o[4 + 2 * l] as number) - (ax[j] as number), py + (o[5 + 2 * l] as number) - (ay[j] as number)));
      cost.push(row);
    }
    const target = hungarian(cost)[self] as number;
    const ux = kp * (o[4 + 2 * target] as number) - kd * (o[0] as number);
    const uy = kp * (o[5 + 2 * target] as number) - kd * (o[1] as number);
    if (continuous) {
      const c = (x: number) => Math.min(1, Math.max(0, x));
      // MPE2: force x = a[2] − a[1]; the original MPE: a[1] − a[2] (and the same for y).
      const sx = legacy ? -1 : 1;
      out[name] = Float32Array.of(0, c(-sx * ux), c(sx * ux), c(-sx * uy), c(sx * uy));
    } else {
      // Discrete(5): 0 no-op, 1 −x, 2 +x, 3 −y, 4 +y (MPE2 and the original MPE agree here).
      if (Math.max(Math.abs(ux), Math.abs(uy)) < 0.05) out[name] = 0;
      else if (Math.abs(ux) >= Math.abs(uy)) out[name] = ux < 0 ? 1 : 2;
      else out[name] = uy < 0 ? 3 : 4;
    }
  }
  return out;
}
