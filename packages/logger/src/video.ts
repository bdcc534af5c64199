/**
 * Videos of environment frames: animated GIF (gifenc, no external tools) or MP4 (through the
 * system's `ffmpeg`, fed raw RGB frames on stdin), written incrementally so a long episode is not
 * held in memory, and a {@link VideoRecorder} / {@link RecordVideo} pair that records every N-th
 * episode the way Gymnasium's `RecordVideo` wrapper does (`rl-video-episode-<n>.mp4`).
 */
// gifenc is CommonJS without types; its three functions are all we use.
import * as gifencModule from 'gifenc';
import {
  basename,
  closeSync,
  dirname,
  environment,
  extname,
  join,
  mkdirSync,
  openSync,
  processId,
  renameSync,
  resolve,
  rmSync,
  spawnSync,
  writeFileSync,
  writeSync,
} from './node-io';

/** An RGB (or RGBA, whose alpha is dropped) frame, row-major, row 0 at the top, as `Env.render()` returns. */
export interface VideoFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export type VideoFormat = 'gif' | 'mp4';

/** The video format of a file name from its extension (`.gif`, `.mp4`), or undefined. */
export function videoFormatOf(file: string): VideoFormat | undefined {
  const ext = extname(file).toLowerCase();
  return ext === '.gif' ? 'gif' : ext === '.mp4' ? 'mp4' : undefined;
}

// ---------------------------------------------------------------------------------------------
// ffmpeg discovery

/** What was found of an ffmpeg executable. */
export interface FfmpegInfo {
  /** The command or path that ran. */
  path: string;
  /** First line of `ffmpeg -version`. */
  version: string;
  /** Whether the H.264 encoder (libx264) is available; without it MP4s use the MPEG-4 part 2 encoder. */
  libx264: boolean;
  mpeg4: boolean;
}

/** The ffmpeg command used by default: `$TFRL_FFMPEG` when set, else `ffmpeg` on the PATH. */
export function defaultFfmpegPath(): string {
  const env = environment().TFRL_FFMPEG;
  return env !== undefined && env.trim() !== '' ? env : 'ffmpeg';
}

const ffmpegCache = new Map<string, FfmpegInfo | null>();

/** Runs `ffmpeg -version` and `-encoders` (once per path; cached); null when it cannot be run. */
export function findFfmpeg(ffmpeg = defaultFfmpegPath()): FfmpegInfo | null {
  const cached = ffmpegCache.get(ffmpeg);
  if (cached !== undefined) return cached;
  let info: FfmpegInfo | null = null;
  const version = spawnSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 15_000 });
  if (!version.error && version.status === 0) {
    const encoders = spawnSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 15_000, maxBuffer: 16 << 20 });
    const list = encoders.status === 0 ? encoders.stdout : '';
    info = {
      path: ffmpeg,
      version: (version.stdout.split('\n')[0] ?? '').trim(),
      libx264: /^\s*V\S*\s+libx264\s/m.test(list),
      mpeg4: /^\s*V\S*\s+mpeg4\s/m.test(list),
    };
  }
  ffmpegCache.set(ffmpeg, info);
  return info;
}

/** Whether ffmpeg can be run (see {@link findFfmpeg}). */
export function hasFfmpeg(ffmpeg = defaultFfmpegPath()): boolean {
  return findFfmpeg(ffmpeg) !== null;
}

/** How to get ffmpeg, for error messages. */
export const FFMPEG_INSTALL_HINT =
  'install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) or set TFRL_FFMPEG to its path';

/** Thrown when MP4 output is asked for and ffmpeg cannot be run. */
export class FfmpegNotFoundError extends Error {
  constructor(
    readonly ffmpeg: string,
    who = 'video',
    alternative = 'write a GIF instead',
  ) {
    super(`${who}: MP4 output needs ffmpeg, which was not found (tried "${ffmpeg}"); ${FFMPEG_INSTALL_HINT}, or ${alternative}`);
    this.name = 'FfmpegNotFoundError';
  }
}

/** {@link findFfmpeg}, throwing {@link FfmpegNotFoundError} (naming `who` and `alternative`) when absent. */
export function requireFfmpeg(ffmpeg = defaultFfmpegPath(), who = 'video', alternative?: string): FfmpegInfo {
  const info = findFfmpeg(ffmpeg);
  if (!info) throw new FfmpegNotFoundError(ffmpeg, who, alternative);
  if (!info.libx264 && !info.mpeg4) throw new Error(`${who}: ${ffmpeg} has neither the libx264 nor the mpeg4 encoder`);
  return info;
}

