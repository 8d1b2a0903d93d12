import { FirstOrderError, createRng } from '@firstorder/core';
import { Matrix, svd } from '@firstorder/linalg';
import { describe, expect, it } from 'vitest';
import {
  adam,
  adapprox,
  adapproxRanks,
  applyUpdates,
  cloneState,
  srsiFactor,
  stateBytes,
} from '@firstorder/optimizers';
import type { AdapproxOptions, AdapproxState, LowRankMoment, Params } from '@firstorder/optimizers';

function normals(seed: number, n: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal(0, scale));
}

/** Best rank-k Frobenius error of V (Eckart–Young), from linalg's SVD. */
function bestRankError(V: Float64Array, m: number, n: number, k: number): number {
  const { s } = svd(new Matrix(m, n, V.slice()), { vectors: 'none' });
  let tail = 0;
  for (let i = k; i < s.length; i++) tail += s[i]! * s[i]!;
  return Math.sqrt(tail);
}

/** ‖V − Q Uᵀ‖_F with Q, U stored column by column (k·m and k·n values). */
function factorError(V: Float64Array, Q: ArrayLike<number>, U: ArrayLike<number>, k: number, m: number, n: number): number {
  let e = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      for (let c = 0; c < k; c++) r += Q[c * m + i]! * U[c * n + j]!;
      const d = V[i * n + j]! - r;
      e += d * d;
    }
  }
  return Math.sqrt(e);
}

function frob(V: Float64Array): number {
  let s = 0;
  for (const v of V) s += v * v;
  return Math.sqrt(s);
}

/** Matrix with singular values decay(i) and random orthogonal-ish factors (Gaussian U, V orthonormalized by QR of linalg's SVD). */
function spectrumMatrix(seed: number, m: number, n: number, decay: (i: number) => number): Float64Array {
  const A = svd(new Matrix(m, n, normals(seed, m * n)));
  const out = new Float64Array(m * n);
  const r = Math.min(m, n);
  for (let c = 0; c < r; c++) {
    const sc = decay(c);
    for (let i = 0; i < m; i++) {
      const u = A.U.data[i * r + c]! * sc;
      for (let j = 0; j < n; j++) out[i * n + j]! += u * A.V.data[j * r + c]!;
    }
  }
  return out;
}

/**
 * Gradients of a softmax regression (C classes × D features, minibatches of 32 from a Gaussian
 * mixture with class-dependent means), evaluated along the iterates of plain SGD: real gradient
 * statistics of a small model, not synthetic matrices.
 */
function softmaxGradients(steps: number, C: number, D: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  const means = Array.from({ length: C }, () => Float64Array.from({ length: D }, () => rng.normal(0, 1)));
  const scales = Float64Array.from({ length: D }, (_, j) => 1 / (1 + j / 8)); // decaying feature scales
  const W = new Float64Array(C * D);
  const out: Float64Array[] = [];
  const x = new Float64Array(D);
  const logits = new Float64Array(C);
  for (let t = 0; t < steps; t++) {
    const g = new Float64Array(C * D);
    for (let b = 0; b < 32; b++) {
      const y = rng.integer(0, C);
      for (let j = 0; j < D; j++) x[j] = (means[y]![j]! + rng.normal(0, 1)) * scales[j]!;
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let j = 0; j < D; j++) s += W[c * D + j]! * x[j]!;
        logits[c] = s;
        max = Math.max(max, s);
      }
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(logits[c]! - max);
      for (let c = 0; c < C; c++) {
        const p = Math.exp(logits[c]! - max) / z - (c === y ? 1 : 0);
        for (let j = 0; j < D; j++) g[c * D + j]! += (p * x[j]!) / 32;
      }
    }
    out.push(g);
    for (let i = 0; i < W.length; i++) W[i]! -= 0.5 * g[i]!;
  }
  return out;
}

