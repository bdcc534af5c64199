import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeVec } from '@tfrl/envs';
import { TRPO } from './src/trpo';
await tf.setBackend('wasm');
const agent = new TRPO({ env: makeVec('CartPole-v1', 2, { seed: 1 }), seed: 1, nSteps: 512, batchSize: 512, cgDamping: 0.001, gaeLambda: 0.98, nCriticUpdates: 20 });
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: 1024, resetNumTimesteps: false });
  console.log(JSON.stringify(agent.lastTrainStats), agent.epRewardMean(), (performance.now() - t0).toFixed(0), 'ms');
}
