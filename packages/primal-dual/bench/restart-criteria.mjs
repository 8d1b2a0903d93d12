// Iterations and time of solveLp with KKT-error restarts vs normalized-duality-gap restarts on the problems
// lp_highs.py wrote: /usr/bin/python3 bench/lp_highs.py /tmp/lp-bench.json && node bench/restart-criteria.mjs /tmp/lp-bench.json [maxN]
import { readFileSync } from 'node:fs';
import { CsrMatrix } from '@firstorder/linalg';
import { solveLp } from '../dist/index.js';

const { cases } = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/lp-bench.json', 'utf8'));
const maxN = Number(process.argv[3] ?? Infinity);
console.log('| n | criterion | iterations | restarts | ms | rel. objective diff | status |');
console.log('|---|---|---|---|---|---|---|');
for (const k of cases) {
  if (k.n > maxN) continue;
  const A = new CsrMatrix(k.m, k.n, Int32Array.from(k.indptr), Int32Array.from(k.indices), Float64Array.from(k.data));
  for (const restartCriterion of ['kkt', 'normalizedGap']) {
    const t = performance.now();
    const r = solveLp({ c: k.c, A, b: k.b, sense: k.sense }, { tolerance: { absolute: 1e-8, relative: 1e-8 }, maxIterations: 200_000, restartCriterion });
    const ms = performance.now() - t;
    const rel = Math.abs(r.objective - k.objective) / Math.max(1, Math.abs(k.objective));
    console.log(`| ${k.n} | ${restartCriterion} | ${r.iterations} | ${r.restarts} | ${ms.toFixed(0)} | ${rel.toExponential(1)} | ${r.status} |`);
  }
}
