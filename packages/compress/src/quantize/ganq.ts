import { FirstOrderError, checkChoiceOption, checkNumberOption, invalidOption, now } from '@firstorder/core';
import { CsrMatrix, Matrix, gemmInto } from '@firstorder/linalg';
import { checkBits, checkGram, checkWeights, fillDeadColumns, prepareGram, prepareGramDiagonalBoost, quadraticTrace, relativeLayerError } from '../shared/layer.js';
import { LutQuantizedMatrix } from './formats.js';
import {
  GanqIteration,
  accumulateClusterGram,
  denseRowSorted,
  quantileSorted,
  residualKernel,
  segmentGrid,
  symmetricPinvSolve,
} from './ganq-kernels.js';
import { findGridKernel } from './kernels.js';
import { outlierMask } from './outliers.js';
import type { OutlierOptions } from './outliers.js';
import { ganqWithBackend } from './backend.js';
import type { GanqBackendOptions } from './backend.js';

export type GanqInit = 'auto' | 'segment' | 'quantile' | 'rtn';

export interface GanqOptions {
  /** Bits per weight N ∈ {2, 3, 4}; codebooks have 2^N entries per row. Default 4. */
  readonly bits?: number;
  /** Alternating iterations K (S-step then T-step). Default 10. K = 0 returns the first S-step on T⁰. */
  readonly iterations?: number;
  /**
   * Initial codebook T⁰: 'segment' (4 bits: [min, max] cut at quarters with 3, 5, 5, 3 levels), 'quantile'
   * (3 bits: row quantiles at 0, .2, .35, .5, .65, .8, .9, 1; other widths: mid-quantiles (s + ½)/2^N),
   * 'rtn' (the asymmetric min-max uniform grid of RTN), or 'auto' (default: segment at 4 bits, quantile otherwise).
   */
  readonly init?: GanqInit;
  /**
   * λ = damp·mean(diag H) added to H before the Cholesky factorization (with `hessianFix: 'damp'` only).
   * Default 0.01 (GPTQ's percdamp).
   */
  readonly damp?: number;
  /**
   * How H is made positive definite. 'damp' (default): GPTQ's fix, dead inputs W[:, j] = 0 and H_jj = 1, then
   * + λI with λ = damp·mean(diag H). 'reference': what GANQ's reference code (`lut_quant.py`) always does on OPT
   * models: dead inputs H_jj = 1 and W[:, j] = mean of the row's live entries, then the diagonal boost
   * offset_i = max(Σ_j |H_ij| − 2H_ii, 1e−8), which makes H weakly diagonally dominant; `damp` is not used. The
   * S- and T-steps use the boosted H; as in the reference code, the best iterate is chosen under the H with the dead
   * fix only. Either way `relativeError` is measured with the caller's H and W.
   */
  readonly hessianFix?: 'damp' | 'reference';
  /** Dense-and-sparse split; off by default. */
  readonly outliers?: OutlierOptions;
  /** Columns per block of the S-step (the trailing update between blocks is a gemm). Default 128. */
  readonly blockSize?: number;
  /**
   * OURS, not in the GANQ paper or its reference code: run the S-step's back-substitution over the columns
   * sorted by increasing H_jj, so the inputs with the most energy are rounded first (the sweep goes right to
   * left) and their error is fed back into the weaker ones, the analogue of GPTQ's act-order. The problem is
   * invariant under a joint permutation of W's columns and H, so this changes only the greedy S-step's order;
   * codes are returned in the caller's column order. Default false (the paper's natural order).
   */
  readonly actOrder?: boolean;
  /**
   * Inputs never active during calibration (H_jj = 0). 'exclude' (default with hessianFix 'damp'; OURS — the
   * paper's objective ‖(W − Ŵ)X‖² does not depend on them, but neither the paper nor its reference code drops
   * them): GANQ runs on the live columns only, with the same absolute λ, and each dead entry gets the code
   * nearest to its original weight; layers without dead inputs are unaffected. With outliers, the per-row
   * outlier count is then taken over the live entries. 'zero': GPTQ's treatment, W[:, j] = 0 and H_jj = 1 (+ λ),
   * so each row's codebook must also represent those zeros (the default before 2026-11-23); with hessianFix
   * 'reference' (where it is the default) the dead columns are instead handled by that fix (live row mean).
   */
  readonly deadInputs?: 'zero' | 'exclude';
}

