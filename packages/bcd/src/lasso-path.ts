import {
  FirstOrderError,
  IterationDriver,
  assertFinite,
  checkChoiceOption,
  checkNumberOption,
  dimensionMismatch,
  invalidArgument,
  invalidOption,
  toFloat64Array,
  type IterationInfo,
  type SolveResult,
  type SolverOptions,
} from '@firstorder/core';
import { CscMatrix, Matrix } from '@firstorder/linalg';
import {
  CovarianceState,
  NaiveState,
  SparseNaiveState,
  certificates,
  gapSafeScreen,
  standardizeDense,
  standardizeDenseWeighted,
  standardizeSparse,
  type CdMethodState,
  type DataStatistics,
} from './cd-kernel.js';

/** Design matrices lassoPath accepts: dense row-major or sparse CSC. */
export type Design = Matrix | CscMatrix;

/**
 * Defaults of {@link lassoPath}, all taken from R glmnet 4.1 (`glmnet()` arguments and
 * `glmnet.control()`), so that a call with no options reproduces `glmnet(x, y)`.
 */
export const LASSO_PATH_DEFAULTS = Object.freeze({
  /** glmnet `alpha`: 1 is the lasso, 0 ridge. */
  alpha: 1,
  /** glmnet `nlambda`. */
  nlambda: 100,
  /** glmnet `lambda.min.ratio` when n ≥ p (0.01 when n < p). */
  lambdaMinRatio: 1e-4,
  lambdaMinRatioWide: 0.01,
  standardize: true,
  intercept: true,
  /** glmnet divides y by its 1/n standard deviation; with α < 1 that scales the ridge term by 1/s_y. */
  standardizeResponse: true,
  /** glmnet `thresh`: cycles stop when max_j ‖x_j‖²Δβ_j²/n (standardized scale) < thresh · (null deviance/n). */
  thresh: 1e-7,
  /** glmnet `maxit`: total coordinate passes over the data, all λ together. */
  maxIterations: 100_000,
  /** glmnet `type.gaussian`: covariance when p < 500. */
  covarianceBelow: 500,
  /** glmnet.control `fdev`, `devmax`, `mnlam`, `eps` (smallest allowed lambda.min.ratio). */
  fdev: 1e-5,
  devmax: 0.999,
  mnlam: 5,
  eps: 1e-6,
});

/** Per-λ information passed to `onIteration` and stored in `history` (one "iteration" = one λ). */
export interface LassoPathIterationInfo extends IterationInfo {
  readonly lambda: number;
  readonly df: number;
  readonly devRatio: number;
}

