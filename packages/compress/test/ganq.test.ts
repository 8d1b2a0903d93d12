import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError, createRng } from '@firstorder/core';
import { Matrix, cholesky, syrk } from '@firstorder/linalg';
import { CPU_GANQ_BACKEND, GANQ_DEFAULTS, ganq, ganqCodebooks, gptq, layerObjective, relativeLayerError, rtn } from '@firstorder/compress';
import { exactKMeans1D, syntheticLayer } from './helpers.js';

function lutObjective(W: Matrix, H: Matrix, codes: Uint8Array, T: Matrix): number {
  const k = T.cols;
  const What = new Matrix(W.rows, W.cols);
  for (let i = 0; i < W.rows; i++) for (let j = 0; j < W.cols; j++) What.data[i * W.cols + j] = T.data[i * k + codes[i * W.cols + j]!]!;
  return layerObjective(W, What, H);
}

function randomProblem(seed: number, m: number, n: number): { W: Matrix; H: Matrix } {
  const rng = createRng(seed);
  const W = new Matrix(m, n);
  rng.fillNormal(W.data);
  const X = new Matrix(n, 2 * n);
  rng.fillNormal(X.data);
  for (let j = 0; j < n; j++) for (let t = 0; t < 2 * n; t++) X.data[j * 2 * n + t]! *= 1 + 3 * (j % 3);
  return { W, H: syrk(X) };
}