/** GANQ defaults: K = 10 (paper §4.4, reference code `--max_epoch`), init per the reference code's utils.py. */
export const GANQ_DEFAULTS = Object.freeze({
  bits: 4,
  iterations: 10,
  init: 'auto' as GanqInit,
  damp: 0.01,
  hessianFix: 'damp' as 'damp' | 'reference',
  blockSize: 128,
  actOrder: false,
  /** With hessianFix 'reference' the default is 'zero' (that fix handles dead inputs itself): see `deadInputsOf`. */
  deadInputs: 'exclude' as 'zero' | 'exclude',
});

/** The dead-input treatment in force: the option, else 'exclude' with 'damp' and 'zero' (the fix's own) with 'reference'. */
function deadInputsOf(options: GanqOptions): 'zero' | 'exclude' {
  const fallback = options.hessianFix === 'reference' ? 'zero' : GANQ_DEFAULTS.deadInputs;
  return checkChoiceOption('deadInputs', options.deadInputs ?? fallback, ['zero', 'exclude'] as const);
}

export interface GanqResult extends LutQuantizedMatrix {
  /**
   * Objective of the returned iterate: tr(ΔW H_λ ΔWᵀ) (damped, dead inputs fixed) with `hessianFix: 'damp'`;
   * with 'reference', tr(ΔW H ΔWᵀ) with dead inputs fixed and no boost, ΔW taken from the mean-filled W.
   */
  readonly objective: number;
  /** The objective after each iteration's T-step (length K). */
  readonly objectiveHistory: Float64Array;
  /** The objective of the first S-step on the initial codebook, (S¹, T⁰). */
  readonly initialObjective: number;
  /** Iteration whose (S, T) is returned: 0 = (S¹, T⁰), k ≥ 1 = after the k-th T-step. */
  readonly bestIteration: number;
  /** tr(ΔW H ΔWᵀ)/tr(W H Wᵀ) of the returned Ŵ under the caller's H. */
  readonly relativeError: number;
  /** Number of entries held in `outliers`. */
  readonly outlierCount: number;
  readonly deadInputs: Int32Array;
  readonly damping: number;
  readonly relativeDamping: number;
  readonly dampingEscalations: number;
  readonly timeMs: number;
}

/**
 * GANQ (Zhao & Yuan, ICML 2025): per-row non-uniform codebooks minimising ‖(W − Ŵ)X‖²_F = tr(ΔW H ΔWᵀ)
 * by alternating the back-substitution S-step (eq. 20, right to left through the Cholesky factor of H)
 * and the closed-form T-step T_i = W_i H S_iᵀ (S_i H S_iᵀ)⁺ (eq. 5), keeping the best iterate.
 * Inputs are not modified.
 */
export function ganq(W: Matrix, H: Matrix, options: GanqOptions & { readonly backend: Exclude<GanqBackendOptions['backend'], 'cpu'> }): Promise<GanqResult>;
export function ganq(W: Matrix, H: Matrix, options?: GanqOptions & { readonly backend?: 'cpu' | undefined }): GanqResult;
/** With a backend only known at run time: a Promise unless it is 'cpu' or absent. */
export function ganq(W: Matrix, H: Matrix, options: GanqOptions & { readonly backend?: GanqBackendOptions['backend'] | undefined }): GanqResult | Promise<GanqResult>;
export function ganq(W: Matrix, H: Matrix, options: GanqOptions & { readonly backend?: GanqBackendOptions['backend'] | undefined } = {}): GanqResult | Promise<GanqResult> {
  // 'cpu' is the synchronous float64 path itself (an explicit CPU_GANQ_BACKEND object still goes through the backend path).
  if (options.backend === 'cpu') options = { ...options, backend: undefined };
  if (options.actOrder !== undefined && typeof options.actOrder !== 'boolean') throw invalidOption('actOrder', 'a boolean', String(options.actOrder));
  const dead = deadInputsOf(options);
  if (dead === 'exclude') return ganqLiveColumns(W, H, options);
  if (options.actOrder === true) return ganqActOrder(W, H, options);
  // An injected backend (CPU_GANQ_BACKEND, @firstorder/gpu's createGpuGanqBackend) may be asynchronous.
  if (options.backend !== undefined) return ganqWithBackend(W, H, options as GanqBackendOptions);
  const setup = setupGanq(W, H, options);
  const { bits, K, blockSize, m, n, k, prep, mask, Wd, Hw, T, G } = setup;
  const L = prep.L!.data;

  const iteration = new GanqIteration(m, n, k, blockSize);
  const { codes, D } = iteration;
  const E = new Matrix(m, n);
  const bestCodes = new Uint8Array(m * n);
  const bestT = new Float64Array(m * k);
  const sStep = (): void => iteration.sStep(Wd.data, L, T.data, mask);
  const tStep = (): void => iteration.tStep(Hw.data, G.data, T.data, mask);
  const objectiveOf = (): number => {
    residualKernel(Wd.data, m, n, T.data, k, codes, mask, D.data);
    return quadraticTrace(D, setup.Hobjective, E);
  };

  sStep();
  const initialObjective = objectiveOf();
  let best = initialObjective;
  let bestIteration = 0;
  bestCodes.set(codes);
  bestT.set(T.data);
  const history = new Float64Array(K);
  for (let it = 1; it <= K; it++) {
    if (it > 1) sStep();
    tStep();
    const f = objectiveOf();
    history[it - 1] = f;
    if (f < best) {
      best = f;
      bestIteration = it;
      bestCodes.set(codes);
      bestT.set(T.data);
    }
  }
  return finishGanq(W, H, setup, { best, history, initialObjective, bestIteration, bestCodes, bestT });
}

