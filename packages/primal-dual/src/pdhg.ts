import {
  FirstOrderError,
  IterationDriver,
  assertFinite,
  checkChoiceOption,
  checkNumberOption,
  dimensionMismatch,
  invalidArgument,
  invalidOption,
  runToCompletion,
  withinTolerance,
} from '@firstorder/core';
import type { IterationInfo, LinearOperator, Proximable, SolveResult, SolverOptions, Status } from '@firstorder/core';
import { CscMatrix, CsrMatrix, Matrix, spectralNorm } from '@firstorder/linalg';
import {
  blendInto,
  dotDifferences,
  extrapolate,
  halfStepResidual,
  norm2,
  relaxInto,
  squaredDistance,
  stepAlong,
  stepInto,
} from './kernels.js';
import type { DiagonalProximable } from './terms.js';

/** min_x f(x) + g(Kx), solved on the saddle point min_x max_y f(x) + ⟨Kx, y⟩ − g*(y). */
export interface PdhgProblem {
  readonly K: LinearOperator;
  readonly f: Proximable;
  /** g, composed with K; the prox of g* is taken by Moreau's identity unless `gConjugate` is given. */
  readonly g: Proximable;
  /** The prox of g* directly (skips Moreau). */
  readonly gConjugate?: Proximable;
}

export type PdhgStepRule = 'standard' | 'enlarged' | 'adaptive';

export interface PdhgOptions extends SolverOptions<PdhgIterationInfo, { x?: ArrayLike<number>; y?: ArrayLike<number> }> {
  /**
   * 'standard': τσ‖K‖² = stepFraction < 1 (Chambolle & Pock 2011, Thm 1);
   * 'enlarged': τσ‖K‖² = (4/3)·stepFraction, only when g is quadratic (see README: the hypothesis);
   * 'adaptive': PDLP's backtracking-free adaptive step (Applegate et al. 2021, §3.1).
   */
  readonly stepRule?: PdhgStepRule;
  /** Fraction of the admissible bound the product τσ‖K‖² takes (default 0.99). */
  readonly stepFraction?: number;
  /** Primal weight ω: τ = η/ω, σ = ηω (default 1). */
  readonly primalWeight?: number;
  /** Explicit steps (validated against the rule unless stepRule is 'adaptive'). */
  readonly tau?: number;
  readonly sigma?: number;
  /** ‖K‖₂ if known; otherwise estimated by power iteration. */
  readonly normK?: number;
  /** Extrapolation θ ∈ [0, 1] (default 1; the convergence theory behind both step rules is for θ = 1). */
  readonly theta?: number;
  /** Over-relaxation ρ ∈ (0, 2): z ← z + ρ(T(z) − z) (default 1 = none). */
  readonly relaxation?: number;
  /** Strong convexity modulus γ > 0 of f: Chambolle–Pock Algorithm 2 (O(1/N²) step updates). */
  readonly acceleration?: { readonly gamma: number };
  /** 'diagonal': Pock–Chambolle 2011 steps τ_j = 1/Σ_i|K_ij|, σ_i = 1/Σ_j|K_ij| (α = 1); needs explicit K and proxDiagonal. */
  readonly preconditioning?: 'none' | 'diagonal';
  /** 'adaptive': PDLP-style restarts to the average or current iterate (checked every restartFrequency iterations). */
  readonly restart?: 'none' | 'adaptive';
  readonly restartFrequency?: number;
  /** Update ω at each restart (PDLP's smoothed log-ratio rule, smoothing 0.5). */
  readonly primalWeightUpdate?: boolean;
  /** 'kkt' (default): both KKT residuals below tolerance; 'gap': the primal-dual gap (needs conjugateValue on f and g). */
  readonly stopping?: 'kkt' | 'gap';
  /** Assert the hypotheses of `stepRule: 'enlarged'` for a g the solver cannot recognize as quadratic. */
  readonly assumeQuadraticG?: boolean;
}

export interface PdhgIterationInfo extends IterationInfo {
  readonly tau: number;
  readonly sigma: number;
}