describe('srsiFactor: randomized factors against the Eckart–Young optimum', () => {
  // Halko–Martinsson–Tropp (2011) Thm 10.5 bounds the expected Frobenius error of the range
  // finder by (1 + k/(p − 1))^{1/2} times the optimal tail for q = 0; one power iteration brings it
  // close to 1 on decaying spectra. Measured ratios over seeds 1–4 and 11: ≤ 1.0001 (geometric),
  // ≤ 1.007 (1/(1+i)), ≤ 1.024 (1/√(1+i)). The bounds leave room for other seeds only.
  const cases: Array<[string, number, number, number, (i: number) => number, number]> = [
    ['geometric 0.7^i', 60, 40, 5, (i) => 0.7 ** i, 1.01],
    ['polynomial 1/(1+i)', 50, 70, 8, (i) => 1 / (1 + i), 1.05],
    ['slow 1/√(1+i)', 40, 40, 6, (i) => 1 / Math.sqrt(1 + i), 1.1],
  ];
  for (const [label, m, n, k, decay, bound] of cases) {
    it(`${label}, ${m}×${n}, k = ${k}: error ≤ ${bound} × best rank-k`, () => {
      const V = spectrumMatrix(m * n + k, m, n, decay);
      const copy = V.slice();
      const f = srsiFactor(V, m, n, k, { seed: 11, oversampling: 5, powerIterations: 1 });
      expect(V).toEqual(copy); // input untouched
      expect(f.rank).toBe(k);
      const err = factorError(V, f.Q, f.U, k, m, n);
      const best = bestRankError(V, m, n, k);
      expect(err).toBeGreaterThanOrEqual(best * (1 - 1e-9)); // nothing beats the SVD
      expect(err).toBeLessThanOrEqual(bound * best);
      // The reported relative error is the actual one (Q Uᵀ is an orthogonal projection of V).
      expect(f.relativeError).toBeCloseTo(err / frob(V), 8);
    });
  }

  it('picks the smallest rank meeting the error threshold and recovers an exactly low-rank V', () => {
    const V = spectrumMatrix(3, 30, 20, (i) => (i < 3 ? [5, 2, 1][i]! : 0));
    const f = srsiFactor(V, 30, 20, 10, { errorThreshold: 1e-8, seed: 1 });
    expect(f.rank).toBe(3);
    expect(factorError(V, f.Q, f.U, 3, 30, 20)).toBeLessThan(1e-12 * frob(V));
    // σ = (5, 2, 1): rank 1 leaves √5/√30 ≈ 0.408 of ‖V‖, rank 2 leaves 1/√30 ≈ 0.183.
    expect(srsiFactor(V, 30, 20, 10, { errorThreshold: 0.45, seed: 1 }).rank).toBe(1);
    expect(srsiFactor(V, 30, 20, 10, { errorThreshold: 0.4, seed: 1 }).rank).toBe(2);
  });
});

