/**
 * Kernels of GANQ (Zhao & Yuan, arXiv 2501.12956): the back-substitution S-step (eq. 20), the
 * accumulation of S H Sᵀ and S H Wᵀ for the T-step (eq. 5), a small symmetric pseudo-inverse, and the
 * initial codebooks of the reference code. Row-major typed arrays; indices are trusted.
 */
import { Matrix, gemmInto, jacobiEigenInPlace } from '@firstorder/linalg';

/**
 * S-step on columns [j0, j1) for every row (columns right of j1 already done, their contribution to
 * columns < j1 already in R). For u = j1−1 … j0: target = W_iu + R_iu / L_uu (eq. 20, R_iu =
 * Σ_{v>u} ΔW_iv L_vu), code = nearest codebook entry (first index on ties), ΔW_iu = W_iu − T_i[code]
 * (0 at outlier positions, which the sparse part restores exactly), and R_ij += ΔW_iu L_uj for j0 ≤ j < u.
 * Returns Σ_i Σ_u (ΔW_iu L_uu + R_iu)², this block's share of ‖ΔW L‖²_F.
 */
export function sStepBlockKernel(
  W: Float64Array,
  m: number,
  n: number,
  L: Float64Array,
  T: Float64Array,
  k: number,
  R: Float64Array,
  codes: Uint8Array,
  D: Float64Array,
  mask: Uint8Array | null,
  j0: number,
  j1: number,
): number {
  let objective = 0;
  for (let i = 0; i < m; i++) {
    const wo = i * n;
    const to = i * k;
    for (let u = j1 - 1; u >= j0; u--) {
      const luu = L[u * n + u]!;
      const target = W[wo + u]! + R[wo + u]! / luu;
      let best = 0;
      let bestDist = Math.abs(target - T[to]!);
      for (let s = 1; s < k; s++) {
        const dist = Math.abs(target - T[to + s]!);
        if (dist < bestDist) {
          bestDist = dist;
          best = s;
        }
      }
      codes[wo + u] = best;
      const d = mask !== null && mask[wo + u] === 1 ? 0 : W[wo + u]! - T[to + best]!;
      D[wo + u] = d;
      const c = d * luu + R[wo + u]!;
      objective += c * c;
      if (d !== 0) {
        const lo = u * n;
        for (let j = j0; j < u; j++) R[wo + j]! += d * L[lo + j]!;
      }
    }
  }
  return objective;
}

/** Copies D[:, j0:j1] (m × (j1−j0)) and L[j0:j1, 0:j0] ((j1−j0) × j0) into contiguous buffers for the gemm. */
export function packBlock(D: Float64Array, L: Float64Array, m: number, n: number, j0: number, j1: number, Dblk: Float64Array, Lpanel: Float64Array): void {
  const B = j1 - j0;
  for (let i = 0; i < m; i++) for (let b = 0; b < B; b++) Dblk[i * B + b] = D[i * n + j0 + b]!;
  for (let b = 0; b < B; b++) for (let j = 0; j < j0; j++) Lpanel[b * j0 + j] = L[(j0 + b) * n + j]!;
}

/** R[:, 0:j0] += C (m × j0). */
export function addLeading(R: Float64Array, m: number, n: number, j0: number, C: Float64Array): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < j0; j++) R[i * n + j]! += C[i * j0 + j]!;
}

/** Scratch of the T-step kernels, grown on demand and reused across rows, layers and calls. */
let partialRows = new Float64Array(0);
let diagSums = new Float64Array(0);
let keptIndex = new Int32Array(0);

/**
 * T-step accumulation for row i: A = S_i H S_iᵀ ((k+1) × (k+1)) and b = S_i (H W_iᵀ) = Σ_{j in cluster s} G_ij
 * with G = W H. `crow` is row i's codes with k at outlier positions; that last index is excluded (its row
 * and column of A and its b entry are left 0; the solve ignores them).
 *
 * Uses the lower triangle of H only: P[s, l] = Σ_{j in s, j > l} H_jl is built by contiguous row adds
 * (n²/2 streaming additions, no data-dependent index in the inner loop), then the strictly-lower part of
 * A is A_st += P[s, l] for l in t (k·n), and A = Â + Âᵀ + diag(Σ_{j in s} H_jj). Empty clusters give
 * exact zero rows and columns.
 */
