import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError, createRng } from '@firstorder/core';
import { Matrix, syrk } from '@firstorder/linalg';
import { CPU_GANQ_BACKEND, ganq, ganqCodebooks, layerObjective, prepareGramDiagonalBoost, relativeLayerError } from '@firstorder/compress';
import { syntheticLayer } from './helpers.js';

/** Independent transcription of the reference code's OPT path: dead H_ii = 1, W[:, dead] = live row mean, diagonal boost. */
function referenceFix(W: Matrix, H: Matrix): { Wf: Matrix; Hdead: Matrix; Hboost: Matrix; dead: number[] } {
  const n = H.rows;
  const dead: number[] = [];
  for (let j = 0; j < n; j++) if (H.data[j * n + j] === 0) dead.push(j);
  const Hdead = new Matrix(n, n, H.data.slice());
  for (const j of dead) Hdead.data[j * n + j] = 1;
  const Hboost = new Matrix(n, n, Hdead.data.slice());
  for (let i = 0; i < n; i++) {
    let rowAbs = 0;
    for (let j = 0; j < n; j++) rowAbs += Math.abs(Hdead.data[i * n + j]!);
    Hboost.data[i * n + i]! += Math.max(rowAbs - 2 * Hdead.data[i * n + i]!, 1e-8);
  }
  const Wf = new Matrix(W.rows, n, W.data.slice());
  for (let i = 0; i < W.rows; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (!dead.includes(j)) s += W.data[i * n + j]!;
    for (const j of dead) Wf.data[i * n + j] = s / (n - dead.length);
  }
  return { Wf, Hdead, Hboost, dead };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!), Math.abs(b[i]!));
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
  }
  return scale === 0 ? d : d / scale;
}

/** A Gram matrix of correlated inputs with mixed-sign off-diagonals and `dead` always-zero inputs. */
function gramWithDead(seed: number, n: number, dead: number): Matrix {
  const rng = createRng(seed);
  const p = 3 * n;
  const X = new Matrix(n, p);
  const common = new Float64Array(p);
  rng.fillNormal(common);
  for (let j = 0; j < n; j++) for (let t = 0; t < p; t++) X.data[j * p + t] = (j % 2 === 0 ? 1 : -0.7) * common[t]! + rng.normal() * (1 + (j % 4));
  for (const j of rng.sample(n, dead)) for (let t = 0; t < p; t++) X.data[j * p + t] = 0;
  return syrk(X);
}

