import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CheckpointData, loadCheckpoint, readCheckpointManifest, saveCheckpoint } from './checkpoint';

// The test-only crash hook of saveCheckpoint (see checkpoint-fs.ts).
const CHECKPOINT_CRASH_ENV = 'TFRL_CHECKPOINT_CRASH_AT';

// A pid above Linux's PID_MAX_LIMIT (2^22) and macOS's limit: no live process can have it, so
// leftovers named with it are those of a dead (crashed) save.
const DEAD_PID = 4_194_305;

/** Checkpoint `v`: every weight is `v`, the counters are multiples of `v`. The child builds the same. */
function data(v: number): CheckpointData {
  return {
    algorithm: 'PPO',
    hyperparameters: { learningRate: 0.001 },
    counters: { numTimesteps: 100 * v, numUpdates: v, episodes: v },
    tensors: {
      w: { dtype: 'float32', shape: [16, 16], data: new Float32Array(256).fill(v) },
      step: { dtype: 'int32', shape: [], data: Int32Array.of(v) },
    },
  };
}

const CHILD = `import { saveCheckpoint } from './checkpoint.mjs';
const [dir, value] = process.argv.slice(2);
const v = Number(value);
await saveCheckpoint(dir, {
  algorithm: 'PPO',
  hyperparameters: { learningRate: 0.001 },
  counters: { numTimesteps: 100 * v, numUpdates: v, episodes: v },
  tensors: {
    w: { dtype: 'float32', shape: [16, 16], data: new Float32Array(256).fill(v) },
    step: { dtype: 'int32', shape: [], data: Int32Array.of(v) },
  },
});
process.stdout.write('saved\\n');
`;

/** Which checkpoint `dir` holds (the value of its weights), checking that it is exactly that one. */
async function loadedValue(dir: string): Promise<number> {
  const { manifest, tensors } = await loadCheckpoint(dir);
  const v = tensors.step?.data[0] as number;
  expect(tensors.w?.data).toEqual(new Float32Array(256).fill(v));
  expect(manifest.counters).toEqual({ numTimesteps: 100 * v, numUpdates: v, episodes: v });
  return v;
}

