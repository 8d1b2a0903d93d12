/**
 * Coordinate-descent kernels for the Gaussian elastic-net path (glmnet's algorithm family).
 *
 * Everything here works on the internal, weighted problem that glmnet solves:
 *   P(b) = ½‖ŷ − X̂b‖² + λ₁‖b‖₁ + (λ₂/2)‖b‖²,
 * where X̂ holds the (centred, scaled) columns multiplied by √(1/n) and ŷ = (y − ȳ)/(s_y √n), so ‖ŷ‖² = 1.
 * X̂ is stored column-major (one contiguous column per feature): an n·p Float64Array copy of X.
 * Raw typed-array indexing is confined to this file.
 */

/** Column and response statistics shared by the dense and sparse data layouts. */
export interface DataStatistics {
  readonly n: number;
  readonly p: number;
  /** (y − ȳ)/(s_y √n). */
  readonly yhat: Float64Array;
  /** Column means (0 without an intercept). */
  readonly xm: Float64Array;
  /** Column scales (1/n standard deviations with `standardize`, else 1). */
  readonly xs: Float64Array;
  /** ‖x̂_j‖² (1 for standardized, centred columns). */
  readonly xv: Float64Array;
  /** 1 for columns that take part, 0 for constant columns (glmnet excludes them). */
  readonly included: Uint8Array;
  readonly ym: number;
  readonly ys: number;
}

/** The standardized, column-major copy of dense data plus the statistics needed to map back. */
export interface StandardizedData extends DataStatistics {
  /** Column-major n×p: column j at [j·n, (j+1)·n), entries (x_ij − m_j)/(s_j √n). */
  readonly xhat: Float64Array;
}

/**
 * Builds the standardized column-major copy from a row-major n×p array, with glmnet's conventions:
 * 1/n variances; with an intercept, columns and y are centred; without one, nothing is centred but
 * `standardize` still divides by the centred standard deviation (then ‖x̂_j‖² = 1 + m_j²/v_j).
 * y is always divided by its (centred if intercept) 1/n root-mean-square s_y.
 */
export function standardizeDense(
  data: Float64Array,
  n: number,
  p: number,
  y: Float64Array,
  intercept: boolean,
  standardize: boolean,
): StandardizedData {
  const mean = new Float64Array(p);
  const included = new Uint8Array(p);
  // Constant-column detection and means in one row-major sweep.
  for (let j = 0; j < p; j++) included[j] = 0;
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[row + j]!;
      mean[j] = mean[j]! + v;
      if (v !== data[j]!) included[j] = 1;
    }
  }
  for (let j = 0; j < p; j++) mean[j] = mean[j]! / n;
  const second = new Float64Array(p); // Σ (x − m)² / n
  const raw2 = new Float64Array(p); // Σ x² / n
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[row + j]!;
      const d = v - mean[j]!;
      second[j] = second[j]! + d * d;
      raw2[j] = raw2[j]! + v * v;
    }
  }
  const xm = new Float64Array(p);
  const xs = new Float64Array(p);
  const xv = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const variance = second[j]! / n;
    if (intercept) {
      xm[j] = mean[j]!;
      if (standardize) {
        xs[j] = Math.sqrt(variance);
        xv[j] = 1;
      } else {
        xs[j] = 1;
        xv[j] = variance;
      }
    } else {
      xm[j] = 0;
      if (standardize) {
        xs[j] = Math.sqrt(variance);
        xv[j] = variance > 0 ? 1 + (mean[j]! * mean[j]!) / variance : 0;
      } else {
        xs[j] = 1;
        xv[j] = raw2[j]! / n;
      }
    }
    if (included[j] === 0) {
      xs[j] = 1;
      xv[j] = 0;
    }
  }
  const xhat = new Float64Array(n * p);
  const rootN = Math.sqrt(n);
  const factor = new Float64Array(p);
  for (let j = 0; j < p; j++) factor[j] = included[j] === 1 ? 1 / (xs[j]! * rootN) : 0;
  // Tiled transpose (32×32): both the rows read and the column segments written stay in cache.
  const tile = 32;
  for (let i0 = 0; i0 < n; i0 += tile) {
    const i1 = Math.min(n, i0 + tile);
    for (let j0 = 0; j0 < p; j0 += tile) {
      const j1 = Math.min(p, j0 + tile);
      for (let j = j0; j < j1; j++) {
        const m = xm[j]!;
        const f = factor[j]!;
        const out = j * n;
        for (let i = i0; i < i1; i++) xhat[out + i] = (data[i * p + j]! - m) * f;
      }
    }
  }
  let ym = 0;
  if (intercept) {
    for (let i = 0; i < n; i++) ym += y[i]!;
    ym /= n;
  }
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i]! - ym;
    ss += d * d;
  }
  const ys = Math.sqrt(ss / n);
  const yhat = new Float64Array(n);
  const yFactor = ys > 0 ? 1 / (ys * rootN) : 0;
  for (let i = 0; i < n; i++) yhat[i] = (y[i]! - ym) * yFactor;
  return { n, p, xhat, yhat, xm, xs, xv, included, ym, ys };
}

/**
 * Observation weights (glmnet `weights`, rescaled to sum 1 as glmnet does): weighted means and 1/Σw variances,
 * and every row scaled by √w_i, so that ½‖ŷ − X̂b‖² is the weighted least-squares term and the rest of the
 * algorithm is unchanged. Same conventions as {@link standardizeDense} otherwise.
 */