describe('GANQ T-step (eq. 5)', () => {
  test('never increases the objective for fixed S, and is a stationary point in T', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(2, 3, 4), (seed, bits) => {
        const { W, H } = randomProblem(seed, 5, 12);
        const rng = createRng(seed + 1);
        const k = 1 << bits;
        const codes = new Uint8Array(W.rows * W.cols);
        for (let p = 0; p < codes.length; p++) codes[p] = rng.integer(0, Math.min(k, 5)); // some clusters empty
        const T0 = new Matrix(W.rows, k);
        rng.fillNormal(T0.data);
        const T1 = ganqCodebooks(W, H, codes, bits);
        const f0 = lutObjective(W, H, codes, T0);
        const f1 = lutObjective(W, H, codes, T1);
        // Exact minimiser: below any T (incl. random ones) and below small perturbations of itself.
        expect(f1).toBeLessThanOrEqual(f0 * (1 + 1e-12));
        for (let trial = 0; trial < 3; trial++) {
          const Tp = new Matrix(W.rows, k, T1.data.map((v) => v + 1e-3 * rng.normal()));
          expect(f1).toBeLessThanOrEqual(lutObjective(W, H, codes, Tp) * (1 + 1e-12));
        }
        // Empty clusters get 0 (minimum-norm pseudo-inverse solution).
        for (let i = 0; i < W.rows; i++) for (let s = 5; s < k; s++) expect(T1.data[i * k + s]).toBe(0);
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  test('with one cluster per row the T-step is the H-weighted mean W_i H 1 / 1ᵀ H 1', () => {
    const { W, H } = randomProblem(3, 4, 9);
    const T = ganqCodebooks(W, H, new Uint8Array(36), 1);
    const n = 9;
    let den = 0;
    for (const v of H.data) den += v;
    for (let i = 0; i < 4; i++) {
      let num = 0;
      for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) num += W.data[i * n + j]! * H.data[j * n + l]!;
      expect(T.data[i * 2]).toBeCloseTo(num / den, 12);
    }
  });
});

describe('GANQ S-step (eq. 20)', () => {
  test('K = 0 matches a direct transcription of eq. 20 on the RTN grid', () => {
    const { W, H } = randomProblem(11, 6, 20);
    const res = ganq(W, H, { bits: 3, iterations: 0, init: 'rtn', damp: 0.01, blockSize: 7 });
    // Direct: L from the damped H; for j = n−1..0, idx = argmin |W_ij + (1/L_jj) Σ_{u>j} r_u L_uj − T_s|.
    const n = 20;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += H.data[i * n + i]!;
    const Hd = new Matrix(n, n, H.data.slice());
    for (let i = 0; i < n; i++) Hd.data[i * n + i]! += (0.01 * mean) / n;
    const L = cholesky(Hd).L;
    const T = res.codebooks;
    for (let i = 0; i < 6; i++) {
      const r = new Float64Array(n);
      for (let j = n - 1; j >= 0; j--) {
        let acc = 0;
        for (let u = j + 1; u < n; u++) acc += r[u]! * L.get(u, j);
        const target = W.get(i, j) + acc / L.get(j, j);
        let best = 0;
        for (let s = 1; s < 8; s++) if (Math.abs(target - T.get(i, s)) < Math.abs(target - T.get(i, best))) best = s;
        expect(res.codes[i * n + j]).toBe(best);
        r[j] = W.get(i, j) - T.get(i, best);
      }
    }
    // K = 0 keeps the initial (RTN) grid.
    const grid = rtn(W, { bits: 3 }).toLut().codebooks;
    for (let p = 0; p < T.data.length; p++) expect(T.data[p]).toBeCloseTo(grid.data[p]!, 14);
  });
});

describe('GANQ with H = I is per-row 1-D k-means', () => {
  test('converges to a Lloyd fixed point no worse than the optimum and equal to it on clustered rows', () => {
    const rng = createRng(7);
    const m = 6;
    const n = 12;
    const W = new Matrix(m, n);
    for (let i = 0; i < m; i++) {
      // Four well-separated clusters per row (4 distinct centres + small noise).
      for (let j = 0; j < n; j++) W.data[i * n + j] = [-3, -1, 1.5, 4][j % 4]! * (1 + 0.2 * i) + 0.05 * rng.normal();
    }
    const H = Matrix.identity(n);
    const res = ganq(W, H, { bits: 2, iterations: 30, damp: 0 });
    const k = 4;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const row = W.data.subarray(i * n, (i + 1) * n);
      const opt = exactKMeans1D(row, k);
      let f = 0;
      for (let j = 0; j < n; j++) {
        const t = res.codebooks.get(i, res.codes[i * n + j]!);
        f += (row[j]! - t) ** 2;
        // Lloyd fixed point: every entry sits at its nearest codeword, every codeword is its cluster's mean.
        for (let s = 0; s < k; s++) expect(Math.abs(row[j]! - t)).toBeLessThanOrEqual(Math.abs(row[j]! - res.codebooks.get(i, s)) + 1e-12);
      }
      expect(f).toBeGreaterThanOrEqual(opt * (1 - 1e-9));
      expect(f).toBeCloseTo(opt, 10);
      total += f;
    }
    expect(res.objective).toBeCloseTo(total, 10);
  });

  test('on random rows GANQ(H = I) is Lloyd\'s algorithm from the same seeds, never below the exact 1-D k-means optimum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = createRng(seed);
        const n = 10;
        const W = new Matrix(3, n);
        rng.fillNormal(W.data);
        const res = ganq(W, Matrix.identity(n), { bits: 2, iterations: 20, damp: 0 });
        let optimum = 0;
        let lloydTotal = 0;
        for (let i = 0; i < 3; i++) {
          const row = Array.from(W.data.subarray(i * n, i * n + n));
          optimum += exactKMeans1D(row, 4);
          // Independent Lloyd: mid-quantile seeds (the 2-bit 'quantile' init), nearest (first index on
          // ties), means (empty cluster → 0, as the pseudo-inverse gives), best objective over 20 rounds.
          const sorted = row.slice().sort((a, b) => a - b);
          let c = [0.125, 0.375, 0.625, 0.875].map((f) => {
            const x = f * (n - 1);
            const l = Math.floor(x);
            return (1 - (x - l)) * sorted[l]! + (x - l) * sorted[Math.min(l + 1, n - 1)]!;
          });
          let best = Infinity;
          for (let it = 0; it < 20; it++) {
            const a = row.map((v) => c.reduce((bi, cv, s) => (Math.abs(v - cv) < Math.abs(v - c[bi]!) ? s : bi), 0));
            c = c.map((_, s) => {
              const members = row.filter((_, j) => a[j] === s);
              return members.length === 0 ? 0 : members.reduce((x, y) => x + y, 0) / members.length;
            });
            best = Math.min(best, row.reduce((acc, v, j) => acc + (v - c[a[j]!]!) ** 2, 0));
          }
          lloydTotal += best;
        }
        expect(res.objective).toBeGreaterThanOrEqual(optimum * (1 - 1e-9));
        // Same algorithm up to rounding (GANQ's means come from a 4×4 pseudo-inverse): 1e-9 relative.
        expect(Math.abs(res.objective - lloydTotal)).toBeLessThanOrEqual(1e-9 * lloydTotal);
      }),
      { numRuns: 20, seed: 5 },
    );
  });
});

