import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError } from '@firstorder/core';
import {
  Matrix,
  accumulateGram,
  cholesky,
  gemm,
  gemmInto,
  gemvInto,
  getBackend,
  setBackend,
  syrk,
  type LinalgBackend,
} from '@firstorder/linalg';
import { gemmAccumulate, type GemmBlocking } from '../src/kernels/gemm.js';
import { KERNELS_SHARED_WASM, KERNELS_WASM } from '../src/wasm/kernels.generated.js';
import { wasmGemm } from '../src/wasm/runtime.js';
import { EPS, randomMatrix, randomVector, rngFor } from './dense-helpers.js';

// The WebAssembly kernel (assembly/gemm.ts) runs the TypeScript kernel's loop nest with the same blocking,
// so every entry of C sees the same roundings in the same order: the two must agree bit for bit, which is
// stronger than the 1e-12 relative agreement issue 14 asks for. A packing/indexing bug gives O(1)
// differences, so exact equality both passes a correct kernel and fails a wrong one.
const FC = { seed: 20261124, numRuns: 80 } as const;

/** Number of entries that differ (=== after mapping −0 to +0: the two kernels may differ in the sign of a zero). */
function mismatches(x: Float64Array, y: Float64Array): number {
  expect(x.length).toBe(y.length);
  let bad = 0;
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (Number.isNaN(x[i]!) && Number.isNaN(y[i]!)))) bad++;
  return bad;
}

function bothBackends<T>(run: () => T): [T, T] {
  setBackend('js');
  const js = run();
  setBackend('wasm');
  const wasm = run();
  return [wasm, js];
}

afterEach(() => setBackend('wasm'));

