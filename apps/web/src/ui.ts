/** Small page helpers: element lookup, pausing a training loop, downloads, number formatting. */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page: no element #${id}`);
  return el as T;
}

/**
 * Run state shared by a training loop and its buttons: the loop awaits `checkpoint()` between
 * updates, which yields to the page (so it repaints and handles clicks) and holds while paused.
 */
export class RunControl {
  running = false;
  paused = false;
  private resume: (() => void) | undefined;
  private lastYield = 0;

  pause(): void {
    this.paused = true;
  }

  play(): void {
    this.paused = false;
    this.resume?.();
    this.resume = undefined;
  }

  /** Yield to the page at most every `everyMs` (a repaint needs a task boundary), and wait while paused. */
  async checkpoint(everyMs = 30): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield >= everyMs) {
      await new Promise<void>((r) => setTimeout(r, 0));
      this.lastYield = performance.now();
    }
    while (this.paused) await new Promise<void>((r) => (this.resume = r));
  }
}

export function download(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
}

export function stat(label: string, value: string, testId?: string): string {
  const id = testId ? ` data-testid="${testId}"` : '';
  return `<div class="stat"><span>${label}</span><b${id}>${value}</b></div>`;
}
