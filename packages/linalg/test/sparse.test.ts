import type { LinearOperator } from '@firstorder/core';
import { FirstOrderError } from '@firstorder/core';
import { CompressedSparseMatrix, CscMatrix, CsrMatrix, Matrix, isSparseMatrix } from '@firstorder/linalg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const FC = { seed: 20240611, numRuns: 150 } as const;

interface Triplets {
  rows: number;
  cols: number;
  i: number[];
  j: number[];
  v: number[];
}

/**
 * Random sparse problems, including 0×n, n×0, empty rows/columns and repeated (i, j) pairs.
 * Values are small integers so that every sum is exact and sparse results must equal the
 * dense ones bit for bit (any index slip shows up as an exact mismatch).
 */
const tripletsArb = (valueArb: fc.Arbitrary<number> = fc.integer({ min: -4, max: 4 })): fc.Arbitrary<Triplets> =>
  fc
    .record({ rows: fc.integer({ min: 0, max: 7 }), cols: fc.integer({ min: 0, max: 7 }) })
    .chain(({ rows, cols }) => {
      const entry = rows === 0 || cols === 0
        ? fc.constant<[number, number, number] | null>(null)
        : fc.tuple(fc.integer({ min: 0, max: rows - 1 }), fc.integer({ min: 0, max: cols - 1 }), valueArb);
      return fc.array(entry, { maxLength: 3 * rows * cols + 2 }).map((entries) => {
        const t: Triplets = { rows, cols, i: [], j: [], v: [] };
        for (const e of entries) {
          if (e === null) continue;
          t.i.push(e[0]);
          t.j.push(e[1]);
          t.v.push(e[2]);
        }
        return t;
      });
    });

function denseOf(t: Triplets): Matrix {
  const A = new Matrix(t.rows, t.cols);
  for (let k = 0; k < t.v.length; k++) A.data[t.i[k]! * t.cols + t.j[k]!]! += t.v[k]!;
  return A;
}

function distinctPairs(t: Triplets, dropZeros: boolean): number {
  const sums = new Map<number, number>();
  for (let k = 0; k < t.v.length; k++) {
    const key = t.i[k]! * t.cols + t.j[k]!;
    sums.set(key, (sums.get(key) ?? 0) + t.v[k]!);
  }
  return dropZeros ? [...sums.values()].filter((s) => s !== 0).length : sums.size;
}

/** Structural invariant: pointers start at 0, never decrease, end at nnz; indices strictly increase per line. */
function expectSortedCompressed(ptr: Int32Array, idx: Int32Array, nMajor: number, nMinor: number): void {
  expect(ptr.length).toBe(nMajor + 1);
  expect(ptr[0]).toBe(0);
  expect(ptr[nMajor]).toBe(idx.length);
  for (let p = 0; p < nMajor; p++) {
    expect(ptr[p + 1]!).toBeGreaterThanOrEqual(ptr[p]!);
    for (let k = ptr[p]!; k < ptr[p + 1]!; k++) {
      expect(idx[k]!).toBeGreaterThanOrEqual(0);
      expect(idx[k]!).toBeLessThan(nMinor);
      if (k > ptr[p]!) expect(idx[k]!).toBeGreaterThan(idx[k - 1]!);
    }
  }
}

function naiveProduct(A: Matrix, B: Matrix): Matrix {
  const C = new Matrix(A.rows, B.cols);
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.cols; j++) {
      let s = 0;
      for (let k = 0; k < A.cols; k++) s += A.get(i, k) * B.get(k, j);
      C.set(i, j, s);
    }
  }
  return C;
}

function integerVector(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[k] = ((k * 7 + seed * 13) % 9) - 4;
  return x;
}

/** Maps −0 to +0: sparse and dense code may differ in the sign of an exact zero, which is not a defect. */
function plusZero(a: Float64Array): Float64Array {
  return a.map((v) => v + 0);
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FirstOrderError);
  expect((caught as FirstOrderError).code).toBe(code);
}

