/**
 * GAN training with the non-saturating generator loss (Goodfellow et al. 2014, §3):
 *   L_D = −E log D(x) − E log(1 − D(G(z)))   (logged separately as d_real and d_fake)
 *   L_G = −E log D(G(z))
 * with D(·) = σ(logit), computed stably as softplus: −log σ(l) = softplus(−l), −log(1 − σ(l)) = softplus(l).
 * Two Adam optimisers (DCGAN: lr 2e-4, β1 0.5). Images live in [−1, 1] (tanh generator).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type CheckpointTarget,
  Rng,
  assertFiniteCheckpoint,
  assertFiniteValues,
  checkpointLabel,
  loadCheckpoint,
  saveCheckpoint,
} from '@tfrl/core';
import { type GanNetwork, DcganDiscriminator, DcganGenerator, type ImageShape, MlpDiscriminator, MlpGenerator } from './networks';
import { resolveModelDir } from '../model-dir';

export type GanArchitecture = 'mlp' | 'dcgan';

export interface GanOptions {
  architecture?: GanArchitecture;
  image: ImageShape;
  latentDim?: number;
  /** DCGAN: filters of the outermost conv layer (default 64). */
  baseFilters?: number;
  /** MLP GAN hidden sizes (generator; the discriminator uses them reversed). */
  hiddenSizes?: number[];
  lrG?: number;
  lrD?: number;
  beta1?: number;
  beta2?: number;
  seed?: number;
}

export interface GanStepStats {
  /** −E log σ(D(x)) on the real batch. */
  dReal: number;
  /** −E log(1 − σ(D(G(z)))) on the fake batch. */
  dFake: number;
  /** dReal + dFake. */
  dLoss: number;
  /** −E log σ(D(G(z))) (after the discriminator update). */
  gLoss: number;
  /** Mean σ(D(x)) and σ(D(G(z))) before the discriminator update. */
  dxMean: number;
  dgzMean: number;
}

/** Discriminator loss terms from logits: [d_real, d_fake] = [mean softplus(−l_real), mean softplus(l_fake)]. */
export function discriminatorLosses(realLogits: tf.Tensor, fakeLogits: tf.Tensor): { real: tf.Scalar; fake: tf.Scalar } {
  return tf.tidy(() => ({
    real: tf.mean(tf.softplus(tf.neg(realLogits))) as tf.Scalar,
    fake: tf.mean(tf.softplus(fakeLogits)) as tf.Scalar,
  }));
}

/** Non-saturating generator loss: mean softplus(−l_fake) = −E log D(G(z)). */
export function generatorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

const ALGORITHM = 'GAN';

export class Gan {
  readonly options: Required<Omit<GanOptions, 'hiddenSizes'>> & { hiddenSizes: number[] };
  readonly generator: GanNetwork;
  readonly discriminator: GanNetwork;
  readonly optG: Adam;
  readonly optD: Adam;
  readonly rng: Rng;
  readonly latentDim: number;
  readonly imageSize: number;
  steps = 0;