// ---------------------------------------------------------------------------------------------
// Writers

export interface VideoWriterOptions {
  /** Default: from the file's extension (`.gif` or `.mp4`). */
  format?: VideoFormat;
  /** Frames per second (default 30; GIF delays are in 1/100 s, so its rate is rounded). */
  fps?: number;
  /** MP4 encoder: `'auto'` (default) = libx264 when ffmpeg has it, else mpeg4. */
  codec?: 'auto' | 'libx264' | 'mpeg4';
  /** The ffmpeg command (default {@link defaultFfmpegPath}). */
  ffmpeg?: string;
  /** GIF palette size per frame, 2–256 (default 256). */
  maxColors?: number;
}

/** An open video file: add frames one by one, then `finish()` (or `abort()` to leave no file). */
export interface VideoWriter {
  readonly file: string;
  readonly format: VideoFormat;
  /** Frames added so far. */
  readonly frames: number;
  add(frame: VideoFrame): void;
  /** Writes the file (replacing an existing one) and returns the number of frames. */
  finish(): number;
  /** Discards the frames; nothing is written. */
  abort(): void;
}

interface GifEncoderApi {
  GIFEncoder(): {
    writeFrame(index: Uint8Array, width: number, height: number, opts: { palette: number[][]; delay: number; repeat?: number }): void;
    finish(): void;
    bytes(): Uint8Array;
  };
  quantize(rgba: Uint8Array, maxColors: number, opts?: { format?: string }): number[][];
  applyPalette(rgba: Uint8Array, palette: number[][], format?: string): Uint8Array;
}

function gifenc(): GifEncoderApi {
  const m = gifencModule as unknown as GifEncoderApi & { default?: GifEncoderApi };
  return typeof m.GIFEncoder === 'function' ? m : (m.default as GifEncoderApi);
}

