// Linear-layer kernels, TypeScript (kernels.linear…Ts) vs linalg's f32 WebAssembly SIMD kernels (f32-lane
// and f64-lane sums), in GFLOP/s at the lm's shapes. Interleaved: each round times every variant once;
// the best round is reported. Run after `pnpm build`:
//   node packages/lm/bench/linear-kernels.mjs [--quick]
import { loadavg, cpus } from 'node:os';
import { setBackend, setF32Accumulation } from '@firstorder/linalg';
import { kernels } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const MIN_MS = quick ? 60 : 250;
const shapes = [
  [8 * 128, 128, 512],
  [8 * 128, 512, 128],
  [32 * 128, 128, 512],
  [32 * 128, 512, 128],
];

function rand(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** ms per call: repeats until MIN_MS has passed (after one warm-up call). */
function time(f) {
  f();
  let n = 0;
  const t0 = performance.now();
  let t;
  do {
    f();
    n++;
    t = performance.now() - t0;
  } while (t < MIN_MS);
  return t / n;
}

const variants = {
  ts: () => setBackend('js'),
  'wasm f32 sums': () => {
    setBackend('wasm');
    setF32Accumulation('f32');
  },
  'wasm f64 sums': () => {
    setBackend('wasm');
    setF32Accumulation('f64');
  },
};

console.log(`node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, load average at start ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('| rows × in → out | kernel | ts GFLOP/s | wasm f32 sums | wasm f64 sums | f32 speed-up |');
console.log('|---|---|---|---|---|---|');
for (const [rows, inF, outF] of shapes) {
  const x = rand(rows * inF, 1);
  const W = rand(outF * inF, 2);
  const b = rand(outF, 3);
  const dy = rand(rows * outF, 4);
  const y = new Float32Array(rows * outF);
  const dx = new Float32Array(rows * inF);
  const dW = new Float32Array(outF * inF);
  const db = new Float32Array(outF);
  const ops = {
    'forward y = xWᵀ+b': [() => kernels.linearForwardTs(x, rows, inF, W, b, outF, y), () => kernels.linearForward(x, rows, inF, W, b, outF, y)],
    'backward dx = dy W': [() => kernels.linearBackwardInputTs(dy, rows, outF, W, inF, dx, false), () => kernels.linearBackwardInput(dy, rows, outF, W, inF, dx, false)],
    'backward dW += dyᵀx, db': [() => kernels.linearBackwardParamsTs(x, dy, rows, inF, outF, dW, db), () => kernels.linearBackwardParams(x, dy, rows, inF, outF, dW, db)],
  };
  const gflop = (2 * rows * inF * outF) / 1e9;
  for (const [op, [tsRun, run]] of Object.entries(ops)) {
    const best = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, select] of Object.entries(variants)) {
        select();
        const ms = time(name === 'ts' ? tsRun : run);
        best[name] = Math.max(best[name] ?? 0, gflop / (ms / 1e3));
      }
    }
    const g = (k) => best[k].toFixed(2);
    console.log(`| ${rows} × ${inF} → ${outF} | ${op} | ${g('ts')} | ${g('wasm f32 sums')} | ${g('wasm f64 sums')} | ${(best['wasm f32 sums'] / best.ts).toFixed(1)}× |`);
  }
}
setBackend('wasm');
setF32Accumulation('f32');
console.log(`load average at end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
