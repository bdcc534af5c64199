#!/usr/bin/env node
import { main } from '../dist/index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (err) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(message.startsWith('tfrl') ? message : `tfrl: ${message}`);
    process.exitCode = 1;
  },
);