/** Checks a frame against the first one's size; returns its bytes per pixel (3 or 4). */
function frameChannels(frame: VideoFrame, index: number, size: { width: number; height: number } | null, who: string): 3 | 4 {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${who}: frame ${index} has an invalid size ${width}x${height}`);
  }
  if (size && (width !== size.width || height !== size.height)) {
    throw new RangeError(`${who}: frame ${index} is ${width}x${height}, frame 0 is ${size.width}x${size.height}`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError(`${who}: frame ${index} data must be a Uint8Array`);
  if (data.length === width * height * 3) return 3;
  if (data.length === width * height * 4) return 4;
  throw new RangeError(`${who}: frame ${index} has ${data.length} bytes, neither RGB nor RGBA for ${width}x${height}`);
}

function checkFps(fps: number, who: string): void {
  if (!(fps > 0) || !Number.isFinite(fps) || fps > 1000) throw new RangeError(`${who}: fps must be a number in (0, 1000], got ${fps}`);
}

class GifWriter implements VideoWriter {
  readonly format = 'gif' as const;
  frames = 0;
  private readonly encoder: ReturnType<GifEncoderApi['GIFEncoder']>;
  private readonly api = gifenc();
  private readonly delay: number;
  private readonly maxColors: number;
  private size: { width: number; height: number } | null = null;
  private done = false;

  constructor(
    readonly file: string,
    options: VideoWriterOptions,
  ) {
    const fps = options.fps ?? 30;
    checkFps(fps, 'GIF writer');
    this.maxColors = options.maxColors ?? 256;
    if (!Number.isInteger(this.maxColors) || this.maxColors < 2 || this.maxColors > 256) {
      throw new RangeError(`GIF writer: maxColors must be an integer in [2, 256], got ${this.maxColors}`);
    }
    // Same delay rule as encodeGif: centiseconds, at least 1/100 s × 10 (browsers slow faster GIFs down).
    this.delay = Math.max(10, Math.round(1000 / fps / 10) * 10);
    this.encoder = this.api.GIFEncoder();
  }

  add(frame: VideoFrame): void {
    if (this.done) throw new Error(`GIF writer: add() after finish() or abort() (${this.file})`);
    const ch = frameChannels(frame, this.frames, this.size, `GIF writer (${this.file})`);
    this.size ??= { width: frame.width, height: frame.height };
    const n = frame.width * frame.height;
    let rgba = frame.data;
    if (ch === 3) {
      rgba = new Uint8Array(n * 4);
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        rgba[i * 4] = frame.data[j] as number;
        rgba[i * 4 + 1] = frame.data[j + 1] as number;
        rgba[i * 4 + 2] = frame.data[j + 2] as number;
        rgba[i * 4 + 3] = 255;
      }
    }
    const palette = this.api.quantize(rgba, this.maxColors);
    const index = this.api.applyPalette(rgba, palette);
    this.encoder.writeFrame(index, frame.width, frame.height, { palette, delay: this.delay, ...(this.frames === 0 ? { repeat: 0 } : {}) });
    this.frames++;
  }

  finish(): number {
    if (this.done) throw new Error(`GIF writer: finish() called twice (${this.file})`);
    if (this.frames === 0) throw new RangeError(`GIF writer: no frames to write to ${this.file}`);
    this.done = true;
    this.encoder.finish();
    writeAtomic(this.file, (tmp) => writeFileSync(tmp, this.encoder.bytes()));
    return this.frames;
  }

  abort(): void {
    this.done = true;
  }
}

/** Writes through a temporary file next to `file`, renamed into place on success (no half-written files). */
function writeAtomic(file: string, write: (tmp: string) => void): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.${processId()}.partial`);
  try {
    write(tmp);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

class Mp4Writer implements VideoWriter {
  readonly format = 'mp4' as const;
  frames = 0;
  private readonly fps: number;
  private readonly codec: 'libx264' | 'mpeg4';
  private readonly ffmpeg: string;
  private readonly rawFile: string;
  private fd: number | null = null;
  private size: { width: number; height: number } | null = null;
  private rgb: Uint8Array | null = null;
  private done = false;

  constructor(
    readonly file: string,
    options: VideoWriterOptions,
  ) {
    this.fps = options.fps ?? 30;
    checkFps(this.fps, 'MP4 writer');
    this.ffmpeg = options.ffmpeg ?? defaultFfmpegPath();
    const info = requireFfmpeg(this.ffmpeg, 'MP4 writer');
    const codec = options.codec ?? 'auto';
    if (codec !== 'auto' && codec !== 'libx264' && codec !== 'mpeg4') {
      throw new RangeError(`MP4 writer: codec must be 'auto', 'libx264' or 'mpeg4', got ${String(codec)}`);
    }
    if (codec !== 'auto' && !info[codec]) throw new Error(`MP4 writer: ${this.ffmpeg} has no ${codec} encoder`);
    this.codec = codec === 'auto' ? (info.libx264 ? 'libx264' : 'mpeg4') : codec;
    // Raw frames go to a scratch file beside the output and reach ffmpeg as its stdin at finish():
    // memory stays at one frame however long the episode, and encoding stays synchronous.
    const dir = dirname(resolve(file));
    mkdirSync(dir, { recursive: true });
    this.rawFile = join(dir, `.${basename(file)}.${processId()}.rgb`);
  }

  add(frame: VideoFrame): void {
    if (this.done) throw new Error(`MP4 writer: add() after finish() or abort() (${this.file})`);
    const ch = frameChannels(frame, this.frames, this.size, `MP4 writer (${this.file})`);
    this.size ??= { width: frame.width, height: frame.height };
    let bytes = frame.data;
    if (ch === 4) {
      const n = frame.width * frame.height;
      this.rgb ??= new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        this.rgb[i * 3] = frame.data[i * 4] as number;
        this.rgb[i * 3 + 1] = frame.data[i * 4 + 1] as number;
        this.rgb[i * 3 + 2] = frame.data[i * 4 + 2] as number;
      }
      bytes = this.rgb;
    }
    this.fd ??= openSync(this.rawFile, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.frames++;
  }

  finish(): number {
    if (this.done) throw new Error(`MP4 writer: finish() called twice (${this.file})`);
    this.done = true;
    try {
      if (this.frames === 0 || !this.size || this.fd === null) throw new RangeError(`MP4 writer: no frames to write to ${this.file}`);
      closeSync(this.fd);
      this.fd = null;
      const { width, height } = this.size;
      const input = openSync(this.rawFile, 'r');
      try {
        writeAtomic(this.file, (tmp) => {
          const args = [
            ...['-hide_banner', '-loglevel', 'error', '-y'],
            ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(this.fps), '-i', '-'],
            // yuv420p (what players expect) needs even sizes: pad odd ones by a pixel.
            ...['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-pix_fmt', 'yuv420p', '-vcodec', this.codec],
            ...(this.codec === 'libx264' ? ['-preset', 'medium', '-crf', '23'] : ['-q:v', '3']),
            ...['-movflags', '+faststart', '-f', 'mp4', tmp],
          ];
          const r = spawnSync(this.ffmpeg, args, { stdio: [input, 'ignore', 'pipe'], maxBuffer: 16 << 20, encoding: 'utf8' });
          if (r.error) throw new Error(`MP4 writer: could not run ${this.ffmpeg}: ${r.error.message}`);
          if (r.status !== 0) {
            const tail = (r.stderr ?? '').trim().split('\n').slice(-5).join('\n');
            throw new Error(`MP4 writer: ${this.ffmpeg} failed (exit ${r.status ?? r.signal}) writing ${this.file}:\n${tail}`);
          }
        });
      } finally {
        closeSync(input);
      }
      return this.frames;
    } finally {
      this.cleanup();
    }
  }

  abort(): void {
    this.done = true;
    this.cleanup();
  }

  private cleanup(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.rawFile, { force: true });
  }
}

