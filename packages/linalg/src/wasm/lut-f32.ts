/**
 * LUT mpGEMM (compress's packed 2/3/4-bit weights) in the f32 WebAssembly module: Y = X Ŵᵀ (+ outliers, + bias)
 * with Ŵ[i, j] = lut[i·2^bits + q_ij]. Operands are copied into linear memory per call, the table, X, outlier
 * values and bias widened to f64 (exact); each weight row is decoded once and the batch rows' dot products run
 * in f64x2 lanes, so |Y − Y_ref| ≤ (n+2)·eps_f64·Σ|w||x| before the one rounding to Y's precision, against
 * compress's sequential float64 reference (lut-kernels.ts). Returns false, Y untouched, where the backend is
 * 'js' or WebAssembly SIMD is unavailable, so the caller keeps its TypeScript kernel.
 */
import { dimensionMismatch, invalidArgument } from '@firstorder/core';
import { wasmPreferred } from '../kernels/gemm.js';
import { align64, ensureBytes } from './runtime.js';
import { f32Instance, release } from './runtime-f32.js';

function count(argument: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) throw invalidArgument(argument, `an integer ≥ ${min}`, value);
}

function length(argument: string, value: { length: number }, need: number): void {
  if (value.length < need) throw dimensionMismatch(argument, `length ≥ ${need}`, `length ${value.length}`);
}

/**
 * Y[r·m + i] = Σ_j lut[(i << bits) + q_ij]·X[r·n + j] + Σ_p values[p]·X[r·n + colIndices[p]] (p in row i's
 * CSR range) + bias[i], for r < batch, i < m. `codes`: row i's codes as an LSB-first bit stream (code j at
 * bits [j·bits, j·bits + bits)) in words [i·wordsPerRow, (i+1)·wordsPerRow). The outlier arrays are all null
 * or all given. Returns whether it ran (see the module comment).
 */
export function lutGemmF32Wasm(
  codes: Uint32Array,
  wordsPerRow: number,
  lut: Float32Array,
  m: number,
  n: number,
  bits: number,
  rowPtr: Int32Array | null,
  colIndices: Int32Array | null,
  values: Float32Array | null,
  bias: Float32Array | Float64Array | null,
  X: Float32Array | Float64Array,
  batch: number,
  Y: Float32Array | Float64Array,
): boolean {
  count('m', m);
  count('n', n);
  count('batch', batch);
  count('bits', bits, 1);
  if (bits > 8) throw invalidArgument('bits', 'an integer in 1 … 8', bits);
  count('wordsPerRow', wordsPerRow, Math.ceil((n * bits) / 32));
  length('codes', codes, m * wordsPerRow);
  length('lut', lut, m << bits);
  length('X', X, batch * n);
  length('Y', Y, batch * m);
  if (bias !== null) length('bias', bias, m);
  const some = rowPtr !== null || colIndices !== null || values !== null;
  if (some && (rowPtr === null || colIndices === null || values === null)) {
    throw invalidArgument('rowPtr/colIndices/values', 'all three outlier arrays or none', 'some of them null');
  }
  let nnz = 0;
  if (rowPtr !== null) {
    length('rowPtr', rowPtr, m + 1);
    if (rowPtr[0] !== 0) throw invalidArgument('rowPtr[0]', '0', rowPtr[0]);
    for (let i = 0; i < m; i++) if (rowPtr[i + 1]! < rowPtr[i]!) throw invalidArgument(`rowPtr[${i + 1}]`, `≥ rowPtr[${i}] = ${rowPtr[i]}`, rowPtr[i + 1]);
    nnz = rowPtr[m]!;
    length('colIndices', colIndices!, nnz);
    length('values', values!, nnz);
    for (let p = 0; p < nnz; p++) {
      const c = colIndices![p]!;
      if (!(c >= 0 && c < n)) throw invalidArgument(`colIndices[${p}]`, `a column in [0, ${n})`, c);
    }
  }
  if (batch * m === 0 || !wasmPreferred()) return false;
  const inst = f32Instance();
  if (inst === undefined) return false;
  // Byte layout: codes (+ one zero pad word the row decoder may read), lut, rowPtr, colIndices, values, bias, X, Y, w.
  const sizes = [4 * (m * wordsPerRow + 1), 8 * (m << bits), 4 * (m + 1), 4 * nnz, 8 * nnz, 8 * m, 8 * batch * n, 8 * batch * m, 8 * n];
  const at: number[] = [];
  let p = align64(inst.heapBase);
  for (const s of sizes) {
    at.push(p);
    p = align64(p + s);
  }
  if (!ensureBytes(inst.memory, p)) return false;
  const [cAt, lAt, rAt, iAt, vAt, bAt, xAt, yAt, wAt] = at as [number, number, number, number, number, number, number, number, number];
  const buf = inst.memory.buffer;
  const cw = new Uint32Array(buf, cAt, m * wordsPerRow + 1);
  cw.set(codes.subarray(0, m * wordsPerRow));
  cw[m * wordsPerRow] = 0;
  new Float64Array(buf, lAt, m << bits).set(lut.subarray(0, m << bits));
  if (rowPtr !== null) {
    new Int32Array(buf, rAt, m + 1).set(rowPtr.subarray(0, m + 1));
    new Int32Array(buf, iAt, nnz).set(colIndices!.subarray(0, nnz));
    new Float64Array(buf, vAt, nnz).set(values!.subarray(0, nnz));
  }
  if (bias !== null) new Float64Array(buf, bAt, m).set(bias.subarray(0, m));
  new Float64Array(buf, xAt, batch * n).set(X.subarray(0, batch * n));
  inst.lutGemm(cAt, wordsPerRow, lAt, m, n, bits, rAt, iAt, vAt, rowPtr === null ? 0 : 1, bAt, bias === null ? 0 : 1, xAt, batch, yAt, wAt);
  // One rounding to Y's precision (none for a Float64Array).
  Y.set(new Float64Array(inst.memory.buffer, yAt, batch * m));
  release(inst);
  return true;
}