describe('construction from triplets', () => {
  it('CSR and CSC equal the dense sum of triplets, sum duplicates and keep indices sorted', () => {
    fc.assert(
      fc.property(tripletsArb(), fc.boolean(), (t, dropZeros) => {
        const frozen = JSON.stringify(t);
        const dense = denseOf(t);
        const csr = CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v, { dropZeros });
        const csc = CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v, { dropZeros });
        expect(csr.toDense().data).toEqual(dense.data);
        expect(csc.toDense().data).toEqual(dense.data);
        expect(csr.nnz).toBe(distinctPairs(t, dropZeros));
        expect(csc.nnz).toBe(csr.nnz);
        expectSortedCompressed(csr.rowPtr, csr.colIndices, t.rows, t.cols);
        expectSortedCompressed(csc.colPtr, csc.rowIndices, t.cols, t.rows);
        if (dropZeros) expect(Array.from(csr.values).every((v) => v !== 0)).toBe(true);
        expect(JSON.stringify(t)).toBe(frozen);
      }),
      FC,
    );
  });

  it('keeps explicit zeros by default and drops them with dropZeros', () => {
    const i = [0, 0, 1, 1];
    const j = [1, 1, 0, 2];
    const v = [2, -2, 0, 5];
    const kept = CsrMatrix.fromTriplets(2, 3, i, j, v);
    expect(kept.nnz).toBe(3);
    expect(Array.from(kept.colIndices)).toEqual([1, 0, 2]);
    expect(Array.from(kept.values)).toEqual([0, 0, 5]);
    const dropped = CsrMatrix.fromTriplets(2, 3, i, j, v, { dropZeros: true });
    expect(Array.from(dropped.rowPtr)).toEqual([0, 0, 1]);
    expect(Array.from(dropped.colIndices)).toEqual([2]);
  });

  it('sorts unsorted triplets within each row and column', () => {
    const csr = CsrMatrix.fromTriplets(2, 4, [1, 0, 1, 0, 1], [3, 2, 0, 0, 2], [1, 2, 3, 4, 5]);
    expect(Array.from(csr.rowPtr)).toEqual([0, 2, 5]);
    expect(Array.from(csr.colIndices)).toEqual([0, 2, 0, 2, 3]);
    expect(Array.from(csr.values)).toEqual([4, 2, 3, 5, 1]);
    const csc = CscMatrix.fromTriplets(2, 4, [1, 0, 1, 0, 1], [3, 2, 0, 0, 2], [1, 2, 3, 4, 5]);
    expect(Array.from(csc.colPtr)).toEqual([0, 2, 2, 4, 5]);
    expect(Array.from(csc.rowIndices)).toEqual([0, 1, 0, 1, 1]);
    expect(Array.from(csc.values)).toEqual([4, 3, 2, 5, 1]);
  });

  it('handles 0×n, n×0, 0×0 and all-empty matrices', () => {
    for (const [m, n] of [[0, 4], [3, 0], [0, 0], [3, 4]] as const) {
      for (const A of [CsrMatrix.fromTriplets(m, n, [], [], []), CscMatrix.fromTriplets(m, n, [], [], [])]) {
        expect(A.nnz).toBe(0);
        expect(A.toDense().data).toEqual(new Float64Array(m * n));
        const out = new Float64Array(m).fill(Number.NaN);
        A.apply(new Float64Array(n).fill(1), out);
        expect(out).toEqual(new Float64Array(m));
        const outT = new Float64Array(n).fill(Number.NaN);
        A.applyTranspose(new Float64Array(m).fill(1), outT);
        expect(outT).toEqual(new Float64Array(n));
        expect(A.transpose().rows).toBe(n);
        expect(A.multiplyDense(new Matrix(n, 2)).rows).toBe(m);
        expect(A.diagonal().length).toBe(Math.min(m, n));
      }
    }
  });

  it('rejects bad triplets with typed errors', () => {
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, 2], [0, 0], [1, 1]), 'INVALID_ARGUMENT');
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, -1], [0, 0], [1, 1]), 'INVALID_ARGUMENT');
    expectCode(() => CscMatrix.fromTriplets(2, 2, [0, 1], [0, 2], [1, 1]), 'INVALID_ARGUMENT');
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, 0.5], [0, 0], [1, 1]), 'INVALID_ARGUMENT');
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, 1], [0], [1, 1]), 'DIMENSION_MISMATCH');
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, 1], [0, 1], [1]), 'DIMENSION_MISMATCH');
    expectCode(() => CsrMatrix.fromTriplets(2, 2, [0, 1], [0, 1], [1, Number.NaN]), 'NON_FINITE_INPUT');
    expectCode(() => CscMatrix.fromTriplets(2, 2, [0], [0], [Infinity]), 'NON_FINITE_INPUT');
    expectCode(() => CsrMatrix.fromTriplets(-1, 2, [], [], []), 'INVALID_ARGUMENT');
    expectCode(() => CsrMatrix.fromTriplets(2, 1.5, [], [], []), 'INVALID_ARGUMENT');
  });
});

