import { checkNumberOption, createRng, invalidArgument, invalidOption } from '@firstorder/core';
import type { Rng } from '@firstorder/core';
import { makeTransform } from './base.js';
import type { InPlaceTransformation } from './base.js';
import { axpyInPlace, scaleInPlace } from './kernels.js';
import {
  gramRows,
  jacobiEigen,
  multiplyRows,
  multiplyTransposeRows,
  orthonormalizeRows,
  reconstructClipped,
  rotateRows,
} from './lowrank.js';
import { toSchedule } from './schedules.js';
import { resolveMask, rms, scheduleValue } from './transforms.js';
import type { ParamMask } from './transforms.js';
import { finiteOption } from './validate.js';
import { dataOf, shapeOf } from './types.js';
import type { FloatArray, Params, Schedule, Updates } from './types.js';

/**
 * Adapprox defaults. The paper (Zhao et al., arXiv 2403.14958) could not be read here beyond its
 * abstract and first introduction paragraph (rechecked 2026-11-23, see the README); values marked [D] are this library's choices, [U] conventional values not confirmed in
 * the paper (see the README's defaults table for sources):
 * b1 0.9 [U, Adam/CAME], b2 0.999 [U, Adam], eps 1e-8 [U, Adam], clipThreshold 1 [S, Adafactor-style
 * update clipping with d = 1 as in Adafactor and CAME], weightDecay 0 [D], kMin 1, kMax 32, k0 = kMin
 * [D], oversampling 5 [Halko–Martinsson–Tropp 2011 §4.2: p = 5 or 10], powerIterations 1 [HMT §4.5:
 * q = 1 or 2], errorThreshold 0.05 [D], rankSmoothing 0.9 [D], minDimSizeToFactor 32 [D],
 * firstMoment 'update' and biasCorrection false [S, transcription of the paper's update rule],
 * cosineGuidance false [V abstract: optional].
 */
export const ADAPPROX_DEFAULTS = Object.freeze({
  b1: 0.9,
  b2: 0.999,
  eps: 1e-8,
  clipThreshold: 1,
  weightDecay: 0,
  kMin: 1,
  kMax: 32,
  oversampling: 5,
  powerIterations: 1,
  errorThreshold: 0.05,
  rankSmoothing: 0.9,
  minDimSizeToFactor: 32,
  firstMoment: 'update' as 'update' | 'gradient',
  biasCorrection: false,
  cosineGuidance: false,
  seed: 0,
});

/** Options of {@link adapprox}. */
export interface AdapproxOptions {
  /** Step size η: a constant > 0 or a schedule of the step count. Required. */
  readonly learningRate: number | Schedule;
  /** β₁ of the optional first moment; 0 disables it (and its memory). */
  readonly b1?: number;
  /** β₂ of the second moment V_t = β₂·V̂_{t−1} + (1 − β₂)·g². */
  readonly b2?: number;
  /** ε added to √V̂ (> 0). */
  readonly eps?: number;
  /** Update clipping threshold d: û ← û / max(1, RMS(û)/d). `Infinity` disables it. */
  readonly clipThreshold?: number;
  /** Decoupled weight decay λ: θ ← θ − η(u + λθ). */
  readonly weightDecay?: number;
  /** Parameters to decay (default all). */
  readonly mask?: ParamMask;
  /** Smallest rank kept for a factored matrix. */
  readonly kMin?: number;
  /** Largest rank (capped per matrix at min(m, n)). */
  readonly kMax?: number;
  /** Rank of the first factorization (default kMin). */
  readonly k0?: number;
  /** Oversampling p of the sketch: ℓ = min(k + p, min(m, n)) columns. */
  readonly oversampling?: number;
  /** Power (subspace) iterations l of S-RSI. */
  readonly powerIterations?: number;
  /** ξ: the target relative Frobenius error ‖V − Q Uᵀ‖/‖V‖ that drives the rank. In [0, 1). */
  readonly errorThreshold?: number;
  /** γ of the rank's exponential smoothing k̄ ← γk̄ + (1 − γ)k_target. In [0, 1); 0 = no smoothing. */
  readonly rankSmoothing?: number;
  /** Factor a ≥ 2-D parameter only when both of its last two dimensions are at least this. */
  readonly minDimSizeToFactor?: number;
  /**
   * What the first moment averages: 'update' (the paper: m ← β₁m + (1 − β₁)·clip(g/(√V̂ + ε))) or
   * 'gradient' (Adam: m ← β₁m + (1 − β₁)g, u = clip(m/(√V̂ + ε))).
   */
  readonly firstMoment?: 'update' | 'gradient';
  /** Divide V by 1 − β₂ᵗ and the first moment by 1 − β₁ᵗ (Adam's bias correction). */
  readonly biasCorrection?: boolean;
  /** Scale each parameter's update by (1 + cos(û_t, m_{t−1}))/2 (needs b1 > 0). Our reading of the paper's option. */
  readonly cosineGuidance?: boolean;
  /** Seed of the Gaussian test matrices (one stream per step, derived from the seed and the step). */
  readonly seed?: number;
}