export function standardizeDenseWeighted(
  data: Float64Array,
  n: number,
  p: number,
  y: Float64Array,
  weights: Float64Array,
  intercept: boolean,
  standardize: boolean,
): StandardizedData {
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += weights[i]!;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = weights[i]! / wsum;
  const mean = new Float64Array(p);
  const included = new Uint8Array(p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[row + j]!;
      mean[j] = mean[j]! + w[i]! * v;
      if (v !== data[j]!) included[j] = 1;
    }
  }
  const second = new Float64Array(p);
  const raw2 = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[row + j]!;
      const d = v - mean[j]!;
      second[j] = second[j]! + w[i]! * d * d;
      raw2[j] = raw2[j]! + w[i]! * v * v;
    }
  }
  const xm = new Float64Array(p);
  const xs = new Float64Array(p);
  const xv = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const variance = second[j]!;
    xm[j] = intercept ? mean[j]! : 0;
    if (standardize) {
      xs[j] = Math.sqrt(variance);
      xv[j] = intercept ? 1 : variance > 0 ? 1 + (mean[j]! * mean[j]!) / variance : 0;
    } else {
      xs[j] = 1;
      xv[j] = intercept ? variance : raw2[j]!;
    }
    if (included[j] === 0) {
      xs[j] = 1;
      xv[j] = 0;
    }
  }
  const rootW = w.map(Math.sqrt);
  const xhat = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    if (included[j] === 0) continue;
    const f = 1 / xs[j]!;
    const m = xm[j]!;
    for (let i = 0; i < n; i++) xhat[j * n + i] = (data[i * p + j]! - m) * f * rootW[i]!;
  }
  let ym = 0;
  if (intercept) for (let i = 0; i < n; i++) ym += w[i]! * y[i]!;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += w[i]! * (y[i]! - ym) ** 2;
  const ys = Math.sqrt(ss);
  const yhat = new Float64Array(n);
  const yFactor = ys > 0 ? 1 / ys : 0;
  for (let i = 0; i < n; i++) yhat[i] = (y[i]! - ym) * yFactor * rootW[i]!;
  return { n, p, xhat, yhat, xm, xs, xv, included, ym, ys };
}

/** x̂_jᵀ v for a column of the column-major copy. */
function columnDot(xhat: Float64Array, offset: number, v: Float64Array, n: number): number {
  // Four accumulators for instruction-level parallelism.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = offset + i;
    s0 += xhat[o]! * v[i]!;
    s1 += xhat[o + 1]! * v[i + 1]!;
    s2 += xhat[o + 2]! * v[i + 2]!;
    s3 += xhat[o + 3]! * v[i + 3]!;
  }
  for (; i < n; i++) s0 += xhat[offset + i]! * v[i]!;
  return s0 + s1 + (s2 + s3);
}

function denseGradientAtZero(data: StandardizedData): Float64Array {
  const { n, p, xhat, yhat, included } = data;
  const g0 = new Float64Array(p);
  for (let j = 0; j < p; j++) if (included[j] === 1) g0[j] = columnDot(xhat, j * n, yhat, n);
  return g0;
}

/** X̂ᵀŷ for CSC data: f_j(Σ_nz x_ij ŷ_i − m_j Σŷ). */
function sparseGradientAtZero(data: SparseStandardizedData): Float64Array {
  const { n, p, colPtr, rowIndices, values, factor, xm, included, yhat } = data;
  let ySum = 0;
  for (let i = 0; i < n; i++) ySum += yhat[i]!;
  const g0 = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (included[j] === 0) continue;
    let s = 0;
    for (let t = colPtr[j]!; t < colPtr[j + 1]!; t++) s += values[t]! * yhat[rowIndices[t]!]!;
    g0[j] = factor[j]! * (s - xm[j]! * ySum);
  }
  return g0;
}

/** Soft-thresholded, ridge-shrunk coordinate minimizer: S(u, λ₁)/(v + λ₂). */
function coordinateUpdate(u: number, l1: number, v: number, l2: number): number {
  const a = Math.abs(u) - l1;
  if (a <= 0) return 0;
  return (u > 0 ? a : -a) / (v + l2);
}

/** glmnet's box: the coordinate minimizer clipped to [lo, hi] (lo ≤ 0 ≤ hi). */
function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Outcome of solving at one λ. */
export interface PointOutcome {
  /** False when the pass budget ran out first. */
  converged: boolean;
  /** Coordinate passes used at this λ. */
  passes: number;
  /** Variables the KKT re-check added to the strong set (naive method only). */
  strongViolations: number;
}

