import './style.css';
import { registerPolicyGradientAlgorithms } from '@tfrl/policy-gradient';
import { registerValueBasedAlgorithms } from '@tfrl/value-based';
import { type PageBackend, type RuntimeInfo, selectBackend } from './backend';
import { ppoReport, setupCartPole } from './cartpole';
import { flowReport, setupFlow } from './flow2d';
import { dqnReport, setupGridWorld } from './gridworld';
import { $ } from './ui';

function chip(text: string, kind: 'ok' | 'warn' | 'plain' = 'plain', title = ''): string {
  return `<span class="chip ${kind}" title="${title}">${text}</span>`;
}

function showRuntime(info: RuntimeInfo): void {
  const names: Record<string, string> = { wasm: 'WebAssembly', webgl: 'WebGL', cpu: 'JavaScript', webgpu: 'WebGPU' };
  const parts = [chip(`backend: ${names[info.backend] ?? info.backend}`, 'ok')];
  if (info.backend === 'wasm') {
    parts.push(chip(info.simd ? 'SIMD' : 'no SIMD', info.simd ? 'ok' : 'warn'));
    parts.push(chip(info.fma ? 'FMA (relaxed SIMD)' : 'no FMA', info.fma ? 'ok' : 'plain'));
    parts.push(
      info.crossOriginIsolated
        ? chip(
            `cross-origin isolated · XNNPACK threads: ${info.threads}`,
            'ok',
            'SharedArrayBuffer is available; TensorFlow.js sizes its thread pool from the cores',
          )
        : chip('1 thread: not cross-origin isolated', 'warn', 'serve the page with COOP: same-origin and COEP: require-corp for threads'),
    );
  }
  parts.push(chip(`${info.cores} cores`));
  const el = $('runtime-status');
  el.innerHTML = parts.join('');
  el.dataset.backend = info.backend;
  el.dataset.threads = String(info.threads);
  el.dataset.isolated = String(info.crossOriginIsolated);
}

async function start(): Promise<void> {
  registerPolicyGradientAlgorithms();
  registerValueBasedAlgorithms();
  const select = $<HTMLSelectElement>('backend');
  const wanted = new URLSearchParams(location.search).get('backend');
  if (wanted === 'wasm' || wanted === 'webgl' || wanted === 'cpu') select.value = wanted;
  showRuntime(await selectBackend(select.value as PageBackend));
  select.addEventListener('change', async () => {
    const info = await selectBackend(select.value as PageBackend);
    select.value = info.backend;
    showRuntime(info);
  });
  setupCartPole();
  setupGridWorld();
  setupFlow();
  // For the browser test and the curious: the state of each demo.
  Object.assign(globalThis, { tfrlPage: { ready: true, ppo: ppoReport, dqn: dqnReport, flow: flowReport } });
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  console.error(e);
  $('runtime-status').innerHTML = chip(`failed to start: ${(e as Error).message}`, 'warn');
});
