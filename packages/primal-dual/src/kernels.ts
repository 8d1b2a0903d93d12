/**
 * Typed-array loops used by the primal-dual solvers: vector updates, the 2-D gradient / divergence
 * pair for isotropic TV, and a banded Cholesky factorization for the 5-point Laplacian.
 * Nothing here allocates except the factorization set-up.
 */

/** out ← a + s·(b − c) (PDHG's extrapolation x̄ = x⁺ + θ(x⁺ − x) with a = b = x⁺, c = x). */
export function extrapolate(out: Float64Array, xNew: Float64Array, xOld: Float64Array, theta: number): void {
  for (let i = 0; i < out.length; i++) out[i] = xNew[i]! + theta * (xNew[i]! - xOld[i]!);
}

/** out ← x − step·v (step scalar or per coordinate). */
export function stepAlong(out: Float64Array, x: Float64Array, v: Float64Array, step: number | Float64Array): void {
  if (typeof step === 'number') {
    for (let i = 0; i < out.length; i++) out[i] = x[i]! - step * v[i]!;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = x[i]! - step[i]! * v[i]!;
  }
}

/** out ← x + step·v. */
export function stepInto(out: Float64Array, x: Float64Array, v: Float64Array, step: number | Float64Array): void {
  if (typeof step === 'number') {
    for (let i = 0; i < out.length; i++) out[i] = x[i]! + step * v[i]!;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = x[i]! + step[i]! * v[i]!;
  }
}

/** out ← (old − new)/step − (kOld − kNew)·scale: the KKT residual of one PDHG half-step. */
export function halfStepResidual(
  out: Float64Array,
  old: Float64Array,
  next: Float64Array,
  step: number | Float64Array,
  kOld: Float64Array,
  kNew: Float64Array,
  scale: number,
): void {
  if (typeof step === 'number') {
    const inv = 1 / step;
    for (let i = 0; i < out.length; i++) out[i] = (old[i]! - next[i]!) * inv - scale * (kOld[i]! - kNew[i]!);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = (old[i]! - next[i]!) / step[i]! - scale * (kOld[i]! - kNew[i]!);
  }
}

/** Σ (a_i − b_i)² · w_i (w omitted: 1). */
export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Σ (a_i − b_i)(c_i − d_i). */
export function dotDifferences(a: Float64Array, b: Float64Array, c: Float64Array, d: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) * (c[i]! - d[i]!);
  return s;
}

/** out ← (1 − w)·out + w·v (running average with weight w). */
export function blendInto(out: Float64Array, v: Float64Array, w: number): void {
  for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * (v[i]! - out[i]!);
}

/** out ← a + ρ(b − a) (over-relaxation z ← z + ρ(z⁺ − z)). */
export function relaxInto(out: Float64Array, a: Float64Array, b: Float64Array, rho: number): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + rho * (b[i]! - a[i]!);
}

export function norm2(x: Float64Array): number {
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== 0) {
      const a = Math.abs(v);
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else ssq += (a / scale) * (a / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

export function normInf(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]!);
    if (a > m || a !== a) m = a;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// 2-D forward-difference gradient (Neumann: zero difference across the last row/column) and its adjoint.
// Layout of the gradient: [horizontal differences (N) | vertical differences (N)], row-major images.

export function gradient2d(x: Float64Array, out: Float64Array, height: number, width: number): void {
  const N = height * width;
  for (let i = 0; i < height; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) {
      const k = row + j;
      out[k] = j < width - 1 ? x[k + 1]! - x[k]! : 0;
      out[N + k] = i < height - 1 ? x[k + width]! - x[k]! : 0;
    }
  }
}

/** out ← ∇ᵀ p (minus the discrete divergence). */
export function gradient2dTranspose(p: Float64Array, out: Float64Array, height: number, width: number): void {
  const N = height * width;
  for (let i = 0; i < height; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) {
      const k = row + j;
      let v = 0;
      if (j < width - 1) v -= p[k]!;
      if (j > 0) v += p[k - 1]!;
      if (i < height - 1) v -= p[N + k]!;
      if (i > 0) v += p[N + k - width]!;
      out[k] = v;
    }
  }
}

