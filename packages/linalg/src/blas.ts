/**
 * BLAS-like kernels over row-major Float64Array storage.
 *
 * Level 1 (`dot`, `axpy`, `scal`, `nrm2`, `asum`, `iamax`, `copy`) check types and lengths only: they are the
 * innermost calls of iterative solvers, and a NaN in the input propagates to the output. Level 2/3 allocating
 * forms (`gemv`, `gemm`, `syrk`, `accumulateGram`) also reject NaN/Infinity; `gemvInto` does not, because
 * it is meant for hot loops, where a diverging iterate must reach the solver's own non-finite check
 * (status 'numerical_error') rather than throw.
 */
import { FirstOrderError, dimensionMismatch, invalidArgument, invalidOption } from '@firstorder/core';
import { Matrix, assertMatrix } from './matrix.js';
import { gemmAccumulate, gemmBackend, mirrorUpperToLower, setGemmBackend } from './kernels/gemm.js';
import { poolThreads, setThreads } from './wasm/pool.js';
import { dotUnchecked, gemvKernel, nrm2Unchecked, residentPair } from './kernels/level12.js';
import { kernelHeap } from './wasm/heap.js';
import {
  assertFiniteMatrix,
  assertFiniteVector,
  assertVector,
  booleanOption,
  optionsObject,
  scalarArgument,
  scalarOption,
  shape,
} from './kernels/check.js';

// ---------------------------------------------------------------------------------------------
// Backend selection
// ---------------------------------------------------------------------------------------------

/** 'wasm': the AssemblyScript SIMD kernels (automatic where available); 'js': the TypeScript reference kernels. */
export type LinalgBackend = 'wasm' | 'js';

/**
 * Forces the level-3 kernel backend (gemm, syrk, accumulateGram and the blocked factorizations built on
 * them). The default is 'wasm' unless FIRSTORDER_BACKEND=js; 'wasm' falls back to 'js' where WebAssembly
 * SIMD is unavailable. Both give bitwise identical results (tested).
 */
export function setBackend(backend: LinalgBackend): void {
  if (backend !== 'wasm' && backend !== 'js') throw invalidOption('backend', "'wasm' or 'js'", backend);
  setGemmBackend(backend);
}

/** The backend the next level-3 product will use. */
export function getBackend(): LinalgBackend {
  return gemmBackend();
}

/**
 * Multi-core level-3 products (Node worker_threads over a shared WebAssembly memory; opt-in, also via
 * FIRSTORDER_THREADS=n). Resolves to the thread count in use: 1 where workers or shared memory are
 * unavailable. Results are bitwise identical for any thread count.
 */
export { setThreads };

/** Threads the next large level-3 product will use. */
export function getThreads(): number {
  return gemmBackend() === 'wasm' ? poolThreads() : 1;
}

// ---------------------------------------------------------------------------------------------
// Level 1
// ---------------------------------------------------------------------------------------------

function sameLength(xName: string, x: Float64Array, yName: string, y: Float64Array): void {
  if (x.length !== y.length) {
    throw dimensionMismatch(yName, `length ${x.length} (the length of ${xName})`, `length ${y.length}`);
  }
}

/** xᵀy. */
export function dot(x: Float64Array, y: Float64Array): number {
  assertVector('x', x);
  assertVector('y', y);
  sameLength('x', x, 'y', y);
  return dotUnchecked(x, y, 0, 0, x.length);
}

/** y ← y + αx. `y` is the output (mutated) and is returned; `x` is not modified. */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): Float64Array {
  const a = scalarArgument('alpha', alpha);
  assertVector('x', x);
  assertVector('y', y);
  sameLength('x', x, 'y', y);
  const n = x.length;
  const r = residentPair(x, y, n);
  if (r !== undefined) kernelHeap()!.inst.axpy(n, a, r[0], r[1]);
  else for (let i = 0; i < n; i++) y[i]! += a * x[i]!;
  return y;
}

/** x ← αx in place (the BLAS contract: `x` is the output) and returns it. */
export function scal(alpha: number, x: Float64Array): Float64Array {
  const a = scalarArgument('alpha', alpha);
  assertVector('x', x);
  for (let i = 0; i < x.length; i++) x[i]! *= a;
  return x;
}

/** y ← x (lengths must match); returns y. */
export function copy(x: Float64Array, y: Float64Array): Float64Array {
  assertVector('x', x);
  assertVector('y', y);
  sameLength('x', x, 'y', y);
  y.set(x);
  return y;
}