type GanqCallOptions = GanqOptions & { readonly backend?: GanqBackendOptions['backend'] | undefined };
/** Runs GANQ on a sub-problem (plain `ganq`, or ganqAsync's threaded runner). */
type GanqRunner = (W: Matrix, H: Matrix, options: GanqCallOptions) => GanqResult | Promise<GanqResult>;

/**
 * The column variants (`deadInputs: 'exclude'`, `actOrder`) with `run` solving the sub-problem; null when neither
 * applies. For ganqAsync.
 */
export function ganqColumnsVariant(W: Matrix, H: Matrix, options: GanqOptions, run: GanqRunner): Promise<GanqResult> | null {
  if (options.actOrder !== undefined && typeof options.actOrder !== 'boolean') throw invalidOption('actOrder', 'a boolean', String(options.actOrder));
  const dead = deadInputsOf(options);
  if (dead === 'exclude') return Promise.resolve(ganqLiveColumns(W, H, options, run));
  if (options.actOrder === true) return Promise.resolve(ganqActOrder(W, H, options, run));
  return null;
}

/**
 * `actOrder: true`: GANQ on the jointly permuted problem (W P, Pᵀ H P) with P sorting diag(H) increasingly,
 * then codes, outlier columns and dead-input indices mapped back to the caller's columns.
 */
function ganqActOrder(W: Matrix, H: Matrix, options: GanqCallOptions, run?: GanqRunner): GanqResult | Promise<GanqResult> {
  const start = now();
  checkWeights(W);
  checkGram(H, W.cols);
  const n = W.cols;
  const perm = Int32Array.from({ length: n }, (_, j) => j);
  Array.prototype.sort.call(perm, (a: number, b: number) => H.data[a * n + a]! - H.data[b * n + b]! || a - b);
  return ganqOnColumns(W, H, { ...options, actOrder: false }, perm, start, run, (r) => ({
    deadInputs: Int32Array.from(r.deadInputs, (d) => perm[d]!).sort(),
    relativeDamping: r.relativeDamping,
  }));
}

/**
 * `deadInputs: 'exclude'`: GANQ on the live columns (H_jj > 0) with λ kept at the value the full problem would
 * get, then the result expanded: dead entries take the code nearest to their original weight.
 */
function ganqLiveColumns(W: Matrix, H: Matrix, options: GanqCallOptions, run?: GanqRunner): GanqResult | Promise<GanqResult> {
  const start = now();
  checkWeights(W);
  checkGram(H, W.cols);
  const n = W.cols;
  const live: number[] = [];
  const dead: number[] = [];
  let liveTrace = 0;
  for (let j = 0; j < n; j++) {
    const d = H.data[j * n + j]!;
    if (d > 0) {
      live.push(j);
      liveTrace += d;
    } else dead.push(j);
  }
  const nl = live.length;
  if (nl === n || nl === 0) return run !== undefined ? run(W, H, { ...options, deadInputs: 'zero' }) : ganq(W, H, { ...options, deadInputs: 'zero' });
  const damp = checkNumberOption('damp', options.damp ?? GANQ_DEFAULTS.damp, { min: 0 });
  // The full problem's λ: damp · mean diag after the dead fix (dead H_jj = 1).
  const meanDiag = (liveTrace + (n - nl)) / n;
  const lambda = damp * meanDiag;
  const inner = { ...options, deadInputs: 'zero' as const, damp: lambda / (liveTrace / nl) };
  const deadInputs = Int32Array.from(dead);
  return ganqOnColumns(W, H, inner, Int32Array.from(live), start, run, (r) => ({ deadInputs, relativeDamping: r.damping / meanDiag }));
}

