import type { LinearOperator, Rng } from '@firstorder/core';
import { FirstOrderError, checkChoiceOption, checkNumberOption, dimensionMismatch, invalidOption, toRng } from '@firstorder/core';
import { gemm } from './blas.js';
import { qr } from './factorizations.js';
import { Matrix } from './matrix.js';
import { svdTall } from './spectral/bidiagonal.js';
import { eigSymmetric } from './spectral/tridiagonal.js';
import { lanczosLargest, powerLargest } from './spectral/norm.js';
import { checkDenseInput, checkOperator, checkOptionsObject } from './spectral/validate.js';
export { jacobiEigenInPlace } from './kernels/jacobi.js';

const EPS = 2.220446049250313e-16;

// ---------------------------------------------------------------------------------------------
// Symmetric eigendecomposition

export interface EigSymOptions {
  /** Compute eigenvectors (default true). */
  vectors?: boolean;
  /**
   * Largest accepted asymmetry, relative: max|A_ij − A_ji| ≤ symmetryTolerance · max|A_ij|.
   * Default 1e-10 (about 1e6 ulp: tolerates round-off from forming AᵀA or XXᵀ, rejects genuinely
   * non-symmetric input). The decomposition uses the symmetric part (A + Aᵀ)/2.
   */
  symmetryTolerance?: number;
}

export interface EigSymValues {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
}

export interface EigSymResult extends EigSymValues {
  /** Orthonormal eigenvectors as columns: A·vectors[:, i] = values[i]·vectors[:, i]. */
  readonly vectors: Matrix;
}

export const EIG_SYM_DEFAULTS = Object.freeze({ vectors: true, symmetryTolerance: 1e-10 });

/**
 * Eigendecomposition A = V diag(values) Vᵀ of a symmetric matrix: Householder tridiagonalization
 * and implicit QR with Wilkinson shifts. Eigenvalues ascending; eigenvectors orthonormal columns.
 * Throws INVALID_ARGUMENT if A is not symmetric within `symmetryTolerance` (relative to max|A_ij|).
 */
export function eigSym(A: Matrix, options: EigSymOptions & { vectors: false }): EigSymValues;
export function eigSym(A: Matrix, options?: EigSymOptions & { vectors?: true }): EigSymResult;
export function eigSym(A: Matrix, options?: EigSymOptions): EigSymValues & { vectors?: Matrix };
export function eigSym(A: Matrix, options: EigSymOptions = {}): EigSymValues & { vectors?: Matrix } {
  checkOptionsObject(options);
  const wantVectors = options.vectors ?? EIG_SYM_DEFAULTS.vectors;
  if (typeof wantVectors !== 'boolean') throw invalidOption('vectors', 'a boolean', wantVectors);
  const symTol = checkNumberOption('symmetryTolerance', options.symmetryTolerance ?? EIG_SYM_DEFAULTS.symmetryTolerance, { min: 0 });
  checkDenseInput('A', A);
  const n = A.rows;
  if (A.cols !== n) {
    throw dimensionMismatch('A', 'a square matrix', `${A.rows}×${A.cols}`);
  }
  const src = A.data;
  const scale = maxAbs(src);
  let asym = 0;
  let worst = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const diff = Math.abs(src[i * n + j]! - src[j * n + i]!);
      if (diff > asym) {
        asym = diff;
        worst = [i, j];
      }
    }
  }
  if (asym > symTol * scale) {
    throw new FirstOrderError(
      'INVALID_ARGUMENT',
      `A: expected a symmetric matrix (max|A_ij − A_ji| ≤ ${symTol}·max|A_ij| = ${symTol * scale}), received |A_ij − A_ji| = ${asym} at (${worst[0]}, ${worst[1]})`,
      'A',
    );
  }
  if (scale === 0) {
    return wantVectors ? { values: new Float64Array(n), vectors: Matrix.identity(n) } : { values: new Float64Array(n) };
  }
  // Work on the symmetric part, scaled to max|A_ij| = 1 so no square in the shifts can overflow.
  const W = new Float64Array(n * n);
  const inv = 1 / scale;
  for (let i = 0; i < n; i++) {
    W[i * n + i] = src[i * n + i]! * inv;
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (src[i * n + j]! + src[j * n + i]!) * inv;
      W[i * n + j] = v;
      W[j * n + i] = v;
    }
  }
  const { d, Q, converged } = eigSymmetric(W, n, wantVectors);
  if (!converged) throw notConverged('eigSym', 'symmetric QR iteration');
  const order = argsort(d, true);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = d[order[i]!]! * scale;
  if (!wantVectors || Q === null) return { values };
  return { values, vectors: permuteColumns(Q, n, n, order) };
}