export function accumulateClusterGram(
  H: Float64Array,
  n: number,
  G: Float64Array,
  i: number,
  crow: Uint8Array,
  k1: number,
  A: Float64Array,
  b: Float64Array,
): void {
  const k = k1 - 1;
  if (partialRows.length < k * n) partialRows = new Float64Array(k * n);
  if (diagSums.length < k) diagSums = new Float64Array(k);
  const P = partialRows;
  const d = diagSums;
  P.fill(0, 0, k * n);
  d.fill(0, 0, k);
  A.fill(0);
  b.fill(0);
  const go = i * n;
  for (let j = 0; j < n; j++) {
    const s = crow[j]!;
    if (s >= k) continue;
    b[s]! += G[go + j]!;
    const ho = j * n;
    d[s]! += H[ho + j]!;
    const po = s * n;
    let l = 0;
    for (; l + 3 < j; l += 4) {
      P[po + l]! += H[ho + l]!;
      P[po + l + 1]! += H[ho + l + 1]!;
      P[po + l + 2]! += H[ho + l + 2]!;
      P[po + l + 3]! += H[ho + l + 3]!;
    }
    for (; l < j; l++) P[po + l]! += H[ho + l]!;
  }
  for (let s = 0; s < k; s++) {
    const po = s * n;
    const ao = s * k1;
    for (let l = 0; l < n; l++) {
      const t = crow[l]!;
      if (t < k) A[ao + t]! += P[po + l]!;
    }
  }
  for (let s = 0; s < k; s++) {
    A[s * k1 + s] = 2 * A[s * k1 + s]! + d[s]!;
    for (let t = s + 1; t < k; t++) {
      const v = A[s * k1 + t]! + A[t * k1 + s]!;
      A[s * k1 + t] = v;
      A[t * k1 + s] = v;
    }
  }
}

/**
 * S_i H S_iᵀ of every row kept between T-steps. After the first full accumulation, a row whose codes changed
 * at c ≤ n/4 positions is updated instead of recomputed: moving position j from cluster a to cluster b is
 * S' = S + u e_jᵀ with u = e_b − e_a, so A' = A + u vᵀ + v uᵀ + H_jj u uᵀ with v = S H e_j (n gathers), i.e.
 * c·n work instead of n²/2. Clusters left empty get exact zero rows and columns (the solve drops them).
 * Outlier positions (code k) never change, so they stay excluded. b is recomputed (n additions).
 */
export class ClusterGramCache {
  private readonly gram: Float64Array;
  private readonly prev: Uint8Array;
  private readonly counts: Int32Array;
  private readonly valid: Uint8Array;
  private readonly v: Float64Array;

  constructor(
    private readonly m: number,
    private readonly n: number,
    private readonly k: number,
  ) {
    this.gram = new Float64Array(m * k * k);
    this.prev = new Uint8Array(m * n);
    this.counts = new Int32Array(m * k);
    this.valid = new Uint8Array(m);
    this.v = new Float64Array(k);
  }

