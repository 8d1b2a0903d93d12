import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { createRng } from '@firstorder/core';
import { Matrix } from '@firstorder/linalg';
import { OptModel, collectGrams } from '@firstorder/lm';
import { LutLinear, ganq, quantizeModel, weightedKMeans } from '@firstorder/compress';
import { exactKMeans1D } from './helpers.js';

describe('SqueezeLLM-style weighted k-means', () => {
  test('is a weighted Lloyd fixed point (nearest centres, weighted means) never below the exact weighted 1-D optimum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = createRng(seed);
        const n = 10;
        const W = new Matrix(2, n);
        for (let j = 0; j < 2 * n; j++) W.data[j] = [-2, 0.5, 3, 6][j % 4]! + 0.01 * rng.normal();
        const wts = Float64Array.from({ length: n }, () => rng.uniform(0.1, 2));
        const q = weightedKMeans(W, wts, { bits: 2 });
        for (let i = 0; i < 2; i++) {
          const row = W.data.subarray(i * n, i * n + n);
          let f = 0;
          for (let j = 0; j < n; j++) f += wts[j]! * (row[j]! - q.codebooks.get(i, q.codes[i * n + j]!)) ** 2;
          const opt = exactKMeans1D(row, 4, wts);
          expect(f).toBeGreaterThanOrEqual(opt * (1 - 1e-9));
          for (let c = 0; c < 4; c++) {
            let sw = 0;
            let sx = 0;
            for (let j = 0; j < n; j++) {
              if (q.codes[i * n + j] !== c) continue;
              sw += wts[j]!;
              sx += wts[j]! * row[j]!;
              for (let d = 0; d < 4; d++) expect(Math.abs(row[j]! - q.codebooks.get(i, c))).toBeLessThanOrEqual(Math.abs(row[j]! - q.codebooks.get(i, d)) + 1e-12);
            }
            if (sw > 0) expect(q.codebooks.get(i, c)).toBeCloseTo(sx / sw, 12);
          }
        }
      }),
      { numRuns: 10, seed: 3 },
    );
  });
});

describe('quantizeModel on a small lm model', () => {
  const config = { vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, ffnDim: 32, maxPositionEmbeddings: 16 };
  const rng = createRng(1);
  const ids = Int32Array.from({ length: 6 * 16 }, () => rng.integer(0, 40));
  const data = { ids, sequences: 6, seq: 16 };
  test('quantizes all 12 linear layers sequentially; LUT deployment matches the simulated weights', async () => {
    const base = OptModel.random(config, { seed: 2 });
    const sim = OptModel.random(config, { seed: 2 });
    const lut = OptModel.random(config, { seed: 2 });
    const seen: string[] = [];
    const r1 = await quantizeModel(sim, data, { method: 'ganq', bits: 3, ganq: { iterations: 3 }, onProgress: (r) => seen.push(r.name) });
    const r2 = await quantizeModel(lut, data, { method: 'ganq', bits: 3, ganq: { iterations: 3 }, deploy: 'lut' });
    expect(r1.length).toBe(12);
    expect(seen).toEqual(r1.map((r) => r.name));
    for (const r of r1) expect(r.relativeError).toBeGreaterThan(0);
    for (const r of r1) expect(r.relativeError).toBeLessThan(0.2);
    // Block 2 is calibrated on block 1's outputs, computed by lm's dense kernel (sim) or the LUT kernel (lut): the same
    // Ŵ, but the two float32 kernels may round differently (lm's kernel may run in wasm), so equal to rounding only.
    r2.forEach((r, i) => expect(Math.abs(r.relativeError - r1[i]!.relativeError)).toBeLessThan(1e-6 * r1[i]!.relativeError));
    expect(r2.slice(0, 6).map((r) => r.relativeError)).toEqual(r1.slice(0, 6).map((r) => r.relativeError));
    expect(lut.getLinear(r2[0]!.name)).toBeInstanceOf(LutLinear);
    const x = ids.subarray(0, 16);
    const y0 = base.forward(x, 1, 16).slice();
    const y1 = sim.forward(x, 1, 16).slice();
    const y2 = lut.forward(x, 1, 16).slice();
    let diff01 = 0;
    let diff12 = 0;
    for (let i = 0; i < y0.length; i++) {
      diff01 = Math.max(diff01, Math.abs(y0[i]! - y1[i]!));
      diff12 = Math.max(diff12, Math.abs(y1[i]! - y2[i]!));
    }
    expect(diff01).toBeGreaterThan(0); // quantization changed the model
    expect(diff12).toBeLessThan(1e-4); // same Ŵ, float32 rounding differences only
  });

  test('GANQ has the lowest mean layer error among RTN, GPTQ and GANQ at 3 bits', async () => {
    const mean = async (method: 'rtn' | 'gptq' | 'ganq'): Promise<number> => {
      const m = OptModel.random(config, { seed: 5 });
      const r = await quantizeModel(m, data, { method, bits: 3 });
      return r.reduce((s, x) => s + x.relativeError, 0) / r.length;
    };
    const [eR, eQ, eG] = [await mean('rtn'), await mean('gptq'), await mean('ganq')];
    expect(eG).toBeLessThan(eQ);
    expect(eQ).toBeLessThan(eR);
  });

  test("sequential: 'true' calibrates out_proj on the block with q/k/v already quantized (independent re-computation)", async () => {
    const opts = { method: 'ganq' as const, bits: 3, ganq: { iterations: 2 } };
    const blockMode = await quantizeModel(OptModel.random(config, { seed: 4 }), data, opts);
    const trueMode = await quantizeModel(OptModel.random(config, { seed: 4 }), data, { ...opts, sequential: 'true' });
    expect(trueMode.map((r) => r.name)).toEqual(blockMode.map((r) => r.name));
    // Block 0's q/k/v see the embeddings in both modes.
    for (let i = 0; i < 3; i++) expect(trueMode[i]!.relativeError).toBeCloseTo(blockMode[i]!.relativeError, 12);
    // By hand: quantize block 0's q/k/v from the dense model's Gram, then re-collect out_proj's Gram.
    const ref = OptModel.random(config, { seed: 4 });
    const g0 = collectGrams(ref, data);
    for (const kind of ['q_proj', 'k_proj', 'v_proj']) {
      const name = `model.decoder.layers.0.self_attn.${kind}`;
      const layer = ref.getLinear(name) as unknown as { weightMatrix(): Matrix; setWeight(w: Matrix): void };
      layer.setWeight(ganq(layer.weightMatrix(), g0.get(name)!.H, { bits: 3, iterations: 2 }).dequantize());
    }
    const outName = 'model.decoder.layers.0.self_attn.out_proj';
    const Hout = collectGrams(ref, data, { names: [outName] }).get(outName)!.H;
    const Wout = (ref.getLinear(outName) as unknown as { weightMatrix(): Matrix }).weightMatrix();
    const expected = ganq(Wout, Hout, { bits: 3, iterations: 2 }).relativeError;
    // Same sums up to the order of the Gram accumulation: 1e-9 relative.
    expect(Math.abs(trueMode[3]!.relativeError - expected)).toBeLessThanOrEqual(1e-9 * expected);
    // …and not what block mode used (its out_proj Gram comes from the unquantized q/k/v).
    expect(Math.abs(blockMode[3]!.relativeError - expected)).toBeGreaterThan(1e-6 * expected);
  });
});
