// lassoPath vs scikit-learn lasso_path at equal duality gap. Reads the JSON written by
// sklearn_lasso_path.py (same data, same 100 alphas), runs lassoPath on the same λ with a ladder of
// glmnet `thresh` values, and for each target gap (relative to the null objective ‖y − ȳ‖²/(2n)) reports
// the fastest setting of each solver whose largest per-λ duality gap meets it (for lassoPath also the
// `gapTolerance` mode, which tightens thresh per λ until the certificate holds).
// Usage: node packages/bcd/bench/vs-sklearn.mjs /tmp/bcd-sklearn.json
import { readFileSync } from 'node:fs';
import { lassoPath } from '../dist/index.js';
import { caseData } from './data.mjs';

const input = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/bcd-sklearn.json', 'utf8'));
function best(f) {
  let ms = Infinity;
  let out;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    out = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, out };
}
for (const c of input.cases) {
  const { X, y } = caseData(c.name);
  const ours = [];
  for (const thresh of [1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-16]) {
    const { ms, out } = best(() => lassoPath(X, y, { lambda: c.alphas, thresh, maxIterations: 10_000_000 }));
    ours.push({ thresh, ms, maxGap: Math.max(...out.dualityGaps), status: out.status });
  }
  for (const relative of [1e-4, 1e-6, 1e-8]) {
    const target = relative * c.nullObjective;
    // Also the certified mode: glmnet's thresh, tightened per λ until the gap target holds.
    const { ms, out } = best(() => lassoPath(X, y, { lambda: c.alphas, gapTolerance: relative, maxIterations: 10_000_000 }));
    ours.push({ thresh: `default + gapTolerance ${relative}`, ms, maxGap: Math.max(...out.dualityGaps), status: out.status });
    const a = ours.filter((r) => r.maxGap <= target).sort((u, v) => u.ms - v.ms)[0];
    const b = c.runs.filter((r) => r.maxGap <= target).sort((u, v) => u.ms - v.ms)[0];
    console.log(JSON.stringify({
      case: c.name, n: c.n, p: c.p, targetRelativeGap: relative,
      lassoPath: a ? { thresh: a.thresh, ms: +a.ms.toFixed(2), maxGap: a.maxGap } : 'not reached',
      sklearn: b ? { tol: b.tol, ms: +b.ms.toFixed(2), maxGap: b.maxGap } : 'not reached',
      speedup: a && b ? +(b.ms / a.ms).toFixed(2) : null,
    }));
  }
}
console.log(`scikit-learn ${input.sklearn}; node ${process.version}; best of 3 runs each`);