describe('adapprox: second-moment factors on real gradient statistics', () => {
  it('softmax-regression gradients: factor error within 1.05× of the best rank-k error of V_t (1.5× of Adam’s exact V)', () => {
    const C = 16;
    const D = 48;
    const k = 4;
    const grads = softmaxGradients(40, C, D, 5);
    const params: Params = { W: { data: new Float64Array(C * D), shape: [C, D] } };
    const opt = adapprox({ learningRate: 1e-3, kMin: k, kMax: k, minDimSizeToFactor: 1, b2: 0.9, seed: 3 });
    let state = opt.init(params);
    let worst = 0;
    let worstAccumulated = 0;
    const exact = new Float64Array(C * D); // Adam's exact (uncompressed) second moment
    for (let t = 0; t < grads.length; t++) {
      const g = grads[t]!;
      const prev = state.moments['W'] as LowRankMoment;
      // The matrix S-RSI factors at this step: V_t = β₂·max(Q Uᵀ, 0) + (1 − β₂)g².
      const Vt = new Float64Array(C * D);
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < D; j++) {
          let r = 0;
          for (let c = 0; c < prev.rank[0]!; c++) r += prev.Q[0]![c * C + i]! * prev.U[0]![c * D + j]!;
          Vt[i * D + j] = 0.9 * Math.max(r, 0) + 0.1 * g[i * D + j]! ** 2;
        }
      }
      for (let i = 0; i < exact.length; i++) exact[i] = 0.9 * exact[i]! + 0.1 * g[i]! ** 2;
      state = opt.update({ W: g }, state, params).state;
      const s = state.moments['W'] as LowRankMoment;
      expect(s.rank[0]).toBe(k);
      const ratio = factorError(Vt, s.Q[0]!, s.U[0]!, k, C, D) / bestRankError(Vt, C, D, k);
      worst = Math.max(worst, ratio);
      if (t >= 10) {
        const acc = factorError(exact, s.Q[0]!, s.U[0]!, k, C, D) / bestRankError(exact, C, D, k);
        worstAccumulated = Math.max(worstAccumulated, acc);
      }
    }
    // Measured: 1.00004 per step; 1.116 against Adam's exact V, where the errors of earlier
    // truncations accumulate through β₂. Bounds: 1.05 and 1.5.
    expect(worst).toBeLessThanOrEqual(1.05);
    expect(worstAccumulated).toBeLessThanOrEqual(1.5);
  });

  it('adaptive rank: a rank-1 second moment stays at kMin; noisy full-rank gradients push the rank up to kMax', () => {
    const m = 40;
    const n = 36;
    const a = normals(1, m);
    const b = normals(2, n);
    const run = (noise: number) => {
      const params: Params = { W: { data: new Float64Array(m * n), shape: [m, n] } };
      const opt = adapprox({ learningRate: 1e-3, kMin: 1, kMax: 12, rankSmoothing: 0, errorThreshold: 0.05, minDimSizeToFactor: 1 });
      let state = opt.init(params);
      const ranks: number[] = [];
      let previous = 1;
      for (let t = 0; t < 12; t++) {
        const z = normals(100 + t, m * n, noise);
        const g = Float64Array.from({ length: m * n }, (_, i) => a[Math.floor(i / n)]! * b[i % n]! * (1 + 0.1 * t) + z[i]!);
        state = opt.update({ W: g }, state, params).state;
        const s = state.moments['W'] as LowRankMoment;
        ranks.push(s.rank[0]!);
        // The rank is capped by kMax and by the sketch size previous + p (p = 5). Below the cap the
        // threshold was met; at the cap the error may exceed it.
        if (s.rank[0]! < Math.min(12, previous + 5)) expect(s.relativeError[0]!).toBeLessThanOrEqual(0.05 + 1e-12);
        previous = s.rank[0]!;
      }
      return ranks;
    };
    const clean = run(0);
    expect(Math.max(...clean)).toBe(1); // g² = (a²)(b²)ᵀ scaled: exactly rank 1
    const noisy = run(3);
    expect(noisy[noisy.length - 1]).toBe(12); // grows by at most p = 5 per step (sketch size k + p), reaches kMax
    expect(noisy.every((r) => r >= 1 && r <= 12)).toBe(true);
  });

  it('rank smoothing: the rank moves gradually toward the target', () => {
    const m = 32;
    const params: Params = { W: { data: new Float64Array(m * m), shape: [m, m] } };
    const opt = adapprox({ learningRate: 1e-3, kMin: 1, kMax: 20, rankSmoothing: 0.8, errorThreshold: 0.01, minDimSizeToFactor: 1 });
    let state = opt.init(params);
    const ranks: number[] = [];
    for (let t = 0; t < 10; t++) {
      state = opt.update({ W: normals(t, m * m) }, state, params).state;
      ranks.push(adapproxRanks(state)['W']![0]!);
    }
    // Without smoothing the first step jumps to min(kMin + p, ...) = 6; with γ = 0.8 it takes several steps.
    expect(ranks[0]).toBe(2);
    for (let t = 1; t < ranks.length; t++) expect(ranks[t]!).toBeGreaterThanOrEqual(ranks[t - 1]!);
    expect(ranks[ranks.length - 1]!).toBeGreaterThan(ranks[0]!);
  });
});

