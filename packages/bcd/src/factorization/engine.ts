import {
  IterationDriver,
  assertFinite,
  checkChoiceOption,
  checkNumberOption,
  dimensionMismatch,
  invalidArgument,
  invalidOption,
  toRng,
  withinTolerance,
  type IterationInfo,
  type Rng,
  type SolveResult,
  type SolverOptions,
} from '@firstorder/core';
import { Matrix, cholesky } from '@firstorder/linalg';
import {
  blockGradientResidual,
  clipNegative,
  frobenius,
  gramInto,
  nonnegativeBlockSolve,
  projectedGradientStep,
  squaredDistance,
} from './kernels.js';

/**
 * - 'bcd-pr': exact block minimization with the proximal term (λ/2)‖F − F_prev‖² (Kwon & Lyu, ICML 2023);
 * - 'als': exact block minimization without it (alternating least squares; with `nonnegative` the
 *   unconstrained solution is clipped at 0, the classic projected ALS, which is not a descent method);
 * - 'bcd': plain linearized BCD, one projected-gradient step of length 1/L_b per block
 *   (L_b = ‖Gram_b‖_F ≥ λ_max, as in PALM, Bolte, Sabach & Teboulle 2014).
 */
export type FactorizationMethod = 'bcd-pr' | 'als' | 'bcd';

/** λ per block update: a constant, or a schedule of (iteration n ≥ 1, block b). */
export type ProximalWeight = number | ((iteration: number, block: number) => number);

export interface FactorizationIterationInfo extends IterationInfo {
  /** residuals: `stationarity` (projected-gradient norm at the new iterate), `step` (‖Θ_n − Θ_{n−1}‖). */
  readonly relativeError: number;
  /** Inner HALS sweeps in this iteration (nonnegative BCD-PR / ALS-free solves), 0 otherwise. */
  readonly innerSweeps: number;
}

/** Seeded random initial factors (used when there is no warm start). */
export interface FactorSeedOptions {
  readonly seed?: number | bigint;
  readonly rng?: Rng;
}

export interface FactorizationOptions extends SolverOptions<FactorizationIterationInfo, readonly Matrix[]>, FactorSeedOptions {
  readonly method?: FactorizationMethod;
  readonly nonnegative?: boolean;
  /** BCD-PR proximal weight (or schedule); ignored by 'als' and 'bcd'. See `proximalScale`. */
  readonly proximalWeight?: ProximalWeight;
  /**
   * 'gram' (default): the block's λ is proximalWeight × tr(Gram_b)/R, which makes the weight invariant to the
   * scale of the data; 'absolute': λ = proximalWeight.
   */
  readonly proximalScale?: 'gram' | 'absolute';
  /** Most HALS sweeps per nonnegative block solve. */
  readonly innerIterations?: number;
  /** A nonnegative block solve stops when a sweep moves the block by ≤ innerTolerance·‖block‖. */
  readonly innerTolerance?: number;
}

/**
 * Defaults. Stopping: stationarity ≤ absolute + relative·‖data‖_F, the stationarity being the unit-step
 * projected-gradient residual ‖Θ − Π_Θ(Θ − ∇f(Θ))‖ of f = ½‖data − model‖² (zero exactly at first-order
 * stationary points; Kwon & Lyu bound an equivalent first-order gap). proximalWeight 0.01 relative to the mean
 * Gram diagonal is our choice (the paper's theory only needs a constant λ > 0); 100 HALS sweeps with
 * tolerance 1e-8 make the nonnegative block solves accurate enough for the inexact-BCD-PR summability condition
 * in practice (Kwon & Lyu §3 allow inexact block solves with summable errors).
 */
export const FACTORIZATION_DEFAULTS = Object.freeze({
  maxIterations: 500,
  tolerance: Object.freeze({ absolute: 0, relative: 1e-8 }),
  method: 'bcd-pr' as FactorizationMethod,
  nonnegative: false,
  proximalWeight: 0.01,
  proximalScale: 'gram' as 'gram' | 'absolute',
  innerIterations: 100,
  innerTolerance: 1e-8,
});

export type FactorizationResult = SolveResult<Matrix[], FactorizationIterationInfo> & {
  /** ‖data − model‖_F / ‖data‖_F. */
  readonly relativeError: number;
  readonly method: FactorizationMethod;
};

/** What a factorization model supplies to the shared block engine. */
export interface FactorModel {
  /** Rows of each factor block (each block is rows × rank, row-major). */
  readonly sizes: readonly number[];
  readonly rank: number;
  /** ‖data‖_F. */
  readonly dataNorm: number;
  /** For block b at the current factors: M (rows_b × R, the data-times-others term) and Gram (R×R). */
  prepare(factors: readonly Float64Array[], b: number, M: Float64Array, gram: Float64Array): void;
  /** ‖data − model(factors)‖²_F. */
  residualSquared(factors: readonly Float64Array[]): number;
}