  /** A ((k+1) × (k+1), last row/column 0) and b (k+1) of row i for codes `crow` (k at outlier positions). */
  rowSystem(H: Float64Array, G: Float64Array, i: number, crow: Uint8Array, A: Float64Array, b: Float64Array): void {
    const { n, k, gram, prev, counts, v } = this;
    const k1 = k + 1;
    const po = i * n;
    const go = i * k * k;
    const co = i * k;
    let changed = 0;
    let incremental = this.valid[i] === 1;
    if (incremental) {
      for (let j = 0; j < n; j++) {
        if (prev[po + j] === crow[j]) continue;
        changed++;
        if (prev[po + j]! >= k || crow[j]! >= k) incremental = false; // the outlier set never changes; be safe
      }
      if (changed > n >>> 2) incremental = false;
    }
    if (!incremental) {
      accumulateClusterGram(H, n, G, i, crow, k1, A, b);
      for (let s = 0; s < k; s++) for (let t = 0; t < k; t++) gram[go + s * k + t] = A[s * k1 + t]!;
      counts.fill(0, co, co + k);
      for (let j = 0; j < n; j++) {
        const s = crow[j]!;
        prev[po + j] = s;
        if (s < k) counts[co + s]!++;
      }
      this.valid[i] = 1;
      return;
    }
    if (changed > 0) {
      for (let j = 0; j < n; j++) {
        const a = prev[po + j]!;
        const c = crow[j]!;
        if (a === c) continue;
        v.fill(0);
        const ho = j * n;
        for (let l = 0; l < n; l++) {
          const t = prev[po + l]!;
          if (t < k) v[t]! += H[ho + l]!;
        }
        for (let t = 0; t < k; t++) {
          const vt = v[t]!;
          gram[go + c * k + t]! += vt;
          gram[go + a * k + t]! -= vt;
          gram[go + t * k + c]! += vt;
          gram[go + t * k + a]! -= vt;
        }
        const hjj = H[ho + j]!;
        gram[go + c * k + c]! += hjj;
        gram[go + a * k + a]! += hjj;
        gram[go + a * k + c]! -= hjj;
        gram[go + c * k + a]! -= hjj;
        prev[po + j] = c;
        counts[co + a]!--;
        counts[co + c]!++;
      }
      for (let s = 0; s < k; s++) {
        if (counts[co + s] !== 0) continue;
        for (let t = 0; t < k; t++) {
          gram[go + s * k + t] = 0;
          gram[go + t * k + s] = 0;
        }
      }
    }
    A.fill(0);
    for (let s = 0; s < k; s++) for (let t = 0; t < k; t++) A[s * k1 + t] = gram[go + s * k + t]!;
    b.fill(0);
    for (let j = 0; j < n; j++) {
      const s = crow[j]!;
      if (s < k) b[s]! += G[po + j]!;
    }
  }
}

/**
 * x = A⁺ b for the leading k × k block of the symmetric PSD matrix stored with stride k1 in `A`.
 * Rows with A_ss = 0 (empty clusters: a zero row and column of a PSD matrix) give x_s = 0, exactly as the
 * pseudo-inverse does. The rest is solved by Cholesky when it is provably well inside the pseudo-inverse's
 * cutoff — λmin ≥ 1/tr(A⁻¹) = 1/‖L⁻¹‖²_F and λmax ≤ tr(A), so 1/tr(A⁻¹) > 1e-10·tr(A) means no eigenvalue
 * is near k·ε·λmax and A⁺ = A⁻¹ — and otherwise by the float64 Jacobi eigendecomposition below with
 * torch.linalg.pinv's default cutoff. Scratch: a, v (k × k), w (k), y (k).
 */
export function symmetricPinvSolve(
  A: Float64Array,
  k1: number,
  k: number,
  b: Float64Array,
  x: Float64Array,
  xo: number,
  a: Float64Array,
  v: Float64Array,
  w: Float64Array,
  y: Float64Array,
): void {
  if (keptIndex.length < k) keptIndex = new Int32Array(k);
  const idx = keptIndex;
  let r = 0;
  for (let s = 0; s < k; s++) if (A[s * k1 + s]! !== 0) idx[r++] = s;
  for (let s = 0; s < k; s++) x[xo + s] = 0;
  if (r === 0) return;
  if (choleskySolveCompressed(A, k1, idx, r, b, x, xo, a, v, y)) return;
  jacobiPinvSolve(A, k1, k, b, x, xo, a, v, w, y);
}

/**
 * Cholesky solve of the r × r principal submatrix A[idx, idx]; false (x untouched) when a pivot is not
 * positive or the conditioning test fails. a holds L (stride r), v holds L⁻¹ (stride r).
 */
