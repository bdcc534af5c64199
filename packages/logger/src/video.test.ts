import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GifReader } from 'omggif';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FfmpegNotFoundError,
  RecordVideo,
  type RecordableEnv,
  type VideoFrame,
  VideoRecorder,
  cappedCubicVideoSchedule,
  hasFfmpeg,
  openVideo,
  videoFormatOf,
  writeMp4,
  writeVideo,
} from './video';

const ffmpeg = hasFfmpeg();
const ffprobe = ffmpeg && !spawnSync('ffprobe', ['-version']).error;
const MISSING = '/nonexistent/tfrl-test/ffmpeg';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-video-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function frame(w: number, h: number, t: number, channels: 3 | 4 = 3): VideoFrame {
  const data = new Uint8Array(w * h * channels).fill(255);
  for (let y = 0; y < h; y++) {
    const x = t % w;
    data.set([200, 30, 30], (y * w + x) * channels);
  }
  return { width: w, height: h, data };
}

function probe(file: string): { width: number; height: number; codec_name: string; nb_read_frames: string } {
  const r = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,codec_name,nb_read_frames',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(r.stdout).streams[0];
}

/** A tiny env: episodes of `len` steps whose frames show the step index. */
class ToyEnv implements RecordableEnv {
  readonly observationSpace = 'box';
  readonly actionSpace = 'discrete';
  spec?: unknown;
  renders = 0;
  closed = false;
  private t = 0;
  constructor(private readonly len = 3) {}
  get unwrapped() {
    return this;
  }
  reset() {
    this.t = 0;
    return { obs: 0, info: {} };
  }
  step(_action: number) {
    this.t++;
    return { obs: this.t, reward: 1, terminated: this.t >= this.len, truncated: false, info: {} };
  }
  render() {
    this.renders++;
    return frame(8, 6, this.t);
  }
  close() {
    this.closed = true;
  }
}

function runEpisodes(env: { reset(): unknown; step(a: number): { terminated: boolean; truncated: boolean } }, n: number) {
  for (let e = 0; e < n; e++) {
    env.reset();
    for (;;) {
      const r = env.step(0);
      if (r.terminated || r.truncated) break;
    }
  }
}

describe('video writers', () => {
  it('tells formats from extensions', () => {
    expect(videoFormatOf('a/b.MP4')).toBe('mp4');
    expect(videoFormatOf('x.gif')).toBe('gif');
    expect(videoFormatOf('x.avi')).toBeUndefined();
    expect(() => openVideo(path.join(tmp, 'x.avi'))).toThrow(/\.gif or \.mp4/);
  });

  it('writes a GIF frame by frame and leaves no scratch files', () => {
    const dir = path.join(tmp, 'gif');
    const file = path.join(dir, 'a.gif');
    const w = openVideo(file, { fps: 25 });
    for (let t = 0; t < 4; t++) w.add(frame(10, 5, t, t % 2 === 0 ? 3 : 4));
    expect(w.finish()).toBe(4);
    const r = new GifReader(fs.readFileSync(file));
    expect([r.width, r.height, r.numFrames(), r.frameInfo(0).delay]).toEqual([10, 5, 4, 4]);
    expect(fs.readdirSync(dir)).toEqual(['a.gif']);
    expect(() => writeVideo(path.join(dir, 'b.gif'), [frame(10, 5, 0), frame(9, 5, 0)])).toThrow(/frame 1 is 9x5, frame 0 is 10x5/);
    expect(fs.readdirSync(dir)).toEqual(['a.gif']);
  });

  it('explains how to get ffmpeg when it is missing, before writing anything', () => {
    const file = path.join(tmp, 'missing', 'a.mp4');
    expect(() => writeMp4(file, [frame(8, 8, 0)], { ffmpeg: MISSING })).toThrow(FfmpegNotFoundError);
    expect(() => openVideo(file, { ffmpeg: MISSING })).toThrow(/needs ffmpeg, which was not found.*apt-get install ffmpeg.*GIF/s);
    expect(fs.existsSync(file)).toBe(false);
    expect(() => new VideoRecorder({ folder: tmp, format: 'mp4', ffmpeg: MISSING })).toThrow(
      /VideoRecorder: MP4 output needs ffmpeg.*format: 'gif'/s,
    );
  });

  it.skipIf(!ffmpeg)('writes an H.264/MPEG-4 MP4 through ffmpeg, padding odd sizes', () => {
    const dir = path.join(tmp, 'mp4');
    const file = path.join(dir, 'odd.mp4');
    expect(
      writeMp4(
        file,
        Array.from({ length: 12 }, (_, t) => frame(15, 9, t, t === 3 ? 4 : 3)),
        { fps: 10 },
      ),
    ).toBe(12);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(fs.readdirSync(dir)).toEqual(['odd.mp4']);
    if (ffprobe) {
      const s = probe(file);
      expect([s.width, s.height, Number(s.nb_read_frames)]).toEqual([16, 10, 12]);
      expect(['h264', 'mpeg4']).toContain(s.codec_name);
    }
    const mpeg4 = path.join(dir, 'm.mp4');
    writeVideo(mpeg4, [frame(16, 16, 0), frame(16, 16, 1)], { codec: 'mpeg4' });
    if (ffprobe) expect(probe(mpeg4).codec_name).toBe('mpeg4');
  });
});