/** State shared by both update methods: coefficients on the internal scale and the active set. */
abstract class CdState {
  readonly data: DataStatistics;
  /** Internal coefficients b (X̂ scale). */
  readonly b: Float64Array;
  /** Gradient-like quantity g_j = x̂_jᵀ r̂ (signed). */
  readonly g: Float64Array;
  /** g at b = 0: X̂ᵀŷ. */
  readonly g0: Float64Array;
  /** Active (ever-nonzero) variables in the order they entered. */
  readonly activeList: Int32Array;
  /** Position in activeList, −1 when not active. */
  readonly activePos: Int32Array;
  nActive = 0;
  /** 1 − ‖r̂‖² tracked incrementally (glmnet's rsq). */
  rsq = 0;
  totalPasses = 0;
  /** glmnet's thresh: stop a cycle when max_j ‖x̂_j‖²·Δb_j² is below it. */
  threshold = 1e-7;
  /** Variables Gap Safe screening proved zero at the current λ (skipped by the solver). */
  readonly screened: Uint8Array;
  /** glmnet's penalty factors vp (normalized to sum p): λ₁vp_j|b_j| + λ₂vp_j b_j²/2. */
  readonly vp: Float64Array;
  /** Box on the internal scale (glmnet's cl/ys·xs), −∞/+∞ when unbounded. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;

  /** `g0` = X̂ᵀŷ, computed by the data layout. */
  constructor(data: DataStatistics, g0: Float64Array) {
    const p = data.p;
    this.data = data;
    this.b = new Float64Array(p);
    this.g0 = g0;
    this.g = g0.slice();
    this.activeList = new Int32Array(p);
    this.activePos = new Int32Array(p).fill(-1);
    this.screened = new Uint8Array(p);
    this.vp = new Float64Array(p).fill(1);
    this.lower = new Float64Array(p).fill(-Infinity);
    this.upper = new Float64Array(p).fill(Infinity);
  }

  /** Sets b_j to 0, keeping the residual / gradient and rsq consistent. */
  abstract zeroCoefficient(j: number): void;

  /** Brings g up to date for every included variable, screened or not. */
  abstract refreshAllGradients(): void;

  abstract solve(l1: number, l2: number, l1Previous: number, alpha: number, maxPasses: number): PointOutcome;

  /** Brings g up to date for every included variable (so certificates can be computed). */
  abstract refreshGradient(): void;

  /** ‖r̂‖² and ŷᵀr̂ at the current b. */
  abstract residualMoments(): { rr: number; yr: number };
}

/**
 * glmnet's "covariance" method: keeps g = X̂ᵀr̂ for all variables through the Gram columns
 * X̂ᵀx̂_k of the active variables (computed once when k enters). A full cycle over all p variables
 * costs O(p) per changed coefficient; active-set cycles cost O(m) per update.
 */
export class CovarianceState extends CdState {
  declare readonly data: StandardizedData | SparseStandardizedData;
  /** Sparse X: column k of the entering variable scattered into a dense n-vector (kept all-zero between uses). */
  private readonly scatter: Float64Array | undefined;
  /** Gram columns of active variables: column a at [a·p, (a+1)·p). Grows by doubling. */
  private gram: Float64Array;
  private capacity: number;
  private readonly snapshot: Float64Array;
  /** Active-set Gram (capacity × capacity, row a = active position a) and compressed gradient/coefficients. */
  private activeGram: Float64Array;
  private readonly gActive: Float64Array;
  private readonly bActive: Float64Array;
  private readonly vActive: Float64Array;
  /** Per-active-variable penalties λ₁vp (∞ when screened), λ₂vp and bounds, compressed like vActive. */
  private readonly l1Active: Float64Array;
  private readonly l2Active: Float64Array;
  private readonly loActive: Float64Array;
  private readonly hiActive: Float64Array;

  constructor(data: StandardizedData | SparseStandardizedData) {
    super(data, 'xhat' in data ? denseGradientAtZero(data) : sparseGradientAtZero(data));
    const p = data.p;
    this.scatter = 'xhat' in data ? undefined : new Float64Array(data.n);
    this.capacity = Math.min(p, 16);
    this.gram = new Float64Array(p * Math.max(this.capacity, 1));
    this.snapshot = new Float64Array(p);
    this.activeGram = new Float64Array(Math.max(this.capacity, 1) ** 2);
    this.gActive = new Float64Array(p);
    this.bActive = new Float64Array(p);
    this.vActive = new Float64Array(p);
    this.l1Active = new Float64Array(p);
    this.l2Active = new Float64Array(p);
    this.loActive = new Float64Array(p);
    this.hiActive = new Float64Array(p);
  }

  private enter(k: number): void {
    const { n, p, xv, included } = this.data;
    const data = this.data;
    const dense = 'xhat' in data ? data.xhat : undefined;
    const scatter = this.scatter;
    if (!('xhat' in data)) {
      // x̂_jᵀx̂_k = f_j f_k (x_jᵀx_k − m_k Σx_j − m_j Σx_k + n m_j m_k): raw column k scattered once.
      for (let t = data.colPtr[k]!; t < data.colPtr[k + 1]!; t++) scatter![data.rowIndices[t]!] = data.values[t]!;
    }
    if (this.nActive === this.capacity) {
      const next = Math.min(p, Math.max(1, this.capacity * 2));
      const grown = new Float64Array(p * next);
      grown.set(this.gram);
      this.gram = grown;
      const grownActive = new Float64Array(next * next);
      for (let a = 0; a < this.nActive; a++) {
        for (let c = 0; c < this.nActive; c++) grownActive[a * next + c] = this.activeGram[a * this.capacity + c]!;
      }
      this.activeGram = grownActive;
      this.capacity = next;
    }
    const position = this.nActive;
    const gram = this.gram;
    const base = position * p;
    const offK = k * n;
    for (let j = 0; j < p; j++) {
      if (included[j] === 0) {
        gram[base + j] = 0;
        continue;
      }
      if (j === k) {
        gram[base + j] = xv[k]!;
        continue;
      }
      const pj = this.activePos[j]!;
      // Symmetry: an active j already has column x̂_jᵀX̂ stored.
      if (pj >= 0) gram[base + j] = gram[pj * p + k]!;
      else if (dense !== undefined) gram[base + j] = columnDot(dense, j * n, dense.subarray(offK, offK + n), n);
      else {
        const sd = data as SparseStandardizedData;
        let raw = 0;
        for (let t = sd.colPtr[j]!; t < sd.colPtr[j + 1]!; t++) raw += sd.values[t]! * scatter![sd.rowIndices[t]!]!;
        const mj = sd.xm[j]!;
        const mk = sd.xm[k]!;
        gram[base + j] = sd.factor[j]! * sd.factor[k]! * (raw - mk * sd.colSum[j]! - mj * sd.colSum[k]! + n * mj * mk);
      }
    }
    if (!('xhat' in data)) for (let t = data.colPtr[k]!; t < data.colPtr[k + 1]!; t++) scatter![data.rowIndices[t]!] = 0;
    const cap = this.capacity;
    const G = this.activeGram;
    for (let c = 0; c < position; c++) {
      const value = gram[base + this.activeList[c]!]!;
      G[position * cap + c] = value;
      G[c * cap + position] = value;
    }
    G[position * cap + position] = xv[k]!;
    this.activeList[position] = k;
    this.activePos[k] = position;
    this.nActive = position + 1;
  }

