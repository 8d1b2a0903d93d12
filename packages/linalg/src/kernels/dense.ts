/**
 * Private dense factorization kernels on row-major Float64Array storage (n = leading dimension).
 * All work in place on arrays the caller owns; validation happens in factorizations.ts.
 */
import { gemmAccumulate, wasmPreferred } from './gemm.js';
import { heapAlloc, heapFree, heapView, kernelHeap, residentOffset } from '../wasm/heap.js';

// ---------------------------------------------------------------------------------------------
// Cholesky
// ---------------------------------------------------------------------------------------------

/** Block width of the left-looking Cholesky (the trailing update is a gemm of width CHOL_BLOCK). */
const CHOL_BLOCK = 64;

export interface CholeskyFailure {
  /** Index of the failing pivot. */
  readonly index: number;
  /** The non-positive (or NaN) value found for it. */
  readonly pivot: number;
}

/**
 * In-place lower Cholesky of the n×n array `a` (lower triangle read, upper triangle zeroed on success).
 * Left-looking by blocks: each block column is first updated with one gemm against the columns already
 * factored, then its diagonal block is factored and the rows below it are solved. Returns undefined on
 * success or the failing pivot (a is then partially overwritten).
 */
export function choleskyInPlace(a: Float64Array, n: number): CholeskyFailure | undefined {
  // WebAssembly: the whole factorization runs in the kernel heap (gemm updates and panels), one copy in
  // and one out, none for a resident array; same operations in the same order, so bitwise identical.
  if (n >= HEAP_CHOLESKY_MIN && wasmPreferred() && kernelHeap() !== undefined && residentOffset(a) < 0) {
    const temp = heapAlloc(8 * n * n);
    if (temp >= 0) {
      try {
        const w = heapView(temp, n * n);
        w.set(a.subarray(0, n * n));
        const failure = choleskyBlocks(w, n);
        a.set(w);
        return failure;
      } finally {
        heapFree(temp);
      }
    }
  }
  return choleskyBlocks(a, n);
}

/** From this order on, the Cholesky working copy goes to the kernel heap (below, the copy is not repaid). */
const HEAP_CHOLESKY_MIN = 96;