describe('constructor', () => {
  it('wraps typed arrays without copying and validates the structure', () => {
    const ptr = new Int32Array([0, 1, 3]);
    const idx = new Int32Array([2, 0, 1]);
    const val = new Float64Array([1, 2, 3]);
    const A = new CsrMatrix(2, 3, ptr, idx, val);
    expect(A.rowPtr).toBe(ptr);
    expect(A.colIndices).toBe(idx);
    expect(A.values).toBe(val);
    expect(A.toDense().toRows()).toEqual([[0, 0, 1], [2, 3, 0]]);
    const B = new CscMatrix(3, 2, [0, 1, 3], [2, 0, 1], [1, 2, 3]);
    expect(B.toDense().toRows()).toEqual([[0, 2], [0, 3], [1, 0]]);
  });

  it('rejects malformed arrays with MALFORMED_DATA or DIMENSION_MISMATCH', () => {
    expectCode(() => new CsrMatrix(2, 3, [0, 2, 3], [1, 0, 2], [1, 1, 1]), 'MALFORMED_DATA'); // unsorted row
    expectCode(() => new CsrMatrix(2, 3, [0, 2, 3], [1, 1, 2], [1, 1, 1]), 'MALFORMED_DATA'); // duplicate
    expectCode(() => new CsrMatrix(2, 3, [0, 2, 1], [0], [1]), 'MALFORMED_DATA'); // decreasing ptr
    expectCode(() => new CsrMatrix(3, 3, [0, 2, 1, 2], [0, 1], [1, 1]), 'MALFORMED_DATA'); // decreasing ptr inside
    expectCode(() => new CsrMatrix(2, 3, [1, 2, 3], [0, 1, 2], [1, 1, 1]), 'MALFORMED_DATA'); // ptr[0] ≠ 0
    expectCode(() => new CscMatrix(2, 3, [0, 1, 1, 2], [0, 2], [1, 1]), 'MALFORMED_DATA'); // row 2 out of range
    expectCode(() => new CsrMatrix(2, 3, [0, 1], [0], [1]), 'DIMENSION_MISMATCH'); // ptr too short
    expectCode(() => new CsrMatrix(2, 3, [0, 1, 2], [0], [1, 1]), 'DIMENSION_MISMATCH');
    expectCode(() => new CsrMatrix(2, 3, [0, 1, 2], [0, 1], [1]), 'DIMENSION_MISMATCH');
    expectCode(() => new CsrMatrix(1, 3, [0, 1], [0.5], [1]), 'INVALID_ARGUMENT');
    expectCode(() => new CsrMatrix(1, 3, [0, 1], [0], [Number.NaN]), 'NON_FINITE_INPUT');
  });
});