  solve(l1: number, l2: number, _l1Previous: number, _alpha: number, maxPasses: number): PointOutcome {
    const { p, xv, included } = this.data;
    const b = this.b;
    const g = this.g;
    const thr = this.threshold;
    let passes = 0;
    // As glmnet: once warm, a new λ starts by cycling the active set, then checks with full cycles.
    let skipFull = this.nActive > 0;
    for (;;) {
      if (!skipFull) {
        // Full cycle over all variables; every change updates the whole gradient.
        let dlx = 0;
        const screened = this.screened;
        for (let k = 0; k < p; k++) {
          if (included[k] === 0 || screened[k] === 1) continue;
          const bk = b[k]!;
          const vk = xv[k]!;
          const w = this.vp[k]!;
          const nb = clip(coordinateUpdate(g[k]! + vk * bk, l1 * w, vk, l2 * w), this.lower[k]!, this.upper[k]!);
          if (nb === bk) continue;
          if (this.activePos[k]! < 0) this.enter(k);
          const d = nb - bk;
          b[k] = nb;
          const change = vk * d * d;
          if (change > dlx) dlx = change;
          this.rsq += d * (2 * g[k]! - d * vk);
          const gram = this.gram;
          const base = this.activePos[k]! * p;
          for (let j = 0; j < p; j++) g[j] = g[j]! - gram[base + j]! * d;
        }
        passes++;
        this.totalPasses++;
        if (dlx < thr) return { converged: true, passes, strongViolations: 0 };
        if (this.totalPasses >= maxPasses) return { converged: false, passes, strongViolations: 0 };
      }
      skipFull = false;
      // Cycle on the active set; g is kept current on active variables only.
      const m = this.nActive;
      const list = this.activeList;
      // Work on compressed copies so the inner loop reads the m×m active Gram contiguously.
      const gA = this.gActive;
      const bA = this.bActive;
      const vA = this.vActive;
      const l1A = this.l1Active;
      const l2A = this.l2Active;
      const loA = this.loActive;
      const hiA = this.hiActive;
      for (let a = 0; a < m; a++) {
        const k = list[a]!;
        this.snapshot[a] = b[k]!;
        bA[a] = b[k]!;
        gA[a] = g[k]!;
        vA[a] = xv[k]!;
        // A screened variable (b = 0, proved zero at this λ) gets an infinite threshold: it stays 0.
        l1A[a] = this.screened[k] === 1 ? Infinity : l1 * this.vp[k]!;
        l2A[a] = l2 * this.vp[k]!;
        loA[a] = this.lower[k]!;
        hiA[a] = this.upper[k]!;
      }
      const G = this.activeGram;
      const cap = this.capacity;
      let budgetLeft = true;
      let rsq = this.rsq;
      for (;;) {
        let dlxInner = 0;
        for (let a = 0; a < m; a++) {
          const bk = bA[a]!;
          const vk = vA[a]!;
          const gk = gA[a]!;
          const nb = clip(coordinateUpdate(gk + vk * bk, l1A[a]!, vk, l2A[a]!), loA[a]!, hiA[a]!);
          if (nb === bk) continue;
          const d = nb - bk;
          bA[a] = nb;
          const change = vk * d * d;
          if (change > dlxInner) dlxInner = change;
          rsq += d * (2 * gk - d * vk);
          const base = a * cap;
          for (let c = 0; c < m; c++) gA[c] = gA[c]! - G[base + c]! * d;
        }
        passes++;
        this.totalPasses++;
        if (dlxInner < thr) break;
        if (this.totalPasses >= maxPasses) {
          budgetLeft = false;
          break;
        }
      }
      this.rsq = rsq;
      for (let a = 0; a < m; a++) {
        const k = list[a]!;
        b[k] = bA[a]!;
        g[k] = gA[a]!;
      }
      this.catchUpInactive(m);
      if (!budgetLeft) return { converged: false, passes, strongViolations: 0 };
    }
  }

