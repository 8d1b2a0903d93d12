import { describe, expect, test } from 'vitest';
// ganqAsync's workers run the compiled worker module (dist/quantize/ganq-worker.js): `pnpm build` makes it.
import { FirstOrderError } from '@firstorder/core';
import { ganq, ganqAsync, relativeLayerError } from '@firstorder/compress';
import { syntheticLayer } from './helpers.js';

describe('ganqAsync (rows on worker threads)', () => {
  const cases = [
    { bits: 3, opts: {} },
    { bits: 4, opts: { hessianFix: 'reference' as const } },
    { bits: 3, opts: { outliers: { ratio: 0.05 } } },
    { bits: 4, opts: { actOrder: true, deadInputs: 'exclude' as const } },
  ];
  for (const [ci, c] of cases.entries()) {
    test(`bitwise identical for 1, 2 and 3 threads, and equal to ganq up to the objective's summation order (case ${ci})`, async () => {
      const { W, H } = syntheticLayer(70 + ci, 45, 48, 96, 6);
      const runs = [];
      for (const threads of [1, 2, 3]) runs.push(await ganqAsync(W, H, { bits: c.bits, ...c.opts, threads, rowsPerBlock: 8 }));
      const [a, ...rest] = runs;
      for (const r of rest) {
        expect(Array.from(r!.codes)).toEqual(Array.from(a!.codes));
        expect(Array.from(r!.codebooks.data)).toEqual(Array.from(a!.codebooks.data));
        expect(r!.objective).toBe(a!.objective);
        expect(Array.from(r!.objectiveHistory)).toEqual(Array.from(a!.objectiveHistory));
      }
      expect(runs.map((r) => r.threads)).toEqual([1, 2, 3]);
      const s = ganq(W, H, { bits: c.bits, ...c.opts });
      expect(a!.bestIteration).toBe(s.bestIteration);
      expect(Array.from(a!.codes)).toEqual(Array.from(s.codes));
      for (let p = 0; p < s.codebooks.data.length; p++) expect(a!.codebooks.data[p]).toBeCloseTo(s.codebooks.data[p]!, 12);
      expect(Math.abs(a!.objective - s.objective)).toBeLessThan(1e-10 * s.objective);
      for (let it = 0; it < s.objectiveHistory.length; it++) expect(Math.abs(a!.objectiveHistory[it]! - s.objectiveHistory[it]!)).toBeLessThan(1e-10 * s.objectiveHistory[it]!);
      expect(a!.relativeError).toBeCloseTo(relativeLayerError(W, a!.dequantize(), H), 12);
    });
  }

  test('typed errors: threads 0, a backend', async () => {
    const { W, H } = syntheticLayer(1, 4, 8, 16);
    await expect(ganqAsync(W, H, { threads: 0 })).rejects.toThrow(FirstOrderError);
    await expect(ganqAsync(W, H, { backend: 'cpu' } as never)).rejects.toThrow(/backend/);
  });
});
