/**
 * Public f32 linear-layer kernels (the lm's hot paths): y = x Wᵀ + b, dx = dy W, dW += dyᵀ x and db += Σ_r dy,
 * all Float32Array, row-major, W stored [out, in]. They run in the f32 WebAssembly SIMD module (f32x4 lanes,
 * 4×8 register tiles, depth/column blocking) when the backend is 'wasm' (setBackend / FIRSTORDER_BACKEND) and
 * WebAssembly SIMD is available, else in the plain TypeScript loops below, which carry the sums in float64
 * and round once: the reference the wasm results are tested against.
 */
import { dimensionMismatch, invalidArgument, invalidOption } from '@firstorder/core';
import { wasmPreferred } from '../kernels/gemm.js';
import {
  f32AccumulationMode,
  f32Instance,
  setF32AccumulationMode,
  wasmAttentionBackward,
  wasmAttentionForward,
  wasmLinearBackwardInput,
  wasmLinearBackwardWeight,
  wasmLinearForward,
} from './runtime-f32.js';
import type { F32Accumulation } from './runtime-f32.js';

export type { F32Accumulation };

/** The backend the next f32 linear kernel will use ('wasm' only if preferred and the module loads). */
export function f32Backend(): 'wasm' | 'js' {
  return wasmPreferred() && f32Instance() !== undefined ? 'wasm' : 'js';
}

/**
 * Where the wasm kernels carry their sums: 'f32' (default; f32x4 lanes, the faster) or 'f64' (f64x2 lanes,
 * rounded to f32 once per 256-deep block, closer to the TypeScript reference). Both are within the stated
 * tolerance of the reference; see the package README for the measured speeds.
 */
export function setF32Accumulation(mode: F32Accumulation): void {
  if (mode !== 'f32' && mode !== 'f64') throw invalidOption('accumulation', "'f32' or 'f64'", mode);
  setF32AccumulationMode(mode);
}

export function getF32Accumulation(): F32Accumulation {
  return f32AccumulationMode();
}

function count(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(argument, 'a non-negative integer', value);
}

function f32(argument: string, value: unknown, length: number): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) throw invalidArgument(argument, 'a Float32Array', value);
  if (value.length < length) throw dimensionMismatch(argument, `length ≥ ${length}`, `length ${value.length}`);
}

/** y[r, o] = Σ_i x[r, i]·W[o, i] + b[o] for r < rows, o < outF (x rows×inF, W outF×inF, y rows×outF). */
export function linearF32Forward(
  x: Float32Array,
  rows: number,
  inF: number,
  W: Float32Array,
  b: Float32Array | null,
  outF: number,
  y: Float32Array,
): void {
  count('rows', rows);
  count('inF', inF);
  count('outF', outF);
  f32('x', x, rows * inF);
  f32('W', W, outF * inF);
  if (b !== null) f32('b', b, outF);
  f32('y', y, rows * outF);
  if (rows * outF === 0) return;
  if (wasmPreferred() && wasmLinearForward(x, rows, inF, W, b, outF, y)) return;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i]! * W[o * inF + i]!;
      y[r * outF + o] = s + (b === null ? 0 : b[o]!);
    }
  }
}

/** dx[r, i] = Σ_o dy[r, o]·W[o, i] (added to dx when `accumulate`); dy rows×outF, W outF×inF, dx rows×inF. */
export function linearF32BackwardInput(
  dy: Float32Array,
  rows: number,
  outF: number,
  W: Float32Array,
  inF: number,
  dx: Float32Array,
  accumulate: boolean,
): void {
  count('rows', rows);
  count('outF', outF);
  count('inF', inF);
  f32('dy', dy, rows * outF);
  f32('W', W, outF * inF);
  f32('dx', dx, rows * inF);
  if (rows * inF === 0) return;
  if (wasmPreferred() && wasmLinearBackwardInput(dy, rows, outF, W, inF, dx, accumulate)) return;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inF; i++) {
      let s = 0;
      for (let o = 0; o < outF; o++) s += dy[r * outF + o]! * W[o * inF + i]!;
      dx[r * inF + i] = accumulate ? dx[r * inF + i]! + s : s;
    }
  }
}

/** dW[o, i] += Σ_r dy[r, o]·x[r, i] and db[o] += Σ_r dy[r, o] (x rows×inF, dy rows×outF, dW outF×inF). */
export function linearF32BackwardParams(
  x: Float32Array,
  dy: Float32Array,
  rows: number,
  inF: number,
  outF: number,
  dW: Float32Array,
  db: Float32Array | null,
): void {
  count('rows', rows);
  count('inF', inF);
  count('outF', outF);
  f32('x', x, rows * inF);
  f32('dy', dy, rows * outF);
  f32('dW', dW, outF * inF);
  if (db !== null) f32('db', db, outF);
  if (rows === 0 || outF === 0) return;
  if (db !== null) {
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += dy[r * outF + o]!;
      db[o] = db[o]! + s;
    }
  }
  if (inF === 0) return;
  if (wasmPreferred() && wasmLinearBackwardWeight(x, dy, rows, inF, outF, dW)) return;
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += dy[r * outF + o]! * x[r * inF + i]!;
      dW[o * inF + i] = dW[o * inF + i]! + s;
    }
  }
}

function attentionShape(batch: number, seq: number, heads: number, headDim: number): [number, number] {
  count('batch', batch);
  count('seq', seq);
  count('heads', heads);
  count('headDim', headDim);
  return [batch * seq * heads * headDim, batch * heads * seq * seq];
}

/**
 * Causal multi-head attention core in the f32 WebAssembly module, for callers that keep their own TypeScript
 * kernel (the lm): q, k, v, out are [batch·seq, heads·headDim] (head h in columns h·headDim …), q already
 * scaled; P [batch, heads, seq, seq] receives the probabilities (row i for j ≤ i, 0 above). Dot products and row
 * updates in f32 lanes, softmax normalizer in f64. Returns false, nothing written, where the backend is 'js' or
 * WebAssembly SIMD is unavailable.
 */
export function attentionF32Forward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  P: Float32Array,
  out: Float32Array,
): boolean {
  const [n, np] = attentionShape(batch, seq, heads, headDim);
  f32('q', q, n);
  f32('k', k, n);
  f32('v', v, n);
  f32('P', P, np);
  f32('out', out, n);
  if (n === 0 || !wasmPreferred()) return false;
  return wasmAttentionForward(q, k, v, batch, seq, heads, headDim, P, out);
}

/**
 * Gradients of {@link attentionF32Forward}: dq, dk, dv (overwritten) from dOut and the forward's P, with
 * dS_ij = P_ij (dO_i·v_j − Σ_l P_il dO_i·v_l). Returns false, nothing written, as attentionF32Forward.
 */
export function attentionF32Backward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  P: Float32Array,
  dOut: Float32Array,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
): boolean {
  const [n, np] = attentionShape(batch, seq, heads, headDim);
  f32('q', q, n);
  f32('k', k, n);
  f32('v', v, n);
  f32('P', P, np);
  f32('dOut', dOut, n);
  f32('dq', dq, n);
  f32('dk', dk, n);
  f32('dv', dv, n);
  if (n === 0 || !wasmPreferred()) return false;
  return wasmAttentionBackward(q, k, v, P, dOut, batch, seq, heads, headDim, dq, dk, dv);
}