function choleskyBlocks(a: Float64Array, n: number): CholeskyFailure | undefined {
  const off = wasmPreferred() ? residentOffset(a) : -1;
  const pivotAt = off >= 0 ? heapAlloc(8) : -1;
  try {
    for (let k0 = 0; k0 < n; k0 += CHOL_BLOCK) {
      const k1 = Math.min(k0 + CHOL_BLOCK, n);
      const kb = k1 - k0;
      if (k0 > 0) {
        // a[k0:n, k0:k1] -= L[k0:n, 0:k0] · L[k0:k1, 0:k0]ᵀ
        const rows = a.subarray(k0 * n);
        gemmAccumulate(n - k0, kb, k0, -1, { data: rows, ld: n, trans: false }, { data: rows, ld: n, trans: true }, a.subarray(k0 * n + k0), n);
      }
      if (pivotAt >= 0) {
        const bad = kernelHeap()!.inst.cholPanel(off, n, k0, k1, pivotAt);
        if (bad >= 0) return { index: bad, pivot: heapView(pivotAt, 1)[0]! };
      } else {
        const failure = cholPanel(a, n, k0, k1);
        if (failure !== undefined) return failure;
      }
    }
  } finally {
    if (pivotAt >= 0) heapFree(pivotAt);
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return undefined;
}

/** Factors the diagonal block k0..k1 (unblocked, row-oriented: dots of contiguous row pieces) and solves the rows below it. */
function cholPanel(a: Float64Array, n: number, k0: number, k1: number): CholeskyFailure | undefined {
  for (let i = k0; i < k1; i++) {
    const ri = i * n;
    for (let j = k0; j < i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let p = k0; p < j; p++) s -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = s / a[rj + j]!;
    }
    let d = a[ri + i]!;
    for (let p = k0; p < i; p++) d -= a[ri + p]! * a[ri + p]!;
    if (!(d > 0)) return { index: i, pivot: d };
    a[ri + i] = Math.sqrt(d);
  }
  // Rows below: L[i, k0:k1] ← L[i, k0:k1] · L11⁻ᵀ.
  for (let i = k1; i < n; i++) {
    const ri = i * n;
    for (let j = k0; j < k1; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let p = k0; p < j; p++) s -= a[ri + p]! * a[rj + p]!;
      a[ri + j] = s / a[rj + j]!;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// LU with partial pivoting
// ---------------------------------------------------------------------------------------------

/** Panel width of the blocked LU (the trailing update is a gemm with this depth). */
const LU_BLOCK = 48;

/**
 * In-place LU of the n×n array `a` with partial (row) pivoting: P·A = L·U, unit-lower L below the
 * diagonal, U on and above it. `perm[i]` = original row now at position i. Returns the sign of P.
 * A zero pivot column is skipped (the matrix is singular; U has a zero on the diagonal).
 * Right-looking by panels (LAPACK getrf order): factor a panel of LU_BLOCK columns, solve for the block
 * row of U, then update the trailing matrix with one gemm.
 */
export function luInPlace(a: Float64Array, n: number, perm: Int32Array): number {
  let sign = 1;
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k0 = 0; k0 < n; k0 += LU_BLOCK) {
    const k1 = Math.min(k0 + LU_BLOCK, n);
    // Panel: columns k0..k1-1, all rows below k0. Row swaps move whole rows.
    for (let k = k0; k < k1; k++) {
      let p = k;
      let best = Math.abs(a[k * n + k]!);
      for (let i = k + 1; i < n; i++) {
        const v = Math.abs(a[i * n + k]!);
        if (v > best) {
          best = v;
          p = i;
        }
      }
      if (p !== k) {
        const rk = k * n;
        const rp = p * n;
        for (let j = 0; j < n; j++) {
          const t = a[rk + j]!;
          a[rk + j] = a[rp + j]!;
          a[rp + j] = t;
        }
        const t = perm[k]!;
        perm[k] = perm[p]!;
        perm[p] = t;
        sign = -sign;
      }
      const pivot = a[k * n + k]!;
      if (pivot === 0) continue;
      const rk = k * n;
      for (let i = k + 1; i < n; i++) {
        const ri = i * n;
        const l = a[ri + k]! / pivot;
        a[ri + k] = l;
        if (l === 0) continue;
        for (let j = k + 1; j < k1; j++) a[ri + j]! -= l * a[rk + j]!;
      }
    }
    if (k1 === n) break;
    // Block row of U: U12 = L11⁻¹·A12 (unit lower, row-oriented).
    for (let i = k0 + 1; i < k1; i++) {
      const ri = i * n;
      for (let p = k0; p < i; p++) {
        const l = a[ri + p]!;
        if (l === 0) continue;
        const rp = p * n;
        for (let j = k1; j < n; j++) a[ri + j]! -= l * a[rp + j]!;
      }
    }
    // Trailing update A22 −= L21·U12 (disjoint regions of a).
    gemmAccumulate(
      n - k1,
      n - k1,
      k1 - k0,
      -1,
      { data: a.subarray(k1 * n + k0), ld: n, trans: false },
      { data: a.subarray(k0 * n + k1), ld: n, trans: false },
      a.subarray(k1 * n + k1),
      n,
    );
  }
  return sign;
}

// ---------------------------------------------------------------------------------------------
// Householder QR (compact storage, optional column pivoting)
// ---------------------------------------------------------------------------------------------

/**
 * Householder QR of the m×n array `a` in place: R on and above the diagonal, the essential part of
 * each reflector v_k (v_k[k] = 1 implied) below it, scalars in `tau`: H_k = I − tau_k v_k v_kᵀ and
 * A·P = H_0 ⋯ H_{K−1} R, K = min(m, n). With `perm` given, columns are pivoted by largest remaining
 * norm (Businger–Golub), perm[j] = original column at position j. `work` has length ≥ n.
 */
export function householderQrInPlace(
  a: Float64Array,
  m: number,
  n: number,
  tau: Float64Array,
  perm: Int32Array | undefined,
  work: Float64Array,
): void {
  const K = Math.min(m, n);
  // Column norms for pivoting: current partial norms and the values at last recomputation.
  let norms: Float64Array | undefined;
  let normsRef: Float64Array | undefined;
  if (perm !== undefined) {
    norms = new Float64Array(n);
    normsRef = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      perm[j] = j;
      norms[j] = columnNorm(a, n, j, 0, m);
      normsRef[j] = norms[j]!;
    }
  }
  const tol3z = Math.sqrt(2.220446049250313e-16);
  for (let k = 0; k < K; k++) {
    if (perm !== undefined && norms !== undefined && normsRef !== undefined) {
      let p = k;
      for (let j = k + 1; j < n; j++) if (norms[j]! > norms[p]!) p = j;
      if (p !== k) {
        for (let i = 0; i < m; i++) {
          const t = a[i * n + k]!;
          a[i * n + k] = a[i * n + p]!;
          a[i * n + p] = t;
        }
        let t = perm[k]!;
        perm[k] = perm[p]!;
        perm[p] = t;
        t = norms[k]!;
        norms[k] = norms[p]!;
        norms[p] = t;
        t = normsRef[k]!;
        normsRef[k] = normsRef[p]!;
        normsRef[p] = t;
      }
    }
    // Reflector for column k, rows k..m-1 (LAPACK dlarfg convention: beta = −sign(alpha)·‖x‖).
    const alpha = a[k * n + k]!;
    const xnorm = columnNorm(a, n, k, k + 1, m);
    if (xnorm === 0) {
      tau[k] = 0;
    } else {
      const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
      tau[k] = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = k + 1; i < m; i++) a[i * n + k]! *= scale;
      a[k * n + k] = beta;
      applyReflectorLeft(a, n, k, m, k, k + 1, n, tau[k]!, work);
    }
    if (perm !== undefined && norms !== undefined && normsRef !== undefined) {
      // Downdate partial column norms; recompute when cancellation makes the update unreliable (dlaqp2).
      for (let j = k + 1; j < n; j++) {
        const nj = norms[j]!;
        if (nj === 0) continue;
        const r = Math.abs(a[k * n + j]!) / nj;
        let t = 1 - r * r;
        t = t < 0 ? 0 : t;
        const ratio = nj / normsRef[j]!;
        if (t * ratio * ratio <= tol3z) {
          norms[j] = columnNorm(a, n, j, k + 1, m);
          normsRef[j] = norms[j]!;
        } else {
          norms[j] = nj * Math.sqrt(t);
        }
      }
    }
  }
}