describe('products against the dense equivalent', () => {
  it('apply, applyTranspose and spmv(α, β) match Matrix exactly', () => {
    fc.assert(
      fc.property(tripletsArb(), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -2, max: 2 }), (t, alpha, beta) => {
        const dense = denseOf(t);
        const x = integerVector(t.cols, 1);
        const y = integerVector(t.rows, 2);
        const xCopy = x.slice();
        const yCopy = y.slice();
        const expectAx = new Float64Array(t.rows);
        dense.apply(x, expectAx);
        const expectATy = new Float64Array(t.cols);
        dense.applyTranspose(y, expectATy);
        for (const A of [CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v), CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v)]) {
          const op: LinearOperator = A;
          const out = new Float64Array(t.rows).fill(Number.NaN);
          op.apply(x, out);
          expect(out).toEqual(expectAx);
          const outT = new Float64Array(t.cols).fill(Number.NaN);
          op.applyTranspose(y, outT);
          expect(outT).toEqual(expectATy);
          // α A x + β out, starting from out = y.
          const acc = y.slice();
          A.spmv(x, acc, alpha, beta);
          expect(plusZero(acc)).toEqual(plusZero(expectAx.map((v, k) => alpha * v + (beta === 0 ? 0 : beta * y[k]!))));
          const accT = x.slice();
          A.spmvTranspose(y, accT, alpha, beta);
          expect(plusZero(accT)).toEqual(plusZero(expectATy.map((v, k) => alpha * v + (beta === 0 ? 0 : beta * x[k]!))));
          expect(x).toEqual(xCopy);
          expect(y).toEqual(yCopy);
        }
      }),
      FC,
    );
  });

  it('multiplyDense and transposeMultiplyDense match the naive product exactly', () => {
    fc.assert(
      fc.property(tripletsArb(), fc.integer({ min: 0, max: 4 }), (t, k) => {
        const dense = denseOf(t);
        const B = new Matrix(t.cols, k, integerVector(t.cols * k, 3));
        const Bt = new Matrix(t.rows, k, integerVector(t.rows * k, 4));
        const Bcopy = B.data.slice();
        const expected = naiveProduct(dense, B);
        const expectedT = naiveProduct(dense.transpose(), Bt);
        for (const A of [CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v), CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v)]) {
          const C = A.multiplyDense(B);
          expect([C.rows, C.cols]).toEqual([t.rows, k]);
          expect(C.data).toEqual(expected.data);
          const CT = A.transposeMultiplyDense(Bt);
          expect([CT.rows, CT.cols]).toEqual([t.cols, k]);
          expect(CT.data).toEqual(expectedT.data);
        }
        expect(B.data).toEqual(Bcopy);
      }),
      FC,
    );
  });

  it('agrees with dense products on random real values within rounding (reordered sums)', () => {
    // Sums run in a different order than the dense loop, so equality holds to a few ulp of Σ|a||x|.
    fc.assert(
      fc.property(tripletsArb(fc.double({ min: -1e3, max: 1e3, noNaN: true })), (t) => {
        const dense = denseOf(t);
        const A = CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v);
        expect(plusZero(A.toDense().data)).toEqual(plusZero(dense.data)); // duplicates summed in input order: same value
        const x = integerVector(t.cols, 5).map((v) => v / 3);
        const out = new Float64Array(t.rows);
        A.toCsc().apply(x, out);
        const ref = new Float64Array(t.rows);
        dense.apply(x, ref);
        const absDense = new Matrix(t.rows, t.cols, dense.data.map(Math.abs));
        const bound = new Float64Array(t.rows);
        absDense.apply(x.map(Math.abs), bound);
        for (let r = 0; r < t.rows; r++) expect(Math.abs(out[r]! - ref[r]!)).toBeLessThanOrEqual(8 * Number.EPSILON * bound[r]! + 1e-300);
      }),
      FC,
    );
  });

  it('validates vector lengths, aliasing and coefficients', () => {
    const A = CsrMatrix.fromTriplets(2, 3, [0, 1], [0, 2], [1, 2]);
    const B = A.toCsc();
    for (const M of [A, B]) {
      expectCode(() => M.apply(new Float64Array(2), new Float64Array(2)), 'DIMENSION_MISMATCH');
      expectCode(() => M.apply(new Float64Array(3), new Float64Array(3)), 'DIMENSION_MISMATCH');
      expectCode(() => M.applyTranspose(new Float64Array(3), new Float64Array(3)), 'DIMENSION_MISMATCH');
      const buffer = new Float64Array(5);
      expectCode(() => M.apply(buffer.subarray(0, 3), buffer.subarray(2, 4)), 'INVALID_ARGUMENT');
      expectCode(() => M.spmv(new Float64Array(3), new Float64Array(2), Number.NaN), 'INVALID_ARGUMENT');
      expectCode(() => M.multiplyDense(new Matrix(2, 2)), 'DIMENSION_MISMATCH');
      expectCode(() => M.transposeMultiplyDense(new Matrix(3, 2)), 'DIMENSION_MISMATCH');
      expectCode(() => M.multiplyDense([[1]] as unknown as Matrix), 'INVALID_ARGUMENT');
    }
    // Disjoint halves of one buffer are fine.
    const buffer = new Float64Array(5);
    buffer.set([1, 1, 1], 0);
    A.apply(buffer.subarray(0, 3), buffer.subarray(3, 5));
    expect(Array.from(buffer.subarray(3))).toEqual([1, 2]);
  });
});

