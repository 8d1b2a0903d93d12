import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FirstOrderError } from '@firstorder/core';
import { CsrMatrix, Matrix } from '@firstorder/linalg';
import { LP_DEFAULTS, lpNormalizedDualityGap, solveLp } from '@firstorder/primal-dual';
import fc from 'fast-check';
import { createRng } from '@firstorder/core';
import type { RowSense } from '@firstorder/primal-dual';

interface Case {
  name: string;
  c: number[];
  A: number[][];
  b: number[];
  sense: RowSense[];
  lower: (number | null)[];
  upper: (number | null)[];
  status: number;
  objective?: number;
  x?: number[];
  y?: number[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/lp.json', import.meta.url), 'utf8')) as { cases: Case[] };

function toMatrix(rows: number[][], cols: number): Matrix {
  return new Matrix(rows.length, cols, Float64Array.from(rows.flat()));
}

describe('solveLp vs scipy linprog (HiGHS) fixtures', () => {
  for (const [k, lp] of fixture.cases.entries()) {
    if (lp.status !== 0) continue;
    it(`${lp.name}: objective to 1e-6 relative, primal and dual feasibility to 1e-6`, () => {
      const dense = toMatrix(lp.A, lp.c.length);
      const A = k % 2 === 0 ? CsrMatrix.fromDense(dense) : dense; // sparse and dense inputs
      const copy = Float64Array.from(dense.data);
      const res = solveLp({ c: lp.c, A, b: lp.b, sense: lp.sense, lower: lp.lower, upper: lp.upper }, { tolerance: { absolute: 1e-9, relative: 1e-9 } });
      expect(res.status).toBe('converged');
      const scale = Math.max(1, Math.abs(lp.objective!));
      expect(Math.abs(res.objective - lp.objective!) / scale).toBeLessThan(1e-6);
      // Primal feasibility, recomputed here from x.
      const Ax = new Float64Array(lp.b.length);
      dense.apply(res.x, Ax);
      const bNorm = Math.max(1, Math.hypot(...lp.b));
      for (let i = 0; i < lp.b.length; i++) {
        const a = Ax[i]! - lp.b[i]!;
        const viol = lp.sense[i] === '=' ? Math.abs(a) : lp.sense[i] === '<=' ? Math.max(a, 0) : Math.max(-a, 0);
        expect(viol / bNorm).toBeLessThan(1e-6);
      }
      for (let j = 0; j < lp.c.length; j++) {
        expect(res.x[j]!).toBeGreaterThanOrEqual((lp.lower[j] ?? -Infinity) - 1e-12);
        expect(res.x[j]!).toBeLessThanOrEqual((lp.upper[j] ?? Infinity) + 1e-12);
      }
      // Dual feasibility: multiplier signs and reduced costs on unbounded sides; dual objective = primal objective.
      const cNorm = Math.max(1, Math.hypot(...lp.c));
      for (let i = 0; i < lp.b.length; i++) {
        if (lp.sense[i] === '<=') expect(res.y[i]!).toBeLessThanOrEqual(1e-12);
        if (lp.sense[i] === '>=') expect(res.y[i]!).toBeGreaterThanOrEqual(-1e-12);
      }
      const ATy = new Float64Array(lp.c.length);
      dense.applyTranspose(res.y, ATy);
      for (let j = 0; j < lp.c.length; j++) {
        const r = lp.c[j]! - ATy[j]!;
        // No lower bound: r ≤ 0 required; no upper bound: r ≥ 0 required.
        if (lp.lower[j] === null) expect(Math.max(r, 0) / cNorm).toBeLessThan(1e-6);
        if (lp.upper[j] === null) expect(Math.max(-r, 0) / cNorm).toBeLessThan(1e-6);
        if (lp.lower[j] === null && lp.upper[j] === null) expect(Math.abs(r) / cNorm).toBeLessThan(1e-6);
      }
      expect(Math.abs(res.dualObjective - lp.objective!) / scale).toBeLessThan(1e-6);
      expect(dense.data).toEqual(copy);
    });
  }

  it('infeasible and unbounded LPs end with the right status and a checked certificate', () => {
    const infeasible = fixture.cases.find((c) => c.name === 'infeasible')!;
    const unbounded = fixture.cases.find((c) => c.name === 'unbounded')!;
    expect(infeasible.status).toBe(2);
    expect(unbounded.status).toBe(3);
    const r1 = solveLp({ c: infeasible.c, A: toMatrix(infeasible.A, 2), b: infeasible.b, sense: infeasible.sense, lower: infeasible.lower, upper: infeasible.upper });
    expect(r1.status).toBe('primal_infeasible');
    expect(r1.certificate?.kind).toBe('dual_ray');
    // Farkas: y·b > 0 with c = 0 reduced costs −Aᵀy ≥ 0 on x ≥ 0 → here −y ≥ 0 and −y > 0.
    expect(r1.certificate!.ray[0]!).toBeLessThan(0);
    const r2 = solveLp({ c: unbounded.c, A: toMatrix(unbounded.A, 2), b: unbounded.b, sense: unbounded.sense, lower: unbounded.lower, upper: unbounded.upper });
    expect(r2.status).toBe('dual_infeasible');
    const d = r2.certificate!.ray;
    expect(-d[0]!).toBeLessThan(0); // cᵀd < 0
    expect(Math.abs(d[0]! - d[1]!)).toBeLessThan(1e-6); // A d = 0
    expect(Math.min(d[0]!, d[1]!)).toBeGreaterThanOrEqual(-1e-9); // d ≥ 0
  });

  it('bad input → typed errors; max_iterations status', () => {
    const A = new Matrix(1, 2, [1, 1]);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return (e as FirstOrderError).code;
      }
      return undefined;
    };
    expect(code(() => solveLp({ c: [1], A, b: [1] }))).toBe('DIMENSION_MISMATCH');
    expect(code(() => solveLp({ c: [1, NaN], A, b: [1] }))).toBe('NON_FINITE_INPUT');
    expect(code(() => solveLp({ c: [1, 1], A, b: [1], sense: ['<'] as never }))).toBe('INVALID_ARGUMENT');
    expect(code(() => solveLp({ c: [1, 1], A, b: [1], lower: [2, 0], upper: [1, 1] }))).toBe('INVALID_ARGUMENT');
    expect(code(() => solveLp({ c: [1, 1], A: [[1, 1]] as never, b: [1] }))).toBe('INVALID_ARGUMENT');
    expect(solveLp({ c: [1, 2], A, b: [1] }, { maxIterations: 3 }).status).toBe('max_iterations');
    expect(Object.isFrozen(LP_DEFAULTS)).toBe(true);
    expect(LP_DEFAULTS.restartCriterion).toBe('normalizedGap');
  });
});