/**
 * Opens `file` for writing frames as a GIF or MP4 (format from `options.format` or the
 * extension). MP4 needs ffmpeg; without it this throws {@link FfmpegNotFoundError} before any frame.
 */
export function openVideo(file: string, options: VideoWriterOptions = {}): VideoWriter {
  const format = options.format ?? videoFormatOf(file);
  if (format === undefined) throw new RangeError(`openVideo: cannot tell the format of ${file}; use a .gif or .mp4 name or give format`);
  if (format === 'gif') return new GifWriter(file, options);
  if (format === 'mp4') return new Mp4Writer(file, options);
  throw new RangeError(`openVideo: format must be 'gif' or 'mp4', got ${String(format)}`);
}

/** Writes `frames` (all the same size) to `file` as GIF or MP4 (see {@link openVideo}); returns the frame count. */
export function writeVideo(file: string, frames: Iterable<VideoFrame>, options: VideoWriterOptions = {}): number {
  const w = openVideo(file, options);
  try {
    for (const f of frames) w.add(f);
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.finish();
}

/** {@link writeVideo} as MP4 whatever the extension. */
export function writeMp4(file: string, frames: Iterable<VideoFrame>, options: Omit<VideoWriterOptions, 'format'> = {}): number {
  return writeVideo(file, frames, { ...options, format: 'mp4' });
}

// ---------------------------------------------------------------------------------------------
// Recording episodes

/**
 * Gymnasium's default episode trigger: episodes 0, 1, 8, 27, …, 729 (perfect cubes below 1000),
 * then every 1000th.
 */
export function cappedCubicVideoSchedule(episodeId: number): boolean {
  if (episodeId < 1000) return Math.round(Math.cbrt(episodeId)) ** 3 === episodeId;
  return episodeId % 1000 === 0;
}

export interface VideoRecorderOptions {
  /** Folder the videos are written to (created when the first one is written). */
  folder: string;
  /** `'gif'` (default, no external tools) or `'mp4'` (needs ffmpeg; checked in the constructor). */
  format?: VideoFormat;
  /** Record every `every`-th episode: 0, every, 2·every, … (shorthand for an `episodeTrigger`). */
  every?: number;
  /** Whether to record episode `id` (0-based). Default: {@link cappedCubicVideoSchedule}, as Gymnasium. */
  episodeTrigger?: (episodeId: number) => boolean;
  /** At most this many frames per video (default: the whole episode); a longer episode is cut. */
  videoLength?: number;
  /** File names are `<namePrefix>-episode-<id>.<format>` (default `'rl-video'`). */
  namePrefix?: string;
  /** Frames per second (default 30). */
  fps?: number;
  /** MP4 encoder and ffmpeg command (see {@link VideoWriterOptions}). */
  codec?: VideoWriterOptions['codec'];
  ffmpeg?: string;
  /** Called after each video is written. */
  onVideo?: (video: RecordedVideo) => void;
}

export interface RecordedVideo {
  path: string;
  /** The episode's id (0-based count of `startEpisode()` calls). */
  episode: number;
  frames: number;
}

/**
 * Records selected episodes to video files, independent of any env class: call
 * `startEpisode()` after each reset, `addFrame()` after the reset and after every step, and
 * `endEpisode()` when the episode ends (or let the next `startEpisode()` / `close()` end it).
 * {@link RecordVideo} does this around an env. Existing files of the same name are replaced,
 * as Gymnasium does.
 */
export class VideoRecorder {
  /** Where the next video is written; may be changed between videos (e.g. once a run directory exists). */
  folder: string;
  readonly format: VideoFormat;
  readonly namePrefix: string;
  readonly videoLength: number;
  /** Every video written so far, oldest first. */
  readonly videos: RecordedVideo[] = [];
  private readonly trigger: (episodeId: number) => boolean;
  private readonly writerOptions: VideoWriterOptions;
  private readonly onVideo?: (video: RecordedVideo) => void;
  private writer: VideoWriter | null = null;
  private episode = -1;
  private closed = false;

  constructor(options: VideoRecorderOptions) {
    if (typeof options?.folder !== 'string' || options.folder.trim() === '') {
      throw new TypeError(`VideoRecorder: folder must be a non-empty path, got ${JSON.stringify(options?.folder)}`);
    }
    this.folder = options.folder;
    this.format = options.format ?? 'gif';
    if (this.format !== 'gif' && this.format !== 'mp4') {
      throw new RangeError(`VideoRecorder: format must be 'gif' or 'mp4', got ${JSON.stringify(options.format)}`);
    }
    if (options.every !== undefined && options.episodeTrigger !== undefined) {
      throw new Error('VideoRecorder: give either every or episodeTrigger, not both');
    }
    const every = options.every;
    if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
      throw new RangeError(`VideoRecorder: every must be a positive integer, got ${every}`);
    }
    if (options.episodeTrigger !== undefined && typeof options.episodeTrigger !== 'function') {
      throw new TypeError('VideoRecorder: episodeTrigger must be a function (episodeId) => boolean');
    }
    this.trigger = every !== undefined ? (id) => id % every === 0 : (options.episodeTrigger ?? cappedCubicVideoSchedule);
    this.videoLength = options.videoLength ?? Number.POSITIVE_INFINITY;
    if (!(this.videoLength === Number.POSITIVE_INFINITY || (Number.isInteger(this.videoLength) && this.videoLength >= 1))) {
      throw new RangeError(`VideoRecorder: videoLength must be a positive integer, got ${options.videoLength}`);
    }
    this.namePrefix = options.namePrefix ?? 'rl-video';
    if (this.namePrefix === '' || /[/\\]/.test(this.namePrefix)) {
      throw new RangeError(
        `VideoRecorder: namePrefix must be a non-empty file name part without slashes, got ${JSON.stringify(this.namePrefix)}`,
      );
    }
    this.writerOptions = { format: this.format, fps: options.fps ?? 30, codec: options.codec, ffmpeg: options.ffmpeg };
    checkFps(this.writerOptions.fps as number, 'VideoRecorder');
    // Fail now, not at the first recorded episode deep into training.
    if (this.format === 'mp4') requireFfmpeg(options.ffmpeg ?? defaultFfmpegPath(), 'VideoRecorder', "use format: 'gif'");
    this.onVideo = options.onVideo;
  }

  /** Id of the current episode (-1 before the first `startEpisode()`). */
  get episodeId(): number {
    return this.episode;
  }

  /** Whether frames of the current episode are being kept. */
  get recording(): boolean {
    return this.writer !== null;
  }

  /** The file episode `id` is written to. */
  pathOf(id: number): string {
    return join(this.folder, `${this.namePrefix}-episode-${id}.${this.format}`);
  }

  /** Begins the next episode (ending an unfinished recording first); returns whether it is recorded. */
  startEpisode(): boolean {
    this.checkOpen();
    this.endEpisode();
    this.episode++;
    if (this.trigger(this.episode)) this.writer = openVideo(this.pathOf(this.episode), this.writerOptions);
    return this.writer !== null;
  }

  /**
   * Adds a frame when recording (a function is only called then, so rendering is skipped for
   * episodes not recorded). Reaching `videoLength` frames writes the video.
   */
  addFrame(frame: VideoFrame | (() => VideoFrame)): void {
    this.checkOpen();
    if (!this.writer) return;
    try {
      this.writer.add(typeof frame === 'function' ? frame() : frame);
    } catch (e) {
      this.writer.abort();
      this.writer = null;
      throw e;
    }
    if (this.writer.frames >= this.videoLength) this.endEpisode();
  }

  /** Writes the current recording, if any; returns it (null when nothing was being recorded). */
  endEpisode(): RecordedVideo | null {
    const w = this.writer;
    if (!w) return null;
    this.writer = null;
    if (w.frames === 0) {
      w.abort();
      return null;
    }
    const frames = w.finish();
    const video = { path: w.file, episode: this.episode, frames };
    this.videos.push(video);
    this.onVideo?.(video);
    return video;
  }

  /** Writes an unfinished recording and stops; later calls other than `close()` throw. */
  close(): RecordedVideo | null {
    if (this.closed) return null;
    const v = this.endEpisode();
    this.closed = true;
    return v;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`VideoRecorder: used after close() (${this.folder})`);
  }
}

