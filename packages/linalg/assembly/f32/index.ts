// AssemblyScript source of the f32 WebAssembly SIMD kernels behind the lm's linear layers. Compiled by
// scripts/build-wasm.mjs into src/wasm/kernels-f32.generated.ts; src/wasm/linear-f32.ts holds the
// TypeScript reference and fallback.
//
// One product serves all three layer kernels: C[i, j] += Σ_p A[i·sam + p·sak] · B[p·ldb + j]
// (A addressed through two strides, so both dy and dyᵀ are read in place; B and C row-major).
// Two accumulation variants: `gemmAcc` keeps the sums in f32x4 lanes (no FMA in SIMD128: mul then add),
// `gemmAcc64` promotes to f64x2 and rounds once per kc block, like the TypeScript kernels' float64 sums.
//
// All pointers are byte offsets into linear memory.

/** First byte the host may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

// 4 rows × 8 columns of C, k steps: 8 f32x4 accumulators, 2 vector loads + 4 splats per step.
// @ts-ignore: decorator
@inline
function micro4x8(k: i32, a: usize, sam: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let r00 = v128.load(c), r01 = v128.load(c, 16);
  let r10 = v128.load(c1), r11 = v128.load(c1, 16);
  let r20 = v128.load(c2), r21 = v128.load(c2, 16);
  let r30 = v128.load(c3), r31 = v128.load(c3, 16);
  let a0 = a;
  const a1 = sam;
  const a2 = sam << 1;
  const a3 = a2 + sam;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let s = v128.load32_splat(a0);
    r00 = f32x4.add(r00, f32x4.mul(s, b0));
    r01 = f32x4.add(r01, f32x4.mul(s, b1));
    s = v128.load32_splat(a0 + a1);
    r10 = f32x4.add(r10, f32x4.mul(s, b0));
    r11 = f32x4.add(r11, f32x4.mul(s, b1));
    s = v128.load32_splat(a0 + a2);
    r20 = f32x4.add(r20, f32x4.mul(s, b0));
    r21 = f32x4.add(r21, f32x4.mul(s, b1));
    s = v128.load32_splat(a0 + a3);
    r30 = f32x4.add(r30, f32x4.mul(s, b0));
    r31 = f32x4.add(r31, f32x4.mul(s, b1));
    a0 += sak;
    b += ldb;
  }
  v128.store(c, r00);
  v128.store(c, r01, 16);
  v128.store(c1, r10);
  v128.store(c1, r11, 16);
  v128.store(c2, r20);
  v128.store(c2, r21, 16);
  v128.store(c3, r30);
  v128.store(c3, r31, 16);
}

// 1 row × 4 columns (the row and column edges).
// @ts-ignore: decorator
@inline
function micro1x4(k: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize): void {
  let r = v128.load(c);
  for (let p = 0; p < k; p++) {
    r = f32x4.add(r, f32x4.mul(v128.load32_splat(a), v128.load(b)));
    a += sak;
    b += ldb;
  }
  v128.store(c, r);
}

// 1 row × 1 column (the last n mod 4 columns).
// @ts-ignore: decorator
@inline
function micro1x1(k: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize): void {
  let r = load<f32>(c);
  for (let p = 0; p < k; p++) {
    r += load<f32>(a) * load<f32>(b);
    a += sak;
    b += ldb;
  }
  store<f32>(c, r);
}

// pa[4p + r] = A[r·sam + p·sak] for r < 4, p < k (byte strides).
// @ts-ignore: decorator
@inline
function packA4(k: i32, a: usize, sam: usize, sak: usize, pa: usize): void {
  if (sam == 4) {
    for (let p = 0; p < k; p++) v128.store(pa + (<usize>p << 4), v128.load(a + <usize>p * sak));
    return;
  }
  for (let p = 0; p < k; p++) {
    const s = a + <usize>p * sak;
    const d = pa + (<usize>p << 4);
    store<f32>(d, load<f32>(s));
    store<f32>(d, load<f32>(s + sam), 4);
    store<f32>(d, load<f32>(s + 2 * sam), 8);
    store<f32>(d, load<f32>(s + 3 * sam), 12);
  }
}

/**
 * C[i, j] += Σ_p A[i·sam + p·sak] B[p·ldb + j] for i < m, j < n, p < k; strides in elements. Blocked:
 * kc steps of depth × nc columns (B's block stays in L2), 4×8 register tiles. `pa`: 16·KC bytes of scratch.
 */
