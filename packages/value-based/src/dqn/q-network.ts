/**
 * The Q-network of the DQN family: an MLP (or a `Cnn` conv torso for image observations) with the
 * Rainbow extensions as independent switches — dueling streams, factorised-Gaussian NoisyLinear
 * head layers (Fortunato et al. 2018) and a categorical (C51) output of `nAtoms` logits per action.
 *
 * Layout: torso = [conv layers] + dense layers `netArch[:-1]` (ReLU, plain); head = one hidden layer
 * of width `netArch[-1]` and the output layer — once (plain) or per stream (dueling: value → N,
 * advantage → A·N). With `noisy`, the head layers are NoisyLinear. Dense layers run in column
 * layout (weights [out, in], see `columnStack`); without dueling the whole dense stack is one node.
 *
 * Acting uses {@link QNetwork.hostForward}: the same network evaluated on the host from a copy of
 * the weights, refreshed only after the weights change (a training phase, a load) — a batch of one
 * observation through a 256-wide net costs less in plain JS than the dispatch of a dozen wasm kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { Cnn, type ConvLayerSpec, type Rng, variableFrom } from '@tfrl/core';
import { type ColumnLayer, columnStack } from './column-stack';
import { duelingCombine, factorisedNoise, noisyScale } from './math';

export interface QNetworkOptions {
  /** [obsDim] for vectors, [H, W, C] for images (conv torso). */
  obsShape: number[];
  nActions: number;
  /** 1 = scalar Q-values; > 1 = C51 logits over that many atoms. */
  nAtoms?: number;
  netArch: number[];
  dueling?: boolean;
  noisy?: boolean;
  /** σ0 of the factorised NoisyNet init (σ = σ0 / √fanIn). */
  sigma0?: number;
  convs?: readonly ConvLayerSpec[];
  /** Input scale of the conv torso (1/255 for uint8 frames). */
  inputScale?: number;
  rng: Rng;
  name: string;
}

/** A linear layer, weights [out, in] and bias [out, 1]; NoisyLinear when `sigmaW` is set (w, b are then μ_W, μ_b). */
interface Linear {
  name: string;
  inDim: number;
  outDim: number;
  w: tf.Variable;
  b: tf.Variable;
  sigmaW?: tf.Variable;
  sigmaB?: tf.Variable;
  relu: boolean;
  /** Current noise (tensors and host copies of f(ε)). */
  epsW?: tf.Tensor2D;
  epsB?: tf.Tensor2D;
  fIn?: Float32Array;
  rawIn?: Float32Array;
  rawOut?: Float32Array;
  fOut?: Float32Array;
}

/** PyTorch's default `nn.Linear` init (SB3's QNetwork): W, b ~ U(±1/√fanIn). */
function torchLinear(inDim: number, outDim: number, rng: Rng, name: string, relu: boolean): Linear {
  const bound = 1 / Math.sqrt(inDim);
  return {
    name,
    inDim,
    outDim,
    relu,
    w: variableFrom(rng.fillUniform(new Float32Array(inDim * outDim), -bound, bound), [outDim, inDim], `${name}/w`),
    b: variableFrom(rng.fillUniform(new Float32Array(outDim), -bound, bound), [outDim, 1], `${name}/b`),
  };
}

/** NoisyLinear init (factorised): μ ~ U(±1/√p), σ = σ0/√p. */
function noisyLinear(inDim: number, outDim: number, rng: Rng, name: string, relu: boolean, sigma0: number): Linear {
  const l = torchLinear(inDim, outDim, rng, name, relu);
  const s = sigma0 / Math.sqrt(inDim);
  l.sigmaW = variableFrom(new Float32Array(inDim * outDim).fill(s), [outDim, inDim], `${name}/sigma_w`);
  l.sigmaB = variableFrom(new Float32Array(outDim).fill(s), [outDim, 1], `${name}/sigma_b`);
  return l;
}

function layerVars(l: Linear): tf.Variable[] {
  return l.sigmaW ? [l.w, l.b, l.sigmaW, l.sigmaB as tf.Variable] : [l.w, l.b];
}

function layerVarNames(l: Linear): string[] {
  return l.sigmaW ? [`${l.name}/w`, `${l.name}/b`, `${l.name}/sigma_w`, `${l.name}/sigma_b`] : [`${l.name}/w`, `${l.name}/b`];
}

