/**
 * The string backends ('gpu' | 'auto') of ganq, quantizeModel, fasp and the lm forward, resolved through the
 * providers that importing @firstorder/gpu registers, against the same calls on the CPU:
 * - ganq: the codes of compress's float64 ganq (or, where df64 rounding flips a tie, its objective to 1e-5);
 * - quantizeModel (GANQ, LUT deployment): the same codes in every layer, tables and layer errors to 1e-6 rel.;
 * - fasp: the same kept channels in every pruned layer (f32 GPU Gram and scores vs float64);
 * - lm forward: logits within a stated f32 bound; the weights are uploaded once and reused.
 * Models are tiny (SwiftShader is slow).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backendProvider, createRng, registerBackendProvider } from '@firstorder/core';
import { Matrix, getBackend, setBackend, syrk } from '@firstorder/linalg';
import { LutLinear, PrunedLinear, fasp, ganq, quantizeModel } from '@firstorder/compress';
import type { CompressDeviceSession, GanqResult } from '@firstorder/compress';
import { OptModel } from '@firstorder/lm';
import type { FloatArray, Linear, LmDeviceSession } from '@firstorder/lm';
import { createLmSession, registerGpuBackends } from '@firstorder/gpu';
import { gpuForTests } from './helpers.js';

const { ctx, reason } = await gpuForTests();
// The providers use the test's context (the one probed above), so nothing else is acquired.
const unregister = ctx === null ? () => {} : registerGpuBackends({ context: ctx });
afterAll(() => {
  unregister();
  ctx?.destroy();
});

const config = { vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, ffnDim: 32, maxPositionEmbeddings: 16 };
const rng = createRng(5);
const data = { ids: Int32Array.from({ length: 4 * 16 }, () => rng.integer(0, 40)), sequences: 4, seq: 16 };

/** Wraps the registered compress provider to count what ran on the device (proof that the GPU path was taken). */
function countDeviceCalls(): { counts: { ganq: number; gram: number; scores: number }; restore: () => void } {
  const base = backendProvider<CompressDeviceSession>('compress')!;
  const counts = { ganq: 0, gram: 0, scores: 0 };
  registerBackendProvider<CompressDeviceSession>('compress', {
    name: 'counting',
    async open(choice) {
      const s = await base.open(choice);
      if (s === null) return null;
      return {
        name: s.name,
        ganqBackend: () => (counts.ganq++, s.ganqBackend()),
        accumulateGram: (H, X) => (counts.gram++, s.accumulateGram(H, X)),
        columnScores: (W, H) => (counts.scores++, s.columnScores(W, H)),
        release: () => s.release(),
      };
    },
  });
  return { counts, restore: () => void registerBackendProvider('compress', base) };
}

function codesOf(model: OptModel, name: string): Uint32Array {
  return (model.getLinear(name) as LutLinear).packed.codes;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / (den || 1);
}