export function gemmAcc(m: i32, n: i32, k: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, c: usize, ldc: i32, KC: i32, NC: i32, pa: usize): void {
  const samB = <usize>sam << 2;
  const sakB = <usize>sak << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  const m4 = m & ~3;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const aK = a + <usize>pc * sakB;
    const bK = b + <usize>pc * ldbB;
    for (let jc = 0; jc < n; jc += NC) {
      const jEnd = min(n, jc + NC);
      const j8 = jc + ((jEnd - jc) & ~7);
      const j4 = jc + ((jEnd - jc) & ~3);
      for (let i = 0; i < m; i += 4) {
        const full = i < m4;
        const rows = full ? 4 : m - i;
        const aI = aK + <usize>i * samB;
        const cI = c + <usize>i * ldcB;
        if (full && sakB != 4 && j8 - jc >= 16) {
          // Four rows of A packed k-major (16 bytes per step) once for all column strips: A read with a large
          // stride (dyᵀ in the weight gradient) otherwise competes with B's strip for L1.
          packA4(kc, aI, samB, sakB, pa);
          for (let j = jc; j < j8; j += 8) micro4x8(kc, pa, 4, 16, bK + (<usize>j << 2), ldbB, cI + (<usize>j << 2), ldcB);
        } else if (full) {
          for (let j = jc; j < j8; j += 8) micro4x8(kc, aI, samB, sakB, bK + (<usize>j << 2), ldbB, cI + (<usize>j << 2), ldcB);
        }
        for (let r = 0; r < rows; r++) {
          const aR = aI + <usize>r * samB;
          const cR = cI + <usize>r * ldcB;
          for (let j = full ? j8 : jc; j < j4; j += 4) micro1x4(kc, aR, sakB, bK + (<usize>j << 2), ldbB, cR + (<usize>j << 2));
          for (let j = j4; j < jEnd; j++) micro1x1(kc, aR, sakB, bK + (<usize>j << 2), ldbB, cR + (<usize>j << 2));
        }
      }
    }
  }
}

// f64 accumulation: 4 rows × 4 columns as 8 f64x2 accumulators (the register budget of micro4x8).
// @ts-ignore: decorator
@inline
function micro4x4d(k: i32, a: usize, sam: usize, sak: usize, b: usize, ldb: usize, c: usize, ldc: usize): void {
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  const z = f64x2.splat(0);
  let r00 = z, r01 = z, r10 = z, r11 = z, r20 = z, r21 = z, r30 = z, r31 = z;
  let a0 = a;
  const a1 = sam;
  const a2 = sam << 1;
  const a3 = a2 + sam;
  for (let p = 0; p < k; p++) {
    const bv = v128.load(b);
    const b0 = f64x2.promote_low_f32x4(bv);
    const b1 = f64x2.promote_low_f32x4(v128.shuffle<i32>(bv, bv, 2, 3, 2, 3));
    let s = f64x2.splat(<f64>load<f32>(a0));
    r00 = f64x2.add(r00, f64x2.mul(s, b0));
    r01 = f64x2.add(r01, f64x2.mul(s, b1));
    s = f64x2.splat(<f64>load<f32>(a0 + a1));
    r10 = f64x2.add(r10, f64x2.mul(s, b0));
    r11 = f64x2.add(r11, f64x2.mul(s, b1));
    s = f64x2.splat(<f64>load<f32>(a0 + a2));
    r20 = f64x2.add(r20, f64x2.mul(s, b0));
    r21 = f64x2.add(r21, f64x2.mul(s, b1));
    s = f64x2.splat(<f64>load<f32>(a0 + a3));
    r30 = f64x2.add(r30, f64x2.mul(s, b0));
    r31 = f64x2.add(r31, f64x2.mul(s, b1));
    a0 += sak;
    b += ldb;
  }
  store4(c, r00, r01);
  store4(c1, r10, r11);
  store4(c2, r20, r21);
  store4(c3, r30, r31);
}

