/**
 * Private level-1/2 kernels without validation, shared by blas.ts (after its checks), the
 * factorizations and the iterative solvers.
 */
import type { Matrix } from '../matrix.js';
import { wasmPreferred } from './gemm.js';
import { wasmGemv } from '../wasm/runtime.js';
import { heapGemv } from '../wasm/pool.js';
import { kernelHeap, residentOffset } from '../wasm/heap.js';

/**
 * Level-1 calls on resident arrays go to WebAssembly from this length on (the call costs ~50 ns; measured
 * at 64: axpy and nrm2 1.35× faster, dot 0.9×, so dot starts at 128).
 */
const LEVEL1_WASM_MIN = 64;
const DOT_WASM_MIN = 128;

/** Byte offsets of x and y when both are resident and the WebAssembly kernels are wanted, else undefined. */
export function residentPair(x: Float64Array, y: Float64Array | undefined, len: number, min = LEVEL1_WASM_MIN): [number, number] | undefined {
  if (len < min || !wasmPreferred()) return undefined;
  const ox = residentOffset(x);
  if (ox < 0) return undefined;
  if (y === undefined) return [ox, -1];
  const oy = residentOffset(y);
  return oy < 0 ? undefined : [ox, oy];
}

/** Below this many entries of A the copy and call overhead outweigh the SIMD kernel. */
const GEMV_WASM_MIN = 4096;

/** Squares below this may have lost accuracy to underflow; sums above are safe from it. */
const NRM2_SMALL = 1e-280;

/** Σ_{i<len} x[xo+i]·y[yo+i], unrolled by four (private kernel). */
export function dotUnchecked(x: Float64Array, y: Float64Array, xo: number, yo: number, len: number): number {
  const r = residentPair(x, y, len, DOT_WASM_MIN);
  if (r !== undefined) return kernelHeap()!.inst.dot(len, r[0] + 8 * xo, r[1] + 8 * yo);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += x[xo + i]! * y[yo + i]!;
    s1 += x[xo + i + 1]! * y[yo + i + 1]!;
    s2 += x[xo + i + 2]! * y[yo + i + 2]!;
    s3 += x[xo + i + 3]! * y[yo + i + 3]!;
  }
  for (; i < len; i++) s0 += x[xo + i]! * y[yo + i]!;
  return s0 + s1 + (s2 + s3);
}

/** Private kernel behind {@link nrm2} for a range of x. */
export function nrm2Unchecked(x: Float64Array, offset: number, len: number): number {
  const r = residentPair(x, undefined, len);
  if (r !== undefined) {
    // Four-lane sum of squares in WebAssembly; anything unsafe (overflow, tiny, NaN) redoes it below.
    const q = kernelHeap()!.inst.sumSquares(len, r[0] + 8 * offset);
    if (q < Infinity && q > NRM2_SMALL) return Math.sqrt(q);
  }
  let s = 0;
  for (let i = 0; i < len; i++) {
    const v = x[offset + i]!;
    s += v * v;
  }
  if (s < Infinity && s > NRM2_SMALL) return Math.sqrt(s);
  if (s === 0) {
    // All zeros, or every square underflowed: fall through to the scaled pass only if something is non-zero.
    let any = false;
    for (let i = 0; i < len; i++) if (x[offset + i] !== 0) any = true;
    if (!any) return 0;
  }
  if (Number.isNaN(s)) return NaN;
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < len; i++) {
    const v = x[offset + i]!;
    if (v === 0) continue;
    const a = Math.abs(v);
    if (a === Infinity) return Infinity;
    if (scale < a) {
      const r = scale / a;
      ssq = 1 + ssq * r * r;
      scale = a;
    } else {
      const r = a / scale;
      ssq += r * r;
    }
  }
  return scale * Math.sqrt(ssq);
}

/** Private kernel: out ← α op(A) x + β out (shapes already checked). */
export function gemvKernel(out: Float64Array, A: Matrix, x: Float64Array, transpose: boolean, alpha: number, beta: number): void {
  const m = A.rows;
  const n = A.cols;
  const a = A.data;
  if (m * n >= GEMV_WASM_MIN && wasmPreferred() && (heapGemv(out, a, m, n, x, transpose, alpha, beta) || wasmGemv(out, a, m, n, x, transpose, alpha, beta))) return;
  if (!transpose) {
    // Four rows at a time share each load of x.
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < n; j++) {
        const xj = x[j]!;
        s0 += a[r0 + j]! * xj;
        s1 += a[r1 + j]! * xj;
        s2 += a[r2 + j]! * xj;
        s3 += a[r3 + j]! * xj;
      }
      out[i] = beta === 0 ? alpha * s0 : alpha * s0 + beta * out[i]!;
      out[i + 1] = beta === 0 ? alpha * s1 : alpha * s1 + beta * out[i + 1]!;
      out[i + 2] = beta === 0 ? alpha * s2 : alpha * s2 + beta * out[i + 2]!;
      out[i + 3] = beta === 0 ? alpha * s3 : alpha * s3 + beta * out[i + 3]!;
    }
    for (; i < m; i++) {
      const s = dotUnchecked(a, x, i * n, 0, n);
      out[i] = beta === 0 ? alpha * s : alpha * s + beta * out[i]!;
    }
    return;
  }
  // out ← β out, then add α Σ_i x_i A[i, :] four rows per pass (contiguous row reads).
  if (beta === 0) out.fill(0);
  else if (beta !== 1) for (let j = 0; j < n; j++) out[j]! *= beta;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const x0 = alpha * x[i]!;
    const x1 = alpha * x[i + 1]!;
    const x2 = alpha * x[i + 2]!;
    const x3 = alpha * x[i + 3]!;
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = 0; j < n; j++) {
      out[j]! += x0 * a[r0 + j]! + x1 * a[r1 + j]! + x2 * a[r2 + j]! + x3 * a[r3 + j]!;
    }
  }
  for (; i < m; i++) {
    const xi = alpha * x[i]!;
    const r = i * n;
    for (let j = 0; j < n; j++) out[j]! += xi * a[r + j]!;
  }
}