  /** Applies the active-set changes since the snapshot to the gradient of the inactive variables. */
  private catchUpInactive(m: number): void {
    const { p, included } = this.data;
    const g = this.g;
    const gram = this.gram;
    const list = this.activeList;
    for (let a = 0; a < m; a++) {
      const d = this.b[list[a]!]! - this.snapshot[a]!;
      this.snapshot[a] = d; // reuse as the difference vector
    }
    for (let j = 0; j < p; j++) {
      if (included[j] === 0 || this.activePos[j]! >= 0) continue;
      let s = 0;
      for (let a = 0; a < m; a++) s += gram[a * p + j]! * this.snapshot[a]!;
      g[j] = g[j]! - s;
    }
  }

  refreshGradient(): void {
    // g is exact for all variables after a converged full cycle.
  }

  refreshAllGradients(): void {
    // Same: every included gradient is current between λ values.
  }

  zeroCoefficient(j: number): void {
    const d = -this.b[j]!;
    if (d === 0) return;
    const { p, xv } = this.data;
    const g = this.g;
    this.rsq += d * (2 * g[j]! - d * xv[j]!);
    this.b[j] = 0;
    const base = this.activePos[j]! * p;
    for (let k = 0; k < p; k++) g[k] = g[k]! - this.gram[base + k]! * d;
  }

  residualMoments(): { rr: number; yr: number } {
    // ŷᵀr̂ = ‖ŷ‖² − g0ᵀb and ‖r̂‖² = ŷᵀr̂ − bᵀX̂ᵀr̂, with ‖ŷ‖² = 1 by construction.
    const yy = 1;
    let g0b = 0;
    let gb = 0;
    const list = this.activeList;
    for (let a = 0; a < this.nActive; a++) {
      const k = list[a]!;
      g0b += this.g0[k]! * this.b[k]!;
      gb += this.g[k]! * this.b[k]!;
    }
    const yr = yy - g0b;
    return { rr: yr - gb, yr };
  }

}

/**
 * What the dense and sparse naive methods share: the sequential strong rule, the KKT re-check over the
 * variables it discarded, and the pass/budget bookkeeping of a solve. Each layout supplies x̂_jᵀr̂ and its own
 * coordinate cycles (the hot loops, kept per layout so each stays monomorphic and inlined).
 */
abstract class StrongRuleState extends CdState {
  /** |g_j| from the last time it was computed (strong-rule screening input). */
  protected readonly absGrad: Float64Array;
  readonly strong: Uint8Array;
  useStrongRule = true;

  constructor(data: DataStatistics, g0: Float64Array) {
    super(data, g0);
    this.absGrad = new Float64Array(data.p);
    for (let j = 0; j < data.p; j++) this.absGrad[j] = Math.abs(g0[j]!);
    this.strong = new Uint8Array(data.p);
  }

  /** x̂_jᵀr̂ at the current residual. */
  protected abstract columnGradient(j: number): number;

  /** One cycle over the strong set (storing g_k); returns glmnet's max_k ‖x̂_k‖²Δb_k². */
  protected abstract strongPass(l1: number, l2: number): number;

  /** One cycle over the active set (g not stored); returns max_k ‖x̂_k‖²Δb_k². */
  protected abstract activePass(l1: number, l2: number): number;

  solve(l1: number, l2: number, l1Previous: number, _alpha: number, maxPasses: number): PointOutcome {
    const { p, included } = this.data;
    const strong = this.strong;
    const thr = this.threshold;
    // Sequential strong rule in the l1 scale: keep j when |g_j| > 2λ₁ − λ₁_prev.
    const cut = this.useStrongRule ? 2 * l1 - l1Previous : -Infinity;
    const screened = this.screened;
    for (let j = 0; j < p; j++) {
      if (included[j] === 1 && strong[j] === 0 && screened[j] === 0 && this.absGrad[j]! > cut * this.vp[j]!) strong[j] = 1;
    }
    let passes = 0;
    let violations = 0;
    // As glmnet: once warm, a new λ starts by cycling the active set, then checks with strong-set cycles.
    let skipFull = this.nActive > 0;
    for (;;) {
      if (!skipFull) {
        const dlx = this.strongPass(l1, l2);
        passes++;
        this.totalPasses++;
        if (dlx < thr) {
          const added = this.kktRecheck(l1);
          violations += added;
          if (added === 0) return { converged: true, passes, strongViolations: violations };
          if (this.totalPasses >= maxPasses) return { converged: false, passes, strongViolations: violations };
          continue;
        }
        if (this.totalPasses >= maxPasses) return { converged: false, passes, strongViolations: violations };
      }
      skipFull = false;
      // Cycle on the active set until it settles.
      for (;;) {
        const dlxInner = this.activePass(l1, l2);
        passes++;
        this.totalPasses++;
        if (dlxInner < thr) break;
        if (this.totalPasses >= maxPasses) return { converged: false, passes, strongViolations: violations };
      }
    }
  }

  /** KKT re-check over the variables the strong rule discarded: adds each violator to the strong set, returns the count. */
  private kktRecheck(l1: number): number {
    const { p, included } = this.data;
    const strong = this.strong;
    const screened = this.screened;
    let added = 0;
    for (let j = 0; j < p; j++) {
      if (included[j] === 0 || strong[j] === 1 || screened[j] === 1) continue;
      const gj = this.columnGradient(j);
      this.g[j] = gj;
      const a = Math.abs(gj);
      this.absGrad[j] = a;
      if (a > l1 * this.vp[j]!) {
        strong[j] = 1;
        added++;
      }
    }
    return added;
  }

