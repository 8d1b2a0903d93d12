import { FirstOrderError, checkNumberOption, invalidArgument, now, toFloat64Array } from '@firstorder/core';
import type { LinearOperator } from '@firstorder/core';
import { conjugateGradient, spectralNorm } from '@firstorder/linalg';
import { applyLaplacian, bandCholeskyFactor, bandCholeskySolve, laplacianBand, projectionInto } from './kernels.js';
import { iteratePdhg } from './pdhg.js';
import type { PdhgOptions, PdhgResult, PdhgState } from './pdhg.js';
import { elasticBoxTerm, quadraticTerm } from './terms.js';

/**
 * The discrete elliptic sparse-control problem on the unit square (5-point finite differences on an
 * m×m interior grid, h = 1/(m+1), homogeneous Dirichlet boundary):
 *
 *   min_u  (h²/2)‖y − y_d‖² + (h²α/2)‖u‖² + h²β‖u‖₁   s.t.  −Δ_h y = u + f,  a ≤ u ≤ b.
 *
 * The h² weights make the sums approximate the L² integrals. S = (−Δ_h)⁻¹ is the control-to-state map;
 * PDHG works on min_u F(u) + G(Su) with G(y) = ½‖y − (y_d − Sf)‖² quadratic (after dividing J by h²) (the setting of
 * Song, Yuan & Yue 2023), so every iteration is one state solve (S u) and one adjoint solve (Sᵀp = S p).
 */
export interface EllipticControlProblem {
  /** Interior grid points per side. */
  readonly m: number;
  readonly alpha: number;
  readonly beta: number;
  /** Target state on the interior nodes (row-major, m² values) or a function of (x₁, x₂). */
  readonly yd: ArrayLike<number> | ((x1: number, x2: number) => number);
  /** Source term f (default 0). */
  readonly source?: ArrayLike<number> | ((x1: number, x2: number) => number);
  readonly lower?: number;
  readonly upper?: number;
}

/** A discretized linear-quadratic sparse-control problem: state = S u + stateShift. */
export interface ControlModel {
  readonly m: number;
  /** Number of controls (and of states). */
  readonly n: number;
  /** S u + stateShift is the state (S f for a source f). */
  readonly stateShift: Float64Array;
  readonly h: number;
  readonly alpha: number;
  readonly beta: number;
  readonly lower: number;
  readonly upper: number;
  readonly yd: Float64Array;
  readonly source: Float64Array;
  /** Control-to-state map S (banded Cholesky factor reused; symmetric for the elliptic model). */
  readonly S: LinearOperator & { readonly solves: () => number };
  /** ‖S‖₂ (elliptic: 1/λ_min(−Δ_h), λ_min = (8/h²)·sin²(πh/2); parabolic: power iteration). */
  readonly normS: number;
  /** Objective J(u). */
  objective(u: Float64Array): number;
  /** y = S(u + f), p = S(y − y_d), and the KKT residuals (state, adjoint, projection formula). */
  kkt(u: Float64Array): { y: Float64Array; p: Float64Array; residuals: { state: number; adjoint: number; projection: number } };
}

export type EllipticControlModel = ControlModel;

function gridValues(name: string, v: ArrayLike<number> | ((x1: number, x2: number) => number) | undefined, m: number): Float64Array {
  const n = m * m;
  if (v === undefined) return new Float64Array(n);
  if (typeof v === 'function') {
    const h = 1 / (m + 1);
    const out = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) out[i * m + j] = v((j + 1) * h, (i + 1) * h);
    return out;
  }
  const a = toFloat64Array(name, v);
  if (a.length !== n) throw invalidArgument(name, `${n} values (m²) or a function`, v);
  return a;
}

/** The cost weights and control bounds shared by the elliptic and parabolic problems, validated. */
function controlCosts(problem: { readonly alpha: number; readonly beta: number; readonly lower?: number; readonly upper?: number }) {
  const alpha = checkNumberOption('alpha', problem.alpha, { min: 0, exclusiveMin: true });
  const beta = checkNumberOption('beta', problem.beta, { min: 0 });
  const lower = problem.lower ?? -Infinity;
  const upper = problem.upper ?? Infinity;
  if (typeof lower !== 'number' || typeof upper !== 'number' || Number.isNaN(lower) || Number.isNaN(upper) || lower > upper) {
    throw invalidArgument('lower', `a number ≤ upper (${upper})`, lower);
  }
  return { alpha, beta, lower, upper };
}