let work: string;
let child: string;
beforeAll(async () => {
  // The child is plain Node on checkpoint.ts and the modules it imports, transpiled here (a tsx
  // child per crash is too slow).
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-ckpt-crash-'));
  const pending = ['checkpoint'];
  const done = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (done.has(name)) continue;
    done.add(name);
    const source = await fsp.readFile(new URL(`./${name}.ts`, import.meta.url), 'utf8');
    const js = ts
      .transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
      .outputText.replace(/(\bfrom\s+['"])\.\/([\w-]+)(['"])/g, (_, from: string, dep: string, quote: string) => {
        pending.push(dep);
        return `${from}./${dep}.mjs${quote}`;
      });
    expect(js, `${name}.ts may import only sibling modules at run time for this test`).not.toMatch(/\bfrom\s+['"]\.\.?\/(?![\w-]+\.mjs)/);
    await fsp.writeFile(path.join(work, `${name}.mjs`), js);
  }
  child = path.join(work, 'child.mjs');
  await fsp.writeFile(child, CHILD);
});
afterAll(async () => {
  await fsp.rm(work, { recursive: true, force: true });
});

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-ckpt-'));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Save checkpoint `value` to `dir` in a child process killed before file-system step `crashAt`. */
function saveInChild(dir: string, value: number, crashAt: number): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, [CHECKPOINT_CRASH_ENV]: String(crashAt) };
  Reflect.deleteProperty(env, 'NODE_OPTIONS');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, String(value)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * For n = 1, 2, …: prepare a fresh `<root>/<n>/model`, let a child save checkpoint 2 there and
 * die before its n-th file-system step, then `check` the result (in order of n); until a child
 * completes. Children run a few at a time. Returns the steps crashed at.
 */
async function crashAtEveryStep(
  prepare: (dir: string) => Promise<void>,
  check: (dir: string, step: string | null) => Promise<void>,
): Promise<string[]> {
  const steps: string[] = [];
  const batch = 2;
  for (let first = 1; first <= 100; first += batch) {
    const ns = Array.from({ length: batch }, (_, i) => first + i);
    const dirs = ns.map((n) => path.join(root, String(n), 'model'));
    for (const dir of dirs) {
      await fsp.mkdir(path.dirname(dir));
      await prepare(dir);
    }
    const results = await Promise.all(ns.map((n, i) => saveInChild(dirs[i] as string, 2, n)));
    for (const [i, r] of results.entries()) {
      const dir = dirs[i] as string;
      if (r.code === 0) {
        expect(r.stdout).toBe('saved\n');
        await check(dir, null);
        return steps;
      }
      expect(r.signal, `child exited with ${r.code}: ${r.stderr}`).toBe('SIGKILL');
      const m = /test crash before step (\d+) \((.*)\)/.exec(r.stderr);
      expect(m?.[1], r.stderr).toBe(String(ns[i]));
      steps.push(m?.[2] as string);
      await check(dir, m?.[2] as string);
    }
  }
  throw new Error('the save never completed');
}

/** Copy `<dir>`'s parent beside it, so the same crash state can be opened a second way. */
async function copyState(dir: string): Promise<string> {
  const parent = path.dirname(dir);
  await fsp.cp(parent, `${parent}-copy`, { recursive: true });
  return path.join(`${parent}-copy`, path.basename(dir));
}

describe('checkpoint saves killed at every file-system step', () => {
  it('over an existing checkpoint: the old or the new one always loads', async () => {
    let swapped = false; // true once the crash comes after the old checkpoint was moved away
    const steps = await crashAtEveryStep(
      (dir) => saveCheckpoint(dir, data(1)).then(() => {}),
      async (dir, step) => {
        if (step === null || step.startsWith('rename model.tmp-')) swapped = true;
        const expected = swapped ? 2 : 1;
        const copy = await copyState(dir);
        expect(await loadedValue(dir), `crash before ${step}`).toBe(expected);
        // readCheckpointManifest recovers too.
        expect((await readCheckpointManifest(copy)).counters.numTimesteps, `crash before ${step}`).toBe(100 * expected);
        expect(await loadedValue(copy)).toBe(expected);
        // The next successful save leaves nothing beside the checkpoint.
        await saveCheckpoint(dir, data(3));
        expect(await fsp.readdir(path.dirname(dir))).toEqual(['model']);
        expect(await loadedValue(dir)).toBe(3);
      },
    );
    expect(steps.map((s) => s.replace(/-\d+-[0-9a-f]{8}/g, '-*').replace(/^fsync \d+$/, 'fsync <parent>'))).toEqual([
      'create parent directory',
      'create model.tmp-*',
      'create weights.bin',
      'write weights.bin',
      'fsync weights.bin',
      'close weights.bin',
      'create manifest.json',
      'write manifest.json',
      'fsync manifest.json',
      'close manifest.json',
      'fsync model.tmp-*',
      'rename model to model.old-*',
      'rename model.tmp-* to model',
      'fsync <parent>',
      'remove model.old-*/manifest.json',
      'remove model.old-*',
    ]);
  });

  it('with leftovers of earlier crashed saves: recovers, then cleans up only those leftovers', async () => {
    const unrelated = ['model.old-1-ab', 'model.tmp-notes', 'model2.tmp-1-ab', 'other'];
    let swapped = false;
    const steps = await crashAtEveryStep(
      async (dir) => {
        const parent = path.dirname(dir);
        await saveCheckpoint(dir, data(1));
        // A complete older checkpoint and a temp directory whose save died before its manifest.
        await saveCheckpoint(path.join(parent, 'stage'), data(9));
        await fsp.rename(path.join(parent, 'stage'), `${dir}.old-${DEAD_PID}-0ddba115`);
        await fsp.mkdir(`${dir}.tmp-${DEAD_PID}-0badc0de`);
        await fsp.writeFile(path.join(`${dir}.tmp-${DEAD_PID}-0badc0de`, 'weights.bin'), new Uint8Array(100));
        // Not leftovers of this checkpoint: a file, an unrelated name, another checkpoint's, another directory.
        await fsp.writeFile(path.join(parent, 'model.old-1-ab'), 'a file');
        for (const name of unrelated.slice(1)) await fsp.mkdir(path.join(parent, name));
      },
      async (dir, step) => {
        if (step === null || step.startsWith('rename model.tmp-')) swapped = true;
        const expected = swapped ? 2 : 1;
        const copy = await copyState(dir);
        expect(await loadedValue(dir), `crash before ${step}`).toBe(expected);
        expect((await readCheckpointManifest(copy)).counters.numTimesteps, `crash before ${step}`).toBe(100 * expected);
        await saveCheckpoint(dir, data(3));
        expect((await fsp.readdir(path.dirname(dir))).sort()).toEqual(['model', ...unrelated].sort());
        expect(await loadedValue(dir)).toBe(3);
      },
    );
    expect(steps.slice(-2).map((s) => s.replace(/-\d+-[0-9a-f]{8}/g, '-*'))).toEqual([
      'remove leftover model.old-*',
      'remove leftover model.tmp-*',
    ]);
  });

  it('without an existing checkpoint: either nothing (a clear error) or the new one loads', async () => {
    let saved = false;
    const steps = await crashAtEveryStep(
      async () => {},
      async (dir, step) => {
        // Once its manifest is written, the temp directory is complete: loading recovers it.
        if (step === null || step === 'fsync manifest.json') saved = true;
        if (saved) {
          expect(await loadedValue(dir), `crash before ${step}`).toBe(2);
        } else {
          const tmp = (await fsp.readdir(path.dirname(dir))).find((n) => n.startsWith('model.tmp-'));
          const found = tmp ? `; no complete copy to recover from an interrupted save: found ${path.join(path.dirname(dir), tmp)} (` : '';
          await expect(loadCheckpoint(dir)).rejects.toThrow(`checkpoint ${dir}: directory not found${found}`);
          await expect(readCheckpointManifest(dir)).rejects.toThrow(`checkpoint ${dir}: directory not found${found}`);
        }
        await saveCheckpoint(dir, data(3));
        expect(await fsp.readdir(path.dirname(dir))).toEqual(['model']);
        expect(await loadedValue(dir)).toBe(3);
      },
    );
    expect(steps).toContain('fsync manifest.json');
    expect(steps.filter((s) => s.startsWith('rename model to '))).toEqual([]);
  });
});

describe('checkpoint recovery', () => {
  /** Save checkpoint `v` at `<root>/<name>` (e.g. a leftover's name). */
  async function saveAs(name: string, v: number): Promise<string> {
    const stage = path.join(root, 'stage');
    await saveCheckpoint(stage, data(v));
    await fsp.rename(stage, path.join(root, name));
    return path.join(root, name);
  }

  it('prefers the newest complete temp copy, then an old one, and never a copy failing its checksums', async () => {
    const dir = path.join(root, 'model');
    await saveAs(`model.old-${DEAD_PID}-00000001`, 1);
    await saveAs(`model.tmp-${DEAD_PID}-00000002`, 2);
    const damaged = await saveAs(`model.tmp-${DEAD_PID}-00000003`, 3);
    const raw = await fsp.readFile(path.join(damaged, 'weights.bin'));
    raw[7] = (raw[7] as number) ^ 1;
    await fsp.writeFile(path.join(damaged, 'weights.bin'), raw);
    expect(await loadedValue(dir)).toBe(2);
    expect(await fsp.readdir(root)).toEqual(['model']);

    await fsp.rename(dir, path.join(root, `model.old-${DEAD_PID}-00000004`));
    await saveAs(`model.tmp-${DEAD_PID}-00000005`, 5);
    await fsp.rm(path.join(root, `model.tmp-${DEAD_PID}-00000005`, 'manifest.json'));
    expect(await loadedValue(dir)).toBe(2);
    expect(await fsp.readdir(root)).toEqual(['model']);
  });

  it('says what it found when no copy is complete, and removes nothing', async () => {
    const dir = path.join(root, 'model');
    const old = await saveAs(`model.old-${DEAD_PID}-0000000a`, 1);
    await fsp.rm(path.join(old, 'manifest.json'));
    const tmp = await saveAs(`model.tmp-${DEAD_PID}-0000000b`, 2);
    const raw = await fsp.readFile(path.join(tmp, 'weights.bin'));
    await fsp.writeFile(path.join(tmp, 'weights.bin'), raw.subarray(0, 10));
    const message =
      `checkpoint ${dir}: directory not found; no complete copy to recover from an interrupted save: found ` +
      `${old} (manifest.json is missing (not a tfrl checkpoint?)), ` +
      `${tmp} (weights.bin is 10 bytes but manifest.json says 1028 (file truncated))`;
    await expect(loadCheckpoint(dir)).rejects.toThrow(message);
    await expect(readCheckpointManifest(dir)).rejects.toThrow(message);
    expect((await fsp.readdir(root)).sort()).toEqual([path.basename(old), path.basename(tmp)]);
  });

  it('replaces an empty or incomplete directory, keeping a damaged one aside as .corrupt-*', async () => {
    const dir = path.join(root, 'model');
    await fsp.mkdir(dir);
    await saveAs(`model.old-${DEAD_PID}-0000000c`, 1);
    expect(await loadedValue(dir)).toBe(1);
    expect(await fsp.readdir(root)).toEqual(['model']);

    await fsp.rm(path.join(dir, 'manifest.json'));
    await saveAs(`model.tmp-${DEAD_PID}-0000000d`, 2);
    expect((await readCheckpointManifest(dir)).counters.numTimesteps).toBe(200);
    const names = (await fsp.readdir(root)).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toBe('model');
    expect(names[1]).toMatch(/^model\.corrupt-\d+-[0-9a-f]{8}$/);
    expect(await fsp.readdir(path.join(root, names[1] as string))).toEqual(['weights.bin']);
    expect(await loadedValue(dir)).toBe(2);
  });

  it('does not replace a damaged directory that holds other files', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, data(1));
    await fsp.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(3));
    await fsp.writeFile(path.join(dir, 'notes.txt'), 'mine');
    const old = await saveAs(`model.old-${DEAD_PID}-0000000e`, 2);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `checkpoint ${dir}: weights.bin is 3 bytes but manifest.json says 1028 (file truncated) (a complete copy from an interrupted save is at ${old})`,
    );
    expect((await fsp.readdir(root)).sort()).toEqual(['model', path.basename(old)]);
  });

  it('a save leaves alone the directories of a save running in another live process', async () => {
    const sleeper: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const dir = path.join(root, 'model');
      const busy = `model.tmp-${sleeper.pid}-abcdef01`;
      await fsp.mkdir(path.join(root, busy));
      await fsp.mkdir(path.join(root, `model.tmp-${process.pid}-abcdef02`)); // this process, no save running
      await saveCheckpoint(dir, data(1));
      expect((await fsp.readdir(root)).sort()).toEqual(['model', busy]);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('rejects a malformed crash-hook setting', async () => {
    process.env[CHECKPOINT_CRASH_ENV] = 'soon';
    try {
      await expect(saveCheckpoint(path.join(root, 'model'), data(1))).rejects.toThrow(
        `${CHECKPOINT_CRASH_ENV} must be a positive integer, got "soon"`,
      );
    } finally {
      Reflect.deleteProperty(process.env, CHECKPOINT_CRASH_ENV);
    }
    expect(await fsp.readdir(root)).toEqual([]);
  });
});