describe('GANQ best iterate', () => {
  test('the returned objective never exceeds the first back-substitution on T⁰ and is the minimum seen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(2, 3, 4), fc.constantFrom('auto', 'rtn') , (seed, bits, init) => {
        const { W, H } = syntheticLayer(seed, 8, 24, 48, seed % 3);
        const res = ganq(W, H, { bits, init: init as 'auto' | 'rtn', iterations: 4 });
        expect(res.objective).toBeLessThanOrEqual(res.initialObjective);
        expect(res.objective).toBe(Math.min(res.initialObjective, ...res.objectiveHistory));
        expect(res.objectiveHistory.length).toBe(4);
        // The reported objective is the damped objective of the returned Ŵ (dead columns zeroed).
        expect(Number.isFinite(res.relativeError)).toBe(true);
      }),
      { numRuns: 15, seed: 9 },
    );
  });
});

describe('layer level: GANQ < GPTQ < RTN on synthetic LLM-like layers', () => {
  const { W, H } = syntheticLayer(2024, 48, 128, 384, 6);
  for (const bits of [3, 4]) {
    test(`${bits} bits`, () => {
      const eG = ganq(W, H, { bits }).relativeError;
      const eQ = gptq(W, H, { bits }).relativeError;
      const eR = relativeLayerError(W, rtn(W, { bits }).dequantize(), H);
      expect(eG).toBeLessThan(eQ);
      expect(eQ).toBeLessThan(eR);
    });
  }
});

describe('outliers, dead inputs, damping', () => {
  test('outlier positions are reconstructed exactly and counted', () => {
    const { W, H } = syntheticLayer(5, 10, 40, 80, 2);
    // GPTQ's dead-input fix keeps all 40 columns in the fit, so the per-row count is over 40 entries.
    const res = ganq(W, H, { bits: 3, outliers: { ratio: 0.1, fullRows: 1 }, iterations: 3, deadInputs: 'zero' });
    // 9 rows × 2 per side × 2 + one full row of 40.
    expect(res.outlierCount).toBe(9 * 4 + 40);
    expect(res.outliers!.values.length).toBe(res.outlierCount);
    const What = res.dequantize();
    const o = res.outliers!;
    for (let i = 0; i < 10; i++) {
      for (let p = o.rowPtr[i]!; p < o.rowPtr[i + 1]!; p++) {
        expect(What.get(i, o.colIndices[p]!)).toBeCloseTo(W.get(i, o.colIndices[p]!), 14);
      }
    }
    const plain = ganq(W, H, { bits: 3, iterations: 3, deadInputs: 'zero' });
    expect(res.relativeError).toBeLessThan(plain.relativeError);
  });

  test('dead inputs are reported and escalating damping is applied and reported when H is singular', () => {
    const { W, H } = syntheticLayer(6, 8, 40, 20, 3); // p < n: rank-deficient H
    const res = ganq(W, H, { bits: 4, damp: 0, iterations: 2 });
    expect(res.deadInputs.length).toBe(3);
    expect(res.dampingEscalations).toBeGreaterThan(0);
    expect(res.damping).toBeGreaterThan(0);
    expect(Number.isFinite(res.relativeError)).toBe(true);
    const d = ganq(W, H, { bits: 4, iterations: 2 });
    expect(d.relativeDamping).toBeCloseTo(GANQ_DEFAULTS.damp, 12);
  });
});

