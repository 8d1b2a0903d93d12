/**
 * LUT mpGEMV/mpGEMM kernels over packed codes. Packing: row i's codes form an LSB-first bit stream in
 * words [i·wpr, (i+1)·wpr) of a Uint32Array; code j occupies bits [j·N, j·N + N) of that stream (3-bit
 * codes straddle word boundaries). Accumulation order (documented, and what the bit-exact tests pin):
 * for each output i, s = Σ_j lut[i, q_ij]·x_j for j = 0 … n−1 in float64 (each product of two float32
 * values is exact in float64), then + values[p]·x[col[p]] for the row's CSR outliers in stored order,
 * then + bias_i, rounded once to the output's precision.
 */

/** Code j of the row whose stream starts at word `base` (`mask` = 2^bits − 1). Public as `packedCodeAt`. */
export function codeAt(codes: Uint32Array, base: number, j: number, bits: number, mask: number): number {
  const bit = j * bits;
  const w = base + (bit >>> 5);
  const off = bit & 31;
  let v = codes[w]! >>> off;
  if (off + bits > 32) v |= codes[w + 1]! << (32 - off);
  return v & mask;
}

export function packCodesKernel(src: Uint8Array, m: number, n: number, bits: number, wpr: number, out: Uint32Array): void {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const base = i * wpr;
    for (let j = 0; j < n; j++) {
      const v = src[i * n + j]!;
      const bit = j * bits;
      const w = base + (bit >>> 5);
      const off = bit & 31;
      out[w] = (out[w]! | (v << off)) >>> 0;
      if (off + bits > 32) out[w + 1] = (out[w + 1]! | (v >>> (32 - off))) >>> 0;
    }
  }
}

export function unpackCodesKernel(codes: Uint32Array, m: number, n: number, bits: number, wpr: number, out: Uint8Array): void {
  const mask = (1 << bits) - 1;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = codeAt(codes, i * wpr, j, bits, mask);
}

/** Dequantizes row i (LUT part only) into `w` (float64 copies of the float32 table entries). */
export function decodeRow(codes: Uint32Array, wpr: number, lut: Float32Array, i: number, n: number, bits: number, w: Float64Array): void {
  const mask = (1 << bits) - 1;
  const to = i << bits;
  let wi = i * wpr;
  let word = codes[wi]!;
  let pos = 0;
  // Sequential bit reader over the row's words.
  for (let j = 0; j < n; j++) {
    let v: number;
    if (pos + bits <= 32) {
      v = (word >>> pos) & mask;
      pos += bits;
      if (pos === 32) {
        word = codes[++wi]! | 0; // past the last word this reads 0 (undefined | 0)
        pos = 0;
      }
    } else {
      const low = 32 - pos;
      v = word >>> pos;
      word = codes[++wi]! | 0;
      v = (v | (word << low)) & mask;
      pos = bits - low;
    }
    w[j] = lut[to + v]!;
  }
}

/**
 * Y[r, i] = Σ_j T_i[q_ij] X[r, j] (+ outliers, + bias) for r < batch: decodes one weight row at a time into
 * `w` (length n) and reuses it for every batch row. X is batch × n, Y is batch × m (row-major).
 */
export function lutGemmKernel(
  codes: Uint32Array,
  wpr: number,
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
  w: Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    decodeRow(codes, wpr, lut, i, n, bits, w);
    const p0 = rowPtr === null ? 0 : rowPtr[i]!;
    const p1 = rowPtr === null ? 0 : rowPtr[i + 1]!;
    const b = bias === null ? 0 : bias[i]!;
    for (let r = 0; r < batch; r++) {
      const xo = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += w[j]! * X[xo + j]!;
      for (let p = p0; p < p1; p++) s += values![p]! * X[xo + colIndices![p]!]!;
      Y[r * m + i] = s + b;
    }
  }
}

/**
 * One vector (batch = 1): y_i = Σ_j lut[i, q_ij]·x_j fused with the decode, no row buffer. The same sums in
 * the same order as lutGemmKernel (bit-identical); 4- and 2-bit codes never straddle words, so whole words
 * are unpacked with constant shifts.
 */
