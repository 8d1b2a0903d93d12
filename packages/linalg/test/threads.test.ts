import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accumulateGram,
  cholesky,
  gemm,
  gemmInto,
  gemvInto,
  getThreads,
  releaseResident,
  residentMatrix,
  setBackend,
  setThreads,
  syrk,
} from '@firstorder/linalg';
import { heapUsage } from '../src/wasm/heap.js';
import { FirstOrderError } from '@firstorder/core';
import { splitRows } from '../src/wasm/pool.js';
import { randomMatrix, randomVector, rngFor } from './dense-helpers.js';

// The pool splits C by rows; each entry is accumulated by the same operation sequence as on one thread, so
// results must be bitwise identical for 1, 2 and 3 threads and for the TypeScript kernel.
function same(x: Float64Array, y: Float64Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe('worker-thread pool', () => {
  beforeAll(async () => {
    expect(getThreads()).toBe(1);
  });
  afterAll(async () => {
    await setThreads(1);
    setBackend('wasm');
  });

  it('splits rows in multiples of 4 covering [0, m), balancing triangle work', () => {
    expect(splitRows(100, 100, 2, false)).toEqual([0, 52, 100]);
    expect(splitRows(10, 10, 3, false)).toEqual([0, 4, 8, 10]);
    const tri = splitRows(400, 400, 2, true);
    expect(tri[1]! % 4).toBe(0);
    expect(tri[1]!).toBeLessThan(200); // the top rows of an upper triangle hold more entries
    expect(tri[1]!).toBeGreaterThan(100);
    for (const [m, t, tri] of [[3, 4, false], [37, 3, true], [1000, 7, false], [9, 2, true]] as const) {
      const b = splitRows(m, m, t, tri);
      expect(b.length).toBe(t + 1);
      expect(b[0]).toBe(0);
      expect(b[t]).toBe(m);
      for (let i = 1; i < t; i++) {
        expect(b[i]! % 4 === 0 || b[i] === m).toBe(true);
        expect(b[i]!).toBeGreaterThanOrEqual(b[i - 1]!);
      }
    }
  });

  it('gives bitwise identical gemm, syrk, Gram and Cholesky results for 1, 2 and 3 threads and the TS kernel', async () => {
    const rng = rngFor(3);
    const A = randomMatrix(rng, 211, 173);
    const B = randomMatrix(rng, 173, 190);
    const C0 = randomMatrix(rng, 190, 211);
    const X = randomMatrix(rng, 260, 150);
    const S = syrk(randomMatrix(rng, 300, 280), { transpose: true });
    for (let i = 0; i < 280; i++) S.data[i * 280 + i]! += 1;
    const run = () => [
      gemm(A, B, { alpha: 1.5 }).data,
      gemmInto(C0.clone(), B, A, { transA: true, transB: true, beta: -0.5 }).data,
      syrk(X, { transpose: true }).data,
      accumulateGram(syrk(randomMatrix(rngFor(9), 150, 5)), X, { transpose: true, alpha: 0.25 }).data,
      cholesky(S).L.data,
    ];
    setBackend('js');
    const reference = run();
    setBackend('wasm');
    expect(await setThreads(1)).toBe(1);
    const one = run();
    for (const t of [2, 3]) {
      expect(await setThreads(t)).toBe(t);
      expect(getThreads()).toBe(t);
      const many = run();
      for (let r = 0; r < reference.length; r++) {
        expect(same(many[r]!, one[r]!)).toBe(true);
        expect(same(many[r]!, reference[r]!)).toBe(true);
      }
    }
    expect(await setThreads(1)).toBe(1);
    expect(getThreads()).toBe(1);
  });

  it('gives bitwise identical gemv (rows split; transposed: columns split) and resident gemm for 1, 2 and 3 threads', async () => {
    const rng = rngFor(11);
    const shapes = [[700, 523], [523, 700], [1, 300_000], [300_000, 1], [2101, 1031]] as const; // the last > 16 MiB: far-row kernel
    const inputs = shapes.map(([m, n]) => {
      const A = residentMatrix(m, n);
      A.data.set(randomMatrix(rng, m, n).data);
      return { A, x: randomVector(rng, n), xT: randomVector(rng, m), y: randomVector(rng, m), yT: randomVector(rng, n) };
    });
    const B = residentMatrix(523, 301);
    B.data.set(randomMatrix(rng, 523, 301).data);
    const run = (): Float64Array[] => [
      ...inputs.flatMap(({ A, x, xT, y, yT }) => [
        gemvInto(y.slice(), A, x, { alpha: 0.5, beta: -1 }),
        gemvInto(yT.slice(), A, xT, { transpose: true, alpha: -2, beta: 0.25 }),
      ]),
      gemm(inputs[0]!.A, B).data,
    ];
    setBackend('js');
    const reference = run(); // transposed gemv and gemm: the TypeScript kernel's bits
    setBackend('wasm');
    expect(await setThreads(1)).toBe(1);
    const one = run();
    const live = heapUsage().live;
    for (const t of [2, 3]) {
      expect(await setThreads(t)).toBe(t);
      const many = run();
      for (let r = 0; r < one.length; r++) expect(same(many[r]!, one[r]!)).toBe(true);
    }
    for (let r = 1; r < one.length; r += 2) expect(same(one[r]!, reference[r]!)).toBe(true);
    expect(same(one[one.length - 1]!, reference[reference.length - 1]!)).toBe(true);
    expect(await setThreads(1)).toBe(1);
    expect(heapUsage().live).toBe(live); // staging freed, the control block released
    for (const { A } of inputs) releaseResident(A);
    releaseResident(B);
  });

  it('rejects a non-positive or fractional thread count', async () => {
    await expect(setThreads(0)).rejects.toThrow(FirstOrderError);
    await expect(setThreads(1.5)).rejects.toThrow(FirstOrderError);
  });
});
