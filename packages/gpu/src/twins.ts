/**
 * CPU twins of the WGSL kernels: the same packing and the same f32 operation order (see wgsl.ts), with
 * every product and sum rounded to f32 by Math.fround. Rounding a product of two f32 values, or a sum of
 * two, from float64 to f32 gives the correctly rounded f32 result (float64 has ≥ 2·24 + 2 bits), so the
 * twin equals a GPU that does not contract a·b + c into an FMA bit for bit; a GPU that does fuse differs
 * by at most the γ_n bound the tests state.
 */
import { packedCodeAt as codeAt } from '@firstorder/compress';

const f = Math.fround;

/** C = alpha·op(A)·op(B) + beta·C in f32, Σ_q in increasing q; strides as in GEMM_WGSL. */
export function gemmF32Kernel(
  A: Float32Array, sar: number, sac: number,
  B: Float32Array, sbr: number, sbc: number,
  C: Float32Array, m: number, n: number, k: number, alpha: number, beta: number,
): void {
  const a32 = f(alpha);
  const b32 = f(beta);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc = f(acc + f(A[i * sar + q * sac]! * B[q * sbr + j * sbc]!));
      let c = f(a32 * acc);
      if (b32 !== 0) c = f(c + f(b32 * C[i * n + j]!));
      C[i * n + j] = c;
    }
  }
}

/** 64-lane strided partial sums then the tree reduction of GEMV_WGSL `rows`; `term(j)` is the f32 product of column j. */
function laneTreeSum(n: number, term: (j: number) => number, part: Float64Array): number {
  for (let l = 0; l < 64; l++) {
    let s = 0;
    for (let j = l; j < n; j += 64) s = f(s + term(j));
    part[l] = s;
  }
  for (let h = 32; h > 0; h >>= 1) for (let l = 0; l < h; l++) part[l] = f(part[l]! + part[l + h]!);
  return part[0]!;
}

/** y = alpha·A x + beta·y (A m × n) in the order of GEMV_WGSL `rows`. */
export function gemvRowsF32Kernel(A: Float32Array, m: number, n: number, x: Float32Array, y: Float32Array, alpha: number, beta: number): void {
  const part = new Float64Array(64);
  const a32 = f(alpha);
  const b32 = f(beta);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    const s = laneTreeSum(n, (j) => f(A[o + j]! * x[j]!), part);
    let v = f(a32 * s);
    if (b32 !== 0) v = f(v + f(b32 * y[i]!));
    y[i] = v;
  }
}

/** y = alpha·Aᵀ x + beta·y (A m × n, y length n) in the order of GEMV_WGSL `cols`. */
export function gemvColsF32Kernel(A: Float32Array, m: number, n: number, x: Float32Array, y: Float32Array, alpha: number, beta: number): void {
  const a32 = f(alpha);
  const b32 = f(beta);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s = f(s + f(A[i * n + j]! * x[i]!));
    let v = f(a32 * s);
    if (b32 !== 0) v = f(v + f(b32 * y[j]!));
    y[j] = v;
  }
}

/** Ŵ (m × n, f32) from packed codes, plus outliers added in f32 (LUT_DECODE_WGSL). */
export function lutDecodeF32Kernel(
  codes: Uint32Array, wpr: number, lut: Float32Array, m: number, n: number, bits: number,
  rowPtr: Int32Array | null, colIndices: Int32Array | null, values: Float32Array | null, W: Float32Array,
): void {
  const mask = (1 << bits) - 1;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W[i * n + j] = lut[(i << bits) + codeAt(codes, i * wpr, j, bits, mask)]!;
  if (rowPtr === null) return;
  for (let i = 0; i < m; i++) {
    for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) {
      const o = i * n + colIndices![p]!;
      W[o] = f(W[o]! + values![p]!);
    }
  }
}

/** y = Ŵ x (+ outliers in stored order, + bias) in the order of LUT_GEMV_WGSL. */
export function lutGemvF32Kernel(
  codes: Uint32Array, wpr: number, lut: Float32Array, m: number, n: number, bits: number,
  rowPtr: Int32Array | null, colIndices: Int32Array | null, values: Float32Array | null,
  bias: Float32Array | null, x: Float32Array, y: Float32Array,
): void {
  const mask = (1 << bits) - 1;
  const part = new Float64Array(64);
  for (let i = 0; i < m; i++) {
    const base = i * wpr;
    const t = i << bits;
    let v = laneTreeSum(n, (j) => f(lut[t + codeAt(codes, base, j, bits, mask)]! * x[j]!), part);
    if (rowPtr !== null) for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) v = f(v + f(values![p]! * x[colIndices![p]!]!));
    if (bias !== null) v = f(v + bias[i]!);
    y[i] = v;
  }
}

/** Y = X Ŵᵀ (+ outliers, + bias), X batch × n, Y batch × m, sequential over j (LUT_GEMM_WGSL). */
export function lutGemmF32Kernel(
  codes: Uint32Array, wpr: number, lut: Float32Array, m: number, n: number, bits: number,
  rowPtr: Int32Array | null, colIndices: Int32Array | null, values: Float32Array | null,
  bias: Float32Array | null, X: Float32Array, batch: number, Y: Float32Array,
): void {
  const mask = (1 << bits) - 1;
  const w = new Float32Array(n);
  for (let i = 0; i < m; i++) {
    const t = i << bits;
    for (let j = 0; j < n; j++) w[j] = lut[t + codeAt(codes, i * wpr, j, bits, mask)]!;
    for (let r = 0; r < batch; r++) {
      const xo = r * n;
      let v = 0;
      for (let j = 0; j < n; j++) v = f(v + f(w[j]! * X[xo + j]!));
      if (rowPtr !== null) for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) v = f(v + f(values![p]! * X[xo + colIndices![p]!]!));
      if (bias !== null) v = f(v + bias[i]!);
      Y[r * m + i] = v;
    }
  }
}