  constructor(options: GanOptions) {
    const arch = options.architecture ?? 'dcgan';
    if (arch !== 'mlp' && arch !== 'dcgan') throw new TypeError(`Gan: architecture must be 'mlp' or 'dcgan', got ${JSON.stringify(arch)}`);
    const img = options.image;
    if (!img || ![img.height, img.width, img.channels].every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`Gan: image must be {height, width, channels} of positive integers, got ${JSON.stringify(img)}`);
    }
    this.options = {
      architecture: arch,
      image: { ...img },
      latentDim: options.latentDim ?? 100,
      baseFilters: options.baseFilters ?? 64,
      hiddenSizes: options.hiddenSizes ?? [256, 512],
      lrG: options.lrG ?? 2e-4,
      lrD: options.lrD ?? 2e-4,
      beta1: options.beta1 ?? 0.5,
      beta2: options.beta2 ?? 0.999,
      seed: options.seed ?? 0,
    };
    const o = this.options;
    this.latentDim = o.latentDim;
    this.imageSize = img.height * img.width * img.channels;
    this.rng = new Rng(o.seed);
    if (arch === 'dcgan') {
      this.generator = new DcganGenerator({ latentDim: o.latentDim, image: img, baseFilters: o.baseFilters, rng: this.rng });
      this.discriminator = new DcganDiscriminator({ latentDim: o.latentDim, image: img, baseFilters: o.baseFilters, rng: this.rng });
    } else {
      this.generator = new MlpGenerator({ latentDim: o.latentDim, image: img, hiddenSizes: o.hiddenSizes, rng: this.rng });
      this.discriminator = new MlpDiscriminator({
        latentDim: o.latentDim,
        image: img,
        hiddenSizes: [...o.hiddenSizes].reverse(),
        rng: this.rng,
      });
    }
    // Large conv models: the tf-op Adam path (the single-kernel JS loop is for small nets).
    this.optG = new Adam(this.generator.trainableVariables, { lr: o.lrG, beta1: o.beta1, beta2: o.beta2 });
    this.optD = new Adam(this.discriminator.trainableVariables, { lr: o.lrD, beta1: o.beta1, beta2: o.beta2 });
  }

  /** Seeded N(0, I) latent batch. */
  noise(n: number): tf.Tensor2D {
    return tf.randomNormal([n, this.latentDim], 0, 1, 'float32', this.rng.tfSeed());
  }

  /**
   * One DCGAN-style iteration on a real batch [batch, H·W·C] in [−1, 1]: a discriminator step on
   * the real batch and on G(z) (separate batches, as the reference implementation), then a
   * generator step on the same z against the updated discriminator. Optional fixed `z` for tests.
   */
  trainStep(real: tf.Tensor2D, z?: tf.Tensor2D): GanStepStats {
    const n = real.shape[0];
    const zz = z ?? this.noise(n);
    const dVars = this.discriminator.trainableVariables;
    const gVars = this.generator.trainableVariables;
    // Discriminator step (the fake batch is a constant here: no gradient into G).
    const fake = this.generator.apply(zz, true);
    let dStats: tf.Tensor | undefined;
    const d = tf.variableGrads(() => {
      const lr = this.discriminator.apply(real, true);
      const lf = this.discriminator.apply(fake, true);
      const { real: r, fake: f } = discriminatorLosses(lr, lf);
      dStats = tf.keep(tf.stack([r, f, tf.mean(tf.sigmoid(lr)), tf.mean(tf.sigmoid(lf))]));
      return tf.add(r, f) as tf.Scalar;
    }, dVars);
    fake.dispose();
    const dGrads = dVars.map((v) => d.grads[v.name] as tf.Tensor);
    this.optD.step(dGrads);
    tf.dispose(dGrads);
    d.value.dispose();
    // Generator step.
    const g = tf.variableGrads(() => generatorLoss(this.discriminator.apply(this.generator.apply(zz, true), true)), gVars);
    const gGrads = gVars.map((v) => g.grads[v.name] as tf.Tensor);
    this.optG.step(gGrads);
    tf.dispose(gGrads);
    if (!z) zz.dispose();
    const packed = tf.tidy(() => tf.concat([dStats as tf.Tensor1D, tf.reshape(g.value, [1])]));
    const s = packed.dataSync() as Float32Array;
    tf.dispose([packed, dStats as tf.Tensor, g.value]);
    this.steps += 1;
    const [dReal, dFake, dxMean, dgzMean, gLoss] = Array.from(s) as [number, number, number, number, number];
    assertFiniteValues(this.options.architecture === 'dcgan' ? 'DCGAN' : 'GAN', this.steps, {
      'train/d_loss_real': dReal,
      'train/d_loss_fake': dFake,
      'train/g_loss': gLoss,
    });
    return { dReal, dFake, dLoss: dReal + dFake, gLoss, dxMean, dgzMean };
  }

  /** Generated images for given latents (eval mode: batch norm uses running averages), floats in [−1, 1]. */
  generate(z: Float32Array, training = false): Float32Array {
    const n = z.length / this.latentDim;
    const out = tf.tidy(() => this.generator.apply(tf.tensor2d(z, [n, this.latentDim]), training));
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  }

  /** n samples from z ~ N(0, I) drawn with Rng(seed). */
  sample(n: number, seed = 0, training = false): Float32Array {
    return this.generate(new Rng(seed).fillNormal(new Float32Array(n * this.latentDim)), training);
  }

  /** Writes a checkpoint to directory `dir` (Node) or to a `CheckpointStore` such as a `MemoryCheckpoint`. */
  async save(dir: CheckpointTarget, extra: Record<string, unknown> = {}): Promise<void> {
    const tensors: Record<string, { dtype: 'float32'; shape: number[]; data: Float32Array }> = {};
    for (const net of [this.generator, this.discriminator]) {
      for (const [name, v] of net.store.entries())
        tensors[name] = { dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array };
    }
    const adam: Record<string, unknown> = {};
    for (const [k, opt] of [
      ['adamG', this.optG],
      ['adamD', this.optD],
    ] as const) {
      const st = opt.getState();
      tensors[`${k}/m`] = { dtype: 'float32', shape: [st.m.length], data: st.m };
      tensors[`${k}/v`] = { dtype: 'float32', shape: [st.v.length], data: st.v };
      adam[k] = { step: st.step, sizes: st.sizes };
    }
    assertFiniteCheckpoint(this.options.architecture === 'dcgan' ? 'DCGAN' : 'GAN', checkpointLabel(dir), tensors);
    await saveCheckpoint(dir, {
      algorithm: ALGORITHM,
      hyperparameters: { ...this.options },
      counters: { numTimesteps: 0, numUpdates: this.steps, episodes: 0 },
      rngState: this.rng.getState(),
      extra: { ...extra, adam },
      tensors,
    });
  }

  /**
   * Loads a checkpoint written by `save`; `dir` may also be a run directory (its `model/`, or the
   * older `checkpoint/`), or a `CheckpointStore`.
   */
  static async load(runOrModelDir: CheckpointTarget): Promise<Gan> {
    const source = typeof runOrModelDir === 'string' ? resolveModelDir(runOrModelDir) : runOrModelDir;
    const { manifest, tensors } = await loadCheckpoint(source);
    const dir = checkpointLabel(source);
    if (manifest.algorithm !== ALGORITHM) throw new Error(`Gan.load: ${dir} holds a ${manifest.algorithm} checkpoint, not ${ALGORITHM}`);
    const gan = new Gan(manifest.hyperparameters as unknown as GanOptions);
    for (const net of [gan.generator, gan.discriminator]) {
      for (const [name, v] of net.store.entries()) {
        const t = tensors[name];
        if (!t || t.shape.join(',') !== v.shape.join(',')) throw new Error(`Gan.load: ${dir} has no tensor ${name} shaped [${v.shape}]`);
        const tt = tf.tensor(t.data, t.shape);
        v.assign(tt);
        tt.dispose();
      }
    }
    const adam = manifest.extra.adam as Record<string, { step: number; sizes: number[] }>;
    for (const [k, opt] of [
      ['adamG', gan.optG],
      ['adamD', gan.optD],
    ] as const) {
      const m = tensors[`${k}/m`];
      const v = tensors[`${k}/v`];
      const meta = adam?.[k];
      if (!m || !v || !meta) throw new Error(`Gan.load: ${dir} lacks the ${k} optimizer state`);
      opt.setState({ step: meta.step, sizes: meta.sizes, m: m.data as Float32Array, v: v.data as Float32Array });
    }
    if (manifest.rngState) gan.rng.setState(manifest.rngState);
    gan.steps = manifest.counters.numUpdates;
    return gan;
  }

  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
    this.optG.dispose();
    this.optD.dispose();
  }
}