export function lutGemvKernel(
  codes: Uint32Array,
  wpr: number,
  lut: Float32Array,
  m: number,
  n: number,
  bits: number,
  rowPtr: Int32Array | null,
  colIndices: Int32Array | null,
  values: Float32Array | null,
  bias: Float32Array | Float64Array | null,
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array,
): void {
  const mask = (1 << bits) - 1;
  for (let i = 0; i < m; i++) {
    const to = i << bits;
    const base = i * wpr;
    let s = 0;
    // 4 and 2 bits: the same loop written twice with constant shifts, one word per pass (the hot batch-1 path).
    if (bits === 4) {
      const whole = n >>> 3;
      for (let w = 0; w < whole; w++) {
        const word = codes[base + w]!;
        const j = w << 3;
        s += lut[to + (word & 15)]! * x[j]!;
        s += lut[to + ((word >>> 4) & 15)]! * x[j + 1]!;
        s += lut[to + ((word >>> 8) & 15)]! * x[j + 2]!;
        s += lut[to + ((word >>> 12) & 15)]! * x[j + 3]!;
        s += lut[to + ((word >>> 16) & 15)]! * x[j + 4]!;
        s += lut[to + ((word >>> 20) & 15)]! * x[j + 5]!;
        s += lut[to + ((word >>> 24) & 15)]! * x[j + 6]!;
        s += lut[to + (word >>> 28)]! * x[j + 7]!;
      }
      for (let j = whole << 3; j < n; j++) s += lut[to + ((codes[base + (j >>> 3)]! >>> ((j & 7) << 2)) & 15)]! * x[j]!;
    } else if (bits === 2) {
      const whole = n >>> 4;
      for (let w = 0; w < whole; w++) {
        const word = codes[base + w]!;
        const j = w << 4;
        s += lut[to + (word & 3)]! * x[j]!;
        s += lut[to + ((word >>> 2) & 3)]! * x[j + 1]!;
        s += lut[to + ((word >>> 4) & 3)]! * x[j + 2]!;
        s += lut[to + ((word >>> 6) & 3)]! * x[j + 3]!;
        s += lut[to + ((word >>> 8) & 3)]! * x[j + 4]!;
        s += lut[to + ((word >>> 10) & 3)]! * x[j + 5]!;
        s += lut[to + ((word >>> 12) & 3)]! * x[j + 6]!;
        s += lut[to + ((word >>> 14) & 3)]! * x[j + 7]!;
        s += lut[to + ((word >>> 16) & 3)]! * x[j + 8]!;
        s += lut[to + ((word >>> 18) & 3)]! * x[j + 9]!;
        s += lut[to + ((word >>> 20) & 3)]! * x[j + 10]!;
        s += lut[to + ((word >>> 22) & 3)]! * x[j + 11]!;
        s += lut[to + ((word >>> 24) & 3)]! * x[j + 12]!;
        s += lut[to + ((word >>> 26) & 3)]! * x[j + 13]!;
        s += lut[to + ((word >>> 28) & 3)]! * x[j + 14]!;
        s += lut[to + (word >>> 30)]! * x[j + 15]!;
      }
      for (let j = whole << 4; j < n; j++) s += lut[to + ((codes[base + (j >>> 4)]! >>> ((j & 15) << 1)) & 3)]! * x[j]!;
    } else if (bits === 3) {
      // 32 codes per 3 words: codes 10 and 21 straddle word boundaries.
      const groups = n >>> 5;
      for (let g = 0; g < groups; g++) {
        const wo = base + 3 * g;
        const w0 = codes[wo]!;
        const w1 = codes[wo + 1]!;
        const w2 = codes[wo + 2]!;
        const j = g << 5;
        for (let c = 0; c < 10; c++) s += lut[to + ((w0 >>> (3 * c)) & 7)]! * x[j + c]!;
        s += lut[to + (((w0 >>> 30) | (w1 << 2)) & 7)]! * x[j + 10]!;
        for (let c = 0; c < 10; c++) s += lut[to + ((w1 >>> (1 + 3 * c)) & 7)]! * x[j + 11 + c]!;
        s += lut[to + (((w1 >>> 31) | (w2 << 1)) & 7)]! * x[j + 21]!;
        for (let c = 0; c < 10; c++) s += lut[to + ((w2 >>> (2 + 3 * c)) & 7)]! * x[j + 22 + c]!;
      }
      for (let j = groups << 5; j < n; j++) s += lut[to + codeAt(codes, base, j, 3, 7)]! * x[j]!;
    } else {
      // Other widths (packLut stores only 2, 3, 4): random-access reads, not a second copy of decodeRow's reader.
      for (let j = 0; j < n; j++) s += lut[to + codeAt(codes, base, j, bits, mask)]! * x[j]!;
    }
    if (rowPtr !== null) for (let p = rowPtr[i]!; p < rowPtr[i + 1]!; p++) s += values![p]! * x[colIndices![p]!]!;
    y[i] = s + (bias === null ? 0 : bias[i]!);
  }
}
