import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Env } from '@tfrl/core';
import { make, makeVec } from '@tfrl/envs';
import { RecordVideo, hasFfmpeg } from '@tfrl/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './commands/eval';
import { trainCommand } from './commands/train';
import { registerAll } from './index';

const ffmpeg = hasFfmpeg();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-video-cli-'));
let log: ReturnType<typeof vi.spyOn>;
let runDir = '';

beforeAll(async () => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const res = await trainCommand([
    'ppo',
    'CartPole-v1',
    '--steps',
    '256',
    '--seed',
    '1',
    '--backend',
    'wasm',
    '--logdir',
    tmp,
    '--set',
    'n_epochs=1',
    '--quiet',
  ]);
  runDir = res!.runDir;
}, 120_000);
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function printed(): string {
  return log.mock.calls.map((c) => c.join(' ')).join('\n');
}

function withFfmpeg<T>(value: string, f: () => Promise<T>): Promise<T> {
  const old = process.env.TFRL_FFMPEG;
  process.env.TFRL_FFMPEG = value;
  return f().finally(() => {
    if (old === undefined) Reflect.deleteProperty(process.env, 'TFRL_FFMPEG');
    else process.env.TFRL_FFMPEG = old;
  });
}

describe('tfrl eval --video', () => {
  it.skipIf(!ffmpeg)('writes the first episode as MP4 (and GIF alongside)', async () => {
    const mp4 = path.join(tmp, 'ep.mp4');
    const gif = path.join(tmp, 'ep.gif');
    await evalCommand([runDir, '--episodes', '1', '--video', mp4, '--gif', gif, '--fps', '50', '--backend', 'wasm']);
    const bytes = fs.readFileSync(mp4);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(fs.readFileSync(gif).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const frames = Number(/Wrote (\d+) frames to .*ep\.mp4/.exec(printed())?.[1]);
    expect(frames).toBeGreaterThan(1);
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames,r_frame_rate', '-of', 'json', mp4],
      {
        encoding: 'utf8',
      },
    );
    if (!probe.error) {
      const s = JSON.parse(probe.stdout).streams[0];
      expect([s.width, s.height, Number(s.nb_read_frames), s.r_frame_rate]).toEqual([600, 400, frames, '50/1']);
    }
    await expect(evalCommand([runDir, '--video', mp4])).rejects.toThrow(/ep\.mp4 exists; give --force to replace it/);
  });

  it('writes a GIF through --video without ffmpeg', async () => {
    const gif = path.join(tmp, 'v.gif');
    await withFfmpeg('/nonexistent/ffmpeg', () => evalCommand([runDir, '--episodes', '1', '--video', gif, '--backend', 'wasm']));
    expect(fs.readFileSync(gif).subarray(0, 6).toString('latin1')).toBe('GIF89a');
  });

  it('says to install ffmpeg or use --gif when ffmpeg is missing, before evaluating', async () => {
    const mp4 = path.join(tmp, 'none.mp4');
    await expect(withFfmpeg('/nonexistent/ffmpeg', () => evalCommand([runDir, '--video', mp4, '--backend', 'wasm']))).rejects.toThrow(
      /tfrl eval --video: MP4 output needs ffmpeg, which was not found .*apt-get install ffmpeg.*or write a GIF with --gif out\.gif/s,
    );
    expect(fs.existsSync(mp4)).toBe(false);
  });

  it('validates --video and --fps', async () => {
    await expect(evalCommand([runDir, '--video', path.join(tmp, 'a.avi')])).rejects.toThrow(/--video must name a \.mp4 \(or \.gif\) file/);
    await expect(evalCommand([runDir, '--video', ''])).rejects.toThrow(/--video needs a non-empty value/);
    await expect(evalCommand([runDir, '--video', path.join(tmp, 'a.gif'), '--gif', path.join(tmp, 'a.gif')])).rejects.toThrow(
      /--gif and --video name the same file/,
    );
    await expect(evalCommand([runDir, '--gif', path.join(tmp, 'b.gif'), '--fps', '0'])).rejects.toThrow(
      /--fps must be an integer from 1 to 240, got "0"/,
    );
    await expect(evalCommand([runDir, '--video', path.join(runDir, 'model', 'x.gif')])).rejects.toThrow(
      /--video .* is inside the checkpoint/,
    );
  });
});

describe('RecordVideo around tfrl envs', () => {
  it('is an Env and records every N-th episode of one copy in makeVec', () => {
    const folder = path.join(tmp, 'videos');
    const single: Env<Float32Array, number> = new RecordVideo(make('CartPole-v1'), { folder: path.join(tmp, 'single'), every: 1 });
    single.reset({ seed: 0 });
    single.step(0);
    single.close();
    expect(fs.readdirSync(path.join(tmp, 'single'))).toEqual(['rl-video-episode-0.gif']);

    let made = 0;
    const vec = makeVec('CartPole-v1', 2, {
      seed: 0,
      vectorization: 'sync',
      wrappers: [(e) => (made++ === 0 ? new RecordVideo(e, { folder, every: 2, videoLength: 40 }) : e)],
    });
    vec.reset();
    const actions = new Int32Array(2);
    let episodes = 0;
    for (let t = 0; t < 2000 && episodes < 5; t++) {
      actions[0] = t % 3 === 0 ? 1 : 0;
      actions[1] = t % 2;
      const r = vec.step(actions);
      if (r.terminated[0] || r.truncated[0]) episodes++;
    }
    vec.close();
    expect(episodes).toBe(5);
    // Only env 0 records: episodes 0, 2 and 4 (the auto-reset after episode 4 starts 5, not recorded).
    expect(fs.readdirSync(folder).sort()).toEqual(['rl-video-episode-0.gif', 'rl-video-episode-2.gif', 'rl-video-episode-4.gif']);
  });
});