// C[0:4] += (lo, hi) in f64, rounded once to f32.
// @ts-ignore: decorator
@inline
function store4(c: usize, lo: v128, hi: v128): void {
  const cv = v128.load(c);
  const s0 = f64x2.add(f64x2.promote_low_f32x4(cv), lo);
  const s1 = f64x2.add(f64x2.promote_low_f32x4(v128.shuffle<i32>(cv, cv, 2, 3, 2, 3)), hi);
  const d0 = f32x4.demote_f64x2_zero(s0);
  const d1 = f32x4.demote_f64x2_zero(s1);
  v128.store(c, v128.shuffle<i32>(d0, d1, 0, 1, 4, 5));
}

// 1 row × 1 column in f64.
// @ts-ignore: decorator
@inline
function micro1x1d(k: i32, a: usize, sak: usize, b: usize, ldb: usize, c: usize): void {
  let r: f64 = 0;
  for (let p = 0; p < k; p++) {
    r += <f64>load<f32>(a) * <f64>load<f32>(b);
    a += sak;
    b += ldb;
  }
  store<f32>(c, <f32>(<f64>load<f32>(c) + r));
}

/** As gemmAcc (same signature; no packing), with the sums carried in f64 and rounded to f32 once per kc block. */
export function gemmAcc64(m: i32, n: i32, k: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, c: usize, ldc: i32, KC: i32, NC: i32, _pa: usize): void {
  const samB = <usize>sam << 2;
  const sakB = <usize>sak << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  const m4 = m & ~3;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const aK = a + <usize>pc * sakB;
    const bK = b + <usize>pc * ldbB;
    for (let jc = 0; jc < n; jc += NC) {
      const jEnd = min(n, jc + NC);
      const j4 = jc + ((jEnd - jc) & ~3);
      for (let i = 0; i < m; i += 4) {
        const full = i < m4;
        const rows = full ? 4 : m - i;
        const aI = aK + <usize>i * samB;
        const cI = c + <usize>i * ldcB;
        if (full) {
          for (let j = jc; j < j4; j += 4) micro4x4d(kc, aI, samB, sakB, bK + (<usize>j << 2), ldbB, cI + (<usize>j << 2), ldcB);
        }
        for (let r = 0; r < rows; r++) {
          const aR = aI + <usize>r * samB;
          const cR = cI + <usize>r * ldcB;
          for (let j = full ? j4 : jc; j < jEnd; j++) micro1x1d(kc, aR, sakB, bK + (<usize>j << 2), ldbB, cR + (<usize>j << 2));
        }
      }
    }
  }
}

/** dst (cols × rows) = srcᵀ, src rows × cols, f32; 4×4 blocks through registers. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  const sRow = <usize>cols << 2;
  const dRow = <usize>rows << 2;
  for (let i = 0; i < r4; i += 4) {
    for (let j = 0; j < c4; j += 4) {
      const s = src + <usize>i * sRow + (<usize>j << 2);
      const x0 = v128.load(s);
      const x1 = v128.load(s + sRow);
      const x2 = v128.load(s + 2 * sRow);
      const x3 = v128.load(s + 3 * sRow);
      const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
      const d = dst + <usize>j * dRow + (<usize>i << 2);
      v128.store(d, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
      v128.store(d + dRow, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * dRow, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * dRow, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7));
    }
    for (let j = c4; j < cols; j++) {
      for (let ii = i; ii < i + 4; ii++) store<f32>(dst + <usize>j * dRow + (<usize>ii << 2), load<f32>(src + <usize>ii * sRow + (<usize>j << 2)));
    }
  }
  for (let i = r4; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>j * dRow + (<usize>i << 2), load<f32>(src + <usize>i * sRow + (<usize>j << 2)));
  }
}

/** Each of the m rows of C (n wide) ← the row vector at v. */
export function broadcastRows(c: usize, m: i32, n: i32, v: usize): void {
  const bytes = <usize>n << 2;
  for (let i = 0; i < m; i++) memory.copy(c + <usize>i * bytes, v, bytes);
}

// ---------------------------------------------------------------------------------------------
// Causal multi-head attention (the lm's other hot path). q, k, v, out, dq, dk, dv: [batch·seq, heads·hd]
// row-major f32 (head h in columns h·hd …); P: [batch, heads, seq, seq] f32, row i filled for j ≤ i.
// Dot products and row updates in f32x4 lanes; softmax max/exp/normalizer in f64.

