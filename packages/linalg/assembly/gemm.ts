// AssemblyScript source of the WebAssembly SIMD (f64x2) gemm kernel. Compiled by
// scripts/build-wasm.mjs into src/wasm/kernels.generated.ts; the TypeScript kernel in
// src/kernels/gemm.ts is the reference and the fallback.
//
// C[i, j] += α Σ_p op(A)[i, p] op(B)[p, j] for rows r0 ≤ i < r1 of C (a row range, so threads can
// split the work), with the loop order, blocking (mc, kc, nc) and 4×4 tiles of the TypeScript kernel:
// each entry sees the same sequence of roundings (acc = 0; acc += a·b over p in a kc block; C += α·acc),
// so the results are bitwise identical to it, whatever the row split.
//
// All pointers are byte offsets into linear memory; arrays are row-major f64 with leading dimensions.

export { dot, axpy, sumSquares } from './level1';
export { cholPanel, trsmUnblocked } from './factor';

const MR: i32 = 4;
const NR: i32 = 4;

/** First byte the host may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

// op(B)[pc:pc+kc, jc:jc+nc] as NR-wide panels, k-major, zero-padded on the right.
function packB(b: usize, ldb: i32, tb: bool, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  let o = dst;
  for (let jr = 0; jr < nc; jr += NR) {
    const w = min(NR, nc - jr);
    const j0 = jc + jr;
    if (!tb) {
      for (let p = 0; p < kc; p++) {
        const src = b + ((<usize>(pc + p) * <usize>ldb + <usize>j0) << 3);
        if (w == NR) {
          v128.store(o, v128.load(src));
          v128.store(o, v128.load(src, 16), 16);
        } else {
          for (let jj = 0; jj < NR; jj++) store<f64>(o + (<usize>jj << 3), jj < w ? load<f64>(src + (<usize>jj << 3)) : 0.0);
        }
        o += NR << 3;
      }
    } else {
      for (let jj = 0; jj < NR; jj++) {
        if (jj < w) {
          const src = b + ((<usize>(j0 + jj) * <usize>ldb + <usize>pc) << 3);
          for (let p = 0; p < kc; p++) store<f64>(o + ((<usize>(p * NR + jj)) << 3), load<f64>(src + (<usize>p << 3)));
        } else {
          for (let p = 0; p < kc; p++) store<f64>(o + ((<usize>(p * NR + jj)) << 3), 0.0);
        }
      }
      o += <usize>(kc * NR) << 3;
    }
  }
}

// op(A)[ic:ic+mc, pc:pc+kc] as MR-tall panels, k-major, zero-padded at the bottom.
function packA(a: usize, lda: i32, ta: bool, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  let o = dst;
  for (let ir = 0; ir < mc; ir += MR) {
    const h = min(MR, mc - ir);
    const i0 = ic + ir;
    if (!ta) {
      if (h == MR) {
        const s0 = a + ((<usize>i0 * <usize>lda + <usize>pc) << 3);
        const s1 = s0 + (<usize>lda << 3);
        const s2 = s1 + (<usize>lda << 3);
        const s3 = s2 + (<usize>lda << 3);
        for (let p = 0; p < kc; p++) {
          const q = <usize>p << 3;
          const d = o + (<usize>p << 5);
          store<f64>(d, load<f64>(s0 + q));
          store<f64>(d, load<f64>(s1 + q), 8);
          store<f64>(d, load<f64>(s2 + q), 16);
          store<f64>(d, load<f64>(s3 + q), 24);
        }
      } else {
        for (let ii = 0; ii < MR; ii++) {
          if (ii < h) {
            const src = a + ((<usize>(i0 + ii) * <usize>lda + <usize>pc) << 3);
            for (let p = 0; p < kc; p++) store<f64>(o + (<usize>(p * MR + ii) << 3), load<f64>(src + (<usize>p << 3)));
          } else {
            for (let p = 0; p < kc; p++) store<f64>(o + (<usize>(p * MR + ii) << 3), 0.0);
          }
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = a + ((<usize>(pc + p) * <usize>lda + <usize>i0) << 3);
        const d = o + (<usize>p << 5);
        if (h == MR) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          for (let ii = 0; ii < MR; ii++) store<f64>(d + (<usize>ii << 3), ii < h ? load<f64>(src + (<usize>ii << 3)) : 0.0);
        }
      }
    }
    o += <usize>(kc * MR) << 3;
  }
}

// 4×4 tile: acc = Σ_p A[4p + i] B[4p + j]; full tiles are added to C as C += α·acc, edge tiles are
// written to `tile` (row-major 4×4) for storeEdge.
function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, alpha: f64, full: bool, tile: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load64_splat(ap);
    c00 = f64x2.add(c00, f64x2.mul(av, b0));
    c01 = f64x2.add(c01, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 8);
    c10 = f64x2.add(c10, f64x2.mul(av, b0));
    c11 = f64x2.add(c11, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 16);
    c20 = f64x2.add(c20, f64x2.mul(av, b0));
    c21 = f64x2.add(c21, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 24);
    c30 = f64x2.add(c30, f64x2.mul(av, b0));
    c31 = f64x2.add(c31, f64x2.mul(av, b1));
    ap += 32;
    bp += 32;
  }
  if (full) {
    const al = f64x2.splat(alpha);
    const row = <usize>ldc << 3;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c00)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c01)), 16);
    c += row;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c10)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c11)), 16);
    c += row;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c20)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c21)), 16);
    c += row;
    v128.store(c, f64x2.add(v128.load(c), f64x2.mul(al, c30)));
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.mul(al, c31)), 16);
  } else {
    v128.store(tile, c00);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
  }
}

// Adds α·tile to C; triangle 1 ('upper'): only entries j ≥ i; 2 ('mirror'): each also added at (j, i).
function storeEdge(c: usize, ldc: i32, i0: i32, j0: i32, mr: i32, nr: i32, alpha: f64, triangle: i32, tile: usize): void {
  for (let ii = 0; ii < mr; ii++) {
    const i = i0 + ii;
    for (let jj = 0; jj < nr; jj++) {
      const j = j0 + jj;
      if (triangle != 0 && j < i) continue;
      const v = alpha * load<f64>(tile + (<usize>(ii * NR + jj) << 3));
      const at = c + ((<usize>i * <usize>ldc + <usize>j) << 3);
      store<f64>(at, load<f64>(at) + v);
      if (triangle == 2 && j > i) {
        const mirrorAt = c + ((<usize>j * <usize>ldc + <usize>i) << 3);
        store<f64>(mirrorAt, load<f64>(mirrorAt) + v);
      }
    }
  }
}

/**
 * Rows r0 ≤ i < r1 of C += α op(A) op(B) (m×n, depth k). Scratch: packA holds ⌈mc/4⌉·4·kc doubles,
 * packB ⌈nc/4⌉·4·kc, tile 16.
 */