/**
 * GANQ on the sub-problem (W[:, cols], H[cols, cols]) — the columns permuted or a subset of them — with the result
 * mapped back to the caller's columns; a column outside `cols` takes, per row, the code nearest to its weight.
 * `report` gives the dead inputs and relative damping in the caller's terms.
 */
function ganqOnColumns(
  W: Matrix,
  H: Matrix,
  options: GanqCallOptions,
  cols: Int32Array,
  start: number,
  run: GanqRunner | undefined,
  report: (r: GanqResult) => { deadInputs: Int32Array; relativeDamping: number },
): GanqResult | Promise<GanqResult> {
  const { rows: m, cols: n } = W;
  const ns = cols.length;
  const Ws = new Matrix(m, ns);
  for (let i = 0; i < m; i++) for (let a = 0; a < ns; a++) Ws.data[i * ns + a] = W.data[i * n + cols[a]!]!;
  const Hs = new Matrix(ns, ns);
  for (let a = 0; a < ns; a++) for (let b = 0; b < ns; b++) Hs.data[a * ns + b] = H.data[cols[a]! * n + cols[b]!]!;
  const inSub = new Uint8Array(n);
  for (const c of cols) inSub[c] = 1;
  const mapBack = (r: GanqResult): GanqResult => {
    const k = 1 << r.bits;
    const T = r.codebooks.data;
    const codes = new Uint8Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < ns; a++) codes[i * n + cols[a]!] = r.codes[i * ns + a]!;
      for (let j = 0; j < n; j++) {
        if (inSub[j] === 1) continue;
        const w = W.data[i * n + j]!;
        let best = 0;
        for (let q = 1; q < k; q++) if (Math.abs(T[i * k + q]! - w) < Math.abs(T[i * k + best]! - w)) best = q;
        codes[i * n + j] = best;
      }
    }
    let outliers: CsrMatrix | null = null;
    if (r.outliers !== null) {
      // Column indices in the caller's terms, sorted within each row as CSR requires.
      const o = r.outliers;
      const colIndices = new Int32Array(o.colIndices.length);
      const values = new Float64Array(o.values.length);
      for (let i = 0; i < m; i++) {
        const p0 = o.rowPtr[i]!;
        const order = Array.from({ length: o.rowPtr[i + 1]! - p0 }, (_, t) => p0 + t).sort((x, y) => cols[o.colIndices[x]!]! - cols[o.colIndices[y]!]!);
        order.forEach((p, t) => {
          colIndices[p0 + t] = cols[o.colIndices[p]!]!;
          values[p0 + t] = o.values[p]!;
        });
      }
      outliers = new CsrMatrix(m, n, o.rowPtr.slice(), colIndices, values);
    }
    const q = new LutQuantizedMatrix(m, n, r.bits, codes, r.codebooks, outliers);
    const { deadInputs, relativeDamping } = report(r);
    const result = Object.assign(q, {
      objective: r.objective,
      objectiveHistory: r.objectiveHistory,
      initialObjective: r.initialObjective,
      bestIteration: r.bestIteration,
      relativeError: relativeLayerError(W, q.dequantize(), H),
      outlierCount: r.outlierCount,
      deadInputs,
      damping: r.damping,
      relativeDamping,
      dampingEscalations: r.dampingEscalations,
      timeMs: 0,
    });
    result.timeMs = now() - start;
    return result;
  };
  if (run !== undefined) return Promise.resolve(run(Ws, Hs, options)).then(mapBack);
  // Through `ganq` again, so a variant still pending in `options` (act-order inside dead exclusion) is applied.
  if (options.backend !== undefined) return Promise.resolve(ganq(Ws, Hs, options)).then(mapBack);
  return mapBack(ganq(Ws, Hs, { ...options, backend: undefined }));
}

