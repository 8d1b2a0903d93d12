// Whole-process comparison with numpy on one thread (OPENBLAS_NUM_THREADS=1 etc.): gemm 512/1024,
// gemv 2048, cholesky 1024, svd 200 with the default (WebAssembly SIMD) kernels, gemm with the TypeScript
// reference kernel, and gemm with two threads (setThreads(2)) against numpy with two BLAS threads.
// Optional and not part of CI: it runs only when `python3 -c "import numpy"` works.
// Usage: node bench/numpy/compare.mjs [--quick]  (after pnpm build)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cholesky, gemm, gemv, setBackend, setThreads, svd } from '@firstorder/linalg';
import { matA, matB, spd, vecX } from './inputs.mjs';
import { formatMs, machineInfo, machineMarkdown } from '../lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const THREAD_VARS = ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'BLIS_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS'];
const env = { ...process.env };
for (const v of THREAD_VARS) env[v] = '1';

const probe = spawnSync('python3', ['-c', 'import numpy'], { env });
if (probe.status !== 0) {
  console.log('numpy comparison skipped: `python3 -c "import numpy"` failed (try: apt-get install -y python3-numpy).');
  process.exit(0);
}

const sum = (a) => a.reduce((s, v) => s + v, 0);

const gemmCase = (n, extra = {}) => ({ name: 'gemm', n, make: (n) => [matA(n, n), matB(n, n)], run: ([A, B]) => gemm(A, B), summary: (C) => [sum(C.data), C.data[0], C.data[C.data.length - 1]], ...extra });
const bigGemm = quick ? 512 : 1024;
const cases = [
  gemmCase(512),
  ...(quick ? [] : [gemmCase(1024)]),
  { name: 'gemv', n: 2048, make: (n) => [matA(n, n), vecX(n)], run: ([A, x]) => gemv(A, x), summary: (y) => [sum(y), y[0], y[y.length - 1]] },
  { name: 'cholesky', n: quick ? 512 : 1024, make: spd, run: (S) => cholesky(S), summary: (c) => [sum(c.L.data), c.L.data[c.L.data.length - 1]] },
  { name: 'svd', n: 200, make: (n) => matA(n, n), run: (A) => svd(A), summary: (r) => [r.s[0], r.s[1], r.s[2], sum(r.s)] },
  gemmCase(bigGemm, { label: 'gemm, TypeScript kernel', backend: 'js' }),
  gemmCase(bigGemm, { label: 'gemm, 2 threads', threads: 2 }),
];

function timeIt(fn, budgetMs) {
  fn(); // warm-up (also JIT)
  const times = [];
  const start = performance.now();
  let result;
  while (times.length < 3 || performance.now() - start < budgetMs) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  return { result, meanMs: sum(times) / times.length, minMs: Math.min(...times), reps: times.length };
}

const budget = quick ? 300 : 1500;
const ours = [];
for (const c of cases) {
  setBackend(c.backend ?? 'wasm');
  const threads = await setThreads(c.threads ?? 1);
  if (threads !== (c.threads ?? 1)) console.warn(`asked for ${c.threads} threads, got ${threads}`);
  const data = c.make(c.n);
  const t = timeIt(() => c.run(data), budget);
  ours.push({ ...c, ...t, values: c.summary(t.result) });
  console.log(`firstorder ${c.label ?? c.name} n=${c.n}: mean ${formatMs(t.meanMs)} ms, min ${formatMs(t.minMs)} ms (${t.reps} reps)`);
}
await setThreads(1);
setBackend('wasm');

function runNumpy(threads, extraArgs) {
  const e = { ...env };
  for (const v of THREAD_VARS) e[v] = String(threads);
  const py = spawnSync('python3', [join(here, 'compare.py'), ...(quick ? ['--quick'] : []), ...extraArgs], { env: e, encoding: 'utf8', timeout: 600_000 });
  if (py.status !== 0) {
    console.error(py.stderr);
    process.exit(1);
  }
  return py.stdout.trim().split('\n').map((l) => JSON.parse(l));
}
const lines = runNumpy(1, []);
const header = lines[0];
const numpy = lines.slice(1);
const numpy2 = runNumpy(2, ['--only', `gemm:${bigGemm}`]).slice(1);

const info = machineInfo();
const table = [
  '| routine | n | firstorder mean (min) ms | numpy mean (min) ms | firstorder / numpy (mean) | numpy / firstorder, best runs | summary agreement (max relative diff) |',
  '|---|---|---|---|---|---|---|',
];
let mismatch = false;
for (const o of ours) {
  const p = (o.threads === 2 ? numpy2 : numpy).find((r) => r.case === o.name && r.n === o.n);
  if (!p) continue;
  const rel = Math.max(...o.values.map((v, k) => Math.abs(v - p.summary[k]) / Math.max(1, Math.abs(p.summary[k]))));
  if (!(rel < 1e-8)) mismatch = true;
  const vs = o.threads === 2 ? ' (numpy: 2 BLAS threads)' : '';
  table.push(`| ${o.label ?? o.name}${vs} | ${o.n} | ${formatMs(o.meanMs)} (${formatMs(o.minMs)}) | ${formatMs(p.meanMs)} (${formatMs(p.minMs)}) | ${(o.meanMs / p.meanMs).toFixed(1)}× | ${((100 * p.minMs) / o.minMs).toFixed(0)}% | ${rel.toExponential(1)} |`);
}
const command = `node bench/numpy/compare.mjs${quick ? ' --quick' : ''}`;
const report = [
  `## numpy comparison ${info.date.slice(0, 10)}${quick ? ' (quick)' : ''}`,
  '',
  machineMarkdown(info, command),
  `- numpy ${header.numpy} (BLAS: ${header.blas}), single thread (${THREAD_VARS.join('=1, ')}=1) except the two-thread gemm row (=2 there); whole-process timing with time.perf_counter / performance.now, mean of repeated calls after one warm-up`,
  '- summary agreement: the largest relative difference between a few scalar summaries of the results (sums, corner entries, leading singular values), computed from identical inputs',
  '',
  ...table,
  '',
].join('\n');
console.log(`\n${report}`);
mkdirSync(join(here, '..', 'out'), { recursive: true });
writeFileSync(join(here, '..', 'out', 'numpy.md'), report);
if (mismatch) {
  console.error('WARNING: results disagree with numpy beyond 1e-8 relative');
  process.exitCode = 1;
}