/** Low-rank second moment of one parameter of shape [..., m, n] (each trailing m×n slice on its own). */
export interface LowRankMoment {
  readonly kind: 'lowrank';
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
  /** Per slice: Q stored column by column (rank·rows values); V̂ = Q Uᵀ. */
  readonly Q: FloatArray[];
  /** Per slice: U stored column by column (rank·cols values). */
  readonly U: FloatArray[];
  /** Per slice: current rank k. */
  readonly rank: number[];
  /** Per slice: smoothed rank k̄. */
  readonly smoothedRank: number[];
  /** Per slice: relative Frobenius error ‖V_t − Q Uᵀ‖/‖V_t‖ of the last factorization (exact, see README). */
  readonly relativeError: number[];
}

/** Dense second moment (vectors and small matrices). */
export interface DenseMoment {
  readonly kind: 'dense';
  readonly v: FloatArray;
}

/** State of {@link adapprox}. */
export interface AdapproxState {
  count: number;
  readonly moments: Record<string, LowRankMoment | DenseMoment>;
  /** First moment per parameter (absent when b1 = 0). */
  readonly mu: Updates | null;
  /** Names that get weight decay. */
  readonly decayed: readonly string[];
}

interface Resolved {
  b1: number;
  b2: number;
  eps: number;
  clip: number;
  wd: number;
  kMin: number;
  kMax: number;
  k0: number;
  p: number;
  l: number;
  xi: number;
  gamma: number;
  minDim: number;
  firstMoment: 'update' | 'gradient';
  biasCorrection: boolean;
  cosine: boolean;
  seed: number;
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw invalidOption(name, 'a boolean', v);
  return v;
}

function resolve(options: AdapproxOptions): Resolved {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an options object with learningRate', options);
  const d = ADAPPROX_DEFAULTS;
  const int = (name: string, value: unknown, min: number) => checkNumberOption(name, value, { min, integer: true });
  const b1 = checkNumberOption('b1', options.b1 ?? d.b1, { min: 0, max: 1, exclusiveMax: true });
  const b2 = checkNumberOption('b2', options.b2 ?? d.b2, { min: 0, max: 1, exclusiveMax: true });
  const eps = finiteOption('eps', options.eps ?? d.eps, { min: 0, exclusiveMin: true });
  const clip = checkNumberOption('clipThreshold', options.clipThreshold ?? d.clipThreshold, { min: 0, exclusiveMin: true });
  const wd = finiteOption('weightDecay', options.weightDecay ?? d.weightDecay, { min: 0 });
  const kMin = int('kMin', options.kMin ?? d.kMin, 1);
  const kMax = int('kMax', options.kMax ?? Math.max(d.kMax, kMin), 1);
  if (kMax < kMin) throw invalidOption('kMax', `an integer ≥ kMin = ${kMin}`, kMax);
  const k0 = int('k0', options.k0 ?? kMin, 1);
  if (k0 < kMin || k0 > kMax) throw invalidOption('k0', `an integer in [kMin, kMax] = [${kMin}, ${kMax}]`, k0);
  const p = int('oversampling', options.oversampling ?? d.oversampling, 0);
  const l = int('powerIterations', options.powerIterations ?? d.powerIterations, 0);
  const xi = checkNumberOption('errorThreshold', options.errorThreshold ?? d.errorThreshold, { min: 0, max: 1, exclusiveMax: true });
  const gamma = checkNumberOption('rankSmoothing', options.rankSmoothing ?? d.rankSmoothing, { min: 0, max: 1, exclusiveMax: true });
  const minDim = int('minDimSizeToFactor', options.minDimSizeToFactor ?? d.minDimSizeToFactor, 1);
  const firstMoment = options.firstMoment ?? d.firstMoment;
  if (firstMoment !== 'update' && firstMoment !== 'gradient') throw invalidOption('firstMoment', "'update' or 'gradient'", firstMoment);
  const biasCorrection = booleanOption('biasCorrection', options.biasCorrection, d.biasCorrection);
  const cosine = booleanOption('cosineGuidance', options.cosineGuidance, d.cosineGuidance);
  if (cosine && b1 === 0) throw invalidOption('cosineGuidance', 'false when b1 is 0 (it compares with the first moment)', true);
  if (cosine && firstMoment === 'gradient') throw invalidOption('cosineGuidance', "false with firstMoment 'gradient'", true);
  const seed = options.seed ?? d.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw invalidOption('seed', 'a non-negative safe integer', seed);
  return { b1, b2, eps, clip, wd, kMin, kMax, k0, p, l, xi, gamma, minDim, firstMoment, biasCorrection, cosine, seed };
}