/** Panel width of the blocked (compact WY) Householder QR. */
export const QR_BLOCK = 32;

/**
 * Blocked Householder QR without pivoting (same output layout as {@link householderQrInPlace}): each
 * panel of QR_BLOCK columns is factored column by column, then the trailing columns are updated as
 * (I − V·Tᵀ·Vᵀ)·A2 with two gemm calls (compact WY representation, Schreiber–Van Loan).
 */
export function blockedQrInPlace(a: Float64Array, m: number, n: number, tau: Float64Array, work: Float64Array): void {
  const K = Math.min(m, n);
  for (let k0 = 0; k0 < K; k0 += QR_BLOCK) {
    const k1 = Math.min(k0 + QR_BLOCK, K);
    for (let k = k0; k < k1; k++) {
      tau[k] = makeReflector(a, n, m, k);
      // Within the panel only.
      applyReflectorLeft(a, n, k, m, k, k + 1, k1, tau[k]!, work);
    }
    if (k1 < n) applyBlockReflector(a, n, m, k0, k1, tau, a.subarray(k1), n, n - k1, true);
  }
}

/** Generates the reflector for column k (rows k..m-1) in place; returns tau (dlarfg convention). */
function makeReflector(a: Float64Array, n: number, m: number, k: number): number {
  const alpha = a[k * n + k]!;
  const xnorm = columnNorm(a, n, k, k + 1, m);
  if (xnorm === 0) return 0;
  const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
  const scale = 1 / (alpha - beta);
  for (let i = k + 1; i < m; i++) a[i * n + k]! *= scale;
  a[k * n + k] = beta;
  return (beta - alpha) / beta;
}

/**
 * Applies the product of reflectors k0..k1-1 stored in `qr` (leading dim ldq, m rows) to rows k0..m-1 of
 * the c-column array `b` (leading dim ldb): with `transpose`, Qᵀ·b = (I − V·Tᵀ·Vᵀ)·b, else Q·b = (I − V·T·Vᵀ)·b.
 */