/** Validated options and prepared data, shared by `ganq` and the backend path (`ganqWithBackend`). */
export interface GanqSetup {
  readonly start: number;
  readonly bits: number;
  readonly K: number;
  readonly blockSize: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly prep: ReturnType<typeof prepareGram>;
  readonly split: ReturnType<typeof outlierMask> | null;
  /** 1 at outlier positions, or null without a dense-and-sparse split. */
  readonly mask: Uint8Array | null;
  /** W with outlier positions zeroed and dead columns zeroed ('damp') or filled with the live row mean ('reference'); a copy. */
  readonly Wd: Matrix;
  /** The H of the S- and T-steps: damped ('damp') or boosted ('reference'), dead inputs fixed. */
  readonly Hw: Matrix;
  /** The H that chooses the best iterate: `Hw` with 'damp'; dead inputs fixed, not boosted, with 'reference'. */
  readonly Hobjective: Matrix;
  /** The initial codebooks T⁰ (m × 2^bits). */
  readonly T: Matrix;
  /** G = Wd·Hw, used by every T-step. */
  readonly G: Matrix;
}

/** Validates W, H and the options, prepares H (damping, dead inputs, Cholesky) and the initial codebooks. */
export function setupGanq(W: Matrix, H: Matrix, options: GanqOptions): GanqSetup {
  const start = now();
  checkWeights(W);
  checkGram(H, W.cols);
  const bits = checkBits(options.bits ?? GANQ_DEFAULTS.bits, [2, 3, 4]);
  const K = checkNumberOption('iterations', options.iterations ?? GANQ_DEFAULTS.iterations, { integer: true, min: 0 });
  let init = checkChoiceOption('init', options.init ?? GANQ_DEFAULTS.init, ['auto', 'segment', 'quantile', 'rtn'] as const);
  if (init === 'auto') init = bits === 4 ? 'segment' : 'quantile';
  if (init === 'segment' && bits !== 4) throw invalidOption('init', "'segment' only at 4 bits (the reference code's grid)", init);
  const damp = checkNumberOption('damp', options.damp ?? GANQ_DEFAULTS.damp, { min: 0 });
  const fix = checkChoiceOption('hessianFix', options.hessianFix ?? GANQ_DEFAULTS.hessianFix, ['damp', 'reference'] as const);
  const blockSize = checkNumberOption('blockSize', options.blockSize ?? GANQ_DEFAULTS.blockSize, { integer: true, min: 1 });
  const { rows: m, cols: n } = W;
  const k = 1 << bits;
  const boosted = fix === 'reference' ? prepareGramDiagonalBoost(W, H, true) : null;
  const prep = boosted ?? prepareGram(W, H, damp, true);
  const split = options.outliers !== undefined ? outlierMask(W, options.outliers) : null;
  const mask = split !== null && split.count > 0 ? split.mask : null;
  const Wd = prep.W; // a copy: dead columns zeroed, and outlier positions zeroed below
  if (mask !== null) for (let p = 0; p < mask.length; p++) if (mask[p] === 1) Wd.data[p] = 0;
  if (fix === 'reference') fillDeadColumns(Wd, prep.deadInputs, mask);
  // Initial codebook T⁰ from each row's dense (non-outlier) entries.
  const T = new Matrix(m, k);
  initialCodebooks(Wd, mask, bits, init, options.outliers !== undefined, T.data);
  const G = new Matrix(m, n);
  gemmInto(G, Wd, prep.H);
  const Hobjective = boosted !== null ? boosted.Hobjective : prep.H;
  return { start, bits, K, blockSize, m, n, k, prep, split, mask, Wd, Hw: prep.H, Hobjective, T, G };
}