export interface FactorizationState {
  readonly iteration: number;
  readonly factors: readonly Float64Array[];
  readonly objective: number;
  readonly stationarity: number;
  readonly step: number;
}

const METHODS: readonly FactorizationMethod[] = ['bcd-pr', 'als', 'bcd'];

/** Validated, resolved method options shared by cp and nmf. */
function resolveMethodOptions(options: FactorizationOptions) {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an options object', options);
  const method = checkChoiceOption('method', options.method ?? FACTORIZATION_DEFAULTS.method, METHODS);
  const nonnegative = options.nonnegative ?? FACTORIZATION_DEFAULTS.nonnegative;
  if (typeof nonnegative !== 'boolean') throw invalidOption('nonnegative', 'a boolean', nonnegative);
  const weight = options.proximalWeight ?? FACTORIZATION_DEFAULTS.proximalWeight;
  if (typeof weight === 'number') checkNumberOption('proximalWeight', weight, { min: 0 });
  else if (typeof weight !== 'function') throw invalidOption('proximalWeight', 'a number ≥ 0 or a function (iteration, block) → number', weight);
  const scale = checkChoiceOption('proximalScale', options.proximalScale ?? FACTORIZATION_DEFAULTS.proximalScale, ['gram', 'absolute'] as const);
  const innerIterations = checkNumberOption('innerIterations', options.innerIterations ?? FACTORIZATION_DEFAULTS.innerIterations, {
    min: 1,
    integer: true,
  });
  const innerTolerance = checkNumberOption('innerTolerance', options.innerTolerance ?? FACTORIZATION_DEFAULTS.innerTolerance, { min: 0 });
  return { method, nonnegative, weight, scale, innerIterations, innerTolerance };
}

/** A copy of warm-start factor b after checking it is a finite rows × R Matrix (shared with Wasserstein CP). */
export function warmFactor(F: unknown, b: number, rows: number, R: number): Float64Array {
  if (!(F instanceof Matrix)) throw invalidArgument(`warmStart[${b}]`, 'a Matrix', F);
  if (F.rows !== rows || F.cols !== R) throw dimensionMismatch(`warmStart[${b}]`, `${rows}×${R}`, `${F.rows}×${F.cols}`);
  assertFinite(`warmStart[${b}]`, F.data);
  return F.data.slice();
}

/** Initial factors: the copied warm start, or seeded uniform [0, 1) entries scaled so that ‖model‖ = ‖data‖. */
function initialFactors(model: FactorModel, options: FactorizationOptions, nonnegative: boolean): Float64Array[] {
  const R = model.rank;
  const warm = options.warmStart;
  if (warm !== undefined) {
    if (!Array.isArray(warm) || warm.length !== model.sizes.length) {
      throw invalidArgument('warmStart', `an array of ${model.sizes.length} factor matrices`, warm);
    }
    return model.sizes.map((rows, b) => {
      const F = warmFactor(warm[b], b, rows, R);
      const negative = nonnegative ? F.findIndex((v) => v < 0) : -1;
      if (negative >= 0) throw invalidArgument(`warmStart[${b}]`, 'nonnegative entries (nonnegative: true)', `entry ${negative} = ${F[negative]}`);
      return F;
    });
  }
  const rng = options.rng ?? toRng(options.seed, 0);
  const factors = model.sizes.map((rows) => rng.fillUniform(new Float64Array(rows * R)));
  const gram = new Float64Array(R * R);
  factors.forEach((F, b) => gramInto(F, model.sizes[b]!, R, gram, b > 0));
  let normSq = 0;
  for (let t = 0; t < gram.length; t++) normSq += gram[t]!;
  if (normSq > 0 && model.dataNorm > 0) {
    const s = (model.dataNorm / Math.sqrt(normSq)) ** (1 / factors.length);
    for (const F of factors) for (let t = 0; t < F.length; t++) F[t] = F[t]! * s;
  }
  return factors;
}

/**
 * The shared Gauss–Seidel engine: each iteration updates every block once in order (cyclic), then records
 * f = ½‖data − model‖², the projected-gradient stationarity and the step ‖Θ_n − Θ_{n−1}‖.
 */