export function applyBlockReflector(
  qr: Float64Array,
  ldq: number,
  m: number,
  k0: number,
  k1: number,
  tau: Float64Array,
  b: Float64Array,
  ldb: number,
  c: number,
  transpose: boolean,
): void {
  const kb = k1 - k0;
  const rows = m - k0;
  if (kb === 0 || c === 0 || rows === 0) return;
  // V explicit: rows k0..m-1, unit diagonal, zeros above.
  const V = new Float64Array(rows * kb);
  for (let r = 0; r < rows; r++) {
    const i = k0 + r;
    for (let j = 0; j < kb; j++) {
      const col = k0 + j;
      V[r * kb + j] = i > col ? qr[i * ldq + col]! : i === col ? 1 : 0;
    }
  }
  // T upper triangular with H_k0⋯H_{k1−1} = I − V·T·Vᵀ (LAPACK dlarft, forward, columnwise).
  const T = new Float64Array(kb * kb);
  for (let j = 0; j < kb; j++) {
    const tj = tau[k0 + j]!;
    T[j * kb + j] = tj;
    if (j === 0) continue;
    // t = −tau_j · V[:, 0:j]ᵀ · v_j (v_j is zero above row j).
    for (let p = 0; p < j; p++) {
      let s = 0;
      for (let r = j; r < rows; r++) s += V[r * kb + p]! * V[r * kb + j]!;
      T[p * kb + j] = -tj * s;
    }
    // T[0:j, j] ← T[0:j, 0:j] · T[0:j, j] (upper triangular, top-down keeps unread entries intact).
    for (let p = 0; p < j; p++) {
      let s = 0;
      for (let q = p; q < j; q++) s += T[p * kb + q]! * T[q * kb + j]!;
      T[p * kb + j] = s;
    }
  }
  // W = Vᵀ·B (kb×c)
  const W = new Float64Array(kb * c);
  const bRows = b.subarray(k0 * ldb);
  gemmAccumulate(kb, c, rows, 1, { data: V, ld: kb, trans: true }, { data: bRows, ld: ldb, trans: false }, W, c);
  if (transpose) {
    // W ← Tᵀ·W: row i depends on rows p ≤ i, so go bottom-up.
    for (let i = kb - 1; i >= 0; i--) {
      const wi = i * c;
      const tii = T[i * kb + i]!;
      for (let q = 0; q < c; q++) W[wi + q]! *= tii;
      for (let p = 0; p < i; p++) {
        const tpi = T[p * kb + i]!;
        if (tpi === 0) continue;
        const wp = p * c;
        for (let q = 0; q < c; q++) W[wi + q]! += tpi * W[wp + q]!;
      }
    }
  } else {
    // W ← T·W: row i depends on rows p ≥ i, so go top-down.
    for (let i = 0; i < kb; i++) {
      const wi = i * c;
      const tii = T[i * kb + i]!;
      for (let q = 0; q < c; q++) W[wi + q]! *= tii;
      for (let p = i + 1; p < kb; p++) {
        const tip = T[i * kb + p]!;
        if (tip === 0) continue;
        const wp = p * c;
        for (let q = 0; q < c; q++) W[wi + q]! += tip * W[wp + q]!;
      }
    }
  }
  // B −= V·W
  gemmAccumulate(rows, c, kb, -1, { data: V, ld: kb, trans: false }, { data: W, ld: c, trans: false }, bRows, ldb);
}

/**
 * Applies H = I − tau·v·vᵀ from the left to rows r0..r1-1, columns c0..c1-1 of `a` (leading dim ld),
 * where v is stored in column `vcol` of `a` below row r0 with v[r0] = 1. Row-oriented: w = vᵀA, A −= tau·v·w.
 */
export function applyReflectorLeft(
  a: Float64Array,
  ld: number,
  r0: number,
  r1: number,
  vcol: number,
  c0: number,
  c1: number,
  tau: number,
  work: Float64Array,
): void {
  if (tau === 0 || c0 >= c1) return;
  const base0 = r0 * ld;
  for (let j = c0; j < c1; j++) work[j] = a[base0 + j]!;
  for (let i = r0 + 1; i < r1; i++) {
    const vi = a[i * ld + vcol]!;
    if (vi === 0) continue;
    const bi = i * ld;
    for (let j = c0; j < c1; j++) work[j]! += vi * a[bi + j]!;
  }
  for (let j = c0; j < c1; j++) a[base0 + j]! -= tau * work[j]!;
  for (let i = r0 + 1; i < r1; i++) {
    const tv = tau * a[i * ld + vcol]!;
    if (tv === 0) continue;
    const bi = i * ld;
    for (let j = c0; j < c1; j++) a[bi + j]! -= tv * work[j]!;
  }
}

