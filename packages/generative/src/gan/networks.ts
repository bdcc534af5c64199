/**
 * Generator / discriminator networks.
 * - MLP GAN (Goodfellow et al. 2014): LeakyReLU(0.2) hidden layers, tanh image output, one logit.
 * - DCGAN (Radford et al. 2016): the generator projects z to a small base×base map, then stride-2
 *   transposed convolutions (kernel 4, 'same') with batch norm and ReLU double the size up to the
 *   image, tanh output; the discriminator mirrors it with stride-2 convolutions, batch norm (not
 *   on the first layer) and LeakyReLU(0.2), then one logit. 28×28 (base 7) and 64×64 (base 4).
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng, conv2dFast, conv2dTransposeFast, dense } from '@tfrl/core';
import { BatchNorm, ParamStore, lrelu, tanhFast } from './layers';

export interface GanNetwork {
  readonly store: ParamStore;
  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D;
  readonly trainableVariables: tf.Variable[];
  dispose(): void;
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

const imageSize = (s: ImageShape) => s.height * s.width * s.channels;

export interface MlpGanOptions {
  latentDim: number;
  image: ImageShape;
  hiddenSizes?: number[];
  rng: Rng;
}

/**
 * Dense layers with LeakyReLU between them, He-normal weights, zero biases: the body of both MLP
 * GAN networks, which differ in their sizes, their output (tanh or raw logits) and whether the
 * gradient flows back into their input.
 */
class MlpGanNet implements GanNetwork {
  readonly store: ParamStore;
  private readonly layers: { w: tf.Variable; b: tf.Variable }[] = [];

  constructor(
    name: string,
    dims: number[],
    rng: MlpGanOptions['rng'],
    private readonly tanhOutput: boolean,
    private readonly inputGrad: boolean,
  ) {
    this.store = new ParamStore(name);
    for (let i = 0; i + 1 < dims.length; i++) {
      const fanIn = dims[i] as number;
      this.layers.push({
        w: this.store.normal(`l${i}/w`, [fanIn, dims[i + 1] as number], rng, Math.sqrt(2 / fanIn)),
        b: this.store.constant(`l${i}/b`, [dims[i + 1] as number], 0),
      });
    }
  }

  apply(x: tf.Tensor2D, _training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((l, i) => {
        const y = dense(h, l.w as tf.Tensor2D, l.b as tf.Tensor1D, 'identity', { inputGrad: this.inputGrad || i > 0 });
        if (i + 1 < this.layers.length) h = lrelu(y);
        else h = this.tanhOutput ? tanhFast(y) : y;
      });
      return h;
    });
  }

  get trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables;
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** z [batch, latent] → images [batch, H·W·C] in [−1, 1] (no gradient into z). */
export class MlpGenerator extends MlpGanNet {
  constructor(o: MlpGanOptions) {
    super('gen', [o.latentDim, ...(o.hiddenSizes ?? [256, 512]), imageSize(o.image)], o.rng, true, false);
  }
}

/** images [batch, H·W·C] → logits [batch, 1] (differentiable in the images, for the generator's loss). */
export class MlpDiscriminator extends MlpGanNet {
  constructor(o: MlpGanOptions) {
    super('disc', [imageSize(o.image), ...(o.hiddenSizes ?? [512, 256]), 1], o.rng, false, true);
  }
}

export interface DcganOptions {
  latentDim: number;
  image: ImageShape;
  /** Width of the last generator / first discriminator conv layer (doubles per level; default 64). */
  baseFilters?: number;
  rng: Rng;
}

/** How many stride-2 levels take `size` down to a base ≤ 7 (28 → 7: 2 levels; 64 → 4: 4 levels). */
export function dcganLevels(size: number): { levels: number; base: number } {
  let levels = 0;
  let s = size;
  while (s > 7) {
    if (s % 2 !== 0) throw new RangeError(`DCGAN: image size ${size} must be base·2^k with base ≤ 7 (e.g. 28, 32, 64)`);
    s /= 2;
    levels++;
  }
  if (levels === 0) throw new RangeError(`DCGAN: image size ${size} is too small (need at least 8)`);
  return { levels, base: s };
}

const K = 4;

