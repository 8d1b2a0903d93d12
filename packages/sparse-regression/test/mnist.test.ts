import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sugm } from '@firstorder/sparse-regression';

// MNIST pixels (fixtures/write-mnist.mjs: 210 digits × 54 pixels on a 3-pixel grid) and HiGHS LP optima of every
// CLIME column (fixtures/generate-mnist.py, scipy.optimize.linprog): min ‖b‖₁ s.t. ‖S b − e_j‖∞ ≤ λ, S = cov + I/√n.
const here = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const rows = readFileSync(here('mnist-pixels.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').map(Number));
const ref = JSON.parse(readFileSync(here('mnist-clime.json'), 'utf8')) as { n: number; d: number; problems: { lambda: number; objectives: number[] }[] };

describe('CLIME on MNIST pixels vs HiGHS (fixtures/generate-mnist.py)', () => {
  it('strict mode: every column feasible and its ‖β‖₁ within 1e-6 relative of the LP optimum', () => {
    expect(rows.length).toBe(ref.n);
    const { d } = ref;
    // The hardest columns need ~2.5e5 full-stage iterations of flare's linearized ADMM to a 1e-9 gap.
    const fit = sugm(rows, { method: 'clime', lambda: ref.problems.map((p) => p.lambda), stopping: 'strict', gapTolerance: 1e-9, maxIter: 4e5, checkEvery: 50 });
    expect(fit.status).toEqual(ref.problems.map(() => 'converged'));
    const S = fit.sigma2.data; // the perturbed covariance the columns were solved with
    ref.problems.forEach((p, k) => {
      const M = fit.icov1[k]!;
      for (let j = 0; j < d; j++) {
        const b = new Float64Array(d);
        for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) b[M.rowIndices[e]!] = M.values[e]!;
        let l1 = 0;
        for (const v of b) l1 += Math.abs(v);
        expect(Math.abs(l1 - p.objectives[j]!) / p.objectives[j]!).toBeLessThan(1e-6);
        let viol = 0;
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += S[i * d + t]! * b[t]!;
          viol = Math.max(viol, Math.abs(s - (i === j ? 1 : 0)) - p.lambda);
        }
        expect(viol).toBeLessThan(1e-6 * p.lambda);
      }
    });
  }, 300_000);
});
