// Best-of-many comparison with numpy on a shared, loaded machine: rounds alternate between firstorder
// (in this process) and a persistent numpy process, so both sides see the same background load; the
// minimum over all rounds is reported for each. Inputs and cases as compare.mjs (gemm 1024 on 1 and 2
// threads, into a preallocated C and allocating its result, gemv 2048, cholesky 1024), each on ordinary Float64Arrays (copied into the WebAssembly memory
// per call) and, where it differs, on resident arrays (residentMatrix / residentVector: used in place);
// plus dot 2^20 and a 1024×64 Cholesky solve (cho_solve). Usage: node bench/numpy/interleaved.mjs [rounds=8]
// (after pnpm build)
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix, cholesky, dot, gemm, gemmInto, gemv, residentMatrix, residentVector, setThreads } from '@firstorder/linalg';
import { loadavg } from 'node:os';
import { formatMs, machineInfo, machineMarkdown } from '../lib/harness.mjs';
import { matA, matB, spd, vecX } from './inputs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] ?? 8);
if (spawnSync('python3', ['-c', 'import numpy']).status !== 0) {
  console.log('skipped: numpy not importable');
  process.exit(0);
}

const PY = `
import sys, time, os
sys.path.insert(0, ${JSON.stringify(here)})
import numpy as np
import compare as c
import scipy.linalg as sl
data = {"gemm": (c.mat_a(1024, 1024), c.mat_b(1024, 1024)), "gemv": (c.mat_a(2048, 2048), c.vec_x(2048)), "cholesky": c.spd(1024),
        "dot": (c.vec_x(1 << 20), c.vec_x(1 << 20)[::-1].copy()), "cho_solve": (sl.cho_factor(c.spd(1024), lower=True), c.mat_b(1024, 64))}
data["gemm_into"] = data["gemm"] + (np.empty((1024, 1024)),)
run = {"gemm": lambda d: d[0] @ d[1], "gemm_into": lambda d: np.matmul(d[0], d[1], out=d[2]), "gemv": lambda d: d[0] @ d[1], "cholesky": np.linalg.cholesky, "dot": lambda d: d[0] @ d[1],
       "cho_solve": lambda d: sl.cho_solve(d[0], d[1])}
try:
    from threadpoolctl import threadpool_limits
except Exception:
    threadpool_limits = None
for line in sys.stdin:
    name, reps, threads = line.split()
    ctx = threadpool_limits(int(threads)) if threadpool_limits else None
    best = 1e30
    for _ in range(int(reps)):
        t0 = time.perf_counter(); run[name](data[name]); best = min(best, (time.perf_counter() - t0) * 1e3)
    print(best, flush=True)
`;

const A = matA(1024, 1024);
const B = matB(1024, 1024);
const G = matA(2048, 2048);
const x = vecX(2048);
const S = spd(1024);

function resident(M) {
  const R = residentMatrix(M.rows, M.cols);
  R.data.set(M.data);
  return R;
}
const Ar = resident(A);
const Br = resident(B);
const C = new Matrix(1024, 1024);
const Cr = residentMatrix(1024, 1024);
const Gr = resident(G);
const xr = residentVector(2048);
xr.set(x);
const N = 1 << 20;
const u = vecX(N);
const v = u.slice().reverse();
const ur = residentVector(N);
ur.set(u);
const vr = residentVector(N);
vr.set(v);
const L = cholesky(S);
const R = matB(1024, 64);

