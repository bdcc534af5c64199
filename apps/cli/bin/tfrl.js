#!/usr/bin/env node
import { main } from '../dist/index.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => {
    console.error(`tfrl: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
