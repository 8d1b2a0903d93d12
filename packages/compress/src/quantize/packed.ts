import { FirstOrderError, assertFinite, dimensionMismatch, invalidArgument } from '@firstorder/core';
import { CsrMatrix, Matrix, lutGemmF32Wasm } from '@firstorder/linalg';
import { LutQuantizedMatrix } from './formats.js';
import { lutGemmKernel, lutGemvKernel, packCodesKernel, unpackCodesKernel } from './lut-kernels.js';

/**
 * Deployable LUT format (see README "Packed format"): codes packed LSB-first into 32-bit words per row,
 * a float32 table of 2^bits entries per row, optional CSR outliers with float32 values.
 */
export interface PackedLut {
  readonly rows: number;
  readonly cols: number;
  readonly bits: number;
  /** ceil(cols · bits / 32). */
  readonly wordsPerRow: number;
  /** rows × wordsPerRow. */
  readonly codes: Uint32Array;
  /** rows × 2^bits. */
  readonly lut: Float32Array;
  readonly outliers: { readonly rowPtr: Int32Array; readonly colIndices: Int32Array; readonly values: Float32Array } | null;
}

export const PACKED_BITS = Object.freeze([2, 3, 4]);

export function packLut(q: LutQuantizedMatrix): PackedLut {
  if (!(q instanceof LutQuantizedMatrix)) throw invalidArgument('q', 'a LutQuantizedMatrix (ganq result, or toLut())', q);
  if (!PACKED_BITS.includes(q.bits)) throw invalidArgument('q.bits', 'one of 2, 3, 4', q.bits);
  const wpr = Math.ceil((q.cols * q.bits) / 32);
  const codes = new Uint32Array(q.rows * wpr);
  packCodesKernel(q.codes, q.rows, q.cols, q.bits, wpr, codes);
  const o = q.outliers;
  return {
    rows: q.rows,
    cols: q.cols,
    bits: q.bits,
    wordsPerRow: wpr,
    codes,
    lut: Float32Array.from(q.codebooks.data),
    outliers: o === null ? null : { rowPtr: o.rowPtr.slice(), colIndices: o.colIndices.slice(), values: Float32Array.from(o.values) },
  };
}

/** Checks every field of a packed matrix (shapes, bit widths, CSR structure, finiteness); MALFORMED_DATA otherwise. */
export function validatePacked(p: PackedLut): void {
  const bad = (what: string): never => {
    throw new FirstOrderError('MALFORMED_DATA', `packed LUT matrix: ${what}`, 'packed');
  };
  if (p === null || typeof p !== 'object') bad('expected an object');
  if (!Number.isInteger(p.rows) || !Number.isInteger(p.cols) || p.rows < 1 || p.cols < 1) bad(`rows/cols must be positive integers, received ${p.rows}×${p.cols}`);
  if (!PACKED_BITS.includes(p.bits)) bad(`bits must be 2, 3 or 4, received ${p.bits}`);
  const wpr = Math.ceil((p.cols * p.bits) / 32);
  if (p.wordsPerRow !== wpr) bad(`wordsPerRow must be ceil(cols·bits/32) = ${wpr}, received ${p.wordsPerRow}`);
  if (!(p.codes instanceof Uint32Array) || p.codes.length !== p.rows * wpr) bad(`codes must be a Uint32Array of length ${p.rows * wpr}`);
  if (!(p.lut instanceof Float32Array) || p.lut.length !== p.rows << p.bits) bad(`lut must be a Float32Array of length ${p.rows << p.bits}`);
  for (let i = 0; i < p.lut.length; i++) if (!Number.isFinite(p.lut[i]!)) bad(`lut[${i}] is ${p.lut[i]}`);
  const o = p.outliers;
  if (o !== null) {
    if (!(o.rowPtr instanceof Int32Array) || o.rowPtr.length !== p.rows + 1 || o.rowPtr[0] !== 0) bad('outliers.rowPtr must be an Int32Array of length rows + 1 starting at 0');
    const nnz = o.rowPtr[p.rows]!;
    if (!(o.colIndices instanceof Int32Array) || !(o.values instanceof Float32Array) || o.colIndices.length !== nnz || o.values.length !== nnz) {
      bad(`outliers.colIndices (Int32Array) and values (Float32Array) must have length rowPtr[rows] = ${nnz}`);
    }
    for (let i = 0; i < p.rows; i++) {
      if (o.rowPtr[i + 1]! < o.rowPtr[i]!) bad(`outliers.rowPtr decreases at ${i}`);
      for (let q = o.rowPtr[i]!; q < o.rowPtr[i + 1]!; q++) {
        const c = o.colIndices[q]!;
        if (c < 0 || c >= p.cols || (q > o.rowPtr[i]! && c <= o.colIndices[q - 1]!)) bad(`outliers.colIndices[${q}] = ${c} out of range or not increasing`);
        if (!Number.isFinite(o.values[q]!)) bad(`outliers.values[${q}] is ${o.values[q]}`);
      }
    }
  }
}

