import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MemoryLogger, Rng } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../datasets/image-folder';
import { makeMoons } from '../datasets/toys';
import { loadFlow, saveFlow } from './checkpoint';
import { AffineFlow, Glow, RealNVP } from './flow';
import { trainFlowCommand } from './command';
import { FlowNonFiniteError, FlowTrainer, trainFlow } from './trainer';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tfrl-flows-'));
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('FlowTrainer', () => {
  it('smoke: a short Glow run lowers the held-out NLL on moons and logs the course curves', async () => {
    const train = makeMoons(4000, { noise: 0.1, rng: new Rng(1) });
    const test = makeMoons(1000, { noise: 0.1, rng: new Rng(2) });
    const flow = new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [32, 32], seed: 0 });
    const logger = new MemoryLogger();
    const trainer = new FlowTrainer(flow, { lr: 5e-3, seed: 3 });
    // ActNorm init happens on the first batch, so measure the starting NLL after it.
    await trainer.train(train.x, { steps: 1, batchSize: 128 });
    const before = flow.evaluateNll(test.x);
    const r = await trainer.train(train.x, { steps: 200, batchSize: 128, logger, logEvery: 50, evalData: test.x, evalEvery: 100 });
    const after = flow.evaluateNll(test.x);
    expect(r.steps).toBe(200);
    expect(trainer.step).toBe(201);
    expect(after).toBeLessThan(before - 0.1);
    expect(r.evalNll).toBeCloseTo(after, 5);
    expect(logger.scalars('train/nll').length).toBe(4);
    expect(logger.scalars('train/log_det').length).toBe(4);
    expect(logger.scalars('eval/nll').length).toBe(3);
    // Loss decomposition: nll = −(log_prob + log_det) on the logged batch.
    expect(Number.isFinite(logger.lastScalar('train/log_prob'))).toBe(true);
    trainer.dispose();
    flow.dispose();
  });

  it('fits the affine flow to a 1-D Gaussian', async () => {
    const flow = new AffineFlow({ dim: 1 });
    const r = await trainFlow(flow, (b, rng) => rng.fillNormal(new Float32Array(b), 3, 2), {
      steps: 800,
      batchSize: 100,
      lr: 0.05,
      seed: 1,
    });
    const p = flow.gaussianParameters();
    expect(p.mean[0]).toBeCloseTo(3, 0);
    expect(Math.abs((p.std[0] as number) - 2)).toBeLessThan(0.2);
    expect(r.finalLoss).toBeLessThan(2.5);
    flow.dispose();
  });

  it('NaN guard: stops with an error naming step, layer and value, rolls back, keeps the checkpoint', async () => {
    const dir = join(tempDir(), 'ckpt');
    const data = makeMoons(1000, { noise: 0.1, rng: new Rng(4) }).x;
    const flow = new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [16], seed: 1 });
    const trainer = new FlowTrainer(flow, { lr: 1e-3, seed: 5 });
    const victim = flow.layers.find((l) => l.name === 'glow/1/coupling');
    if (!victim) throw new Error('no glow/1/coupling');
    let good: Record<string, Float32Array> = {};
    let err: unknown;
    try {
      await trainer.train(data, {
        steps: 100,
        batchSize: 64,
        checkpointDir: dir,
        checkpointEvery: 10,
        onStep: (step) => {
          if (step === 24) {
            good = Object.fromEntries(Object.entries(flow.namedState()).map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
          }
          if (step === 25) {
            // Corrupt one weight: the next loss is NaN.
            const w = victim.variables['glow/1/coupling/net/l0/w'] as tf.Variable;
            tf.tidy(() => w.assign(tf.fill(w.shape, Number.NaN)));
          }
        },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowNonFiniteError);
    const e = err as FlowNonFiniteError;
    expect(e.step).toBe(26);
    expect(Number.isNaN(e.value)).toBe(true);
    expect(e.layer).toBe('glow/1/coupling');
    expect(e.message).toMatch(/loss is NaN at step 26/);
    expect(e.message).toMatch(/layer glow\/1\/coupling/);
    expect(e.message).toMatch(/rolled back to step 24/);
    expect(e.message).toMatch(/step 20\) kept/);
    expect(e.rolledBackToStep).toBe(24);
    expect(e.lastCheckpointStep).toBe(20);
    // In memory: the parameters of step 24, finite.
    for (const [k, v] of Object.entries(flow.namedState())) {
      expect(Array.from(v.dataSync())).toEqual(Array.from(good[k] as Float32Array));
    }
    // On disk: the step-20 checkpoint, intact (checksums verified by loadFlow) and finite.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.counters.numUpdates).toBe(20);
    const loaded = await loadFlow(dir);
    expect(loaded.manifest.counters.numUpdates).toBe(20);
    const nll = loaded.flow.evaluateNll(data);
    expect(Number.isFinite(nll)).toBe(true);
    for (const t of Object.values(loaded.optimizerState ?? {})) t.dispose();
    loaded.flow.dispose();
    // Training can go on from the rolled-back state.
    const r = await trainer.train(data, { steps: 5, batchSize: 64 });
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    trainer.dispose();
    flow.dispose();
  });

  it('NaN guard: a non-finite data batch is named as the input', async () => {
    const flow = new RealNVP({ dim: 2, numLayers: 2, hiddenSizes: [8], seed: 2 });
    let calls = 0;
    const sampler = (b: number, rng: Rng) => {
      calls++;
      const out = rng.fillNormal(new Float32Array(b * 2));
      if (calls === 4) out[3] = Number.POSITIVE_INFINITY;
      return out;
    };
    await expect(trainFlow(flow, sampler, { steps: 10, batchSize: 16 })).rejects.toThrow(
      /at step 4; first non-finite: data of layer input batch = Infinity/,
    );
    flow.dispose();
  });

  it('save/load round-trips the flow, its ActNorm init and the optimizer', async () => {
    const dir = join(tempDir(), 'roundtrip');
    const data = makeMoons(500, { noise: 0.1, rng: new Rng(6) }).x;
    const flow = new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [16], seed: 7 });
    const trainer = new FlowTrainer(flow, { lr: 2e-3, seed: 8 });
    await trainer.train(data, { steps: 20, batchSize: 64 });
    await trainer.save(dir);
    const { flow: back, manifest, optimizerState } = await loadFlow(dir);
    expect(manifest.algorithm).toBe('NormalizingFlow');
    expect((manifest.hyperparameters.flow as { type: string }).type).toBe('glow');
    expect(back.needsDataInit).toBe(false);
    expect(back.evaluateNll(data)).toBeCloseTo(flow.evaluateNll(data), 5);
    expect(Array.from(back.sampleArray(20, 1))).toEqual(Array.from(flow.sampleArray(20, 1)));
    const t2 = new FlowTrainer(back, { lr: 2e-3 });
    t2.optimizer.setStateTensors(optimizerState as Record<string, tf.Tensor>);
    expect(t2.optimizer.stepCount).toBe(20);
    for (const t of Object.values(optimizerState ?? {})) t.dispose();
    // A flow of another shape does not load silently.
    const other = new Glow({ dim: 2, numBlocks: 1, hiddenSizes: [16], seed: 7 });
    const dir2 = join(tempDir(), 'other');
    await saveFlow(dir2, other);
    expect((await loadFlow(dir2)).flow.layers.length).toBe(3);
    t2.dispose();
    trainer.dispose();
    back.dispose();
    flow.dispose();
    other.dispose();
  });

  it('does not leak tensors (training steps with snapshots, logging, eval, sampling, tracing)', async () => {
    const data = makeMoons(400, { noise: 0.1, rng: new Rng(9) }).x;
    const flow = new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [16], seed: 9 });
    const trainer = new FlowTrainer(flow, { lr: 1e-3, seed: 10, maxGradNorm: 10 });
    const logger = new MemoryLogger();
    await expectNoTensorLeak(async () => {
      await trainer.train(data, { steps: 4, batchSize: 32, logger, logEvery: 2, evalData: data.subarray(0, 100), evalEvery: 2 });
      flow.sampleArray(10, 1);
      flow.trace(data.subarray(0, 20), 'inverse');
      flow.trace(data.subarray(0, 20), 'forward');
      flow.evaluateNll(data);
    });
    trainer.dispose();
    flow.dispose();
  });

  it('rejects bad options with the field name', async () => {
    const flow = new AffineFlow({ dim: 2 });
    await expect(trainFlow(flow, new Float32Array(10), { steps: 0 })).rejects.toThrow(/steps must be an integer >= 1/);
    await expect(trainFlow(flow, new Float32Array(9), { steps: 1 })).rejects.toThrow(/rows with 2 values/);
    expect(() => new FlowTrainer(flow, { lr: -1 })).toThrow(/lr must be a positive number/);
    flow.dispose();
  });

  it('trainFlowCommand trains on a toy set, evaluates held-out data and writes a checkpoint', async () => {
    const outDir = join(tempDir(), 'cmd');
    const r = await trainFlowCommand({
      dataset: 'circles',
      model: 'realnvp',
      blocks: 2,
      hidden: [8],
      steps: 20,
      batchSize: 32,
      nTrain: 300,
      nTest: 200,
      outDir,
    });
    expect(r.result.steps).toBe(20);
    expect(Number.isFinite(r.heldOutNll)).toBe(true);
    expect(r.test.n).toBe(200);
    const loaded = await loadFlow(outDir);
    expect(loaded.manifest.counters.numUpdates).toBe(20);
    expect(loaded.flow.evaluateNll(r.test.x)).toBeCloseTo(r.heldOutNll, 4);
    for (const t of Object.values(loaded.optimizerState ?? {})) t.dispose();
    loaded.flow.dispose();
    r.flow.dispose();
    await expect(trainFlowCommand({ datset: 'moons' } as never)).rejects.toThrow(/unknown option "datset"/);
  });

  it('trainFlowCommand writes data, sample and density PNGs and logs them as images on the step axis', async () => {
    const dir = tempDir();
    const logger = new MemoryLogger();
    const r = await trainFlowCommand({
      dataset: 'moons',
      model: 'affine',
      steps: 25,
      batchSize: 32,
      nTrain: 300,
      nTest: 100,
      outDir: join(dir, 'model'),
      imageDir: dir,
      imageEvery: 10,
      logger,
      logEvery: 5,
    });
    r.flow.dispose();
    for (const f of [
      'data',
      'samples_step_000000',
      'density_step_000000',
      'samples_step_000010',
      'samples_step_000020',
      'density_step_000025',
    ]) {
      const img = decodePng(new Uint8Array(readFileSync(join(dir, `${f}.png`))), f);
      expect([img.width, img.height]).toEqual([160, 160]);
    }
    expect(existsSync(join(dir, 'model', 'manifest.json'))).toBe(true);
    const steps = (tag: string) => logger.records.filter((rec) => rec.kind === 'image' && rec.tag === tag).map((rec) => rec.step);
    expect(steps('flow/samples')).toEqual([0, 10, 20, 25]);
    expect(steps('flow/density')).toEqual([0, 10, 20, 25]);
    expect(steps('flow/data')).toEqual([0]);
  });
});