export interface LassoPathOptions extends SolverOptions<LassoPathIterationInfo, never> {
  /** Elastic-net mixing α ∈ [0, 1] (glmnet `alpha`). */
  readonly alpha?: number;
  /** Length of the generated λ sequence (glmnet `nlambda`). */
  readonly nlambda?: number;
  /** λ_min/λ_max of the generated sequence (glmnet `lambda.min.ratio`). */
  readonly lambdaMinRatio?: number;
  /** A user λ sequence (original scale); sorted decreasing as glmnet does. Disables early stopping. */
  readonly lambda?: ArrayLike<number>;
  readonly standardize?: boolean;
  readonly intercept?: boolean;
  /** Divide y by its standard deviation internally, as glmnet does (only matters for α < 1). */
  readonly standardizeResponse?: boolean;
  /** glmnet `thresh`. */
  readonly thresh?: number;
  /** 'auto' picks covariance updates when p < 500, naive updates otherwise (glmnet `type.gaussian`). */
  readonly type?: 'auto' | 'covariance' | 'naive';
  /** Sequential strong rule + KKT re-check in the naive method (off: cycle over every variable). */
  readonly strongRule?: boolean;
  /** glmnet's path early stop (only for a generated λ sequence): dev.ratio change < fdev, or dev.ratio > devmax, or df > dfmax. */
  readonly earlyStop?: boolean;
  readonly fdev?: number;
  readonly devmax?: number;
  readonly mnlam?: number;
  /** glmnet `dfmax` (default p + 1). */
  readonly dfmax?: number;
  /** Compute the duality gap and KKT residual at every λ (default true; costs ≤ one pass per λ). */
  readonly certificates?: boolean;
  /**
   * Certified accuracy (off by default, as in glmnet): after glmnet's `thresh` test passes at a λ, keep
   * dividing the threshold by 100 and resuming until the duality gap is ≤ gapTolerance·‖y − ȳ‖²/(2n)
   * (the objective at β = 0 when standardized), or the pass budget runs out. Needs `certificates`.
   */
  readonly gapTolerance?: number;
  /**
   * 'gap-safe': before each λ, Gap Safe screening (Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017 for the
   * elastic net) from the warm start removes variables proved zero at that λ; they are skipped by the updates,
   * the strong rule and the KKT re-check. Exact: the solution path is unchanged. Default 'none' (glmnet has none).
   */
  readonly screening?: 'none' | 'gap-safe';
  /**
   * glmnet `penalty.factor` (length p, ≥ 0): variable j's penalty is λ·vp_j·[α|β_j| + (1−α)β_j²/2] (standardized
   * scale); 0 leaves it unpenalized, Infinity excludes it. Rescaled to sum to p as glmnet does.
   */
  readonly penaltyFactor?: ArrayLike<number>;
  /** glmnet `exclude`: 0-based indices of variables kept at 0. */
  readonly exclude?: ArrayLike<number>;
  /** glmnet `lower.limits` / `upper.limits` (original scale): a number for all variables or one per variable; lower ≤ 0 ≤ upper. */
  readonly lowerLimits?: number | ArrayLike<number>;
  readonly upperLimits?: number | ArrayLike<number>;
  /**
   * glmnet `weights`: observation weights ≥ 0 (rescaled to sum 1): the loss becomes ½Σ w_i r_i²/Σw, and means,
   * variances and λ_max are weighted. Dense X only for now.
   */
  readonly weights?: ArrayLike<number>;
}

/**
 * glmnet's penalty-factor handling: Infinity excludes the variable (its factor then counts as 1), negative
 * values are an error, and the factors are rescaled to sum to p. Returns the factors and the exclusion mask.
 */
function resolvePenalty(p: number, penaltyFactor: ArrayLike<number> | undefined, exclude: ArrayLike<number> | undefined): { vp: Float64Array; excluded: Uint8Array } {
  const vp = new Float64Array(p).fill(1);
  const excluded = new Uint8Array(p);
  if (penaltyFactor !== undefined) {
    if (penaltyFactor.length !== p) throw dimensionMismatch('penaltyFactor', `length ${p} (the columns of X)`, `length ${penaltyFactor.length}`);
    for (let j = 0; j < p; j++) {
      const v = penaltyFactor[j]!;
      if (!(v >= 0)) throw invalidOption(`penaltyFactor[${j}]`, 'a number ≥ 0 (Infinity excludes the variable)', v);
      if (v === Infinity) excluded[j] = 1;
      else vp[j] = v;
    }
  }
  if (exclude !== undefined) {
    for (let t = 0; t < exclude.length; t++) {
      const j = exclude[t]!;
      if (!Number.isInteger(j) || j < 0 || j >= p) throw invalidOption(`exclude[${t}]`, `a column index in [0, ${p})`, j);
      excluded[j] = 1;
      vp[j] = 1;
    }
  }
  let sum = 0;
  let max = 0;
  for (let j = 0; j < p; j++) {
    sum += vp[j]!;
    max = Math.max(max, vp[j]!);
  }
  if (!(max > 0)) throw invalidOption('penaltyFactor', 'at least one positive factor', 'all zero');
  for (let j = 0; j < p; j++) vp[j] = (vp[j]! * p) / sum;
  return { vp, excluded };
}

function resolveLimits(name: string, value: number | ArrayLike<number> | undefined, p: number, sign: -1 | 1): Float64Array | undefined {
  if (value === undefined) return undefined;
  const out = new Float64Array(p);
  if (typeof value === 'number') out.fill(value);
  else {
    if (value.length !== p) throw dimensionMismatch(name, `a number or length ${p} (the columns of X)`, `length ${value.length}`);
    for (let j = 0; j < p; j++) out[j] = value[j]!;
  }
  for (let j = 0; j < p; j++) {
    const v = out[j]!;
    if (Number.isNaN(v) || (sign < 0 ? v > 0 : v < 0)) throw invalidOption(`${name}[${j}]`, sign < 0 ? 'a number ≤ 0 (or −Infinity)' : 'a number ≥ 0 (or Infinity)', v);
  }
  return out;
}