/** Σ_i ½(y_i − y_d,i)² + ½α u_i² + β|u_i| (the objective before its quadrature weight); ∞ outside [a, b]. */
function controlCostSum(n: number, u: Float64Array, y: Float64Array, yd: Float64Array, alpha: number, beta: number, lower: number, upper: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = u[i]!;
    if (v < lower - 1e-12 || v > upper + 1e-12) return Infinity;
    s += 0.5 * (y[i]! - yd[i]!) ** 2 + 0.5 * alpha * v * v + beta * Math.abs(v);
  }
  return s;
}

/** ‖u − proj‖/max(‖u‖, 1): the relative projection-formula residual. */
function projectionResidual(n: number, u: Float64Array, proj: Float64Array): number {
  let d = 0;
  let nu = 0;
  for (let i = 0; i < n; i++) {
    d += (u[i]! - proj[i]!) ** 2;
    nu += u[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(nu), 1);
}

/** √(residual²)/√(norm²), guarded against a zero norm (the KKT state and adjoint residuals). */
function relative(residualSq: number, normSq: number): number {
  return Math.sqrt(residualSq) / Math.max(Math.sqrt(normSq), 1e-300);
}

/** Builds the discretization (factor of −Δ_h once: O(m⁴) flops, half bandwidth m). */
export function ellipticControlModel(problem: EllipticControlProblem): EllipticControlModel {
  if (problem === null || typeof problem !== 'object') throw invalidArgument('problem', 'an object { m, alpha, beta, yd }', problem);
  const m = checkNumberOption('m', problem.m, { min: 1, integer: true });
  const { alpha, beta, lower, upper } = controlCosts(problem);
  const n = m * m;
  const h = 1 / (m + 1);
  const yd = gridValues('yd', problem.yd, m);
  const source = gridValues('source', problem.source, m);
  const band = laplacianBand(m);
  const pivot = bandCholeskyFactor(band, n, m);
  if (pivot >= 0) throw new FirstOrderError('NOT_POSITIVE_DEFINITE', `−Δ_h: non-positive pivot at ${pivot}`, 'm');
  let solves = 0;
  const S = {
    rows: n,
    cols: n,
    apply(x: Float64Array, out: Float64Array) {
      solves++;
      bandCholeskySolve(band, n, m, x, out);
    },
    applyTranspose(x: Float64Array, out: Float64Array) {
      solves++;
      bandCholeskySolve(band, n, m, x, out);
    },
    solves: () => solves,
  };
  const lambdaMin = (8 / (h * h)) * Math.sin((Math.PI * h) / 2) ** 2;
  const stateShift = new Float64Array(n);
  bandCholeskySolve(band, n, m, source, stateShift);
  const h2 = h * h;
  const y = new Float64Array(n);
  const tmp = new Float64Array(n);
  const stateOf = (u: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < n; i++) tmp[i] = u[i]! + source[i]!;
    bandCholeskySolve(band, n, m, tmp, out);
  };
  return {
    m,
    n,
    h,
    alpha,
    beta,
    lower,
    upper,
    yd,
    source,
    stateShift,
    S,
    normS: 1 / lambdaMin,
    objective(u) {
      stateOf(u, y);
      return h2 * controlCostSum(n, u, y, yd, alpha, beta, lower, upper);
    },
    kkt(u) {
      const yy = new Float64Array(n);
      const p = new Float64Array(n);
      stateOf(u, yy);
      for (let i = 0; i < n; i++) tmp[i] = yy[i]! - yd[i]!;
      bandCholeskySolve(band, n, m, tmp, p);
      // Residuals of −Δy − u − f = 0 and −Δp − (y − y_d) = 0 (relative), and of u = P[a,b](soft(−p, β)/α).
      const r = new Float64Array(n);
      applyLaplacian(yy, r, m);
      let rs = 0;
      let ns = 0;
      for (let i = 0; i < n; i++) {
        rs += (r[i]! - u[i]! - source[i]!) ** 2;
        ns += (u[i]! + source[i]!) ** 2;
      }
      applyLaplacian(p, r, m);
      let ra = 0;
      let na = 0;
      for (let i = 0; i < n; i++) {
        ra += (r[i]! - yy[i]! + yd[i]!) ** 2;
        na += (yy[i]! - yd[i]!) ** 2;
      }
      const projection = projectionResidual(n, u, projectionFormula(p, alpha, beta, lower, upper));
      return { y: yy, p, residuals: { state: relative(rs, ns), adjoint: relative(ra, na), projection } };
    },
  };
}