/** Projects each pair (p_k, p_{N+k}) onto the disc of radius r (prox of the conjugate of r·‖·‖_{2,1}). */
export function projectPairs(p: Float64Array, out: Float64Array, N: number, radius: number): void {
  for (let k = 0; k < N; k++) {
    const a = p[k]!;
    const b = p[N + k]!;
    const n = Math.sqrt(a * a + b * b);
    const s = n > radius ? radius / n : 1;
    out[k] = a * s;
    out[N + k] = b * s;
  }
}

/** Σ_k √(p_k² + p_{N+k}²): the isotropic TV of an image whose gradient is p. */
export function pairNormSum(p: Float64Array, N: number): number {
  let s = 0;
  for (let k = 0; k < N; k++) s += Math.hypot(p[k]!, p[N + k]!);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Banded Cholesky of a symmetric positive definite matrix with half bandwidth w (entries A_ij = 0 for |i − j| > w).
// Storage: band[i·(w+1) + (i − j)] = L_ij for j ∈ [i − w, i]. Cost n·w² to factor, 2·n·w per solve.

/**
 * Factors in place. `band` holds the lower band of A on entry (same layout) and L on exit.
 * Returns the index of the first non-positive pivot, or −1 when A is positive definite.
 */
export function bandCholeskyFactor(band: Float64Array, n: number, w: number): number {
  const s = w + 1;
  for (let i = 0; i < n; i++) {
    const j0 = Math.max(0, i - w);
    for (let j = j0; j <= i; j++) {
      // L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj over the overlap of the two bands.
      let sum = band[i * s + (i - j)]!;
      const k0 = Math.max(j0, j - w);
      for (let k = k0; k < j; k++) sum -= band[i * s + (i - k)]! * band[j * s + (j - k)]!;
      if (j === i) {
        if (!(sum > 0)) return i;
        band[i * s] = Math.sqrt(sum);
      } else {
        band[i * s + (i - j)] = sum / band[j * s]!;
      }
    }
  }
  return -1;
}

/** Solves L Lᵀ x = b with the factor from {@link bandCholeskyFactor}; `out` may alias `b`. */
export function bandCholeskySolve(band: Float64Array, n: number, w: number, b: Float64Array, out: Float64Array): void {
  const s = w + 1;
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    const k0 = Math.max(0, i - w);
    for (let k = k0; k < i; k++) sum -= band[i * s + (i - k)]! * out[k]!;
    out[i] = sum / band[i * s]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = out[i]!;
    const k1 = Math.min(n - 1, i + w);
    for (let k = i + 1; k <= k1; k++) sum -= band[k * s + (k - i)]! * out[k]!;
    out[i] = sum / band[i * s]!;
  }
}

/**
 * Lower band of the 5-point −Δ on the interior nodes of an m×m grid with mesh size h = 1/(m+1)
 * (homogeneous Dirichlet boundary), natural row-major ordering: half bandwidth m.
 */
export function laplacianBand(m: number): Float64Array {
  const n = m * m;
  const w = m;
  const s = w + 1;
  const band = new Float64Array(n * s);
  const h2inv = (m + 1) * (m + 1);
  for (let i = 0; i < n; i++) {
    band[i * s] = 4 * h2inv;
    if (i % m !== 0) band[i * s + 1] = -h2inv; // left neighbour
    if (i >= m) band[i * s + w] = -h2inv; // neighbour below
  }
  return band;
}