/** Nonzero coefficients of one path point (original scale), indices increasing. */
export interface SparseCoefficients {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export interface LassoPathResult extends SolveResult<Float64Array, LassoPathIterationInfo> {
  /** λ values actually fitted, decreasing (original scale; the first one of a generated path is λ_max). */
  readonly lambda: Float64Array;
  /** Intercepts a0 per λ. */
  readonly a0: Float64Array;
  /** Coefficients per λ (sparse). `coefficientsAt(result, k)` expands one. */
  readonly beta: readonly SparseCoefficients[];
  /** Number of nonzero coefficients per λ. */
  readonly df: Int32Array;
  /** Fraction of null deviance explained per λ (glmnet `dev.ratio`). */
  readonly devRatio: Float64Array;
  /** Σ(y − ȳ)² (Σ y² without an intercept). */
  readonly nullDeviance: number;
  /** Objective per λ, see {@link elasticNetObjective}. */
  readonly objectives: Float64Array;
  /** Duality gap per λ, in objective units (NaN when certificates are off). */
  readonly dualityGaps: Float64Array;
  /** Largest KKT violation per λ on the standardized scale, |x̃_jᵀr/n − penalty subgradient| (NaN when off). */
  readonly kktViolations: Float64Array;
  /** Coordinate passes per λ. */
  readonly passes: Int32Array;
  /** Variables the KKT re-check had to add back after the strong rule discarded them, per λ. */
  readonly strongRuleViolations: Int32Array;
  /** Variables removed by Gap Safe screening per λ (all 0 when `screening` is 'none'). */
  readonly screened: Int32Array;
  /** Their indices per λ (empty arrays when `screening` is 'none'). */
  readonly screenedVariables: readonly Int32Array[];
  /** The penalty factors used (glmnet's rescaling to sum p applied; 1 for every variable by default). */
  readonly penaltyFactor: Float64Array;
  /** λ_max = max_j |x̃_jᵀ(y − ȳ)|/(n·max(α, 10⁻³)) on the original scale. */
  readonly lambdaMax: number;
  readonly method: 'covariance' | 'naive';
  /** Why the path ended before its last λ, if it did. */
  readonly pathStop: 'complete' | 'fdev' | 'devmax' | 'dfmax' | 'max_iterations' | 'stopped' | 'time_limit';
}

interface Resolved {
  alpha: number;
  nlambda: number;
  lambdaMinRatio: number;
  userLambda: Float64Array | undefined;
  standardize: boolean;
  intercept: boolean;
  standardizeResponse: boolean;
  thresh: number;
  maxPasses: number;
  method: 'covariance' | 'naive';
  strongRule: boolean;
  earlyStop: boolean;
  fdev: number;
  devmax: number;
  mnlam: number;
  dfmax: number;
  certificates: boolean;
  gapTolerance: number | undefined;
  screening: 'none' | 'gap-safe';
}

function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value);
  return value;
}

