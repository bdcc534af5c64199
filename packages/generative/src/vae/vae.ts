/**
 * Variational auto-encoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes") with MLP
 * encoder q(z|x) = N(μ(x), diag σ²(x)) and decoder p(x|z): Bernoulli (logits; binary cross-entropy
 * on grey levels summed over pixels, as pytorch/examples' VAE) or Gaussian with a learned global σ.
 * Loss = −ELBO = E_q[−log p(x|z)] + KL(q(z|x) ‖ N(0, I)), one reparameterised sample z = μ + σ·ε.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type Activation,
  Mlp,
  Rng,
  assertFiniteCheckpoint,
  assertFiniteValues,
  type CheckpointTarget,
  checkpointLabel,
  loadCheckpoint,
  saveCheckpoint,
  uniqueName,
} from '@tfrl/core';
import { resolveModelDir } from '../model-dir';

export type VaeDecoderKind = 'bernoulli' | 'gaussian';

export interface VaeOptions {
  inputDim: number;
  latentDim: number;
  /** Encoder hidden sizes; the decoder uses them reversed (default [400], pytorch/examples). */
  hiddenSizes?: number[];
  activation?: Activation;
  decoder?: VaeDecoderKind;
  /** Seed for the initial weights and the noise (default 0). */
  seed?: number;
  lr?: number;
  /**
   * Weight initialisation: 'torch' (default) = PyTorch's nn.Linear default, W and b ~ U(±1/√fan_in),
   * as the pytorch/examples VAE; 'glorot' = Glorot-uniform weights, zero biases.
   */
  init?: 'torch' | 'glorot';
}

export interface VaeLossTerms {
  /** Mean over the batch of the per-example reconstruction NLL (nats, summed over pixels). */
  recon: tf.Scalar;
  /** Mean over the batch of KL(q(z|x) ‖ N(0, I)). */
  kl: tf.Scalar;
}

export interface ElboResult {
  /** −ELBO per example (nats) = recon + kl. */
  negElbo: number;
  recon: number;
  kl: number;
}

/** KL(N(μ, diag exp(logvar)) ‖ N(0, I)) per row: −½ Σ (1 + logvar − μ² − exp(logvar)). */
export function gaussianKlToStandard(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar))), 1)));
}

/**
 * Binary cross-entropy summed over pixels per row, from logits: Σ softplus(l) − x·l
 * (= −Σ x log σ(l) + (1 − x) log(1 − σ(l)), stable for any l; x may be grey levels in [0, 1]).
 */
export function bernoulliNll(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1));
}

/** −log N(x; mean, σ²) summed over pixels per row (σ = exp(logSigma), one scalar for all pixels). */
export function gaussianNll(x: tf.Tensor2D, mean: tf.Tensor2D, logSigma: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const d = x.shape[1];
    const sq = tf.sum(tf.square(tf.sub(x, mean)), 1);
    const c = tf.add(tf.mul(logSigma, d), 0.5 * d * Math.log(2 * Math.PI));
    return tf.add(tf.mul(sq, tf.mul(0.5, tf.exp(tf.mul(logSigma, -2)))), c) as tf.Tensor1D;
  });
}

const ALGORITHM = 'VAE';

export class Vae {
  readonly inputDim: number;
  readonly latentDim: number;
  readonly hiddenSizes: number[];
  readonly decoderKind: VaeDecoderKind;
  readonly options: Required<Omit<VaeOptions, 'seed'>> & { seed: number };
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  /** log σ of the Gaussian decoder (unused for Bernoulli). */
  readonly logSigma: tf.Variable;
  readonly optimizer: Adam;
  readonly rng: Rng;
  /** Gradient steps taken and examples seen. */
  steps = 0;
  examplesSeen = 0;

