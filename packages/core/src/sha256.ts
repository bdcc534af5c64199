/**
 * SHA-256 of checkpoint files, as lower-case hex. Node build: `node:crypto`. The browser build
 * uses `sha256.browser.ts` (plain TypeScript) instead, so the same checksums verify in both.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
