/**
 * The injected-backend path of GANQ (`ganq(W, H, { backend })`, backend.ts). Its driver repeats ganq's
 * loop, so these tests pin it to ganq bit for bit: any drift between the two copies fails here.
 */
import { describe, expect, test } from 'vitest';
import { FirstOrderError } from '@firstorder/core';
import { CPU_GANQ_BACKEND, ganq, ganqCodebooks, ganqSolveCodebooks } from '@firstorder/compress';
import type { GanqBackend, GanqResult, GanqSession } from '@firstorder/compress';
import { syntheticLayer } from './helpers.js';

function expectSame(a: GanqResult, b: GanqResult): void {
  expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
  expect(Array.from(a.codebooks.data)).toEqual(Array.from(b.codebooks.data));
  expect(Array.from(a.objectiveHistory)).toEqual(Array.from(b.objectiveHistory));
  expect(a.objective).toBe(b.objective);
  expect(a.initialObjective).toBe(b.initialObjective);
  expect(a.bestIteration).toBe(b.bestIteration);
  expect(a.relativeError).toBe(b.relativeError);
  expect(a.outlierCount).toBe(b.outlierCount);
  expect(Array.from(a.outliers?.values ?? [])).toEqual(Array.from(b.outliers?.values ?? []));
  expect(Array.from(a.deadInputs)).toEqual(Array.from(b.deadInputs));
  expect(a.damping).toBe(b.damping);
}

describe('ganq with an injected backend', () => {
  const cases = [
    { bits: 4, blockSize: 128, outliers: false, dead: 0 },
    { bits: 3, blockSize: 7, outliers: true, dead: 2 },
    { bits: 2, blockSize: 16, outliers: false, dead: 1 },
  ];
  for (const c of cases) {
    test(`CPU_GANQ_BACKEND reproduces ganq exactly (bits ${c.bits}, block ${c.blockSize}, outliers ${c.outliers}, dead ${c.dead})`, async () => {
      const { W, H } = syntheticLayer(11 + c.bits, 9, 40, 120, c.dead);
      const Wc = Float64Array.from(W.data);
      const Hc = Float64Array.from(H.data);
      const opts = { bits: c.bits, iterations: 4, blockSize: c.blockSize, ...(c.outliers ? { outliers: { ratio: 0.05, fullRows: 1 } } : {}) };
      const ref = ganq(W, H, opts);
      const viaBackend = await ganq(W, H, { ...opts, backend: CPU_GANQ_BACKEND });
      expectSame(viaBackend, ref);
      expect(W.data).toEqual(Wc);
      expect(H.data).toEqual(Hc);
    });
  }

  test('an asynchronous backend is awaited and disposed; its codes and codebooks are what ganq returns', async () => {
    const { W, H } = syntheticLayer(5, 6, 24, 80);
    let disposed = 0;
    let calls = 0;
    const asyncCpu: GanqBackend = {
      name: 'async-cpu',
      async open(problem) {
        const inner = await CPU_GANQ_BACKEND.open(problem);
        return {
          sStep: async (T, codes) => { calls++; await Promise.resolve(); inner.sStep(T, codes); },
          tStep: async (codes, T) => { calls++; await Promise.resolve(); inner.tStep(codes, T); },
          dispose: () => { disposed++; },
        };
      },
    };
    const r = await ganq(W, H, { bits: 3, iterations: 3, backend: asyncCpu });
    expectSame(r, ganq(W, H, { bits: 3, iterations: 3 }));
    expect(calls).toBe(3 + 3); // S-steps at it = 0, 2, 3 and T-steps at 1..3
    expect(disposed).toBe(1);
  });

  test('a backend whose T-step is wrong changes the result (the backend really is used)', async () => {
    const { W, H } = syntheticLayer(6, 5, 20, 60);
    const broken: GanqBackend = {
      name: 'broken',
      open(problem) {
        const inner = CPU_GANQ_BACKEND.open(problem) as GanqSession;
        return { sStep: (T, codes) => inner.sStep(T, codes), tStep: (codes, T) => { void inner.tStep(codes, T); T[0]! += 1; } };
      },
    };
    const r = await ganq(W, H, { bits: 2, iterations: 2, backend: broken });
    expect(Array.from(r.objectiveHistory)).not.toEqual(Array.from(ganq(W, H, { bits: 2, iterations: 2 }).objectiveHistory));
  });

  test("'gpu' without a registered provider is UNSUPPORTED naming @firstorder/gpu; bad strings and malformed backends are typed errors", async () => {
    const { W, H } = syntheticLayer(7, 3, 8, 20);
    await expect(ganq(W, H, { backend: 'gpu' })).rejects.toThrow(/@firstorder\/gpu/);
    await expect(ganq(W, H, { backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED', argument: 'backend' });
    await expect(ganq(W, H, { backend: 'cuda' as 'gpu' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(ganq(W, H, { backend: {} as GanqBackend })).rejects.toThrow(/backend/);
  });
});

describe('ganqSolveCodebooks', () => {
  test('from S H Sᵀ and S H Wᵀ built by brute force it equals ganqCodebooks', () => {
    const { W, H } = syntheticLayer(8, 4, 18, 50);
    const m = 4, n = 18, k = 8;
    const codes = Uint8Array.from({ length: m * n }, (_, p) => (p * 5 + (p % 3)) % 7); // cluster 7 empty
    const A = new Float64Array(m * k * k);
    const b = new Float64Array(m * k);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const s = codes[i * n + j]!;
        for (let l = 0; l < n; l++) {
          A[i * k * k + s * k + codes[i * n + l]!]! += H.data[j * n + l]!;
          b[i * k + s]! += H.data[j * n + l]! * W.data[i * n + l]!;
        }
      }
    }
    const T = new Float64Array(m * k);
    ganqSolveCodebooks(A, b, m, k, T);
    const ref = ganqCodebooks(W, H, codes, 3);
    for (let p = 0; p < T.length; p++) expect(Math.abs(T[p]! - ref.data[p]!)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(ref.data[p]!)));
    expect(T[7]).toBe(0); // empty cluster → 0 (pinv)
    expect(() => ganqSolveCodebooks(A.subarray(1), b, m, k, T)).toThrow(FirstOrderError);
  });
});
