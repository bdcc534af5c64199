import { heapGemmFma, wasmRelaxedSimd } from '@tfrl/core/internal';
import { describe, expect, it } from 'vitest';
import { main } from './index';
import { enableWasmRelaxedSimd } from './wasm-features';

// Runs in a process of its own (vitest's forks pool): the V8 flag it may set stays in this file.
describe('relaxed SIMD for the CLI', () => {
  const node = Number(process.versions.node.split('.')[0]);
  const forcedOff = ['0', 'off', 'false'].includes(process.env.TFRL_WASM_FMA?.trim().toLowerCase() ?? '');

  it('is native on Node ≥ 22, switched on (and really usable) on Node 20 unless TFRL_WASM_FMA=0', () => {
    const before = wasmRelaxedSimd();
    const state = enableWasmRelaxedSimd();
    if (before) expect(state).toBe('native');
    else if (forcedOff) expect(state).toBe('off');
    else if (node === 20) expect(state).toBe('enabled');
    // 'native' and 'enabled' both mean WebAssembly.validate now accepts relaxed_madd
    expect(wasmRelaxedSimd()).toBe(state === 'native' || state === 'enabled');
    // idempotent
    expect(enableWasmRelaxedSimd()).toBe(wasmRelaxedSimd() ? 'native' : state);
  });

  it('main() enables it before anything compiles a kernel, so the FMA gemm is picked', async () => {
    expect(await main(['--help'])).toBe(0);
    if (!forcedOff && node >= 20) {
      expect(wasmRelaxedSimd()).toBe(true);
      expect(heapGemmFma()).toBe(true);
    }
  });
});