describe('adapprox with kMax = full rank reproduces Adam', () => {
  // Both run in float64 from the same gradients; the factorization at full rank is exact to
  // rounding (‖V − QUᵀ‖ ≈ 1e-15‖V‖), so the update sequences agree to ~1e-10 relative. 1e-6 is
  // the acceptance bound of the issue.
  for (const b1 of [0, 0.9]) {
    it(`b1 = ${b1}: 60 steps on a 2×12×9 tensor, a 7×5 matrix and a vector, relative difference ≤ 1e-6`, () => {
      const shapes: Record<string, number[]> = { T: [2, 12, 9], M: [7, 5], v: [6] };
      const init = (): Params => {
        const p: Record<string, { data: Float64Array; shape: number[] }> = {};
        let seed = 1;
        for (const [name, shape] of Object.entries(shapes)) {
          p[name] = { data: normals(seed++, shape.reduce((x, y) => x * y, 1)), shape };
        }
        return p;
      };
      const options: AdapproxOptions = {
        learningRate: 0.01,
        b1,
        kMin: 9,
        kMax: 9,
        clipThreshold: Infinity,
        firstMoment: 'gradient',
        biasCorrection: true,
        minDimSizeToFactor: 1,
      };
      const A = adapprox(options);
      const B = adam({ learningRate: 0.01, b1 });
      let pa = init();
      let pb = init();
      let sa = A.init(pa);
      let sb = B.init(pb);
      const rng = createRng(9);
      let worst = 0;
      for (let t = 0; t < 60; t++) {
        const grads: Record<string, Float64Array> = {};
        for (const name of Object.keys(shapes)) {
          const w = (pa[name] as { data: Float64Array }).data;
          grads[name] = Float64Array.from(w, (x, i) => x * (1 + (i % 5)) + 0.2 * rng.normal());
        }
        const ra = A.update(grads, sa, pa);
        const rb = B.update(grads, sb, pb);
        for (const name of Object.keys(shapes)) {
          const ua = ra.updates[name]!;
          const ub = rb.updates[name]!;
          for (let i = 0; i < ua.length; i++) worst = Math.max(worst, Math.abs(ua[i]! - ub[i]!) / Math.abs(ub[i]!));
        }
        sa = ra.state;
        sb = rb.state;
        pa = applyUpdates(pa, ra.updates);
        pb = applyUpdates(pb, rb.updates);
      }
      expect(worst).toBeLessThan(1e-6);
      expect(worst).toBeGreaterThan(0); // a genuinely different computation, not a call into adam
      expect((sa.moments['M'] as LowRankMoment).rank[0]).toBe(5); // kMax capped at min(7, 5)
    });
  }

  it("the transcribed rule's own defaults at full rank: a dense scalar loop of it (no bias correction, clipped-update first moment), 40 steps", () => {
    // Reference: V_t = β₂V_{t−1} + (1 − β₂)g², û = g/(√V_t + ε), û ← û/max(1, RMS(û)/d),
    // m_t = β₁m_{t−1} + (1 − β₁)û, Δθ = −η(m_t + λθ), on the whole 9×7 matrix, dense.
    const m = 9;
    const n = 7;
    const lr = 0.02;
    const b1 = 0.9;
    const b2 = 0.999;
    const wd = 0.01;
    const opt = adapprox({ learningRate: lr, kMin: 7, kMax: 7, minDimSizeToFactor: 1, weightDecay: wd });
    let params: Params = { W: { data: normals(3, m * n), shape: [m, n] } };
    let state = opt.init(params);
    const theta = normals(3, m * n);
    const v = new Float64Array(m * n);
    const mom = new Float64Array(m * n);
    const u = new Float64Array(m * n);
    const rng = createRng(11);
    let worst = 0;
    for (let t = 0; t < 40; t++) {
      const g = Float64Array.from(theta, (x, i) => x * (1 + (i % 3)) + 0.3 * rng.normal());
      let sumsq = 0;
      for (let i = 0; i < m * n; i++) {
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
        u[i] = g[i]! / (Math.sqrt(v[i]!) + 1e-8);
        sumsq += u[i]! * u[i]!;
      }
      const scale = Math.max(1, Math.sqrt(sumsq / (m * n)) / 1);
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m * n; i++) {
        mom[i] = b1 * mom[i]! + (1 - b1) * (u[i]! / scale);
        expected[i] = -lr * (mom[i]! + wd * theta[i]!);
      }
      const r = opt.update({ W: g }, state, params);
      const got = r.updates['W']!;
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!) / Math.abs(expected[i]!));
      state = r.state;
      params = applyUpdates(params, r.updates);
      for (let i = 0; i < m * n; i++) theta[i] = theta[i]! + expected[i]!;
    }
    expect(worst).toBeLessThan(1e-6);
    expect((state.moments['W'] as LowRankMoment).rank[0]).toBe(7);
  });
});

