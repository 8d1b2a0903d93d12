/**
 * The `backend` option of ganq, quantizeModel and fasp without a GPU: strings resolve through core's registry
 * ('gpu' without a provider → UNSUPPORTED naming @firstorder/gpu; 'auto' → the CPU path, identical results),
 * and a CompressDeviceSession is routed to (checked with a session built from the float64 CPU code, so the
 * results must equal the plain CPU call exactly). The WebGPU session is tested in packages/gpu/test.
 */
import { describe, expect, it } from 'vitest';
import { createRng, registerBackendProvider } from '@firstorder/core';
import { Matrix, accumulateGram, syrk } from '@firstorder/linalg';
import { OptModel } from '@firstorder/lm';
import { COMPRESS_BACKEND_CAPABILITY, CPU_GANQ_BACKEND, PrunedLinear, channelScores, fasp, ganq, quantizeModel } from '@firstorder/compress';
import type { CompressDeviceSession } from '@firstorder/compress';

const config = { vocabSize: 30, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, ffnDim: 16, maxPositionEmbeddings: 12 };
const rng = createRng(6);
const data = { ids: Int32Array.from({ length: 4 * 12 }, () => rng.integer(0, 30)), sequences: 4, seq: 12 };

function cpuSession(): CompressDeviceSession & { counts: { ganq: number; gram: number; scores: number; release: number } } {
  const counts = { ganq: 0, gram: 0, scores: 0, release: 0 };
  return {
    name: 'cpu-float64',
    counts,
    ganqBackend: () => (counts.ganq++, CPU_GANQ_BACKEND),
    async accumulateGram(H, X) {
      counts.gram++;
      accumulateGram(H, X, { transpose: true });
    },
    async columnScores(W, H) {
      counts.scores++;
      return channelScores(W, { H, count: 1 }, 'fasp');
    },
    release: () => void counts.release++,
  };
}

describe('compress backend option', () => {
  const r = createRng(2);
  const W = new Matrix(5, 12, Float64Array.from({ length: 60 }, () => r.normal()));
  const H = syrk(new Matrix(12, 40, Float64Array.from({ length: 480 }, () => r.normal())));

  it("ganq: 'cpu' and 'auto' (no provider) equal plain ganq; 'gpu' is UNSUPPORTED naming @firstorder/gpu", async () => {
    const plain = ganq(W, H, { bits: 2, iterations: 3 });
    // 'cpu' is the synchronous path itself; 'auto' returns a Promise.
    const viaCpu = ganq(W, H, { bits: 2, iterations: 3, backend: 'cpu' });
    expect(viaCpu).not.toBeInstanceOf(Promise);
    expect(Array.from(viaCpu.codes)).toEqual(Array.from(plain.codes));
    expect(ganq(W, H, { bits: 2, iterations: 3, backend: 'auto' })).toBeInstanceOf(Promise);
    for (const backend of ['cpu', 'auto'] as const) {
      const res = await ganq(W, H, { bits: 2, iterations: 3, backend });
      expect(Array.from(res.codes)).toEqual(Array.from(plain.codes));
      expect(Array.from(res.codebooks.data)).toEqual(Array.from(plain.codebooks.data));
    }
    await expect(ganq(W, H, { bits: 2, backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED', argument: 'backend' });
  });

  it("ganq 'gpu' uses the registered provider's session and releases it", async () => {
    const s = cpuSession();
    const unregister = registerBackendProvider(COMPRESS_BACKEND_CAPABILITY, { name: 'fake', open: async () => s });
    try {
      const res = await ganq(W, H, { bits: 2, iterations: 3, backend: 'gpu' });
      expect(Array.from(res.codes)).toEqual(Array.from(ganq(W, H, { bits: 2, iterations: 3 }).codes));
      expect(s.counts).toMatchObject({ ganq: 1, release: 1 });
    } finally {
      unregister();
    }
  });

  it("quantizeModel: 'auto' without a provider is the CPU run; a session runs every GANQ layer; 'gpu' without one is UNSUPPORTED", async () => {
    const opts = { method: 'ganq' as const, bits: 3, ganq: { iterations: 2 } };
    const ref = OptModel.random(config, { seed: 1 });
    const rc = await quantizeModel(ref, data, opts);
    const viaAuto = OptModel.random(config, { seed: 1 });
    expect((await quantizeModel(viaAuto, data, { ...opts, backend: 'auto' })).map((x) => x.relativeError)).toEqual(rc.map((x) => x.relativeError));
    const s = cpuSession();
    const viaSession = OptModel.random(config, { seed: 1 });
    const rs = await quantizeModel(viaSession, data, { ...opts, backend: s });
    expect(rs.map((x) => x.relativeError)).toEqual(rc.map((x) => x.relativeError));
    expect(s.counts).toMatchObject({ ganq: 1, release: 0 }); // a caller's session is not released
    for (const { name } of ref.linearLayers()) expect(viaSession.getLinear(name).denseWeights!().weight).toEqual(ref.getLinear(name).denseWeights!().weight);
    await expect(quantizeModel(OptModel.random(config, { seed: 1 }), data, { ...opts, backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(quantizeModel(OptModel.random(config, { seed: 1 }), data, { ...opts, backend: 'tpu' as 'gpu' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('fasp: a session computes the Gram and the scores of every pruned layer; same kept channels and weights as the CPU', async () => {
    const base = OptModel.random(config, { seed: 2 });
    const cpu = await fasp(base, data, { sparsity: 0.5 });
    const s = cpuSession();
    const dev = await fasp(base, data, { sparsity: 0.5, backend: s });
    expect(s.counts).toMatchObject({ ganq: 0, gram: 4, scores: 4 });
    for (const l of cpu.layers) {
      const a = cpu.model.getLinear(l.consumer) as PrunedLinear;
      const b = dev.model.getLinear(l.consumer) as PrunedLinear;
      expect(Array.from(b.inputIndex!)).toEqual(Array.from(a.inputIndex!));
      expect(Array.from(b.weight)).toEqual(Array.from(a.weight));
    }
    const auto = await fasp(base, data, { sparsity: 0.5, backend: 'auto' });
    expect(auto.layers.map((l) => l.relativeError)).toEqual(cpu.layers.map((l) => l.relativeError));
    await expect(fasp(base, data, { sparsity: 0.5, backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
