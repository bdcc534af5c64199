// Quick profile of PPO on CartPole-v1 with the RL-Zoo settings: wall time and steps/s.
import * as tf from '@tensorflow/tfjs';
import { initBackend, setHeapKernelsEnabled, setHostForwardKernel } from '../packages/core/dist/index.js';
import { makeVec } from '../packages/envs/dist/index.js';
import { PPO } from '../packages/policy-gradient/dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? 20000);
await initBackend(backend, { quiet: true });
// HEAP_KERNELS=0 turns core's wasm SIMD heap kernels off (gemm, activation/bias gradients, transposes,
// Adam); HOST_KERNEL=0 keeps the host forward pass of acting on plain JavaScript.
setHeapKernelsEnabled(process.env.HEAP_KERNELS !== '0');
setHostForwardKernel(process.env.HOST_KERNEL !== '0');
const env = makeVec('CartPole-v1', 8, { seed: 0 });
const agent = new PPO({
  env,
  seed: 0,
  nSteps: 32,
  batchSize: 256,
  nEpochs: 20,
  gamma: 0.98,
  gaeLambda: 0.8,
  learningRate: 'lin_0.001',
  clipRange: 'lin_0.2',
});
// PPO_FUSED=0 turns the fused Categorical loss kernel off (autodiff loss), for before/after timing.
agent.fusedLoss = process.env.PPO_FUSED !== '0';
// PPO_HOST_ACT=0 acts through tfjs instead of the host forward pass.
agent.hostActing = process.env.PPO_HOST_ACT !== '0';
const c0 = process.cpuUsage();
const t0 = performance.now();
await agent.learn({ totalTimesteps: steps });
const dt = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
const cpu = (cu.user + cu.system) / 1e6;
console.log(
  JSON.stringify({
    backend,
    steps: agent.numTimesteps,
    seconds: +dt.toFixed(2),
    stepsPerSec: Math.round(agent.numTimesteps / dt),
    cpuSeconds: +cpu.toFixed(2),
    stepsPerCpuSec: Math.round(agent.numTimesteps / cpu),
    fused: agent.fusedLoss,
    hostActing: agent.hostActing,
    heapKernels: process.env.HEAP_KERNELS !== '0',
    hostKernel: process.env.HOST_KERNEL !== '0',
    epRewMean: agent.epRewardMean(),
    tensors: tf.memory().numTensors,
  }),
);