describe('adapprox update rule details', () => {
  it('guard: reconstructed negative entries never reach the square root (|û| ≤ 1/√(1 − β₂) without clipping)', () => {
    const m = 24;
    const n = 20;
    const params: Params = { W: { data: new Float64Array(m * n), shape: [m, n] } };
    const opt = adapprox({ learningRate: 1, b1: 0, b2: 0.5, kMin: 3, kMax: 3, clipThreshold: Infinity, minDimSizeToFactor: 1 });
    let state = opt.init(params);
    let negatives = 0;
    for (let t = 0; t < 15; t++) {
      // Heavy-tailed gradients (cubed normals): sparse large entries in g², hard for a rank-3 fit.
      const g = normals(40 + t, m * n).map((x) => x * x * x);
      const before = state.moments['W'] as LowRankMoment;
      const rec = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          for (let c = 0; c < before.rank[0]!; c++) rec[i * n + j]! += before.Q[0]![c * m + i]! * before.U[0]![c * n + j]!;
        }
      }
      negatives += rec.filter((x) => x < 0).length;
      const r = opt.update({ W: g }, state, params);
      state = r.state;
      for (const u of r.updates['W']!) {
        expect(Number.isFinite(u)).toBe(true);
        expect(Math.abs(u)).toBeLessThanOrEqual(1 / Math.sqrt(0.5) + 1e-12);
      }
    }
    // The low-rank fits did have negative entries, so the guard was exercised.
    expect(negatives).toBeGreaterThan(0);
  });

  it('update clipping caps RMS(û) at d, first moment averages the clipped updates, decoupled weight decay', () => {
    const n = 10;
    const theta = Float64Array.from({ length: n }, (_, i) => i - 4.5);
    const params: Params = { w: theta };
    const lr = 0.1;
    const wd = 0.3;
    const opt = adapprox({ learningRate: lr, b1: 0.5, b2: 0.9, eps: 1e-8, clipThreshold: 0.5, weightDecay: wd });
    let state = opt.init(params);
    const g1 = normals(1, n);
    const g2 = normals(2, n);
    // Scalar reference of the rule for a dense parameter.
    const v = new Float64Array(n);
    const m = new Float64Array(n);
    const expected: number[][] = [];
    for (const g of [g1, g2]) {
      const u = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        v[i] = 0.9 * v[i]! + 0.1 * g[i]! ** 2;
        u[i] = g[i]! / (Math.sqrt(v[i]!) + 1e-8);
      }
      const r = Math.sqrt(u.reduce((s, x) => s + x * x, 0) / n) / 0.5;
      for (let i = 0; i < n; i++) {
        const uc = r > 1 ? u[i]! / r : u[i]!;
        m[i] = 0.5 * m[i]! + 0.5 * uc;
      }
      expected.push(Array.from(m, (mi, i) => -lr * (mi + wd * theta[i]!)));
    }
    const r1 = opt.update({ w: g1 }, state, params);
    expect(Array.from(r1.updates['w']!)).toEqual(expected[0]!.map((x) => expect.closeTo(x, 14)));
    state = r1.state;
    const r2 = opt.update({ w: g2 }, state, params);
    expect(Array.from(r2.updates['w']!)).toEqual(expected[1]!.map((x) => expect.closeTo(x, 14)));
  });

  it('cosine guidance scales the step by (1 + cos(û, m_{t−1}))/2', () => {
    const params: Params = { w: new Float64Array(4) };
    const base = { learningRate: 1, b1: 0.5, b2: 0.5, clipThreshold: Infinity } as const;
    const plain = adapprox(base);
    const guided = adapprox({ ...base, cosineGuidance: true });
    let sp = plain.init(params);
    let sg = guided.init(params);
    const g1 = Float64Array.of(1, 2, -1, 0.5);
    const g2 = Float64Array.of(-1, -2, 1, -0.5); // exactly opposite: cos = −1 → zero step
    const p1 = plain.update({ w: g1 }, sp, params);
    const q1 = guided.update({ w: g1 }, sg, params);
    expect(Array.from(q1.updates['w']!)).toEqual(Array.from(p1.updates['w']!)); // no m₀ yet: factor 1
    sp = p1.state;
    sg = q1.state;
    const q2 = guided.update({ w: g2 }, sg, params);
    for (const u of q2.updates['w']!) expect(Math.abs(u)).toBeLessThan(1e-15);
    const p2 = plain.update({ w: g2 }, sp, params);
    expect(Math.max(...Array.from(p2.updates['w']!, Math.abs))).toBeGreaterThan(0.01);
  });
});

