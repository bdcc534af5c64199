import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Gan, NormalizingFlow, Vae, loadFlow } from '@tfrl/generative';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultMnistDir, genCommand } from './commands/gen';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-gen-'));
const MNIST = defaultMnistDir();
const hasMnist = fs.existsSync(path.join(MNIST, 't10k-images-idx3-ubyte.gz'));
let log: ReturnType<typeof vi.spyOn>;
const spyOnStdout = () => vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
let out: ReturnType<typeof spyOnStdout>;

beforeAll(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'info').mockImplementation(() => {});
  out = spyOnStdout();
});
afterEach(() => {
  out.mockClear();
  log.mockClear();
});
afterAll(() => {
  vi.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** What the console sink wrote (the progress line, tables). */
function written(): string {
  return out.mock.calls.map((c: unknown[]) => String(c[0])).join('');
}

/** A fresh --logdir that does not exist yet. */
let nLogdirs = 0;
function logdir(): string {
  return path.join(tmp, `runs-${nLogdirs++}`);
}

interface JsonlRecord {
  type: string;
  tag: string;
  step: number;
  value?: number;
  path?: string;
}
function records(runDir: string): JsonlRecord[] {
  return fs
    .readFileSync(path.join(runDir, 'progress.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonlRecord);
}

const vaeArgs = (...more: string[]) => [
  'train',
  'vae',
  '--limit',
  '300',
  '--epochs',
  '1',
  '--batch-size',
  '32',
  '--backend',
  'wasm',
  ...more,
];
const flowArgs = (...more: string[]) => [
  'train',
  'flow',
  '--steps',
  '30',
  '--blocks',
  '1',
  '--batch-size',
  '64',
  '--backend',
  'wasm',
  ...more,
];

describe('tfrl gen train: options (item 8) and no run directory on failure (item 3)', () => {
  const bad: Array<[string[], RegExp]> = [
    [['vae', '--epochs', '1.5'], /--epochs must be an integer, got "1.5"/],
    [['vae', '--epochs=-1'], /--epochs must be an integer from 1 to 100000, got "-1"/],
    [['vae', '--epochs', '-1'], /'--epochs' argument is ambiguous/],
    [['vae', '--epochs', '0'], /--epochs must be an integer from 1/],
    [['vae', '--latent', ''], /--latent needs a value/],
    [['vae', '--latent', 'two'], /--latent must be an integer, got "two"/],
    [['vae', '--latent', '100000'], /--latent must be an integer from 1 to 1024/],
    [['gan', '--batch-size', '1e9'], /--batch-size must be an integer from 2 to 65536/],
    [['vae', '--lr', '0'], /--lr must be a number above 0 and at most 1, got "0"/],
    [['vae', '--lr', 'fast'], /--lr must be a number above 0/],
    [['dcgan', '--lr', '1e5'], /--lr must be a number above 0 and at most 1, got "1e5"/],
    [['vae', '--seed=-3'], /--seed must be an integer from 0 to 4294967295/],
    [['vae', '--limit', '0'], /--limit must be an integer from 1/],
    [['vae', '--limit', '1e12'], /--limit must be an integer from 1 to 100000000/],
    [['vae', '--data-dir', ''], /--data-dir needs a non-empty value/],
    [['vae', '--logdir', ' '], /--logdir needs a non-empty value/],
    [['vae', '--backend', 'gpu'], /--backend must be auto, tensorflow-gpu, tensorflow, wasm or cpu, got "gpu"/],
    [['vae', '--dataset', 'cifar'], /--dataset must be mnist, got "cifar"/],
    [['vae', '--steps', '10'], /--steps applies to flow runs only/],
    [['gan', '--model', 'glow'], /--model applies to flow runs only/],
    [['flow', '--epochs', '1'], /--epochs applies to vae, gan and dcgan runs only/],
    [['flow', '--limit', '100'], /--limit applies to vae, gan and dcgan runs only/],
    [['flow', '--steps', '0'], /--steps must be an integer from 1/],
    [['flow', '--steps', '2.5'], /--steps must be an integer, got "2.5"/],
    [['flow', '--blocks', '1000'], /--blocks must be an integer from 1 to 64/],
    [['flow', '--batch-size', '1'], /--batch-size must be an integer from 2/],
    [['flow', '--noise=-1'], /--noise must be a number from 0 to 10/],
    [['flow', '--noise', 'NaN'], /--noise must be a number from 0 to 10, got "NaN"/],
    [['flow', '--model', 'maf'], /--model must be glow, realnvp or affine, got "maf"/],
    [['flow', '--dataset', 'mnist'], /--dataset must be moons, circles or checkerboard/],
    [['flow', '--model', 'affine', '--blocks', '2'], /--blocks does not apply to --model affine/],
    [['flow', '--dataset', 'checkerboard', '--noise', '0.1'], /--noise does not apply to --dataset checkerboard/],
  ];
  it.each(bad)('gen train %j fails naming the option and writes nothing', async (args, message) => {
    const root = logdir();
    const argv = args.includes('--logdir') ? args : [...args, '--logdir', root];
    await expect(genCommand(['train', ...argv])).rejects.toThrow(message);
    expect(fs.existsSync(root)).toBe(false);
  });

  it('exits with status 1 and the message from the tfrl command, before any run directory exists', async () => {
    const root = logdir();
    const bin = path.resolve(__dirname, '..', 'bin', 'tfrl.js');
    const run = promisify(execFile)(process.execPath, [bin, 'gen', 'train', 'vae', '--epochs', '0', '--logdir', root]);
    const err = await run.then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/^tfrl: --epochs must be an integer from 1 to 100000, got "0"$/m);
    expect(fs.existsSync(root)).toBe(false);
  });
});

describe('tfrl gen train: MNIST data (items 1 and 2)', () => {
  it('defaults --data-dir to an absolute path at <repo>/../shared/data/mnist', () => {
    expect(path.isAbsolute(MNIST)).toBe(true);
    expect(MNIST).toBe(path.resolve(__dirname, '../../../../shared/data/mnist'));
  });

  it('names a missing or empty --data-dir and how to point it at MNIST IDX files', async () => {
    const root = logdir();
    const missing = path.join(tmp, 'no-mnist-here');
    await expect(genCommand([...vaeArgs('--data-dir', missing, '--logdir', root)])).rejects.toThrow(
      new RegExp(
        `MNIST directory not found: ${missing}; point --data-dir at a folder holding the MNIST IDX files \\(train-images-idx3-ubyte`,
      ),
    );
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    await expect(genCommand([...vaeArgs('--data-dir', empty, '--logdir', root)])).rejects.toThrow(
      /empty-\w+ holds no MNIST IDX files; point --data-dir at a folder holding the MNIST IDX files/,
    );
    expect(fs.existsSync(root)).toBe(false);
  });

  it.runIf(hasMnist)('finds the default data from any working directory', async () => {
    const cwd = process.cwd();
    const root = logdir();
    process.chdir(os.tmpdir());
    try {
      const res = await genCommand([...vaeArgs('--logdir', root)]);
      expect(fs.existsSync(path.join(res!.runDir, 'model', 'manifest.json'))).toBe(true);
      const config = JSON.parse(fs.readFileSync(path.join(res!.runDir, 'config.json'), 'utf8'));
      expect(config.dataDir).toBe(MNIST);
    } finally {
      process.chdir(cwd);
    }
  });

  it.runIf(hasMnist)('holds out 10% of a small --limit, and names --limit and the minimum when it is too small', async () => {
    const root = logdir();
    const res = await genCommand(['train', 'vae', '--limit', '1000', '--epochs', '1', '--backend', 'wasm', '--logdir', root]);
    const config = JSON.parse(fs.readFileSync(path.join(res!.runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ limit: 1000, trainImages: 900, heldOutImages: 100, batchSize: 128, totalSteps: 7 });
    const tiny = logdir();
    await expect(genCommand(['train', 'vae', '--limit', '100', '--backend', 'wasm', '--logdir', tiny])).rejects.toThrow(
      /--limit 100 leaves 100 images, too few to hold out 10% and train on batches of 128; give --limit 142 or more \(or a smaller --batch-size\)/,
    );
    await expect(genCommand(['train', 'gan', '--limit', '50', '--backend', 'wasm', '--logdir', tiny])).rejects.toThrow(
      /--limit 50 leaves 50 images, too few .* batches of 64; give --limit 71 or more/,
    );
    expect(fs.existsSync(tiny)).toBe(false);
  });
});

describe.runIf(hasMnist)('tfrl gen train: runs like the RL runs (items 4 to 7)', () => {
  it('VAE: one step axis, the −ELBO on the progress line, the model in <run>/model', async () => {
    const res = await genCommand([...vaeArgs('--logdir', logdir())]);
    const runDir = res!.runDir;
    // 300 images: 30 held out, 270 train → 8 batches of 32.
    const recs = records(runDir);
    const steps = (tag: string) => recs.filter((r) => r.tag === tag).map((r) => r.step);
    expect(steps('epoch/train_loss')).toEqual([8]);
    expect(steps('eval/neg_elbo')).toEqual([8]);
    expect(steps('time/examples_per_s')).toEqual([8]);
    expect(steps('vae/samples')).toEqual([0, 8]);
    expect(recs.find((r) => r.tag === 'epoch/epoch')).toMatchObject({ step: 8, value: 1 });
    expect(Math.max(...recs.map((r) => r.step))).toBe(8);
    const text = written();
    expect(text).toMatch(/step 8\/8 \(100\.0%\) .*\| loss - \| −ELBO \d+(\.\d+)?/);
    expect(text).not.toMatch(/return/);
    const files = fs.readdirSync(runDir);
    expect(files).toEqual(expect.arrayContaining(['model', 'samples_epoch_000.png', 'samples_epoch_001.png', 'recon_epoch_001.png']));
    expect(files).not.toContain('checkpoint');
    const vae = await Vae.load(path.join(runDir, 'model'));
    expect(vae.steps).toBe(8);
    vae.dispose();
  });

  it('GAN and DCGAN: d/g losses on the progress line, epoch summaries on the step axis, the model in <run>/model', async () => {
    for (const model of ['gan', 'dcgan']) {
      out.mockClear();
      const res = await genCommand([
        'train',
        model,
        '--limit',
        '200',
        '--epochs',
        '1',
        '--batch-size',
        '60',
        '--latent',
        '8',
        '--backend',
        'wasm',
        '--logdir',
        logdir(),
      ]);
      const runDir = res!.runDir;
      // 200 images: 20 held out, 180 train → 3 steps of 60.
      const recs = records(runDir);
      expect(recs.filter((r) => r.tag.startsWith('epoch/')).every((r) => r.step === 3)).toBe(true);
      expect(recs.filter((r) => r.tag === 'gan/samples').map((r) => r.step)).toEqual([0, 3]);
      expect(written()).toMatch(/step 3\/3 .*\| d_loss - \| g_loss -/); // step losses are logged every 50 steps
      expect(written()).not.toMatch(/return/);
      expect(fs.readdirSync(runDir)).toEqual(expect.arrayContaining(['model', 'samples_epoch_001.png']));
      expect(fs.existsSync(path.join(runDir, 'checkpoint'))).toBe(false);
      const gan = await Gan.load(runDir);
      expect(gan.options.architecture).toBe(model === 'gan' ? 'mlp' : 'dcgan');
      gan.dispose();
    }
  });
});

describe('tfrl gen train flow (items 4, 6, 7)', () => {
  it('writes data, sample and density PNGs, logs them as images, shows the NLL and saves <run>/model', async () => {
    const res = await genCommand([...flowArgs('--logdir', logdir())]);
    const runDir = res!.runDir;
    const files = fs.readdirSync(runDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'model',
        'data.png',
        'samples_step_000000.png',
        'density_step_000000.png',
        'samples_step_000030.png',
        'density_step_000030.png',
      ]),
    );
    for (const f of files.filter((n) => n.endsWith('.png'))) {
      expect(fs.readFileSync(path.join(runDir, f)).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    const images = records(runDir).filter((r) => r.type === 'image');
    expect(images.map((r) => `${r.tag}@${r.step}`).sort()).toEqual(
      ['flow/data@0', 'flow/density@0', 'flow/density@30', 'flow/samples@0', 'flow/samples@30'].sort(),
    );
    for (const r of images) expect(fs.existsSync(path.join(runDir, r.path as string))).toBe(true);
    expect(written()).toMatch(/step 30\/30 .*\| nll - \| held-out nll \d/);
    expect(written()).not.toMatch(/return/);
    const loaded = await loadFlow(runDir);
    expect(loaded.manifest.counters.numUpdates).toBe(30);
    loaded.flow.dispose();
    for (const t of Object.values(loaded.optimizerState ?? {})) t.dispose();
  });
});

describe('tfrl gen train: a non-finite loss (item 9)', () => {
  it('flow: the error propagates out of the CLI and no model is saved', async () => {
    const original = NormalizingFlow.prototype.trainingLoss;
    let calls = 0;
    const spy = vi.spyOn(NormalizingFlow.prototype, 'trainingLoss').mockImplementation(function (this: NormalizingFlow, x) {
      const loss = original.call(this, x);
      if (++calls < 10) return loss;
      return tf.tidy(() => tf.mul(loss, Number.NaN)) as tf.Scalar;
    });
    const root = logdir();
    try {
      await expect(genCommand([...flowArgs('--logdir', root)])).rejects.toThrow(
        /loss is NaN at step 10; .*training stopped, parameters rolled back to step 8, no checkpoint written/,
      );
    } finally {
      spy.mockRestore();
    }
    const [runDir] = fs.readdirSync(path.join(root, 'moons')).map((d) => path.join(root, 'moons', d));
    expect(fs.existsSync(path.join(runDir!, 'model'))).toBe(false);
    expect(fs.readdirSync(runDir!)).not.toContain('samples_step_000030.png');
  });

  it.runIf(hasMnist)('VAE: the error propagates out of the CLI and no model is saved', async () => {
    const original = Vae.prototype.trainStep;
    let calls = 0;
    const spy = vi.spyOn(Vae.prototype, 'trainStep').mockImplementation(function (this: Vae, x) {
      if (++calls < 3) return original.call(this, x);
      const bad = tf.mul(x, Number.NaN) as tf.Tensor2D;
      try {
        return original.call(this, bad);
      } finally {
        bad.dispose();
      }
    });
    const root = logdir();
    try {
      await expect(genCommand([...vaeArgs('--logdir', root)])).rejects.toThrow(
        /VAE: train\/recon became NaN at step 3 \(training diverged/,
      );
    } finally {
      spy.mockRestore();
    }
    const [runDir] = fs.readdirSync(path.join(root, 'mnist')).map((d) => path.join(root, 'mnist', d));
    expect(fs.existsSync(path.join(runDir!, 'model'))).toBe(false);
  });
});