describe('WebAssembly SIMD kernels', () => {
  it('are selected automatically in Node, and setBackend forces either one', () => {
    expect(getBackend()).toBe('wasm');
    setBackend('js');
    expect(getBackend()).toBe('js');
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
    expect(() => setBackend('gpu' as LinalgBackend)).toThrow(FirstOrderError);
    // The embedded modules stay small: they are compiled synchronously, also on a browser page's main
    // thread (Chromium 156 accepts the 5 KiB module there: test/wasm-browser.test.ts).
    expect((KERNELS_WASM.length * 3) / 4).toBeLessThan(8192);
    expect((KERNELS_SHARED_WASM.length * 3) / 4).toBeLessThan(8192);
  });

  it('gemm/gemmInto agree bitwise with the TypeScript kernel on random shapes (1×n, n×1, odd sizes, all flags)', () => {
    const dim = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 120, max: 140 }), fc.integer({ min: 250, max: 270 }));
    const arb = fc.record({
      m: dim,
      n: dim,
      k: dim,
      transA: fc.boolean(),
      transB: fc.boolean(),
      alpha: fc.constantFrom(1, -0.75, 3),
      beta: fc.constantFrom(0, 1, -0.5),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const A = s.transA ? randomMatrix(rng, s.k, s.m) : randomMatrix(rng, s.m, s.k);
        const B = s.transB ? randomMatrix(rng, s.n, s.k) : randomMatrix(rng, s.k, s.n);
        const C = randomMatrix(rng, s.m, s.n);
        const opts = { transA: s.transA, transB: s.transB, alpha: s.alpha, beta: s.beta };
        const [w, j] = bothBackends(() => gemmInto(C.clone(), A, B, opts));
        expect(mismatches(w.data, j.data)).toBe(0);
      }),
      { ...FC, numRuns: 40 },
    );
  });

  it('covers block edges with arbitrary (non-multiple-of-4) blockings and both triangle modes', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 30 }),
      n: fc.integer({ min: 1, max: 30 }),
      k: fc.integer({ min: 1, max: 30 }),
      transA: fc.boolean(),
      transB: fc.boolean(),
      mc: fc.integer({ min: 1, max: 13 }),
      kc: fc.integer({ min: 1, max: 11 }),
      nc: fc.integer({ min: 1, max: 13 }),
      triangle: fc.constantFrom('none' as const, 'upper' as const, 'mirror' as const),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const n = s.triangle === 'none' ? s.n : s.m; // triangle modes are for square results
        const rng = rngFor(s.seed);
        const A = s.transA ? randomMatrix(rng, s.k, s.m) : randomMatrix(rng, s.m, s.k);
        const B = s.transB ? randomMatrix(rng, n, s.k) : randomMatrix(rng, s.k, n);
        const C0 = randomMatrix(rng, s.m, n);
        const blocking: GemmBlocking = { mc: s.mc, kc: s.kc, nc: s.nc };
        const [w, j] = bothBackends(() => {
          const c = C0.data.slice();
          gemmAccumulate(s.m, n, s.k, 0.5, { data: A.data, ld: A.cols, trans: s.transA }, { data: B.data, ld: B.cols, trans: s.transB }, c, n, s.triangle, blocking);
          return c;
        });
        expect(mismatches(w, j)).toBe(0);
      }),
      FC,
    );
  });

  it('handles strided operands and C (leading dimension > columns), as the blocked factorizations pass them', () => {
    const rng = rngFor(7);
    const big = randomMatrix(rng, 150, 170);
    const cBig = randomMatrix(rng, 140, 160);
    const [w, j] = bothBackends(() => {
      const c = cBig.data.slice();
      // rows 10.. of `big`, 37 columns deep, against rows 3.. of big transposed; C block at (5, 7) of cBig.
      gemmAccumulate(
        120, 90, 37, -1,
        { data: big.data.subarray(10 * 170), ld: 170, trans: false },
        { data: big.data.subarray(3 * 170), ld: 170, trans: true },
        c.subarray(5 * 160 + 7), 160,
      );
      return c;
    });
    expect(mismatches(w, j)).toBe(0);
    // Entries outside the 120×90 block are untouched.
    expect(w[0]).toBe(cBig.data[0]);
    expect(w[5 * 160 + 6]).toBe(cBig.data[5 * 160 + 6]);
    expect(w[5 * 160 + 7 + 90]).toBe(cBig.data[5 * 160 + 7 + 90]);
  });

  it('syrk, accumulateGram (f64 and Float32 activations) and Cholesky agree bitwise across backends', () => {
    const rng = rngFor(11);
    const X = randomMatrix(rng, 203, 77);
    const [s1, s2] = bothBackends(() => syrk(X, { transpose: true, alpha: 0.3 }).data);
    expect(mismatches(s1, s2)).toBe(0);
    const f32 = { rows: 203, cols: 77, data: Float32Array.from(X.data) };
    const H0 = syrk(randomMatrix(rng, 77, 10));
    const [g1, g2] = bothBackends(() => accumulateGram(H0.clone(), f32, { transpose: true, alpha: 2 / 203, chunkRows: 50 }).data);
    expect(mismatches(g1, g2)).toBe(0);
    const asym = randomMatrix(rng, 77, 77); // a non-symmetric H takes the 'mirror' path
    const [h1, h2] = bothBackends(() => accumulateGram(asym.clone(), X, { transpose: true }).data);
    expect(mismatches(h1, h2)).toBe(0);
    const S = syrk(randomMatrix(rng, 300, 260), { transpose: true });
    for (let i = 0; i < 260; i++) S.data[i * 260 + i]! += 1;
    const [l1, l2] = bothBackends(() => cholesky(S).L.data);
    expect(mismatches(l1, l2)).toBe(0);
  });

  it('gives the 1e-12 relative agreement of issue 14 against an independent plain triple loop at n = 300', () => {
    const rng = rngFor(5);
    const A = randomMatrix(rng, 301, 299);
    const B = randomMatrix(rng, 299, 303);
    const C = gemm(A, B);
    let worst = 0;
    for (let i = 0; i < 301; i += 7) {
      for (let j = 0; j < 303; j += 5) {
        let s = 0;
        let sAbs = 0;
        for (let p = 0; p < 299; p++) {
          s += A.data[i * 299 + p]! * B.data[p * 303 + j]!;
          sAbs += Math.abs(A.data[i * 299 + p]! * B.data[p * 303 + j]!);
        }
        worst = Math.max(worst, Math.abs(C.data[i * 303 + j]! - s) / sAbs);
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('gemv: transposed bitwise identical to the TypeScript kernel, plain within (n+2)·eps·Σ|αa x| + |β y| (streamed row blocks)', () => {
    const dim = fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 70 }), fc.integer({ min: 900, max: 1100 }));
    const arb = fc.record({
      m: dim,
      n: dim,
      alpha: fc.constantFrom(1, -0.75, 3),
      beta: fc.constantFrom(0, 1, -0.5),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const A = randomMatrix(rng, s.m, s.n);
        const xT = randomVector(rng, s.m);
        const yT = randomVector(rng, s.n);
        const [tw, tj] = bothBackends(() => gemvInto(yT.slice(), A, xT, { transpose: true, alpha: s.alpha, beta: s.beta }));
        expect(mismatches(tw, tj)).toBe(0);
        const x = randomVector(rng, s.n);
        const y = randomVector(rng, s.m);
        const [w, j] = bothBackends(() => gemvInto(y.slice(), A, x, { alpha: s.alpha, beta: s.beta }));
        for (let i = 0; i < s.m; i++) {
          let scale = Math.abs(s.beta * y[i]!);
          for (let q = 0; q < s.n; q++) scale += Math.abs(s.alpha * A.data[i * s.n + q]! * x[q]!);
          // Both are within (n+2)·eps·scale of the exact value, so of each other within twice that.
          expect(Math.abs(w[i]! - j[i]!)).toBeLessThanOrEqual(2 * (s.n + 2) * EPS * scale);
        }
      }),
      { ...FC, numRuns: 40 },
    );
  });

  it('wasmGemm runs a 2×2 product; gemmAccumulate keeps plain arrays on the TypeScript path', () => {
    const c = new Float64Array(4);
    // wasmGemm itself always runs on typed arrays; gemmAccumulate never sends plain arrays to it.
    const ok = wasmGemm(2, 2, 2, 1, { data: new Float64Array([1, 2, 3, 4]), ld: 2, trans: false }, { data: new Float64Array([1, 0, 0, 1]), ld: 2, trans: false }, c, 2, 0, { mc: 4, kc: 4, nc: 4 });
    expect(ok).toBe(true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
    const plain = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const out = new Float64Array(9);
    gemmAccumulate(3, 3, 3, 1, { data: plain, ld: 3, trans: false }, { data: [1, 0, 0, 0, 1, 0, 0, 0, 1], ld: 3, trans: false }, out, 3);
    expect(Array.from(out)).toEqual(plain);
    expect(new Matrix(1, 1).rows).toBe(1);
  });
});