function choleskySolveCompressed(
  A: Float64Array,
  k1: number,
  idx: Int32Array,
  r: number,
  b: Float64Array,
  x: Float64Array,
  xo: number,
  a: Float64Array,
  v: Float64Array,
  y: Float64Array,
): boolean {
  let trace = 0;
  for (let p = 0; p < r; p++) {
    const ip = idx[p]!;
    trace += A[ip * k1 + ip]!;
    for (let q = 0; q <= p; q++) {
      let s = A[ip * k1 + idx[q]!]!;
      for (let c = 0; c < q; c++) s -= a[p * r + c]! * a[q * r + c]!;
      if (q < p) {
        a[p * r + q] = s / a[q * r + q]!;
      } else {
        if (!(s > 0)) return false;
        a[p * r + p] = Math.sqrt(s);
      }
    }
  }
  // L⁻¹ (lower) by forward substitution, and tr(A⁻¹) = ‖L⁻¹‖²_F.
  let traceInv = 0;
  for (let c = 0; c < r; c++) {
    for (let p = 0; p < c; p++) v[p * r + c] = 0;
    for (let p = c; p < r; p++) {
      let s = p === c ? 1 : 0;
      for (let q = c; q < p; q++) s -= a[p * r + q]! * v[q * r + c]!;
      const e = s / a[p * r + p]!;
      v[p * r + c] = e;
      traceInv += e * e;
    }
  }
  if (!(1 / traceInv > 1e-10 * trace)) return false;
  // x = L⁻ᵀ (L⁻¹ b).
  for (let p = 0; p < r; p++) {
    let s = 0;
    for (let q = 0; q <= p; q++) s += v[p * r + q]! * b[idx[q]!]!;
    y[p] = s;
  }
  for (let q = 0; q < r; q++) {
    let s = 0;
    for (let p = q; p < r; p++) s += v[p * r + q]! * y[p]!;
    x[xo + idx[q]!] = s;
  }
  return true;
}

/**
 * A⁺ b by cyclic Jacobi (float64), eigenvalues with |λ| ≤ k·ε·max|λ| treated as zero (torch's default);
 * the fallback of {@link symmetricPinvSolve}, whose signature and scratch it shares.
 */
const jacobiPinvSolve: typeof symmetricPinvSolve = (A, k1, k, b, x, xo, a, v, w, y) => {
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) a[r * k + c] = A[r * k1 + c]!;
  jacobiEigenInPlace(a, k, v);
  let lmax = 0;
  for (let r = 0; r < k; r++) {
    w[r] = a[r * k + r]!;
    lmax = Math.max(lmax, Math.abs(w[r]!));
  }
  const cutoff = k * 2.220446049250313e-16 * lmax;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let r = 0; r < k; r++) s += v[r * k + c]! * b[r]!;
    y[c] = Math.abs(w[c]!) > cutoff ? s / w[c]! : 0;
  }
  for (let r = 0; r < k; r++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += v[r * k + c]! * y[c]!;
    x[xo + r] = s;
  }
};

/** D = W − T[codes] per row, 0 at outlier positions. */
export function residualKernel(W: Float64Array, m: number, n: number, T: Float64Array, k: number, codes: Uint8Array, mask: Uint8Array | null, D: Float64Array): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const p = i * n + j;
      D[p] = mask !== null && mask[p] === 1 ? 0 : W[p]! - T[i * k + codes[p]!]!;
    }
  }
}

/** The values of row i of W outside the outlier mask, sorted ascending, into `out`; returns their count. */
export function denseRowSorted(W: Float64Array, n: number, i: number, mask: Uint8Array | null, out: Float64Array): number {
  let c = 0;
  for (let j = 0; j < n; j++) if (mask === null || mask[i * n + j] === 0) out[c++] = W[i * n + j]!;
  out.subarray(0, c).sort();
  return c;
}

/**
 * Segment grid of the reference code's 4-bit initialisation: [min, max] cut at fractions `bounds`, with
 * `counts[s]` linearly spaced levels (endpoints included) in segment s. Written to T[to … to + Σcounts).
 */
export function segmentGrid(sorted: Float64Array, count: number, counts: readonly number[], bounds: readonly number[], T: Float64Array, to: number): void {
  const lo = count > 0 ? sorted[0]! : 0;
  const hi = count > 0 ? sorted[count - 1]! : 0;
  let p = to;
  for (let s = 0; s < counts.length; s++) {
    const a = lo + (hi - lo) * bounds[s]!;
    const b = lo + (hi - lo) * bounds[s + 1]!;
    const c = counts[s]!;
    for (let q = 0; q < c; q++) T[p++] = c === 1 ? a : a + ((b - a) * q) / (c - 1);
  }
}