/** The state after an iteration. The arrays are the solver's live buffers: copy them to keep them. */
export interface PdhgState {
  readonly iteration: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** K x and Kᵀ y at the current iterate. */
  readonly Kx: Float64Array;
  readonly KTy: Float64Array;
  readonly residuals: Readonly<Record<string, number>>;
  readonly tau: number;
  readonly sigma: number;
}

export type PdhgResult = SolveResult<Float64Array, PdhgIterationInfo> & {
  readonly y: Float64Array;
  readonly tau: number;
  readonly sigma: number;
  readonly normK: number;
  readonly stepRule: PdhgStepRule;
  readonly restarts: number;
  readonly primalWeight: number;
  /** Products with K (and as many with Kᵀ) spent, including rejected adaptive steps and restart trials. */
  readonly operatorApplications: number;
};

/** Defaults, with their sources. */
export const PDHG_DEFAULTS = Object.freeze({
  maxIterations: 10_000,
  tolerance: Object.freeze({ absolute: 1e-8, relative: 1e-6 }),
  stepRule: 'standard' as PdhgStepRule,
  /** τσ‖K‖² = 0.99 (strictly inside Chambolle & Pock 2011, Thm 1). */
  stepFraction: 0.99,
  /** The enlarged bound τσ‖K‖² < 4/3 (Li & Yan 2022 for quadratic g; used by Song, Yuan & Yue 2023 — see README). */
  enlargedBound: 4 / 3,
  theta: 1,
  relaxation: 1,
  primalWeight: 1,
  /** PDLP's adaptive step exponents (FirstOrderLp.jl: reduction 0.3, growth 0.6). */
  adaptiveReductionExponent: 0.3,
  adaptiveGrowthExponent: 0.6,
  /** PDLP restart parameters β_sufficient, β_necessary, β_artificial (Applegate et al. 2021, §3.2 / FirstOrderLp.jl). */
  restartSufficient: 0.2,
  restartNecessary: 0.8,
  restartArtificial: 0.36,
  restartFrequency: 64,
  /** PDLP primal-weight smoothing θ = 0.5 (Applegate et al. 2021, §3.3). */
  primalWeightSmoothing: 0.5,
  /** Power iteration for ‖K‖ (tolerance on the Ritz residual). */
  normTolerance: 1e-10,
  /** The same for the adaptive rule, where ‖K‖ only sets the first trial step. */
  adaptiveNormTolerance: 1e-3,
});

/** @internal Hooks the LP solver plugs in: its own KKT evaluation (stopping, restarts, infeasibility). */
export interface PdhgHooks {
  readonly checkEvery: number;
  evaluate(
    x: Float64Array,
    y: Float64Array,
    Kx: Float64Array,
    KTy: Float64Array,
    final: boolean,
  ): { objective: number; residuals: Record<string, number>; error: number; status: boolean | Status };
  /** Called before the loop with the check interval; may inspect iterate differences for infeasibility. */
  differences?(dx: Float64Array, dy: Float64Array, Kdx: Float64Array, KTdy: Float64Array): Status | undefined;
  extraResult?(): object;
  /**
   * Restart metric replacing `evaluate(…).error` (e.g. the normalized duality gap of a candidate, with radius its
   * ω-weighted distance from the last restart point `anchorX`, `anchorY`).
   */
  restartMetric?(
    x: Float64Array,
    y: Float64Array,
    Kx: Float64Array,
    KTy: Float64Array,
    anchorX: Float64Array,
    anchorY: Float64Array,
    primalWeight: number,
  ): number;
}

const isExplicit = (K: LinearOperator): K is Matrix | CsrMatrix | CscMatrix =>
  K instanceof Matrix || K instanceof CsrMatrix || K instanceof CscMatrix;

function recognizedQuadratic(g: Proximable): boolean {
  const t = g as { quadratic?: unknown; name?: unknown };
  if (t.quadratic === true) return true;
  return typeof t.name === 'string' && t.name.startsWith('squaredNormL2(');
}