/**
 * Applies the same reflector (stored in `qr`, leading dim ldq, column k, rows k..m-1) to the m×c array
 * `b` (leading dim ldb) from the left.
 */
export function applyStoredReflector(
  qr: Float64Array,
  ldq: number,
  m: number,
  k: number,
  tau: number,
  b: Float64Array,
  ldb: number,
  c: number,
  work: Float64Array,
): void {
  if (tau === 0) return;
  for (let j = 0; j < c; j++) work[j] = b[k * ldb + j]!;
  for (let i = k + 1; i < m; i++) {
    const vi = qr[i * ldq + k]!;
    if (vi === 0) continue;
    const bi = i * ldb;
    for (let j = 0; j < c; j++) work[j]! += vi * b[bi + j]!;
  }
  for (let j = 0; j < c; j++) b[k * ldb + j]! -= tau * work[j]!;
  for (let i = k + 1; i < m; i++) {
    const tv = tau * qr[i * ldq + k]!;
    if (tv === 0) continue;
    const bi = i * ldb;
    for (let j = 0; j < c; j++) b[bi + j]! -= tv * work[j]!;
  }
}

/** Overflow-safe norm of column j, rows r0..r1-1. */
export function columnNorm(a: Float64Array, ld: number, j: number, r0: number, r1: number): number {
  let s = 0;
  for (let i = r0; i < r1; i++) {
    const v = a[i * ld + j]!;
    s += v * v;
  }
  if (s < Infinity && s > 1e-280) return Math.sqrt(s);
  let scale = 0;
  let ssq = 1;
  for (let i = r0; i < r1; i++) {
    const v = Math.abs(a[i * ld + j]!);
    if (v === 0) continue;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) * (scale / v);
      scale = v;
    } else ssq += (v / scale) * (v / scale);
  }
  return scale * Math.sqrt(ssq);
}

// ---------------------------------------------------------------------------------------------
// Triangular solves with c right-hand sides (b is n×c row-major, overwritten by the solution)
// ---------------------------------------------------------------------------------------------

/**
 * Solves op(T)·X = B in place for the n×n triangular T (leading dim ldt). `lower` says which triangle
 * of T is read; `transpose` solves with Tᵀ; `unit` assumes ones on the diagonal. Returns the index of
 * a zero diagonal entry or −1.
 */
export function triangularSolveInPlace(
  t: Float64Array,
  ldt: number,
  n: number,
  lower: boolean,
  transpose: boolean,
  unit: boolean,
  b: Float64Array,
  c: number,
): number {
  if (!unit) {
    for (let i = 0; i < n; i++) if (t[i * ldt + i] === 0) return i;
  }
  // Many right-hand sides (O(n²c) work against an O(n² + nc) copy): solve in the kernel heap.
  if (c >= TRSM_MIN_COLUMNS && n > TRSM_BLOCK && wasmPreferred() && (residentOffset(t) < 0 || residentOffset(b) < 0)) {
    const tt = heapAlloc(8 * n * n);
    const bb = tt < 0 ? -1 : heapAlloc(8 * n * c);
    if (bb >= 0) {
      try {
        const tv = heapView(tt, n * n);
        for (let i = 0; i < n; i++) tv.set(t.subarray(i * ldt, i * ldt + n), i * n);
        const bv = heapView(bb, n * c);
        bv.set(b.subarray(0, n * c));
        blockedTriangularSolve(tv, n, n, lower, transpose, unit, bv, c);
        b.set(bv);
        return -1;
      } finally {
        heapFree(tt);
        heapFree(bb);
      }
    }
    if (tt >= 0) heapFree(tt);
  }
  if (c >= TRSM_MIN_COLUMNS && n > TRSM_BLOCK) {
    blockedTriangularSolve(t, ldt, n, lower, transpose, unit, b, c);
    return -1;
  }
  unblockedTriangularSolve(t, ldt, n, lower, transpose, unit, b, c);
  return -1;
}

/** Block size and minimum right-hand-side count of the gemm-based triangular solve. */
const TRSM_BLOCK = 64;
const TRSM_MIN_COLUMNS = 8;

/**
 * Many right-hand sides: blocks of TRSM_BLOCK unknowns in solve order; each block first subtracts the
 * contribution of all solved blocks with one gemm, then solves its diagonal block unblocked.
 */