/**
 * The part of an environment {@link RecordVideo} needs; `@tfrl/core`'s `Env` has this shape (the
 * logger does not depend on core, so the type is structural).
 */
export interface RecordableEnv {
  readonly observationSpace: unknown;
  readonly actionSpace: unknown;
  spec?: unknown;
  readonly unwrapped: unknown;
  reset(opts?: any): { obs: unknown; info: Record<string, unknown> };
  step(action: any): { obs: unknown; reward: number; terminated: boolean; truncated: boolean; info: Record<string, unknown> };
  render(): VideoFrame;
  close(): void;
}

/**
 * Gymnasium's `RecordVideo` wrapper: records episodes chosen by the trigger (default: the capped
 * cubic schedule; `every: N` for every N-th) into `folder` as `rl-video-episode-<id>.gif|mp4`,
 * rendering only the recorded episodes. A recording ends when the episode terminates or is
 * truncated, at the next reset, at `videoLength` frames, or at `close()`. It is an `Env` of the
 * same observation and action types as the env it wraps, so it fits `makeVec`'s `wrappers`.
 */
export class RecordVideo<E extends RecordableEnv> {
  readonly env: E;
  readonly recorder: VideoRecorder;

  constructor(env: E, options: VideoRecorderOptions) {
    if (!env || typeof env.render !== 'function' || typeof env.step !== 'function') {
      throw new TypeError('RecordVideo: env must be an environment with reset(), step() and render()');
    }
    this.env = env;
    this.recorder = new VideoRecorder(options);
  }

