import {
  IterationDriver,
  assertFinite,
  checkNumberOption,
  dimensionMismatch,
  invalidArgument,
  runToCompletion,
  toRng,
  withinTolerance,
  type IterationInfo,
  type SolveResult,
  type SolverOptions,
} from '@firstorder/core';
import { Matrix } from '@firstorder/linalg';
import type { DenseTensor3 } from './cp.js';
import { warmFactor, type FactorSeedOptions, type FactorizationState } from './engine.js';
import { frobenius, gramInto, mttkrp3, squaredDistance } from './kernels.js';
import { entropicConjugate, gridCost, planCostEntropy, sinkhornKernel } from './sinkhorn.js';

/**
 * Wasserstein CP-dictionary learning (after Kwon & Lyu, ICML 2023, arXiv:2306.02420, §"Wasserstein
 * CP-dictionary learning"): N joint distributions X_k on an I×J grid are approximated by mixtures of R product
 * distributions, X_k ≈ Y_k = Σ_r W_kr u_r ⊗ v_r, with u_r, v_r probability vectors (the columns of U, V: the
 * "elementary distributions") and W_k· probability weights, minimizing the entropic OT loss
 *   F(W, U, V) = Σ_k W_γ(X_k, Y_k),  W_γ(a, b) = min_{P ∈ Π(a, b)} ⟨P, C⟩ + γ Σ P log P.
 * BCD-PR updates W, U, V in turn; each block problem min_θ∈Θ Σ_k W_γ(X_k, (Dθ)_k) + (λ/2)‖θ − θ_prev‖² (D linear
 * in the block) is convex and is solved in the dual: max_G −Σ_k W*_k(G_k) + min_θ∈Θ ⟨DᵀG, θ⟩ + (λ/2)‖θ − θ_prev‖²,
 * whose inner minimizer is θ(G) = Π_Θ(θ_prev − DᵀG/λ) and whose gradient is Dθ(G) − ∇W*(G) (W* the closed-form
 * conjugate of entropic OT, Cuturi & Peyré 2016) — a smooth concave problem solved by accelerated gradient ascent
 * with adaptive restart; the block update is θ(G) at the final dual point (always feasible).
 */
export interface WassersteinCpIterationInfo extends IterationInfo {
  /** residuals: `stationarity` (projected-gradient norm of F), `step` ‖Θ_n − Θ_{n−1}‖, `dualResidual` (largest final Σ_k‖Dθ − ∇W*‖₁/N of the sweep's block solves). */
  readonly innerIterations: number;
  readonly sinkhornIterations: number;
}

export interface WassersteinCpOptions extends SolverOptions<WassersteinCpIterationInfo, readonly Matrix[]>, FactorSeedOptions {
  /** Entropic regularization γ (in units of the cost; the default cost has maximum 1). */
  readonly epsilon?: number;
  /** Ground cost between grid cells, (I·J)×(I·J), cell (i, j) ↦ i·J + j. Default: `gridCost(I, J)`. */
  readonly cost?: Matrix;
  /** BCD-PR proximal weight λ > 0 (absolute). */
  readonly proximalWeight?: number;
  /** Most dual ascent iterations per block solve. */
  readonly innerIterations?: number;
  /** A block solve stops when Σ_k ‖Dθ(G) − ∇W*_k(G_k)‖₁ ≤ innerTolerance·N (marginal mismatch, mass units). */
  readonly innerTolerance?: number;
  /** Sinkhorn iterations / tolerance (row-marginal L1 error) for evaluating F and its gradient. */
  readonly sinkhornIterations?: number;
  readonly sinkhornTolerance?: number;
}

/**
 * Defaults: stop when the stationarity ≤ absolute + relative·N; γ = 0.05 of the largest cost and λ = 0.1 are our
 * choices for the small grids this is meant for (the paper's values were not available to us).
 */
export const WASSERSTEIN_CP_DEFAULTS = Object.freeze({
  maxIterations: 200,
  tolerance: Object.freeze({ absolute: 1e-6, relative: 0 }),
  epsilon: 0.05,
  proximalWeight: 0.1,
  innerIterations: 2000,
  innerTolerance: 1e-9,
  sinkhornIterations: 20000,
  sinkhornTolerance: 1e-12,
});