  refreshGradient(): void {
    // Non-strong variables were refreshed by the final KKT check; strong and screened ones may be stale.
    const { p, included } = this.data;
    for (let j = 0; j < p; j++) {
      if (included[j] === 0 || (this.strong[j] === 0 && this.screened[j] === 0)) continue;
      const gj = this.columnGradient(j);
      this.g[j] = gj;
      this.absGrad[j] = Math.abs(gj);
    }
  }

  refreshAllGradients(): void {
    const { p, included } = this.data;
    for (let j = 0; j < p; j++) {
      if (included[j] === 0) continue;
      const gj = this.columnGradient(j);
      this.g[j] = gj;
      this.absGrad[j] = Math.abs(gj);
    }
  }
}

/**
 * glmnet's "naive" method: keeps the residual r̂ and computes g_j = x̂_jᵀr̂ (O(n)) at each update.
 * Only variables in the strong set are cycled; the sequential strong rule
 * |g_j(previous solution)| > α(2λ − λ_prev) builds that set, and a KKT re-check over the rest
 * after convergence adds any violator and resumes.
 */
export class NaiveState extends StrongRuleState {
  declare readonly data: StandardizedData;
  readonly r: Float64Array;

  constructor(data: StandardizedData) {
    super(data, denseGradientAtZero(data));
    this.r = data.yhat.slice();
  }

  protected columnGradient(j: number): number {
    const { n, xhat } = this.data;
    return columnDot(xhat, j * n, this.r, n);
  }

  // The two passes inline the dot product and the residual update (the sparse twin calls methods): hot loops.
  protected strongPass(l1: number, l2: number): number {
    const { n, p, xhat, xv } = this.data;
    const { b, r, g, strong, screened, vp, lower, upper } = this;
    let dlx = 0;
    for (let k = 0; k < p; k++) {
      if (strong[k] === 0 || screened[k] === 1) continue;
      const off = k * n;
      const gk = columnDot(xhat, off, r, n);
      g[k] = gk;
      const bk = b[k]!;
      const vk = xv[k]!;
      const w = vp[k]!;
      const nb = clip(coordinateUpdate(gk + vk * bk, l1 * w, vk, l2 * w), lower[k]!, upper[k]!);
      if (nb === bk) continue;
      if (this.activePos[k]! < 0) {
        this.activeList[this.nActive] = k;
        this.activePos[k] = this.nActive++;
      }
      const d = nb - bk;
      b[k] = nb;
      const change = vk * d * d;
      if (change > dlx) dlx = change;
      this.rsq += d * (2 * gk - d * vk);
      for (let i = 0; i < n; i++) r[i] = r[i]! - d * xhat[off + i]!;
    }
    return dlx;
  }

  protected activePass(l1: number, l2: number): number {
    const { n, xhat, xv } = this.data;
    const { b, r, screened, vp, lower, upper } = this;
    let dlxInner = 0;
    const m = this.nActive;
    for (let a = 0; a < m; a++) {
      const k = this.activeList[a]!;
      if (screened[k] === 1) continue;
      const off = k * n;
      const gk = columnDot(xhat, off, r, n);
      const bk = b[k]!;
      const vk = xv[k]!;
      const w = vp[k]!;
      const nb = clip(coordinateUpdate(gk + vk * bk, l1 * w, vk, l2 * w), lower[k]!, upper[k]!);
      if (nb === bk) continue;
      const d = nb - bk;
      b[k] = nb;
      const change = vk * d * d;
      if (change > dlxInner) dlxInner = change;
      this.rsq += d * (2 * gk - d * vk);
      for (let i = 0; i < n; i++) r[i] = r[i]! - d * xhat[off + i]!;
    }
    return dlxInner;
  }

  zeroCoefficient(j: number): void {
    const d = -this.b[j]!;
    if (d === 0) return;
    const { n, xhat, xv } = this.data;
    const off = j * n;
    const gj = columnDot(xhat, off, this.r, n);
    this.rsq += d * (2 * gj - d * xv[j]!);
    this.b[j] = 0;
    for (let i = 0; i < n; i++) this.r[i] = this.r[i]! - d * xhat[off + i]!;
  }

  residualMoments(): { rr: number; yr: number } {
    const { n, yhat } = this.data;
    let rr = 0;
    let yr = 0;
    for (let i = 0; i < n; i++) {
      const ri = this.r[i]!;
      rr += ri * ri;
      yr += yhat[i]! * ri;
    }
    return { rr, yr };
  }
}

/** Sparse (CSC) data: the original entries are read in place; centring and scaling stay implicit. */
export interface SparseStandardizedData extends DataStatistics {
  readonly colPtr: Int32Array;
  readonly rowIndices: Int32Array;
  readonly values: Float64Array;
  /** 1/(s_j √n) (0 for excluded columns): x̂_ij = (x_ij − m_j)·factor_j. */
  readonly factor: Float64Array;
  /** Σ_i x_ij. */
  readonly colSum: Float64Array;
}