// Grow-only float64 scratch shared by every adapprox instance (JavaScript runs one step at a time).
// It is transient working memory, not optimizer state: V_t (m·n), the sketches and the small
// eigenproblem. It is not counted by stateBytes, as the paper counts only the stored factors.
const scratch = {
  V: new Float64Array(0),
  A: new Float64Array(0),
  B: new Float64Array(0),
  G: new Float64Array(0),
  W: new Float64Array(0),
  values: new Float64Array(0),
  order: new Int32Array(0),
};

function ensure(name: 'V' | 'A' | 'B' | 'G' | 'W' | 'values', size: number): Float64Array {
  if (scratch[name].length < size) scratch[name] = new Float64Array(size);
  return scratch[name];
}

/** Result of {@link srsiFactor}. */
export interface LowRankFactors {
  /** Q stored column by column: rank vectors of length rows (orthonormal, or zero where V has lower rank). */
  readonly Q: Float64Array;
  /** U = Vᵀ Q stored column by column: rank vectors of length cols. */
  readonly U: Float64Array;
  readonly rank: number;
  /** Relative Frobenius error ‖V − Q Uᵀ‖/‖V‖ (exact up to rounding: Q Uᵀ is an orthogonal projection of V). */
  readonly relativeError: number;
}

/** Options of {@link srsiFactor}. */
export interface SrsiOptions {
  readonly oversampling?: number;
  readonly powerIterations?: number;
  readonly seed?: number;
  readonly rng?: Rng;
  /** Choose the smallest rank in [kMin, rank] whose relative error is ≤ errorThreshold (default: use `rank`). */
  readonly errorThreshold?: number;
  readonly kMin?: number;
}

/**
 * Streamlined randomized subspace iteration: V (row-major rows×cols, not modified) ≈ Q Uᵀ with
 * Q orthonormal (rows×k) and U = VᵀQ (cols×k). A Gaussian sketch of ℓ = min(k + p, rows, cols)
 * columns, l power iterations re-orthonormalized each pass (Halko, Martinsson & Tropp 2011, Alg.
 * 4.4), then the sketch basis is rotated by the eigenvectors of the small Gram matrix UᵀU so its
 * leading k columns are the best rank-k approximation inside the sketched subspace (no SVD of V).
 * The same routine factors Adapprox's second moment.
 */