/** Assembles the result from the best iterate: the LUT matrix, the sparse outliers and the report fields. */
export function finishGanq(
  W: Matrix,
  H: Matrix,
  setup: GanqSetup,
  run: { best: number; history: Float64Array; initialObjective: number; bestIteration: number; bestCodes: Uint8Array; bestT: Float64Array },
): GanqResult {
  const { m, n, k, bits, mask, split, prep, start } = setup;
  const { best, bestCodes, bestT } = run;
  if (!Number.isFinite(best)) {
    throw new FirstOrderError('NON_FINITE_INPUT', `W, H: the GANQ objective became ${best}; check the scale of W and H`, 'H');
  }
  // Outlier positions: store W_ij − T_i[Q_ij] so that the dense LUT part plus the sparse part equal W there.
  let outliers: CsrMatrix | null = null;
  if (mask !== null) {
    const rowPtr = new Int32Array(m + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const p = i * n + j;
        if (mask[p] !== 1) continue;
        cols.push(j);
        vals.push(W.data[p]! - bestT[i * k + bestCodes[p]!]!);
      }
      rowPtr[i + 1] = cols.length;
    }
    outliers = new CsrMatrix(m, n, rowPtr, Int32Array.from(cols), Float64Array.from(vals));
  }
  const q = new LutQuantizedMatrix(m, n, bits, bestCodes, new Matrix(m, k, bestT), outliers);
  const result = Object.assign(q, {
    objective: best,
    objectiveHistory: run.history,
    initialObjective: run.initialObjective,
    bestIteration: run.bestIteration,
    relativeError: relativeLayerError(W, q.dequantize(), H),
    outlierCount: split?.count ?? 0,
    deadInputs: prep.deadInputs,
    damping: prep.damping,
    relativeDamping: prep.relativeDamping,
    dampingEscalations: prep.dampingEscalations,
    timeMs: 0,
  });
  result.timeMs = now() - start;
  return result;
}

/**
 * The T-step alone (eq. 5): for fixed codes Q (m × n, values < 2^bits), the codebooks minimising
 * tr((W − T[Q]) H (W − T[Q])ᵀ), T_i = W_i H S_iᵀ (S_i H S_iᵀ)⁺ (minimum-norm: empty clusters get 0).
 * H is used as given (no damping). Inputs are not modified.
 */
export function ganqCodebooks(W: Matrix, H: Matrix, codes: Uint8Array, bits: number): Matrix {
  checkWeights(W);
  checkGram(H, W.cols);
  const b = checkBits(bits, [1, 2, 3, 4, 5, 6, 7, 8]);
  const { rows: m, cols: n } = W;
  const k = 1 << b;
  if (!(codes instanceof Uint8Array) || codes.length !== m * n) {
    throw new FirstOrderError('DIMENSION_MISMATCH', `codes: expected a Uint8Array of length ${m * n}, received ${codes?.length}`, 'codes');
  }
  for (let p = 0; p < codes.length; p++) {
    if (codes[p]! >= k) throw invalidOption('codes', `codes < 2^bits = ${k}`, `${codes[p]} at ${p}`);
  }
  const G = new Matrix(m, n);
  gemmInto(G, W, H);
  const T = new Matrix(m, k);
  const k1 = k + 1;
  const A = new Float64Array(k1 * k1);
  const bvec = new Float64Array(k1);
  const ws = [new Float64Array(k * k), new Float64Array(k * k), new Float64Array(k), new Float64Array(k)] as const;
  for (let i = 0; i < m; i++) {
    accumulateClusterGram(H.data, n, G.data, i, codes.subarray(i * n, (i + 1) * n), k1, A, bvec);
    symmetricPinvSolve(A, k1, k, bvec, T.data, i * k, ws[0], ws[1], ws[2], ws[3]);
  }
  return T;
}

export function initialCodebooks(Wd: Matrix, mask: Uint8Array | null, bits: number, init: GanqInit, withOutliers: boolean, T: Float64Array): void {
  const { rows: m, cols: n } = Wd;
  const k = 1 << bits;
  const sorted = new Float64Array(n);
  if (init === 'rtn') {
    // The RTN min-max grid over each row's dense entries (outlier positions are zero in Wd, inside the range anyway).
    const cols = Int32Array.from({ length: n }, (_, j) => j);
    const scale = new Float64Array(m);
    const zero = new Float64Array(m);
    findGridKernel(Wd.data, m, n, cols, 0, n, k - 1, false, scale, zero, 1, 0);
    for (let i = 0; i < m; i++) for (let q = 0; q < k; q++) T[i * k + q] = scale[i]! * (q - zero[i]!);
    return;
  }
  for (let i = 0; i < m; i++) {
    const count = denseRowSorted(Wd.data, n, i, mask, sorted);
    if (init === 'segment') {
      segmentGrid(sorted, count, withOutliers ? [2, 6, 6, 2] : [3, 5, 5, 3], [0, 0.25, 0.5, 0.75, 1], T, i * k);
    } else if (bits === 3) {
      const fractions = [0, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1];
      for (let q = 0; q < k; q++) T[i * k + q] = quantileSorted(sorted, count, fractions[q]!);
    } else {
      for (let q = 0; q < k; q++) T[i * k + q] = quantileSorted(sorted, count, (q + 0.5) / k);
    }
  }
}
