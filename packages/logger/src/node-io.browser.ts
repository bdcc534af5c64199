/**
 * The browser build's stand-in for `node-io.ts`. A browser has no files, processes or terminal:
 * there the Logger interface, MultiLogger, NullLogger, TagStyleLogger, the console logger (in
 * `lines` mode, to the devtools console), GIF encoding, plots, fonts, image grids, CSV parsing and
 * TensorBoard record encoding work; the file sinks (TensorBoard event files, CSV, JSONL, PNG / GIF /
 * video files, createRunLogger), PNG encoding and ffmpeg say they need Node.
 */

function needsNode(what: string): Error {
  return new Error(
    `@tfrl/logger: ${what} needs Node.js, which a browser does not have (the file sinks, PNG/GIF/video files, ffmpeg and the ` +
      'progress bar are Node-only); in a browser log to a TensorBoardEventBuffer (its bytes() are an event file to download) or a Logger of your own, and use encodeGif / plotCurves for bytes and pixels',
  );
}

function files(path: unknown): Error {
  return needsNode(typeof path === 'string' ? `writing or reading ${path}` : 'file access');
}

export function spawnSync(command: string): never {
  throw needsNode(`running ${command}`);
}

export function appendFileSync(path: string): never {
  throw files(path);
}
export function closeSync(_fd: number): never {
  throw files(undefined);
}
export function existsSync(path: string): never {
  throw files(path);
}
export function mkdirSync(path: string): never {
  throw files(path);
}
export function openSync(path: string): never {
  throw files(path);
}
export function readFileSync(path: string): never {
  throw files(path);
}
export function renameSync(path: string): never {
  throw files(path);
}
export function rmSync(path: string): never {
  throw files(path);
}
export function writeFileSync(path: string): never {
  throw files(path);
}
export function writeSync(_fd: number): never {
  throw files(undefined);
}

export function hostname(): string {
  return 'browser';
}

// Paths are plain strings here ('/'-separated); nothing is resolved against a working directory.
export function basename(p: string): string {
  return p.replace(/[/\\]+$/, '').replace(/^.*[/\\]/, '');
}
export function dirname(p: string): string {
  const trimmed = p.replace(/[/\\]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? '/' : trimmed.slice(0, i);
}
export function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}
export function join(...parts: string[]): string {
  return (
    parts
      .filter((s) => s !== '')
      .join('/')
      .replace(/\/{2,}/g, '/') || '.'
  );
}
export function relative(from: string, to: string): string {
  return to.startsWith(`${from}/`) ? to.slice(from.length + 1) : to;
}
export function resolve(...parts: string[]): string {
  return join(...parts);
}

/** cli-progress stand-in: the console logger never starts a bar without a TTY, which a browser lacks. */
export const cliProgress = {
  SingleBar: class {
    constructor() {
      throw needsNode('the progress bar');
    }
  },
};

export function processId(): number {
  return 0;
}

export function environment(): Record<string, string | undefined> {
  return {};
}

/** The devtools console, one `console.log` per line written. */
export function standardOutput(): { write(s: string): boolean; isTTY: boolean } {
  let pending = '';
  return {
    isTTY: false,
    write(s: string): boolean {
      const lines = (pending + s).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) console.log(line);
      return true;
    },
  };
}

export function encodeRgbaPng(_rgba: Uint8Array, _width: number, _height: number, _colorType: 0 | 2 | 6): Uint8Array {
  throw needsNode('encodePng (pngjs)');
}