export type WassersteinCpResult = SolveResult<Matrix[], WassersteinCpIterationInfo> & {
  /** U (I×R) and V (J×R): columns are the elementary distributions; atom r is u_r ⊗ v_r. */
  readonly atoms: readonly [Matrix, Matrix];
  /** W (N×R): row k holds the mixture weights of sample k. */
  readonly codes: Matrix;
  /** Y (N×I×J), Y[k, i, j] = Σ_r W_kr U_ir V_jr. */
  readonly reconstruction: DenseTensor3;
  /** Σ_k W_γ(X_k, Y_k) per sample. */
  readonly losses: Float64Array;
};

/** `factors` are [W, U, V] as row-major Float64Arrays (live views: copy to keep). */
export interface WassersteinCpState extends FactorizationState {
  readonly dualResidual: number;
}

/** Euclidean projection of x[off + s·t], t < n, onto the probability simplex, in place (sort-based threshold). */
function projectSimplexStrided(x: Float64Array, off: number, stride: number, n: number, scratch: Float64Array): void {
  for (let t = 0; t < n; t++) scratch[t] = x[off + stride * t]!;
  const s = scratch.subarray(0, n).sort();
  let cumulative = 0;
  let tau = s[n - 1]! - 1;
  for (let k = 1; k <= n; k++) {
    const v = s[n - k]!;
    cumulative += v;
    const t = (cumulative - 1) / k;
    if (v > t) tau = t;
    else break;
  }
  for (let t = 0; t < n; t++) {
    const v = x[off + stride * t]! - tau;
    x[off + stride * t] = v > 0 ? v : 0;
  }
}

/** Θ for block b: rows of W (b = 0) or columns of U, V (b = 1, 2) on the simplex. */
function projectBlock(F: Float64Array, rows: number, R: number, b: number, scratch: Float64Array): void {
  if (b === 0) for (let i = 0; i < rows; i++) projectSimplexStrided(F, i * R, 1, R, scratch);
  else for (let r = 0; r < R; r++) projectSimplexStrided(F, r, R, rows, scratch);
}

/** Y[k, i, j] = Σ_r W_kr U_ir V_jr into out (N×I×J row-major). */
function reconstruct(W: Float64Array, U: Float64Array, V: Float64Array, N: number, I: number, J: number, R: number, out: Float64Array, tmp: Float64Array): void {
  for (let k = 0; k < N; k++) {
    for (let i = 0; i < I; i++) {
      for (let r = 0; r < R; r++) tmp[r] = W[k * R + r]! * U[i * R + r]!;
      const o = (k * I + i) * J;
      for (let j = 0; j < J; j++) {
        let s = 0;
        for (let r = 0; r < R; r++) s += tmp[r]! * V[j * R + r]!;
        out[o + j] = s;
      }
    }
  }
}

function checkSamples(X: DenseTensor3): [number, number, number] {
  if (X === null || typeof X !== 'object' || !(X.data instanceof Float64Array)) {
    throw invalidArgument('samples', 'a tensor { data: Float64Array, shape: [N, I, J] }', X);
  }
  const shape = X.shape as unknown;
  if (!Array.isArray(shape) || shape.length !== 3) throw invalidArgument('samples.shape', '[N, I, J]', shape);
  const [N, I, J] = shape.map((d: unknown, m: number) => checkNumberOption(`samples.shape[${m}]`, d, { min: 1, integer: true })) as [number, number, number];
  if (X.data.length !== N * I * J) throw dimensionMismatch('samples.data', `length N·I·J = ${N * I * J}`, `length ${X.data.length}`);
  assertFinite('samples.data', X.data);
  const M = I * J;
  for (let k = 0; k < N; k++) {
    let s = 0;
    for (let q = 0; q < M; q++) {
      const v = X.data[k * M + q]!;
      if (v < 0) throw invalidArgument('samples.data', 'nonnegative entries', `entry ${k * M + q} = ${v}`);
      s += v;
    }
    if (Math.abs(s - 1) > 1e-9) throw invalidArgument(`samples[${k}]`, 'a probability distribution (entries summing to 1)', `sum ${s}`);
  }
  return [N, I, J];
}