/**
 * Euclidean norm without overflow or harmful underflow. The plain sum of squares is used when it is
 * finite and not tiny (the common case, one pass); otherwise a scaled pass (LAPACK dnrm2-style).
 */
export function nrm2(x: Float64Array): number {
  assertVector('x', x);
  return nrm2Unchecked(x, 0, x.length);
}

/** Σ|x_i|. */
export function asum(x: Float64Array): number {
  assertVector('x', x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s;
}

/** Index of the first entry of largest absolute value; −1 for an empty vector; a NaN entry wins (reported first). */
export function iamax(x: Float64Array): number {
  assertVector('x', x);
  if (x.length === 0) return -1;
  let best = 0;
  let bestAbs = -1;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (Number.isNaN(a)) return i;
    if (a > bestAbs) {
      bestAbs = a;
      best = i;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Level 2
// ---------------------------------------------------------------------------------------------

export interface GemvOptions {
  /** Multiply by Aᵀ instead of A. Default false. */
  readonly transpose?: boolean;
  /** Scale of the product. Default 1. */
  readonly alpha?: number;
}

export interface GemvIntoOptions extends GemvOptions {
  /** Scale of the existing `out` (0 ignores its contents, NaN included). Default 0. */
  readonly beta?: number;
}

function overlaps(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  const a0 = a.byteOffset;
  const b0 = b.byteOffset;
  return a0 < b0 + b.byteLength && b0 < a0 + a.byteLength;
}

function checkNoAlias(outName: string, out: Float64Array, inName: string, input: Float64Array): void {
  if (overlaps(out, input)) {
    throw invalidArgument(outName, `storage that does not overlap ${inName}`, `an array sharing memory with ${inName}`);
  }
}

/**
 * α·op(A)·x as a new vector (op(A) = A, or Aᵀ with `transpose`). Rejects non-finite A or x
 * (NON_FINITE_INPUT naming the entry); an overflow of finite inputs is returned as ±Infinity.
 */
export function gemv(A: Matrix, x: Float64Array, options?: GemvOptions): Float64Array {
  assertMatrix('A', A);
  const o = optionsObject(options);
  const transpose = booleanOption('transpose', o.transpose, false);
  const out = new Float64Array(transpose ? A.cols : A.rows);
  const alpha = scalarOption('alpha', o.alpha, 1);
  gemvChecked(out, A, x, transpose, false);
  gemvKernel(out, A, x, transpose, alpha, 0);
  // A NaN or ±Infinity anywhere in A or x reaches at least one output (NaN·0 and ∞·0 are NaN), so the
  // inputs are scanned only when the output is non-finite: validation without a second pass over A.
  // (With no outputs there is nothing to check A against, so x is scanned directly.)
  let finite = out.length > 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (v - v !== 0) finite = false;
  }
  if (!finite) {
    assertFiniteMatrix('A', A);
    assertFiniteVector('x', x);
  }
  return out;
}

/**
 * out ← α·op(A)·x + β·out; returns `out`. Validates shapes and aliasing but does not scan A and x for
 * NaN (hot-loop form). `out` must not share memory with `x` or `A`.
 */
export function gemvInto(out: Float64Array, A: Matrix, x: Float64Array, options?: GemvIntoOptions): Float64Array {
  assertMatrix('A', A);
  const o = optionsObject(options);
  const transpose = booleanOption('transpose', o.transpose, false);
  const alpha = scalarOption('alpha', o.alpha, 1);
  const beta = scalarOption('beta', o.beta, 0);
  gemvChecked(out, A, x, transpose, true);
  gemvKernel(out, A, x, transpose, alpha, beta);
  return out;
}

function gemvChecked(
  out: Float64Array,
  A: Matrix,
  x: Float64Array,
  transpose: boolean,
  checkOut: boolean,
): void {
  assertVector('x', x);
  const xLen = transpose ? A.rows : A.cols;
  const outLen = transpose ? A.cols : A.rows;
  if (x.length !== xLen) {
    throw dimensionMismatch('x', `length ${xLen} (${transpose ? 'rows' : 'columns'} of A, ${shape(A)})`, `length ${x.length}`);
  }
  if (checkOut) {
    assertVector('out', out);
    if (out.length !== outLen) {
      throw dimensionMismatch('out', `length ${outLen} (${transpose ? 'columns' : 'rows'} of A, ${shape(A)})`, `length ${out.length}`);
    }
    checkNoAlias('out', out, 'x', x);
    checkNoAlias('out', out, 'A', A.data);
  }
}

// ---------------------------------------------------------------------------------------------
// Level 3
// ---------------------------------------------------------------------------------------------

export interface GemmOptions {
  /** Use Aᵀ. Default false. */
  readonly transA?: boolean;
  /** Use Bᵀ. Default false. */
  readonly transB?: boolean;
  /** Scale of the product. Default 1. */
  readonly alpha?: number;
}

export interface GemmIntoOptions extends GemmOptions {
  /** Scale of the existing C (0 ignores its contents, NaN included). Default 0. */
  readonly beta?: number;
}

function gemmShapes(A: Matrix, B: Matrix, transA: boolean, transB: boolean): { m: number; n: number; k: number } {
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kB = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kB) {
    throw dimensionMismatch(
      'B',
      `${transB ? 'columns' : 'rows'} = ${k} to match op(A) (${transA ? 'Aᵀ' : 'A'} is ${m}×${k})`,
      `B of size ${shape(B)}${transB ? ' with transB' : ''}`,
    );
  }
  return { m, n, k };
}

/** α·op(A)·op(B) as a new matrix. */
export function gemm(A: Matrix, B: Matrix, options?: GemmOptions): Matrix {
  assertMatrix('A', A);
  assertMatrix('B', B);
  const o = optionsObject(options);
  const transA = booleanOption('transA', o.transA, false);
  const transB = booleanOption('transB', o.transB, false);
  const alpha = scalarOption('alpha', o.alpha, 1);
  const { m, n, k } = gemmShapes(A, B, transA, transB);
  assertFiniteMatrix('A', A);
  assertFiniteMatrix('B', B);
  const C = new Matrix(m, n);
  gemmAccumulate(m, n, k, alpha, { data: A.data, ld: A.cols, trans: transA }, { data: B.data, ld: B.cols, trans: transB }, C.data, n);
  return C;
}

/** C ← α·op(A)·op(B) + β·C; returns C. C must not share memory with A or B. */
export function gemmInto(C: Matrix, A: Matrix, B: Matrix, options?: GemmIntoOptions): Matrix {
  assertMatrix('C', C);
  assertMatrix('A', A);
  assertMatrix('B', B);
  const o = optionsObject(options);
  const transA = booleanOption('transA', o.transA, false);
  const transB = booleanOption('transB', o.transB, false);
  const alpha = scalarOption('alpha', o.alpha, 1);
  const beta = scalarOption('beta', o.beta, 0);
  const { m, n, k } = gemmShapes(A, B, transA, transB);
  if (C.rows !== m || C.cols !== n) throw dimensionMismatch('C', `size ${m}×${n}`, `size ${shape(C)}`);
  checkNoAlias('C', C.data, 'A', A.data);
  checkNoAlias('C', C.data, 'B', B.data);
  assertFiniteMatrix('A', A);
  assertFiniteMatrix('B', B);
  if (beta !== 0) assertFiniteMatrix('C', C);
  scaleInPlace(C.data, beta);
  gemmAccumulate(m, n, k, alpha, { data: A.data, ld: A.cols, trans: transA }, { data: B.data, ld: B.cols, trans: transB }, C.data, n);
  return C;
}

function scaleInPlace(c: Float64Array, beta: number): void {
  if (beta === 0) c.fill(0);
  else if (beta !== 1) for (let i = 0; i < c.length; i++) c[i]! *= beta;
}

export interface SyrkOptions {
  /** false: A·Aᵀ (rows×rows); true: Aᵀ·A (cols×cols). Default false. */
  readonly transpose?: boolean;
  /** Scale. Default 1. */
  readonly alpha?: number;
}

/**
 * α·A·Aᵀ (or α·Aᵀ·A with `transpose`) as a new, exactly symmetric matrix. Only the upper triangle is
 * computed (about half the work of gemm); each entry is mirrored into the lower triangle.
 */
export function syrk(A: Matrix, options?: SyrkOptions): Matrix {
  assertMatrix('A', A);
  const o = optionsObject(options);
  const transpose = booleanOption('transpose', o.transpose, false);
  const alpha = scalarOption('alpha', o.alpha, 1);
  assertFiniteMatrix('A', A);
  const n = transpose ? A.cols : A.rows;
  const k = transpose ? A.rows : A.cols;
  const C = new Matrix(n, n);
  gemmAccumulate(n, n, k, alpha, { data: A.data, ld: A.cols, trans: transpose }, { data: A.data, ld: A.cols, trans: !transpose }, C.data, n, 'upper');
  mirrorUpperToLower(C.data, n, n);
  return C;
}

/** A dense row-major matrix of Float32 values (e.g. activations); read as float64. */
export interface Float32MatrixLike {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export interface AccumulateGramOptions {
  /**
   * false: H += α·X·Xᵀ (X is features×samples); true: H += α·Xᵀ·X (X is samples×features, one
   * sample per row, the usual activation layout). Default false.
   */
  readonly transpose?: boolean;
  /** Scale, e.g. 2/N for GPTQ's running Hessian. Default 1. */
  readonly alpha?: number;
  /**
   * Samples folded in per pass. Every pass adds its exact f64 contribution, so this only changes the
   * summation order; it bounds the span of X touched at once. Default: all samples in one pass.
   */
  readonly chunkRows?: number;
}

/**
 * H ← H + α·X·Xᵀ (or α·Xᵀ·X with `transpose`) accumulated in float64, only the upper triangle computed and
 * each contribution added to both (i, j) and (j, i) so H stays exactly symmetric. X may be a Matrix or a
 * Float32 matrix-like (values widened to f64 while packing). Returns H.
 */
export function accumulateGram(H: Matrix, X: Matrix | Float32MatrixLike, options?: AccumulateGramOptions): Matrix {
  assertMatrix('H', H);
  const isF32 = !(X instanceof Matrix) && isFloat32MatrixLike(X);
  if (!(X instanceof Matrix) && !isF32) {
    throw invalidArgument('X', 'a Matrix or { rows, cols, data: Float32Array }', X);
  }
  const o = optionsObject(options);
  const transpose = booleanOption('transpose', o.transpose, false);
  const alpha = scalarOption('alpha', o.alpha, 1);
  const n = transpose ? X.cols : X.rows;
  const samples = transpose ? X.rows : X.cols;
  if (H.rows !== n || H.cols !== n) {
    throw dimensionMismatch('H', `size ${n}×${n} (${transpose ? 'columns' : 'rows'} of X, ${shape(X)})`, `size ${shape(H)}`);
  }
  let chunk = samples;
  if (o.chunkRows !== undefined) {
    if (typeof o.chunkRows !== 'number' || !Number.isInteger(o.chunkRows) || o.chunkRows < 1) {
      throw invalidOption('chunkRows', 'a positive integer', o.chunkRows);
    }
    chunk = o.chunkRows;
  }
  checkNoAlias('H', H.data, 'X', X.data as Float64Array);
  assertFiniteMatrix('H', H);
  const xd = X.data;
  for (let idx = 0; idx < xd.length; idx++) {
    const v = xd[idx]!;
    if (v - v !== 0) {
      const i = Math.floor(idx / X.cols);
      throw new FirstOrderError('NON_FINITE_INPUT', `X: expected finite entries, received ${v} at (${i}, ${idx - i * X.cols})`, 'X');
    }
  }
  const ld = X.cols;
  // A symmetric H (the usual case) gets the upper triangle accumulated and mirrored once at the end;
  // otherwise every contribution is added to both triangles so H's own asymmetry is preserved.
  const symmetric = isExactlySymmetric(H);
  const mode = symmetric ? 'upper' : 'mirror';
  for (let s0 = 0; s0 < samples; s0 += chunk) {
    const len = Math.min(chunk, samples - s0);
    // Samples are rows of X (transpose) or columns of X: a subarray starting at the chunk keeps ld.
    const start = transpose ? s0 * ld : s0;
    const end = transpose ? (s0 + len) * ld : xd.length;
    const part = xd.subarray(start, end);
    gemmAccumulate(n, n, len, alpha, { data: part, ld, trans: transpose }, { data: part, ld, trans: !transpose }, H.data, n, mode);
  }
  if (symmetric) mirrorUpperToLower(H.data, n, n);
  return H;
}

function isExactlySymmetric(H: Matrix): boolean {
  const n = H.rows;
  const h = H.data;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (h[i * n + j] !== h[j * n + i]) return false;
  return true;
}

function isFloat32MatrixLike(X: unknown): X is Float32MatrixLike {
  if (X === null || typeof X !== 'object') return false;
  const x = X as { rows?: unknown; cols?: unknown; data?: unknown };
  return (
    x.data instanceof Float32Array &&
    typeof x.rows === 'number' &&
    typeof x.cols === 'number' &&
    Number.isInteger(x.rows) &&
    Number.isInteger(x.cols) &&
    x.rows >= 0 &&
    x.cols >= 0 &&
    x.data.length === x.rows * x.cols
  );
}