// ---------------------------------------------------------------------------------------------
// Singular value decomposition

export type SvdVectors = 'thin' | 'full' | 'none';

export interface SvdOptions {
  /**
   * 'thin' (default): U is m×p, V is n×p with p = min(m, n). 'full': U is m×m and V is n×n
   * (complete orthonormal bases). 'none': singular values only.
   */
  vectors?: SvdVectors;
}

export interface SingularValues {
  /** Singular values, descending, non-negative (length min(m, n)). */
  readonly s: Float64Array;
}

export interface SvdResult extends SingularValues {
  /** Left singular vectors as orthonormal columns. */
  readonly U: Matrix;
  /** Right singular vectors as orthonormal columns: A = U diag(s) Vᵀ. */
  readonly V: Matrix;
}

export const SVD_DEFAULTS = Object.freeze({ vectors: 'thin' as SvdVectors });

/**
 * Singular value decomposition A = U diag(s) Vᵀ of any m×n matrix: Householder bidiagonalization
 * and implicit-shift Golub–Kahan QR (wide matrices are handled through Aᵀ; when rows ≥ 1.6·cols
 * A = QR is factored first and R decomposed, as LAPACK's dgesvd does). Singular values descending
 * and non-negative; U and V have orthonormal columns; 'full' completes both bases (for a wide A,
 * the last n − m columns of V span its null space).
 */
export function svd(A: Matrix, options: { vectors: 'none' }): SingularValues;
export function svd(A: Matrix, options?: { vectors?: 'thin' | 'full' }): SvdResult;
export function svd(A: Matrix, options?: SvdOptions): SingularValues & { U?: Matrix; V?: Matrix };
export function svd(A: Matrix, options: SvdOptions = {}): SingularValues & { U?: Matrix; V?: Matrix } {
  checkOptionsObject(options);
  const mode = checkChoiceOption('vectors', options.vectors ?? SVD_DEFAULTS.vectors, ['thin', 'full', 'none'] as const);
  checkDenseInput('A', A);
  const { rows: m, cols: n } = A;
  const wide = n > m;
  // Work on the tall orientation (rows ≥ cols), scaled to max|A_ij| = 1.
  const mt = wide ? n : m;
  const nt = wide ? m : n;
  const scale = maxAbs(A.data);
  if (scale === 0) return zeroSvd(m, n, mode);
  const W = wide ? A.transpose().data : A.data.slice();
  const inv = 1 / scale;
  for (let i = 0; i < W.length; i++) W[i]! *= inv;

  const wantVectors = mode !== 'none';
  let s: Float64Array;
  let Ubig: Matrix | null = null;
  let Vsmall: Matrix | null = null;
  if (mt >= QR_FIRST_RATIO * nt && nt > 1) {
    // Tall: A = QR first, then the n×n SVD of R (LAPACK dgesvd's path for m ≥ 1.6n). The Householder
    // QR costs half of a bidiagonalization of A, and U = Q·U_R is one gemm.
    const factor = qr(new Matrix(mt, nt, W));
    const R = factor.R();
    const small = svdTall(R.data, nt, nt, wantVectors ? nt : 0, wantVectors);
    if (!small.converged) throw notConverged('svd', 'Golub–Kahan QR iteration');
    const order = argsort(small.d, false);
    s = scaled(small.d, order, scale);
    if (wantVectors && small.U !== null && small.V !== null) {
      const UR = permuteColumns(small.U, nt, nt, order);
      Vsmall = permuteColumns(small.V, nt, nt, order);
      if (mode === 'full') {
        const Qfull = factor.Q({ full: true });
        const left = gemm(Qfull.slice(0, mt, 0, nt), UR);
        Ubig = new Matrix(mt, mt);
        for (let i = 0; i < mt; i++) {
          Ubig.data.set(left.data.subarray(i * nt, (i + 1) * nt), i * mt);
          Ubig.data.set(Qfull.data.subarray(i * mt + nt, (i + 1) * mt), i * mt + nt);
        }
      } else {
        Ubig = gemm(factor.Q(), UR);
      }
    }
  } else {
    const uCols = !wantVectors ? 0 : mode === 'full' ? mt : nt;
    const full = svdTall(W, mt, nt, uCols, wantVectors);
    if (!full.converged) throw notConverged('svd', 'Golub–Kahan QR iteration');
    const order = argsort(full.d, false);
    s = scaled(full.d, order, scale);
    if (wantVectors && full.U !== null && full.V !== null) {
      Ubig = permuteColumns(full.U, mt, uCols, order); // left vectors of the tall orientation
      Vsmall = permuteColumns(full.V, nt, nt, order);
    }
  }
  if (Ubig === null || Vsmall === null) return { s };
  if (!wide) return { U: Ubig, s, V: Vsmall };
  // Aᵀ = Ubig diag(s) Vsmallᵀ  ⇒  A = Vsmall diag(s) Ubigᵀ.
  return { U: Vsmall, s, V: Ubig };
}

