/**
 * The WebAssembly SIMD kernel of the batched CartPole step (built by
 * packages/envs/scripts/cartpole-wasm.mjs, which documents what it computes). Every buffer of a
 * `CartPoleVecEnv` that the kernel reads or writes lives in one fixed-size `WebAssembly.Memory`
 * per env (it never grows, so the typed-array views stay valid). Where WebAssembly or its SIMD
 * extension is missing, `CartPoleKernel.create` returns null and the env steps in JavaScript.
 */
import { type WasmApi, compileWasmBase64, wasmApi } from '@tfrl/core/internal';
import { CARTPOLE_KERNEL_WASM_BASE64 } from './cartpole-kernel.wasm';

type StepFn = (...args: number[]) => number;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) compiled = compileWasmBase64(CARTPOLE_KERNEL_WASM_BASE64);
  return compiled;
}

/** True when this JavaScript engine can run the SIMD kernel. */
export function cartPoleKernelAvailable(): boolean {
  return kernelModule() !== null;
}

const PAGE = 65536;
const I32_MAX = 0x7fffffff;

export class CartPoleKernel {
  readonly state: Float64Array;
  readonly actions: Int32Array;
  readonly obs: [Float32Array, Float32Array];
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly elapsed: Int32Array;
  readonly episodeReturn: Float64Array;
  readonly ended: Int32Array;
  private readonly fn: StepFn;
  private readonly npad: number;
  private readonly ptr: {
    state: number;
    act: number;
    obs: [number, number];
    rew: number;
    term: number;
    trunc: number;
    elapsed: number;
    ret: number;
    ended: number;
  };

  private constructor(
    readonly n: number,
    module: object,
  ) {
    const W = wasmApi() as WasmApi;
    const npad = n + (n & 1);
    this.npad = npad;
    // Layout (byte offsets; every block 16-byte aligned).
    let off = 0;
    const take = (bytes: number): number => {
      const at = off;
      off += Math.ceil(bytes / 16) * 16;
      return at;
    };
    const ptr = {
      state: take(npad * 32),
      ret: take(npad * 8),
      obs: [take(npad * 16), take(npad * 16)] as [number, number],
      act: take(npad * 4),
      rew: take(npad * 4),
      elapsed: take(npad * 4),
      ended: take(npad * 4),
      term: take(npad),
      trunc: take(npad),
    };
    this.ptr = ptr;
    const pages = Math.max(1, Math.ceil(off / PAGE));
    const memory = new W.Memory({ initial: pages, maximum: pages });
    const instance = new W.Instance(module, { env: { memory } });
    this.fn = instance.exports.step as StepFn;
    const buf = memory.buffer;
    this.state = new Float64Array(buf, ptr.state, n * 4);
    this.episodeReturn = new Float64Array(buf, ptr.ret, n);
    this.obs = [new Float32Array(buf, ptr.obs[0], n * 4), new Float32Array(buf, ptr.obs[1], n * 4)];
    this.actions = new Int32Array(buf, ptr.act, n);
    this.rewards = new Float32Array(buf, ptr.rew, n);
    this.elapsed = new Int32Array(buf, ptr.elapsed, n);
    this.ended = new Int32Array(buf, ptr.ended, n);
    this.terminated = new Uint8Array(buf, ptr.term, n);
    this.truncated = new Uint8Array(buf, ptr.trunc, n);
  }

  /** A kernel for `n` envs, or null where WebAssembly SIMD is unavailable. */
  static create(n: number): CartPoleKernel | null {
    const m = kernelModule();
    return m === null ? null : new CartPoleKernel(n, m);
  }

  /**
   * Steps every env with the actions already in `actions` and observations into `obs[obsIndex]`.
   * Returns the number of envs whose episode ended (their indices are `ended[0..count)`), or -1
   * when nothing was stepped because some |θ| is outside the kernel's range.
   */
  step(obsIndex: 0 | 1, maxEpisodeSteps: number, suttonBarto: boolean): number {
    const p = this.ptr;
    return this.fn(
      this.n,
      this.npad,
      p.state,
      p.act,
      p.obs[obsIndex],
      p.rew,
      p.term,
      p.trunc,
      p.elapsed,
      p.ret,
      p.ended,
      Math.min(maxEpisodeSteps, I32_MAX),
      suttonBarto ? 1 : 0,
    );
  }
}