function resolveOptions(options: LassoPathOptions, n: number, p: number): Resolved {
  const d = LASSO_PATH_DEFAULTS;
  if (options.tolerance !== undefined) {
    throw invalidOption('tolerance', 'undefined (lassoPath stops on glmnet\'s `thresh`; set thresh instead)', options.tolerance);
  }
  if (options.warmStart !== undefined) {
    throw invalidOption('warmStart', 'undefined (a path warm-starts itself from β = 0 at λ_max)', options.warmStart);
  }
  const alpha = checkNumberOption('alpha', options.alpha ?? d.alpha, { min: 0, max: 1 });
  const nlambda = checkNumberOption('nlambda', options.nlambda ?? d.nlambda, { min: 1, integer: true });
  const lambdaMinRatio = checkNumberOption(
    'lambdaMinRatio',
    options.lambdaMinRatio ?? (n < p ? d.lambdaMinRatioWide : d.lambdaMinRatio),
    { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true },
  );
  let userLambda: Float64Array | undefined;
  if (options.lambda !== undefined) {
    userLambda = toFloat64Array('lambda', options.lambda);
    for (let k = 0; k < userLambda.length; k++) {
      if (!(userLambda[k]! >= 0)) throw invalidOption(`lambda[${k}]`, 'a non-negative number', userLambda[k]);
    }
    userLambda.sort().reverse(); // glmnet fits user λ in decreasing order
  }
  const typeOption = checkChoiceOption('type', options.type ?? 'auto', ['auto', 'covariance', 'naive'] as const);
  // glmnet: type.gaussian = covariance when nvars < 500, for dense and sparse x alike.
  const method = typeOption === 'auto' ? (p < d.covarianceBelow ? 'covariance' : 'naive') : typeOption;
  return {
    alpha,
    nlambda,
    lambdaMinRatio,
    userLambda,
    standardize: checkBoolean('standardize', options.standardize, d.standardize),
    intercept: checkBoolean('intercept', options.intercept, d.intercept),
    standardizeResponse: checkBoolean('standardizeResponse', options.standardizeResponse, d.standardizeResponse),
    thresh: checkNumberOption('thresh', options.thresh ?? d.thresh, { min: 0, exclusiveMin: true }),
    maxPasses: checkNumberOption('maxIterations', options.maxIterations ?? d.maxIterations, { min: 1, integer: true }),
    method,
    strongRule: checkBoolean('strongRule', options.strongRule, true),
    earlyStop: checkBoolean('earlyStop', options.earlyStop, true),
    fdev: checkNumberOption('fdev', options.fdev ?? d.fdev, { min: 0 }),
    devmax: checkNumberOption('devmax', options.devmax ?? d.devmax, { min: 0, max: 1 }),
    mnlam: checkNumberOption('mnlam', options.mnlam ?? d.mnlam, { min: 1, integer: true }),
    dfmax: checkNumberOption('dfmax', options.dfmax ?? p + 1, { min: 0, integer: true }),
    certificates: checkBoolean('certificates', options.certificates, true),
    gapTolerance:
      options.gapTolerance === undefined ? undefined : checkNumberOption('gapTolerance', options.gapTolerance, { min: 0, exclusiveMin: true }),
    screening: checkChoiceOption('screening', options.screening ?? 'none', ['none', 'gap-safe'] as const),
  };
}

function checkDesign(X: unknown): Design {
  if (!(X instanceof Matrix) && !(X instanceof CscMatrix)) {
    throw invalidArgument('X', 'a Matrix (dense, row-major) or a CscMatrix (sparse)', X);
  }
  if (X.rows === 0 || X.cols === 0) {
    throw new FirstOrderError('EMPTY_INPUT', `X: expected at least one row and one column, received ${X.rows}×${X.cols}`, 'X');
  }
  assertFinite('X', X instanceof Matrix ? X.data : X.values);
  return X;
}

function resolveWeights(weights: ArrayLike<number> | undefined, design: Design): Float64Array | undefined {
  if (weights === undefined) return undefined;
  const w = toFloat64Array('weights', weights);
  if (w.length !== design.rows) throw dimensionMismatch('weights', `length ${design.rows} (the rows of X)`, `length ${w.length}`);
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    if (!(w[i]! >= 0) || w[i] === Infinity) throw invalidOption(`weights[${i}]`, 'a finite number ≥ 0', w[i]);
    sum += w[i]!;
  }
  if (!(sum > 0)) throw invalidOption('weights', 'at least one positive weight', 'all zero');
  if (!(design instanceof Matrix)) throw invalidOption('weights', 'undefined for a sparse X (weights need a dense Matrix for now)', 'weights');
  return w;
}

function statistics(design: Design, response: Float64Array, intercept: boolean, standardize: boolean, weights?: Float64Array) {
  const n = design.rows;
  const p = design.cols;
  if (weights !== undefined && design instanceof Matrix) return standardizeDenseWeighted(design.data, n, p, response, weights, intercept, standardize);
  return design instanceof Matrix
    ? standardizeDense(design.data, n, p, response, intercept, standardize)
    : standardizeSparse(n, p, design.colPtr, design.rowIndices, design.values, response, intercept, standardize);
}