  get observationSpace(): E['observationSpace'] {
    return this.env.observationSpace;
  }

  get actionSpace(): E['actionSpace'] {
    return this.env.actionSpace;
  }

  get spec(): E['spec'] {
    return this.env.spec;
  }

  set spec(spec: E['spec']) {
    this.env.spec = spec;
  }

  get unwrapped(): E['unwrapped'] {
    return this.env.unwrapped;
  }

  reset(opts?: Parameters<E['reset']>[0]): ReturnType<E['reset']> {
    const r = this.env.reset(opts) as ReturnType<E['reset']>;
    if (this.recorder.startEpisode()) this.capture();
    return r;
  }

  step(action: Parameters<E['step']>[0]): ReturnType<E['step']> {
    const r = this.env.step(action) as ReturnType<E['step']>;
    if (this.recorder.recording) {
      this.capture();
      if (r.terminated || r.truncated) this.recorder.endEpisode();
    }
    return r;
  }

  render(): ReturnType<E['render']> {
    return this.env.render() as ReturnType<E['render']>;
  }

  /** Writes an unfinished recording, then closes the env. */
  close(): void {
    try {
      this.recorder.close();
    } finally {
      this.env.close();
    }
  }

  toString(): string {
    return `RecordVideo<${String(this.env)}>`;
  }

  private capture(): void {
    this.recorder.addFrame(() => {
      try {
        return this.env.render();
      } catch (e) {
        throw new Error(`RecordVideo: render() of the wrapped env failed: ${(e as Error).message}`);
      }
    });
  }
}