/** out ← (−Δ_h) y for the same grid (matrix-free, used to check the state equation). */
export function applyLaplacian(y: Float64Array, out: Float64Array, m: number): void {
  const h2inv = (m + 1) * (m + 1);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const k = i * m + j;
      let v = 4 * y[k]!;
      if (j > 0) v -= y[k - 1]!;
      if (j < m - 1) v -= y[k + 1]!;
      if (i > 0) v -= y[k - m]!;
      if (i < m - 1) v -= y[k + m]!;
      out[k] = v * h2inv;
    }
  }
}

/** out_i ← clip(soft(−p_i, β)/α, lower, upper): the projection formula of the sparse-control optimality system. */
export function projectionInto(p: Float64Array, alpha: number, beta: number, lower: number, upper: number, out: Float64Array): void {
  for (let i = 0; i < p.length; i++) {
    const v = -p[i]!;
    let z = v > beta ? (v - beta) / alpha : v < -beta ? (v + beta) / alpha : 0;
    if (z < lower) z = lower;
    else if (z > upper) z = upper;
    out[i] = z;
  }
}

/**
 * max gᵀd over { d : lo ≤ d ≤ hi, ‖d‖₂ ≤ r } with lo ≤ 0 ≤ hi (±∞ allowed): the trust-region problem behind
 * PDLP's normalized duality gap (Applegate, Lubin et al., arXiv:2105.12715, §5). The maximizer is
 * d(λ) = clamp(λg, lo, hi) with the smallest λ ≥ 0 at which ‖d(λ)‖ = r (or λ = ∞ if the box fits in the ball).
 * ‖d(λ)‖² = Σ min(λ|gᵢ|, capᵢ)² is piecewise quadratic with breakpoints tᵢ = capᵢ/|gᵢ|; `work` (length ≥ g.length)
 * holds the sorted breakpoints, the segment holding r is found by bisection and solved exactly. Returns the maximum.
 */
export function trustRegionMax(g: Float64Array, lo: Float64Array, hi: Float64Array, r: number, work: Float64Array): number {
  const N = g.length;
  let k = 0;
  let boxSq = 0;
  for (let i = 0; i < N; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const cap = gi > 0 ? hi[i]! : -lo[i]!;
    if (cap <= 0) continue;
    boxSq += cap * cap;
    work[k++] = cap / Math.abs(gi);
  }
  if (k === 0 || r <= 0) return 0;
  let lambda: number;
  if (boxSq <= r * r) lambda = Infinity;
  else {
    const t = work.subarray(0, k);
    t.sort();
    // Smallest index j with ‖d(t_j)‖ ≥ r (exists: ‖d(∞)‖² = boxSq > r²).
    let a = 0;
    let b = k - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (radiusSq(g, lo, hi, t[mid]!) >= r * r) b = mid;
      else a = mid + 1;
    }
    const tLow = a === 0 ? 0 : t[a - 1]!;
    // On (tLow, t_a]: ‖d‖² = A + λ²B with A the capped part, B the still-linear part.
    let A = 0;
    let B = 0;
    for (let i = 0; i < N; i++) {
      const gi = g[i]!;
      if (gi === 0) continue;
      const cap = gi > 0 ? hi[i]! : -lo[i]!;
      if (cap <= 0) continue;
      if (cap / Math.abs(gi) <= tLow) A += cap * cap;
      else B += gi * gi;
    }
    lambda = B > 0 ? Math.sqrt(Math.max(r * r - A, 0) / B) : tLow;
  }
  let value = 0;
  for (let i = 0; i < N; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const cap = gi > 0 ? hi[i]! : -lo[i]!;
    if (cap <= 0) continue;
    const ag = Math.abs(gi);
    value += ag * Math.min(lambda * ag, cap);
  }
  return value;
}

function radiusSq(g: Float64Array, lo: Float64Array, hi: Float64Array, lambda: number): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    if (gi === 0) continue;
    const cap = gi > 0 ? hi[i]! : -lo[i]!;
    if (cap <= 0) continue;
    const d = Math.min(lambda * Math.abs(gi), cap);
    s += d * d;
  }
  return s;
}
