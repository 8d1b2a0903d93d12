/**
 * The f32 WebAssembly LUT mpGEMM (linalg's lutGemmF32Wasm, what lutGemm runs for batch ≥ 2 under backend
 * 'wasm') against the TypeScript kernel (backend 'js'): f64x2 sums in another order, so within
 * (terms + 1)·eps_f64·Σ|terms| of the sequential float64 sum, plus the one rounding to float32.
 */
import { afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError } from '@firstorder/core';
import { getBackend, lutGemmF32Wasm, setBackend } from '@firstorder/linalg';
import { lutGemm } from '@firstorder/compress';
import type { PackedLut } from '@firstorder/compress';
import { randomPacked } from './helpers.js';

const EPS = 2 ** -52;
const initial = getBackend();
afterEach(() => setBackend(initial));

/** Per output (r, i): Σ|terms| and the number of terms (n + outliers + bias). */
function magnitudes(p: PackedLut, codes: Uint8Array, X: Float32Array, batch: number, bias: Float32Array | null) {
  const { rows: m, cols: n, bits } = p;
  const S = new Float64Array(batch * m);
  const T = new Float64Array(batch * m);
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.abs(p.lut[(i << bits) + codes[i * n + j]!]! * X[r * n + j]!);
      let t = n + 1;
      const o = p.outliers;
      if (o !== null) {
        for (let q = o.rowPtr[i]!; q < o.rowPtr[i + 1]!; q++) s += Math.abs(o.values[q]! * X[r * n + o.colIndices[q]!]!);
        t += o.rowPtr[i + 1]! - o.rowPtr[i]!;
      }
      if (bias !== null) s += Math.abs(bias[i]!);
      S[r * m + i] = s;
      T[r * m + i] = t;
    }
  }
  return { S, T };
}

