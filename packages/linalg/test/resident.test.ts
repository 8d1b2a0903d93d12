import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError } from '@firstorder/core';
import {
  Matrix,
  axpy,
  cholesky,
  dot,
  gemmInto,
  gemvInto,
  isResident,
  nrm2,
  releaseResident,
  residentMatrix,
  residentVector,
  setBackend,
  solveTriangular,
} from '@firstorder/linalg';
import { heapUsage } from '../src/wasm/heap.js';
import { triangularSolveInPlace } from '../src/kernels/dense.js';
import { EPS, randomMatrix, randomVector, rngFor } from './dense-helpers.js';

// Resident arrays live in the kernels' shared linear memory and are used in place. The kernels keep the
// TypeScript kernels' operation order where stated (gemm, transposed gemv, dot, axpy, Cholesky, triangular
// solves: bitwise identical), so exact equality is the test; plain gemv and nrm2 sum in lanes and are
// checked against rounding bounds (and must differ somewhere, which shows the WebAssembly kernel ran).
const FC = { seed: 20261125, numRuns: 40 } as const;

function same(x: Float64Array, y: Float64Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (x[i] === 0 && y[i] === 0))) return false;
  return true;
}

function resident(M: Matrix): Matrix {
  const R = residentMatrix(M.rows, M.cols);
  R.data.set(M.data);
  return R;
}

function residentCopy(v: Float64Array): Float64Array {
  const r = residentVector(v.length);
  r.set(v);
  return r;
}

afterEach(() => setBackend('wasm'));