describe('actOrder (ours): the S-step over columns sorted by increasing H_jj', () => {
  // Independent reference: permute W's columns and H explicitly, run plain GANQ, map the codes back.
  function permutedRun(W: Matrix, H: Matrix, options: Parameters<typeof ganq>[2] & object) {
    const n = W.cols;
    const perm = Array.from({ length: n }, (_, j) => j).sort((a, b) => H.get(a, a) - H.get(b, b) || a - b);
    const Wp = new Matrix(W.rows, n);
    for (let i = 0; i < W.rows; i++) for (let j = 0; j < n; j++) Wp.set(i, j, W.get(i, perm[j]!));
    const Hp = new Matrix(n, n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) Hp.set(a, b, H.get(perm[a]!, perm[b]!));
    return { perm, res: ganq(Wp, Hp, { ...options, backend: undefined }) };
  }

  test('equals plain GANQ on the jointly permuted problem, codes, codebooks, outliers and dead inputs mapped back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(3, 4), fc.boolean(), (seed, bits, withOutliers) => {
        const { W, H } = syntheticLayer(seed, 7, 30, 60, 1 + (seed % 3));
        const opts = { bits, iterations: 3, deadInputs: 'zero' as const, ...(withOutliers ? { outliers: { ratio: 0.1 } } : {}) };
        const got = ganq(W, H, { ...opts, actOrder: true });
        const { perm, res } = permutedRun(W, H, opts);
        const n = W.cols;
        for (let i = 0; i < W.rows; i++) for (let j = 0; j < n; j++) expect(got.codes[i * n + perm[j]!]).toBe(res.codes[i * n + j]);
        expect(Array.from(got.codebooks.data)).toEqual(Array.from(res.codebooks.data));
        expect(got.objective).toBe(res.objective);
        expect(Array.from(got.deadInputs)).toEqual(Array.from(res.deadInputs, (d) => perm[d]!).sort((a, b) => a - b));
        // Ŵ in the caller's column order: the permuted run's Ŵ with its columns put back.
        const Wg = got.dequantize();
        const Wr = res.dequantize();
        for (let i = 0; i < W.rows; i++) for (let j = 0; j < n; j++) expect(Wg.get(i, perm[j]!)).toBe(Wr.get(i, j));
        if (withOutliers) {
          const o = got.outliers!;
          expect(o.values.length).toBe(res.outlierCount);
          for (let i = 0; i < W.rows; i++) {
            for (let p = o.rowPtr[i]! + 1; p < o.rowPtr[i + 1]!; p++) expect(o.colIndices[p]!).toBeGreaterThan(o.colIndices[p - 1]!);
            for (let p = o.rowPtr[i]!; p < o.rowPtr[i + 1]!; p++) expect(Wg.get(i, o.colIndices[p]!)).toBeCloseTo(W.get(i, o.colIndices[p]!), 14);
          }
        }
        expect(got.relativeError).toBeCloseTo(relativeLayerError(W, Wg, H), 14);
      }),
      { numRuns: 12, seed: 17 },
    );
  });

  test('the CPU backend path gives the same codes and codebooks', async () => {
    const { W, H } = syntheticLayer(31, 9, 40, 80, 4);
    const a = ganq(W, H, { bits: 3, iterations: 3, actOrder: true });
    const b = await ganq(W, H, { bits: 3, iterations: 3, actOrder: true, backend: CPU_GANQ_BACKEND });
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    expect(Array.from(b.codebooks.data)).toEqual(Array.from(a.codebooks.data));
  });

  test('a non-boolean actOrder is a typed error', () => {
    const { W, H } = randomProblem(1, 3, 6);
    expect(() => ganq(W, H, { actOrder: 'yes' as unknown as boolean })).toThrow(FirstOrderError);
  });
});

describe("deadInputs: 'exclude' (ours): dead columns dropped from the fit", () => {
  test('equals plain GANQ on the live columns with the same absolute λ; dead entries take the code nearest to W', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(3, 4), fc.boolean(), (seed, bits, actOrder) => {
        const { W, H } = syntheticLayer(seed, 6, 28, 56, 3 + (seed % 5));
        const n = W.cols;
        const live = Array.from({ length: n }, (_, j) => j).filter((j) => H.get(j, j) > 0);
        const nl = live.length;
        const Wl = new Matrix(W.rows, nl);
        for (let i = 0; i < W.rows; i++) for (let a = 0; a < nl; a++) Wl.set(i, a, W.get(i, live[a]!));
        const Hl = new Matrix(nl, nl);
        for (let a = 0; a < nl; a++) for (let b = 0; b < nl; b++) Hl.set(a, b, H.get(live[a]!, live[b]!));
        let liveTrace = 0;
        for (const j of live) liveTrace += H.get(j, j);
        const lambda = 0.01 * ((liveTrace + (n - nl)) / n);
        const ref = ganq(Wl, Hl, { bits, iterations: 3, actOrder, damp: lambda / (liveTrace / nl) });
        const got = ganq(W, H, { bits, iterations: 3, actOrder, deadInputs: 'exclude' });
        expect(got.deadInputs.length).toBe(n - nl);
        expect(got.damping).toBeCloseTo(lambda, 10);
        expect(Array.from(got.codebooks.data)).toEqual(Array.from(ref.codebooks.data));
        const k = 1 << bits;
        for (let i = 0; i < W.rows; i++) {
          for (let a = 0; a < nl; a++) expect(got.codes[i * n + live[a]!]).toBe(ref.codes[i * nl + a]);
          for (const j of got.deadInputs) {
            const t = got.codebooks.data[i * k + got.codes[i * n + j]!]!;
            for (let q = 0; q < k; q++) expect(Math.abs(t - W.get(i, j))).toBeLessThanOrEqual(Math.abs(got.codebooks.data[i * k + q]! - W.get(i, j)));
          }
        }
        // Dead rows/columns of H are zero, so the error under the caller's H is the live problem's error.
        expect(got.relativeError).toBeCloseTo(ref.relativeError, 12);
      }),
      { numRuns: 12, seed: 23 },
    );
  });

  test("without dead inputs 'exclude' and 'zero' coincide; a bad value is a typed error", () => {
    const { W, H } = syntheticLayer(12, 6, 24, 48, 0);
    const a = ganq(W, H, { bits: 3, iterations: 2, deadInputs: 'zero' });
    const b = ganq(W, H, { bits: 3, iterations: 2, deadInputs: 'exclude' });
    expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
    expect(() => ganq(W, H, { deadInputs: 'drop' as 'zero' })).toThrow(FirstOrderError);
  });
});

