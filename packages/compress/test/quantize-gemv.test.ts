/**
 * The fused one-vector LUT kernel (lutGemm with batch = 1, what lutGemv runs) against the decode-then-dot
 * GEMM kernel (batch > 1): the same sums in the same order, so bit-identical outputs, for every width,
 * column counts that end mid-word and on word/group boundaries, CSR outliers and a bias.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getBackend, setBackend } from '@firstorder/linalg';
import { lutGemm, lutGemv } from '@firstorder/compress';
import { randomPacked } from './helpers.js';

describe('fused LUT mpGEMV', () => {
  test('batch = 1 equals the decode-then-dot GEMM kernel bit for bit (widths 2/3/4, any n, outliers, bias)', () => {
    // Pins the TypeScript GEMM kernel (backend 'wasm' runs the f32 module's kernel for batch ≥ 2).
    const before = getBackend();
    setBackend('js');
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1e6 }),
          fc.constantFrom(2, 3, 4),
          fc.oneof(fc.integer({ min: 1, max: 140 }), fc.constantFrom(8, 16, 32, 64, 96, 128)),
          fc.boolean(),
          (seed, bits, n, withOutliers) => {
            const m = 5;
            const { packed, rng } = randomPacked(seed, m, n, bits, withOutliers);
            const x = rng.fillNormal(new Float32Array(n));
            const bias = rng.fillNormal(new Float32Array(m));
            const y = lutGemm(packed, x, 1, new Float64Array(m), bias);
            const X2 = new Float32Array(2 * n);
            X2.set(x);
            X2.set(x, n);
            const Y2 = lutGemm(packed, X2, 2, new Float64Array(2 * m), bias);
            expect(Array.from(y)).toEqual(Array.from(Y2.subarray(0, m)));
            // lutGemv (no bias, float32 output) rounds the same float64 sums once.
            const Y2nb = lutGemm(packed, X2, 2, new Float32Array(2 * m));
            expect(Array.from(lutGemv(packed, x))).toEqual(Array.from(Y2nb.subarray(0, m)));
          },
        ),
        { numRuns: 120, seed: 11 },
      );
    } finally {
      setBackend(before);
    }
  });
});