function prepare(X: unknown, y: ArrayLike<number>): { design: Design; response: Float64Array } {
  const design = checkDesign(X);
  const response = toFloat64Array('y', y);
  if (response.length !== design.rows) {
    throw dimensionMismatch('y', `length ${design.rows} (the rows of X)`, `length ${response.length}`);
  }
  if (design.rows < 2) {
    throw invalidArgument('X', 'at least 2 observations', `${design.rows} row`);
  }
  return { design, response };
}

/**
 * The elastic-net path by cyclic coordinate descent with glmnet's semantics and speed-ups:
 * covariance or naive updates, warm starts along a log-spaced λ sequence, the sequential strong
 * rule with a KKT re-check, active-set cycling, glmnet's convergence test and path early stop.
 *
 * Objective at each λ (see {@link elasticNetObjective}); with `standardize` the penalty acts on the
 * standardized coefficients s_jβ_j (s_j the 1/n standard deviation of column j):
 *   (1/2n)‖y − a0 − Xβ‖² + λ·[α Σ s_j|β_j| + (1−α)/(2c) Σ (s_jβ_j)²],
 * c = s_y (the 1/n standard deviation of y) when `standardizeResponse` (glmnet), else 1.
 * Coefficients and λ are returned on the original scale, as glmnet's `coef()` and `$lambda`.
 *
 * Memory: for dense X one column-major standardized copy (8·n·p bytes), plus, for covariance updates,
 * the Gram columns of the active variables (8·p per active variable). A sparse CscMatrix is read in
 * place (centring and scaling stay implicit) with either method; its Gram columns come from sparse
 * column products with the centring applied algebraically.
 */