function checkOperator(K: unknown): LinearOperator {
  const k = K as LinearOperator;
  if (
    k === null ||
    typeof k !== 'object' ||
    typeof k.apply !== 'function' ||
    typeof k.applyTranspose !== 'function' ||
    !Number.isInteger(k.rows) ||
    !Number.isInteger(k.cols)
  ) {
    throw invalidArgument('K', 'a LinearOperator { rows, cols, apply, applyTranspose }', K);
  }
  if (k.rows < 1 || k.cols < 1) throw new FirstOrderError('EMPTY_INPUT', `K: expected a non-empty operator, received ${k.rows}×${k.cols}`, 'K');
  return k;
}

function checkProx(name: string, p: unknown): Proximable {
  const q = p as Proximable;
  if (q === null || typeof q !== 'object' || typeof q.prox !== 'function' || typeof q.value !== 'function') {
    throw invalidArgument(name, 'a Proximable { value, prox }', p);
  }
  return q;
}

/** Runs PDHG to completion. */
export function solvePdhg(problem: PdhgProblem, options: PdhgOptions = {}): PdhgResult {
  return runToCompletion(iteratePdhg(problem, options));
}

/** PDHG as a generator of states (one per iteration). */
export function iteratePdhg(problem: PdhgProblem, options: PdhgOptions = {}): Generator<PdhgState, PdhgResult, void> {
  return pdhgCore(problem, options, undefined);
}