export function gemm(
  m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, ta: bool,
  b: usize, ldb: i32, tb: bool,
  c: usize, ldc: i32, triangle: i32,
  r0: i32, r1: i32,
  MC: i32, KC: i32, NC: i32,
  pa: usize, pb: usize, tile: usize,
): void {
  const upperOnly = triangle != 0;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let packedB = false;
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        if (upperOnly && ic >= jc + nc) continue;
        if (!packedB) {
          packB(b, ldb, tb, pc, kc, jc, nc, pb);
          packedB = true;
        }
        packA(a, lda, ta, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const j0 = jc + jr;
          const bp = pb + (<usize>(jr * kc) << 3);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const i0 = ic + ir;
            if (upperOnly && j0 + nr - 1 < i0) continue;
            const ap = pa + (<usize>(ir * kc) << 3);
            const full = mr == MR && nr == NR && (!upperOnly || (triangle == 1 && j0 >= i0 + MR));
            micro(kc, ap, bp, c + ((<usize>i0 * <usize>ldc + <usize>j0) << 3), ldc, alpha, full, tile);
            if (!full) storeEdge(c, ldc, i0, j0, mr, nr, alpha, triangle, tile);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// gemv on a block of rows (the host streams A through linear memory in cache-sized blocks)
// ---------------------------------------------------------------------------------------------

/**
 * y[i] = Σ_j A[i, j] x[j] for i < rows (A row-major, n columns). Four rows per pass share each load of
 * x (best on L2-sized blocks); each row is summed in two interleaved lanes (even and odd j) added at the
 * end, so the rounding differs from the TypeScript kernel's single running sum (agreement within the
 * usual n·eps·Σ|a||x| bound, tested).
 */
export function gemvRows(rows: i32, n: i32, a: usize, x: usize, y: usize): void {
  const rowBytes = <usize>n << 3;
  const pairs = n & ~1;
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = a + <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (let j = 0; j < pairs; j += 2) {
      const q = <usize>j << 3;
      const xv = v128.load(x + q);
      s0 = f64x2.add(s0, f64x2.mul(v128.load(r0 + q), xv));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(r1 + q), xv));
      s2 = f64x2.add(s2, f64x2.mul(v128.load(r2 + q), xv));
      s3 = f64x2.add(s3, f64x2.mul(v128.load(r3 + q), xv));
    }
    let t0 = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
    let t1 = f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    let t2 = f64x2.extract_lane(s2, 0) + f64x2.extract_lane(s2, 1);
    let t3 = f64x2.extract_lane(s3, 0) + f64x2.extract_lane(s3, 1);
    if (pairs < n) {
      const q = <usize>pairs << 3;
      const xl = load<f64>(x + q);
      t0 += load<f64>(r0 + q) * xl;
      t1 += load<f64>(r1 + q) * xl;
      t2 += load<f64>(r2 + q) * xl;
      t3 += load<f64>(r3 + q) * xl;
    }
    const o = y + (<usize>i << 3);
    store<f64>(o, t0);
    store<f64>(o, t1, 8);
    store<f64>(o, t2, 16);
    store<f64>(o, t3, 24);
  }
  for (; i < rows; i++) {
    const r = a + <usize>i * rowBytes;
    let s = f64x2.splat(0);
    for (let j = 0; j < pairs; j += 2) {
      const q = <usize>j << 3;
      s = f64x2.add(s, f64x2.mul(v128.load(r + q), v128.load(x + q)));
    }
    let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    if (pairs < n) t += load<f64>(r + (<usize>pairs << 3)) * load<f64>(x + (<usize>pairs << 3));
    store<f64>(y + (<usize>i << 3), t);
  }
}

