import { FirstOrderError, assertFinite, checkNumberOption, dimensionMismatch, emptyInput, invalidArgument } from '@firstorder/core';
import { Matrix, assertMatrix, cholesky, gemmInto } from '@firstorder/linalg';
import { deadInputsKernel, quadraticTraceKernel } from './kernels.js';

/**
 * Shared pieces of every layer-wise compression method: the layer objective
 * tr(ΔW H ΔWᵀ) with H = X Xᵀ the Gram matrix of the layer's calibration inputs, input validation,
 * and the GPTQ-style treatment of H (dead inputs, damping, Cholesky with escalating damping).
 */

/** Validates a weight matrix W (m × n, out × in): a non-empty Matrix with finite entries. */
export function checkWeights(W: unknown, argument = 'W'): asserts W is Matrix {
  assertMatrix(argument, W);
  if (W.rows === 0 || W.cols === 0) throw emptyInput(argument, `a ${W.rows}×${W.cols} matrix`);
  assertFinite(argument, W.data);
}

/** Validates a Gram matrix H (n × n, symmetric, finite, non-negative diagonal) for an m × n layer. */
export function checkGram(H: unknown, n: number, argument = 'H'): asserts H is Matrix {
  assertMatrix(argument, H);
  if (H.rows !== n || H.cols !== n) {
    throw dimensionMismatch(argument, `an n × n Gram matrix with n = ${n} (the columns of W)`, `${H.rows}×${H.cols}`);
  }
  assertFinite(argument, H.data);
  const h = H.data;
  for (let i = 0; i < n; i++) {
    const d = h[i * n + i]!;
    if (d < 0) throw invalidArgument(argument, 'a positive semidefinite Gram matrix (diagonal ≥ 0)', `H[${i}][${i}] = ${d}`);
    for (let j = 0; j < i; j++) {
      const a = h[i * n + j]!;
      const b = h[j * n + i]!;
      if (Math.abs(a - b) > 1e-10 * Math.max(Math.abs(a), Math.abs(b), 1e-300)) {
        throw invalidArgument(argument, 'a symmetric matrix', `H[${i}][${j}] = ${a} but H[${j}][${i}] = ${b}`);
      }
    }
  }
}

/** Validates the bit width: an integer in `allowed`. */
export function checkBits(bits: unknown, allowed: readonly number[]): number {
  const b = checkNumberOption('bits', bits, { integer: true, min: Math.min(...allowed), max: Math.max(...allowed) });
  if (!allowed.includes(b)) {
    throw new FirstOrderError('INVALID_OPTION', `bits: expected one of ${allowed.join(', ')}, received ${b}`, 'bits');
  }
  return b;
}

/** tr(ΔW H ΔWᵀ) with ΔW = W − Ŵ, the layer's output error ‖(W − Ŵ) X‖²_F when H = X Xᵀ. */
export function layerObjective(W: Matrix, What: Matrix, H: Matrix): number {
  checkWeights(W, 'W');
  checkWeights(What, 'What');
  if (What.rows !== W.rows || What.cols !== W.cols) throw dimensionMismatch('What', `${W.rows}×${W.cols} like W`, `${What.rows}×${What.cols}`);
  checkGram(H, W.cols);
  const D = new Matrix(W.rows, W.cols);
  for (let i = 0; i < D.data.length; i++) D.data[i] = W.data[i]! - What.data[i]!;
  return quadraticTrace(D, H, new Matrix(W.rows, W.cols));
}

/** tr(D H Dᵀ) using `E` (same shape as D) as scratch for D·H. */
export function quadraticTrace(D: Matrix, H: Matrix, E: Matrix): number {
  gemmInto(E, D, H);
  return quadraticTraceKernel(D.data, E.data);
}

/** tr(ΔW H ΔWᵀ) / tr(W H Wᵀ): the relative layer error reported by every method (0 when tr(W H Wᵀ) = 0 and Ŵ = W). */
export function relativeLayerError(W: Matrix, What: Matrix, H: Matrix): number {
  const num = layerObjective(W, What, H);
  const den = quadraticTrace(W, H, new Matrix(W.rows, W.cols));
  if (den === 0) return num === 0 ? 0 : Infinity;
  return num / den;
}

export interface PreparedGram {
  /** W with the columns of dead inputs set to zero (a copy; the caller's W is untouched). */
  readonly W: Matrix;
  /** H with dead diagonals set to 1 and λ·I added (a copy). */
  readonly H: Matrix;
  /** Lower Cholesky factor of `H` (null when not requested). */
  readonly L: Matrix | null;
  /** Indices i with H_ii = 0 in the input (inputs that were never active during calibration). */
  readonly deadInputs: Int32Array;
  /** Total λ added to the diagonal: the requested `damp`·mean(diag H) plus any escalation Cholesky needed. */
  readonly damping: number;
  /** `damping` relative to mean(diag H) (after the dead-input fix). */
  readonly relativeDamping: number;
  /** Escalation steps beyond the requested damping (0 when the first factorization succeeded). */
  readonly dampingEscalations: number;
}