function blockedTriangularSolve(
  t: Float64Array,
  ldt: number,
  n: number,
  lower: boolean,
  transpose: boolean,
  unit: boolean,
  b: Float64Array,
  c: number,
): void {
  const forward = lower !== transpose;
  const blocks = Math.ceil(n / TRSM_BLOCK);
  for (let s = 0; s < blocks; s++) {
    const blk = forward ? s : blocks - 1 - s;
    const i0 = blk * TRSM_BLOCK;
    const i1 = Math.min(i0 + TRSM_BLOCK, n);
    const rows = i1 - i0;
    const target = b.subarray(i0 * c);
    if (forward && i0 > 0) {
      // B[i0:i1] −= op(T)[i0:i1, 0:i0] · X[0:i0]
      const coef = transpose
        ? { data: t.subarray(i0), ld: ldt, trans: true } // T[0:i0, i0:i1]ᵀ (upper stored)
        : { data: t.subarray(i0 * ldt), ld: ldt, trans: false }; // T[i0:i1, 0:i0] (lower stored)
      gemmAccumulate(rows, c, i0, -1, coef, { data: b, ld: c, trans: false }, target, c);
    } else if (!forward && i1 < n) {
      // B[i0:i1] −= op(T)[i0:i1, i1:n] · X[i1:n]
      const coef = transpose
        ? { data: t.subarray(i1 * ldt + i0), ld: ldt, trans: true } // T[i1:n, i0:i1]ᵀ (lower stored)
        : { data: t.subarray(i0 * ldt + i1), ld: ldt, trans: false }; // T[i0:i1, i1:n] (upper stored)
      gemmAccumulate(rows, c, n - i1, -1, coef, { data: b.subarray(i1 * c), ld: c, trans: false }, target, c);
    }
    unblockedTriangularSolve(t.subarray(i0 * ldt + i0), ldt, rows, lower, transpose, unit, target, c);
  }
}

function unblockedTriangularSolve(
  t: Float64Array,
  ldt: number,
  n: number,
  lower: boolean,
  transpose: boolean,
  unit: boolean,
  b: Float64Array,
  c: number,
): void {
  if (wasmPreferred()) {
    const to = residentOffset(t);
    const bo = to < 0 ? -1 : residentOffset(b);
    if (bo >= 0) {
      kernelHeap()!.inst.trsmUnblocked(to, ldt, n, lower ? 1 : 0, transpose ? 1 : 0, unit ? 1 : 0, bo, c);
      return;
    }
  }
  // Effective system is lower (forward) when lower xor transpose.
  const forward = lower !== transpose;
  if (!transpose) {
    // Row-oriented: x_i = (b_i − Σ_j T_ij x_j) / T_ii over the stored row i.
    for (let s = 0; s < n; s++) {
      const i = forward ? s : n - 1 - s;
      const ti = i * ldt;
      const bi = i * c;
      const jFrom = forward ? 0 : i + 1;
      const jTo = forward ? i : n;
      if (c === 1) {
        let acc = b[i]!;
        for (let j = jFrom; j < jTo; j++) acc -= t[ti + j]! * b[j]!;
        b[i] = unit ? acc : acc / t[ti + i]!;
      } else {
        for (let j = jFrom; j < jTo; j++) {
          const tij = t[ti + j]!;
          if (tij === 0) continue;
          const bj = j * c;
          for (let q = 0; q < c; q++) b[bi + q]! -= tij * b[bj + q]!;
        }
        if (!unit) {
          const inv = 1 / t[ti + i]!;
          for (let q = 0; q < c; q++) b[bi + q]! *= inv;
        }
      }
    }
    return;
  }
  // Transposed: column-oriented over stored rows. Solve for x_i, then subtract x_i · T[i, ·] from the rest.
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    const ti = i * ldt;
    const bi = i * c;
    if (!unit) {
      const inv = 1 / t[ti + i]!;
      for (let q = 0; q < c; q++) b[bi + q]! *= inv;
    }
    // Tᵀ[j, i] = T[i, j]: remaining unknowns j are those after i in solve order.
    const jFrom = forward ? i + 1 : 0;
    const jTo = forward ? n : i;
    for (let j = jFrom; j < jTo; j++) {
      const tij = t[ti + j]!;
      if (tij === 0) continue;
      const bj = j * c;
      for (let q = 0; q < c; q++) b[bj + q]! -= tij * b[bi + q]!;
    }
  }
}
