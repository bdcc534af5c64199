/**
 * Compiling tfrl's own small WebAssembly modules (shipped as base64 strings) without depending on
 * the DOM lib's WebAssembly types. Used by `@tfrl/core`'s heap kernels and `@tfrl/envs`'
 * CartPole kernel.
 */

/** The parts of the global `WebAssembly` object these modules use. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}

/** The engine's `WebAssembly`, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * Compile a module from base64; null where WebAssembly is missing or rejects it (`validate` is
 * false on engines without the features it uses, e.g. fixed-width SIMD).
 */
export function compileWasmBase64(b64: string): object | null {
  const W = wasmApi();
  if (W === undefined || typeof atob !== 'function') return null;
  try {
    const s = atob(b64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return W.validate(bytes) ? new W.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * `(module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2
 * f32x4.relaxed_madd))`: valid exactly where the engine has WebAssembly relaxed SIMD.
 */
const RELAXED_SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
];

/**
 * Whether the engine has WebAssembly relaxed SIMD (`f32x4.relaxed_madd`, a fused multiply-add
 * where the CPU has one): on by default in Node ≥ 22 and Chrome ≥ 114, behind
 * `--experimental-wasm-relaxed-simd` in Node 20. Asked afresh on every call (a 37-byte
 * `WebAssembly.validate`), so it sees a flag set at run time.
 */
export function wasmRelaxedSimd(): boolean {
  const W = wasmApi();
  if (W === undefined) return false;
  try {
    return W.validate(new Uint8Array(RELAXED_SIMD_PROBE));
  } catch {
    return false;
  }
}