describe('deadInputs default', () => {
  test("'exclude' with hessianFix 'damp' (lower layer error than 'zero' here); 'zero' (the fix's own) with 'reference'", () => {
    const { W, H } = syntheticLayer(5, 8, 32, 64, 6);
    const byDefault = ganq(W, H, { bits: 3, iterations: 3 });
    const exclude = ganq(W, H, { bits: 3, iterations: 3, deadInputs: 'exclude' });
    const zero = ganq(W, H, { bits: 3, iterations: 3, deadInputs: 'zero' });
    expect(GANQ_DEFAULTS.deadInputs).toBe('exclude');
    expect(Array.from(byDefault.codes)).toEqual(Array.from(exclude.codes));
    expect(Array.from(byDefault.codes)).not.toEqual(Array.from(zero.codes));
    expect(exclude.relativeError).toBeLessThan(zero.relativeError);
    const ref = ganq(W, H, { bits: 3, iterations: 3, hessianFix: 'reference' });
    const refZero = ganq(W, H, { bits: 3, iterations: 3, hessianFix: 'reference', deadInputs: 'zero' });
    expect(Array.from(ref.codes)).toEqual(Array.from(refZero.codes));
  });
});

describe('bad input', () => {
  const { W, H } = randomProblem(1, 3, 6);
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FirstOrderError);
      return (e as FirstOrderError).code;
    }
    return 'none';
  };
  test('typed errors', () => {
    expect(code(() => ganq(W, H, { bits: 5 }))).toBe('INVALID_OPTION');
    expect(code(() => ganq(W, H, { bits: 3, init: 'segment' }))).toBe('INVALID_OPTION');
    expect(code(() => ganq(W, Matrix.identity(5)))).toBe('DIMENSION_MISMATCH');
    const bad = new Matrix(3, 6, W.data.slice());
    bad.data[4] = NaN;
    expect(code(() => ganq(bad, H))).toBe('NON_FINITE_INPUT');
    expect(code(() => ganq(W, H, { iterations: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => gptq(W, H, { bits: 9 }))).toBe('INVALID_OPTION');
    expect(code(() => gptq(W, Matrix.identity(4)))).toBe('DIMENSION_MISMATCH');
    expect(code(() => rtn(bad))).toBe('NON_FINITE_INPUT');
    expect(code(() => rtn(W, { groupSize: 7 }))).toBe('INVALID_OPTION');
  });
  test('inputs are never mutated', () => {
    const { W: W2, H: H2 } = syntheticLayer(8, 6, 30, 20, 2);
    const w = W2.data.slice();
    const h = H2.data.slice();
    ganq(W2, H2, { bits: 3, iterations: 2, outliers: { ratio: 0.1 } });
    gptq(W2, H2, { bits: 3, actOrder: true, groupSize: 8 });
    rtn(W2, { bits: 3 });
    expect(W2.data).toEqual(w);
    expect(H2.data).toEqual(h);
  });
});
