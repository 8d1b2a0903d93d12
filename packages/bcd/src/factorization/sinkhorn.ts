// Entropic optimal transport by log-domain Sinkhorn, and the pieces of its Fenchel conjugate that the
// Wasserstein CP-dictionary block steps need. Raw typed-array loops; callers own the workspaces.
import { assertFinite, checkNumberOption, dimensionMismatch, invalidArgument } from '@firstorder/core';
import { Matrix } from '@firstorder/linalg';

/**
 * W_γ(a, b) = min over couplings P ≥ 0 with P1 = a, Pᵀ1 = b of ⟨P, C⟩ + γ Σ P log P (0 log 0 = 0).
 * Log-domain Sinkhorn: P_pq = exp((f_p + g_q − C_pq)/γ); alternately
 *   f_p ← γ log a_p − γ lse_q((g_q − C_pq)/γ),   g_q ← γ log b_q − γ lse_p((f_p − C_pq)/γ),
 * so after each g-update the column marginals are exact; stop when the row-marginal error Σ_p |(P1)_p − a_p|
 * is ≤ tol·Σa. Zero masses get potential −∞ (their rows/columns of P vanish). Returns the iterations done.
 * `f`, `g` hold a warm start on entry (finite, or −∞ where the mass is 0) and the potentials on exit.
 */
export function sinkhornKernel(
  a: Float64Array,
  b: Float64Array,
  C: Float64Array,
  n: number,
  m: number,
  gamma: number,
  f: Float64Array,
  g: Float64Array,
  maxIterations: number,
  tol: number,
): { iterations: number; marginalError: number } {
  let mass = 0;
  for (let p = 0; p < n; p++) mass += a[p]!;
  let err = Infinity;
  let it = 0;
  for (let q = 0; q < m; q++) if (!(b[q]! > 0)) g[q] = -Infinity;
  while (it < maxIterations) {
    it++;
    // f-update (rows)
    for (let p = 0; p < n; p++) {
      if (!(a[p]! > 0)) {
        f[p] = -Infinity;
        continue;
      }
      let mx = -Infinity;
      const o = p * m;
      for (let q = 0; q < m; q++) {
        const v = g[q]! - C[o + q]!;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let q = 0; q < m; q++) s += Math.exp((g[q]! - C[o + q]! - mx) / gamma);
      f[p] = gamma * Math.log(a[p]!) - mx - gamma * Math.log(s);
    }
    // g-update (columns)
    for (let q = 0; q < m; q++) {
      if (!(b[q]! > 0)) continue;
      let mx = -Infinity;
      for (let p = 0; p < n; p++) {
        const v = f[p]! - C[p * m + q]!;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let p = 0; p < n; p++) s += Math.exp((f[p]! - C[p * m + q]! - mx) / gamma);
      g[q] = gamma * Math.log(b[q]!) - mx - gamma * Math.log(s);
    }
    // row-marginal error
    err = 0;
    for (let p = 0; p < n; p++) {
      if (!(a[p]! > 0)) continue;
      let s = 0;
      const o = p * m;
      for (let q = 0; q < m; q++) s += Math.exp((f[p]! + g[q]! - C[o + q]!) / gamma);
      err += Math.abs(s - a[p]!);
    }
    if (err <= tol * mass) break;
  }
  return { iterations: it, marginalError: err };
}

/**
 * ⟨P, C⟩ and Σ P log P of the plan P_pq = exp((f_p + g_q − C_pq)/γ); W_γ = transport + γ·negEntropy.
 */
export function planCostEntropy(f: Float64Array, g: Float64Array, C: Float64Array, n: number, m: number, gamma: number): { transport: number; negEntropy: number } {
  let transport = 0;
  let negEntropy = 0;
  for (let p = 0; p < n; p++) {
    if (f[p] === -Infinity) continue;
    const o = p * m;
    for (let q = 0; q < m; q++) {
      if (g[q] === -Infinity) continue;
      const l = (f[p]! + g[q]! - C[o + q]!) / gamma;
      const P = Math.exp(l);
      transport += P * C[o + q]!;
      negEntropy += P * l;
    }
  }
  return { transport, negEntropy };
}

/**
 * Conjugate of b ↦ W_γ(a, b): W*(h) = γ Σ_p a_p [lse_q((h_q − C_pq)/γ) − log a_p], and its gradient
 * ∇W*(h)_q = Σ_p a_p softmax_q((h − C_p·)/γ) (a probability vector times Σa) written into `grad`.
 * Returns W*(h). (Cuturi & Peyré, SIAM J. Imaging Sci. 9(1), 2016, Theorem 2.4.) `row` is scratch of length m.
 */
export function entropicConjugate(
  a: Float64Array,
  h: Float64Array,
  C: Float64Array,
  n: number,
  m: number,
  gamma: number,
  grad: Float64Array,
  row: Float64Array,
): number {
  grad.fill(0);
  let value = 0;
  for (let p = 0; p < n; p++) {
    const ap = a[p]!;
    if (!(ap > 0)) continue;
    const o = p * m;
    let mx = -Infinity;
    for (let q = 0; q < m; q++) {
      const v = h[q]! - C[o + q]!;
      if (v > mx) mx = v;
    }
    let s = 0;
    for (let q = 0; q < m; q++) {
      const e = Math.exp((h[q]! - C[o + q]! - mx) / gamma);
      row[q] = e;
      s += e;
    }
    value += ap * (mx + gamma * Math.log(s) - gamma * Math.log(ap));
    const scale = ap / s;
    for (let q = 0; q < m; q++) grad[q]! += scale * row[q]!;
  }
  return value;
}

