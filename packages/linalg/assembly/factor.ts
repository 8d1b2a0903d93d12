// Unblocked parts of the blocked Cholesky and triangular solves (src/kernels/dense.ts), in linear memory.
// Same loops and operation order as the TypeScript kernels, so results are bitwise identical; the
// gemm updates between panels run in gemm.ts on the same memory.

/**
 * Cholesky panel for block columns k0 ≤ j < k1 of the n×n row-major array at a (already updated by
 * the columns before k0): factors the diagonal block, then solves the rows below it. Returns −1, or the
 * failing pivot's index with its value stored at `pivot`.
 */
export function cholPanel(a: usize, n: i32, k0: i32, k1: i32, pivot: usize): i32 {
  const ld = <usize>n << 3;
  for (let i = k0; i < k1; i++) {
    const ri = a + <usize>i * ld;
    for (let j = k0; j < i; j++) {
      const rj = a + <usize>j * ld;
      let s = load<f64>(ri + (<usize>j << 3));
      for (let p = k0; p < j; p++) s -= load<f64>(ri + (<usize>p << 3)) * load<f64>(rj + (<usize>p << 3));
      store<f64>(ri + (<usize>j << 3), s / load<f64>(rj + (<usize>j << 3)));
    }
    let d = load<f64>(ri + (<usize>i << 3));
    for (let p = k0; p < i; p++) {
      const v = load<f64>(ri + (<usize>p << 3));
      d -= v * v;
    }
    if (!(d > 0)) {
      store<f64>(pivot, d);
      return i;
    }
    store<f64>(ri + (<usize>i << 3), sqrt<f64>(d));
  }
  for (let i = k1; i < n; i++) {
    const ri = a + <usize>i * ld;
    for (let j = k0; j < k1; j++) {
      const rj = a + <usize>j * ld;
      let s = load<f64>(ri + (<usize>j << 3));
      for (let p = k0; p < j; p++) s -= load<f64>(ri + (<usize>p << 3)) * load<f64>(rj + (<usize>p << 3));
      store<f64>(ri + (<usize>j << 3), s / load<f64>(rj + (<usize>j << 3)));
    }
  }
  return -1;
}

/**
 * Solves op(T)·X = B in place (T n×n with leading dimension ldt, B n×c row-major), unblocked, in the
 * TypeScript kernel's order (row-oriented without transpose, column-oriented with it).
 */
export function trsmUnblocked(t: usize, ldt: i32, n: i32, lower: bool, transpose: bool, unit: bool, b: usize, c: i32): void {
  const forward = lower != transpose;
  const tRow = <usize>ldt << 3;
  const bRow = <usize>c << 3;
  if (!transpose) {
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      const ti = t + <usize>i * tRow;
      const bi = b + <usize>i * bRow;
      const jFrom = forward ? 0 : i + 1;
      const jTo = forward ? i : n;
      if (c == 1) {
        let acc = load<f64>(bi);
        for (let j = jFrom; j < jTo; j++) acc -= load<f64>(ti + (<usize>j << 3)) * load<f64>(b + (<usize>j << 3));
        store<f64>(bi, unit ? acc : acc / load<f64>(ti + (<usize>i << 3)));
      } else {
        for (let j = jFrom; j < jTo; j++) {
          const tij = load<f64>(ti + (<usize>j << 3));
          if (tij == 0) continue;
          axpyNeg(c, tij, b + <usize>j * bRow, bi);
        }
        if (!unit) scaleBy(c, 1 / load<f64>(ti + (<usize>i << 3)), bi);
      }
    }
    return;
  }
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    const ti = t + <usize>i * tRow;
    const bi = b + <usize>i * bRow;
    if (!unit) scaleBy(c, 1 / load<f64>(ti + (<usize>i << 3)), bi);
    const jFrom = forward ? i + 1 : 0;
    const jTo = forward ? n : i;
    for (let j = jFrom; j < jTo; j++) {
      const tij = load<f64>(ti + (<usize>j << 3));
      if (tij == 0) continue;
      axpyNeg(c, tij, bi, b + <usize>j * bRow);
    }
  }
}

// dst[q] -= t·src[q] (elementwise, so the f64x2 form rounds exactly like the scalar loop).
function axpyNeg(c: i32, t: f64, src: usize, dst: usize): void {
  const tv = f64x2.splat(t);
  let q = 0;
  for (; q + 1 < c; q += 2) {
    const o = <usize>q << 3;
    v128.store(dst + o, f64x2.sub(v128.load(dst + o), f64x2.mul(tv, v128.load(src + o))));
  }
  if (q < c) {
    const o = <usize>q << 3;
    store<f64>(dst + o, load<f64>(dst + o) - t * load<f64>(src + o));
  }
}

function scaleBy(c: i32, s: f64, x: usize): void {
  const sv = f64x2.splat(s);
  let q = 0;
  for (; q + 1 < c; q += 2) {
    const o = <usize>q << 3;
    v128.store(x + o, f64x2.mul(v128.load(x + o), sv));
  }
  if (q < c) {
    const o = <usize>q << 3;
    store<f64>(x + o, load<f64>(x + o) * s);
  }
}
