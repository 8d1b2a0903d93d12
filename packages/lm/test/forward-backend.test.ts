/**
 * The forward's `backend` option without a GPU: the string forms resolve through core's registry ('gpu'
 * without a provider is a typed error naming @firstorder/gpu, 'auto' falls back to the CPU), and a device
 * session receives exactly the linear-layer calls of the CPU forward (checked with a session that runs them
 * on the CPU, so the logits must be bitwise those of the synchronous forward). The real GPU session is
 * tested in packages/gpu/test/backends.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { FirstOrderError, createRng, registerBackendProvider } from '@firstorder/core';
import { LM_BACKEND_CAPABILITY, OptModel, evaluate } from '@firstorder/lm';
import type { FloatArray, Linear, LmDeviceSession } from '@firstorder/lm';

const config = { vocabSize: 30, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, ffnDim: 16, maxPositionEmbeddings: 12 };
const rng = createRng(4);
const ids = Int32Array.from({ length: 2 * 10 }, () => rng.integer(0, 30));

/** A session that runs every layer's own forward and records the calls (or declines them all). */
function cpuSession(decline = false): LmDeviceSession & { calls: Array<{ layer: Linear; rows: number }>; released: number } {
  const s = {
    name: 'cpu-recording',
    calls: [] as Array<{ layer: Linear; rows: number }>,
    released: 0,
    async linear(layer: Linear, x: FloatArray, rows: number, y: FloatArray): Promise<boolean> {
      s.calls.push({ layer, rows });
      if (decline) return false;
      await Promise.resolve();
      layer.forward(x, rows, y);
      return true;
    },
    release() {
      s.released++;
    },
  };
  return s;
}

describe('OptModel.forward { backend }', () => {
  it("'cpu' and no option are the same synchronous forward; 'auto' without a provider falls back to it", async () => {
    const model = OptModel.random(config, { seed: 1 });
    const plain = model.forward(ids, 2, 10).slice();
    expect(Array.from(model.forward(ids, 2, 10, { backend: 'cpu' }))).toEqual(Array.from(plain));
    const auto = model.forward(ids, 2, 10, { backend: 'auto' });
    expect(auto).toBeInstanceOf(Promise);
    expect(Array.from(await auto)).toEqual(Array.from(plain));
  });

  it("'gpu' without a registered provider is an UNSUPPORTED FirstOrderError saying to import @firstorder/gpu; bad values are typed errors", async () => {
    const model = OptModel.random(config, { seed: 1 });
    await expect(model.forward(ids, 2, 10, { backend: 'gpu' })).rejects.toThrow(/@firstorder\/gpu/);
    await expect(model.forward(ids, 2, 10, { backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED', argument: 'backend' });
    await expect(model.forward(ids, 2, 10, { backend: 'cuda' as 'gpu' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(model.forward(ids, 2, 10, { backend: {} as LmDeviceSession })).rejects.toBeInstanceOf(FirstOrderError);
  });

  it('a session gets the 6 block linears per block and the tied head, in order, and reproduces the CPU logits bitwise', async () => {
    const model = OptModel.random(config, { seed: 2 });
    const plain = model.forward(ids, 2, 10).slice();
    const s = cpuSession();
    const out = await model.forward(ids, 2, 10, { backend: s });
    expect(Array.from(out)).toEqual(Array.from(plain));
    const expected = [...model.linearLayers().map((l) => l.layer)];
    expect(s.calls.length).toBe(6 * 2 + 1);
    expect(s.calls.slice(0, 12).map((c) => c.layer)).toEqual(expected);
    expect(s.calls[12]!.layer.outFeatures).toBe(30); // the tied head over embed_tokens
    expect(s.calls[12]!.layer.denseWeights?.().weight).toBe(model.embedTokens);
    expect(s.calls.every((c) => c.rows === 20)).toBe(true);
    // A session that declines every layer leaves them to the CPU.
    const d = cpuSession(true);
    expect(Array.from(await model.forward(ids, 2, 10, { backend: d }))).toEqual(Array.from(plain));
    expect(d.calls.length).toBe(13);
    // loss through a session equals the CPU loss.
    expect(await model.loss(ids, ids, 2, 10, { backend: s })).toBe(model.loss(ids, ids, 2, 10));
  });

  it('string backends open one session through the registry, keep it across forwards, and releaseBackend frees it', async () => {
    const model = OptModel.random(config, { seed: 3 });
    const plain = model.forward(ids, 2, 10).slice();
    const sessions: Array<ReturnType<typeof cpuSession>> = [];
    const unregister = registerBackendProvider<LmDeviceSession>(LM_BACKEND_CAPABILITY, {
      name: 'fake',
      async open() {
        const s = cpuSession();
        sessions.push(s);
        return s;
      },
    });
    try {
      expect(Array.from(await model.forward(ids, 2, 10, { backend: 'gpu' }))).toEqual(Array.from(plain));
      await model.forward(ids, 2, 10, { backend: 'auto' });
      expect(sessions.length).toBe(1);
      expect(sessions[0]!.calls.length).toBe(26);
      await model.releaseBackend();
      expect(sessions[0]!.released).toBe(1);
      await model.forward(ids, 2, 10, { backend: 'gpu' });
      expect(sessions.length).toBe(2);
      await model.releaseBackend();
    } finally {
      unregister();
    }
  });

  it('a second forward while a device forward is running is refused (one workspace per model)', async () => {
    const model = OptModel.random(config, { seed: 4 });
    const running = model.forward(ids, 2, 10, { backend: cpuSession() });
    expect(() => model.forward(ids, 2, 10)).toThrow(/still running/);
    await expect(model.forward(ids, 2, 10, { backend: cpuSession() })).rejects.toThrow(/still running/);
    await running;
    expect(() => model.forward(ids, 2, 10)).not.toThrow();
  });

  it('DenseLinear.setWeight bumps the version a device cache keys on', () => {
    const model = OptModel.random(config, { seed: 5 });
    const fc1 = model.getLinear(OptModel.linearName(0, 'fc1'));
    const v0 = fc1.denseWeights!().version;
    (fc1 as unknown as { setWeight(w: ArrayLike<number>): void }).setWeight(new Float32Array(16 * 8));
    expect(fc1.denseWeights!().version).toBe(v0 + 1);
  });
});

describe('evaluate { backend }', () => {
  it("with a session or 'auto' (CPU fallback) gives exactly the synchronous evaluation, windows and tail included", async () => {
    const model = OptModel.random(config, { seed: 5 });
    const r = createRng(9);
    // 4 full windows of 8 plus a 4-token tail (37 tokens → 36 targets), in batches of 2, 2 and the tail.
    const tokens = Int32Array.from({ length: 37 }, () => r.integer(0, 30));
    const plain = evaluate(model, tokens, { seqLen: 8, batchSize: 2 });
    expect(plain.windows).toBe(5);
    expect(plain.tokens).toBe(36);
    const s = cpuSession();
    const viaSession = await evaluate(model, tokens, { seqLen: 8, batchSize: 2, backend: s });
    expect(viaSession).toEqual(plain);
    expect(s.calls.length).toBe(3 * (6 * config.numHiddenLayers + 1)); // two batches of two windows, then the tail
    const auto = evaluate(model, tokens, { seqLen: 8, batchSize: 2, backend: 'auto' });
    expect(auto).toBeInstanceOf(Promise);
    expect(await auto).toEqual(plain);
    await expect(evaluate(model, tokens, { backend: 'gpu' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