export interface SinkhornOptions {
  /** Most Sinkhorn iterations (default 10000). */
  readonly maxIterations?: number;
  /** Stop when the row-marginal L1 error is ≤ tolerance·Σa (default 1e-12). */
  readonly tolerance?: number;
}

export interface SinkhornResult {
  /** W_γ(a, b) = ⟨P, C⟩ + γ Σ P log P. */
  readonly value: number;
  /** ⟨P, C⟩: the transport cost of the entropic plan (≥ the exact OT cost, within γ·log(n·m) of it). */
  readonly transportCost: number;
  /** Potentials: P_pq = exp((f_p + g_q − C_pq)/γ); g is ∇_b W_γ(a, b) up to an additive constant. */
  readonly f: Float64Array;
  readonly g: Float64Array;
  readonly plan: Matrix;
  readonly iterations: number;
  readonly marginalError: number;
  readonly converged: boolean;
}

/** Default Sinkhorn settings. */
export const SINKHORN_DEFAULTS = Object.freeze({ maxIterations: 10000, tolerance: 1e-12 });

function checkHistogram(name: string, v: unknown): Float64Array {
  if (!(v instanceof Float64Array)) throw invalidArgument(name, 'a Float64Array', v);
  assertFinite(name, v);
  const neg = v.findIndex((x) => x < 0);
  if (neg >= 0) throw invalidArgument(name, 'nonnegative entries', `entry ${neg} = ${v[neg]}`);
  if (!(v.reduce((s, x) => s + x, 0) > 0)) throw invalidArgument(name, 'positive total mass', 'total mass 0');
  return v;
}

/**
 * Entropic optimal transport between histograms a (length n) and b (length m, same total mass) for the
 * ground cost C (n×m): W_γ(a, b) = min ⟨P, C⟩ + γ Σ P log P over couplings of a and b (Cuturi, NeurIPS 2013),
 * by log-domain Sinkhorn iterations.
 */
export function sinkhorn(a: Float64Array, b: Float64Array, cost: Matrix, epsilon: number, options: SinkhornOptions = {}): SinkhornResult {
  checkHistogram('a', a);
  checkHistogram('b', b);
  if (!(cost instanceof Matrix)) throw invalidArgument('cost', 'a Matrix', cost);
  if (cost.rows !== a.length || cost.cols !== b.length) throw dimensionMismatch('cost', `${a.length}×${b.length}`, `${cost.rows}×${cost.cols}`);
  assertFinite('cost', cost.data);
  const gamma = checkNumberOption('epsilon', epsilon, { min: Number.MIN_VALUE });
  const maxIterations = checkNumberOption('maxIterations', options.maxIterations ?? SINKHORN_DEFAULTS.maxIterations, { min: 1, integer: true });
  const tolerance = checkNumberOption('tolerance', options.tolerance ?? SINKHORN_DEFAULTS.tolerance, { min: 0 });
  const ma = a.reduce((s, x) => s + x, 0);
  const mb = b.reduce((s, x) => s + x, 0);
  if (Math.abs(ma - mb) > 1e-9 * Math.max(ma, mb)) throw invalidArgument('b', `total mass equal to Σa = ${ma}`, `Σb = ${mb}`);
  const n = a.length;
  const m = b.length;
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const { iterations, marginalError } = sinkhornKernel(a, b, cost.data, n, m, gamma, f, g, maxIterations, tolerance);
  const { transport, negEntropy } = planCostEntropy(f, g, cost.data, n, m, gamma);
  const plan = new Matrix(n, m);
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < m; q++) {
      plan.data[p * m + q] = f[p] === -Infinity || g[q] === -Infinity ? 0 : Math.exp((f[p]! + g[q]! - cost.data[p * m + q]!) / gamma);
    }
  }
  return {
    value: transport + gamma * negEntropy,
    transportCost: transport,
    f,
    g,
    plan,
    iterations,
    marginalError,
    converged: marginalError <= tolerance * ma,
  };
}

/** Squared Euclidean distances between the cells of an I×J grid (cell (i, j) ↦ index i·J + j), divided by the largest. */
export function gridCost(I: number, J: number): Matrix {
  checkNumberOption('I', I, { min: 1, integer: true });
  checkNumberOption('J', J, { min: 1, integer: true });
  const n = I * J;
  const C = new Matrix(n, n);
  const max = (I - 1) ** 2 + (J - 1) ** 2 || 1;
  for (let p = 0; p < n; p++) {
    const [i, j] = [Math.floor(p / J), p % J];
    for (let q = 0; q < n; q++) {
      const [k, l] = [Math.floor(q / J), q % J];
      C.data[p * n + q] = ((i - k) ** 2 + (j - l) ** 2) / max;
    }
  }
  return C;
}
