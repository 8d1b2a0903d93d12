import { describe, expect, test } from 'vitest';
import { FirstOrderError, createRng } from '@firstorder/core';
import { Matrix, getBackend, setBackend } from '@firstorder/linalg';
import { DenseLinear, parseSafetensors, serializeSafetensors } from '@firstorder/lm';
import { LutLinear, ganq, lutFromSafetensors, lutGemm, lutGemv, lutToSafetensors, packLut, rtn, storageAccount, unpackLut, validatePacked } from '@firstorder/compress';
import type { PackedLut } from '@firstorder/compress';
import { syntheticLayer } from './helpers.js';

/** Reference: dequantize the float32 tables to a dense float32 matrix, then GEMV in the documented order. */
function referenceGemv(p: PackedLut, codes: Uint8Array, x: Float32Array): Float32Array {
  const k = 1 << p.bits;
  const Wf = new Float32Array(p.rows * p.cols);
  for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.cols; j++) Wf[i * p.cols + j] = p.lut[i * k + codes[i * p.cols + j]!]!;
  const y = new Float32Array(p.rows);
  for (let i = 0; i < p.rows; i++) {
    let s = 0;
    for (let j = 0; j < p.cols; j++) s += Wf[i * p.cols + j]! * x[j]!;
    const o = p.outliers;
    if (o !== null) for (let q = o.rowPtr[i]!; q < o.rowPtr[i + 1]!; q++) s += o.values[q]! * x[o.colIndices[q]!]!;
    y[i] = s;
  }
  return y;
}

describe('packed LUT format and kernel', () => {
  for (const bits of [2, 3, 4]) {
    test(`${bits} bits: pack/unpack round trip, bit-exact GEMV/GEMM vs dequantize-then-GEMV`, () => {
      // 37 columns: 3-bit codes straddle words and rows end mid-word.
      const { W, H } = syntheticLayer(bits, 9, 37, 60, 1);
      const q = ganq(W, H, { bits, iterations: 2, outliers: { ratio: 0.06 } });
      const p = packLut(q);
      expect(p.codes.length).toBe(9 * Math.ceil((37 * bits) / 32));
      const back = unpackLut(p);
      expect(back.codes).toEqual(q.codes);
      const rng = createRng(bits);
      const x = rng.fillNormal(new Float32Array(37));
      const y = lutGemv(p, x) as Float32Array;
      expect(y).toEqual(referenceGemv(p, q.codes, x));
      // Against the float64 dequantized matrix: float32 tables and one rounding of the output, ≤ 1e-5 relative.
      const What = q.dequantize();
      for (let i = 0; i < 9; i++) {
        let s = 0;
        let scale = 0;
        for (let j = 0; j < 37; j++) {
          s += What.get(i, j) * x[j]!;
          scale += Math.abs(What.get(i, j) * x[j]!);
        }
        expect(Math.abs(y[i]! - s)).toBeLessThanOrEqual(1e-6 * scale + 1e-12);
      }
      // GEMM: each batch row equals the GEMV of that row.
      const X = rng.fillNormal(new Float32Array(3 * 37));
      // Pinned to the TypeScript kernel (backend 'wasm' runs the f32 module's, tested in lut-wasm.test.ts).
      const before = getBackend();
      setBackend('js');
      const Y = lutGemm(p, X, 3, new Float32Array(3 * 9));
      setBackend(before);
      for (let r = 0; r < 3; r++) expect(Y.subarray(r * 9, r * 9 + 9)).toEqual(referenceGemv(p, q.codes, X.subarray(r * 37, r * 37 + 37)));
    });
  }

  test('LutLinear is a drop-in lm Linear: matches DenseLinear on the dequantized weights', () => {
    const { W } = syntheticLayer(3, 12, 20, 10);
    const q = rtn(W, { bits: 4 }).toLut();
    const bias = Float32Array.from({ length: 12 }, (_, i) => 0.1 * i);
    const lut = new LutLinear(packLut(q), bias);
    const dense = new DenseLinear(Float32Array.from(q.dequantize().data), bias.slice(), 12, 20);
    const x = createRng(1).fillNormal(new Float32Array(2 * 20));
    const y1 = new Float32Array(24);
    const y2 = new Float32Array(24);
    lut.forward(x, 2, y1);
    dense.forward(x, 2, y2);
    for (let i = 0; i < 24; i++) expect(y1[i]).toBeCloseTo(y2[i]!, 5);
  });

  test('safetensors round trip and malformed files', () => {
    const { W, H } = syntheticLayer(4, 6, 33, 40);
    const a = packLut(ganq(W, H, { bits: 3, iterations: 1, outliers: { ratio: 0.1 } }));
    const b = packLut(ganq(W, H, { bits: 2, iterations: 1 }));
    const bytes = lutToSafetensors({ 'layers.0.fc1': a, 'layers.0.fc2': b });
    const back = lutFromSafetensors(bytes);
    expect(back['layers.0.fc1']).toEqual(a);
    expect(back['layers.0.fc2']).toEqual(b);
    const expectMalformed = (f: () => unknown): void => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(FirstOrderError);
        expect(['MALFORMED_DATA', 'INVALID_ARGUMENT']).toContain((e as FirstOrderError).code);
      }
    };
    expectMalformed(() => lutFromSafetensors(bytes.subarray(0, bytes.length - 10)));
    expectMalformed(() => validatePacked({ ...a, bits: 5 }));
    expectMalformed(() => validatePacked({ ...a, wordsPerRow: a.wordsPerRow + 1 }));
    expectMalformed(() => validatePacked({ ...a, lut: a.lut.subarray(1) }));
    expectMalformed(() => validatePacked({ ...a, outliers: { ...a.outliers!, colIndices: a.outliers!.colIndices.map(() => 99) } }));
    // A valid safetensors file that is not in this format (no format tag).
    expectMalformed(() => lutFromSafetensors(serializeSafetensors({ w: { dtype: 'F32', shape: [2], data: [1, 2] } })));
    // Codes whose row count disagrees with the table.
    const c = lutToSafetensors({ x: b });
    const parsed = parseSafetensors(c);
    const lutT = parsed.tensors['x.lut']!;
    const broken = serializeSafetensors(
      { 'x.codes': parsed.tensors['x.codes']!, 'x.lut': { dtype: 'F32', shape: [lutT.shape[0]! - 1, 4], data: (lutT.data as Float32Array).subarray(4) } },
      parsed.metadata,
    );
    expectMalformed(() => lutFromSafetensors(broken));
  });

  test('storage accounting reproduces GANQ Table 1', () => {
    // Table 1: uniform 4-bit 25.10 / 25.05 / 25.02 %, LUT 4-bit 25.78 / 25.39 / 25.20 % at m = n = 2048 / 4096 / 8192.
    const rows: Array<[number, number, number]> = [[2048, 25.1, 25.78], [4096, 25.05, 25.39], [8192, 25.02, 25.2]];
    for (const [n, uni, lut] of rows) {
      expect(100 * storageAccount(n, n, 4, { uniform: true }).fractionOfFp16).toBeCloseTo(uni, 2);
      expect(100 * storageAccount(n, n, 4).fractionOfFp16).toBeCloseTo(lut, 2);
    }
    expect(packLut(ganq(new Matrix(2, 64, Float64Array.from({ length: 128 }, (_, i) => Math.sin(i))), Matrix.identity(64), { bits: 4, iterations: 1 })).codes.byteLength).toBe(
      storageAccount(2, 64, 4).codeBytes,
    );
  });
});
