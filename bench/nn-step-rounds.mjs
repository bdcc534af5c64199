// Alternating rounds of the nn-step benchmark against PyTorch, for a ratio that is not at the
// mercy of the machine's drift: each round runs PyTorch (one thread) and then tfjs wasm
// back to back, and the ratio is taken within the round.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/core build
//   node bench/nn-step-rounds.mjs [rounds=3] [tag]
//
// Writes bench/results/nn-step-rounds-<tag>.json (every round's raw figures and the ratios) and
// leaves the committed nn-step.json / nn-step.md / nn-step-torch.json as they were. Pause other
// benchmarks (kill -STOP) while it runs.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 3);
const tag = process.argv[3] ?? new Date().toISOString().slice(0, 10);
const files = ['nn-step.json', 'nn-step.md', 'nn-step-torch.json'].map((f) => join(here, 'results', f));
const saved = files.map((f) => readFileSync(f, 'utf8'));
const out = {
  what: 'nn-step (MLP 8→[w,w]→1, batch 256, fwd+bwd+Adam): alternating rounds, PyTorch 1 thread then tfjs wasm',
  commands: ['OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn_step_torch.py', 'BENCH_BACKENDS=wasm node bench/nn-step.mjs'],
  started: new Date().toISOString(),
  loadBefore: os.loadavg(),
  rounds: [],
};
try {
  for (let r = 1; r <= rounds; r++) {
    execFileSync('/usr/bin/python3', [join(here, 'nn_step_torch.py')], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      stdio: 'ignore',
    });
    const torch = JSON.parse(readFileSync(files[2], 'utf8'));
    execFileSync(process.execPath, [join(here, 'nn-step.mjs')], { env: { ...process.env, BENCH_BACKENDS: 'wasm' }, stdio: 'ignore' });
    const tfjs = JSON.parse(readFileSync(files[0], 'utf8'));
    const ratios = [];
    for (const t of tfjs.results.filter((x) => x.impl === 'tfrl-fast')) {
      const p = torch.results.find((x) => x.activation === t.activation && x.width === t.width);
      ratios.push({
        activation: t.activation,
        width: t.width,
        tfrlMs: t.msPerStep,
        torchMs: p.msPerStep,
        ratio: +(t.msPerStep / p.msPerStep).toFixed(2),
        cpuRatio: +(t.cpuMsPerStep / p.cpuMsPerStep).toFixed(2),
      });
    }
    out.rounds.push({ round: r, load: os.loadavg(), torch, tfjs, ratios });
    console.log(
      `round ${r}: ${ratios.map((x) => `${x.activation}/${x.width} ${x.tfrlMs.toFixed(2)}/${x.torchMs.toFixed(2)} ms = ${x.ratio}x`).join(', ')}`,
    );
  }
} finally {
  files.forEach((f, i) => writeFileSync(f, saved[i]));
}
out.finished = new Date().toISOString();
out.loadAfter = os.loadavg();
writeFileSync(join(here, 'results', `nn-step-rounds-${tag}.json`), `${JSON.stringify(out, null, 1)}\n`);