describe('VideoRecorder and RecordVideo', () => {
  it('follows Gymnasium: capped cubic schedule by default', () => {
    const ids = Array.from({ length: 3001 }, (_, i) => i).filter(cappedCubicVideoSchedule);
    expect(ids).toEqual([0, 1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 2000, 3000]);
  });

  it('records every N-th episode as rl-video-episode-<id>, rendering only those', () => {
    const folder = path.join(tmp, 'every');
    const env = new ToyEnv(3);
    const seen: number[] = [];
    const wrapped = new RecordVideo(env, { folder, every: 2, fps: 10, onVideo: (v) => seen.push(v.episode) });
    runEpisodes(wrapped, 5);
    expect(fs.readdirSync(folder).sort()).toEqual(['rl-video-episode-0.gif', 'rl-video-episode-2.gif', 'rl-video-episode-4.gif']);
    expect(seen).toEqual([0, 2, 4]);
    expect(wrapped.recorder.videos.map((v) => v.frames)).toEqual([4, 4, 4]); // reset + 3 steps
    expect(env.renders).toBe(12);
    expect(new GifReader(fs.readFileSync(path.join(folder, 'rl-video-episode-2.gif'))).numFrames()).toBe(4);
    expect(wrapped.observationSpace).toBe('box');
    expect(wrapped.unwrapped).toBe(env);
    wrapped.close();
    expect(env.closed).toBe(true);
    expect(() => wrapped.recorder.startEpisode()).toThrow(/after close/);
  });

  it('cuts videos at videoLength, uses a custom trigger and prefix, and writes an unfinished episode at close', () => {
    const folder = path.join(tmp, 'custom');
    const env = new ToyEnv(10);
    const wrapped = new RecordVideo(env, { folder, episodeTrigger: (id) => id === 1, videoLength: 3, namePrefix: 'ppo' });
    runEpisodes(wrapped, 2);
    expect(wrapped.recorder.videos).toEqual([{ path: path.join(folder, 'ppo-episode-1.gif'), episode: 1, frames: 3 }]);
    expect(env.renders).toBe(3);
    const rec = new VideoRecorder({ folder, every: 1, namePrefix: 'open' });
    rec.startEpisode();
    rec.addFrame(frame(4, 4, 0));
    rec.addFrame(() => frame(4, 4, 1));
    expect(rec.close()).toEqual({ path: path.join(folder, 'open-episode-0.gif'), episode: 0, frames: 2 });
  });

  it.skipIf(!ffmpeg)('records MP4 episodes', () => {
    const folder = path.join(tmp, 'mp4-rec');
    const wrapped = new RecordVideo(new ToyEnv(5), { folder, format: 'mp4', every: 1 });
    runEpisodes(wrapped, 2);
    expect(fs.readdirSync(folder).sort()).toEqual(['rl-video-episode-0.mp4', 'rl-video-episode-1.mp4']);
    if (ffprobe) expect(Number(probe(path.join(folder, 'rl-video-episode-1.mp4')).nb_read_frames)).toBe(6);
  });

  it('names bad options', () => {
    expect(() => new VideoRecorder({ folder: '' })).toThrow(/folder must be a non-empty path/);
    expect(() => new VideoRecorder({ folder: tmp, every: 0 })).toThrow(/every must be a positive integer, got 0/);
    expect(() => new VideoRecorder({ folder: tmp, every: 2, episodeTrigger: () => true })).toThrow(/either every or episodeTrigger/);
    expect(() => new VideoRecorder({ folder: tmp, videoLength: 0 })).toThrow(/videoLength/);
    expect(() => new VideoRecorder({ folder: tmp, format: 'avi' as 'gif' })).toThrow(/format must be 'gif' or 'mp4'/);
    expect(() => new VideoRecorder({ folder: tmp, namePrefix: 'a/b' })).toThrow(/namePrefix/);
    expect(() => new VideoRecorder({ folder: tmp, fps: 0 })).toThrow(/fps/);
  });
});
