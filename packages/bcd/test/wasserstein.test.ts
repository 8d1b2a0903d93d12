import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError, createRng } from '@firstorder/core';
import { Matrix } from '@firstorder/linalg';
import { gridCost, iterateWassersteinCp, sinkhorn, wassersteinCp, type DenseTensor3 } from '@firstorder/bcd';

function histogram(n: number, rng: ReturnType<typeof createRng>, floor = 0.05): Float64Array {
  const v = rng.fillUniform(new Float64Array(n)).map((x) => x + floor);
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / s);
}

/** Exact 1-D OT for a convex cost of x − y: the monotone (north-west corner on sorted supports) coupling. */
function exactOt1d(a: Float64Array, b: Float64Array, cost: (p: number, q: number) => number): number {
  let p = 0;
  let q = 0;
  let ra = a[0]!;
  let rb = b[0]!;
  let total = 0;
  while (p < a.length && q < b.length) {
    const m = Math.min(ra, rb);
    total += m * cost(p, q);
    ra -= m;
    rb -= m;
    if (ra <= 1e-15) {
      p++;
      ra = a[p] ?? 0;
    }
    if (rb <= 1e-15) {
      q++;
      rb = b[q] ?? 0;
    }
  }
  return total;
}

/** Samples: mixtures of R product distributions on an I×J grid (shape [N, I, J]). */
function samples(N: number, I: number, J: number, R: number, seed: number): DenseTensor3 {
  const rng = createRng(seed);
  const U = Array.from({ length: R }, () => histogram(I, rng));
  const V = Array.from({ length: R }, () => histogram(J, rng));
  const data = new Float64Array(N * I * J);
  for (let k = 0; k < N; k++) {
    const w = histogram(R, rng, 0.1);
    for (let r = 0; r < R; r++) for (let i = 0; i < I; i++) for (let j = 0; j < J; j++) data[(k * I + i) * J + j] = data[(k * I + i) * J + j]! + w[r]! * U[r]![i]! * V[r]![j]!;
    // perturb so the data are not exactly of the model's form, then renormalize
    const sl = data.subarray(k * I * J, (k + 1) * I * J);
    for (let q = 0; q < sl.length; q++) sl[q] = sl[q]! * (0.7 + 0.6 * rng.uniform());
    const s = sl.reduce((a, b) => a + b, 0);
    for (let q = 0; q < sl.length; q++) sl[q] = sl[q]! / s;
  }
  return { data, shape: [N, I, J] };
}

