import { setFlagsFromString } from 'node:v8';
import { wasmRelaxedSimd } from '@tfrl/core/internal';

/**
 * WebAssembly relaxed SIMD for the CLI: `native` (Node ≥ 22: on by default), `enabled` (Node 20:
 * switched on here), `off` (`TFRL_WASM_FMA=0`: left alone) or `unavailable`.
 */
export type RelaxedSimdState = 'native' | 'enabled' | 'off' | 'unavailable';

/** How to get relaxed SIMD by hand on Node 20 (V8 flags are not allowed in NODE_OPTIONS there). */
export const RELAXED_SIMD_HINT =
  'run node --experimental-wasm-relaxed-simd <path to tfrl.js> … (Node 20 does not accept that flag in NODE_OPTIONS), or use Node ≥ 22';

/**
 * Turn on WebAssembly relaxed SIMD, so that the wasm backend's dense layers run core's FMA gemm
 * (about 1.3× as fast as the plain kernel and XNNPACK at 256 wide; see @tfrl/core's README on
 * determinism). Node ≥ 22 has it by default. On Node 20 it sits behind
 * `--experimental-wasm-relaxed-simd`, a V8 flag that only concerns which opcodes the validator
 * accepts: set here with `v8.setFlagsFromString` before any tfrl kernel module is compiled (call
 * this first thing), and only reported as `enabled` if `WebAssembly.validate` of a relaxed_madd
 * module is true afterwards — so core's own feature detection then picks the FMA build. Modules
 * compiled earlier are unaffected; `TFRL_WASM_FMA=0` skips all of this.
 */
export function enableWasmRelaxedSimd(): RelaxedSimdState {
  if (wasmRelaxedSimd()) return 'native';
  const env = process.env.TFRL_WASM_FMA?.trim().toLowerCase();
  if (env === '0' || env === 'off' || env === 'false') return 'off';
  if (Number(process.versions.node.split('.')[0]) !== 20) return 'unavailable';
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return 'unavailable';
  }
  return wasmRelaxedSimd() ? 'enabled' : 'unavailable';
}
