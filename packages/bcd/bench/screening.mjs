// Gap Safe screening on the FHT generators: variables removed per λ and agreement with the unscreened path
// (same λ count, objective, support). Usage (repo root, after pnpm build): node packages/bcd/bench/screening.mjs
import { fhtProblem, lassoPath, coefficientsAt } from '../dist/index.js';
for (const [n, p, rho] of [[1000, 100, 0], [1000, 100, 0.5], [1000, 100, 0.9], [100, 5000, 0], [100, 5000, 0.5], [100, 5000, 0.9]]) {
  const { X, y } = fhtProblem(n, p, rho, { seed: 1 });
  for (const type of p < 500 ? ['covariance', 'naive'] : ['naive']) {
    const t0 = performance.now(); const a = lassoPath(X, y, { type }); const t1 = performance.now();
    const b = lassoPath(X, y, { type, screening: 'gap-safe' }); const t2 = performance.now();
    let maxRel = 0, supp = 0, wrong = 0;
    for (let k = 0; k < Math.min(a.lambda.length, b.lambda.length); k++) {
      maxRel = Math.max(maxRel, Math.abs(a.objectives[k] - b.objectives[k]) / a.objectives[k]);
      const ca = coefficientsAt(a, k, p), cb = coefficientsAt(b, k, p);
      for (let j = 0; j < p; j++) if ((ca[j] !== 0) !== (cb[j] !== 0)) supp++;
    }
    const s = Array.from(b.screened); const tot = s.reduce((x, y) => x + y, 0);
    console.log(n, p, rho, type, 'len', a.lambda.length, b.lambda.length, 'maxRelObj', maxRel.toExponential(1), 'suppDiff', supp, 'screened mean', (tot / s.length).toFixed(1), 'first/mid/last', s[1], s[Math.floor(s.length / 2)], s[s.length - 1], 'ms', (t1 - t0).toFixed(0), (t2 - t1).toFixed(0));
  }
}
