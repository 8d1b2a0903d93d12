import { describe, expect, it } from 'vitest';
import { createRng } from '@firstorder/core';
import { trainPairwise } from '@firstorder/pairwise';

/** Regression data for MEE (every pair has a non-zero gradient) and a copy with example k replaced. */
function neighbours(n: number, d: number, k: number, seed: number) {
  const rng = createRng(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  const y = X.map((x) => x[0]! - 0.5 * x[1]! + 0.1 * rng.normal());
  const X2 = X.map((x) => x.slice());
  const y2 = y.slice();
  X2[k] = Array.from({ length: d }, () => rng.normal());
  y2[k] = rng.normal();
  return { S: { X, y }, S2: { X: X2, y: y2 } };
}

const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
};

/** ‖w_t − w'_t‖ for t = 1..T, same seed on S and S'. */
function divergence(S: { X: number[][]; y: number[] }, S2: { X: number[][]; y: number[] }, options: Parameters<typeof trainPairwise>[1], seed: number) {
  const a: Float64Array[] = [];
  const b: Float64Array[] = [];
  trainPairwise(S, { ...options, seed, onStep: (_t, w) => void a.push(Float64Array.from(w)) });
  trainPairwise(S2, { ...options, seed, onStep: (_t, w) => void b.push(Float64Array.from(w)) });
  return a.map((w, t) => distance(w, b[t]!));
}

describe('stability on neighbouring data sets (the coupling behind the derived bounds in the README)', () => {
  it("uniform pairs: runs on S and S' coincide until a pair holding the replaced index is drawn, which happens with probability 2/n per step", () => {
    const n = 20;
    const runs = 400;
    let sum = 0;
    for (let r = 0; r < runs; r++) {
      const { S, S2 } = neighbours(n, 3, r % n, 1000 + r);
      const dist = divergence(S, S2, { loss: 'mee', bandwidth: 5, sampling: 'uniform', stepSize: 0.05, epochs: 10, averaging: 'none' }, r);
      const first = dist.findIndex((v) => v > 0);
      expect(first).toBeGreaterThanOrEqual(0);
      // Before the first hit the iterates are bit-identical: the pair sequence does not depend on the data.
      for (let t = 0; t < first; t++) expect(dist[t]).toBe(0);
      sum += first + 1;
    }
    // First hit time is geometric with p = 2/n: mean n/2 = 10, sd ≈ 9.5, so the mean of 400 runs has sd ≈ 0.47.
    // p = 1/n (one index per step) would give 20, unordered pairs with i = j allowed ≈ 10.3 (not excluded here).
    expect(Math.abs(sum / runs - n / 2)).toBeLessThan(2);
  });

  it('convex loss, constant η ≤ 2/β: the mean divergence stays below (4L/n)Σηₜ at every step', () => {
    const n = 30;
    const d = 4;
    const rng = createRng(7);
    const X = Array.from({ length: n + 1 }, () => Array.from({ length: d }, () => rng.normal()));
    const y: number[] = X.map((x) => (x[0]! + 0.3 * rng.normal() > 0 ? 1 : 0));
    let D = 0;
    for (let i = 0; i <= n; i++) for (let j = 0; j < i; j++) D = Math.max(D, distance(X[i]!, X[j]!));
    const eta = 4 / (D * D); // logistic AUC loss: β = D²/4, η = 1/β ≤ 2/β; L = D
    const T = 5 * n;
    const mean = new Float64Array(T);
    const repeats = 20;
    for (let r = 0; r < repeats; r++) {
      const k = r % n;
      const S = { X: X.slice(0, n), y: y.slice(0, n) };
      const S2 = { X: S.X.slice(), y: S.y.slice() };
      S2.X[k] = X[n]!;
      S2.y[k] = 1 - S.y[k]!; // a replacement with the other label changes every pair it enters
      const dist = divergence(S, S2, { loss: 'auc-logistic', sampling: 'uniform', stepSize: eta, epochs: 5, averaging: 'none' }, 50 + r);
      for (let t = 0; t < T; t++) mean[t] = mean[t]! + dist[t]! / repeats;
    }
    for (let t = 0; t < T; t++) expect(mean[t]).toBeLessThanOrEqual(((4 * D) / n) * eta * (t + 1));
    expect(mean[T - 1]).toBeGreaterThan(0);
  });
});