describe('conversions', () => {
  it('CSR ⇄ CSC and transpose round-trip exactly', () => {
    fc.assert(
      fc.property(tripletsArb(), (t) => {
        const csr = CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v);
        const csc = csr.toCsc();
        expect(csc).toEqual(CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v));
        expect(csc.toCsr()).toEqual(csr);
        const dense = denseOf(t);
        expect(csr.transpose().toDense().data).toEqual(dense.transpose().data);
        expect(csc.transpose().toDense().data).toEqual(dense.transpose().data);
        expect(csr.transpose().transpose()).toEqual(csr);
        expectSortedCompressed(csr.transpose().rowPtr, csr.transpose().colIndices, t.cols, t.rows);
        const tr = csr.toTriplets();
        expect(CsrMatrix.fromTriplets(t.rows, t.cols, tr.rowIndices, tr.colIndices, tr.values)).toEqual(csr);
        const tc = csc.toTriplets();
        expect(CscMatrix.fromTriplets(t.rows, t.cols, tc.rowIndices, tc.colIndices, tc.values)).toEqual(csc);
      }),
      FC,
    );
  });

  it('fromDense keeps |a| > dropTolerance and round-trips through toDense', () => {
    fc.assert(
      fc.property(tripletsArb(), (t) => {
        const dense = denseOf(t);
        const copy = dense.data.slice();
        const csr = CsrMatrix.fromDense(dense);
        const csc = CscMatrix.fromDense(dense);
        expect(csr.toDense().data).toEqual(dense.data);
        expect(csc.toDense().data).toEqual(dense.data);
        const nonZeros = dense.data.filter((v) => v !== 0).length;
        expect(csr.nnz).toBe(nonZeros);
        expect(csc).toEqual(csr.toCsc());
        const big = CsrMatrix.fromDense(dense, { dropTolerance: 2 });
        expect(big.nnz).toBe(dense.data.filter((v) => Math.abs(v) > 2).length);
        expect(big.toDense().data).toEqual(dense.data.map((v) => (Math.abs(v) > 2 ? v : 0)));
        expect(dense.data).toEqual(copy);
      }),
      FC,
    );
  });

  it('rejects bad dense input and options', () => {
    const A = new Matrix(1, 2, [1, Number.NaN]);
    expectCode(() => CsrMatrix.fromDense(A), 'NON_FINITE_INPUT');
    expectCode(() => CscMatrix.fromDense(new Matrix(1, 1), { dropTolerance: -1 }), 'INVALID_OPTION');
    expectCode(() => CsrMatrix.fromDense([[1]] as unknown as Matrix), 'INVALID_ARGUMENT');
  });
});