export function lassoPath(X: Design, y: ArrayLike<number>, options: LassoPathOptions = {}): LassoPathResult {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options);
  const { design, response } = prepare(X, y);
  const n = design.rows;
  const p = design.cols;
  const o = resolveOptions(options, n, p);
  const driver = new IterationDriver<LassoPathIterationInfo>(
    {
      ...(options.onIteration !== undefined ? { onIteration: options.onIteration } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.history !== undefined ? { history: options.history } : {}),
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
    },
    { maxIterations: Number.MAX_SAFE_INTEGER, tolerance: { absolute: 0, relative: 0 } },
  );
  driver.start();

  const weights = resolveWeights(options.weights, design);
  const data = statistics(design, response, o.intercept, o.standardize, weights);
  if (!(data.ys > 0)) {
    throw invalidArgument('y', 'a response that is not constant (glmnet fails at standardization too)', 'a constant y');
  }
  const { vp, excluded } = resolvePenalty(p, options.penaltyFactor, options.exclude);
  const lowerLimits = resolveLimits('lowerLimits', options.lowerLimits, p, -1);
  const upperLimits = resolveLimits('upperLimits', options.upperLimits, p, 1);
  for (let j = 0; j < p; j++) if (excluded[j] === 1) data.included[j] = 0;
  if (!data.included.some((v) => v === 1)) throw invalidOption('exclude', 'at least one variable left to fit', 'every variable excluded or constant');
  let state: CdMethodState;
  if (o.method === 'covariance') state = new CovarianceState(data);
  else state = 'colPtr' in data ? new SparseNaiveState(data) : new NaiveState(data);
  state.threshold = o.thresh;
  if (!(state instanceof CovarianceState)) state.useStrongRule = o.strongRule;
  state.vp.set(vp);
  const ys = data.ys;
  // glmnet: limits on the internal scale are cl/ys, times xs_j when standardizing.
  for (let j = 0; j < p; j++) {
    const scale = (o.standardize ? data.xs[j]! : 1) / ys;
    if (lowerLimits !== undefined) state.lower[j] = lowerLimits[j]! * scale;
    if (upperLimits !== undefined) state.upper[j] = upperLimits[j]! * scale;
  }
  // glmnet turns its fdev rule off when any limit is exactly 0.
  const zeroLimit = (lowerLimits?.some((v) => v === 0) ?? false) || (upperLimits?.some((v) => v === 0) ?? false);
  const fdev = zeroLimit ? 0 : o.fdev;
  let unpenalized = false;
  for (let j = 0; j < p; j++) if (data.included[j] === 1 && vp[j] === 0) unpenalized = true;
  if (o.screening === 'gap-safe' && (unpenalized || lowerLimits !== undefined || upperLimits !== undefined)) {
    throw invalidOption('screening', "'none' with unpenalized variables or limits (Gap Safe needs the plain weighted elastic net)", o.screening);
  }
  const alphaFloor = Math.max(o.alpha, 1e-3);
  const ridgeScale = o.standardizeResponse ? 1 : ys; // λ₂ = λ_int(1−α)·ridgeScale
  // glmnet fits the first point at an "infinite" λ (its `big`): only unpenalized variables move.
  const BIG = 9.9e35;
  if (unpenalized) state.solve(o.alpha * BIG, (1 - o.alpha) * BIG * ridgeScale, o.alpha * BIG, o.alpha, o.maxPasses);
  // λ_max on the internal scale: the smallest λ with every penalized b_j = 0 optimal (α floored at 1e-3 as glmnet).
  let gmax = 0;
  for (let j = 0; j < p; j++) if (data.included[j] === 1 && vp[j]! > 0) gmax = Math.max(gmax, Math.abs(state.g[j]!) / vp[j]!);
  const lambdaMaxInternal = gmax / alphaFloor;

  const generated = o.userLambda === undefined;
  const count = generated ? o.nlambda : o.userLambda!.length;
  const ratioStep = generated && count > 1 ? Math.pow(Math.max(LASSO_PATH_DEFAULTS.eps, o.lambdaMinRatio), 1 / (count - 1)) : 1;

  const lambdas: number[] = [];
  const a0s: number[] = [];
  const betas: SparseCoefficients[] = [];
  const dfs: number[] = [];
  const devs: number[] = [];
  const objectives: number[] = [];
  const gaps: number[] = [];
  const kkts: number[] = [];
  const passes: number[] = [];
  const violations: number[] = [];
  const screenedCounts: number[] = [];
  const screenedSets: Int32Array[] = [];
  let pathStop: LassoPathResult['pathStop'] = 'complete';
  let status: LassoPathResult['status'] = 'converged';
  let lambdaInternal = 0;
  let previousL1 = 0;
  const early = driver.checkBeforeFirst();
  if (early === 'stopped') {
    status = 'stopped';
    pathStop = 'stopped';
  }

  for (let m = 0; m < count && pathStop === 'complete'; m++) {
    // glmnet: the first generated λ is "infinite" (b = 0) and reported as λ_max.
    let infinite = false;
    if (generated) {
      if (m === 0) {
        lambdaInternal = lambdaMaxInternal;
        infinite = true;
      } else if (m === 1) {
        lambdaInternal = lambdaMaxInternal * ratioStep;
        previousL1 = o.alpha * lambdaMaxInternal;
      } else lambdaInternal *= ratioStep;
    } else {
      lambdaInternal = o.userLambda![m]! / ys;
    }
    const l1 = o.alpha * lambdaInternal;
    const l2 = (1 - o.alpha) * lambdaInternal * ridgeScale;
    const rsqBefore = state.rsq;
    let outcome = { converged: true, passes: 0, strongViolations: 0 };
    const screenedCount = !infinite && o.screening === 'gap-safe' ? gapSafeScreen(state, l1, l2) : 0;
    if (!infinite) outcome = state.solve(l1, l2, previousL1, o.alpha, o.maxPasses);
    if (!infinite && o.gapTolerance !== undefined && o.certificates && outcome.converged) {
      // The internal null objective is ½ (‖ŷ‖² = 1), so the target gap is gapTolerance/2.
      let threshold = o.thresh;
      while (certificates(state, l1, l2).gap > 0.5 * o.gapTolerance && threshold > 1e-300) {
        threshold /= 100;
        state.threshold = threshold;
        const more = state.solve(l1, l2, previousL1, o.alpha, o.maxPasses);
        outcome = {
          converged: more.converged,
          passes: outcome.passes + more.passes,
          strongViolations: outcome.strongViolations + more.strongViolations,
        };
        if (!more.converged) break;
      }
      state.threshold = o.thresh;
    }
    previousL1 = l1;
    if (!outcome.converged) {
      status = 'max_iterations';
      pathStop = 'max_iterations';
      break; // glmnet drops the point whose solve hit maxit
    }
    // Record the point.
    const indices: number[] = [];
    const values: number[] = [];
    let intercept = data.ym;
    for (let j = 0; j < p; j++) {
      const bj = state.b[j]!;
      if (bj === 0) continue;
      const beta = (bj * ys) / data.xs[j]!;
      indices.push(j);
      values.push(beta);
      intercept -= data.xm[j]! * beta;
    }
    let gap = NaN;
    let kkt = NaN;
    let objective: number;
    if (o.certificates) {
      const c = certificates(state, l1, l2);
      gap = c.gap * ys * ys;
      kkt = c.kkt * ys;
      objective = c.primal * ys * ys;
    } else {
      const { rr } = state.residualMoments();
      let l1norm = 0;
      let l2sq = 0;
      for (let j = 0; j < p; j++) {
        const bj = state.b[j]!;
        l1norm += Math.abs(bj);
        l2sq += bj * bj;
      }
      objective = (0.5 * rr + l1 * l1norm + 0.5 * l2 * l2sq) * ys * ys;
    }
    const rsq = state.rsq;
    lambdas.push(infinite ? lambdaMaxInternal * ys : lambdaInternal * ys);
    a0s.push(o.intercept ? intercept : 0);
    betas.push({ indices: Int32Array.from(indices), values: Float64Array.from(values) });
    dfs.push(indices.length);
    devs.push(rsq);
    objectives.push(objective);
    gaps.push(gap);
    kkts.push(kkt);
    passes.push(outcome.passes);
    violations.push(outcome.strongViolations);
    screenedCounts.push(screenedCount);
    const set = new Int32Array(screenedCount);
    if (screenedCount > 0) for (let j = 0, t = 0; j < p; j++) if (state.screened[j] === 1) set[t++] = j;
    screenedSets.push(set);

    const info: LassoPathIterationInfo = {
      iteration: m + 1,
      objective,
      // The gap is undefined (NaN) with limits or unpenalized variables: report the KKT residual only.
      residuals: o.certificates ? (Number.isNaN(gap) ? { kkt } : { dualityGap: gap, kkt }) : {},
      elapsedMs: driver.elapsedMs(),
      lambda: lambdas[lambdas.length - 1]!,
      df: indices.length,
      devRatio: rsq,
    };
    const stop = driver.record(info, false);
    if (stop !== undefined && stop !== 'max_iterations') {
      status = stop;
      pathStop = stop === 'numerical_error' ? 'stopped' : (stop as 'stopped' | 'time_limit');
      break;
    }
    // glmnet's early stop, only for a generated sequence and after mnlam points.
    if (generated && o.earlyStop && m + 1 >= Math.min(o.mnlam, count)) {
      const change = rsq === 0 ? Infinity : (rsq - rsqBefore) / rsq;
      if (indices.length > o.dfmax) pathStop = 'dfmax';
      else if (change < fdev) pathStop = 'fdev';
      else if (rsq > o.devmax) pathStop = 'devmax';
    }
  }

  const k = lambdas.length;
  const x = new Float64Array(p);
  if (k > 0) {
    const last = betas[k - 1]!;
    for (let t = 0; t < last.indices.length; t++) x[last.indices[t]!] = last.values[t]!;
  }
  const nullDeviance = data.ys * data.ys * (weights === undefined ? n : weights.reduce((a, b) => a + b, 0));
  const message =
    pathStop === 'complete'
      ? `fitted ${k} λ values`
      : pathStop === 'fdev' || pathStop === 'devmax' || pathStop === 'dfmax'
        ? `fitted ${k} λ values; path stopped early by glmnet's ${pathStop} rule`
        : `fitted ${k} λ values before stopping (${pathStop})`;
  const lastGap = gaps[k - 1] ?? NaN;
  const lastKkt = kkts[k - 1] ?? NaN;
  return driver.finish(
    status,
    {
      x,
      objective: objectives[k - 1] ?? NaN,
      residuals: o.certificates ? (Number.isNaN(lastGap) && k > 0 ? { kkt: lastKkt } : { dualityGap: lastGap, kkt: lastKkt }) : {},
      message,
    },
    {
      lambda: Float64Array.from(lambdas),
      a0: Float64Array.from(a0s),
      beta: betas,
      df: Int32Array.from(dfs),
      devRatio: Float64Array.from(devs),
      nullDeviance,
      objectives: Float64Array.from(objectives),
      dualityGaps: Float64Array.from(gaps),
      kktViolations: Float64Array.from(kkts),
      passes: Int32Array.from(passes),
      strongRuleViolations: Int32Array.from(violations),
      screened: Int32Array.from(screenedCounts),
      screenedVariables: screenedSets,
      penaltyFactor: vp,
      lambdaMax: lambdaMaxInternal * ys,
      method: o.method,
      pathStop,
    },
  );
}