/** Rows/cols ratio from which svd factors A = QR first (LAPACK dgesvd's crossover, mnthr = 1.6·n). */
const QR_FIRST_RATIO = 1.6;

function scaled(d: Float64Array, order: Int32Array, scale: number): Float64Array {
  const s = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) s[i] = d[order[i]!]! * scale;
  return s;
}

function zeroSvd(m: number, n: number, mode: SvdVectors): SingularValues & { U?: Matrix; V?: Matrix } {
  const p = Math.min(m, n);
  const s = new Float64Array(p);
  if (mode === 'none') return { s };
  if (mode === 'full') return { U: Matrix.identity(m), s, V: Matrix.identity(n) };
  return { U: eyeColumns(m, p), s, V: eyeColumns(n, p) };
}

function eyeColumns(rows: number, cols: number): Matrix {
  const out = new Matrix(rows, cols);
  for (let i = 0; i < Math.min(rows, cols); i++) out.data[i * cols + i] = 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pseudo-inverse

export interface PinvOptions {
  /**
   * Relative cutoff: singular values ≤ rcond·σ_max are treated as zero. Default max(m, n)·eps
   * (eps = 2⁻⁵²), the rule of numpy.linalg.pinv (rtol, numpy ≥ 2.0) and MATLAB's pinv.
   */
  rcond?: number;
}

/** The Moore–Penrose pseudo-inverse A⁺ (n×m) via the thin SVD, dropping σ_i ≤ rcond·σ_max. */
export function pinv(A: Matrix, options: PinvOptions = {}): Matrix {
  checkOptionsObject(options);
  checkDenseInput('A', A);
  const { rows: m, cols: n } = A;
  const rcond = checkNumberOption('rcond', options.rcond ?? Math.max(m, n) * EPS, { min: 0 });
  const { U, s, V } = svd(A, { vectors: 'thin' });
  const p = s.length;
  const cutoff = rcond * (s[0] ?? 0);
  let rank = 0;
  while (rank < p && s[rank]! > cutoff) rank++;
  if (rank === 0) return new Matrix(n, m);
  // A⁺ = V_r diag(1/σ) U_rᵀ over the kept singular triplets.
  const keep = Array.from({ length: rank }, (_, i) => i);
  const Vr = V.selectColumns(keep);
  for (let a = 0; a < n; a++) for (let i = 0; i < rank; i++) Vr.data[a * rank + i]! /= s[i]!;
  return gemm(Vr, U.selectColumns(keep), { transB: true });
}

// ---------------------------------------------------------------------------------------------
// Spectral norm estimate

export interface SpectralNormOptions {
  /** 'lanczos' (default): restarted Lanczos on AᵀA with full reorthogonalization; 'power': power iteration on AᵀA. */
  method?: 'power' | 'lanczos';
  /** Stop when ‖AᵀA x − θx‖ ≤ tolerance·θ for the unit Ritz vector x (θ = σ² estimate). Default 1e-10. */
  tolerance?: number;
  /** Maximum number of products with AᵀA (one apply + one applyTranspose each). Default 1000. */
  maxIterations?: number;
  /** Lanczos basis size before an explicit restart (bounds memory at (k+1)·cols doubles). Default 20. */
  krylovDimension?: number;
  /** Seed or generator for the random start vector. Default seed 0. */
  seed?: number | bigint;
  rng?: Rng;
}

export interface SpectralNormResult {
  /** The estimate of ‖A‖₂ = σ_max (a lower bound up to rounding: a Rayleigh quotient). */
  readonly value: number;
  /** Products with AᵀA used. */
  readonly iterations: number;
  /** Whether the residual test was met within maxIterations. */
  readonly converged: boolean;
}

export const SPECTRAL_NORM_DEFAULTS = Object.freeze({
  method: 'lanczos' as 'power' | 'lanczos',
  tolerance: 1e-10,
  maxIterations: 1000,
  krylovDimension: 20,
  seed: 0,
});

/**
 * Estimates ‖A‖₂ for any LinearOperator using only apply/applyTranspose. The value is
 * sqrt(θ) where θ is a Rayleigh quotient of AᵀA, hence never above σ_max (up to rounding).
 */
export function spectralNorm(A: LinearOperator, options: SpectralNormOptions = {}): SpectralNormResult {
  checkOptionsObject(options);
  checkOperator('A', A);
  const method = checkChoiceOption('method', options.method ?? SPECTRAL_NORM_DEFAULTS.method, ['power', 'lanczos'] as const);
  const tolerance = checkNumberOption('tolerance', options.tolerance ?? SPECTRAL_NORM_DEFAULTS.tolerance, { min: 0, exclusiveMin: true });
  const maxIterations = checkNumberOption('maxIterations', options.maxIterations ?? SPECTRAL_NORM_DEFAULTS.maxIterations, { min: 1, integer: true });
  const krylov = checkNumberOption('krylovDimension', options.krylovDimension ?? SPECTRAL_NORM_DEFAULTS.krylovDimension, { min: 2, integer: true });
  if (options.seed !== undefined && options.rng !== undefined) {
    throw invalidOption('seed', 'either seed or rng, not both', 'both');
  }
  const rng = toRng(options.rng ?? options.seed, SPECTRAL_NORM_DEFAULTS.seed);
  const run = method === 'power' ? powerLargest : lanczosLargest;
  const { theta, scale, iterations, converged } = run(A, { tolerance, maxIterations, krylovDimension: krylov, rng });
  return { value: scale * Math.sqrt(Math.max(theta, 0)), iterations, converged };
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function notConverged(fn: string, what: string): FirstOrderError {
  // Not reachable for finite input in practice (LAPACK's sweep caps); reported rather than returning garbage.
  return new FirstOrderError('UNSUPPORTED', `${fn}: the ${what} did not converge within its sweep limit`, 'A');
}

function maxAbs(data: Float64Array): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (a > m) m = a;
  }
  return m;
}

/** Indices that sort `values` ascending (or descending). */
function argsort(values: Float64Array, ascending: boolean): Int32Array {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort(ascending ? (a, b) => values[a]! - values[b]! : (a, b) => values[b]! - values[a]!);
  return Int32Array.from(idx);
}

/** The rows×cols matrix whose column j is column order[j] of X (columns j ≥ order.length stay in place). */
function permuteColumns(X: Float64Array, rows: number, cols: number, order: Int32Array): Matrix {
  const out = new Matrix(rows, cols);
  const o = out.data;
  const p = order.length;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < p; j++) o[base + j] = X[base + order[j]!]!;
    for (let j = p; j < cols; j++) o[base + j] = X[base + j]!;
  }
  return out;
}
