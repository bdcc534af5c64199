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