/** Dense coefficient vector of path point k. */
export function coefficientsAt(result: Pick<LassoPathResult, 'beta'>, k: number, p?: number): Float64Array {
  const point = result.beta[k];
  if (point === undefined) throw invalidArgument('k', `a path index in [0, ${result.beta.length})`, k);
  const size = p ?? (point.indices.length > 0 ? point.indices[point.indices.length - 1]! + 1 : 0);
  const out = new Float64Array(size);
  for (let t = 0; t < point.indices.length; t++) out[point.indices[t]!] = point.values[t]!;
  return out;
}

export interface ElasticNetObjectiveOptions {
  /** As lassoPath's `weights`: the loss is ½Σ w_i r_i²/Σw. */
  readonly weights?: ArrayLike<number>;
  /** As lassoPath's `penaltyFactor` / `exclude` (same rescaling); limits do not change the objective. */
  readonly penaltyFactor?: ArrayLike<number>;
  readonly exclude?: ArrayLike<number>;
  readonly alpha?: number;
  readonly standardize?: boolean;
  readonly intercept?: boolean;
  readonly standardizeResponse?: boolean;
}

/**
 * The objective {@link lassoPath} minimizes, evaluated from scratch on the original data:
 *   (1/2n)‖y − a0 − Xβ‖² + λ·[α Σ s_j|β_j| + (1−α)/(2c) Σ (s_jβ_j)²]
 * with s_j the 1/n standard deviation of column j when `standardize` (else 1) and c = s_y when
 * `standardizeResponse` (else 1). Used to compare a path with glmnet's solution at the same λ.
 */