/** u = P_[a,b]( soft(−p, β)/α ) componentwise: the optimality condition of the control. */
export function projectionFormula(p: Float64Array, alpha: number, beta: number, lower: number, upper: number, out = new Float64Array(p.length)): Float64Array {
  projectionInto(p, alpha, beta, lower, upper, out);
  return out;
}

/** The PDHG problem { K = S, f = control cost, g = tracking term } for a model. */
function pdhgProblem(model: ControlModel) {
  // Every term carries the same factor h², which does not change the minimizer: PDHG runs on J/h² (the
  // Euclidean form of the L²-weighted problem, so the steps match the function-space algorithm).
  const h2 = 1;
  // Shifted target: G(Su) = (h²/2)‖S(u + f) − y_d‖² = (h²/2)‖Su − (y_d − Sf)‖².
  const center = Float64Array.from(model.yd, (v, i) => v - model.stateShift[i]!);
  return {
    K: model.S,
    f: elasticBoxTerm({ l1: h2 * model.beta, l2: h2 * model.alpha, lower: model.lower, upper: model.upper }),
    g: quadraticTerm({ weight: h2, center }),
  };
}

export type EllipticControlResult = PdhgResult & {
  readonly state: Float64Array;
  readonly adjoint: Float64Array;
  readonly kkt: { state: number; adjoint: number; projection: number };
  /** Sparse-solve count (state + adjoint). */
  readonly pdeSolves: number;
  /** Projection-formula residual after each iteration (only when `history` is requested). */
  readonly projectionHistory?: number[];
};

/**
 * Solves the elliptic sparse-control problem by PDHG (options as solvePdhg: `stepRule: 'enlarged'`
 * applies, since G is quadratic; `acceleration: { gamma: α }` uses the strong convexity of F).
 * Stopping: the relative projection-formula residual ‖u − P(soft(−p, β)/α)‖/max(‖u‖, 1) ≤ tolerance.relative
 * (+ absolute), checked every iteration from the adjoint the iteration already computed.
 */
export function solveEllipticControl(problem: EllipticControlProblem | ControlModel, options: PdhgOptions = {}): EllipticControlResult {
  const model = 'S' in problem ? problem : ellipticControlModel(problem);
  const start = model.S.solves();
  const t0 = now();
  const pd = pdhgProblem(model);
  const tolAbs = options.tolerance?.absolute ?? 0;
  const tolRel = options.tolerance?.relative ?? 1e-6;
  // At a saddle point the PDHG dual is y = Su + Sf − y_d, so Kᵀy = Sy = p (the adjoint): the
  // projection-formula test uses the Kᵀy the iteration already computed, no extra PDE solve. (The flag set
  // here is seen by the driver at the next iteration, so the solve ends one iteration after the test holds.)
  const stop = { value: false };
  const onIteration = options.onIteration;
  const gen = iteratePdhg(pd, {
    normK: model.normS,
    ...options,
    // The iteration's own KKT residuals are replaced by the control problem's criterion below.
    tolerance: { absolute: 0, relative: 0 },
    onIteration: (info) => {
      const r = onIteration?.(info);
      return stop.value || r === 'stop' ? 'stop' : undefined;
    },
  });
  const proj = new Float64Array(model.n);
  let result: PdhgResult | undefined;
  let lastResidual = NaN;
  const trace: number[] | undefined = options.history === undefined || options.history === false ? undefined : [];
  for (;;) {
    const step = gen.next();
    if (step.done === true) {
      result = step.value;
      break;
    }
    const s: PdhgState = step.value;
    projectionInto(s.KTy, model.alpha, model.beta, model.lower, model.upper, proj);
    lastResidual = projectionResidual(model.n, s.x, proj);
    trace?.push(lastResidual);
    if (lastResidual <= tolAbs + tolRel) stop.value = true;
  }
  const k = model.kkt(result.x);
  const converged = stop.value;
  return Object.assign(result, {
    status: converged ? ('converged' as const) : result.status,
    converged,
    message: converged ? `projection-formula residual ${lastResidual.toExponential(2)} ≤ tolerance` : result.message,
    objective: model.objective(result.x),
    residuals: { ...result.residuals, projection: lastResidual },
    state: k.y,
    adjoint: k.p,
    kkt: k.residuals,
    pdeSolves: model.S.solves() - start,
    ...(trace === undefined ? {} : { projectionHistory: trace }),
    timeMs: now() - t0,
  }) as EllipticControlResult;
}

/**
 * Independent reference: semismooth Newton (primal-dual active set) on u = P[a,b](soft(−p(u), β)/α),
 * p(u) = Sᵀ(Su + Sf − y_d). Each Newton step solves (αI + (SᵀS)_II) u_I = rhs on the inactive set I by CG
 * (two banded solves per product). Stops when the active sets repeat.
 */