export function srsiFactor(V: Float64Array, rows: number, cols: number, rank: number, options: SrsiOptions = {}): LowRankFactors {
  if (!(V instanceof Float64Array)) throw invalidArgument('V', 'a Float64Array (row-major rows×cols)', V);
  const m = checkNumberOption('rows', rows, { min: 1, integer: true });
  const n = checkNumberOption('cols', cols, { min: 1, integer: true });
  if (V.length !== m * n) throw invalidArgument('V', `length rows·cols = ${m * n}`, V.length);
  const k = checkNumberOption('rank', rank, { min: 1, max: Math.min(m, n), integer: true });
  const p = checkNumberOption('oversampling', options.oversampling ?? ADAPPROX_DEFAULTS.oversampling, { min: 0, integer: true });
  const l = checkNumberOption('powerIterations', options.powerIterations ?? ADAPPROX_DEFAULTS.powerIterations, { min: 0, integer: true });
  const xi = options.errorThreshold === undefined ? 0 : checkNumberOption('errorThreshold', options.errorThreshold, { min: 0, max: 1 });
  const kMin = checkNumberOption('kMin', options.kMin ?? (options.errorThreshold === undefined ? k : 1), { min: 1, max: k, integer: true });
  if (options.seed !== undefined && options.rng !== undefined) throw invalidOption('seed', 'either seed or rng, not both', 'both');
  const rng = options.rng ?? createRng(options.seed ?? 0);
  let norm2 = 0;
  for (let i = 0; i < V.length; i++) norm2 += V[i]! * V[i]!;
  const work = ensure('V', m * n);
  work.set(V);
  const ell = Math.min(k + p, m, n);
  const { values, W } = sketchAndRotate(work, m, n, ell, l, rng);
  const chosen = chooseRank(values, norm2, kMin, k, xi);
  const Q = new Float64Array(chosen * m);
  const U = new Float64Array(chosen * n);
  rotateRows(scratch.A, ell, m, W, chosen, Q);
  rotateRows(scratch.B, ell, n, W, chosen, U);
  return { Q, U, rank: chosen, relativeError: relativeError(values, norm2, chosen) };
}

/**
 * S-RSI on the dense V held in scratch.V: leaves the sketch basis Q (ell vectors of length m) in
 * scratch.A, U = VᵀQ (ell vectors of length n) in scratch.B, and the eigen-decomposition of UᵀU
 * (values descending = squared singular values of QᵀV; W = rotation) in scratch.values / scratch.W.
 */
function sketchAndRotate(V: Float64Array, m: number, n: number, ell: number, l: number, rng: Rng) {
  const A = ensure('A', ell * m);
  const B = ensure('B', ell * n);
  const G = ensure('G', ell * ell);
  const W = ensure('W', ell * ell);
  const values = ensure('values', ell);
  if (scratch.order.length < ell) scratch.order = new Int32Array(ell);
  rng.fillNormal(B.subarray(0, ell * n)); // Ω: ell Gaussian vectors of length n
  multiplyRows(V, m, n, B, ell, A); // Y = VΩ
  orthonormalizeRows(A, ell, m);
  for (let it = 0; it < l; it++) {
    multiplyTransposeRows(V, m, n, A, ell, B); // Z = VᵀQ
    orthonormalizeRows(B, ell, n);
    multiplyRows(V, m, n, B, ell, A); // Q = orth(VZ)
    orthonormalizeRows(A, ell, m);
  }
  multiplyTransposeRows(V, m, n, A, ell, B); // U = VᵀQ
  gramRows(B, ell, n, G);
  jacobiEigen(G, ell, W, values, scratch.order);
  return { values, W };
}

/** Smallest k in [kMin, kCap] with ‖V‖² − Σ_{i≤k} σᵢ² ≤ ξ²‖V‖², else kCap. */
function chooseRank(values: Float64Array, norm2: number, kMin: number, kCap: number, xi: number): number {
  if (!(norm2 > 0)) return kMin;
  let captured = 0;
  for (let k = 1; k <= kCap; k++) {
    captured += Math.max(0, values[k - 1]!);
    if (k >= kMin && norm2 - captured <= xi * xi * norm2) return k;
  }
  return kCap;
}

function relativeError(values: Float64Array, norm2: number, k: number): number {
  if (!(norm2 > 0)) return 0;
  let captured = 0;
  for (let i = 0; i < k; i++) captured += Math.max(0, values[i]!);
  return Math.sqrt(Math.max(0, norm2 - captured) / norm2);
}

function initMoments(params: Params, o: Resolved): Record<string, LowRankMoment | DenseMoment> {
  const out: Record<string, LowRankMoment | DenseMoment> = {};
  for (const name of Object.keys(params)) {
    const p = params[name]!;
    const data = dataOf(p);
    const shape = shapeOf(p);
    const make = (size: number): FloatArray => (data instanceof Float32Array ? new Float32Array(size) : new Float64Array(size));
    const rows = shape[shape.length - 2] ?? 0;
    const cols = shape[shape.length - 1] ?? 0;
    if (shape.length >= 2 && Math.min(rows, cols) >= o.minDim) {
      const batch = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const k = Math.min(o.k0, rows, cols);
      const slices = Array.from({ length: batch }, () => 0);
      out[name] = {
        kind: 'lowrank',
        batch,
        rows,
        cols,
        // Zero factors: V̂₀ = 0, as Adam's v₀ = 0.
        Q: slices.map(() => make(k * rows)),
        U: slices.map(() => make(k * cols)),
        rank: slices.map(() => k),
        smoothedRank: slices.map(() => k),
        relativeError: slices.map(() => 0),
      };
    } else {
      out[name] = { kind: 'dense', v: make(data.length) };
    }
  }
  return out;
}