/**
 * gemvRows for a large A used in place: four rows a quarter of the matrix apart (i, i + q, i + 2q, i + 3q)
 * are summed together, each in two f64x2 accumulators over 32-byte steps (then a pair, then an odd
 * tail), rows left over after 4q one at a time with the same arithmetic. Every row sees the same
 * operations whichever stream or thread takes it. Far-apart streams measured fastest once A is beyond
 * the TLB's reach (2048², best of rounds on the loaded VM: 0.93–0.96 ms against 1.11–1.19 ms for one
 * sequential row and 1.41–1.50 ms for four adjacent rows).
 */
export function gemvRowsSeq(rows: i32, n: i32, a: usize, x: usize, y: usize): void {
  const rowBytes = <usize>n << 3;
  const quadEnd = <usize>(n & ~3) << 3;
  // Whole cache lines (8 doubles) per row per step: about 12% faster than half lines at n = 2048. The
  // accumulation order is the same as stepping by 4 doubles, so results do not depend on the unrolling.
  const lineEnd = <usize>(n & ~7) << 3;
  const q = rows >> 2;
  const stride = <usize>q * rowBytes;
  for (let i = 0; i < q; i++) {
    const r0 = a + <usize>i * rowBytes;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
    let c0 = f64x2.splat(0), c1 = f64x2.splat(0), d0 = f64x2.splat(0), d1 = f64x2.splat(0);
    for (let o: usize = 0; o < lineEnd; o += 64) {
      let x0 = v128.load(x + o);
      let x1 = v128.load(x + o, 16);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), x0));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(r0 + o, 16), x1));
      b0 = f64x2.add(b0, f64x2.mul(v128.load(r1 + o), x0));
      b1 = f64x2.add(b1, f64x2.mul(v128.load(r1 + o, 16), x1));
      c0 = f64x2.add(c0, f64x2.mul(v128.load(r2 + o), x0));
      c1 = f64x2.add(c1, f64x2.mul(v128.load(r2 + o, 16), x1));
      d0 = f64x2.add(d0, f64x2.mul(v128.load(r3 + o), x0));
      d1 = f64x2.add(d1, f64x2.mul(v128.load(r3 + o, 16), x1));
      x0 = v128.load(x + o, 32);
      x1 = v128.load(x + o, 48);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o, 32), x0));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(r0 + o, 48), x1));
      b0 = f64x2.add(b0, f64x2.mul(v128.load(r1 + o, 32), x0));
      b1 = f64x2.add(b1, f64x2.mul(v128.load(r1 + o, 48), x1));
      c0 = f64x2.add(c0, f64x2.mul(v128.load(r2 + o, 32), x0));
      c1 = f64x2.add(c1, f64x2.mul(v128.load(r2 + o, 48), x1));
      d0 = f64x2.add(d0, f64x2.mul(v128.load(r3 + o, 32), x0));
      d1 = f64x2.add(d1, f64x2.mul(v128.load(r3 + o, 48), x1));
    }
    if (lineEnd < quadEnd) {
      const o = lineEnd;
      const x0 = v128.load(x + o);
      const x1 = v128.load(x + o, 16);
      a0 = f64x2.add(a0, f64x2.mul(v128.load(r0 + o), x0));
      a1 = f64x2.add(a1, f64x2.mul(v128.load(r0 + o, 16), x1));
      b0 = f64x2.add(b0, f64x2.mul(v128.load(r1 + o), x0));
      b1 = f64x2.add(b1, f64x2.mul(v128.load(r1 + o, 16), x1));
      c0 = f64x2.add(c0, f64x2.mul(v128.load(r2 + o), x0));
      c1 = f64x2.add(c1, f64x2.mul(v128.load(r2 + o, 16), x1));
      d0 = f64x2.add(d0, f64x2.mul(v128.load(r3 + o), x0));
      d1 = f64x2.add(d1, f64x2.mul(v128.load(r3 + o, 16), x1));
    }
    store<f64>(y + (<usize>i << 3), rowTail(a0, a1, r0, x, n, quadEnd));
    store<f64>(y + (<usize>(i + q) << 3), rowTail(b0, b1, r1, x, n, quadEnd));
    store<f64>(y + (<usize>(i + 2 * q) << 3), rowTail(c0, c1, r2, x, n, quadEnd));
    store<f64>(y + (<usize>(i + 3 * q) << 3), rowTail(d0, d1, r3, x, n, quadEnd));
  }
  for (let i = 4 * q; i < rows; i++) {
    const r = a + <usize>i * rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (let o: usize = 0; o < quadEnd; o += 32) {
      s0 = f64x2.add(s0, f64x2.mul(v128.load(r + o), v128.load(x + o)));
      s1 = f64x2.add(s1, f64x2.mul(v128.load(r + o, 16), v128.load(x + o, 16)));
    }
    store<f64>(y + (<usize>i << 3), rowTail(s0, s1, r, x, n, quadEnd));
  }
}