describe("GANQ hessianFix: 'reference' (GANQ reference code, OPT path)", () => {
  test('the boosted H is weakly diagonally dominant, equals H + diag(max(Σ|H_ij| − 2H_ii, 1e−8)) after the dead fix, and factors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 3, max: 14 }), fc.integer({ min: 0, max: 3 }), (seed, n, dead) => {
        const H = gramWithDead(seed, n, Math.min(dead, n - 1));
        const W = new Matrix(2, n);
        const Hcopy = H.data.slice();
        const g = prepareGramDiagonalBoost(W, H, true);
        const ref = referenceFix(W, H);
        expect(Array.from(g.deadInputs)).toEqual(ref.dead);
        expect(H.data).toEqual(Hcopy); // input not mutated
        expect(Array.from(g.Hobjective.data)).toEqual(Array.from(ref.Hdead.data));
        expect(maxRelDiff(g.H.data, ref.Hboost.data)).toBeLessThan(1e-14);
        for (let i = 0; i < n; i++) {
          let off = 0;
          for (let j = 0; j < n; j++) if (j !== i) off += Math.abs(g.H.data[i * n + j]!);
          expect(g.H.data[i * n + i]!).toBeGreaterThanOrEqual(off * (1 - 1e-14));
          for (let j = 0; j < n; j++) if (j !== i) expect(g.H.data[i * n + j]).toBe(H.data[i * n + j]);
        }
        // L Lᵀ = boosted H, no escalation needed.
        const L = g.L!.data;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            let s = 0;
            for (let t = 0; t <= j; t++) s += L[i * n + t]! * L[j * n + t]!;
            expect(Math.abs(s - g.H.data[i * n + j]!)).toBeLessThan(1e-10 * g.H.data[i * n + i]!);
          }
        }
        expect(g.dampingEscalations).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  const cases = [
    { bits: 3, seed: 11 },
    { bits: 4, seed: 12 },
  ];
  for (const { bits, seed } of cases) {
    test(`${bits} bits: S- and T-steps run on the mean-filled W and the boosted H; iterates chosen under the dead-fixed H; error under the original H`, () => {
      const { W, H } = syntheticLayer(seed, 12, 40, 80, 9);
      const Wcopy = W.data.slice();
      const r = ganq(W, H, { bits, hessianFix: 'reference' });
      expect(W.data).toEqual(Wcopy);
      const { Wf, Hdead, Hboost, dead } = referenceFix(W, H);
      expect(Array.from(r.deadInputs)).toEqual(dead);
      expect(dead.length).toBe(9);
      // The returned codebooks are the T-step of the returned codes on (filled W, boosted H).
      expect(r.bestIteration).toBeGreaterThanOrEqual(1);
      const T = ganqCodebooks(Wf, Hboost, r.codes, bits);
      expect(maxRelDiff(r.codebooks.data, T.data)).toBeLessThan(1e-9);
      // …and not the T-step on W with dead columns zeroed (GPTQ's fix) or on the damped H: the check can fail.
      const Wz = new Matrix(W.rows, W.cols, W.data.slice());
      for (let i = 0; i < W.rows; i++) for (const j of dead) Wz.data[i * W.cols + j] = 0;
      expect(maxRelDiff(r.codebooks.data, ganqCodebooks(Wz, Hboost, r.codes, bits).data)).toBeGreaterThan(1e-6);
      expect(maxRelDiff(r.codebooks.data, ganqCodebooks(Wf, Hdead, r.codes, bits).data)).toBeGreaterThan(1e-6);
      // Objective: under the dead-fixed, unboosted H, with ΔW from the filled W; relative error under the caller's H.
      const What = r.dequantize();
      expect(Math.abs(r.objective - layerObjective(Wf, What, Hdead))).toBeLessThan(1e-9 * r.objective);
      expect(r.relativeError).toBeCloseTo(relativeLayerError(W, What, H), 12);
      expect(r.objective).toBeLessThanOrEqual(r.initialObjective);
      for (let it = 0; it < r.objectiveHistory.length; it++) expect(r.objective).toBeLessThanOrEqual(r.objectiveHistory[it]!);
      // The boost, not λ, is reported as damping.
      let meanBoost = 0;
      for (let i = 0; i < W.cols; i++) meanBoost += Hboost.data[i * W.cols + i]! - Hdead.data[i * W.cols + i]!;
      expect(r.damping).toBeCloseTo(meanBoost / W.cols, 6);
    });
  }

  test('K = 0 equals the damp path with λ = 0 on the explicitly filled W and boosted H (same T⁰, same back-substitution)', () => {
    for (const bits of [2, 3, 4]) {
      const { W, H } = syntheticLayer(21 + bits, 10, 36, 72, 7);
      const { Wf, Hboost } = referenceFix(W, H);
      const a = ganq(W, H, { bits, iterations: 0, hessianFix: 'reference' });
      const b = ganq(Wf, Hboost, { bits, iterations: 0, damp: 0 });
      expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
      expect(Array.from(a.codebooks.data)).toEqual(Array.from(b.codebooks.data));
      // With GPTQ's fix instead, the codes differ on this layer.
      const c = ganq(W, H, { bits, iterations: 0 });
      expect(Array.from(a.codes)).not.toEqual(Array.from(c.codes));
    }
  });

  test('the dead columns of W do not matter (they are overwritten by the live mean)', () => {
    const { W, H } = syntheticLayer(31, 10, 32, 64, 6);
    const r1 = ganq(W, H, { bits: 3, hessianFix: 'reference' });
    const W2 = new Matrix(W.rows, W.cols, W.data.slice());
    const rng = createRng(5);
    for (let i = 0; i < W.rows; i++) for (const j of r1.deadInputs) W2.data[i * W.cols + j] = 10 * rng.normal();
    const r2 = ganq(W2, H, { bits: 3, hessianFix: 'reference' });
    expect(Array.from(r2.codes)).toEqual(Array.from(r1.codes));
    expect(Array.from(r2.codebooks.data)).toEqual(Array.from(r1.codebooks.data));
  });

  test('CPU backend path, act-order, dead exclusion and outliers compose with the reference fix', async () => {
    const { W, H } = syntheticLayer(41, 12, 40, 80, 8);
    const opts = { bits: 3, hessianFix: 'reference' as const, outliers: { ratio: 0.05 } };
    const plain = ganq(W, H, opts);
    const viaBackend = await ganq(W, H, { ...opts, backend: CPU_GANQ_BACKEND });
    expect(Array.from(viaBackend.codes)).toEqual(Array.from(plain.codes));
    expect(Array.from(viaBackend.codebooks.data)).toEqual(Array.from(plain.codebooks.data));
    expect(viaBackend.objective).toBe(plain.objective);
    for (const variant of [{ actOrder: true }, { deadInputs: 'exclude' as const }, { actOrder: true, deadInputs: 'exclude' as const }]) {
      const r = ganq(W, H, { ...opts, ...variant });
      expect(r.relativeError).toBeCloseTo(relativeLayerError(W, r.dequantize(), H), 12);
      expect(r.relativeError).toBeLessThan(0.05);
    }
  });

  test('an unknown hessianFix is a typed error', () => {
    const { W, H } = syntheticLayer(1, 4, 8, 16);
    expect(() => ganq(W, H, { hessianFix: 'boost' as never })).toThrow(FirstOrderError);
    expect(() => ganq(W, H, { hessianFix: 'boost' as never })).toThrow(/hessianFix/);
  });
});