/**
 * One low-rank slice: V_t = β₂·max(Q Uᵀ, 0) + (1 − β₂)g² (dense, transient), refactored by S-RSI
 * with an adaptive rank; then u ← g/(√(V̂_t/c₂) + ε) with V̂_t = max(Q_t U_tᵀ, (1 − β₂)g²).
 * `source` holds the numerator (g, or the first moment for firstMoment 'gradient').
 */
function lowRankSlice(
  u: FloatArray,
  numerator: FloatArray,
  offset: number,
  s: LowRankMoment,
  b: number,
  o: Resolved,
  c2: number,
  rng: Rng,
): void {
  const m = s.rows;
  const n = s.cols;
  const V = ensure('V', m * n);
  const norm2 = reconstructClipped(s.Q[b]!, s.U[b]!, s.rank[b]!, m, n, o.b2, u, offset, V);
  const kCap = Math.min(o.kMax, m, n);
  const ell = Math.min(Math.max(s.rank[b]!, o.kMin) + o.p, m, n);
  const { values, W } = sketchAndRotate(V, m, n, ell, o.l, rng);
  const target = chooseRank(values, norm2, Math.min(o.kMin, kCap), Math.min(kCap, ell), o.xi);
  const smoothed = o.gamma * s.smoothedRank[b]! + (1 - o.gamma) * target;
  s.smoothedRank[b] = smoothed;
  const k = Math.min(Math.max(Math.round(smoothed), Math.min(o.kMin, kCap)), Math.min(kCap, ell));
  if (k !== s.rank[b]) {
    // The rank changed: resize the stored factors (the only allocation of a step).
    const f32 = s.Q[b] instanceof Float32Array;
    s.Q[b] = f32 ? new Float32Array(k * m) : new Float64Array(k * m);
    s.U[b] = f32 ? new Float32Array(k * n) : new Float64Array(k * n);
    s.rank[b] = k;
  }
  rotateRows(scratch.A, ell, m, W, k, s.Q[b]!);
  rotateRows(scratch.B, ell, n, W, k, s.U[b]!);
  s.relativeError[b] = relativeError(values, norm2, k);
  // Denominator from the new factors, guarded below by the fresh term (1 − β₂)g² ≤ V_t.
  reconstructClipped(s.Q[b]!, s.U[b]!, k, m, n, 1, undefined, 0, V);
  const fresh = 1 - o.b2;
  for (let i = 0; i < m * n; i++) {
    const g = u[offset + i]!;
    const floor = fresh * g * g;
    const vi = V[i]!;
    const vHat = vi > floor ? vi : floor;
    u[offset + i] = numerator[offset + i]! / (Math.sqrt(vHat / c2) + o.eps);
  }
}

/** Dense second moment: v ← β₂v + (1 − β₂)g²; u ← numerator/(√(v/c₂) + ε). */
function denseMoment(u: FloatArray, numerator: FloatArray, v: FloatArray, o: Resolved, c2: number): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i]!;
    v[i] = o.b2 * v[i]! + (1 - o.b2) * g * g;
    u[i] = numerator[i]! / (Math.sqrt(v[i]! / c2) + o.eps);
  }
}

// Scratch for the first-moment numerator in 'gradient' mode (grow-only, float64).
let numeratorScratch = new Float64Array(0);