// Finishes one row of gemvRowsSeq: columns from quadEnd (a pair, then an odd one) into s0, then the lanes.
@inline
function rowTail(s0: v128, s1: v128, r: usize, x: usize, n: i32, quadEnd: usize): f64 {
  let o = quadEnd;
  if (n & 2) {
    s0 = f64x2.add(s0, f64x2.mul(v128.load(r + o), v128.load(x + o)));
    o += 16;
  }
  const s = f64x2.add(s0, s1);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (n & 1) t += load<f64>(r + o) * load<f64>(x + o);
  return t;
}

/**
 * out[j] += Σ_i xs[i] A[i, j] for j < n over a block of rows (leading dimension lda ≥ n, so threads can
 * take column ranges), four rows per pass as out[j] += xs0·a0j + xs1·a1j + xs2·a2j + xs3·a3j (then single
 * rows): per entry exactly the TypeScript kernel's operations, so bitwise identical to it when blocks
 * start at multiples of 4 rows. xs holds α·x.
 */
export function gemvTRows(rows: i32, n: i32, lda: i32, a: usize, xs: usize, out: usize): void {
  const rowBytes = <usize>lda << 3;
  const pairs = n & ~1;
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = a + <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    const xp = xs + (<usize>i << 3);
    const x0s = load<f64>(xp), x1s = load<f64>(xp, 8), x2s = load<f64>(xp, 16), x3s = load<f64>(xp, 24);
    const x0 = f64x2.splat(x0s), x1 = f64x2.splat(x1s), x2 = f64x2.splat(x2s), x3 = f64x2.splat(x3s);
    for (let j = 0; j < pairs; j += 2) {
      const q = <usize>j << 3;
      let t = f64x2.mul(x0, v128.load(r0 + q));
      t = f64x2.add(t, f64x2.mul(x1, v128.load(r1 + q)));
      t = f64x2.add(t, f64x2.mul(x2, v128.load(r2 + q)));
      t = f64x2.add(t, f64x2.mul(x3, v128.load(r3 + q)));
      v128.store(out + q, f64x2.add(v128.load(out + q), t));
    }
    if (pairs < n) {
      const q = <usize>pairs << 3;
      const t = x0s * load<f64>(r0 + q) + x1s * load<f64>(r1 + q) + x2s * load<f64>(r2 + q) + x3s * load<f64>(r3 + q);
      store<f64>(out + q, load<f64>(out + q) + t);
    }
  }
  for (; i < rows; i++) {
    const r = a + <usize>i * rowBytes;
    const xis = load<f64>(xs + (<usize>i << 3));
    const xi = f64x2.splat(xis);
    for (let j = 0; j < pairs; j += 2) {
      const q = <usize>j << 3;
      v128.store(out + q, f64x2.add(v128.load(out + q), f64x2.mul(xi, v128.load(r + q))));
    }
    if (pairs < n) {
      const q = <usize>pairs << 3;
      store<f64>(out + q, load<f64>(out + q) + xis * load<f64>(r + q));
    }
  }
}