export function solveEllipticControlSsn(
  problem: EllipticControlProblem | ControlModel,
  options: { maxIterations?: number; cgTolerance?: number } = {},
): { u: Float64Array; iterations: number; converged: boolean } {
  const model = 'S' in problem ? problem : ellipticControlModel(problem);
  const { n, alpha, beta, lower, upper } = model;
  const maxIterations = options.maxIterations ?? 50;
  const cgTol = options.cgTolerance ?? 1e-13;
  // c0 = S(S f − y_d): p(u) = S²u + c0.
  const t1 = new Float64Array(n);
  const t2 = new Float64Array(n);
  for (let i = 0; i < n; i++) t1[i] = model.stateShift[i]! - model.yd[i]!;
  const c0 = new Float64Array(n);
  model.S.applyTranspose(t1, c0);
  const S2 = (x: Float64Array, out: Float64Array): void => {
    model.S.apply(x, t2);
    model.S.applyTranspose(t2, out);
  };
  let u = new Float64Array(n);
  const p = new Float64Array(n);
  // Region codes: 0 zero, 1 positive-free, −1 negative-free, 2 upper, −2 lower.
  let region = new Int8Array(n).fill(99);
  for (let it = 1; it <= maxIterations; it++) {
    S2(u, p);
    for (let i = 0; i < n; i++) p[i] = p[i]! + c0[i]!;
    const next = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const v = -p[i]!;
      let code = 0;
      if (v > beta) code = (v - beta) / alpha >= upper ? 2 : 1;
      else if (v < -beta) code = (v + beta) / alpha <= lower ? -2 : -1;
      next[i] = code;
    }
    let same = true;
    for (let i = 0; i < n; i++) if (next[i] !== region[i]) same = false;
    if (same) return { u, iterations: it - 1, converged: true };
    region = next;
    // Fixed part of u on the active set, then the reduced system on the free set.
    const fixed = new Float64Array(n);
    const free: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = region[i]!;
      if (r === 2) fixed[i] = upper;
      else if (r === -2) fixed[i] = lower;
      else if (r === 0) fixed[i] = 0;
      else free.push(i);
    }
    const nf = free.length;
    const uNew = Float64Array.from(fixed);
    if (nf > 0) {
      S2(fixed, t1);
      const rhs = new Float64Array(nf);
      for (let k = 0; k < nf; k++) {
        const i = free[k]!;
        rhs[k] = -(c0[i]! + t1[i]!) - (region[i] === 1 ? beta : -beta);
      }
      const full = new Float64Array(n);
      const image = new Float64Array(n);
      const op = (x: Float64Array, out: Float64Array): void => {
        full.fill(0);
        for (let k = 0; k < nf; k++) full[free[k]!] = x[k]!;
        S2(full, image);
        for (let k = 0; k < nf; k++) out[k] = alpha * x[k]! + image[free[k]!]!;
      };
      const sol = conjugateGradient(op, rhs, { tolerance: { absolute: 0, relative: cgTol }, maxIterations: 20 * nf });
      for (let k = 0; k < nf; k++) uNew[free[k]!] = sol.x[k]!;
    }
    u = uNew;
  }
  return { u, iterations: maxIterations, converged: false };
}


/**
 * The parabolic analogue on (0,1)² × (0, T): y_t − Δy = u, y(0) = 0, homogeneous Dirichlet boundary,
 * 5-point FD in space and implicit Euler with `steps` steps in time, objective
 * (h²Δt/2)Σ‖y_k − y_d,k‖² + (h²Δt α/2)‖u‖² + h²Δt β‖u‖₁, a ≤ u ≤ b. S u solves (I + Δt A) y_k = y_{k−1} + Δt u_k
 * forward (one banded factor of I + ΔtA, reused); Sᵀ v runs the adjoint backward in time.
 */