// Σ_c a[c]·b[c] over n f32 entries.
// @ts-ignore: decorator
@inline
function dotF32(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; c < n; c++) s += load<f32>(a + (<usize>c << 2)) * load<f32>(b + (<usize>c << 2));
  return s;
}

// y[c] += α·x[c] over n f32 entries.
// @ts-ignore: decorator
@inline
function axpyF32(alpha: f32, x: usize, y: usize, n: i32): void {
  const av = f32x4.splat(alpha);
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o = <usize>c << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; c < n; c++) {
    const o = <usize>c << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** Softmax(q kᵀ) (causal; q already scaled) into P, out = P v. */
export function attentionForward(q: usize, k: usize, v: usize, batch: i32, seq: i32, heads: i32, hd: i32, P: usize, out: usize): void {
  const d = heads * hd;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = P + (<usize>((b * heads + h) * seq * seq) << 2);
      for (let i = 0; i < seq; i++) {
        const row = <usize>(((b * seq + i) * d + h * hd)) << 2;
        const qi = q + row;
        const pRow = pBase + (<usize>(i * seq) << 2);
        let max: f32 = -Infinity;
        for (let j = 0; j <= i; j++) {
          const s = dotF32(qi, k + (<usize>(((b * seq + j) * d + h * hd)) << 2), hd);
          store<f32>(pRow + (<usize>j << 2), s);
          if (s > max) max = s;
        }
        let z: f64 = 0;
        for (let j = 0; j <= i; j++) {
          const at = pRow + (<usize>j << 2);
          const e = <f32>Math.exp(<f64>(load<f32>(at) - max));
          store<f32>(at, e);
          z += <f64>e;
        }
        const inv = <f32>(1 / z);
        const oi = out + row;
        memory.fill(oi, 0, <usize>hd << 2);
        for (let j = 0; j <= i; j++) {
          const at = pRow + (<usize>j << 2);
          const p = load<f32>(at) * inv;
          store<f32>(at, p);
          axpyF32(p, v + (<usize>(((b * seq + j) * d + h * hd)) << 2), oi, hd);
        }
      }
    }
  }
}

/**
 * Gradients dq, dk, dv (overwritten) from dOut: dP_ij = dO_i·v_j, dS_ij = P_ij (dP_ij − Σ_l P_il dP_il),
 * dq_i = Σ_j dS_ij k_j, dk_j = Σ_i dS_ij q_i, dv_j = Σ_i P_ij dO_i. `scratch` holds seq f32.
 */
export function attentionBackward(q: usize, k: usize, v: usize, P: usize, dOut: usize, batch: i32, seq: i32, heads: i32, hd: i32, dq: usize, dk: usize, dv: usize, scratch: usize): void {
  const d = heads * hd;
  const bytes = <usize>(batch * seq * d) << 2;
  memory.fill(dq, 0, bytes);
  memory.fill(dk, 0, bytes);
  memory.fill(dv, 0, bytes);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const pBase = P + (<usize>((b * heads + h) * seq * seq) << 2);
      for (let i = 0; i < seq; i++) {
        const rowI = <usize>(((b * seq + i) * d + h * hd)) << 2;
        const pRow = pBase + (<usize>(i * seq) << 2);
        let dot: f64 = 0;
        for (let j = 0; j <= i; j++) {
          const s = dotF32(dOut + rowI, v + (<usize>(((b * seq + j) * d + h * hd)) << 2), hd);
          store<f32>(scratch + (<usize>j << 2), s);
          dot += <f64>load<f32>(pRow + (<usize>j << 2)) * <f64>s;
        }
        for (let j = 0; j <= i; j++) {
          const p = load<f32>(pRow + (<usize>j << 2));
          const ds = <f32>(<f64>p * (<f64>load<f32>(scratch + (<usize>j << 2)) - dot));
          const rowJ = <usize>(((b * seq + j) * d + h * hd)) << 2;
          axpyF32(ds, k + rowJ, dq + rowI, hd);
          axpyF32(ds, q + rowI, dk + rowJ, hd);
          axpyF32(p, dOut + rowI, dv + rowJ, hd);
        }
      }
    }
  }
}
export { lutGemm } from './lut';