export function* iterateFactorization(model: FactorModel, options: FactorizationOptions): Generator<FactorizationState, FactorizationResult, void> {
  const { method, nonnegative, weight, scale, innerIterations, innerTolerance } = resolveMethodOptions(options);
  const driver = new IterationDriver<FactorizationIterationInfo>(options, FACTORIZATION_DEFAULTS);
  const R = model.rank;
  const nb = model.sizes.length;
  const factors = initialFactors(model, options, nonnegative);
  const maxRows = Math.max(...model.sizes);
  // Workspaces.
  const M = new Float64Array(maxRows * R);
  const G = new Float64Array(maxRows * R);
  const gram = new Float64Array(R * R);
  const previous = model.sizes.map((rows) => new Float64Array(rows * R));
  const Q = new Matrix(R, R);
  const Pt = model.sizes.map((rows) => new Matrix(R, rows));

  const lambdaFor = (iteration: number, b: number): number => {
    if (method !== 'bcd-pr') return 0;
    const w = typeof weight === 'number' ? weight : weight(iteration, b);
    if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw invalidOption('proximalWeight', 'a schedule returning numbers ≥ 0', w);
    if (scale === 'absolute') return w;
    let trace = 0;
    for (let r = 0; r < R; r++) trace += gram[r * R + r]!;
    return (w * trace) / R;
  };

  /** Exact solve F = (M + λF_prev)(Gram + λI)⁻¹ by Cholesky of the R×R system. */
  const exactSolve = (b: number, F: Float64Array, lambda: number): void => {
    const rows = model.sizes[b]!;
    for (let p = 0; p < R; p++) for (let q = 0; q < R; q++) Q.data[p * R + q] = gram[p * R + q]! + (p === q ? lambda : 0);
    const P = Pt[b]!;
    for (let i = 0; i < rows; i++) for (let r = 0; r < R; r++) P.data[r * rows + i] = M[i * R + r]! + lambda * F[i * R + r]!;
    // λ = 0 (ALS) meets singular Grams on degenerate problems: damp just enough to factor.
    const X = cholesky(Q, lambda > 0 ? { symmetryTolerance: 1e-8 } : { damping: 'retry', symmetryTolerance: 1e-8 }).solveMatrix(P);
    for (let i = 0; i < rows; i++) for (let r = 0; r < R; r++) F[i * R + r] = X.data[r * rows + i]!;
  };

  const stationarity = (): number => {
    let s = 0;
    for (let b = 0; b < nb; b++) {
      const rows = model.sizes[b]!;
      model.prepare(factors, b, M, gram);
      s += blockGradientResidual(factors[b]!, gram, M.subarray(0, rows * R), rows, R, nonnegative, G);
    }
    return Math.sqrt(s);
  };
  const objectiveOf = (): number => 0.5 * model.residualSquared(factors);
  const dataNorm = model.dataNorm;
  const relErr = (f: number): number => (dataNorm > 0 ? Math.sqrt(2 * f) / dataNorm : Math.sqrt(2 * f));

  driver.start();
  let value = objectiveOf();
  let stat = stationarity();
  let step = 0;
  const finish = (status: Parameters<typeof driver.finish>[0]): FactorizationResult =>
    driver.finish(
      status,
      {
        x: factors.map((F, b) => new Matrix(model.sizes[b]!, R, F.slice())),
        objective: value,
        residuals: { stationarity: stat, step },
      },
      { relativeError: relErr(value), method },
    );
  const before = driver.checkBeforeFirst();
  if (before !== undefined) return finish(before);
  if (withinTolerance(stat, dataNorm, driver.tolerance)) return finish('converged');

  for (let iteration = 1; ; iteration++) {
    let innerSweeps = 0;
    let stepSq = 0;
    for (let b = 0; b < nb; b++) {
      const rows = model.sizes[b]!;
      const F = factors[b]!;
      const Fprev = previous[b]!;
      Fprev.set(F);
      model.prepare(factors, b, M, gram);
      const Mb = M.subarray(0, rows * R);
      if (method === 'bcd') {
        blockGradientResidual(F, gram, Mb, rows, R, nonnegative, G);
        const L = frobenius(gram);
        if (L > 0) projectedGradientStep(F, G.subarray(0, rows * R), L, nonnegative);
      } else {
        const lambda = lambdaFor(iteration, b);
        if (nonnegative && method === 'bcd-pr') {
          innerSweeps += nonnegativeBlockSolve(F, gram, Mb, Fprev, lambda, rows, R, innerIterations, innerTolerance);
        } else {
          exactSolve(b, F, lambda);
          if (nonnegative) clipNegative(F);
        }
      }
      stepSq += squaredDistance(F, Fprev);
    }
    step = Math.sqrt(stepSq);
    value = objectiveOf();
    stat = stationarity();
    yield { iteration, factors, objective: value, stationarity: stat, step };
    const info: FactorizationIterationInfo = {
      iteration,
      objective: value,
      residuals: { stationarity: stat, step },
      elapsedMs: driver.elapsedMs(),
      relativeError: relErr(value),
      innerSweeps,
    };
    const stop = driver.record(info, Number.isNaN(value) ? 'numerical_error' : withinTolerance(stat, dataNorm, driver.tolerance));
    if (stop !== undefined) return finish(stop);
  }
}