describe('f32 WebAssembly LUT mpGEMM', () => {
  test('runs in Node, and lutGemm dispatches to it for batch ≥ 2 under backend wasm', () => {
    const { packed: p, rng } = randomPacked(3, 6, 45, 3, true);
    const X = rng.fillNormal(new Float32Array(4 * 45));
    setBackend('wasm');
    const direct = new Float32Array(4 * 6);
    const o = p.outliers!;
    expect(lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 6, 45, 3, o.rowPtr, o.colIndices, o.values, null, X, 4, direct)).toBe(true);
    expect(Array.from(lutGemm(p, X, 4, new Float32Array(4 * 6)))).toEqual(Array.from(direct));
    // Backend 'js': nothing runs, Y untouched.
    setBackend('js');
    const untouched = new Float32Array(4 * 6).fill(7);
    expect(lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 6, 45, 3, o.rowPtr, o.colIndices, o.values, null, X, 4, untouched)).toBe(false);
    expect(untouched.every((v) => v === 7)).toBe(true);
  });

  test('exact on small integers (every sum representable): codes, outliers and bias land where they should', () => {
    // W row i = lut_i[q_ij] with lut_i = [i, i+1, i+2, i+3] (2 bits), one outlier 10 at (1, 2), bias [100, 200].
    const m = 2;
    const n = 5;
    const q = [0, 1, 2, 3, 0, 3, 2, 1, 0, 3];
    const codes = new Uint32Array([0, 0]);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) codes[i]! |= q[i * n + j]! << (2 * j);
    const lut = new Float32Array([0, 1, 2, 3, 1, 2, 3, 4]);
    const X = new Float32Array([1, 2, 3, 4, 5, -1, 0, 2, 1, 1]);
    const Y = new Float64Array(4);
    setBackend('wasm');
    const ran = lutGemmF32Wasm(codes, 1, lut, m, n, 2, new Int32Array([0, 0, 1]), new Int32Array([2]), new Float32Array([10]), new Float32Array([100, 200]), X, 2, Y);
    expect(ran).toBe(true);
    // r0: row0 = [0,1,2,3,0]·[1,2,3,4,5] = 20, +100; row1 = [4,3,2,1,4]·x = 4+6+6+4+20 = 40, +10·3 +200.
    // r1: row0 = [0,1,2,3,0]·[-1,0,2,1,1] = 7, +100; row1 = [4,3,2,1,4]·[-1,0,2,1,1] = 5, +10·2 +200.
    expect(Array.from(Y)).toEqual([120, 270, 107, 225]);
  });

  test('matches the TypeScript kernel within (terms+1)·eps_f64·Σ|terms| (+ f32 rounding): 2/3/4 bits, any n, batch 1…9', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.constantFrom(2, 3, 4),
        fc.oneof(fc.integer({ min: 1, max: 150 }), fc.constantFrom(8, 31, 32, 33, 64, 96, 128, 257)),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (seed, bits, n, m, batch, withOutliers, withBias, f32Out) => {
          const { packed: p, codes, rng } = randomPacked(seed, m, n, bits, withOutliers);
          const X = rng.fillNormal(new Float32Array(batch * n));
          const bias = withBias ? rng.fillNormal(new Float32Array(m)) : null;
          const make = () => (f32Out ? new Float32Array(batch * m) : new Float64Array(batch * m));
          setBackend('js');
          const ref = lutGemm(p, X, batch, make(), bias);
          setBackend('wasm');
          const got = make();
          const o = p.outliers;
          const ran = lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, m, n, bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, X, batch, got);
          expect(ran).toBe(true);
          if (batch >= 2) expect(Array.from(lutGemm(p, X, batch, make(), bias))).toEqual(Array.from(got));
          const { S, T } = magnitudes(p, codes, X, batch, bias);
          for (let k = 0; k < batch * m; k++) {
            const d = (T[k]! + 1) * EPS * S[k]!;
            const round = f32Out ? 2 ** -24 * (Math.abs(ref[k]!) + Math.abs(got[k]!)) : 0;
            expect(Math.abs(got[k]! - ref[k]!)).toBeLessThanOrEqual(d + round);
          }
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });

  test('each batch row gets the same sums whatever the batch (4-row passes and the remainder agree bit for bit)', () => {
    const { packed: p, rng } = randomPacked(8, 5, 67, 4, true);
    const batch = 9;
    const X = rng.fillNormal(new Float32Array(batch * 67));
    const bias = rng.fillNormal(new Float32Array(5));
    const o = p.outliers!;
    setBackend('wasm');
    const all = new Float64Array(batch * 5);
    lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 5, 67, 4, o.rowPtr, o.colIndices, o.values, bias, X, batch, all);
    for (let r = 0; r < batch; r++) {
      const one = new Float64Array(5);
      lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 5, 67, 4, o.rowPtr, o.colIndices, o.values, bias, X.subarray(r * 67, (r + 1) * 67), 1, one);
      expect(Array.from(one)).toEqual(Array.from(all.subarray(r * 5, (r + 1) * 5)));
    }
  });

  test('bad input throws FirstOrderError naming the argument; inputs are not mutated', () => {
    const { packed: p, rng } = randomPacked(5, 3, 20, 4, true);
    const X = rng.fillNormal(new Float32Array(2 * 20));
    const o = p.outliers!;
    const Y = new Float32Array(6);
    const call = (over: Partial<{ wpr: number; bits: number; col: Int32Array; X: Float32Array; Y: Float32Array }>) => () =>
      lutGemmF32Wasm(p.codes, over.wpr ?? p.wordsPerRow, p.lut, 3, 20, over.bits ?? 4, o.rowPtr, over.col ?? o.colIndices, o.values, null, over.X ?? X, 2, over.Y ?? Y);
    expect(call({ wpr: 2 })).toThrow(/wordsPerRow/);
    expect(call({ bits: 9 })).toThrow(FirstOrderError);
    expect(call({ X: new Float32Array(39) })).toThrow(/X/);
    expect(call({ Y: new Float32Array(5) })).toThrow(/Y/);
    if (o.colIndices.length > 0) {
      const bad = o.colIndices.slice();
      bad[0] = 20;
      expect(call({ col: bad })).toThrow(/colIndices\[0\]/);
    }
    expect(() => lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 3, 20, 4, o.rowPtr, null, o.values, null, X, 2, Y)).toThrow(FirstOrderError);
    const snapshot = [p.codes.slice(), p.lut.slice(), X.slice(), o.values.slice()];
    setBackend('wasm');
    lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, 3, 20, 4, o.rowPtr, o.colIndices, o.values, null, X, 2, Y);
    expect([p.codes, p.lut, X, o.values].map((a) => Array.from(a))).toEqual(snapshot.map((a) => Array.from(a)));
  });
});