export class QNetwork {
  readonly name: string;
  readonly obsShape: number[];
  readonly nActions: number;
  readonly nAtoms: number;
  readonly dueling: boolean;
  readonly noisy: boolean;
  readonly cnn: Cnn | undefined;
  private readonly nConvVars: number;
  private readonly torso: Linear[];
  /** Non-dueling: [hidden, out]; dueling: value stream [hidden, out(N)]. */
  private readonly headA: Linear[];
  /** Dueling: advantage stream [hidden, out(A·N)]. */
  private readonly headV: Linear[];
  private readonly vars: tf.Variable[];
  private readonly names: string[];
  /** Host copies of the variables (for hostForward) and the weights version they reflect. */
  private host: Float32Array[] | undefined;
  private hostVersion = -1;
  /** Bumped whenever the variables change (training, copies, loads). */
  version = 0;

  constructor(options: QNetworkOptions) {
    const { obsShape, nActions, netArch, rng, name } = options;
    this.name = name;
    this.obsShape = [...obsShape];
    this.nActions = nActions;
    this.nAtoms = options.nAtoms ?? 1;
    this.dueling = Boolean(options.dueling);
    this.noisy = Boolean(options.noisy);
    const sigma0 = options.sigma0 ?? 0.5;
    if (!Array.isArray(netArch) || netArch.length === 0)
      throw new RangeError(`${name}: netArch needs at least one hidden layer, got ${JSON.stringify(netArch)}`);
    let inDim: number;
    if (obsShape.length === 3) {
      // Conv torso only: Cnn's own dense head is a 1-wide stub that is never used nor trained.
      this.cnn = new Cnn({
        inputShape: obsShape as [number, number, number],
        convs: options.convs,
        hiddenSizes: [],
        outputDim: 1,
        inputScale: options.inputScale ?? 1,
        rng,
        name: `${name}/cnn`,
      });
      this.nConvVars = this.cnn.trainableVariables.length - 2;
      inDim = this.cnn.featureDim;
    } else if (obsShape.length === 1) {
      this.cnn = undefined;
      this.nConvVars = 0;
      inDim = obsShape[0] as number;
    } else {
      throw new RangeError(`${name}: observations must be vectors [d] or images [H, W, C], got shape [${obsShape}]`);
    }
    this.torso = [];
    for (let i = 0; i + 1 < netArch.length; i++) {
      this.torso.push(torchLinear(inDim, netArch[i] as number, rng, `${name}/torso${i}`, true));
      inDim = netArch[i] as number;
    }
    const hidden = netArch[netArch.length - 1] as number;
    const mk = (i: number, o: number, n: string, relu: boolean) =>
      this.noisy ? noisyLinear(i, o, rng, n, relu, sigma0) : torchLinear(i, o, rng, n, relu);
    const N = this.nAtoms;
    if (this.dueling) {
      this.headV = [mk(inDim, hidden, `${name}/value0`, true), mk(hidden, N, `${name}/value1`, false)];
      this.headA = [mk(inDim, hidden, `${name}/adv0`, true), mk(hidden, nActions * N, `${name}/adv1`, false)];
    } else {
      this.headV = [];
      this.headA = [mk(inDim, hidden, `${name}/head0`, true), mk(hidden, nActions * N, `${name}/head1`, false)];
    }
    const all = [...this.torso, ...this.headV, ...this.headA];
    const convVars = this.cnn ? this.cnn.trainableVariables.slice(0, this.nConvVars) : [];
    const convNames = this.cnn ? this.cnn.weightNames.slice(0, this.nConvVars) : [];
    this.vars = [...convVars, ...all.flatMap(layerVars)];
    this.names = [...convNames, ...all.flatMap(layerVarNames)];
    if (this.noisy) this.resetNoise(rng);
  }

  get trainableVariables(): tf.Variable[] {
    return this.vars;
  }

  get weightNames(): string[] {
    return this.names;
  }

  private get noisyLayers(): Linear[] {
    return [...this.headV, ...this.headA].filter((l) => l.sigmaW);
  }

  /**
   * Draw new factorised noise for every NoisyLinear layer from `rng`. Only f(ε_in), f(ε_out) are
   * drawn here; the [in, out] noise tensor is built when a tf forward pass needs it (acting on the
   * host never does).
   */
  resetNoise(rng: Rng): void {
    for (const l of this.noisyLayers) {
      l.rawIn = rng.fillNormal(new Float32Array(l.inDim));
      l.rawOut = rng.fillNormal(new Float32Array(l.outDim));
      l.fIn = l.rawIn.map(noisyScale);
      l.fOut = l.rawOut.map(noisyScale);
      l.epsW?.dispose();
      l.epsB?.dispose();
      l.epsW = undefined;
      l.epsB = undefined;
    }
  }