// Independent evaluation of max{gᵀd : lo ≤ d ≤ hi, ‖d‖ ≤ r} by bisection on λ in d(λ) = clamp(λg, lo, hi).
function bisectionMax(g: number[], lo: number[], hi: number[], r: number): number {
  const d = (lam: number) => g.map((gi, i) => Math.min(Math.max(lam * gi, lo[i]!), hi[i]!));
  const norm = (v: number[]) => Math.hypot(...v);
  let a = 0;
  let b = 1;
  while (norm(d(b)) < r && b < 1e30) b *= 2;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (a + b);
    if (norm(d(mid)) < r) a = mid;
    else b = mid;
  }
  const v = d(b);
  return g.reduce((s, gi, i) => s + gi * v[i]!, 0);
}

describe('normalized duality gap (PDLP, arXiv:2105.12715)', () => {
  const cases = fixture.cases.filter((c) => c.status === 0);
  const lpOf = (lp: Case) => ({ c: lp.c, A: toMatrix(lp.A, lp.c.length), b: lp.b, sense: lp.sense, lower: lp.lower, upper: lp.upper });

  it('is ≥ 0 everywhere, nonincreasing in r, and equals a bisection solution of the trust-region problem', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cases.length - 1 }), fc.integer({ min: 1, max: 10_000 }), (k, seed) => {
        const lp = cases[k]!;
        const rng = createRng(seed);
        const n = lp.c.length;
        const m = lp.b.length;
        // A feasible-in-bounds / sign-cone point, not optimal.
        const x = lp.c.map((_, j) => Math.min(Math.max(rng.normal() * 2, lp.lower[j] ?? -Infinity), lp.upper[j] ?? Infinity));
        const y = lp.b.map((_, i) => (lp.sense[i] === '>=' ? Math.abs(rng.normal()) : lp.sense[i] === '<=' ? -Math.abs(rng.normal()) : rng.normal()));
        const omega = Math.exp(rng.normal());
        const r1 = 0.1 + rng.uniform() * 3;
        const rho1 = lpNormalizedDualityGap(lpOf(lp), x, y, { radius: r1, primalWeight: omega });
        const rho2 = lpNormalizedDualityGap(lpOf(lp), x, y, { radius: 2 * r1, primalWeight: omega });
        expect(rho1).toBeGreaterThanOrEqual(0);
        expect(rho2).toBeLessThanOrEqual(rho1 * (1 + 1e-12) + 1e-12);
        // Independent check in the ω-scaled variables.
        const A = toMatrix(lp.A, n);
        const Ax = new Float64Array(m);
        const ATy = new Float64Array(n);
        A.apply(Float64Array.from(x), Ax);
        A.applyTranspose(Float64Array.from(y), ATy);
        const sw = Math.sqrt(omega);
        const g = [...x.map((_, j) => -(lp.c[j]! - ATy[j]!) / sw), ...y.map((_, i) => (lp.b[i]! - Ax[i]!) * sw)];
        const lo = [...x.map((v, j) => ((lp.lower[j] ?? -Infinity) - v) * sw), ...y.map((v, i) => (lp.sense[i] === '>=' ? -v / sw : -Infinity))];
        const hi = [...x.map((v, j) => ((lp.upper[j] ?? Infinity) - v) * sw), ...y.map((v, i) => (lp.sense[i] === '<=' ? -v / sw : Infinity))];
        const ref = bisectionMax(g, lo, hi, r1) / r1;
        expect(Math.abs(rho1 - ref)).toBeLessThanOrEqual(1e-9 * Math.max(1, ref));
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('is 0 at the HiGHS saddle point and positive away from it', () => {
    for (const lp of cases) {
      const atSolution = lpNormalizedDualityGap(lpOf(lp), lp.x!, lp.y!, { radius: 1 });
      const scale = Math.max(1, Math.hypot(...lp.c), Math.hypot(...lp.b));
      expect(atSolution / scale).toBeLessThan(1e-7);
      const moved = lp.x!.map((v, j) => Math.min(v + 0.5, lp.upper[j] ?? Infinity));
      expect(lpNormalizedDualityGap(lpOf(lp), moved, lp.y!, { radius: 1 }) / scale).toBeGreaterThan(1e-4);
    }
  });

  it('KKT-error restarts (the non-default criterion) also keep every fixture within 1e-6 of HiGHS', () => {
    for (const [k, lp] of cases.entries()) {
      const A = k % 2 === 0 ? CsrMatrix.fromDense(toMatrix(lp.A, lp.c.length)) : toMatrix(lp.A, lp.c.length);
      const res = solveLp({ ...lpOf(lp), A }, { restartCriterion: 'kkt', tolerance: { absolute: 1e-9, relative: 1e-9 } });
      expect(res.status).toBe('converged');
      const scale = Math.max(1, Math.abs(lp.objective!));
      expect(Math.abs(res.objective - lp.objective!) / scale).toBeLessThan(1e-6);
      expect(Math.abs(res.dualObjective - lp.objective!) / scale).toBeLessThan(1e-6);
      expect(res.residuals.primal! / Math.max(1, Math.hypot(...lp.b))).toBeLessThan(1e-6);
      expect(res.residuals.dual! / Math.max(1, Math.hypot(...lp.c))).toBeLessThan(1e-6);
    }
    const bad = cases[0]!;
    expect(() => solveLp(lpOf(bad), { restartCriterion: 'gap' as never })).toThrow(/restartCriterion/);
    expect(() => lpNormalizedDualityGap(lpOf(bad), bad.x!, bad.y!, { radius: 0 })).toThrow(/radius/);
  });
});