describe('sinkhorn', () => {
  it('matches exact 1-D optimal transport (monotone coupling) within the entropic bound γ·log(n·m), closer for smaller γ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 4, max: 10 }), (seed, n) => {
        const rng = createRng(seed);
        const a = histogram(n, rng);
        const b = histogram(n, rng);
        const x = (i: number): number => i / (n - 1);
        const C = new Matrix(n, n);
        for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) C.data[p * n + q] = (x(p) - x(q)) ** 2;
        const exact = exactOt1d(a, b, (p, q) => (x(p) - x(q)) ** 2);
        // γ ≥ 0.01: much smaller γ makes Sinkhorn's convergence arbitrarily slow on near-degenerate transports.
        const gaps = [5e-2, 1e-2].map((eps) => {
          const r = sinkhorn(a, b, C, eps, { maxIterations: 1_000_000, tolerance: 1e-9 });
          expect(r.converged).toBe(true);
          // the entropic plan is feasible, so its cost is ≥ the exact optimum; and it is ε-suboptimal by at most γ·log(n²)
          expect(r.transportCost).toBeGreaterThanOrEqual(exact - 1e-9);
          expect(r.transportCost - exact).toBeLessThanOrEqual(eps * Math.log(n * n));
          return r.transportCost - exact;
        });
        expect(gaps[1]!).toBeLessThan(gaps[0]! + 1e-12);
      }),
      { numRuns: 12, seed: 2306 },
    );
  });

  it('has the closed form W_γ = γ(Σ a log a + Σ b log b) with plan a bᵀ when the cost is 0, and exact marginals', () => {
    const rng = createRng(3);
    const a = histogram(5, rng);
    const b = histogram(7, rng);
    const r = sinkhorn(a, b, new Matrix(5, 7), 0.3);
    const ent = (v: Float64Array): number => v.reduce((s, x) => s + x * Math.log(x), 0);
    expect(r.value).toBeCloseTo(0.3 * (ent(a) + ent(b)), 12);
    for (let p = 0; p < 5; p++) for (let q = 0; q < 7; q++) expect(r.plan.get(p, q)).toBeCloseTo(a[p]! * b[q]!, 12);
    // value = ⟨P, C⟩ + γ Σ P log P from the plan on a non-trivial cost
    const C = gridCost(2, 3);
    const c = histogram(6, rng);
    const d = histogram(6, rng);
    const s = sinkhorn(c, d, C, 0.1);
    let v = 0;
    let rows = new Float64Array(6);
    let cols = new Float64Array(6);
    for (let p = 0; p < 6; p++) {
      for (let q = 0; q < 6; q++) {
        const P = s.plan.get(p, q);
        v += P * C.get(p, q) + 0.1 * P * Math.log(P);
        rows[p] = rows[p]! + P;
        cols[q] = cols[q]! + P;
      }
    }
    expect(s.value).toBeCloseTo(v, 12);
    rows = rows.map((x, p) => x - c[p]!);
    cols = cols.map((x, q) => x - d[q]!);
    expect(Math.max(...rows.map(Math.abs), ...cols.map(Math.abs))).toBeLessThan(1e-11);
  });

  it('handles zero masses and rejects bad input with typed errors', () => {
    const C = gridCost(1, 3);
    const r = sinkhorn(new Float64Array([0.5, 0, 0.5]), new Float64Array([0, 1, 0]), C, 0.1);
    // all mass goes to the middle cell: cost = 0.5·(1/4) + 0.5·(1/4) on the scaled grid (max distance² 4 → 1)
    expect(r.transportCost).toBeCloseTo(0.25, 10);
    expect(() => sinkhorn(new Float64Array([1, 0]), new Float64Array([0.5, 0.6]), new Matrix(2, 2), 0.1)).toThrow(FirstOrderError);
    expect(() => sinkhorn(new Float64Array([1, 0]), new Float64Array([1, 0]), new Matrix(3, 2), 0.1)).toThrow(/cost/);
    expect(() => sinkhorn(new Float64Array([1, -1, 1]), new Float64Array([1, 0, 0]), C, 0.1)).toThrow(/nonnegative/);
    expect(() => sinkhorn(new Float64Array([1, 0, 0]), new Float64Array([1, 0, 0]), C, 0)).toThrow(/epsilon/);
  });
});