/** Linear-interpolated order statistic at fraction f of the sorted values (index f·(count−1)). */
export function quantileSorted(sorted: Float64Array, count: number, f: number): number {
  if (count === 0) return 0;
  const x = f * (count - 1);
  const left = Math.floor(x);
  const right = Math.min(left + 1, count - 1);
  const alpha = x - left;
  return (1 - alpha) * sorted[left]! + alpha * sorted[right]!;
}

/**
 * One GANQ run's alternating steps on m rows with its workspaces, allocated once (the iterations allocate nothing
 * but small Matrix wrappers for gemm). Shared by `ganq` and ganqAsync's row blocks, so both run the same arithmetic.
 * `codes` and `D` (ΔW after the last S-step's blocks) are read by the caller.
 */
export class GanqIteration {
  readonly codes: Uint8Array;
  readonly D: Matrix;
  private readonly R: Float64Array;
  private readonly Dblk: Float64Array;
  private readonly Lpanel: Float64Array;
  private readonly Cbuf: Float64Array;
  private readonly A: Float64Array;
  private readonly bvec: Float64Array;
  private readonly crow: Uint8Array;
  private readonly ws: readonly [Float64Array, Float64Array, Float64Array, Float64Array];
  private readonly grams: ClusterGramCache;
  private readonly B: number;

  constructor(
    private readonly m: number,
    private readonly n: number,
    private readonly k: number,
    blockSize: number,
  ) {
    this.B = Math.min(blockSize, n);
    this.codes = new Uint8Array(m * n);
    this.D = new Matrix(m, n);
    this.R = new Float64Array(m * n);
    this.Dblk = new Float64Array(m * this.B);
    this.Lpanel = new Float64Array(this.B * n);
    this.Cbuf = new Float64Array(m * n);
    this.A = new Float64Array((k + 1) * (k + 1));
    this.bvec = new Float64Array(k + 1);
    this.crow = new Uint8Array(n);
    this.ws = [new Float64Array(k * k), new Float64Array(k * k), new Float64Array(k), new Float64Array(k)];
    this.grams = new ClusterGramCache(m, n, k);
  }

  /** S-step (eq. 20): columns right to left in blocks of B; the residual feedback of finished blocks via one gemm. */
  sStep(W: Float64Array, L: Float64Array, T: Float64Array, mask: Uint8Array | null): void {
    const { m, n, k, B, R, Dblk, Lpanel, Cbuf } = this;
    R.fill(0);
    for (let j1 = n; j1 > 0; j1 -= B) {
      const j0 = Math.max(0, j1 - B);
      sStepBlockKernel(W, m, n, L, T, k, R, this.codes, this.D.data, mask, j0, j1);
      if (j0 > 0) {
        const Bc = j1 - j0;
        packBlock(this.D.data, L, m, n, j0, j1, Dblk, Lpanel);
        const C = new Matrix(m, j0, Cbuf.subarray(0, m * j0));
        gemmInto(C, new Matrix(m, Bc, Dblk.subarray(0, m * Bc)), new Matrix(Bc, j0, Lpanel.subarray(0, Bc * j0)));
        addLeading(R, m, n, j0, C.data);
      }
    }
  }

  /** T-step (eq. 5): per row, the closed form through the pseudo-inverse of the small S H Sᵀ (outlier entries masked out). */
  tStep(H: Float64Array, G: Float64Array, T: Float64Array, mask: Uint8Array | null): void {
    const { m, n, k, A, bvec, crow, ws } = this;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) crow[j] = mask !== null && mask[i * n + j] === 1 ? k : this.codes[i * n + j]!;
      this.grams.rowSystem(H, G, i, crow, A, bvec);
      symmetricPinvSolve(A, k + 1, k, bvec, T, i * k, ws[0], ws[1], ws[2], ws[3]);
    }
  }
}