describe('adapprox state, determinism, precision, validation', () => {
  const shapes = { A: [48, 40], B: [2, 36, 32], small: [8, 6], b: [40] } as const;
  const makeParams = (f32 = false): Params => {
    const out: Record<string, { data: Float32Array | Float64Array; shape: number[] }> = {};
    let seed = 0;
    for (const [name, shape] of Object.entries(shapes)) {
      const size = shape.reduce((x: number, y: number) => x * y, 1);
      const d = normals(seed++, size);
      out[name] = { data: f32 ? Float32Array.from(d) : d, shape: [...shape] };
    }
    return out;
  };
  const grads = (t: number, f32 = false) => {
    const out: Record<string, Float32Array | Float64Array> = {};
    let seed = 1000 * t;
    for (const [name, shape] of Object.entries(shapes)) {
      const d = normals(seed++, shape.reduce((x: number, y: number) => x * y, 1));
      out[name] = f32 ? Float32Array.from(d) : d;
    }
    return out;
  };

  function expectedBytes(state: AdapproxState, bytesPer: number, firstMoment: boolean): number {
    let values = 0;
    let mn = 0;
    for (const s of Object.values(state.moments)) {
      if (s.kind === 'dense') values += s.v.length;
      else for (let b = 0; b < s.batch; b++) values += s.rank[b]! * (s.rows + s.cols); // k(m + n)
    }
    for (const shape of Object.values(shapes)) mn += shape.reduce((x: number, y: number) => x * y, 1);
    return (values + (firstMoment ? mn : 0)) * bytesPer;
  }

  for (const b1 of [0.9, 0]) {
    it(`stateBytes is exact: k(m + n) per factored slice${b1 > 0 ? ' + mn for the first moment' : ''}, dense v for the rest`, () => {
      const params = makeParams();
      const opt = adapprox({ learningRate: 1e-3, b1, kMax: 6 });
      let state = opt.init(params);
      for (let t = 0; t < 6; t++) state = opt.update(grads(t), state, params).state;
      const ranks = adapproxRanks(state);
      expect(Object.keys(ranks).sort()).toEqual(['A', 'B']); // `small` (8×6 < 32) and the vector stay dense
      expect(ranks['B']!.length).toBe(2);
      expect(stateBytes(state, { workspace: false })).toBe(expectedBytes(state, 8, b1 > 0));
      expect(opt.stateBytes(state)).toBe(expectedBytes(state, 8, b1 > 0) + (48 * 40 + 2 * 36 * 32 + 48 + 40) * 8);
    });
  }

  it('float32 parameters: float32 factors and moments (4 bytes per value), finite updates', () => {
    const params = makeParams(true);
    const opt = adapprox({ learningRate: 1e-3, kMax: 5 });
    let state = opt.init(params);
    for (let t = 0; t < 4; t++) {
      const r = opt.update(grads(t, true), state, params);
      state = r.state;
      expect(r.updates['A']).toBeInstanceOf(Float32Array);
      for (const u of r.updates['A']!) expect(Number.isFinite(u)).toBe(true);
    }
    expect((state.moments['A'] as LowRankMoment).Q[0]).toBeInstanceOf(Float32Array);
    expect(stateBytes(state, { workspace: false })).toBe(expectedBytes(state, 4, true));
  });

  it('same seed → same bits; cloneState snapshots replay identically; inputs are not mutated', () => {
    const params = makeParams();
    const paramsCopy = JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, p]) => [k, Array.from((p as { data: Float64Array }).data)])));
    const opt = adapprox({ learningRate: 1e-2, kMax: 8, seed: 42, weightDecay: 0.1 });
    let s1 = opt.init(params);
    let s2 = opt.init(params);
    let snapshot: typeof s1 | undefined;
    let replay: Float64Array | undefined;
    for (let t = 0; t < 5; t++) {
      const g = grads(t);
      const gCopy = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.slice()]));
      if (t === 3) snapshot = cloneState(s1);
      const u1 = opt.update(g, s1, params).updates['A']!.slice() as Float64Array;
      const u2 = opt.update(g, s2, params).updates['A']!;
      expect(u2).toEqual(u1);
      if (t === 3) replay = u1;
      expect(g).toEqual(gCopy);
    }
    const again = opt.update(grads(3), snapshot!, params).updates['A']!;
    expect(again).toEqual(replay);
    expect(JSON.stringify(Object.fromEntries(Object.entries(params).map(([k, p]) => [k, Array.from((p as { data: Float64Array }).data)])))).toBe(paramsCopy);
  });

  it('bad options and inputs → typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(FirstOrderError);
        return (e as FirstOrderError).code;
      }
      return 'no error';
    };
    const lr = { learningRate: 1e-3 };
    expect(code(() => adapprox({ learningRate: 0 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, b1: 1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, b2: -0.1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, eps: 0 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, clipThreshold: 0 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, weightDecay: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, kMin: 0 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, kMin: 4, kMax: 3 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, kMin: 2, kMax: 4, k0: 5 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, kMin: 1.5 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, oversampling: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, powerIterations: 0.5 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, errorThreshold: 1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, rankSmoothing: 1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, firstMoment: 'both' as never }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, cosineGuidance: true, b1: 0 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, seed: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => adapprox({ ...lr, biasCorrection: 'yes' as never }))).toBe('INVALID_OPTION');
    const opt = adapprox({ ...lr, weightDecay: 0.1 });
    const params = makeParams();
    const state = opt.init(params);
    expect(code(() => opt.update({ ...grads(0), A: new Float64Array(3) }, state, params))).toBe('DIMENSION_MISMATCH');
    expect(code(() => opt.update(grads(0), state))).toBe('INVALID_ARGUMENT'); // weight decay needs params
    expect(code(() => opt.init({}))).toBe('EMPTY_INPUT');
    expect(code(() => srsiFactor(new Float64Array(6), 2, 3, 3))).toBe('INVALID_OPTION');
  });
});