export function parabolicControlModel(problem: {
  readonly m: number;
  readonly steps: number;
  readonly T?: number;
  readonly alpha: number;
  readonly beta: number;
  readonly yd: (x1: number, x2: number, t: number) => number;
  readonly lower?: number;
  readonly upper?: number;
}): ControlModel {
  if (problem === null || typeof problem !== 'object') throw invalidArgument('problem', 'an object { m, steps, alpha, beta, yd }', problem);
  const m = checkNumberOption('m', problem.m, { min: 1, integer: true });
  const steps = checkNumberOption('steps', problem.steps, { min: 1, integer: true });
  const T = checkNumberOption('T', problem.T ?? 1, { min: 0, exclusiveMin: true });
  const { alpha, beta, lower, upper } = controlCosts(problem);
  if (typeof problem.yd !== 'function') throw invalidArgument('yd', 'a function (x₁, x₂, t) → number', problem.yd);
  const nx = m * m;
  const n = nx * steps;
  const h = 1 / (m + 1);
  const dt = T / steps;
  const yd = new Float64Array(n);
  for (let k = 0; k < steps; k++) {
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) yd[k * nx + i * m + j] = problem.yd((j + 1) * h, (i + 1) * h, (k + 1) * dt);
  }
  const band = laplacianBand(m);
  for (let i = 0; i < band.length; i++) band[i] = band[i]! * dt;
  for (let i = 0; i < nx; i++) band[i * (m + 1)] = band[i * (m + 1)]! + 1;
  const pivot = bandCholeskyFactor(band, nx, m);
  if (pivot >= 0) throw new FirstOrderError('NOT_POSITIVE_DEFINITE', `I + Δt(−Δ_h): non-positive pivot at ${pivot}`, 'm');
  const rhs = new Float64Array(nx);
  let solves = 0;
  const S = {
    rows: n,
    cols: n,
    apply(u: Float64Array, out: Float64Array) {
      solves++;
      for (let k = 0; k < steps; k++) {
        for (let i = 0; i < nx; i++) rhs[i] = (k > 0 ? out[(k - 1) * nx + i]! : 0) + dt * u[k * nx + i]!;
        bandCholeskySolve(band, nx, m, rhs, out.subarray(k * nx, (k + 1) * nx));
      }
    },
    applyTranspose(v: Float64Array, out: Float64Array) {
      solves++;
      for (let k = steps - 1; k >= 0; k--) {
        for (let i = 0; i < nx; i++) rhs[i] = (k < steps - 1 ? out[(k + 1) * nx + i]! : 0) + v[k * nx + i]!;
        bandCholeskySolve(band, nx, m, rhs, out.subarray(k * nx, (k + 1) * nx));
      }
      for (let i = 0; i < n; i++) out[i] = out[i]! * dt;
    },
    solves: () => solves,
  };
  // ‖S‖ by the power method on SᵀS (S is not symmetric).
  const normS = spectralNorm(S, { method: 'power', tolerance: 1e-8 }).value * 1.000001;
  const y = new Float64Array(n);
  const lap = new Float64Array(nx);
  const stateShift = new Float64Array(n);
  const w = h * h * dt;
  return {
    m,
    n,
    h,
    alpha,
    beta,
    lower,
    upper,
    yd,
    source: new Float64Array(n),
    stateShift,
    S,
    normS,
    objective(u) {
      S.apply(u, y);
      return w * controlCostSum(n, u, y, yd, alpha, beta, lower, upper);
    },
    kkt(u) {
      const yy = new Float64Array(n);
      const p = new Float64Array(n);
      S.apply(u, yy);
      const r = Float64Array.from(yy, (v, i) => v - yd[i]!);
      S.applyTranspose(r, p);
      // State: (I + ΔtA)y_k − y_{k−1} − Δt u_k = 0; adjoint (p = Δt·q): (I + ΔtA)q_k − q_{k+1} − (y_k − y_d,k) = 0.
      let rs = 0;
      let ns = 0;
      let ra = 0;
      let na = 0;
      for (let k = 0; k < steps; k++) {
        const yk = yy.subarray(k * nx, (k + 1) * nx);
        applyLaplacian(yk, lap, m);
        for (let i = 0; i < nx; i++) {
          const e = yk[i]! + dt * lap[i]! - (k > 0 ? yy[(k - 1) * nx + i]! : 0) - dt * u[k * nx + i]!;
          rs += e * e;
          ns += (dt * u[k * nx + i]!) ** 2;
        }
        const pk = p.subarray(k * nx, (k + 1) * nx);
        applyLaplacian(pk, lap, m);
        for (let i = 0; i < nx; i++) {
          const e = (pk[i]! + dt * lap[i]! - (k < steps - 1 ? p[(k + 1) * nx + i]! : 0)) / dt - r[k * nx + i]!;
          ra += e * e;
          na += r[k * nx + i]! ** 2;
        }
      }
      const projection = projectionResidual(n, u, projectionFormula(p, alpha, beta, lower, upper));
      return { y: yy, p, residuals: { state: relative(rs, ns), adjoint: relative(ra, na), projection } };
    },
  };
}