describe('resident arrays (kernel heap)', () => {
  it('are zeroed, recognised, survive memory growth, and are released exactly once', () => {
    const before = heapUsage();
    const v = residentVector(10);
    expect(isResident(v)).toBe(true);
    expect(Array.from(v)).toEqual(new Array(10).fill(0));
    v.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // 40 MiB forces the shared memory to grow: the old view keeps its contents and stays resident.
    const big = residentMatrix(2048, 2560);
    expect(isResident(big)).toBe(true);
    expect(isResident(v)).toBe(true);
    expect(Array.from(v)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(isResident(new Float64Array(10))).toBe(false);
    expect(isResident(new Matrix(2, 2))).toBe(false);
    expect(() => releaseResident(v.subarray(2))).toThrow(FirstOrderError);
    releaseResident(big);
    expect(() => releaseResident(big)).toThrow(FirstOrderError);
    releaseResident(v);
    releaseResident(new Float64Array(3)); // ordinary arrays: no-op
    // A released block is reused (first fit), zeroed again.
    const w = residentVector(10);
    expect(Array.from(w)).toEqual(new Array(10).fill(0));
    releaseResident(w);
    expect(heapUsage().live).toBe(before.live);
    expect(() => residentVector(-1)).toThrow(FirstOrderError);
    expect(() => residentMatrix(2, 1.5)).toThrow(FirstOrderError);
  });

  it('gemm on any mix of resident and ordinary operands is bitwise identical to the TypeScript kernel', () => {
    const dim = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 120, max: 140 }), fc.integer({ min: 250, max: 270 }));
    const arb = fc.record({
      m: dim, n: dim, k: dim,
      transA: fc.boolean(), transB: fc.boolean(),
      where: fc.integer({ min: 1, max: 7 }), // bit mask: which of A, B, C are resident
      alpha: fc.constantFrom(1, -0.5), beta: fc.constantFrom(0, 1, 0.25),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    const before = heapUsage().live;
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const A = randomMatrix(rng, s.transA ? s.k : s.m, s.transA ? s.m : s.k);
        const B = randomMatrix(rng, s.transB ? s.n : s.k, s.transB ? s.k : s.n);
        const C = randomMatrix(rng, s.m, s.n);
        const opts = { transA: s.transA, transB: s.transB, alpha: s.alpha, beta: s.beta };
        setBackend('js');
        const ref = gemmInto(C.clone(), A, B, opts).data;
        setBackend('wasm');
        const Ar = s.where & 1 ? resident(A) : A;
        const Br = s.where & 2 ? resident(B) : B;
        const Cr = s.where & 4 ? resident(C) : C.clone();
        const got = gemmInto(Cr, Ar, Br, opts).data;
        const ok = same(got, ref) && isResident(Cr) === ((s.where & 4) !== 0);
        for (const M of [Ar, Br, Cr]) releaseResident(M);
        expect(ok).toBe(true);
      }),
      FC,
    );
    expect(heapUsage().live).toBe(before); // every staging temporary was freed
  });

  it('gemv on a resident A: transposed bitwise identical, plain within (n+2)·eps·Σ|αax| + |βy| (and not the TS rounding)', () => {
    const dim = fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 70 }), fc.integer({ min: 900, max: 1100 }));
    const arb = fc.record({ m: dim, n: dim, alpha: fc.constantFrom(1, -0.75), beta: fc.constantFrom(0, 1, -0.5), xResident: fc.boolean(), seed: fc.integer({ min: 0, max: 1_000_000 }) });
    let differs = 0;
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const A = randomMatrix(rng, s.m, s.n);
        const Ar = resident(A);
        const xT = randomVector(rng, s.m);
        const yT = randomVector(rng, s.n);
        const x = randomVector(rng, s.n);
        const y = randomVector(rng, s.m);
        const xTr = s.xResident ? residentCopy(xT) : xT;
        const xr = s.xResident ? residentCopy(x) : x;
        setBackend('js');
        const tj = gemvInto(yT.slice(), A, xT, { transpose: true, alpha: s.alpha, beta: s.beta });
        const j = gemvInto(y.slice(), A, x, { alpha: s.alpha, beta: s.beta });
        setBackend('wasm');
        const tw = gemvInto(yT.slice(), Ar, xTr, { transpose: true, alpha: s.alpha, beta: s.beta });
        const w = gemvInto(y.slice(), Ar, xr, { alpha: s.alpha, beta: s.beta });
        for (const v of [Ar, xTr, xr]) releaseResident(v);
        expect(same(tw, tj)).toBe(true);
        for (let i = 0; i < s.m; i++) {
          let scale = Math.abs(s.beta * y[i]!);
          for (let q = 0; q < s.n; q++) scale += Math.abs(s.alpha * A.data[i * s.n + q]! * x[q]!);
          expect(Math.abs(w[i]! - j[i]!)).toBeLessThanOrEqual(2 * (s.n + 2) * EPS * scale);
          if (w[i] !== j[i]) differs++;
        }
      }),
      FC,
    );
    expect(differs).toBeGreaterThan(0);
    // Above 16 MiB a resident A goes to the far-row kernel; odd sizes exercise its leftover rows and column tails.
    for (const [m, n] of [[2101, 1031], [2050, 1026], [4099, 513], [1, 2_100_001], [2_100_001, 1]] as const) {
      const rng = rngFor(m);
      const A = resident(randomMatrix(rng, m, n));
      const x = randomVector(rng, n);
      const w = gemvInto(new Float64Array(m), A, x);
      setBackend('js');
      const j = gemvInto(new Float64Array(m), A, x);
      setBackend('wasm');
      let worst = 0;
      for (let i = 0; i < m; i++) {
        let scale = 0;
        for (let q = 0; q < n; q++) scale += Math.abs(A.data[i * n + q]! * x[q]!);
        worst = Math.max(worst, Math.abs(w[i]! - j[i]!) / (2 * (n + 2) * EPS * scale));
      }
      releaseResident(A);
      expect(worst).toBeLessThanOrEqual(1);
      if (n > 2) expect(same(w, j)).toBe(false); // one column: a single product, the same in both
    }
  });

  it('dot and axpy on resident vectors are bitwise identical to the TypeScript kernels; nrm2 within 1e-12 and overflow/underflow-safe', () => {
    const arb = fc.record({ n: fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1000, max: 1030 })), alpha: fc.double({ min: -3, max: 3, noNaN: true }), seed: fc.integer({ min: 0, max: 1_000_000 }) });
    let nrmDiffers = 0;
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const x = randomVector(rng, s.n);
        const y = randomVector(rng, s.n);
        const xr = residentCopy(x);
        const yr = residentCopy(y);
        const d = dot(xr, yr);
        const nr = nrm2(xr);
        axpy(s.alpha, xr, yr);
        setBackend('js');
        const dj = dot(x, y);
        const nj = nrm2(x);
        axpy(s.alpha, x, y);
        setBackend('wasm');
        const ok = Object.is(d, dj) && same(yr, y) && Math.abs(nr - nj) <= 1e-12 * nj;
        if (nr !== nj) nrmDiffers++;
        releaseResident(xr);
        releaseResident(yr);
        expect(ok).toBe(true);
      }),
      FC,
    );
    expect(nrmDiffers).toBeGreaterThan(0);
    for (const scale of [1e200, 1e-200]) {
      const v = residentVector(300);
      for (let i = 0; i < 300; i++) v[i] = scale * (1 + (i % 7));
      let ss = 0;
      for (let i = 0; i < 300; i++) ss += (1 + (i % 7)) ** 2;
      expect(Math.abs(nrm2(v) / (scale * Math.sqrt(ss)) - 1)).toBeLessThan(1e-14);
      releaseResident(v);
    }
    const inf = residentVector(100);
    inf[3] = Infinity;
    expect(nrm2(inf)).toBe(Infinity);
    inf[5] = NaN;
    expect(nrm2(inf)).toBeNaN();
    releaseResident(inf);
  });

  it('Cholesky in the kernel heap (working copy or resident input) is bitwise identical to the TypeScript kernel', () => {
    // Small orders run the wasm panels only for resident input (ordinary ones below 96 stay in TypeScript).
    const arb = fc.record({ n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 96, max: 140 }), fc.integer({ min: 250, max: 270 })), residentInput: fc.boolean(), seed: fc.integer({ min: 0, max: 1_000_000 }) });
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const G = randomMatrix(rng, s.n, s.n);
        const S = gemmInto(Matrix.identity(s.n), G, G, { transB: true, alpha: 1 / s.n });
        setBackend('js');
        const ref = cholesky(S).L.data;
        setBackend('wasm');
        const Sr = s.residentInput ? resident(S) : S;
        const got = cholesky(Sr).L.data;
        releaseResident(Sr);
        expect(same(got, ref)).toBe(true);
      }),
      { ...FC, numRuns: 20 },
    );
    // A failing pivot is reported at the same index with the same value.
    const rng = rngFor(5);
    const G = randomMatrix(rng, 150, 150);
    const S = gemmInto(Matrix.identity(150), G, G, { transB: true, alpha: 1 / 150 });
    S.data[130 * 150 + 130] = -1;
    const messages = (['js', 'wasm'] as const).map((b) => {
      setBackend(b);
      try {
        cholesky(S);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(messages[0]).toContain('pivot 130');
    expect(messages[1]).toBe(messages[0]);
  });

  it('triangular solves (unblocked on resident operands, blocked in the heap for many right-hand sides) are bitwise identical', () => {
    const arb = fc.record({
      n: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 65, max: 200 })),
      c: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 8, max: 40 })),
      lower: fc.boolean(), transpose: fc.boolean(), unit: fc.boolean(), residentOperands: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const T = randomMatrix(rng, s.n, s.n, 0.1);
        for (let i = 0; i < s.n; i++) T.data[i * s.n + i] = 1 + Math.abs(T.data[i * s.n + i]!);
        const B = randomMatrix(rng, s.n, s.c);
        const opts = { lower: s.lower, transpose: s.transpose, unitDiagonal: s.unit };
        setBackend('js');
        const ref = solveTriangular(T, B, opts).data;
        setBackend('wasm');
        const Tr = s.residentOperands ? resident(T) : T;
        const Br = s.residentOperands ? resident(B) : B;
        const got = solveTriangular(Tr, Br, opts).data;
        releaseResident(Tr);
        releaseResident(Br);
        expect(same(got, ref)).toBe(true);
      }),
      { ...FC, numRuns: 60 },
    );
  });

  it('the unblocked triangular solve on resident arrays (wasm) is bitwise identical on small shapes, 1×n and n×1 included', () => {
    const arb = fc.record({
      n: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 40 })),
      c: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 12 })),
      lower: fc.boolean(), transpose: fc.boolean(), unit: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(arb, (s) => {
        const rng = rngFor(s.seed);
        const T = randomMatrix(rng, s.n, s.n, 0.1);
        for (let i = 0; i < s.n; i++) T.data[i * s.n + i] = 1 + Math.abs(T.data[i * s.n + i]!);
        const B = randomMatrix(rng, s.n, s.c);
        setBackend('js');
        const ref = B.data.slice();
        triangularSolveInPlace(T.data, s.n, s.n, s.lower, s.transpose, s.unit, ref, s.c);
        setBackend('wasm');
        const Tr = resident(T);
        const Br = resident(B);
        triangularSolveInPlace(Tr.data, s.n, s.n, s.lower, s.transpose, s.unit, Br.data, s.c);
        const ok = same(Br.data, ref);
        releaseResident(Tr);
        releaseResident(Br);
        expect(ok).toBe(true);
      }),
      { ...FC, numRuns: 80 },
    );
  });
});