/** Back to a LutQuantizedMatrix (float64 copies of the float32 tables and outliers). */
export function unpackLut(p: PackedLut): LutQuantizedMatrix {
  validatePacked(p);
  const codes = new Uint8Array(p.rows * p.cols);
  unpackCodesKernel(p.codes, p.rows, p.cols, p.bits, p.wordsPerRow, codes);
  const o = p.outliers;
  const outliers = o === null ? null : new CsrMatrix(p.rows, p.cols, o.rowPtr.slice(), o.colIndices.slice(), Float64Array.from(o.values));
  return new LutQuantizedMatrix(p.rows, p.cols, p.bits, codes, new Matrix(p.rows, 1 << p.bits, Float64Array.from(p.lut)), outliers);
}

/**
 * Y = X Ŵᵀ (+ bias) from the packed codes: X is batch × cols, Y batch × rows, row-major. With linalg's backend
 * 'js', or batch 1, the order of the sums is fixed (see lut-kernels.ts), so the result is bit-identical to
 * dequantizing the float32 table entries and running the same float64-accumulated GEMV; with 'wasm' and
 * batch ≥ 2 the f32 WebAssembly module's kernel runs (f64 sums, another order, same error bound). `workspace` (length cols) avoids the allocation.
 */
export function lutGemm(
  p: PackedLut,
  X: Float32Array | Float64Array,
  batch: number,
  Y: Float32Array | Float64Array,
  bias: Float32Array | Float64Array | null = null,
  workspace?: Float64Array,
): Float32Array | Float64Array {
  if (X.length !== batch * p.cols) throw dimensionMismatch('X', `length batch·cols = ${batch * p.cols}`, `length ${X.length}`);
  if (Y.length !== batch * p.rows) throw dimensionMismatch('Y', `length batch·rows = ${batch * p.rows}`, `length ${Y.length}`);
  if (bias !== null && bias.length !== p.rows) throw dimensionMismatch('bias', `length ${p.rows}`, `length ${bias.length}`);
  if (workspace !== undefined && workspace.length < p.cols) throw dimensionMismatch('workspace', `length ≥ ${p.cols}`, `length ${workspace.length}`);
  const o = p.outliers;
  if (batch === 1) {
    lutGemvKernel(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, X, Y);
    return Y;
  }
  // Backend 'wasm' (linalg's setBackend): the f32 module's kernel, f64x2 sums in another order, within
  // (n+2)·eps_f64·Σ|w||x| of the TypeScript kernel; false (nothing written) where it cannot run.
  if (lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, X, batch, Y)) return Y;
  lutGemmKernel(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, X, batch, Y, workspace ?? new Float64Array(p.cols));
  return Y;
}

/** y = Ŵ x (one vector). */
export function lutGemv(p: PackedLut, x: Float32Array | Float64Array, y: Float32Array | Float64Array = new Float32Array(p.rows)): Float32Array | Float64Array {
  assertFinite('x', x);
  return lutGemm(p, x, 1, y);
}

export interface StorageAccount {
  /** Bytes of the packed codes (bits · m · n / 8 without row padding). */
  readonly codeBytes: number;
  /** Bytes of the tables: m · 2^bits · lutBits / 8. */
  readonly tableBytes: number;
  /** Bytes of the outliers (value + 32-bit column index each, plus row pointers) — 0 without. */
  readonly outlierBytes: number;
  readonly totalBytes: number;
  /** totalBytes over the FP16 matrix (2 · m · n bytes), the ratio of GANQ's Table 1. */
  readonly fractionOfFp16: number;
}

/**
 * Storage as GANQ Table 1 counts it: LUT N-bit = N·mn/8 + 2^N·m·(lutBits/8) bytes; uniform N-bit with one
 * FP16 scale and zero per row = N·mn/8 + 4m. Pass `uniform: true` for the latter.
 */
export function storageAccount(m: number, n: number, bits: number, options: { lutBits?: 16 | 32; outliers?: number; uniform?: boolean } = {}): StorageAccount {
  const codeBytes = (bits * m * n) / 8;
  const tableBytes = options.uniform ? 4 * m : (m << bits) * ((options.lutBits ?? 16) / 8);
  const nnz = options.outliers ?? 0;
  const outlierBytes = nnz > 0 ? nnz * ((options.lutBits ?? 16) / 8 + 4) + 4 * (m + 1) : 0;
  const totalBytes = codeBytes + tableBytes + outlierBytes;
  return { codeBytes, tableBytes, outlierBytes, totalBytes, fractionOfFp16: totalBytes / (2 * m * n) };
}