describe('access, diagonal, norms and scaling', () => {
  it('get, row/column access and diagonal match the dense matrix', () => {
    fc.assert(
      fc.property(tripletsArb(), (t) => {
        const dense = denseOf(t);
        const csr = CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v);
        const csc = csr.toCsc();
        for (let i = 0; i < t.rows; i++) {
          for (let j = 0; j < t.cols; j++) {
            expect(csr.get(i, j)).toBe(dense.get(i, j));
            expect(csc.get(i, j)).toBe(dense.get(i, j));
          }
          const line = csr.row(i);
          const full = new Float64Array(t.cols);
          line.indices.forEach((j, k) => (full[j] = line.values[k]!));
          expect(full).toEqual(dense.row(i));
          expect(csc.row(i)).toEqual(dense.row(i).slice());
        }
        for (let j = 0; j < t.cols; j++) {
          const line = csc.column(j);
          const full = new Float64Array(t.rows);
          line.indices.forEach((i, k) => (full[i] = line.values[k]!));
          expect(full).toEqual(dense.column(j));
          expect(csr.column(j)).toEqual(dense.column(j));
        }
        expect(csr.diagonal()).toEqual(dense.diagonal());
        expect(csc.diagonal()).toEqual(dense.diagonal());
      }),
      FC,
    );
  });

  it('row and column norms (1, 2, ∞) match the dense definitions', () => {
    fc.assert(
      fc.property(tripletsArb(), (t) => {
        const dense = denseOf(t);
        const rows = dense.toRows();
        const cols = Array.from({ length: t.cols }, (_, j) => Array.from(dense.column(j)));
        const norms = {
          1: (a: number[]) => a.reduce((s, v) => s + Math.abs(v), 0),
          2: (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0)),
          [Infinity]: (a: number[]) => a.reduce((s, v) => Math.max(s, Math.abs(v)), 0),
        } as Record<number, (a: number[]) => number>;
        for (const A of [CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v), CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v)]) {
          for (const p of [1, 2, Infinity] as const) {
            const f = norms[p]!;
            // 2-norms use scaled accumulation: equal to the naive sqrt(Σv²) within a few ulp.
            const close = (got: Float64Array, want: number[]): void =>
              want.forEach((w, k) => expect(Math.abs(got[k]! - w)).toBeLessThanOrEqual(4 * Number.EPSILON * w));
            close(A.rowNorms(p), rows.map(f));
            close(A.columnNorms(p), cols.map(f));
          }
        }
      }),
      FC,
    );
  });

  it('norms do not overflow for huge entries', () => {
    const A = CsrMatrix.fromTriplets(1, 2, [0, 0], [0, 1], [3e300, 4e300]);
    expect(A.rowNorms(2)[0]).toBeCloseTo(5e300, -290);
    expect(A.toCsc().rowNorms(2)[0]).toBeCloseTo(5e300, -290);
    expectCode(() => A.rowNorms(3 as 2), 'INVALID_OPTION');
  });

  it('scale gives diag(r)·A·diag(c) without touching A; scaleInPlace overwrites values', () => {
    fc.assert(
      fc.property(tripletsArb(), (t) => {
        const dense = denseOf(t);
        const r = integerVector(t.rows, 6);
        const c = integerVector(t.cols, 7);
        const expected = dense.data.map((v, k) => r[Math.floor(k / t.cols)]! * v * c[k % t.cols]!);
        for (const A of [CsrMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v), CscMatrix.fromTriplets(t.rows, t.cols, t.i, t.j, t.v)]) {
          const before = A.values.slice();
          expect(plusZero(A.scale(r, c).toDense().data)).toEqual(plusZero(expected));
          expect(plusZero(A.scale(r).toDense().data)).toEqual(plusZero(dense.data.map((v, k) => r[Math.floor(k / t.cols)]! * v)));
          expect(plusZero(A.scale(undefined, c).toDense().data)).toEqual(plusZero(dense.data.map((v, k) => v * c[k % t.cols]!)));
          expect(A.values).toEqual(before);
          const B = A.clone();
          expect(B.scaleInPlace(r, c)).toBe(B);
          expect(plusZero(B.toDense().data)).toEqual(plusZero(expected));
          expect(A.values).toEqual(before); // clone shares nothing
        }
        expect(r).toEqual(integerVector(t.rows, 6));
      }),
      FC,
    );
    const A = CsrMatrix.identity(2);
    expectCode(() => A.scale(new Float64Array(3)), 'DIMENSION_MISMATCH');
    expectCode(() => A.scale(undefined, new Float64Array([1, Number.NaN])), 'NON_FINITE_INPUT');
  });

  it('identity and diagonal constructors; index checks', () => {
    expect(CsrMatrix.identity(3).toDense().data).toEqual(Matrix.identity(3).data);
    expect(CscMatrix.diagonal([1, 0, 2]).toDense().data).toEqual(Matrix.diagonal([1, 0, 2]).data);
    expect(CscMatrix.diagonal([1, 0, 2]).nnz).toBe(3);
    const A = CsrMatrix.identity(2);
    expectCode(() => A.get(2, 0), 'INVALID_ARGUMENT');
    expectCode(() => A.row(-1), 'INVALID_ARGUMENT');
    expectCode(() => A.toCsc().column(2), 'INVALID_ARGUMENT');
    expect(isSparseMatrix(A)).toBe(true);
    expect(isSparseMatrix(A.toCsc())).toBe(true);
    expect(isSparseMatrix(A.toDense())).toBe(false);
    expect(String(A)).toBe('CsrMatrix(2×2, nnz 2)');
    expect(String(A.toCsc())).toBe('CscMatrix(2×2, nnz 2)');
  });

  it('CSR and CSC are both CompressedSparseMatrix: code typed on the base gives the same results for either', () => {
    const D = new Matrix(3, 4, [0, 2, 0, -1, 3, 0, 0, 0, 0, 5, 4, 0]);
    const summary = (S: CompressedSparseMatrix): number[] => {
      const y = new Float64Array(S.rows);
      S.spmv(new Float64Array([1, 2, 3, 4]), y);
      return [S.nnz, S.get(2, 2), ...S.diagonal(), ...y, ...S.columnNorms(1), ...S.toDense().data];
    };
    const csr = CsrMatrix.fromDense(D);
    const csc = CscMatrix.fromDense(D);
    expect(csr).toBeInstanceOf(CompressedSparseMatrix);
    expect(csc).toBeInstanceOf(CompressedSparseMatrix);
    expect(summary(csr)).toEqual(summary(csc));
    expect(summary(csr)).toEqual([5, 4, 0, 0, 4, 0, 3, 22, 3, 7, 4, 1, ...D.data]);
  });
});
