// Quick profile of PPO on CartPole-v1 with the RL-Zoo settings: wall time and steps/s.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../packages/core/dist/index.js';
import { makeVec } from '../packages/envs/dist/index.js';
import { PPO } from '../packages/policy-gradient/dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? 20000);
await initBackend(backend, { quiet: true });
const env = makeVec('CartPole-v1', 8, { seed: 0 });
const agent = new PPO({ env, seed: 0, nSteps: 32, batchSize: 256, nEpochs: 20, gamma: 0.98, gaeLambda: 0.8, learningRate: 'lin_0.001', clipRange: 'lin_0.2' });
const t0 = performance.now();
await agent.learn({ totalTimesteps: steps });
const dt = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ backend, steps: agent.numTimesteps, seconds: +dt.toFixed(2), stepsPerSec: Math.round(agent.numTimesteps / dt), epRewMean: agent.epRewardMean(), tensors: tf.memory().numTensors }));
