import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '@firstorder/core';
import { Matrix, eigSym, jacobiEigenInPlace } from '@firstorder/linalg';

describe('jacobiEigenInPlace', () => {
  it('diagonalizes small symmetric matrices: A V = V diag(a), V orthogonal, eigenvalues equal eigSym’s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), (seed, n, psd) => {
        const rng = createRng(seed);
        const B = Float64Array.from({ length: n * n }, () => rng.normal());
        const A = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            if (psd) for (let t = 0; t < n; t++) s += B[i * n + t]! * B[j * n + t]!;
            else s = B[i * n + j]! + B[j * n + i]!;
            A[i * n + j] = s;
          }
        }
        const a = A.slice();
        const v = new Float64Array(n * n).fill(7); // stale contents must be overwritten
        jacobiEigenInPlace(a, n, v);
        const scale = Math.max(...Array.from(A, Math.abs), 1);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < n; c++) {
            let av = 0;
            let vv = 0;
            for (let t = 0; t < n; t++) {
              av += A[i * n + t]! * v[t * n + c]!;
              vv += v[t * n + i]! * v[t * n + c]!;
            }
            expect(Math.abs(av - a[c * n + c]! * v[i * n + c]!)).toBeLessThan(1e-12 * scale);
            expect(Math.abs(vv - (i === c ? 1 : 0))).toBeLessThan(1e-13);
          }
        }
        const ours = Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
        const ref = eigSym(new Matrix(n, n, A.slice()), { vectors: false }).values;
        for (let i = 0; i < n; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThan(1e-12 * scale);
      }),
      { seed: 11, numRuns: 60 },
    );
  });
});