// 'path': ordinary arrays are copied into the kernel memory per call; resident ones are used in place.
// 'into': C is allocated once (BLAS dgemm semantics; numpy: np.matmul(a, b, out=c)); the plain gemm rows
// allocate a new 8 MiB result per call on both sides (see the first-touch note in bench/RESULTS.md).
const cases = [
  { name: 'gemm_into', path: 'ordinary, C preallocated', n: 1024, threads: 1, reps: 3, run: () => gemmInto(C, A, B) },
  { name: 'gemm_into', path: 'resident A, B, C', n: 1024, threads: 1, reps: 3, run: () => gemmInto(Cr, Ar, Br) },
  { name: 'gemm_into', path: 'ordinary, C preallocated', n: 1024, threads: 2, reps: 3, run: () => gemmInto(C, A, B) },
  { name: 'gemm_into', path: 'resident A, B, C', n: 1024, threads: 2, reps: 3, run: () => gemmInto(Cr, Ar, Br) },
  { name: 'gemm', path: 'ordinary, new result', n: 1024, threads: 1, reps: 3, run: () => gemm(A, B) },
  { name: 'gemm', path: 'resident A, B; new result', n: 1024, threads: 1, reps: 3, run: () => gemm(Ar, Br) },
  { name: 'gemm', path: 'ordinary, new result', n: 1024, threads: 2, reps: 3, run: () => gemm(A, B) },
  { name: 'gemm', path: 'resident A, B; new result', n: 1024, threads: 2, reps: 3, run: () => gemm(Ar, Br) },
  { name: 'gemv', path: 'ordinary', n: 2048, threads: 1, reps: 20, run: () => gemv(G, x) },
  { name: 'gemv', path: 'resident', n: 2048, threads: 1, reps: 20, run: () => gemv(Gr, xr) },
  { name: 'gemv', path: 'resident', n: 2048, threads: 2, reps: 20, run: () => gemv(Gr, xr) },
  { name: 'cholesky', path: 'ordinary (one copy in and out)', n: 1024, threads: 1, reps: 3, run: () => cholesky(S) },
  { name: 'cho_solve', path: 'ordinary, 64 right-hand sides', n: 1024, threads: 1, reps: 5, run: () => L.solveMatrix(R) },
  { name: 'dot', path: 'ordinary (TypeScript kernel)', n: N, threads: 1, reps: 20, run: () => dot(u, v) },
  { name: 'dot', path: 'resident', n: N, threads: 1, reps: 20, run: () => dot(ur, vr) },
];

// One numpy process per thread count (OpenBLAS reads its thread count at load).
function numpyProcess(threads) {
  const env = { ...process.env };
  for (const v of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'BLIS_NUM_THREADS']) env[v] = String(threads);
  const child = spawn('python3', ['-c', PY], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const queue = [];
  lines.on('line', (l) => queue.shift()?.(Number(l)));
  return {
    ask: (name, reps) => new Promise((resolve) => { queue.push(resolve); child.stdin.write(`${name} ${reps} ${threads}\n`); }),
    close: () => child.stdin.end(),
  };
}
const py = { 1: numpyProcess(1), 2: numpyProcess(2) };

// The cost of a fresh result array: first write to a new 8 MiB Float64Array (median of 9), which the
// allocating gemm rows pay per call and numpy mostly does not (its allocator reuses the freed block).
function firstTouchMs() {
  const t = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    new Float64Array(1 << 20).fill(1);
    t.push(performance.now() - t0);
  }
  return t.sort((p, q) => p - q)[4];
}

const info = machineInfo();
const loads = [loadavg()[0]];
const best = cases.map(() => ({ ours: Infinity, numpy: Infinity }));
for (let r = 0; r < rounds; r++) {
  for (const [i, c] of cases.entries()) {
    await setThreads(c.threads);
    c.run();
    for (let k = 0; k < c.reps; k++) {
      const t0 = performance.now();
      c.run();
      best[i].ours = Math.min(best[i].ours, performance.now() - t0);
    }
    best[i].numpy = Math.min(best[i].numpy, await py[c.threads].ask(c.name, c.reps));
  }
  loads.push(loadavg()[0]);
}
await setThreads(1);
const touch = firstTouchMs();
py[1].close();
py[2].close();
const rows = cases.map((c, i) => `| ${c.name} | ${c.path} | ${c.n} | ${c.threads} | ${formatMs(best[i].ours)} | ${formatMs(best[i].numpy)} | ${((100 * best[i].numpy) / best[i].ours).toFixed(0)}% |`);
console.log([
  `## numpy comparison, interleaved best of ${rounds} rounds`,
  '',
  machineMarkdown(info, `node bench/numpy/interleaved.mjs ${rounds}`),
  `- 1-minute load average after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`,
  '',
  '| routine | firstorder operands | n | threads (both sides) | firstorder best ms | numpy best ms | numpy time / firstorder time |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `First write to a fresh 8 MiB Float64Array (median of 9): ${formatMs(touch)} ms.`,
  '',
].join('\n'));