/** Statistics of a CSC matrix with the same conventions as {@link standardizeDense}. */
export function standardizeSparse(
  n: number,
  p: number,
  colPtr: Int32Array,
  rowIndices: Int32Array,
  values: Float64Array,
  y: Float64Array,
  intercept: boolean,
  standardize: boolean,
): SparseStandardizedData {
  const xm = new Float64Array(p);
  const xs = new Float64Array(p);
  const xv = new Float64Array(p);
  const included = new Uint8Array(p);
  const factor = new Float64Array(p);
  const colSum = new Float64Array(p);
  const rootN = Math.sqrt(n);
  for (let j = 0; j < p; j++) {
    const start = colPtr[j]!;
    const end = colPtr[j + 1]!;
    let sum = 0;
    let sq = 0;
    let constant = true;
    const first = end > start ? values[start]! : 0;
    for (let t = start; t < end; t++) {
      const v = values[t]!;
      sum += v;
      sq += v * v;
      if (v !== (end - start < n ? 0 : first)) constant = false;
    }
    colSum[j] = sum;
    const mean = sum / n;
    const variance = Math.max(0, sq / n - mean * mean);
    included[j] = constant ? 0 : 1;
    xm[j] = intercept ? mean : 0;
    if (standardize) {
      xs[j] = Math.sqrt(variance);
      xv[j] = intercept ? 1 : variance > 0 ? 1 + (mean * mean) / variance : 0;
    } else {
      xs[j] = 1;
      xv[j] = intercept ? variance : sq / n;
    }
    if (constant) {
      xs[j] = 1;
      xv[j] = 0;
    } else factor[j] = 1 / (xs[j]! * rootN);
  }
  let ym = 0;
  if (intercept) {
    for (let i = 0; i < n; i++) ym += y[i]!;
    ym /= n;
  }
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i]! - ym) ** 2;
  const ys = Math.sqrt(ss / n);
  const yhat = new Float64Array(n);
  const yFactor = ys > 0 ? 1 / (ys * rootN) : 0;
  for (let i = 0; i < n; i++) yhat[i] = (y[i]! - ym) * yFactor;
  return { n, p, xm, xs, xv, included, ym, ys, yhat, colPtr, rowIndices, values, factor, colSum };
}

/**
 * The naive method on CSC data. The residual is kept as r = r̃ + o·1 so an update touches only the
 * nonzeros of a column: x̂_jᵀr = f_j(Σ_nz x_ij r̃_i + o·Σx_j − m_j(Σr̃ + n·o)).
 */
export class SparseNaiveState extends StrongRuleState {
  declare readonly data: SparseStandardizedData;
  readonly rTilde: Float64Array;
  offset = 0;
  rTildeSum = 0;

  constructor(data: SparseStandardizedData) {
    super(data, sparseGradientAtZero(data));
    const { n, yhat } = data;
    let ySum = 0;
    for (let i = 0; i < n; i++) ySum += yhat[i]!;
    this.rTilde = yhat.slice();
    this.rTildeSum = ySum;
  }

  /** x̂_jᵀr at the current residual. */
  protected columnGradient(j: number): number {
    const { colPtr, rowIndices, values, factor, xm, colSum, n } = this.data;
    let s = 0;
    const end = colPtr[j + 1]!;
    const r = this.rTilde;
    for (let t = colPtr[j]!; t < end; t++) s += values[t]! * r[rowIndices[t]!]!;
    const o = this.offset;
    return factor[j]! * (s + o * colSum[j]! - xm[j]! * (this.rTildeSum + n * o));
  }

  /** r ← r − d·x̂_j. */
  private subtract(j: number, d: number): void {
    const { colPtr, rowIndices, values, factor, xm, colSum } = this.data;
    const scaled = d * factor[j]!;
    const end = colPtr[j + 1]!;
    const r = this.rTilde;
    for (let t = colPtr[j]!; t < end; t++) {
      const i = rowIndices[t]!;
      r[i] = r[i]! - scaled * values[t]!;
    }
    this.offset += scaled * xm[j]!;
    this.rTildeSum -= scaled * colSum[j]!;
  }

  private update(k: number, gk: number, l1: number, l2: number): number {
    const b = this.b;
    const bk = b[k]!;
    const vk = this.data.xv[k]!;
    const w = this.vp[k]!;
    const nb = clip(coordinateUpdate(gk + vk * bk, l1 * w, vk, l2 * w), this.lower[k]!, this.upper[k]!);
    if (nb === bk) return 0;
    if (this.activePos[k]! < 0) {
      this.activeList[this.nActive] = k;
      this.activePos[k] = this.nActive++;
    }
    const d = nb - bk;
    b[k] = nb;
    this.rsq += d * (2 * gk - d * vk);
    this.subtract(k, d);
    return vk * d * d;
  }

  protected strongPass(l1: number, l2: number): number {
    const { strong, screened } = this;
    let dlx = 0;
    for (let k = 0; k < this.data.p; k++) {
      if (strong[k] === 0 || screened[k] === 1) continue;
      const gk = this.columnGradient(k);
      this.g[k] = gk;
      const change = this.update(k, gk, l1, l2);
      if (change > dlx) dlx = change;
    }
    return dlx;
  }

  protected activePass(l1: number, l2: number): number {
    const screened = this.screened;
    let dlxInner = 0;
    const m = this.nActive;
    for (let a = 0; a < m; a++) {
      const k = this.activeList[a]!;
      if (screened[k] === 1) continue;
      const change = this.update(k, this.columnGradient(k), l1, l2);
      if (change > dlxInner) dlxInner = change;
    }
    return dlxInner;
  }

  zeroCoefficient(j: number): void {
    const d = -this.b[j]!;
    if (d === 0) return;
    const gj = this.columnGradient(j);
    this.rsq += d * (2 * gj - d * this.data.xv[j]!);
    this.b[j] = 0;
    this.subtract(j, d);
  }