export class DcganGenerator implements GanNetwork {
  readonly store = new ParamStore('gen');
  private readonly proj: { w: tf.Variable; b: tf.Variable; bn: BatchNorm };
  private readonly ups: { w: tf.Variable; b: tf.Variable; bn?: BatchNorm; outC: number; outSize: number }[] = [];
  private readonly base: number;
  private readonly baseC: number;
  readonly image: ImageShape;

  constructor(o: DcganOptions) {
    if (o.image.height !== o.image.width) throw new RangeError(`DCGAN: square images only, got ${o.image.height}×${o.image.width}`);
    this.image = o.image;
    const { levels, base } = dcganLevels(o.image.height);
    const nf = o.baseFilters ?? 64;
    this.base = base;
    this.baseC = nf * 2 ** (levels - 1);
    const projDim = base * base * this.baseC;
    this.proj = {
      w: this.store.normal('proj/w', [o.latentDim, projDim], o.rng),
      b: this.store.constant('proj/b', [projDim], 0),
      bn: new BatchNorm(this.store, 'proj/bn', this.baseC, o.rng),
    };
    let c = this.baseC;
    let size = base;
    for (let i = 0; i < levels; i++) {
      const last = i + 1 === levels;
      const outC = last ? o.image.channels : c / 2;
      size *= 2;
      // conv2dTranspose filters are [kh, kw, outChannels, inChannels].
      this.ups.push({
        w: this.store.normal(`up${i}/w`, [K, K, outC, c], o.rng),
        b: this.store.constant(`up${i}/b`, [outC], 0),
        bn: last ? undefined : new BatchNorm(this.store, `up${i}/bn`, outC, o.rng),
        outC,
        outSize: size,
      });
      c = outC;
    }
  }

  apply(z: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const n = z.shape[0];
      const p = dense(z, this.proj.w as tf.Tensor2D, this.proj.b as tf.Tensor1D, 'identity', { inputGrad: false });
      let h = tf.relu(this.proj.bn.apply(tf.reshape(p, [n, this.base, this.base, this.baseC]) as tf.Tensor4D, training));
      for (const u of this.ups) {
        const y = conv2dTransposeFast(h, u.w as tf.Tensor4D, u.b as tf.Tensor1D, [n, u.outSize, u.outSize, u.outC], 2, 'same');
        h = u.bn ? tf.relu(u.bn.apply(y, training)) : tanhFast(y);
      }
      return tf.reshape(h, [n, imageSize(this.image)]);
    });
  }

  get trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables;
  }

  dispose(): void {
    this.store.dispose();
  }
}

export class DcganDiscriminator implements GanNetwork {
  readonly store = new ParamStore('disc');
  private readonly downs: { w: tf.Variable; b: tf.Variable; bn?: BatchNorm }[] = [];
  private readonly head: { w: tf.Variable; b: tf.Variable };
  readonly image: ImageShape;

  constructor(o: DcganOptions) {
    if (o.image.height !== o.image.width) throw new RangeError(`DCGAN: square images only, got ${o.image.height}×${o.image.width}`);
    this.image = o.image;
    const { levels, base } = dcganLevels(o.image.height);
    const nf = o.baseFilters ?? 64;
    let c = o.image.channels;
    for (let i = 0; i < levels; i++) {
      const outC = nf * 2 ** i;
      this.downs.push({
        w: this.store.normal(`down${i}/w`, [K, K, c, outC], o.rng),
        b: this.store.constant(`down${i}/b`, [outC], 0),
        bn: i === 0 ? undefined : new BatchNorm(this.store, `down${i}/bn`, outC, o.rng),
      });
      c = outC;
    }
    const feat = base * base * c;
    this.head = { w: this.store.normal('head/w', [feat, 1], o.rng), b: this.store.constant('head/b', [1], 0) };
  }

  apply(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const n = x.shape[0];
      const { height, width, channels } = this.image;
      let h = tf.reshape(x, [n, height, width, channels]) as tf.Tensor4D;
      for (const d of this.downs) {
        const y = conv2dFast(h, d.w as tf.Tensor4D, d.b as tf.Tensor1D, 2, 'same');
        h = lrelu(d.bn ? d.bn.apply(y, training) : y);
      }
      const f = tf.reshape(h, [n, -1]) as tf.Tensor2D;
      return dense(f, this.head.w as tf.Tensor2D, this.head.b as tf.Tensor1D, 'identity');
    });
  }

  get trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables;
  }

  dispose(): void {
    this.store.dispose();
  }
}