/**
 * Iterates Wasserstein CP-dictionary learning by BCD-PR (see `WassersteinCpIterationInfo`'s module comment);
 * `samples` has shape [N, I, J]: samples.data[(k·I + i)·J + j] is the mass of sample k at grid cell (i, j).
 * Yields after every sweep (W, then U, then V).
 */
export function* iterateWassersteinCp(
  samples: DenseTensor3,
  rank: number,
  options: WassersteinCpOptions = {},
): Generator<WassersteinCpState, WassersteinCpResult, void> {
  const [N, I, J] = checkSamples(samples);
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an options object', options);
  const R = checkNumberOption('rank', rank, { min: 1, integer: true });
  const D = WASSERSTEIN_CP_DEFAULTS;
  const gamma = checkNumberOption('epsilon', options.epsilon ?? D.epsilon, { min: Number.MIN_VALUE });
  const lambda = checkNumberOption('proximalWeight', options.proximalWeight ?? D.proximalWeight, { min: Number.MIN_VALUE });
  const innerMax = checkNumberOption('innerIterations', options.innerIterations ?? D.innerIterations, { min: 1, integer: true });
  const innerTol = checkNumberOption('innerTolerance', options.innerTolerance ?? D.innerTolerance, { min: 0 });
  const skMax = checkNumberOption('sinkhornIterations', options.sinkhornIterations ?? D.sinkhornIterations, { min: 1, integer: true });
  const skTol = checkNumberOption('sinkhornTolerance', options.sinkhornTolerance ?? D.sinkhornTolerance, { min: 0 });
  const M = I * J;
  let cost: Matrix;
  if (options.cost === undefined) cost = gridCost(I, J);
  else {
    if (!(options.cost instanceof Matrix)) throw invalidArgument('cost', 'a Matrix', options.cost);
    if (options.cost.rows !== M || options.cost.cols !== M) throw dimensionMismatch('cost', `${M}×${M}`, `${options.cost.rows}×${options.cost.cols}`);
    assertFinite('cost', options.cost.data);
    cost = options.cost;
  }
  const C = cost.data;
  const X = samples.data;
  const driver = new IterationDriver<WassersteinCpIterationInfo>(options, D);
  const sizes = [N, I, J] as const;

  // Initial factors: warm start, or seeded uniform entries projected to their simplices by normalization.
  let factors: Float64Array[];
  if (options.warmStart !== undefined) {
    const warm = options.warmStart as unknown;
    if (!Array.isArray(warm) || warm.length !== 3) throw invalidArgument('warmStart', 'an array [W, U, V] of 3 matrices', warm);
    factors = sizes.map((rows, b) => {
      const copy = warmFactor(warm[b], b, rows, R);
      projectBlock(copy, rows, R, b, new Float64Array(Math.max(rows, R)));
      return copy;
    });
  } else {
    const rng = options.rng ?? toRng(options.seed, 0);
    factors = sizes.map((rows, b) => {
      const F = rng.fillUniform(new Float64Array(rows * R));
      for (let t = 0; t < F.length; t++) F[t] = 0.5 + F[t]!;
      if (b === 0) {
        for (let i = 0; i < rows; i++) {
          let s = 0;
          for (let r = 0; r < R; r++) s += F[i * R + r]!;
          for (let r = 0; r < R; r++) F[i * R + r] = F[i * R + r]! / s;
        }
      } else {
        for (let r = 0; r < R; r++) {
          let s = 0;
          for (let i = 0; i < rows; i++) s += F[i * R + r]!;
          for (let i = 0; i < rows; i++) F[i * R + r] = F[i * R + r]! / s;
        }
      }
      return F;
    });
  }

  // Workspaces.
  const Y = new Float64Array(N * M);
  const fPot = new Float64Array(N * M);
  const gPot = new Float64Array(N * M);
  const potTensor = new Float64Array(N * M);
  const duals = sizes.map(() => new Float64Array(N * M));
  const Z = new Float64Array(N * M);
  const Gold = new Float64Array(N * M);
  const grad = new Float64Array(N * M);
  const conjGrad = new Float64Array(M);
  const expRow = new Float64Array(M);
  const maxRows = Math.max(N, I, J);
  const DtZ = new Float64Array(maxRows * R);
  const anchor = new Float64Array(maxRows * R);
  const previous = sizes.map((rows) => new Float64Array(rows * R));
  const gram = new Float64Array(R * R);
  const tmp = new Float64Array(R);
  const scratch = new Float64Array(Math.max(maxRows, R));
  const losses = new Float64Array(N);
  let sinkhornIterations = 0;

  /** F = Σ_k W_γ(X_k, Y_k) at the current factors, leaving the potentials (warm starts) in fPot, gPot. */
  const evaluate = (): number => {
    const [W, U, V] = factors as [Float64Array, Float64Array, Float64Array];
    reconstruct(W, U, V, N, I, J, R, Y, tmp);
    let total = 0;
    for (let k = 0; k < N; k++) {
      const a = X.subarray(k * M, (k + 1) * M);
      const b = Y.subarray(k * M, (k + 1) * M);
      const f = fPot.subarray(k * M, (k + 1) * M);
      const g = gPot.subarray(k * M, (k + 1) * M);
      for (let q = 0; q < M; q++) if (!Number.isFinite(g[q]!)) g[q] = 0;
      const { iterations } = sinkhornKernel(a, b, C, M, M, gamma, f, g, skMax, skTol);
      sinkhornIterations += iterations;
      const { transport, negEntropy } = planCostEntropy(f, g, C, M, M, gamma);
      losses[k] = transport + gamma * negEntropy;
      total += losses[k]!;
    }
    return total;
  };

  /** ‖Θ − Π_Θ(Θ − ∇F(Θ))‖ with ∇_{Y_k} W_γ = g_k (potentials from `evaluate`; empty model cells get γ log 1e-300 − γ lse). */
  const stationarity = (): number => {
    for (let k = 0; k < N; k++) {
      for (let q = 0; q < M; q++) {
        let g = gPot[k * M + q]!;
        if (g === -Infinity) {
          let mx = -Infinity;
          for (let p = 0; p < M; p++) mx = Math.max(mx, fPot[k * M + p]! - C[p * M + q]!);
          let s = 0;
          for (let p = 0; p < M; p++) s += Math.exp((fPot[k * M + p]! - C[p * M + q]! - mx) / gamma);
          g = gamma * Math.log(1e-300) - mx - gamma * Math.log(s);
        }
        potTensor[k * M + q] = g;
      }
    }
    const [W, U, V] = factors as [Float64Array, Float64Array, Float64Array];
    let s = 0;
    for (let b = 0; b < 3; b++) {
      const rows = sizes[b]!;
      const F = factors[b]!;
      mttkrp3(potTensor, N, I, J, R, b as 0 | 1 | 2, W, U, V, DtZ, tmp);
      for (let t = 0; t < rows * R; t++) anchor[t] = F[t]! - DtZ[t]!;
      const P = anchor.subarray(0, rows * R);
      projectBlock(P, rows, R, b, scratch);
      s += squaredDistance(F, P);
    }
    return Math.sqrt(s);
  };

  /** BCD-PR block step for block b by accelerated dual ascent; returns [iterations, final residual]. */
  const blockSolve = (b: number): [number, number] => {
    const rows = sizes[b]!;
    const F = factors[b]!;
    anchor.set(F);
    const [W, U, V] = factors as [Float64Array, Float64Array, Float64Array];
    // ‖D‖² ≤ ‖Hadamard product of the other blocks' Grams‖_F.
    const others = b === 0 ? [1, 2] : b === 1 ? [0, 2] : [0, 1];
    gramInto(factors[others[0]!]!, sizes[others[0]!]!, R, gram, false);
    gramInto(factors[others[1]!]!, sizes[others[1]!]!, R, gram, true);
    const L = 1 / gamma + frobenius(gram) / lambda;
    const G = duals[b]!;
    Z.set(G);
    let t = 1;
    let residual = Infinity;
    let it = 0;
    while (it < innerMax) {
      it++;
      // θ(Z) = Π(θ_prev − DᵀZ/λ), written into the live factor (D for block b does not read block b).
      mttkrp3(Z, N, I, J, R, b as 0 | 1 | 2, W, U, V, DtZ, tmp);
      for (let q = 0; q < rows * R; q++) F[q] = anchor[q]! - DtZ[q]! / lambda;
      projectBlock(F, rows, R, b, scratch);
      reconstruct(W, U, V, N, I, J, R, Y, tmp);
      residual = 0;
      for (let k = 0; k < N; k++) {
        entropicConjugate(X.subarray(k * M, (k + 1) * M), Z.subarray(k * M, (k + 1) * M), C, M, M, gamma, conjGrad, expRow);
        for (let q = 0; q < M; q++) {
          const d = Y[k * M + q]! - conjGrad[q]!;
          grad[k * M + q] = d;
          residual += Math.abs(d);
        }
      }
      residual /= N;
      if (residual <= innerTol || it === innerMax) break;
      // G⁺ = Z + ∇Φ(Z)/L; restart the momentum when it points against the ascent direction.
      Gold.set(G);
      let dot = 0;
      for (let q = 0; q < G.length; q++) {
        G[q] = Z[q]! + grad[q]! / L;
        dot += grad[q]! * (G[q]! - Gold[q]!);
      }
      if (dot < 0) t = 1;
      const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      const beta = (t - 1) / tNext;
      for (let q = 0; q < G.length; q++) Z[q] = G[q]! + beta * (G[q]! - Gold[q]!);
      t = tNext;
    }
    G.set(Z);
    return [it, residual];
  };

  driver.start();
  let value = evaluate();
  let stat = stationarity();
  let step = 0;
  let dualResidual = 0;
  const finish = (status: Parameters<typeof driver.finish>[0]): WassersteinCpResult => {
    const mats = factors.map((F, b) => new Matrix(sizes[b]!, R, F.slice()));
    const [W, U, V] = factors as [Float64Array, Float64Array, Float64Array];
    const rec = new Float64Array(N * M);
    reconstruct(W, U, V, N, I, J, R, rec, tmp);
    return driver.finish(
      status,
      { x: mats, objective: value, residuals: { stationarity: stat, step, dualResidual } },
      {
        atoms: [mats[1]!, mats[2]!] as const,
        codes: mats[0]!,
        reconstruction: { data: rec, shape: [N, I, J] as const },
        losses: losses.slice(),
      },
    );
  };
  const before = driver.checkBeforeFirst();
  if (before !== undefined) return finish(before);
  if (withinTolerance(stat, N, driver.tolerance)) return finish('converged');

  for (let iteration = 1; ; iteration++) {
    let inner = 0;
    let stepSq = 0;
    dualResidual = 0;
    sinkhornIterations = 0;
    for (let b = 0; b < 3; b++) {
      previous[b]!.set(factors[b]!);
      const [its, res] = blockSolve(b);
      inner += its;
      dualResidual = Math.max(dualResidual, res);
      stepSq += squaredDistance(factors[b]!, previous[b]!);
    }
    step = Math.sqrt(stepSq);
    value = evaluate();
    stat = stationarity();
    yield { iteration, factors, objective: value, stationarity: stat, step, dualResidual };
    const info: WassersteinCpIterationInfo = {
      iteration,
      objective: value,
      residuals: { stationarity: stat, step, dualResidual },
      elapsedMs: driver.elapsedMs(),
      innerIterations: inner,
      sinkhornIterations,
    };
    const stop = driver.record(info, Number.isNaN(value) ? 'numerical_error' : withinTolerance(stat, N, driver.tolerance));
    if (stop !== undefined) return finish(stop);
  }
}

/** Wasserstein CP-dictionary learning by BCD-PR, run to completion (see `iterateWassersteinCp`). */
export function wassersteinCp(samples: DenseTensor3, rank: number, options: WassersteinCpOptions = {}): WassersteinCpResult {
  return runToCompletion(iterateWassersteinCp(samples, rank, options));
}
