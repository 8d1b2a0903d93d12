/**
 * The linear and attention kernels' WebAssembly path (@firstorder/linalg's f32 SIMD kernels, taken for Float32Array
 * calls while linalg's backend is 'wasm') against the TypeScript kernels (`…Ts`, the reference), and the whole f32
 * model on both backends against the same weights in float64. The rest of this package's tests run on the
 * default backend ('wasm' here); `FIRSTORDER_BACKEND=js pnpm vitest run --project lm` runs them on TypeScript.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '@firstorder/core';
import { f32Backend, setBackend } from '@firstorder/linalg';
import { ByteTokenizer, OptModel, kernels, train } from '@firstorder/lm';

// Bound: each output is a sum of k f32 products plus a start value; the wasm kernel rounds in f32 along the
// way, |error| ≤ γ_{k+1}·S (S = Σ|terms|, γ_j ≈ j·2⁻²⁴; Higham §3.1), the TypeScript kernel rounds once
// (≤ 2⁻²⁴·|y|). Their difference is allowed (k + 3)·ε_f32·S, ε_f32 = 2⁻²³: above both bounds together.
const EPS32 = 2 ** -23;
const FC = { seed: 20261123, numRuns: 50 } as const;

afterEach(() => setBackend('wasm'));

function rand(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** max |a − b| / ((k + 3)·ε·S), S from |terms| ≤ 1·1 per product plus |start| ≤ 1 (inputs are in [−1, 1]). */
function ratio(a: Float32Array, b: Float32Array, k: number): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / ((k + 3) * EPS32 * (k + 1)));
  return w;
}

describe('lm linear kernels: WebAssembly f32 path vs the TypeScript reference', () => {
  it('is the path taken here, and FIRSTORDER_BACKEND / setBackend switch it off', () => {
    expect(f32Backend()).toBe(process.env['FIRSTORDER_BACKEND'] === 'js' ? 'js' : 'wasm');
    setBackend('js');
    expect(f32Backend()).toBe('js');
  });

  it('forward, input and parameter gradients agree within (k + 3)·ε_f32·S on random shapes (incl. 1×n, n×1)', () => {
    setBackend('wasm');
    let differing = 0;
    const dims = fc.oneof(fc.integer({ min: 1, max: 45 }), fc.constant(1));
    fc.assert(
      fc.property(dims, dims, dims, fc.integer({ min: 0, max: 2 ** 30 }), (rows, inF, outF, seed) => {
        const x = rand(seed, rows * inF);
        const W = rand(seed + 1, outF * inF);
        const b = rand(seed + 2, outF);
        const dy = rand(seed + 3, rows * outF);
        const y = new Float32Array(rows * outF);
        const yRef = new Float32Array(rows * outF);
        kernels.linearForward(x, rows, inF, W, b, outF, y);
        kernels.linearForwardTs(x, rows, inF, W, b, outF, yRef);
        expect(ratio(y, yRef, inF)).toBeLessThanOrEqual(1);
        const dx = rand(seed + 4, rows * inF);
        const dxRef = dx.slice();
        kernels.linearBackwardInput(dy, rows, outF, W, inF, dx, true);
        kernels.linearBackwardInputTs(dy, rows, outF, W, inF, dxRef, true);
        expect(ratio(dx, dxRef, outF)).toBeLessThanOrEqual(1);
        const dW = rand(seed + 5, outF * inF);
        const dWRef = dW.slice();
        const db = rand(seed + 6, outF);
        const dbRef = db.slice();
        kernels.linearBackwardParams(x, dy, rows, inF, outF, dW, db);
        kernels.linearBackwardParamsTs(x, dy, rows, inF, outF, dWRef, dbRef);
        expect(ratio(dW, dWRef, rows)).toBeLessThanOrEqual(1);
        expect(ratio(db, dbRef, rows)).toBeLessThanOrEqual(1);
        for (let i = 0; i < y.length; i++) if (y[i] !== yRef[i]) differing++;
      }),
      FC,
    );
    // Not vacuous: the wasm kernels' f32 sums round differently from the reference somewhere.
    expect(differing).toBeGreaterThan(0);
  });

  it('causal attention forward (P and output) and backward (dq, dk, dv) agree with the reference on random shapes', () => {
    // With entries in [−1, 1]: a score (hd products summed in f32) is off by ≤ (hd + 2)·ε·hd, a probability
    // relatively by about twice that, an output or gradient row (≤ seq terms, each through one more f32 sum)
    // by that plus (seq + 2)·ε of its scale; the test allows 8·((hd + 2)·hd + seq + 8)·ε_f32·max(1, |reference|).
    // An indexing or masking bug gives errors of the size of the entries.
    setBackend('wasm');
    let differing = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (batch, seq, heads, hd, seed) => {
          const n = batch * seq * heads * hd;
          const np = batch * heads * seq * seq;
          const [q, k, v, dO] = [rand(seed, n), rand(seed + 1, n), rand(seed + 2, n), rand(seed + 3, n)];
          const tol = 8 * ((hd + 2) * hd + seq + 8) * EPS32;
          const close = (a: Float32Array, b: Float32Array): void => {
            for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)));
          };
          const [P, out, Pr, outR] = [new Float32Array(np), new Float32Array(n), new Float32Array(np), new Float32Array(n)];
          kernels.attentionForward(q, k, v, batch, seq, heads, hd, P, out);
          kernels.attentionForwardTs(q, k, v, batch, seq, heads, hd, Pr, outR);
          close(P, Pr);
          close(out, outR);
          const g = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
          const gr = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
          kernels.attentionBackward(q, k, v, Pr, dO, batch, seq, heads, hd, g[0], g[1], g[2], new Float64Array(seq));
          kernels.attentionBackwardTs(q, k, v, Pr, dO, batch, seq, heads, hd, gr[0], gr[1], gr[2], new Float64Array(seq));
          for (let t = 0; t < 3; t++) close(g[t]!, gr[t]!);
          for (let i = 0; i < n; i++) if (out[i] !== outR[i] || g[0][i] !== gr[0][i]) differing++;
        },
      ),
      { seed: 20261124, numRuns: 40 },
    );
    expect(differing).toBeGreaterThan(0);
  });

  it('float64 arrays always take the TypeScript kernels (bitwise the reference)', () => {
    const [rows, inF, outF] = [9, 33, 17];
    const x = Float64Array.from(rand(1, rows * inF));
    const W = Float64Array.from(rand(2, outF * inF));
    const y = new Float64Array(rows * outF);
    const yRef = new Float64Array(rows * outF);
    kernels.linearForward(x, rows, inF, W, null, outF, y);
    kernels.linearForwardTs(x, rows, inF, W, null, outF, yRef);
    expect(Array.from(y)).toEqual(Array.from(yRef));
  });
});