  /** The noise tensors of layer `l` for the current draw (kept: owned by the layer until the next draw). */
  private noiseTensors(l: Linear): { epsW: tf.Tensor2D; epsB: tf.Tensor2D } {
    if (!l.epsW || !l.epsB) {
      // [out, in] layout: ε[j, i] = f(ε_out[j])·f(ε_in[i]) — factorisedNoise with the roles swapped.
      const { weight } = factorisedNoise(l.rawOut as Float32Array, l.rawIn as Float32Array);
      l.epsW = tf.keep(tf.tensor2d(weight, [l.outDim, l.inDim]));
      l.epsB = tf.keep(tf.tensor2d(l.fOut as Float32Array, [l.outDim, 1]));
    }
    return { epsW: l.epsW, epsB: l.epsB };
  }

  private params(l: Linear, noise: boolean): ColumnLayer {
    if (!l.sigmaW || !noise) return { w: l.w as tf.Tensor2D, b: l.b as tf.Tensor2D, relu: l.relu };
    const { epsW, epsB } = this.noiseTensors(l);
    return {
      w: tf.add(l.w, tf.mul(l.sigmaW, epsW)) as tf.Tensor2D,
      b: tf.add(l.b, tf.mul(l.sigmaB as tf.Variable, epsB)) as tf.Tensor2D,
      relu: l.relu,
    };
  }

  /**
   * Forward pass (call inside a tidy or a gradient function). x: [B, d] or [B, H, W, C].
   * Returns Q-values [B, A] (nAtoms = 1) or logits [B, A, N]. `noise` false uses the mean
   * weights of noisy layers (evaluation).
   */
  forward(x: tf.Tensor, options: { noise?: boolean } = {}): tf.Tensor2D | tf.Tensor3D {
    const noise = options.noise ?? true;
    const conv = this.cnn !== undefined;
    const featsT = tf.transpose(this.cnn ? this.cnn.features(x as tf.Tensor4D) : (x as tf.Tensor2D)) as tf.Tensor2D;
    const B = x.shape[0] as number;
    const A = this.nActions;
    const N = this.nAtoms;
    const torso = this.torso.map((l) => this.params(l, noise));
    if (!this.dueling) {
      const outT = columnStack(featsT, [...torso, ...this.headA.map((l) => this.params(l, noise))], { inputGrad: conv });
      const out = tf.transpose(outT) as tf.Tensor2D;
      return N === 1 ? out : (tf.reshape(out, [B, A, N]) as tf.Tensor3D);
    }
    const hT = torso.length ? columnStack(featsT, torso, { inputGrad: conv }) : featsT;
    const hGrad = torso.length > 0 || conv;
    const v = tf.transpose(
      columnStack(
        hT,
        this.headV.map((l) => this.params(l, noise)),
        { inputGrad: hGrad },
      ),
    ) as tf.Tensor2D;
    const a = tf.transpose(
      columnStack(
        hT,
        this.headA.map((l) => this.params(l, noise)),
        { inputGrad: hGrad },
      ),
    ) as tf.Tensor2D;
    if (N === 1) return duelingCombine(v, a);
    return duelingCombine(tf.reshape(v, [B, 1, N]) as tf.Tensor3D, tf.reshape(a, [B, A, N]) as tf.Tensor3D);
  }

  /** Q-values [B, A] from `forward`'s output (expectation over the support for C51). */
  static qValues(out: tf.Tensor2D | tf.Tensor3D, support: tf.Tensor1D | undefined): tf.Tensor2D {
    if (out.rank === 2) return out as tf.Tensor2D;
    return tf.sum(tf.mul(tf.softmax(out), support as tf.Tensor1D), 2) as tf.Tensor2D;
  }

  // ------------------------------------------------------------------ host evaluation

  /** Whether `hostForward` can evaluate this network (vector observations). */
  get hostCapable(): boolean {
    return this.cnn === undefined;
  }

  private syncHost(): Float32Array[] {
    if (this.host && this.hostVersion === this.version) return this.host;
    const flat = tf.tidy(() => tf.concat(this.vars.map((v) => tf.reshape(v, [-1]))));
    const data = flat.dataSync() as Float32Array;
    flat.dispose();
    const out: Float32Array[] = [];
    let o = 0;
    for (const v of this.vars) {
      out.push(data.slice(o, o + v.size));
      o += v.size;
    }
    this.host = out;
    this.hostVersion = this.version;
    return out;
  }