/** @internal */
export function* pdhgCore(
  problem: PdhgProblem,
  options: PdhgOptions,
  hooks: PdhgHooks | undefined,
): Generator<PdhgState, PdhgResult, void> {
  if (problem === null || typeof problem !== 'object') throw invalidArgument('problem', 'an object { K, f, g }', problem);
  const K = checkOperator(problem.K);
  const f = checkProx('f', problem.f);
  const g = checkProx('g', problem.g);
  const gStar = problem.gConjugate === undefined ? undefined : checkProx('gConjugate', problem.gConjugate);
  const n = K.cols;
  const m = K.rows;
  const driver = new IterationDriver<PdhgIterationInfo>(options, PDHG_DEFAULTS);
  const tol = driver.tolerance;
  const stepRule = checkChoiceOption('stepRule', options.stepRule ?? PDHG_DEFAULTS.stepRule, ['standard', 'enlarged', 'adaptive'] as const);
  const stepFraction = checkNumberOption('stepFraction', options.stepFraction ?? PDHG_DEFAULTS.stepFraction, {
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
  });
  let omega = checkNumberOption('primalWeight', options.primalWeight ?? PDHG_DEFAULTS.primalWeight, { min: 0, exclusiveMin: true });
  const theta = checkNumberOption('theta', options.theta ?? PDHG_DEFAULTS.theta, { min: 0, max: 1 });
  const rho = checkNumberOption('relaxation', options.relaxation ?? PDHG_DEFAULTS.relaxation, { min: 0, max: 2, exclusiveMin: true, exclusiveMax: true });
  const gamma = options.acceleration === undefined ? 0 : checkNumberOption('acceleration.gamma', options.acceleration.gamma, { min: 0, exclusiveMin: true });
  const preconditioning = checkChoiceOption('preconditioning', options.preconditioning ?? 'none', ['none', 'diagonal'] as const);
  const restart = checkChoiceOption('restart', options.restart ?? 'none', ['none', 'adaptive'] as const);
  const restartFrequency = checkNumberOption('restartFrequency', options.restartFrequency ?? hooks?.checkEvery ?? PDHG_DEFAULTS.restartFrequency, {
    min: 1,
    integer: true,
  });
  const weightUpdate = options.primalWeightUpdate ?? false;
  const stopping = checkChoiceOption('stopping', options.stopping ?? 'kkt', ['kkt', 'gap'] as const);

  // Hypotheses of the enlarged rule: g quadratic, θ = 1, no relaxation / acceleration / preconditioning.
  if (stepRule === 'enlarged') {
    if (!recognizedQuadratic(g) && options.assumeQuadraticG !== true) {
      throw invalidOption(
        'stepRule',
        "'enlarged' only for a quadratic g (quadraticTerm or prox's squaredNormL2), or assumeQuadraticG: true",
        'enlarged',
      );
    }
    if (theta !== 1 || rho !== 1 || gamma > 0 || preconditioning !== 'none') {
      throw invalidOption('stepRule', "'enlarged' with θ = 1 and no relaxation, acceleration or preconditioning", 'enlarged');
    }
  }
  if (gamma > 0 && (stepRule === 'adaptive' || restart !== 'none' || preconditioning !== 'none' || theta !== 1)) {
    throw invalidOption('acceleration', 'used alone with the standard rule and θ = 1', options.acceleration);
  }
  if (restart !== 'none' && (theta !== 1 || rho !== 1)) {
    throw invalidOption('restart', "'adaptive' with θ = 1 and no relaxation", restart);
  }
  if (stopping === 'gap') {
    const fc = (f as { conjugateValue?: unknown }).conjugateValue;
    const gc = (g as { conjugateValue?: unknown }).conjugateValue;
    if (typeof fc !== 'function' || typeof gc !== 'function') {
      throw invalidOption('stopping', "'gap' only when f and g have conjugateValue", stopping);
    }
  }

  // Diagonal preconditioning (Pock & Chambolle 2011, α = 1).
  let tauVec: Float64Array | undefined;
  let sigmaVec: Float64Array | undefined;
  if (preconditioning === 'diagonal') {
    if (!isExplicit(K)) throw invalidOption('preconditioning', "'diagonal' with an explicit K (Matrix, CsrMatrix or CscMatrix)", 'a LinearOperator');
    for (const [name, t] of [['f', f], ['g', gStar ?? g]] as const) {
      if (typeof (t as Partial<DiagonalProximable>).proxDiagonal !== 'function') {
        throw invalidOption('preconditioning', `'diagonal' with ${name}.proxDiagonal (a separable term)`, 'none');
      }
    }
    if (stepRule !== 'standard') throw invalidOption('stepRule', "'standard' with diagonal preconditioning", stepRule);
    const sparse = K instanceof Matrix ? CsrMatrix.fromDense(K) : K;
    const rowSums = sparse.rowNorms(1);
    const colSums = sparse.columnNorms(1);
    tauVec = new Float64Array(n);
    sigmaVec = new Float64Array(m);
    for (let j = 0; j < n; j++) tauVec[j] = colSums[j]! > 0 ? 1 / colSums[j]! : 1;
    for (let i = 0; i < m; i++) sigmaVec[i] = rowSums[i]! > 0 ? 1 / rowSums[i]! : 1;
  }

  // ‖K‖ (not needed with diagonal preconditioning).
  let normK = NaN;
  if (options.normK !== undefined) normK = checkNumberOption('normK', options.normK, { min: 0, exclusiveMin: true });
  else if (preconditioning === 'none') {
    // The adaptive rule uses ‖K‖ only for its first step η₀ = 1/‖K‖: a rough estimate is enough there.
    const tolerance = stepRule === 'adaptive' ? PDHG_DEFAULTS.adaptiveNormTolerance : PDHG_DEFAULTS.normTolerance;
    normK = spectralNorm(K, { method: 'power', tolerance }).value;
    if (!(normK > 0)) normK = 1; // K = 0: any steps work
  }
  const bound = stepRule === 'enlarged' ? PDHG_DEFAULTS.enlargedBound : 1;
  let eta = stepRule === 'adaptive' ? 1 / Math.max(normK, 1e-300) : Math.sqrt(bound * stepFraction) / normK;
  let tau = eta / omega;
  let sigma = eta * omega;
  if (options.tau !== undefined || options.sigma !== undefined) {
    if (options.tau === undefined || options.sigma === undefined) throw invalidOption('tau', 'tau and sigma together', options.tau);
    tau = checkNumberOption('tau', options.tau, { min: 0, exclusiveMin: true });
    sigma = checkNumberOption('sigma', options.sigma, { min: 0, exclusiveMin: true });
    if (stepRule !== 'adaptive' && preconditioning === 'none' && !(tau * sigma * normK * normK < bound)) {
      throw invalidOption('tau', `τσ‖K‖² < ${bound === 1 ? '1' : '4/3'} (‖K‖ = ${normK})`, tau * sigma * normK * normK);
    }
    eta = Math.sqrt(tau * sigma);
    omega = Math.sqrt(sigma / tau);
  }
  if (gamma > 0 && tau * sigma * normK * normK > 1) throw invalidOption('tau', 'τσ‖K‖² ≤ 1 for acceleration', tau * sigma * normK * normK);

  // Workspaces.
  let x = new Float64Array(n);
  let y = new Float64Array(m);
  const warm = options.warmStart;
  if (warm !== undefined) {
    if (warm.x !== undefined) {
      if (warm.x.length !== n) throw dimensionMismatch('warmStart.x', `length ${n}`, `length ${warm.x.length}`);
      x.set(warm.x);
      assertFinite('warmStart.x', x);
    }
    if (warm.y !== undefined) {
      if (warm.y.length !== m) throw dimensionMismatch('warmStart.y', `length ${m}`, `length ${warm.y.length}`);
      y.set(warm.y);
      assertFinite('warmStart.y', y);
    }
  }
  let Kx = new Float64Array(m);
  let KTy = new Float64Array(n);
  K.apply(x, Kx);
  K.applyTranspose(y, KTy);
  let xNew = new Float64Array(n);
  let yNew = new Float64Array(m);
  let KxNew = new Float64Array(m);
  let KTyNew = new Float64Array(n);
  const vx = new Float64Array(n);
  const vy = new Float64Array(m);
  const rp = new Float64Array(n);
  const rd = new Float64Array(m);
  const moreau = new Float64Array(m);
  let applications = 1;

  const proxF = (v: Float64Array, step: number, out: Float64Array): void => {
    if (tauVec !== undefined) (f as DiagonalProximable).proxDiagonal(v, tauVec, out);
    else f.prox(v, step, out);
  };
  // prox_{σg*}(v) = v − σ prox_{g/σ}(v/σ) (Moreau), or diagonal: v − Σ prox_{Σ⁻¹g}(Σ⁻¹v).
  const invSigma = sigmaVec === undefined ? undefined : sigmaVec.map((s) => 1 / s);
  const proxGStar = (v: Float64Array, step: number, out: Float64Array): void => {
    if (gStar !== undefined) {
      if (sigmaVec !== undefined) (gStar as DiagonalProximable).proxDiagonal(v, sigmaVec, out);
      else gStar.prox(v, step, out);
      return;
    }
    if (sigmaVec !== undefined) {
      for (let i = 0; i < m; i++) moreau[i] = v[i]! / sigmaVec[i]!;
      (g as DiagonalProximable).proxDiagonal(moreau, invSigma!, moreau);
      for (let i = 0; i < m; i++) out[i] = v[i]! - sigmaVec[i]! * moreau[i]!;
    } else {
      for (let i = 0; i < m; i++) moreau[i] = v[i]! / step;
      g.prox(moreau, 1 / step, moreau);
      for (let i = 0; i < m; i++) out[i] = v[i]! - step * moreau[i]!;
    }
  };

  // One PDHG step from (x0, y0) with Kx0, KTy0 into (x1, y1, Kx1, KTy1); θ extrapolation.
  const step = (
    x0: Float64Array,
    y0: Float64Array,
    Kx0: Float64Array,
    KTy0: Float64Array,
    t: number,
    s: number,
    th: number,
    x1: Float64Array,
    y1: Float64Array,
    Kx1: Float64Array,
    KTy1: Float64Array,
  ): void => {
    stepAlong(vx, x0, KTy0, tauVec ?? t);
    proxF(vx, t, x1);
    K.apply(x1, Kx1);
    extrapolate(vy, Kx1, Kx0, th); // K x̄ = Kx⁺ + θ(Kx⁺ − Kx)
    stepInto(vy, y0, vy, sigmaVec ?? s);
    proxGStar(vy, s, y1);
    K.applyTranspose(y1, KTy1);
    applications++;
  };

  // Restart state.
  const useAverage = restart !== 'none';
  const xAvg = new Float64Array(useAverage ? n : 0);
  const yAvg = new Float64Array(useAverage ? m : 0);
  const KxAvg = new Float64Array(useAverage ? m : 0);
  const KTyAvg = new Float64Array(useAverage ? n : 0);
  const xT = new Float64Array(useAverage ? n : 0);
  const yT = new Float64Array(useAverage ? m : 0);
  const KxT = new Float64Array(useAverage ? m : 0);
  const KTyT = new Float64Array(useAverage ? n : 0);
  const xLast = Float64Array.from(useAverage ? x : []);
  const yLast = Float64Array.from(useAverage ? y : []);
  let weightSum = 0;
  let lastRestartError = Infinity;
  let previousCandidateError = Infinity;
  let sinceRestart = 0;
  let restarts = 0;
  // Infeasibility detection (LP): snapshots one check interval apart.
  const snap = hooks?.differences !== undefined;
  const xSnap = Float64Array.from(snap ? x : []);
  const ySnap = Float64Array.from(snap ? y : []);
  const KxSnap = Float64Array.from(snap ? Kx : []);
  const KTySnap = Float64Array.from(snap ? KTy : []);
  const dX = new Float64Array(snap ? n : 0);
  const dY = new Float64Array(snap ? m : 0);
  const dKx = new Float64Array(snap ? m : 0);
  const dKTy = new Float64Array(snap ? n : 0);

  // Fixed-point residual ‖z − T(z)‖ in the PDHG metric (θ = 1): ‖Δx‖²/τ + ‖Δy‖²/σ − 2Δxᵀ(KᵀΔy).
  const fixedPointError = (x0: Float64Array, y0: Float64Array, KTy0: Float64Array, x1: Float64Array, y1: Float64Array, KTy1: Float64Array): number => {
    const q = squaredDistance(x0, x1) / tau + squaredDistance(y0, y1) / sigma - 2 * dotDifferences(x0, x1, KTy0, KTy1);
    return Math.sqrt(Math.max(q, 0));
  };

  const objectiveOf = (xv: Float64Array, Kxv: Float64Array): number => f.value(xv) + g.value(Kxv);
  const gapOf = (xv: Float64Array, yv: Float64Array, Kxv: Float64Array, KTyv: Float64Array): number => {
    const fc = (f as unknown as { conjugateValue(v: Float64Array): number }).conjugateValue;
    const gc = (g as unknown as { conjugateValue(v: Float64Array): number }).conjugateValue;
    for (let j = 0; j < n; j++) vx[j] = -KTyv[j]!;
    return objectiveOf(xv, Kxv) + fc.call(f, vx) + gc.call(g, yv);
  };

  driver.start();
  let residuals: Record<string, number> = { primal: NaN, dual: NaN };
  let objective = NaN;
  let status: Status | undefined = driver.checkBeforeFirst();
  let iteration = 0;
  let hookObjective = NaN;
  let lastCheckError = NaN; // the hooks' KKT error at this check (reused by the restart test)
  const checkEvery = hooks?.checkEvery ?? restartFrequency;
  if (hooks !== undefined) {
    const ev = hooks.evaluate(x, y, Kx, KTy, false);
    residuals = ev.residuals;
    hookObjective = ev.objective;
  }
  while (status === undefined) {
    iteration++;
    // One step; PDLP's adaptive rule retries until η ≤ movement / interaction.
    for (;;) {
      tau = eta / omega;
      sigma = eta * omega;
      if (gamma > 0) {
        // Chambolle–Pock Algorithm 2 in x-first order: θₙ = 1/√(1 + 2γτₙ), τₙ₊₁ = θₙτₙ, σₙ₊₁ = σₙ/θₙ.
        const thetaN = 1 / Math.sqrt(1 + 2 * gamma * tau);
        const sigmaNext = sigma / thetaN;
        step(x, y, Kx, KTy, tau, sigmaNext, thetaN, xNew, yNew, KxNew, KTyNew);
        halfStepResidual(rp, x, xNew, tau, KTy, KTyNew, 1);
        halfStepResidual(rd, y, yNew, sigmaNext, Kx, KxNew, thetaN);
        tau *= thetaN;
        sigma = sigmaNext;
        eta = Math.sqrt(tau * sigma);
        omega = Math.sqrt(sigma / tau);
        break;
      }
      step(x, y, Kx, KTy, tau, sigma, theta, xNew, yNew, KxNew, KTyNew);
      if (stepRule !== 'adaptive') break;
      const movement = 0.5 * omega * squaredDistance(xNew, x) + (0.5 / omega) * squaredDistance(yNew, y);
      const interaction = Math.abs(dotDifferences(xNew, x, KTyNew, KTy));
      const limit = interaction > 0 ? movement / interaction : Infinity;
      const k = iteration;
      const next = Math.min(
        (1 - Math.pow(k + 1, -PDHG_DEFAULTS.adaptiveReductionExponent)) * limit,
        (1 + Math.pow(k + 1, -PDHG_DEFAULTS.adaptiveGrowthExponent)) * eta,
      );
      const accepted = eta <= limit;
      eta = next;
      if (accepted) break;
    }
    // With hooks (LP) the stopping and restart measures are the hooks' own: skip the per-iteration residuals.
    const own = hooks === undefined;
    if (gamma === 0 && own) {
      halfStepResidual(rp, x, xNew, tauVec ?? tau, KTy, KTyNew, 1);
      halfStepResidual(rd, y, yNew, sigmaVec ?? sigma, Kx, KxNew, theta);
    }
    const fpe = useAverage && own ? fixedPointError(x, y, KTy, xNew, yNew, KTyNew) : 0;

    // KKT residuals of (x⁺, y⁺): rp ∈ ∂f(x⁺) + Kᵀy⁺, rd ∈ ∂g*(y⁺) − Kx⁺ (ℓ2 norms).
    const primalRes = own ? norm2(rp) : NaN;
    const dualRes = own ? norm2(rd) : NaN;
    const primalScale = own ? Math.max(norm2(KTyNew), normDiff(rp, KTyNew, -1)) : NaN;
    const dualScale = own ? Math.max(norm2(KxNew), normDiff(rd, KxNew, 1)) : NaN;

    // Accept (with over-relaxation ρ): z ← z + ρ(z⁺ − z).
    if (rho !== 1) {
      relaxInto(x, x, xNew, rho);
      relaxInto(y, y, yNew, rho);
      relaxInto(Kx, Kx, KxNew, rho);
      relaxInto(KTy, KTy, KTyNew, rho);
    } else {
      [x, xNew] = [xNew, x];
      [y, yNew] = [yNew, y];
      [Kx, KxNew] = [KxNew, Kx];
      [KTy, KTyNew] = [KTyNew, KTy];
    }
    if (useAverage) {
      weightSum += eta;
      const w = eta / weightSum;
      blendInto(xAvg, x, w);
      blendInto(yAvg, y, w);
      blendInto(KxAvg, Kx, w);
      blendInto(KTyAvg, KTy, w);
    }
    sinceRestart++;

    let converged: boolean | Status = false;
    const checkNow = iteration % checkEvery === 0;
    if (hooks !== undefined) {
      if (checkNow) {
        const ev = hooks.evaluate(x, y, Kx, KTy, false);
        residuals = ev.residuals;
        hookObjective = ev.objective;
        converged = ev.status;
        lastCheckError = ev.error;
        if (converged === false && hooks.differences !== undefined) {
          for (let j = 0; j < n; j++) dX[j] = x[j]! - xSnap[j]!;
          for (let i = 0; i < m; i++) dY[i] = y[i]! - ySnap[i]!;
          for (let i = 0; i < m; i++) dKx[i] = Kx[i]! - KxSnap[i]!;
          for (let j = 0; j < n; j++) dKTy[j] = KTy[j]! - KTySnap[j]!;
          converged = hooks.differences(dX, dY, dKx, dKTy) ?? false;
          xSnap.set(x);
          ySnap.set(y);
          KxSnap.set(Kx);
          KTySnap.set(KTy);
        }
      }
    } else {
      residuals = { primal: primalRes, dual: dualRes };
      if (stopping === 'gap') {
        // An infinite gap (y outside dom f*(−Kᵀ·)) is not reported as a residual: the driver would read it as a breakdown.
        const gap = gapOf(x, y, Kx, KTy);
        residuals = Number.isFinite(gap) ? { primal: primalRes, dual: dualRes, gap } : { primal: primalRes, dual: dualRes };
        converged = Number.isFinite(gap) && withinTolerance(Math.abs(gap), Math.abs(objectiveOf(x, Kx)), tol);
      } else {
        converged = withinTolerance(primalRes, primalScale, tol) && withinTolerance(dualRes, dualScale, tol);
      }
    }

    // Adaptive restarts (PDLP §3.2), measured by the hooks' KKT error or the fixed-point residual.
    if (useAverage && checkNow && converged === false) {
      let currentError: number;
      let averageError: number;
      if (hooks?.restartMetric !== undefined) {
        currentError = hooks.restartMetric(x, y, Kx, KTy, xLast, yLast, omega);
        averageError = hooks.restartMetric(xAvg, yAvg, KxAvg, KTyAvg, xLast, yLast, omega);
      } else if (hooks !== undefined) {
        currentError = lastCheckError;
        averageError = hooks.evaluate(xAvg, yAvg, KxAvg, KTyAvg, false).error;
      } else {
        currentError = fpe;
        step(xAvg, yAvg, KxAvg, KTyAvg, tau, sigma, 1, xT, yT, KxT, KTyT);
        averageError = fixedPointError(xAvg, yAvg, KTyAvg, xT, yT, KTyT);
      }
      const useAvg = averageError < currentError;
      const candidateError = useAvg ? averageError : currentError;
      if (lastRestartError === Infinity) lastRestartError = candidateError;
      const doRestart =
        candidateError <= PDHG_DEFAULTS.restartSufficient * lastRestartError ||
        (candidateError <= PDHG_DEFAULTS.restartNecessary * lastRestartError && candidateError > previousCandidateError) ||
        sinceRestart >= PDHG_DEFAULTS.restartArtificial * iteration;
      previousCandidateError = candidateError;
      if (doRestart) {
        if (useAvg) {
          x.set(xAvg);
          y.set(yAvg);
          Kx.set(KxAvg);
          KTy.set(KTyAvg);
        }
        if (weightUpdate) {
          const dx = Math.sqrt(squaredDistance(x, xLast));
          const dy = Math.sqrt(squaredDistance(y, yLast));
          if (dx > 1e-10 && dy > 1e-10) {
            const s = PDHG_DEFAULTS.primalWeightSmoothing;
            omega = Math.exp(s * Math.log(dy / dx) + (1 - s) * Math.log(omega));
          }
        }
        xLast.set(x);
        yLast.set(y);
        xAvg.set(x);
        yAvg.set(y);
        KxAvg.set(Kx);
        KTyAvg.set(KTy);
        weightSum = 0;
        sinceRestart = 0;
        lastRestartError = candidateError;
        previousCandidateError = Infinity;
        restarts++;
      }
    }

    const info: PdhgIterationInfo = {
      iteration,
      objective: hooks !== undefined ? hookObjective : driver.wantsHistory(iteration) ? objectiveOf(x, Kx) : NaN,
      residuals,
      elapsedMs: driver.elapsedMs(),
      tau,
      sigma,
    };
    status = driver.record(info, converged);
    yield { iteration, x, y, Kx, KTy, residuals, tau, sigma };
  }

  if (hooks !== undefined) {
    const ev = hooks.evaluate(x, y, Kx, KTy, true);
    objective = ev.objective;
    residuals = ev.residuals;
  } else {
    objective = objectiveOf(x, Kx);
    const fc = (f as { conjugateValue?: unknown }).conjugateValue;
    const gc = (g as { conjugateValue?: unknown }).conjugateValue;
    if (typeof fc === 'function' && typeof gc === 'function' && iteration > 0) {
      const gap = gapOf(x, y, Kx, KTy);
      if (Number.isFinite(gap)) residuals = { ...residuals, gap };
    }
  }
  return driver.finish(
    status,
    { x: Float64Array.from(x), objective, residuals },
    {
      y: Float64Array.from(y),
      tau,
      sigma,
      normK,
      stepRule,
      restarts,
      primalWeight: omega,
      operatorApplications: applications,
      ...(hooks?.extraResult?.() ?? {}),
    },
  );
}

/** ‖a + sign·b‖₂ without a buffer. */
function normDiff(a: Float64Array, b: Float64Array, sign = 1): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! + sign * b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}