/**
 * GPTQ's treatment of H (IST-DASLab/gptq `fasterquant`): H_ii = 0 → H_ii = 1 and W[:, i] = 0, then
 * H += damp·mean(diag H)·I. With `factor`, the Cholesky factor of the damped H is computed; when it
 * fails, the damping is escalated (×10 from 1% of mean diag, linalg's `damping: 'retry'`) and the
 * total is reported, as users of GPTQ tools ask (AutoGPTQ#196, #572).
 */
export function prepareGram(W: Matrix, H: Matrix, damp: number, factor: boolean): PreparedGram {
  const n = W.cols;
  const Wc = new Matrix(W.rows, n, W.data.slice());
  const Hc = new Matrix(n, n, H.data.slice());
  const dead = deadInputsKernel(Wc.data, W.rows, Hc.data, n);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += Hc.data[i * n + i]!;
  meanDiag /= n;
  const lambda = damp * meanDiag;
  for (let i = 0; i < n; i++) Hc.data[i * n + i]! += lambda;
  if (!factor) {
    return { W: Wc, H: Hc, L: null, deadInputs: dead, damping: lambda, relativeDamping: damp, dampingEscalations: 0 };
  }
  const chol = cholesky(Hc, { damping: 'retry', maxDampingAttempts: 8 });
  if (chol.damping > 0) for (let i = 0; i < n; i++) Hc.data[i * n + i]! += chol.damping;
  const total = lambda + chol.damping;
  return {
    W: Wc,
    H: Hc,
    L: chol.L,
    deadInputs: dead,
    damping: total,
    relativeDamping: meanDiag > 0 ? total / meanDiag : total,
    dampingEscalations: chol.dampingAttempts,
  };
}

export interface BoostedGram extends PreparedGram {
  /** H with dead diagonals set to 1 and nothing added: what the reference code measures its iterates with. */
  readonly Hobjective: Matrix;
  /** The vector added to the diagonal, offset_i = max(Σ_j |H_ij| − 2 H_ii, 1e−8) (after the dead fix). */
  readonly boost: Float64Array;
}

/**
 * The H treatment of GANQ's reference code on OPT models (`lut_quant.py`, applied there always; see
 * ../shared/reference/compression.md §1.4): dead inputs get H_ii = 1, then offset_i = max(Σ_j |H_ij| − 2 H_ii, 1e−8)
 * is added to the diagonal, which makes H weakly diagonally dominant (hence PSD by Gershgorin) instead of adding λI.
 * `W` is copied unchanged: the reference fills dead columns with the row mean of the live entries, which GANQ does
 * after its outlier split (`fillDeadColumns`). With `factor`, Cholesky of the boosted H (escalating only if it still
 * fails, reported). `damping` reports the mean boost; `relativeDamping` that mean ÷ mean diag H (after the dead fix).
 */
export function prepareGramDiagonalBoost(W: Matrix, H: Matrix, factor: boolean): BoostedGram {
  const n = W.cols;
  const Wc = new Matrix(W.rows, n, W.data.slice());
  const Hobj = new Matrix(n, n, H.data.slice());
  const h = Hobj.data;
  const deadList: number[] = [];
  for (let i = 0; i < n; i++) {
    if (h[i * n + i] === 0) {
      deadList.push(i);
      h[i * n + i] = 1;
    }
  }
  const boost = new Float64Array(n);
  const Hb = new Matrix(n, n, h.slice());
  let meanBoost = 0;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(h[i * n + j]!);
    const d = h[i * n + i]!;
    const o = Math.max(s - 2 * d, 1e-8);
    boost[i] = o;
    Hb.data[i * n + i] = d + o;
    meanBoost += o;
    meanDiag += d;
  }
  meanBoost /= n;
  meanDiag /= n;
  const deadInputs = Int32Array.from(deadList);
  if (!factor) {
    return { W: Wc, H: Hb, L: null, deadInputs, damping: meanBoost, relativeDamping: meanBoost / meanDiag, dampingEscalations: 0, Hobjective: Hobj, boost };
  }
  const chol = cholesky(Hb, { damping: 'retry', maxDampingAttempts: 8 });
  if (chol.damping > 0) for (let i = 0; i < n; i++) Hb.data[i * n + i]! += chol.damping;
  const total = meanBoost + chol.damping;
  return { W: Wc, H: Hb, L: chol.L, deadInputs, damping: total, relativeDamping: total / meanDiag, dampingEscalations: chol.dampingAttempts, Hobjective: Hobj, boost };
}

/**
 * The reference code's dead-column fill: W[i, dead] = mean of row i over the live columns (entries at `mask`
 * positions count with the value W holds there, as the reference takes the mean after its outlier split zeroed them);
 * masked dead positions are left as they are. In place on `W`.
 */
export function fillDeadColumns(W: Matrix, dead: Int32Array, mask: Uint8Array | null): void {
  const { rows: m, cols: n } = W;
  if (dead.length === 0) return;
  const isDead = new Uint8Array(n);
  for (const j of dead) isDead[j] = 1;
  const live = n - dead.length;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (isDead[j] === 0) s += W.data[i * n + j]!;
    const mean = live > 0 ? s / live : 0;
    for (const j of dead) if (mask === null || mask[i * n + j] !== 1) W.data[i * n + j] = mean;
  }
}
