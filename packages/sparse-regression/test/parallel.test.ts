import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FirstOrderError } from '@firstorder/core';
import type { CscMatrix } from '@firstorder/linalg';
import { sugm, sugmAsync, sugmGenerator } from '@firstorder/sparse-regression';

// sugmAsync's workers run the compiled worker module (dist/sugm-worker.js): `pnpm build` (or `pnpm test`) makes it.
const workerBuilt = existsSync(new URL('../dist/sugm-worker.js', import.meta.url));

function sameBits(a: CscMatrix, b: CscMatrix): boolean {
  if (a.values.length !== b.values.length) return false;
  for (let e = 0; e < a.values.length; e++) if (!Object.is(a.values[e], b.values[e]) || a.rowIndices[e] !== b.rowIndices[e]) return false;
  for (let j = 0; j <= a.cols; j++) if (a.colPtr[j] !== b.colPtr[j]) return false;
  return true;
}

describe('sugmAsync: columns on worker threads', () => {
  it('the worker module is built (run pnpm build first)', () => {
    expect(workerBuilt).toBe(true);
  });

  for (const method of ['clime', 'tiger'] as const) {
    it(`${method}: bitwise the same fit as sugm for 1, 2 and 3 threads (hub graph, d = 30)`, async () => {
      const { data } = sugmGenerator({ n: 60, d: 30, graph: 'hub', seed: 7 });
      const ref = sugm(data, { method, nlambda: 4 });
      for (const threads of [1, 2, 3]) {
        const fit = await sugmAsync(data, { method, nlambda: 4, threads, minColumnsPerThread: 1 });
        expect(fit.threads).toBe(threads);
        expect(Array.from(fit.lambda)).toEqual(Array.from(ref.lambda));
        for (let k = 0; k < ref.icov.length; k++) {
          expect(sameBits(fit.icov[k]!, ref.icov[k]!)).toBe(true);
          expect(sameBits(fit.icov1[k]!, ref.icov1[k]!)).toBe(true);
          expect(sameBits(fit.path[k]!, ref.path[k]!)).toBe(true);
        }
        expect(Array.from(fit.iterations.full.data)).toEqual(Array.from(ref.iterations.full.data));
        expect(fit.status).toEqual(ref.status);
      }
    });
  }

  it('uses fewer threads when there are fewer than minColumnsPerThread columns per thread', async () => {
    const { data } = sugmGenerator({ n: 40, d: 20, graph: 'band', seed: 3 });
    const fit = await sugmAsync(data, { method: 'clime', nlambda: 2, threads: 4, minColumnsPerThread: 10 });
    expect(fit.threads).toBe(2);
  });

  it('bad thread counts throw a FirstOrderError naming the option', async () => {
    const { data } = sugmGenerator({ n: 20, d: 8, graph: 'band', seed: 1 });
    await expect(sugmAsync(data, { threads: 0 })).rejects.toThrow(FirstOrderError);
    await expect(sugmAsync(data, { threads: 1.5 })).rejects.toThrow(/threads/);
  });
});