  /**
   * Q-values [B·A] of `B` observations (rows of obsDim) computed on the host. `noise` adds the
   * layers' current factorised noise: x·(μ + σ⊙f(ε_in)f(ε_out)ᵀ) = x·μ + f(ε_out) ⊙ ((x⊙f(ε_in))·σ).
   */
  hostForward(obs: Float32Array, B: number, noise: boolean, support?: Float32Array): Float32Array {
    if (!this.hostCapable) throw new Error(`${this.name}: hostForward needs vector observations`);
    const host = this.syncHost();
    let vi = 0;
    const next = () => host[vi++] as Float32Array;
    const run = (x: Float32Array, l: Linear): Float32Array => {
      const w = next();
      const b = next();
      const sw = l.sigmaW ? next() : undefined;
      const sb = l.sigmaW ? next() : undefined;
      const p = l.inDim;
      const q = l.outDim;
      const y = new Float32Array(B * q);
      const useNoise = noise && sw !== undefined;
      const fIn = l.fIn as Float32Array;
      const fOut = l.fOut as Float32Array;
      for (let r = 0; r < B; r++) {
        const yo = r * q;
        const xo = r * p;
        for (let j = 0; j < q; j++) {
          // weights [out, in]: row j is contiguous
          const wo = j * p;
          let acc = b[j] as number;
          let accN = 0;
          for (let i = 0; i < p; i++) acc += (w[wo + i] as number) * (x[xo + i] as number);
          if (useNoise) {
            const so = sw as Float32Array;
            for (let i = 0; i < p; i++) accN += (so[wo + i] as number) * (fIn[i] as number) * (x[xo + i] as number);
            acc += (fOut[j] as number) * (accN + ((sb as Float32Array)[j] as number));
          }
          y[yo + j] = l.relu && acc < 0 ? 0 : acc;
        }
      }
      return y;
    };
    let h = obs;
    for (const l of this.torso) h = run(h, l);
    const A = this.nActions;
    const N = this.nAtoms;
    let logits: Float32Array;
    if (this.dueling) {
      let v: Float32Array = h;
      for (const l of this.headV) v = run(v, l);
      let a: Float32Array = h;
      for (const l of this.headA) a = run(a, l);
      logits = new Float32Array(B * A * N);
      for (let r = 0; r < B; r++) {
        for (let k = 0; k < N; k++) {
          let mean = 0;
          for (let j = 0; j < A; j++) mean += a[(r * A + j) * N + k] as number;
          mean /= A;
          for (let j = 0; j < A; j++) logits[(r * A + j) * N + k] = (v[r * N + k] as number) + (a[(r * A + j) * N + k] as number) - mean;
        }
      }
    } else {
      logits = h;
      for (const l of this.headA) logits = run(logits, l);
    }
    if (N === 1) return logits;
    const z = support as Float32Array;
    const q = new Float32Array(B * A);
    for (let r = 0; r < B * A; r++) {
      let mx = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < N; k++) mx = Math.max(mx, logits[r * N + k] as number);
      let s = 0;
      let e = 0;
      for (let k = 0; k < N; k++) {
        const p = Math.exp((logits[r * N + k] as number) - mx);
        s += p;
        e += p * (z[k] as number);
      }
      q[r] = e / s;
    }
    return q;
  }

  // ------------------------------------------------------------------ weights

  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.names.forEach((n, i) => {
      out[n] = (this.vars[i] as tf.Variable).clone();
    });
    return out;
  }

  /** Variables by stable name (for checkpoints; not copies). */
  namedVariables(prefix = ''): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    this.names.forEach((n, i) => {
      out[prefix + n] = this.vars[i] as tf.Variable;
    });
    return out;
  }

  setWeights(weights: Record<string, tf.Tensor>, prefix = ''): void {
    this.names.forEach((n, i) => {
      const t = weights[prefix + n];
      const v = this.vars[i] as tf.Variable;
      if (!t) throw new RangeError(`${this.name}.setWeights: missing weight ${prefix + n}`);
      if (t.shape.join(',') !== v.shape.join(',')) {
        throw new RangeError(`${this.name}.setWeights: ${prefix + n} has shape [${t.shape}], expected [${v.shape}]`);
      }
    });
    this.names.forEach((n, i) => (this.vars[i] as tf.Variable).assign(weights[prefix + n] as tf.Tensor));
    this.version++;
  }

  dispose(): void {
    for (const v of this.vars.slice(this.nConvVars)) v.dispose();
    this.cnn?.dispose();
    for (const l of this.noisyLayers) {
      l.epsW?.dispose();
      l.epsB?.dispose();
    }
  }
}
