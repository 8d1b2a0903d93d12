// LUT mpGEMM for compress's packed 2/3/4-bit weights: Y[r, i] = Σ_j T_i[q_ij]·X[r, j] (+ CSR outliers, + bias).
// The host stores the table, X, outlier values, bias and Y as f64 in linear memory (f32 → f64 is exact), so
// each weight row is decoded once into an f64 buffer and the dot products run in f64x2 lanes. The sum order
// differs from the TypeScript kernel (four interleaved partial sums, then the tail), with the same error bound;
// four batch rows per pass share each decoded row's loads (a full m × n decode buffer measured slower here).
// Codes: row i's LSB-first bit stream in words [i·wpr, (i+1)·wpr); the host pads one zero word after the last.

/** Decodes row i's table entries into w[0 … n) (f64). */
// @ts-ignore: decorator
@inline
function decodeRow(codes: usize, wpr: i32, lut: usize, i: i32, n: i32, bits: i32, w: usize): void {
  const mask: u32 = (1 << bits) - 1;
  const to = lut + ((<usize>i << <usize>bits) << 3);
  let wp = codes + ((<usize>i * <usize>wpr) << 2);
  let word = load<u32>(wp);
  let pos: i32 = 0;
  for (let j = 0; j < n; j++) {
    let v: u32;
    if (pos + bits <= 32) {
      v = (word >>> pos) & mask;
      pos += bits;
      if (pos == 32) {
        wp += 4;
        word = load<u32>(wp);
        pos = 0;
      }
    } else {
      const low = 32 - pos;
      v = word >>> pos;
      wp += 4;
      word = load<u32>(wp);
      v = (v | (word << low)) & mask;
      pos = bits - low;
    }
    store<f64>(w + (<usize>j << 3), load<f64>(to + (<usize>v << 3)));
  }
}

/** Lane sum, then the n mod 4 tail, the row's outliers and the bias, in that order; stores the f64 result. */
// @ts-ignore: decorator
@inline
function finish(a: v128, w: usize, x: usize, n4: i32, n: i32, values: usize, colIdx: usize, p0: i32, p1: i32, b: f64, y: usize): void {
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (let j = n4; j < n; j++) s += load<f64>(w + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
  for (let p = p0; p < p1; p++) {
    s += load<f64>(values + (<usize>p << 3)) * load<f64>(x + (<usize>load<i32>(colIdx + (<usize>p << 2)) << 3));
  }
  store<f64>(y, s + b);
}

/**
 * codes: u32 words (m·wpr + 1); lut: f64 m × 2^bits; rowPtr/colIdx: i32 CSR (ignored when !hasOutliers),
 * values: f64; bias: f64 m (ignored when !hasBias); X: f64 batch × n; Y: f64 batch × m; w: f64 scratch n.
 */
export function lutGemm(
  codes: usize, wpr: i32, lut: usize, m: i32, n: i32, bits: i32,
  rowPtr: usize, colIdx: usize, values: usize, hasOutliers: i32, bias: usize, hasBias: i32,
  X: usize, batch: i32, Y: usize, w: usize,
): void {
  const n4 = n & ~3;
  const rowBytes = <usize>n << 3;
  for (let i = 0; i < m; i++) {
    decodeRow(codes, wpr, lut, i, n, bits, w);
    let p0: i32 = 0, p1: i32 = 0;
    if (hasOutliers) {
      p0 = load<i32>(rowPtr + (<usize>i << 2));
      p1 = load<i32>(rowPtr + (<usize>i << 2), 4);
    }
    const b = hasBias ? load<f64>(bias + (<usize>i << 3)) : 0.0;
    let xo = X;
    let r = 0;
    // Four batch rows per pass share the row's w loads; each row's sums keep the one-row order below.
    for (; r + 4 <= batch; r += 4) {
      const x1 = xo + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes;
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
      let c0 = f64x2.splat(0), c1 = f64x2.splat(0), d0 = f64x2.splat(0), d1 = f64x2.splat(0);
      for (let j = 0; j < n4; j += 4) {
        const o = <usize>j << 3;
        const w0 = v128.load(w + o), w1 = v128.load(w + o, 16);
        a0 = f64x2.add(a0, f64x2.mul(w0, v128.load(xo + o)));
        a1 = f64x2.add(a1, f64x2.mul(w1, v128.load(xo + o, 16)));
        b0 = f64x2.add(b0, f64x2.mul(w0, v128.load(x1 + o)));
        b1 = f64x2.add(b1, f64x2.mul(w1, v128.load(x1 + o, 16)));
        c0 = f64x2.add(c0, f64x2.mul(w0, v128.load(x2 + o)));
        c1 = f64x2.add(c1, f64x2.mul(w1, v128.load(x2 + o, 16)));
        d0 = f64x2.add(d0, f64x2.mul(w0, v128.load(x3 + o)));
        d1 = f64x2.add(d1, f64x2.mul(w1, v128.load(x3 + o, 16)));
      }
      const y = Y + ((<usize>r * <usize>m + <usize>i) << 3);
      const ym = <usize>m << 3;
      finish(f64x2.add(a0, a1), w, xo, n4, n, values, colIdx, p0, p1, b, y);
      finish(f64x2.add(b0, b1), w, x1, n4, n, values, colIdx, p0, p1, b, y + ym);
      finish(f64x2.add(c0, c1), w, x2, n4, n, values, colIdx, p0, p1, b, y + 2 * ym);
      finish(f64x2.add(d0, d1), w, x3, n4, n, values, colIdx, p0, p1, b, y + 3 * ym);
      xo = x3 + rowBytes;
    }
    for (; r < batch; r++) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
      for (let j = 0; j < n4; j += 4) {
        const o = <usize>j << 3;
        a0 = f64x2.add(a0, f64x2.mul(v128.load(w + o), v128.load(xo + o)));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(w + o, 16), v128.load(xo + o, 16)));
      }
      finish(f64x2.add(a0, a1), w, xo, n4, n, values, colIdx, p0, p1, b, Y + ((<usize>r * <usize>m + <usize>i) << 3));
      xo += rowBytes;
    }
  }
}