/**
 * Adapprox (Zhao, Li, Gu, Zheng, Kölker, Wang & Yuan, arXiv 2403.14958): Adam whose second moment
 * of each matrix parameter is kept only as low-rank factors V̂ = Q Uᵀ, refactored every step by
 * streamlined randomized subspace iteration with an adaptive rank. For step t and gradient g:
 *   V_t = β₂·max(Q_{t−1}U_{t−1}ᵀ, 0) + (1 − β₂)·g²      (dense, transient)
 *   Q_t, U_t = S-RSI(V_t), rank k_t ∈ [kMin, kMax] from the error threshold ξ, smoothed
 *   û = g / (√V̂_t + ε),  V̂_t = max(Q_tU_tᵀ, (1 − β₂)g²)
 *   û ← û / max(1, RMS(û)/d)
 *   m_t = β₁m_{t−1} + (1 − β₁)û  (if β₁ > 0; else m_t = û)
 *   θ_t = θ_{t−1} − η(m_t + λθ_{t−1})
 * Vectors and matrices smaller than `minDimSizeToFactor` keep a dense v (same rule).
 * Options `firstMoment: 'gradient'` and `biasCorrection: true` give Adam's placement and debiasing,
 * so with kMax = min(m, n) and no clipping the sequence is Adam's (checked in the tests).
 */
export function adapprox(options: AdapproxOptions): InPlaceTransformation<AdapproxState> {
  const o = resolve(options);
  const schedule = toSchedule('learningRate', options.learningRate);
  const mask = options.mask;
  if (mask !== undefined && typeof mask !== 'function' && (mask === null || typeof mask !== 'object')) {
    throw invalidOption('mask', 'a record of booleans or a predicate', mask);
  }
  return makeTransform<AdapproxState>('adapprox', {
    needsParams: o.wd > 0,
    initCore: (params) => {
      const mu: Updates | null = o.b1 > 0 ? {} : null;
      if (mu !== null) {
        for (const name of Object.keys(params)) {
          const data = dataOf(params[name]!);
          mu[name] = data instanceof Float32Array ? new Float32Array(data.length) : new Float64Array(data.length);
        }
      }
      return { count: 0, moments: initMoments(params, o), mu, decayed: resolveMask(mask, params) };
    },
    apply(updates, state, params) {
      const t = state.count + 1;
      const lr = scheduleValue('learningRate', schedule, state.count);
      const c1 = o.biasCorrection ? 1 - o.b1 ** t : 1;
      const c2 = o.biasCorrection ? 1 - o.b2 ** t : 1;
      const rng = createRng((BigInt(o.seed) << 32n) ^ BigInt(t));
      for (const key in updates) {
        const u = updates[key]!;
        const mu = state.mu?.[key];
        let numerator: FloatArray = u;
        if (o.firstMoment === 'gradient' && mu !== undefined) {
          if (numeratorScratch.length < u.length) numeratorScratch = new Float64Array(u.length);
          const num = numeratorScratch;
          for (let i = 0; i < u.length; i++) {
            mu[i] = o.b1 * mu[i]! + (1 - o.b1) * u[i]!;
            num[i] = mu[i]! / c1;
          }
          numerator = num;
        }
        const s = state.moments[key]!;
        if (s.kind === 'dense') denseMoment(u, numerator, s.v, o, c2);
        else for (let b = 0; b < s.batch; b++) lowRankSlice(u, numerator, b * s.rows * s.cols, s, b, o, c2, rng);
        const ratio = rms(u) / o.clip;
        if (ratio > 1) scaleInPlace(u, 1 / ratio);
        if (o.firstMoment === 'update' && mu !== undefined) {
          let guide = 1;
          if (o.cosine) {
            let dot = 0;
            let nu = 0;
            let nm = 0;
            for (let i = 0; i < u.length; i++) {
              dot += u[i]! * mu[i]!;
              nu += u[i]! * u[i]!;
              nm += mu[i]! * mu[i]!;
            }
            if (nu > 0 && nm > 0) guide = (1 + dot / Math.sqrt(nu * nm)) / 2;
          }
          for (let i = 0; i < u.length; i++) {
            mu[i] = o.b1 * mu[i]! + (1 - o.b1) * u[i]!;
            u[i] = (guide * mu[i]!) / c1;
          }
        }
      }
      if (o.wd > 0) for (const name of state.decayed) axpyInPlace(updates[name]!, o.wd, dataOf(params![name]!));
      for (const key in updates) scaleInPlace(updates[key]!, -lr);
      state.count = t;
    },
  });
}

/** Ranks of every low-rank slice in a state (name → one rank per slice), e.g. to plot rank over time. */
export function adapproxRanks(state: AdapproxState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, s] of Object.entries(state.moments)) if (s.kind === 'lowrank') out[name] = s.rank.slice();
  return out;
}