describe('wassersteinCp (BCD-PR with Sinkhorn dual block steps)', () => {
  const X = samples(4, 3, 4, 2, 11);
  const lambda = 0.2;
  const gamma = 0.1;

  it('never increases the objective, decreases it by ≥ (λ/2)‖Δθ‖² per sweep, keeps factors on their simplices, and reduces stationarity', () => {
    const copy = X.data.slice();
    const it = iterateWassersteinCp(X, 2, { epsilon: gamma, proximalWeight: lambda, seed: 2, maxIterations: 12, tolerance: { absolute: 0, relative: 0 } });
    const objective: number[] = [];
    const stationarity: number[] = [];
    const step: number[] = [];
    let last: ReturnType<typeof it.next>;
    for (last = it.next(); last.done !== true; last = it.next()) {
      objective.push(last.value.objective);
      stationarity.push(last.value.stationarity);
      step.push(last.value.step);
      expect(last.value.dualResidual).toBeLessThan(1e-8);
    }
    const result = last.value;
    for (let n = 1; n < objective.length; n++) {
      // exact block solves give F_{n−1} − F_n ≥ (λ/2)‖Θ_n − Θ_{n−1}‖²; the dual solves are exact to ~1e-9 in marginal mass
      expect(objective[n - 1]! - objective[n]!).toBeGreaterThanOrEqual((lambda / 2) * step[n]! ** 2 - 1e-8);
    }
    expect(stationarity[stationarity.length - 1]!).toBeLessThan(0.2 * stationarity[0]!);
    const [U, V] = result.atoms;
    for (let r = 0; r < 2; r++) {
      expect(U.data.filter((_, t) => t % 2 === r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(V.data.filter((_, t) => t % 2 === r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    for (let k = 0; k < 4; k++) expect(result.codes.get(k, 0) + result.codes.get(k, 1)).toBeCloseTo(1, 12);
    expect([...U.data, ...V.data, ...result.codes.data].every((v) => v >= 0)).toBe(true);
    // the reported objective is Σ_k W_γ(X_k, Y_k) computed independently by `sinkhorn`
    const C = gridCost(3, 4);
    let total = 0;
    for (let k = 0; k < 4; k++) {
      total += sinkhorn(X.data.subarray(12 * k, 12 * (k + 1)), result.reconstruction.data.slice(12 * k, 12 * (k + 1)), C, gamma).value;
    }
    expect(result.objective).toBeCloseTo(total, 9);
    expect(X.data).toEqual(copy);
  });

  it('each block step solves its proximal block problem: the last block V satisfies V = Π(V − ∇_V F − λ(V − V_prev)) with ∇F from sinkhorn potentials', () => {
    const it = iterateWassersteinCp(X, 2, { epsilon: gamma, proximalWeight: lambda, seed: 4, maxIterations: 3, tolerance: { absolute: 0, relative: 0 } });
    let prevV: Float64Array | undefined;
    let checked = 0;
    for (let s = it.next(); s.done !== true; s = it.next()) {
      const [W, U, V] = s.value.factors.map((F) => F.slice()) as [Float64Array, Float64Array, Float64Array];
      if (prevV !== undefined) {
        // ∇_V F[j, r] = Σ_k W_kr Σ_i U_ir g_k[i, j], g_k the column potential of OT(X_k, Y_k)
        const C = gridCost(3, 4);
        const grad = new Float64Array(4 * 2);
        for (let k = 0; k < 4; k++) {
          const y = new Float64Array(12);
          for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let r = 0; r < 2; r++) y[i * 4 + j] = y[i * 4 + j]! + W[k * 2 + r]! * U[i * 2 + r]! * V[j * 2 + r]!;
          const { g } = sinkhorn(X.data.subarray(12 * k, 12 * (k + 1)), y, C, gamma);
          for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let r = 0; r < 2; r++) grad[j * 2 + r] = grad[j * 2 + r]! + W[k * 2 + r]! * U[i * 2 + r]! * g[i * 4 + j]!;
        }
        // fixed-point residual of the block problem's optimality condition, column by column (simplex projection)
        for (let r = 0; r < 2; r++) {
          const z = Array.from({ length: 4 }, (_, j) => V[j * 2 + r]! - (grad[j * 2 + r]! + lambda * (V[j * 2 + r]! - prevV![j * 2 + r]!)));
          const sorted = [...z].sort((p, q) => q - p);
          let tau = 0;
          let cum = 0;
          for (let k = 0; k < 4; k++) {
            cum += sorted[k]!;
            const t = (cum - 1) / (k + 1);
            if (sorted[k]! > t) tau = t;
          }
          for (let j = 0; j < 4; j++) expect(Math.abs(Math.max(z[j]! - tau, 0) - V[j * 2 + r]!)).toBeLessThan(1e-7);
        }
        checked++;
      }
      prevV = V;
    }
    expect(checked).toBe(2);
  });

  it('reaches a lower OT loss than it starts from, reports the driver fields, and rejects bad input', () => {
    const r = wassersteinCp(X, 2, { epsilon: gamma, seed: 1, maxIterations: 4 });
    expect(r.status).toBe('max_iterations');
    expect(r.iterations).toBe(4);
    expect(r.losses.length).toBe(4);
    expect(r.reconstruction.shape).toEqual([4, 3, 4]);
    expect(r.objective).toBeLessThan(wassersteinCp(X, 2, { epsilon: gamma, seed: 1, maxIterations: 1 }).objective);
    const bad = { data: X.data.map((v, q) => (q === 0 ? v + 0.1 : v)), shape: X.shape };
    expect(() => wassersteinCp(bad, 2)).toThrow(/probability distribution/);
    expect(() => wassersteinCp({ data: X.data, shape: [4, 3, 3] }, 2)).toThrow(FirstOrderError);
    expect(() => wassersteinCp(X, 0)).toThrow(/rank/);
    expect(() => wassersteinCp(X, 2, { proximalWeight: 0 })).toThrow(/proximalWeight/);
    expect(() => wassersteinCp(X, 2, { cost: new Matrix(3, 3) })).toThrow(/cost/);
  });
});