  constructor(options: VaeOptions) {
    const check = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw new RangeError(`Vae: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
    };
    check('inputDim', options.inputDim);
    check('latentDim', options.latentDim);
    const hidden = options.hiddenSizes ?? [400];
    hidden.forEach((h, i) => check(`hiddenSizes[${i}]`, h));
    const decoder = options.decoder ?? 'bernoulli';
    if (decoder !== 'bernoulli' && decoder !== 'gaussian')
      throw new TypeError(`Vae: decoder must be 'bernoulli' or 'gaussian', got ${JSON.stringify(decoder)}`);
    const lr = options.lr ?? 1e-3;
    this.options = {
      inputDim: options.inputDim,
      latentDim: options.latentDim,
      hiddenSizes: [...hidden],
      activation: options.activation ?? 'relu',
      decoder,
      seed: options.seed ?? 0,
      lr,
      init: options.init ?? 'torch',
    };
    this.inputDim = options.inputDim;
    this.latentDim = options.latentDim;
    this.hiddenSizes = [...hidden];
    this.decoderKind = decoder;
    this.rng = new Rng(this.options.seed);
    this.encoder = new Mlp({
      inputDim: this.inputDim,
      hiddenSizes: hidden,
      outputDim: 2 * this.latentDim,
      activation: this.options.activation,
      init: 'glorot',
      rng: this.rng,
      name: 'vae/encoder',
    });
    this.decoder = new Mlp({
      inputDim: this.latentDim,
      hiddenSizes: [...hidden].reverse(),
      outputDim: this.inputDim,
      activation: this.options.activation,
      init: 'glorot',
      rng: this.rng,
      name: 'vae/decoder',
    });
    if (this.options.init === 'torch') for (const net of [this.encoder, this.decoder]) torchLinearInit(net, this.rng);
    else if (this.options.init !== 'glorot')
      throw new TypeError(`Vae: init must be 'torch' or 'glorot', got ${JSON.stringify(this.options.init)}`);
    const zero = tf.scalar(0);
    this.logSigma = tf.variable(zero, true, uniqueName('vae/log_sigma'));
    zero.dispose();
    this.optimizer = new Adam(this.trainableVariables, { lr });
  }

  get trainableVariables(): tf.Variable[] {
    return [
      ...this.encoder.trainableVariables,
      ...this.decoder.trainableVariables,
      ...(this.decoderKind === 'gaussian' ? [this.logSigma] : []),
    ];
  }

  /** q(z|x): μ and log σ², each [batch, latent]. */
  encode(x: tf.Tensor2D, inputGrad = false): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    return tf.tidy(() => {
      const h = this.encoder.apply(x, { inputGrad });
      const L = this.latentDim;
      return { mu: tf.slice(h, [0, 0], [-1, L]), logvar: tf.slice(h, [0, L], [-1, L]) };
    });
  }

  /** Decoder output before the link: logits (Bernoulli) or the mean (Gaussian). */
  decodeRaw(z: tf.Tensor2D): tf.Tensor2D {
    return this.decoder.apply(z);
  }

  /** Mean of p(x|z) in pixel space ([0, 1] for Bernoulli). */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const raw = this.decodeRaw(z);
      return this.decoderKind === 'bernoulli' ? tf.sigmoid(raw) : raw;
    });
  }

  /** Per-example reconstruction NLL, summed over pixels. */
  reconNll(x: tf.Tensor2D, raw: tf.Tensor2D): tf.Tensor1D {
    return this.decoderKind === 'bernoulli' ? bernoulliNll(x, raw) : gaussianNll(x, raw, this.logSigma);
  }

  /** Loss terms with the given standard-normal noise ε [batch, latent] (z = μ + exp(½ logvar)·ε). */
  lossTerms(x: tf.Tensor2D, eps: tf.Tensor2D): VaeLossTerms {
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D;
      const recon = tf.mean(this.reconNll(x, this.decodeRaw(z))) as tf.Scalar;
      const kl = tf.mean(gaussianKlToStandard(mu, logvar)) as tf.Scalar;
      return { recon, kl };
    });
  }

  private noise(batch: number): tf.Tensor2D {
    return tf.randomNormal([batch, this.latentDim], 0, 1, 'float32', this.rng.tfSeed());
  }

  /**
   * One Adam step on a batch [batch, inputDim]; returns the batch means of the reconstruction
   * term and the KL (one read-back per step).
   */
  trainStep(x: tf.Tensor2D): { recon: number; kl: number; loss: number } {
    const eps = this.noise(x.shape[0]);
    let terms: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const t = this.lossTerms(x, eps);
      terms = tf.keep(tf.stack([t.recon, t.kl]));
      const loss = tf.add(t.recon, t.kl) as tf.Scalar;
      t.recon.dispose();
      t.kl.dispose();
      return loss;
    }, this.trainableVariables);
    const vars = this.trainableVariables;
    const g = vars.map((v) => grads[v.name] as tf.Tensor);
    this.optimizer.step(g);
    for (const t of g) t.dispose();
    value.dispose();
    eps.dispose();
    const [recon, kl] = (terms as tf.Tensor).dataSync() as Float32Array;
    (terms as tf.Tensor).dispose();
    this.steps += 1;
    assertFiniteValues('VAE', this.steps, { 'train/recon': recon as number, 'train/kl': kl as number });
    this.examplesSeen += x.shape[0];
    return { recon: recon as number, kl: kl as number, loss: (recon as number) + (kl as number) };
  }

  /**
   * −ELBO on data (n × inputDim floats), averaged over examples, in nats; `nSamples` reparameterised
   * samples per example (seeded by `seed`), evaluated in batches.
   */
  elbo(data: Float32Array, options: { batchSize?: number; nSamples?: number; seed?: number } = {}): ElboResult {
    const d = this.inputDim;
    const n = data.length / d;
    if (!Number.isInteger(n) || n === 0)
      throw new RangeError(`Vae.elbo: data has ${data.length} values, not a positive multiple of inputDim ${d}`);
    const bs = options.batchSize ?? 500;
    const S = options.nSamples ?? 1;
    const rng = new Rng(options.seed ?? 12345);
    let recon = 0;
    let kl = 0;
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const sums = tf.tidy(() => {
        const x = tf.tensor2d(data.subarray(s * d, (s + m) * d), [m, d]);
        let r: tf.Scalar = tf.scalar(0);
        let k: tf.Scalar = tf.scalar(0);
        for (let j = 0; j < S; j++) {
          const eps = tf.randomNormal([m, this.latentDim], 0, 1, 'float32', rng.tfSeed()) as tf.Tensor2D;
          const t = this.lossTerms(x, eps);
          r = tf.add(r, t.recon);
          k = tf.add(k, t.kl);
        }
        return tf.stack([r, k]);
      });
      const [rv, kv] = sums.dataSync() as Float32Array;
      sums.dispose();
      recon += ((rv as number) * m) / S;
      kl += ((kv as number) * m) / S;
    }
    return { negElbo: (recon + kl) / n, recon: recon / n, kl: kl / n };
  }

  /** Decode latent points (n × latent floats) to pixel means (n × inputDim). */
  decodePoints(z: Float32Array): Float32Array {
    const n = z.length / this.latentDim;
    const out = tf.tidy(() => this.decode(tf.tensor2d(z, [n, this.latentDim])));
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  }

  /** n samples from the model: z ~ N(0, I) (seeded), decoded to pixel means. */
  sample(n: number, seed = 0): Float32Array {
    const r = new Rng(seed);
    return this.decodePoints(r.fillNormal(new Float32Array(n * this.latentDim)));
  }

  /** Reconstructions (decoder mean at z = μ(x)) of n × inputDim inputs. */
  reconstruct(x: Float32Array): Float32Array {
    const n = x.length / this.inputDim;
    const out = tf.tidy(() => this.decode(this.encode(tf.tensor2d(x, [n, this.inputDim])).mu));
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  }

  /**
   * Regular latent grid for latent sizes 1 and 2: `perSide` points per axis, either Gaussian
   * quantiles Φ⁻¹((i + ½)/perSide) (covering the prior) or evenly over [−1, 1].
   */
  latentGrid(perSide: number, kind: 'quantiles' | 'uniform' = 'quantiles'): Float32Array {
    if (this.latentDim > 2) throw new RangeError(`Vae.latentGrid: only for latent sizes 1 and 2, this VAE has ${this.latentDim}`);
    const axis = Array.from({ length: perSide }, (_, i) =>
      kind === 'quantiles' ? normalQuantile((i + 0.5) / perSide) : perSide === 1 ? 0 : -1 + (2 * i) / (perSide - 1),
    );
    if (this.latentDim === 1) return Float32Array.from(axis);
    const out = new Float32Array(perSide * perSide * 2);
    // Row r (top to bottom) is z2 from high to low; column c is z1 from low to high.
    for (let r = 0; r < perSide; r++) {
      for (let c = 0; c < perSide; c++) {
        out[2 * (r * perSide + c)] = axis[c] as number;
        out[2 * (r * perSide + c) + 1] = axis[perSide - 1 - r] as number;
      }
    }
    return out;
  }

  /** Writes a checkpoint to directory `dir` (Node) or to a `CheckpointStore` such as a `MemoryCheckpoint`. */
  async save(dir: CheckpointTarget, extra: Record<string, unknown> = {}): Promise<void> {
    const tensors: Record<string, { dtype: 'float32'; shape: number[]; data: Float32Array }> = {};
    const add = (name: string, t: tf.Tensor) => {
      tensors[name] = { dtype: 'float32', shape: [...t.shape], data: t.dataSync() as Float32Array };
    };
    for (const [k, t] of Object.entries({ ...this.encoder.getWeights(), ...this.decoder.getWeights() })) {
      add(k, t);
      t.dispose();
    }
    add('vae/log_sigma', this.logSigma);
    const st = this.optimizer.getState();
    tensors['adam/m'] = { dtype: 'float32', shape: [st.m.length], data: st.m };
    tensors['adam/v'] = { dtype: 'float32', shape: [st.v.length], data: st.v };
    assertFiniteCheckpoint('VAE', checkpointLabel(dir), tensors);
    await saveCheckpoint(dir, {
      algorithm: ALGORITHM,
      hyperparameters: { ...this.options },
      counters: { numTimesteps: this.examplesSeen, numUpdates: this.steps, episodes: 0 },
      rngState: this.rng.getState(),
      extra: { ...extra, adamStep: st.step, adamSizes: st.sizes },
      tensors,
    });
  }

  /**
   * Loads a checkpoint written by `save`; `dir` may also be a run directory (its `model/`, or the
   * older `checkpoint/`), or a `CheckpointStore`.
   */
  static async load(runOrModelDir: CheckpointTarget): Promise<Vae> {
    const source = typeof runOrModelDir === 'string' ? resolveModelDir(runOrModelDir) : runOrModelDir;
    const { manifest, tensors } = await loadCheckpoint(source);
    const dir = checkpointLabel(source);
    if (manifest.algorithm !== ALGORITHM) throw new Error(`Vae.load: ${dir} holds a ${manifest.algorithm} checkpoint, not ${ALGORITHM}`);
    const vae = new Vae(manifest.hyperparameters as unknown as VaeOptions);
    const get = (name: string) => {
      const t = tensors[name];
      if (!t) throw new Error(`Vae.load: ${dir} has no tensor ${name}`);
      return t;
    };
    const asTf = (names: string[]) => Object.fromEntries(names.map((n) => [n, tf.tensor(get(n).data, get(n).shape)]));
    for (const net of [vae.encoder, vae.decoder]) {
      const w = asTf(net.weightNames);
      net.setWeights(w);
      for (const t of Object.values(w)) t.dispose();
    }
    vae.logSigma.assign(tf.scalar(get('vae/log_sigma').data[0] as number));
    vae.optimizer.setState({
      step: manifest.extra.adamStep as number,
      m: get('adam/m').data as Float32Array,
      v: get('adam/v').data as Float32Array,
      sizes: manifest.extra.adamSizes as number[],
    });
    if (manifest.rngState) vae.rng.setState(manifest.rngState);
    vae.steps = manifest.counters.numUpdates;
    vae.examplesSeen = manifest.counters.numTimesteps;
    return vae;
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.logSigma.dispose();
    this.optimizer.dispose();
  }
}

/** Re-draw an Mlp's weights and biases as PyTorch's nn.Linear default: U(±1/√fan_in). */
export function torchLinearInit(net: Mlp, rng: Rng): void {
  const vars = net.trainableVariables;
  const w: Record<string, tf.Tensor> = {};
  net.weightNames.forEach((name, i) => {
    const v = vars[i] as tf.Variable;
    // weights are [in, out]; a bias [out] belongs to the weight before it
    const fanIn = v.rank === 2 ? (v.shape[0] as number) : ((vars[i - 1] as tf.Variable).shape[0] as number);
    const bound = 1 / Math.sqrt(fanIn);
    w[name] = tf.tensor(rng.fillUniform(new Float32Array(v.size), -bound, bound), v.shape);
  });
  net.setWeights(w);
  for (const t of Object.values(w)) t.dispose();
}

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}