describe('f32 OptModel on both backends', () => {
  const config = { vocabSize: 40, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, ffnDim: 72, maxPositionEmbeddings: 20, initStd: 0.2 };
  const [B, T] = [3, 17];
  const ids = Int32Array.from(createRng(8).integers(B * T, 0, 40));
  const targets = Int32Array.from(createRng(9).integers(B * T, 0, 40));

  /** The f32 model's gradients, and those of the same (exactly converted) weights in float64. */
  function gradients(backend: 'wasm' | 'js'): { g32: Record<string, ArrayLike<number>>; g64: Record<string, ArrayLike<number>>; loss32: number; loss64: number } {
    setBackend(backend);
    const m32 = OptModel.random(config, { seed: 11, precision: 'float32' });
    const m64 = OptModel.random(config, { seed: 11, precision: 'float64' });
    const p64 = m64.parameters();
    for (const [name, t] of Object.entries(m32.parameters())) p64[name]!.data.set(t.data);
    const loss32 = m32.lossAndGradient(ids, targets, B, T);
    const loss64 = m64.lossAndGradient(ids, targets, B, T);
    return { g32: m32.gradients(), g64: m64.gradients(), loss32, loss64 };
  }

  function norm(a: ArrayLike<number>): number {
    let n = 0;
    for (let i = 0; i < a.length; i++) n += a[i]! ** 2;
    return Math.sqrt(n);
  }

  /** ‖a − b‖ / max(‖b‖, floor): the floor (1% of the whole gradient's norm) covers tensors whose exact gradient is 0 (k_proj.bias). */
  function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
    let d = 0;
    for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
    return Math.sqrt(d) / Math.max(norm(b), floor, 1e-300);
  }

  it('gradients of every tensor match the float64 model to 1e-4 relative (f32 rounding through 2 blocks), on wasm and js', () => {
    const wasm = gradients('wasm');
    const js = gradients('js');
    let wasmVsJs = 0;
    const floor = 0.01 * Math.hypot(...Object.values(wasm.g64).map(norm));
    for (const run of [wasm, js]) {
      expect(Math.abs(run.loss32 - run.loss64)).toBeLessThan(1e-5 * run.loss64);
      for (const [name, g] of Object.entries(run.g64)) expect(relDiff(run.g32[name]!, g, floor), name).toBeLessThan(1e-4);
    }
    for (const [name, g] of Object.entries(js.g32)) wasmVsJs = Math.max(wasmVsJs, relDiff(wasm.g32[name]!, g, floor));
    expect(wasmVsJs).toBeGreaterThan(0);
    expect(wasmVsJs).toBeLessThan(1e-4);
  });

  it('training for 30 steps gives the same loss curve to 1e-3 relative on both backends', async () => {
    const tokens = new ByteTokenizer().encode('the whale the sea the ship. '.repeat(30));
    const small = { vocabSize: 258, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, ffnDim: 64, maxPositionEmbeddings: 20 };
    const run = async (backend: 'wasm' | 'js'): Promise<number[]> => {
      setBackend(backend);
      const model = OptModel.random(small, { seed: 3 });
      return (await train(model, tokens, { steps: 30, batchSize: 4, seqLen: 16, learningRate: 1e-2, warmupSteps: 3, seed: 4, logEvery: 10 })).trainCurve.loss;
    };
    const w = await run('wasm');
    const j = await run('js');
    expect(w.length).toBe(j.length);
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - j[i]!)).toBeLessThan(1e-3 * j[i]!);
    expect(w.at(-1)!).toBeLessThan(0.8 * w[0]!);
  });
});
