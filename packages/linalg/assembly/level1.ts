// Level-1 f64x2 kernels for operands that live in linear memory (resident arrays). dot and axpy keep the
// TypeScript kernels' operation order (src/kernels/level12.ts, blas.ts), so they are bitwise identical.

/**
 * Σ x[i]·y[i] with the TypeScript kernel's four running sums (i mod 4), held as two f64x2 lanes;
 * the tail goes to sum 0 and the result is s0 + s1 + (s2 + s3).
 */
export function dot(n: i32, x: usize, y: usize): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const q = <usize>i << 3;
    s01 = f64x2.add(s01, f64x2.mul(v128.load(x + q), v128.load(y + q)));
    s23 = f64x2.add(s23, f64x2.mul(v128.load(x + q, 16), v128.load(y + q, 16)));
  }
  let s0 = f64x2.extract_lane(s01, 0);
  for (; i < n; i++) s0 += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s0 + f64x2.extract_lane(s01, 1) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1));
}

/** y[i] += α·x[i]. */
export function axpy(n: i32, alpha: f64, x: usize, y: usize): void {
  const a = f64x2.splat(alpha);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const q = <usize>i << 3;
    v128.store(y + q, f64x2.add(v128.load(y + q), f64x2.mul(a, v128.load(x + q))));
    v128.store(y + q, f64x2.add(v128.load(y + q, 16), f64x2.mul(a, v128.load(x + q, 16))), 16);
  }
  for (; i < n; i++) {
    const q = <usize>i << 3;
    store<f64>(y + q, load<f64>(y + q) + alpha * load<f64>(x + q));
  }
}

/**
 * Σ x[i]² in four running sums (unscaled: the host checks that the result is finite and not tiny and
 * otherwise falls back to the scaled TypeScript pass, so nrm2 stays overflow- and underflow-safe).
 */
export function sumSquares(n: i32, x: usize): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const q = <usize>i << 3;
    const v0 = v128.load(x + q);
    const v1 = v128.load(x + q, 16);
    s01 = f64x2.add(s01, f64x2.mul(v0, v0));
    s23 = f64x2.add(s23, f64x2.mul(v1, v1));
  }
  let s0 = f64x2.extract_lane(s01, 0);
  for (; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    s0 += v * v;
  }
  return s0 + f64x2.extract_lane(s01, 1) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1));
}