export function elasticNetObjective(
  X: Design,
  y: ArrayLike<number>,
  a0: number,
  beta: ArrayLike<number>,
  lambda: number,
  options: ElasticNetObjectiveOptions = {},
): number {
  const { design, response } = prepare(X, y);
  const n = design.rows;
  const p = design.cols;
  if (beta.length !== p) throw dimensionMismatch('beta', `length ${p} (the columns of X)`, `length ${beta.length}`);
  const alpha = checkNumberOption('alpha', options.alpha ?? 1, { min: 0, max: 1 });
  const standardize = checkBoolean('standardize', options.standardize, true);
  const intercept = checkBoolean('intercept', options.intercept, true);
  const standardizeResponse = checkBoolean('standardizeResponse', options.standardizeResponse, true);
  const weights = resolveWeights(options.weights, design);
  const data: DataStatistics = statistics(design, response, intercept, standardize, weights);
  assertFinite('beta', beta);
  const b = Float64Array.from(beta);
  const Xb = new Float64Array(n);
  design.apply(b, Xb);
  let rss = 0;
  const wsum = weights === undefined ? n : weights.reduce((a, c) => a + c, 0);
  for (let i = 0; i < n; i++) {
    const r = response[i]! - a0 - Xb[i]!;
    rss += (weights === undefined ? 1 : (weights[i]! * n) / wsum) * r * r;
  }
  const { vp } = resolvePenalty(p, options.penaltyFactor, options.exclude);
  let l1 = 0;
  let l2 = 0;
  for (let j = 0; j < p; j++) {
    const s = standardize ? data.xs[j]! : 1;
    const v = s * b[j]!;
    l1 += vp[j]! * Math.abs(v);
    l2 += vp[j]! * v * v;
  }
  const c = standardizeResponse ? data.ys : 1;
  return rss / (2 * n) + lambda * (alpha * l1 + ((1 - alpha) / (2 * c)) * l2);
}