  residualMoments(): { rr: number; yr: number } {
    const { n, yhat } = this.data;
    const o = this.offset;
    let rr = 0;
    let yr = 0;
    for (let i = 0; i < n; i++) {
      const ri = this.rTilde[i]! + o;
      rr += ri * ri;
      yr += yhat[i]! * ri;
    }
    return { rr, yr };
  }
}

export type CdMethodState = CovarianceState | NaiveState | SparseNaiveState;

/**
 * Certificates at the current point for P(b) = ½‖r̂‖² + Σ_j vp_j(λ₁|b_j| + λ₂b_j²/2) over the box (internal scale).
 * KKT: z_j = g_j − λ₂vp_j b_j must lie in λ₁vp_j·∂|b_j| plus the box's normal cone. The duality gap uses the
 * weighted ridge-augmented lasso dual; it is NaN with a box or an unpenalized (vp = 0) variable.
 */
export function certificates(
  state: CdMethodState,
  l1: number,
  l2: number,
): { primal: number; gap: number; kkt: number } {
  state.refreshGradient();
  const { p, included } = state.data;
  const { b, g, vp, lower, upper } = state;
  const { rr, yr } = state.residualMoments();
  let pen1 = 0;
  let pen2 = 0;
  let dualNorm = 0;
  let kkt = 0;
  let gapDefined = true;
  for (let j = 0; j < p; j++) {
    if (included[j] === 0) continue;
    const bj = b[j]!;
    const w = vp[j]!;
    const t = l1 * w;
    const z = g[j]! - l2 * w * bj; // stationarity: z ∈ λ₁vp_j ∂|b_j| + N_box(b_j)
    pen1 += w * Math.abs(bj);
    pen2 += w * bj * bj;
    const lo = lower[j]!;
    const hi = upper[j]!;
    if (lo !== -Infinity || hi !== Infinity || !(w > 0)) gapDefined = false;
    if (w > 0) dualNorm = Math.max(dualNorm, Math.abs(z) / w);
    let violation: number;
    if (bj === lo && lo < 0) violation = Math.max(0, z + t);
    else if (bj === hi && hi > 0) violation = Math.max(0, t - z);
    else if (bj !== 0) violation = Math.abs(z - (bj > 0 ? t : -t));
    else violation = Math.max(0, (hi > 0 ? z : -Infinity) - t, (lo < 0 ? -z : -Infinity) - t);
    if (violation > kkt) kkt = violation;
  }
  const primal = 0.5 * rr + l1 * pen1 + 0.5 * l2 * pen2;
  if (!gapDefined) return { primal, gap: NaN, kkt };
  // Dual point θ = s·(r̂, −√(λ₂vp) b) of the ridge-augmented lasso, scaled into |x̃_jᵀθ| ≤ λ₁vp_j.
  const s = l1 > 0 ? (dualNorm > l1 ? l1 / dualNorm : 1) : 1;
  const dual = s * yr - 0.5 * s * s * rr - 0.5 * s * s * l2 * pen2;
  return { primal, gap: Math.max(0, primal - dual), kkt };
}

/**
 * Gap Safe screening (Fercoq, Gramfort & Salmon, ICML 2015; elastic net through the ridge-augmented lasso,
 * Ndiaye, Fercoq, Gramfort & Salmon, JMLR 18(128), 2017) at penalties (l1, l2) from the current point:
 * with θ = s·(r̂, −√λ₂ b) the rescaled dual point and G the duality gap, the dual optimum lies in the ball of
 * radius √(2G) around θ (the dual is 1-strongly concave), so |x̃_jᵀθ| + ‖x̃_j‖√(2G) < λ₁ proves b*_j = 0
 * (x̃_j = (x̂_j, √(λ₂vp_j) e_j), bound λ₁vp_j with penalty factors; needs all vp_j > 0 and no box). Marks those variables in `state.screened`, sets any nonzero one to 0, returns the count.
 */
export function gapSafeScreen(state: CdMethodState, l1: number, l2: number): number {
  const { p, included, xv } = state.data;
  const screened = state.screened;
  screened.fill(0);
  if (!(l1 > 0)) return 0;
  state.refreshAllGradients();
  const { b, g, vp } = state;
  const { rr, yr } = state.residualMoments();
  let pen1 = 0;
  let pen2 = 0;
  let dualNorm = 0;
  for (let j = 0; j < p; j++) {
    if (included[j] === 0) continue;
    const bj = b[j]!;
    const w = vp[j]!;
    pen1 += w * Math.abs(bj);
    pen2 += w * bj * bj;
    const az = Math.abs(g[j]! - l2 * w * bj) / w;
    if (az > dualNorm) dualNorm = az;
  }
  const s = dualNorm > l1 ? l1 / dualNorm : 1;
  const primal = 0.5 * rr + l1 * pen1 + 0.5 * l2 * pen2;
  const dual = s * yr - 0.5 * s * s * rr - 0.5 * s * s * l2 * pen2;
  const radius = Math.sqrt(2 * Math.max(0, primal - dual));
  let count = 0;
  for (let j = 0; j < p; j++) {
    if (included[j] === 0) continue;
    const w = vp[j]!;
    if (s * Math.abs(g[j]! - l2 * w * b[j]!) + Math.sqrt(xv[j]! + l2 * w) * radius < l1 * w) {
      screened[j] = 1;
      count++;
    }
  }
  for (let j = 0; j < p; j++) if (screened[j] === 1 && b[j] !== 0) state.zeroCoefficient(j);
  return count;
}
