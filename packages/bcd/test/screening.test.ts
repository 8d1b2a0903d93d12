import { describe, expect, it } from 'vitest';
import { CscMatrix } from '@firstorder/linalg';
import { coefficientsAt, fhtProblem, lassoPath, type Design, type LassoPathOptions } from '@firstorder/bcd';
import { boston } from './boston.js';

/**
 * Screened vs unscreened path on the same λ sequence: (1) no screened variable is nonzero in the unscreened
 * solution at that λ; (2) same objective (1e-10 relative) and support at every λ. Returns the screened counts.
 */
function compare(X: Design, y: Float64Array, options: LassoPathOptions): number[] {
  const p = X.cols;
  const plain = lassoPath(X, y, { ...options, thresh: 1e-13 });
  const screened = lassoPath(X, y, { ...options, thresh: 1e-13, lambda: plain.lambda, screening: 'gap-safe' });
  expect(screened.status).toBe('converged');
  expect(screened.lambda.length).toBe(plain.lambda.length);
  expect(Array.from(plain.screened).every((c) => c === 0)).toBe(true);
  let unsafe = 0;
  let supportMismatch = 0;
  let worstObjective = 0;
  let worstKkt = 0;
  for (let k = 0; k < plain.lambda.length; k++) {
    const ref = coefficientsAt(plain, k, p);
    const ours = coefficientsAt(screened, k, p);
    const set = screened.screenedVariables[k]!;
    expect(set.length).toBe(screened.screened[k]);
    for (const j of set) if (ref[j] !== 0) unsafe++;
    worstObjective = Math.max(worstObjective, Math.abs(screened.objectives[k]! - plain.objectives[k]!) / plain.objectives[k]!);
    for (let j = 0; j < p; j++) if ((ours[j] !== 0) !== (ref[j] !== 0)) supportMismatch++;
    // The screened path's own KKT check runs over all variables (screened ones included).
    worstKkt = Math.max(worstKkt, screened.kktViolations[k]! - 10 * plain.kktViolations[k]!);
  }
  expect(unsafe).toBe(0);
  expect(supportMismatch).toBe(0);
  expect(worstObjective).toBeLessThanOrEqual(1e-10);
  expect(worstKkt).toBeLessThanOrEqual(1e-9);
  return Array.from(screened.screened);
}

describe('Gap Safe screening (screening: "gap-safe")', () => {
  it('never removes a variable that is nonzero in the unscreened solution, and gives the same path (dense, both update methods, lasso and elastic net)', () => {
    const { X, y } = fhtProblem(60, 300, 0.5, { seed: 21 });
    let total = 0;
    for (const type of ['covariance', 'naive'] as const) {
      for (const alpha of [1, 0.5]) total += compare(X, y, { type, alpha, nlambda: 40, lambdaMinRatio: 0.05 }).reduce((a, b) => a + b, 0);
    }
    // The test is not vacuous: screening removed variables.
    expect(total).toBeGreaterThan(5000);
    const b = boston();
    compare(b.X, b.y, { standardize: false, alpha: 0.7 });
  });

  it('same guarantees for sparse X and without intercept / standardization', () => {
    const { X, y } = fhtProblem(50, 300, 0, { seed: 22 });
    for (let t = 0; t < X.data.length; t++) if (Math.abs(X.data[t]!) < 0.6) X.data[t] = 0;
    const sparse = CscMatrix.fromDense(X);
    let total = 0;
    for (const [intercept, standardize] of [[true, true], [false, false]] as const) {
      total += compare(sparse, y, { intercept, standardize }).reduce((a, b) => a + b, 0);
    }
    expect(total).toBeGreaterThan(500);
  });

  it('rejects an unknown screening option', () => {
    const { X, y } = fhtProblem(20, 5, 0, { seed: 1 });
    expect(() => lassoPath(X, y, { screening: 'strong' as never })).toThrow(/screening/);
  });
});
