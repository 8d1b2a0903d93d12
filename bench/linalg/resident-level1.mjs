// Level-1 kernels on resident arrays (WebAssembly f64x2, used in place) against the TypeScript kernels on
// ordinary arrays, and gemv on a resident A against an ordinary one. Rounds alternate between the two
// sides so both see the same background load; the best per-call time over all rounds is reported.
// Usage: node bench/linalg/resident-level1.mjs [rounds=7]   (after pnpm build)
import { loadavg } from 'node:os';
import { Matrix, axpy, dot, gemv, nrm2, releaseResident, residentMatrix, residentVector } from '@firstorder/linalg';
import { formatMs, machineInfo, machineMarkdown } from '../lib/harness.mjs';

const rounds = Number(process.argv[2] ?? 7);
const info = machineInfo();
const loads = [loadavg()[0]];

function filled(n, resident, seed) {
  const v = resident ? residentVector(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 53 + seed * 17) % 101) / 101 - 0.5) * 1e-3;
  return v;
}

const sizes = [64, 1024, 16384, 1 << 20];
const cases = [];
for (const n of sizes) {
  const sides = [false, true].map((resident) => ({ x: filled(n, resident, 1), y: filled(n, resident, 2) }));
  // Enough calls per sample that one sample lasts about a millisecond.
  const calls = Math.max(1, Math.round(2e6 / n));
  cases.push({ name: 'dot', n, calls, run: (s) => dot(s.x, s.y), sides });
  cases.push({ name: 'axpy', n, calls, run: (s) => axpy(1e-9, s.x, s.y), sides });
  cases.push({ name: 'nrm2', n, calls, run: (s) => nrm2(s.x), sides });
}
for (const n of [256, 1024, 2048]) {
  const A = new Matrix(n, n);
  for (let i = 0; i < n * n; i++) A.data[i] = ((i * 131) % 1009) / 1009 - 0.5;
  const R = residentMatrix(n, n);
  R.data.set(A.data);
  const x = filled(n, false, 3);
  cases.push({ name: 'gemv', n, calls: Math.max(1, Math.round(2e6 / (n * n))), run: (s) => gemv(s.A, x), sides: [{ A }, { A: R }] });
}

const best = cases.map(() => [Infinity, Infinity]);
for (let r = 0; r < rounds; r++) {
  for (const [i, c] of cases.entries()) {
    for (const side of [0, 1]) {
      const s = c.sides[side];
      c.run(s);
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        for (let q = 0; q < c.calls; q++) c.run(s);
        best[i][side] = Math.min(best[i][side], (performance.now() - t0) / c.calls);
      }
    }
  }
  loads.push(loadavg()[0]);
}
const held = new Set();
for (const c of cases) for (const s of c.sides) for (const v of Object.values(s)) held.add(v);
for (const v of held) releaseResident(v);

console.log([
  `## Resident arrays: level 1 and gemv, best of ${rounds} interleaved rounds`,
  '',
  machineMarkdown(info, `node bench/linalg/resident-level1.mjs ${rounds}`),
  `- 1-minute load average after each round: ${loads.map((l) => l.toFixed(2)).join(', ')}`,
  '- ordinary: Float64Arrays on the TypeScript kernels (level 1) or copied per call (gemv); resident: residentVector / residentMatrix, used in place by the WebAssembly kernels',
  '',
  '| routine | n | ordinary best ms | resident best ms | ordinary / resident |',
  '|---|---|---|---|---|',
  ...cases.map((c, i) => `| ${c.name} | ${c.n} | ${formatMs(best[i][0])} | ${formatMs(best[i][1])} | ${(best[i][0] / best[i][1]).toFixed(2)}× |`),
  '',
].join('\n'));
