// Kernels for Adapprox's low-rank second moment: dense row-major m×n matrices and "row stacks"
// (ℓ vectors of one length stored back to back, i.e. a factor kept column by column).
// Raw typed-array indexing lives here; adapprox.ts stays readable. Arithmetic is float64.

import { jacobiEigenInPlace } from '@firstorder/linalg';
import type { FloatArray } from './kernels.js';

/** out[c·m + i] = ⟨A row i, X row c⟩ for c < ell: the rows of (A·Xᵀ)ᵀ, i.e. A times ell vectors of length n. */
export function multiplyRows(A: Float64Array, m: number, n: number, X: Float64Array, ell: number, out: Float64Array): void {
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let c = 0; c < ell; c++) {
      const xo = c * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += A[off + j]! * X[xo + j]!;
      out[c * m + i] = s;
    }
  }
}

/** out[c·n + j] = Σᵢ A[i, j]·X[c·m + i] for c < ell: Aᵀ times ell vectors of length m. */
export function multiplyTransposeRows(A: Float64Array, m: number, n: number, X: Float64Array, ell: number, out: Float64Array): void {
  out.fill(0, 0, ell * n);
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let c = 0; c < ell; c++) {
      const a = X[c * m + i]!;
      if (a === 0) continue;
      const oo = c * n;
      for (let j = 0; j < n; j++) out[oo + j] = out[oo + j]! + a * A[off + j]!;
    }
  }
}

/**
 * Orthonormalizes ell vectors of length len in place by classical Gram–Schmidt applied twice
 * ("twice is enough", Giraud et al. 2005). A vector that loses all but `dropTolerance` of its norm
 * to the earlier ones is numerically dependent and is set to zero (it then adds nothing to
 * projections, which keeps the error formula ‖A‖² − ‖QᵀA‖² exact).
 */
export function orthonormalizeRows(X: Float64Array, ell: number, len: number, dropTolerance = 1e-10): void {
  for (let c = 0; c < ell; c++) {
    const xo = c * len;
    let original = 0;
    for (let i = 0; i < len; i++) original += X[xo + i]! * X[xo + i]!;
    original = Math.sqrt(original);
    for (let pass = 0; pass < 2; pass++) {
      for (let b = 0; b < c; b++) {
        const bo = b * len;
        let d = 0;
        for (let i = 0; i < len; i++) d += X[bo + i]! * X[xo + i]!;
        if (d === 0) continue;
        for (let i = 0; i < len; i++) X[xo + i] = X[xo + i]! - d * X[bo + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += X[xo + i]! * X[xo + i]!;
    norm = Math.sqrt(norm);
    if (!(norm > dropTolerance * original) || norm === 0) {
      X.fill(0, xo, xo + len);
      continue;
    }
    const inv = 1 / norm;
    for (let i = 0; i < len; i++) X[xo + i] = X[xo + i]! * inv;
  }
}

/** G[a·ell + b] = ⟨X row a, X row b⟩ (ell×ell Gram matrix of ell vectors of length len). */
export function gramRows(X: Float64Array, ell: number, len: number, G: Float64Array): void {
  for (let a = 0; a < ell; a++) {
    for (let b = a; b < ell; b++) {
      let s = 0;
      const ao = a * len;
      const bo = b * len;
      for (let i = 0; i < len; i++) s += X[ao + i]! * X[bo + i]!;
      G[a * ell + b] = s;
      G[b * ell + a] = s;
    }
  }
}

/**
 * Symmetric eigendecomposition of the small ell×ell matrix G (destroyed) by cyclic Jacobi rotations.
 * On return `values[c]` are the eigenvalues in descending order and column c of W (row-major ell×ell)
 * the matching unit eigenvector. Jacobi is accurate to high relative precision for the small
 * positive semidefinite Gram matrices it sees here.
 */
export function jacobiEigen(G: Float64Array, ell: number, W: Float64Array, values: Float64Array, order: Int32Array): void {
  jacobiEigenInPlace(G, ell, W);
  // Sort descending (insertion sort on a permutation; ell is small).
  for (let i = 0; i < ell; i++) order[i] = i;
  for (let i = 1; i < ell; i++) {
    const oi = order[i]!;
    const v = G[oi * ell + oi]!;
    let j = i - 1;
    while (j >= 0 && G[order[j]! * ell + order[j]!]! < v) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = oi;
  }
  for (let i = 0; i < ell; i++) values[i] = G[order[i]! * ell + order[i]!]!;
  // Permute W's columns into the same order (use G's first row block as scratch: G is no longer needed).
  for (let r = 0; r < ell; r++) {
    for (let c = 0; c < ell; c++) G[r * ell + c] = W[r * ell + order[c]!]!;
  }
  W.set(G.subarray(0, ell * ell));
}

/** out row c = Σ_a W[a, c]·(X row a), for c < k: the first k rotated vectors (length len). */
export function rotateRows(X: Float64Array, ell: number, len: number, W: Float64Array, k: number, out: FloatArray): void {
  for (let c = 0; c < k; c++) {
    const oo = c * len;
    for (let i = 0; i < len; i++) out[oo + i] = 0;
  }
  // Accumulate in float64 through the rows when out is float32: do it row by row of X.
  if (out instanceof Float64Array) {
    for (let a = 0; a < ell; a++) {
      const ao = a * len;
      for (let c = 0; c < k; c++) {
        const w = W[a * ell + c]!;
        if (w === 0) continue;
        const oo = c * len;
        for (let i = 0; i < len; i++) out[oo + i] = out[oo + i]! + w * X[ao + i]!;
      }
    }
    return;
  }
  for (let c = 0; c < k; c++) {
    const oo = c * len;
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let a = 0; a < ell; a++) s += W[a * ell + c]! * X[a * len + i]!;
      out[oo + i] = s;
    }
  }
}

/**
 * out[i·n + j] = scale·max(0, Σ_c Q[c·m + i]·U[c·n + j]) + add(i, j): reconstructs Q Uᵀ from factors stored
 * column by column (k vectors of length m and n), clipped below at 0, into a dense m×n matrix.
 * With `gradient` given, adds (1 − scale)·g² (Adapprox's V_t = β₂·Q Uᵀ + (1 − β₂)·g²); returns ‖out‖²_F.
 */
export function reconstructClipped(
  Q: FloatArray,
  U: FloatArray,
  k: number,
  m: number,
  n: number,
  scale: number,
  gradient: FloatArray | undefined,
  gOffset: number,
  out: Float64Array,
): number {
  let norm2 = 0;
  for (let i = 0; i < m; i++) {
    const oo = i * n;
    for (let j = 0; j < n; j++) out[oo + j] = 0;
    for (let c = 0; c < k; c++) {
      const q = Q[c * m + i]!;
      if (q === 0) continue;
      const uo = c * n;
      for (let j = 0; j < n; j++) out[oo + j] = out[oo + j]! + q * U[uo + j]!;
    }
    for (let j = 0; j < n; j++) {
      const r = out[oo + j]!;
      let v = scale * (r > 0 ? r : 0);
      if (gradient !== undefined) {
        const g = gradient[gOffset + oo + j]!;
        v += (1 - scale) * g * g;
      }
      out[oo + j] = v;
      norm2 += v * v;
    }
  }
  return norm2;
}

/** Σ x[i]·y[i] over [0, len) of two arrays starting at the given offsets. */
export function dotRange(x: FloatArray, xo: number, y: FloatArray, yo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += x[xo + i]! * y[yo + i]!;
  return s;
}