describe.skipIf(ctx === null)(`string backends on the GPU ${reason}`, () => {
  it("ganq(W, H, { backend: 'gpu' }) runs the GPU kernels and matches float64 ganq", async () => {
    const r = createRng(11);
    const W = new Matrix(12, 24, Float64Array.from({ length: 12 * 24 }, () => 0.05 * r.normal()));
    const X = new Matrix(24, 80, Float64Array.from({ length: 24 * 80 }, () => r.normal()));
    const H = syrk(X);
    const cpu = ganq(W, H, { bits: 3, iterations: 4 });
    const { counts, restore } = countDeviceCalls();
    const gpu: GanqResult = await ganq(W, H, { bits: 3, iterations: 4, backend: 'gpu' }).finally(restore);
    expect(counts.ganq).toBe(1);
    let diff = 0;
    for (let q = 0; q < cpu.codes.length; q++) if (cpu.codes[q] !== gpu.codes[q]) diff++;
    if (diff > 0) expect(Math.abs(gpu.objective - cpu.objective) / cpu.objective).toBeLessThan(1e-5);
    else for (let i = 0; i < cpu.codebooks.data.length; i++) expect(gpu.codebooks.data[i]).toBeCloseTo(cpu.codebooks.data[i]!, 9);
    const auto = await ganq(W, H, { bits: 3, iterations: 4, backend: 'auto' });
    expect(Array.from(auto.codes)).toEqual(Array.from(gpu.codes));
  });

  it("quantizeModel(model, calib, { backend: 'gpu' }): same GANQ codes in all 12 layers as on the CPU", async () => {
    const cpuModel = OptModel.random(config, { seed: 2 });
    const gpuModel = OptModel.random(config, { seed: 2 });
    const opts = { method: 'ganq' as const, bits: 3, ganq: { iterations: 3 }, deploy: 'lut' as const };
    const rc = await quantizeModel(cpuModel, data, opts);
    const { counts, restore } = countDeviceCalls();
    const rg = await quantizeModel(gpuModel, data, { ...opts, backend: 'gpu' }).finally(restore);
    expect(counts.ganq).toBe(1); // one GANQ backend for the whole call, used by every layer
    expect(rg.map((r) => r.name)).toEqual(rc.map((r) => r.name));
    for (let l = 0; l < rc.length; l++) {
      const name = rc[l]!.name;
      expect(Array.from(codesOf(gpuModel, name)), name).toEqual(Array.from(codesOf(cpuModel, name)));
      expect(maxRel((gpuModel.getLinear(name) as LutLinear).packed.lut, (cpuModel.getLinear(name) as LutLinear).packed.lut), name).toBeLessThan(1e-6);
      expect(Math.abs(rg[l]!.relativeError - rc[l]!.relativeError) / rc[l]!.relativeError, name).toBeLessThan(1e-6);
    }
  });

  it("fasp(model, calib, { backend: 'gpu' }): the same kept channels as the float64 CPU path, restoration close", async () => {
    const base = OptModel.random(config, { seed: 3 });
    const cpu = await fasp(base, data, { sparsity: 0.4 });
    const { counts, restore } = countDeviceCalls();
    const gpu = await fasp(base, data, { sparsity: 0.4, backend: 'gpu' }).finally(restore);
    expect(counts).toEqual({ ganq: 0, gram: 4, scores: 4 }); // 2 blocks × (out_proj, fc2)
    expect(gpu.layers.map((r) => r.consumer)).toEqual(cpu.layers.map((r) => r.consumer));
    for (const r of cpu.layers) {
      const a = cpu.model.getLinear(r.consumer) as PrunedLinear;
      const b = gpu.model.getLinear(r.consumer) as PrunedLinear;
      expect(Array.from(b.inputIndex!), r.consumer).toEqual(Array.from(a.inputIndex!));
      // H from f32 chunk sums (≤ γ_64 relative per entry here) moves the restored weights only slightly.
      expect(maxRel(b.weight, a.weight), r.consumer).toBeLessThan(1e-4);
    }
    for (let l = 0; l < cpu.layers.length; l++) expect(gpu.layers[l]!.relativeError).toBeCloseTo(cpu.layers[l]!.relativeError, 5);
  });

  it("model.forward(ids, b, s, { backend: 'gpu' }): logits within the f32 bound of the CPU's; weights stay resident", async () => {
    const model = OptModel.random({ ...config, vocabSize: 64 }, { seed: 7 });
    const r = createRng(8);
    const ids = Int32Array.from({ length: 3 * 12 }, () => r.integer(0, 64));
    // The CPU reference uses the TypeScript kernels (float64 sums): the wasm f32 kernels can round exactly as the
    // device does, which would hide whether the device ran.
    const cpuForward = (): Float32Array | Float64Array => {
      const previous = getBackend();
      setBackend('js');
      try {
        return model.forward(ids, 3, 12).slice();
      } finally {
        setBackend(previous);
      }
    };
    const cpu = cpuForward();
    const session = createLmSession(ctx!);
    try {
      const g1 = (await model.forward(ids, 3, 12, { backend: session })).slice();
      const resident = session.residentBytes;
      // 12 block weights + the tied head, f32.
      expect(resident).toBe(4 * (2 * (4 * 16 * 16 + 2 * 16 * 32) + 64 * 16));
      const g2 = (await model.forward(ids, 3, 12, { backend: session })).slice();
      expect(session.residentBytes).toBe(resident);
      expect(Array.from(g2)).toEqual(Array.from(g1));
      // Every linear output is within γ_k·Σ|x||w| of exact in f32 (k ≤ 32) while the CPU sums in float64; the
      // layer norms pass those ≈1e-7-relative differences on, so the logits agree to 1e-5 of their scale.
      expect(maxRel(g1, cpu)).toBeLessThan(1e-5);
      expect(maxRel(g1, cpu)).toBeGreaterThan(0); // f32 GPU sums vs float64 CPU sums: the device really ran
      // setWeight is noticed (new upload), and the result follows the CPU again.
      const fc1 = model.getLinear(OptModel.linearName(1, 'fc1')) as unknown as { setWeight(w: ArrayLike<number>): void; weight: FloatArray };
      fc1.setWeight(Float32Array.from(fc1.weight, (v) => 2 * v));
      const cpu2 = cpuForward();
      const g3 = (await model.forward(ids, 3, 12, { backend: session })).slice();
      expect(maxRel(g3, cpu2)).toBeLessThan(1e-5);
      expect(maxRel(cpu2, cpu)).toBeGreaterThan(1e-3);
      // The string form opens its own session through the registered provider and keeps it.
      const viaString = await model.forward(ids, 3, 12, { backend: 'gpu' });
      expect(Array.from(viaString)).toEqual(Array.from(g3));
      const loss = await model.loss(ids, ids, 3, 12, { backend: 'auto' });
      expect(loss).toBeCloseTo(model.loss(ids, ids, 3, 12), 5);
      await model.releaseBackend();
    } finally {
      session.release();
    }
  });

  it('LutLinear layers run through the resident LUT mpGEMM', async () => {
    const model = OptModel.random(config, { seed: 9 });
    await quantizeModel(model, data, { method: 'rtn', bits: 4, deploy: 'lut' });
    expect(model.getLinear(OptModel.linearName(0, 'fc1'))).toBeInstanceOf(LutLinear);
    const ids = data.ids.subarray(0, 2 * 16);
    const cpu = model.forward(ids, 2, 16).slice();
    let declined = 0;
    const inner = createLmSession(ctx!);
    const counting: LmDeviceSession = {
      name: 'counting',
      async linear(layer: Linear, x: FloatArray, rows: number, y: FloatArray) {
        const ran = await inner.linear(layer, x, rows, y);
        if (!ran) declined++;
        return ran;
      },
      release: () => inner.release(),
    };
    try {
      const gpu = await model.forward(ids, 2, 16, { backend: counting });
      expect(declined).toBe(0);
      expect(maxRel(gpu, cpu)).toBeLessThan(1e-5);
    } finally {
      counting.release();
    }
  });
});
