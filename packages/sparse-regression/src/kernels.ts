// Hot loops of flare's linearized ADMM (Li, Zhao, Yuan, Liu 2015, vignette eq. 8–9) over typed arrays.
// Two stage kernels: `runDataStage` (lasso by ISTA; SQRT / LAD / Lq by linearized ADMM on data columns,
// α and the scaled dual μ are n-vectors) and `runGramStage` (Dantzig / CLIME: A symmetric, α and μ live
// per coordinate). Both allocate nothing per iteration: every buffer lives in a workspace built once.

/** The Lq α-step: out ← prox_{t‖·‖_q}(x) (src/lq.ts). */
export interface LqProx {
  prox(x: Float64Array, t: number, out: Float64Array): void;
}

export type DataMethod = 'lasso' | 'sqrt' | 'lad' | 'lq';
export type StoppingMode = 'flare' | 'strict';

/** A screening stage: k variables (positions into the global β), their Gram block and the step constant T. */
export interface Stage {
  k: number;
  /** Local → global variable index (length ≥ k). */
  idx: Int32Array;
  /** Local → offset of the data column in `cols` (data stages only). */
  colOff: Int32Array;
  /** Data stages: the column-major data the offsets point into (a compact copy of the stage's columns, or all). */
  cols: Float64Array;
  /** LAD stages: the same block row-major (n × k, row stride k), for the clip-form gradient. */
  rows: Float64Array;
  /** Row-major Gram block with row stride `stride`. */
  gram: Float64Array;
  stride: number;
  /** Dantzig stages: the block A_SS of the constraint matrix (row stride `stride`). */
  a: Float64Array;
  T: number;
}

/** Per-fit workspace of a data problem (columns of an n × p design stored column-major). */
export interface DataWorkspace {
  n: number;
  p: number;
  cols: Float64Array;
  /** Global variable → column offset in `cols`. */
  varOff: Int32Array;
  y: Float64Array;
  /** Xᵀy over variables (lasso). */
  xty: Float64Array;
  beta: Float64Array;
  alpha: Float64Array;
  /** LAD: the next iteration's α, computed in the pass that finishes the current one (swapped with alpha). */
  alphaNext: Float64Array;
  mu: Float64Array;
  // scratch
  b0: Float64Array;
  b1: Float64Array;
  /** The support of the stage's β (local indices); `sa` its size after proxGradientStep. */
  act: Int32Array;
  sa: number;
  act1: Int32Array;
  /** Backtracking: β⁺ and its support of the previous trial step (rotated with b1 / act1). */
  b1Prev: Float64Array;
  act1Prev: Int32Array;
  g: Float64Array;
  xy: Float64Array;
  xb: Float64Array;
  /** Backtracking: X_S β⁺ of the latest and the previous trial step (rotated with xb, see runDataStage). */
  xbTrial: Float64Array;
  xbTrialPrev: Float64Array;
  yi: Float64Array;
  aTil: Float64Array;
  aPrev: Float64Array;
  r: Float64Array;
  w: Float64Array;
  xtw: Float64Array;
  /** SQRT Gram form: X_Sᵀy, X_Sᵀμ and X_S ᵀX_S β (current and next) over the stage. */
  cS: Float64Array;
  u: Float64Array;
  gb: Float64Array;
  gb1: Float64Array;
  lqProx: LqProx | undefined;
  /** LAD clip form: sign state of v = y − X_Sβ − μ against ±t, X_Sᵀ of it, and index lists. */
  sgn: Int8Array;
  dlt: Int8Array;
  xs: Float64Array;
  inList: Int32Array;
  chList: Int32Array;
}

export function createDataWorkspace(
  n: number,
  p: number,
  cols: Float64Array,
  varOff: Int32Array,
  y: Float64Array,
  lqProx: LqProx | undefined,
): DataWorkspace {
  const xty = new Float64Array(p);
  for (let v = 0; v < p; v++) {
    const off = varOff[v]!;
    let s = 0;
    for (let i = 0; i < n; i++) s += cols[off + i]! * y[i]!;
    xty[v] = s;
  }
  return {
    n, p, cols, varOff, y, xty, lqProx,
    beta: new Float64Array(p), alpha: new Float64Array(n), alphaNext: new Float64Array(n), mu: new Float64Array(n),
    b0: new Float64Array(p), b1: new Float64Array(p), act: new Int32Array(p), sa: 0, act1: new Int32Array(p),
    b1Prev: new Float64Array(p), act1Prev: new Int32Array(p),
    g: new Float64Array(p), xy: new Float64Array(p), xb: new Float64Array(n), xbTrial: new Float64Array(n), xbTrialPrev: new Float64Array(n), yi: new Float64Array(n),
    aTil: new Float64Array(n), aPrev: new Float64Array(n), r: new Float64Array(n), w: new Float64Array(n),
    sgn: new Int8Array(n), dlt: new Int8Array(n), xs: new Float64Array(p), inList: new Int32Array(n), chList: new Int32Array(n),
    xtw: new Float64Array(p), cS: new Float64Array(p), u: new Float64Array(p), gb: new Float64Array(p), gb1: new Float64Array(p),
  };
}

export interface StageControl {
  method: DataMethod;
  q: number;
  lambda: number;
  rho: number;
  maxIter: number;
  prec: number;
  /** LAD / Lq: flare's step-size backtracking during the first 10⁴ iterations. */
  backtrack: boolean;
  mode: StoppingMode;
  /** Strict mode: relative duality-gap target and check period; ignored in flare mode. */
  gapTolerance: number;
  checkEvery: number;
}

export interface StageOutcome {
  iterations: number;
  /** The stage's stopping rule was met (flare rule, or the gap target in strict mode). */
  met: boolean;
  gap: number;
}

const BACKTRACK_RATIO = 0.5; // flare src/slim_lad_ladm_scr_btr.c: ratio
const BACKTRACK_MIN_T = 10; // flare: epsT
const BACKTRACK_ITERATIONS = 1e4; // flare: backtracking only while ite < 1e4
const CLIP_REFRESH = 512;

/** S_thr(t): the soft threshold of the β-steps, in the one form whose bits the parity fixtures pin. */
function softThreshold(t: number, thr: number): number {
  if (t > thr) return t - thr;
  if (t < -thr) return t + thr;
  return 0;
}

/** Copies the stage's coefficients of β into b0 and lists their support in act; returns the support size. */
function loadStage(beta: Float64Array, idx: Int32Array, k: number, b0: Float64Array, act: Int32Array): number {
  let sa = 0;
  for (let q = 0; q < k; q++) {
    const v = beta[idx[q]!]!;
    b0[q] = v;
    if (v !== 0) act[sa++] = q;
  }
  return sa;
}

/** Writes the stage's local values (β, α or μ over the stage) back to their global positions. */
function storeStage(global: Float64Array, idx: Int32Array, k: number, local: Float64Array): void {
  for (let q = 0; q < k; q++) global[idx[q]!] = local[q]!;
}

/**
 * The stopping rule every stage kernel applies after each iteration. flare mode: stop when the support size is
 * unchanged and the largest change ≤ prec. Strict mode (`gapCheck` given): stop when the relative duality gap ≤
 * gapTolerance, checked every checkEvery iterations and once early when flare's rule first holds (again after it
 * stops holding): near the end flare's rule holds at every iteration, and a gap check per iteration costs more
 * than the iteration. `sync` writes back to ws what the gap reads (β, …) before each check: a plain function of
 * (ws, st, c), not a closure, so the kernels' hot locals are not captured into a context.
 */
class StopRule<W> {
  readonly strict: boolean;
  /** The stage's stopping rule was met. */
  met = false;
  /** The latest gap evaluated (NaN before any). */
  gap = Number.NaN;
  private earlyChecked = false;
  constructor(
    private readonly ws: W,
    private readonly st: Stage,
    private readonly c: StageControl,
    private readonly gapCheck: ((ws: W, c: StageControl) => number) | undefined,
    private readonly sync: (ws: W, st: Stage, c: StageControl) => void,
  ) {
    this.strict = gapCheck !== undefined;
  }

  /** After iteration `ite` (support growth gapExt, largest change maxDif): whether the stage stops here. */
  done(ite: number, gapExt: number, maxDif: number): boolean {
    const flareMet = gapExt === 0 && maxDif <= this.c.prec;
    if (!this.strict) return (this.met = flareMet);
    return this.strictDone(ite, flareMet);
  }

  // Kept out of done() so that done() stays small enough to inline into every kernel's loop.
  private strictDone(ite: number, flareMet: boolean): boolean {
    if (!flareMet) this.earlyChecked = false;
    if ((flareMet && !this.earlyChecked) || ite % this.c.checkEvery === 0) {
      if (flareMet) this.earlyChecked = true;
      this.sync(this.ws, this.st, this.c);
      this.gap = this.gapCheck!(this.ws, this.c);
      return (this.met = this.gap <= this.c.gapTolerance);
    }
    return false;
  }
}

/**
 * out = X_S β over the support `act` (size sa) of local coefficients b, up to four columns per pass over out. Every
 * out[i] is the left-to-right sum over the support in order, so the blocking does not change a single bit.
 */
function dataTimes(ws: DataWorkspace, st: Stage, b: Float64Array, act: Int32Array, sa: number, out: Float64Array): void {
  const { n } = ws;
  const { colOff, cols } = st;
  if (sa === 0) {
    out.fill(0, 0, n);
    return;
  }
  for (let t = 0; t < sa; t += 4) {
    const m = sa - t;
    const first = t === 0;
    const c0 = b[act[t]!]!;
    const o0 = colOff[act[t]!]!;
    if (m === 1) {
      if (first) for (let i = 0; i < n; i++) out[i] = c0 * cols[o0 + i]!;
      else for (let i = 0; i < n; i++) out[i] = out[i]! + c0 * cols[o0 + i]!;
      continue;
    }
    const c1 = b[act[t + 1]!]!;
    const o1 = colOff[act[t + 1]!]!;
    if (m === 2) {
      if (first) for (let i = 0; i < n; i++) out[i] = c0 * cols[o0 + i]! + c1 * cols[o1 + i]!;
      else for (let i = 0; i < n; i++) out[i] = out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]!;
      continue;
    }
    const c2 = b[act[t + 2]!]!;
    const o2 = colOff[act[t + 2]!]!;
    if (m === 3) {
      if (first) for (let i = 0; i < n; i++) out[i] = c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]!;
      else for (let i = 0; i < n; i++) out[i] = out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]!;
      continue;
    }
    const c3 = b[act[t + 3]!]!;
    const o3 = colOff[act[t + 3]!]!;
    if (first) for (let i = 0; i < n; i++) out[i] = c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]! + c3 * cols[o3 + i]!;
    else for (let i = 0; i < n; i++) out[i] = out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]! + c3 * cols[o3 + i]!;
  }
}

/**
 * out = X_S β (as dataTimes, same bits) and returns ‖v − out‖²: the last block of up to four columns shares its pass
 * over out with the residual sum (summed over i in increasing order, as a separate loop would).
 */
function dataTimesResidual(ws: DataWorkspace, st: Stage, b: Float64Array, act: Int32Array, sa: number, v: Float64Array, out: Float64Array): number {
  const { n } = ws;
  const { colOff, cols } = st;
  let f = 0;
  if (sa === 0) {
    for (let i = 0; i < n; i++) {
      out[i] = 0;
      const e = v[i]! - 0;
      f += e * e;
    }
    return f;
  }
  const m = ((sa - 1) & 3) + 1;
  const head = sa - m;
  if (head > 0) dataTimes(ws, st, b, act, head, out);
  const first = head === 0;
  const c0 = b[act[head]!]!;
  const o0 = colOff[act[head]!]!;
  if (m === 1) {
    for (let i = 0; i < n; i++) {
      const x = first ? c0 * cols[o0 + i]! : out[i]! + c0 * cols[o0 + i]!;
      out[i] = x;
      const e = v[i]! - x;
      f += e * e;
    }
    return f;
  }
  const c1 = b[act[head + 1]!]!;
  const o1 = colOff[act[head + 1]!]!;
  if (m === 2) {
    for (let i = 0; i < n; i++) {
      const x = first ? c0 * cols[o0 + i]! + c1 * cols[o1 + i]! : out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]!;
      out[i] = x;
      const e = v[i]! - x;
      f += e * e;
    }
    return f;
  }
  const c2 = b[act[head + 2]!]!;
  const o2 = colOff[act[head + 2]!]!;
  if (m === 3) {
    for (let i = 0; i < n; i++) {
      const x = first
        ? c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]!
        : out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]!;
      out[i] = x;
      const e = v[i]! - x;
      f += e * e;
    }
    return f;
  }
  const c3 = b[act[head + 3]!]!;
  const o3 = colOff[act[head + 3]!]!;
  for (let i = 0; i < n; i++) {
    const x = first
      ? c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]! + c3 * cols[o3 + i]!
      : out[i]! + c0 * cols[o0 + i]! + c1 * cols[o1 + i]! + c2 * cols[o2 + i]! + c3 * cols[o3 + i]!;
    out[i] = x;
    const e = v[i]! - x;
    f += e * e;
  }
  return f;
}

/**
 * out[q] = x_qᵀ v for the k stage columns x_q = cols[colOff[q] .. colOff[q] + n), several columns per pass over v
 * (independent accumulators; each sum still runs over i in order). Dantzig stages use it for A_SS·v: A symmetric, so
 * its row q is its column q, at offset q·stride.
 */
function columnsTimes(cols: Float64Array, colOff: Int32Array, k: number, n: number, v: Float64Array, out: Float64Array): void {
  let q = 0;
  // Eight columns per pass where there are eight: fewer loads of v and loop steps per product.
  for (; q + 7 < k; q += 8) {
    const o0 = colOff[q]!, o1 = colOff[q + 1]!, o2 = colOff[q + 2]!, o3 = colOff[q + 3]!;
    const o4 = colOff[q + 4]!, o5 = colOff[q + 5]!, o6 = colOff[q + 6]!, o7 = colOff[q + 7]!;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let i = 0; i < n; i++) {
      const w = v[i]!;
      s0 += cols[o0 + i]! * w;
      s1 += cols[o1 + i]! * w;
      s2 += cols[o2 + i]! * w;
      s3 += cols[o3 + i]! * w;
      s4 += cols[o4 + i]! * w;
      s5 += cols[o5 + i]! * w;
      s6 += cols[o6 + i]! * w;
      s7 += cols[o7 + i]! * w;
    }
    out[q] = s0;
    out[q + 1] = s1;
    out[q + 2] = s2;
    out[q + 3] = s3;
    out[q + 4] = s4;
    out[q + 5] = s5;
    out[q + 6] = s6;
    out[q + 7] = s7;
  }
  for (; q + 3 < k; q += 4) {
    const o0 = colOff[q]!, o1 = colOff[q + 1]!, o2 = colOff[q + 2]!, o3 = colOff[q + 3]!;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i++) {
      const w = v[i]!;
      s0 += cols[o0 + i]! * w;
      s1 += cols[o1 + i]! * w;
      s2 += cols[o2 + i]! * w;
      s3 += cols[o3 + i]! * w;
    }
    out[q] = s0;
    out[q + 1] = s1;
    out[q + 2] = s2;
    out[q + 3] = s3;
  }
  // Remainders of two or three columns also share one pass: a lone dot product is bound by its add chain.
  const m = k - q;
  if (m === 3) {
    const o0 = colOff[q]!, o1 = colOff[q + 1]!, o2 = colOff[q + 2]!;
    let s0 = 0, s1 = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const w = v[i]!;
      s0 += cols[o0 + i]! * w;
      s1 += cols[o1 + i]! * w;
      s2 += cols[o2 + i]! * w;
    }
    out[q] = s0;
    out[q + 1] = s1;
    out[q + 2] = s2;
  } else if (m === 2) {
    const o0 = colOff[q]!, o1 = colOff[q + 1]!;
    let s0 = 0, s1 = 0;
    for (let i = 0; i < n; i++) {
      const w = v[i]!;
      s0 += cols[o0 + i]! * w;
      s1 += cols[o1 + i]! * w;
    }
    out[q] = s0;
    out[q + 1] = s1;
  } else if (m === 1) {
    const o0 = colOff[q]!;
    let s0 = 0;
    for (let i = 0; i < n; i++) s0 += cols[o0 + i]! * v[i]!;
    out[q] = s0;
  }
}

/** out[q] += Σ_t b[act_t]·gram[act_t, q] over the support in order, two Gram rows per sweep (the same sums as one). */
function gramAccumulate(gram: Float64Array, stride: number, k: number, b: Float64Array, act: Int32Array, sa: number, out: Float64Array): void {
  let t = 0;
  for (; t + 1 < sa; t += 2) {
    const a0 = act[t]!, a1 = act[t + 1]!;
    const c0 = b[a0]!, c1 = b[a1]!;
    const r0 = a0 * stride, r1 = a1 * stride;
    for (let q = 0; q < k; q++) out[q] = out[q]! + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
  }
  if (t < sa) {
    const a0 = act[t]!;
    const c0 = b[a0]!;
    const r0 = a0 * stride;
    for (let q = 0; q < k; q++) out[q] = out[q]! + c0 * gram[r0 + q]!;
  }
}

/** out = G β over the support. */
function gramTimes(gram: Float64Array, stride: number, k: number, b: Float64Array, act: Int32Array, sa: number, out: Float64Array): void {
  out.fill(0, 0, k);
  gramAccumulate(gram, stride, k, b, act, sa, out);
}

/** g = G β − xy over the support: the stage gradient (g_q starts at −xy_q, as flare sums it). */
function gramGradient(gram: Float64Array, stride: number, k: number, b: Float64Array, act: Int32Array, sa: number, xy: Float64Array, g: Float64Array): void {
  for (let q = 0; q < k; q++) g[q] = -xy[q]!;
  gramAccumulate(gram, stride, k, b, act, sa, g);
}

/** The Lq α-step: α = prox_{t‖·‖_q}(ã) (t = 1/(ρ n^{1/q} λ)); returns ‖Δα‖₁. (SQRT and LAD fuse theirs.) */
function lqAlphaStep(ws: DataWorkspace, t: number): number {
  const { n, alpha, aTil, aPrev } = ws;
  aPrev.set(alpha);
  ws.lqProx!.prox(aTil, t, alpha);
  let dif = 0;
  for (let i = 0; i < n; i++) dif += Math.abs(aPrev[i]! - alpha[i]!);
  return dif;
}

/**
 * u ← u + θ(c − gb − u) + gb1 − c with gb1 = G β over the support computed on the way (two Gram rows per sweep, the
 * last sweep also updating u): X_Sᵀμ carried to the next iteration. Same sums in the same order as gramTimes + a loop.
 */
function gramTimesCarry(
  gram: Float64Array, stride: number, k: number, b: Float64Array, act: Int32Array, sa: number, gb1: Float64Array,
  u: Float64Array, cS: Float64Array, gb: Float64Array, theta: number,
): void {
  if (sa === 0) {
    for (let q = 0; q < k; q++) {
      gb1[q] = 0;
      u[q] = u[q]! + (theta * (cS[q]! - gb[q]! - u[q]!) + 0 - cS[q]!);
    }
    return;
  }
  // Sweeps before the last accumulate into gb1; the last one (one or two rows) finishes gb1 and updates u.
  const last = (sa & 1) === 1 ? sa - 1 : sa - 2;
  let t = 0;
  for (; t < last; t += 2) {
    const a0 = act[t]!, a1 = act[t + 1]!;
    const c0 = b[a0]!, c1 = b[a1]!;
    const r0 = a0 * stride, r1 = a1 * stride;
    if (t === 0) for (let q = 0; q < k; q++) gb1[q] = 0 + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
    else for (let q = 0; q < k; q++) gb1[q] = gb1[q]! + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
  }
  const a0 = act[last]!;
  const c0 = b[a0]!;
  const r0 = a0 * stride;
  if (last + 1 < sa) {
    const a1 = act[last + 1]!;
    const c1 = b[a1]!;
    const r1 = a1 * stride;
    for (let q = 0; q < k; q++) {
      const v = (last === 0 ? 0 : gb1[q]!) + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
      gb1[q] = v;
      u[q] = u[q]! + (theta * (cS[q]! - gb[q]! - u[q]!) + v - cS[q]!);
    }
  } else {
    for (let q = 0; q < k; q++) {
      const v = (last === 0 ? 0 : gb1[q]!) + c0 * gram[r0 + q]!;
      gb1[q] = v;
      u[q] = u[q]! + (theta * (cS[q]! - gb[q]! - u[q]!) + v - cS[q]!);
    }
  }
}

/** Before a data stage's gap check: β, and X_Sβ where the iteration does not keep it (lasso; ws.act is current there). */
function syncDataStage(ws: DataWorkspace, st: Stage, c: StageControl): void {
  storeStage(ws.beta, st.idx, st.k, ws.b0);
  if (c.method === 'lasso') dataTimes(ws, st, ws.b0, ws.act, ws.sa, ws.xb);
}

/**
 * The SQRT lasso stage (flare src/slim_sqrt_ladm_scr.c) in Gram form, with its passes fused: per iteration one pass
 * over the k stage variables (gradient, soft threshold, ‖Δβ‖₁), the Gram product Gβ⁺ (carrying X_Sᵀμ), X_Sβ⁺, and one
 * pass over the n observations (α = θã, ‖Δα‖₁, μ⁺, ‖μ⁺ − μ‖∞ and the next ã with its ‖ã‖²). Every quantity is the same
 * expression, summed in the same order, as in the unfused form, so the iterates are the same bits.
 */
function runSqrtStage(
  ws: DataWorkspace,
  st: Stage,
  c: StageControl,
  gapCheck: ((ws: DataWorkspace, c: StageControl) => number) | undefined,
): StageOutcome {
  const { n, y, beta, alpha, mu, b0, aTil, xb, cS, u } = ws;
  let act = ws.act;
  let act1 = ws.act1;
  let gb = ws.gb;
  let gb1 = ws.gb1;
  const { k, idx, gram, stride, T } = st;
  const { rho, lambda } = c;
  let sa = loadStage(beta, idx, k, b0, act);
  dataTimes(ws, st, b0, act, sa, xb);
  // α = θ·ã with a scalar θ, so X_Sᵀyi = (1 − θ)(X_Sᵀy − X_Sᵀμ) + θ·Gβ and X_Sᵀμ can be carried along: O(|supp β|·k)
  // per iteration instead of flare's O(n·k) product X_Sᵀyi (same iterates up to rounding).
  for (let q = 0; q < k; q++) cS[q] = ws.xty[idx[q]!]!;
  columnsTimes(st.cols, st.colOff, k, n, mu, u);
  gramTimes(gram, stride, k, b0, act, sa, gb);
  const alphaThreshold = 1 / (rho * Math.pow(n, 1 / 2) * lambda);
  const thr = 1 / (rho * T);
  // ã = y − X_Sβ − μ and ‖ã‖² for the first iteration; later ones get them from the previous iteration's n-pass.
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]! - xb[i]! - mu[i]!;
    aTil[i] = v;
    ss += v * v;
  }
  const stop = new StopRule(ws, st, c, gapCheck, syncDataStage);
  let ite = 0;
  while (ite < c.maxIter) {
    let theta = 1 - alphaThreshold / Math.sqrt(ss);
    if (!(theta > 0)) theta = 0;
    const th1 = 1 - theta;
    // g = Gβ − X_Sᵀyi, β⁺ = S_thr(β − g/T), ‖Δβ‖₁ and the new support, per variable in one pass (not proxGradientStep:
    // SQRT has no backtracking and forms its gradient in this same pass).
    const saPre = sa;
    let sa1 = 0;
    let betaDif = 0;
    for (let q = 0; q < k; q++) {
      const gq = gb[q]!;
      const gr = gq - (th1 * (cS[q]! - u[q]!) + theta * gq);
      const b = b0[q]!;
      const v = softThreshold(b - gr / T, thr);
      betaDif += Math.abs(b - v);
      b0[q] = v;
      if (v !== 0) act1[sa1++] = q;
    }
    sa = sa1;
    const tmp = act;
    act = act1;
    act1 = tmp;
    const gapExt = sa - saPre;
    gramTimesCarry(gram, stride, k, b0, act, sa, gb1, u, cS, gb, theta);
    const tg = gb;
    gb = gb1;
    gb1 = tg;
    dataTimes(ws, st, b0, act, sa, xb);
    let dif = 0;
    let muDif = 0;
    ss = 0;
    for (let i = 0; i < n; i++) {
      const a = aTil[i]! * theta;
      dif += Math.abs(alpha[i]! - a);
      alpha[i] = a;
      const x = xb[i]!;
      const yv = y[i]!;
      const e = a + x - yv;
      const m = mu[i]! + e;
      mu[i] = m;
      const ae = Math.abs(e);
      if (ae > muDif) muDif = ae;
      const v = yv - x - m;
      aTil[i] = v;
      ss += v * v;
    }
    ite++;
    if (stop.done(ite, gapExt, Math.max(Math.max(dif, betaDif), muDif))) break;
  }
  ws.act = act;
  ws.act1 = act1;
  ws.gb = gb;
  ws.gb1 = gb1;
  storeStage(beta, idx, k, b0);
  return { iterations: ite, met: stop.met, gap: stop.gap };
}

/**
 * flare's proximal-gradient β-step of the LAD, Lq and lasso stages, from the stage gradient g: β⁺ = S_thr(β − g/T),
 * thr = 1/(ρT) (lasso: nλ/T). With `tracking`, flare's backtracking (src/slim_lad_ladm_scr_btr.c) first: from T = st.T,
 * halve T while F < Q (F = ½‖yi − X_Sβ⁺‖², Q = q0/2 + gᵀΔ + T‖Δ‖²/2, q0 = ‖yi − X_Sβ‖²) down to epsT, then step with
 * the last T that passed. β⁺ replaces b0 and its support ws.act (size in ws.sa); for the ADMM methods X_Sβ⁺ replaces
 * ws.xb (the accepted trial's product when there is one: not recomputed). Returns ‖Δβ‖₁.
 */
function proxGradientStep(ws: DataWorkspace, st: Stage, c: StageControl, g: Float64Array, tracking: boolean, strict: boolean, q0: number): number {
  const { b0 } = ws;
  // β⁺, its support and X_Sβ⁺ of the latest and the previous trial rotate: the step taken is one of them.
  let { b1, b1Prev, act1, act1Prev, xbTrial, xbTrialPrev } = ws;
  const { k } = st;
  const { rho } = c;
  let T0 = st.T;
  // Which trial holds β⁺ and X_S β⁺ for the step finally taken: 1 = the latest, 2 = the previous, 0 = none (compute).
  let known = 0;
  let sa1 = 0;
  if (tracking) {
    // flare's form, kept on purpose: F < Q is equivalent to dᵀGd < T‖d‖² (d = β⁺ − β, g = Gβ − Xᵀyi), which is
    // cheaper, but flare's rounding near convergence resets T to the safe bound more often, and strict mode's gap
    // target relies on that (the exact test halves T down to epsT and stalls: checked on the LAD reference).
    const half = q0 / 2;
    let trials = 0;
    let halving = true;
    while (halving && T0 > BACKTRACK_MIN_T) {
      // Each trial's soft threshold shares its pass with ‖Δ‖² and gᵀΔ.
      const thr = 1 / (rho * T0);
      let saT = 0;
      let sq = 0;
      let lin = 0;
      for (let q = 0; q < k; q++) {
        const b = b0[q]!;
        const v = softThreshold(b - g[q]! / T0, thr);
        b1[q] = v;
        if (v !== 0) act1[saT++] = q;
        const d = v - b;
        sq += d * d;
        lin += g[q]! * d;
      }
      const f = dataTimesResidual(ws, st, b1, act1, saT, ws.yi, xbTrial);
      const smaller = f / 2 < half + lin + (sq * T0) / 2;
      trials++;
      if (smaller) {
        T0 *= BACKTRACK_RATIO; // F < Q
        const tx = xbTrialPrev;
        xbTrialPrev = xbTrial;
        xbTrial = tx;
        const tb = b1Prev;
        b1Prev = b1;
        b1 = tb;
        const tl = act1Prev;
        act1Prev = act1;
        act1 = tl;
        sa1 = saT;
      } else {
        // Back to the previous trial's T (exact: halving and doubling are exact), whose β⁺ and X_Sβ⁺ are kept.
        if (trials === 1) {
          T0 = st.T;
          known = 1;
          sa1 = saT;
        } else {
          T0 /= BACKTRACK_RATIO;
          known = 2;
        }
        halving = false;
      }
    }
    // flare keeps the last halving unchecked when it drops below epsT; strict mode reverts to the checked one.
    if (strict && halving && trials > 0) {
      T0 /= BACKTRACK_RATIO;
      known = 2;
    }
  }
  const isLasso = c.method === 'lasso';
  let betaDif = 0;
  if (known === 0) {
    // β⁺, ‖Δβ‖₁ and the support in one pass.
    const thr = isLasso ? (ws.n * c.lambda) / st.T : 1 / (rho * T0); // lasso, flare: ½‖y − Xβ‖² + nλ‖β‖₁
    sa1 = 0;
    for (let q = 0; q < k; q++) {
      const b = b0[q]!;
      const v = softThreshold(b - g[q]! / T0, thr);
      betaDif += Math.abs(b - v);
      b0[q] = v;
      if (v !== 0) act1[sa1++] = q;
    }
  } else {
    const bNew = known === 2 ? b1Prev : b1;
    for (let q = 0; q < k; q++) {
      betaDif += Math.abs(b0[q]! - bNew[q]!);
      b0[q] = bNew[q]!;
    }
  }
  const tmp = ws.act;
  if (known === 2) {
    ws.act = act1Prev;
    act1Prev = tmp;
  } else {
    ws.act = act1;
    act1 = tmp;
  }
  ws.sa = sa1;
  if (!isLasso) {
    const tx = ws.xb;
    if (known === 1) {
      ws.xb = xbTrial;
      xbTrial = tx;
    } else if (known === 2) {
      ws.xb = xbTrialPrev;
      xbTrialPrev = tx;
    } else dataTimes(ws, st, b0, ws.act, sa1, tx);
  }
  ws.b1 = b1;
  ws.b1Prev = b1Prev;
  ws.act1 = act1;
  ws.act1Prev = act1Prev;
  ws.xbTrial = xbTrial;
  ws.xbTrialPrev = xbTrialPrev;
  return betaDif;
}

/**
 * The LAD stage (flare src/slim_lad_ladm_scr_btr.c) with its passes fused. Per iteration: the gradient in clip form
 * from the stage's row-major block (see below), flare's backtracking β-step (proxGradientStep), then ONE pass over the
 * n observations that finishes the iteration (μ⁺ and ‖μ⁺ − μ‖∞) and starts the next (ã, its soft threshold into a
 * second α buffer, ‖Δα‖₁, the clip sign state, yi and ½‖yi − X_Sβ‖²). The stopping rule is tested between the two
 * halves, so on exit α is still the last iteration's. Every quantity is the same expression summed in the same order as
 * in the unfused form: the same bits.
 */
function runLadStage(
  ws: DataWorkspace,
  st: Stage,
  c: StageControl,
  gapCheck: ((ws: DataWorkspace, c: StageControl) => number) | undefined,
): StageOutcome {
  const { n, y, beta, mu, b0, g, yi, aTil, sgn, dlt, xs, inList, chList } = ws;
  let alpha = ws.alpha;
  let alphaNext = ws.alphaNext;
  const { k, idx, rows } = st;
  const { rho, lambda } = c;
  let sa = loadStage(beta, idx, k, b0, ws.act);
  dataTimes(ws, st, b0, ws.act, sa, ws.xb);
  const t = 1 / (rho * Math.pow(n, 1 / 1) * lambda);
  const stop = new StopRule(ws, st, c, gapCheck, syncDataStage);
  let ite = 0;
  let pending = false; // an iteration whose μ-step is still to be done (in the next n-pass)
  let difPrev = 0; // max(‖Δα‖₁, ‖Δβ‖₁) of that iteration
  let gapExt = 0;
  for (;;) {
    if (!pending && ite >= c.maxIter) break;
    const it = pending ? ite + 1 : ite; // the iteration this pass's α-step belongs to
    const tracking = c.backtrack && it < BACKTRACK_ITERATIONS;
    // Refresh X_Sᵀs from scratch every CLIP_REFRESH iterations (bounds the drift of its rank-one updates).
    if (it % CLIP_REFRESH === 0) {
      sgn.fill(0);
      xs.fill(0, 0, k);
    }
    const xb = ws.xb;
    let muDif = 0;
    let dif = 0;
    let q0 = 0;
    let nin = 0;
    let nch = 0;
    for (let i = 0; i < n; i++) {
      const x = xb[i]!;
      const yv = y[i]!;
      let mv = mu[i]!;
      if (pending) {
        const e = alpha[i]! + x - yv;
        mv = mv + e;
        mu[i] = mv;
        const ae = Math.abs(e);
        if (ae > muDif) muDif = ae;
      }
      const v = yv - x - mv;
      const m = Math.abs(v) - t;
      const a = m > 0 ? (v > 0 ? m : -m) : 0;
      dif += Math.abs(alpha[i]! - a);
      alphaNext[i] = a;
      const ns = m > 0 ? (v > 0 ? 1 : -1) : 0;
      if (ns === 0) {
        inList[nin++] = i;
        aTil[i] = v;
      }
      const os = sgn[i]!;
      if (ns !== os) {
        chList[nch] = i;
        dlt[nch++] = ns - os;
        sgn[i] = ns;
      }
      if (tracking) {
        const w = yv - a - mv;
        yi[i] = w;
        const e = w - x;
        q0 += e * e;
      }
    }
    if (pending) {
      ite++;
      if (stop.done(ite, gapExt, Math.max(difPrev, muDif)) || ite >= c.maxIter) break;
    }
    const ta0 = alpha;
    alpha = alphaNext;
    alphaNext = ta0;
    // g = Gβ − X_Sᵀyi with yi = X_Sβ + clip(v, ±t), so g = −X_Sᵀclip(v, ±t) = −(t·X_Sᵀs + X_Sᵀv_in): s (the signs of
    // the entries beyond ±t) changes only where an entry crosses ±t, v_in are the few entries inside. Row by row over
    // the stage's row-major block: each g_q is the same sum in the same order as column by column, in fewer passes.
    for (let j = 0; j < nch; j++) {
      const dj = dlt[j]!;
      const r = chList[j]! * k;
      for (let q = 0; q < k; q++) xs[q] = xs[q]! + dj * rows[r + q]!;
    }
    if (nin === 0) {
      for (let q = 0; q < k; q++) g[q] = -(t * xs[q]!);
    } else {
      for (let q = 0; q < k; q++) g[q] = t * xs[q]!;
      for (let j = 0; j + 1 < nin; j++) {
        const i = inList[j]!;
        const a = aTil[i]!;
        const r = i * k;
        for (let q = 0; q < k; q++) g[q] = g[q]! + rows[r + q]! * a;
      }
      const i = inList[nin - 1]!;
      const a = aTil[i]!;
      const r = i * k;
      for (let q = 0; q < k; q++) g[q] = -(g[q]! + rows[r + q]! * a);
    }
    const saPre = sa;
    const betaDif = proxGradientStep(ws, st, c, g, tracking, stop.strict, q0);
    sa = ws.sa;
    gapExt = sa - saPre;
    difPrev = Math.max(dif, betaDif);
    pending = true;
  }
  ws.alpha = alpha;
  ws.alphaNext = alphaNext;
  storeStage(beta, idx, k, b0);
  return { iterations: ite, met: stop.met, gap: stop.gap };
}

/**
 * One screening stage of a data method, warm-started from ws.beta / ws.alpha / ws.mu and written back.
 * flare mode: stop when the support size is unchanged and max(‖Δα‖₁, ‖Δβ‖₁, ‖α + Xβ − y‖∞) ≤ prec
 * (lasso: ‖Δβ‖₁). strict mode (`gapCheck` given): stop when the relative duality gap ≤ gapTolerance.
 * SQRT and LAD run their own fused kernels; lasso (ISTA) and Lq (linearized ADMM) run here.
 */
export function runDataStage(
  ws: DataWorkspace,
  st: Stage,
  c: StageControl,
  gapCheck: ((ws: DataWorkspace, c: StageControl) => number) | undefined,
): StageOutcome {
  if (c.method === 'sqrt') return runSqrtStage(ws, st, c, gapCheck);
  if (c.method === 'lad') return runLadStage(ws, st, c, gapCheck);
  const { n, y, beta, alpha, mu, b0, g, xy, yi, aTil } = ws;
  const { k, idx, gram, stride } = st;
  const { rho, lambda } = c;
  let sa = loadStage(beta, idx, k, b0, ws.act);
  const isLasso = c.method === 'lasso';
  if (isLasso) {
    for (let q = 0; q < k; q++) xy[q] = ws.xty[idx[q]!]!;
  } else {
    dataTimes(ws, st, b0, ws.act, sa, ws.xb);
  }
  const alphaThreshold = 1 / (rho * Math.pow(n, 1 / c.q) * lambda);
  const stop = new StopRule(ws, st, c, gapCheck, syncDataStage);
  let ite = 0;
  let maxDif = 1;
  while (ite < c.maxIter) {
    const tracking = c.backtrack && ite < BACKTRACK_ITERATIONS;
    if (!isLasso) {
      const xb = ws.xb;
      for (let i = 0; i < n; i++) aTil[i] = y[i]! - xb[i]! - mu[i]!;
      maxDif = lqAlphaStep(ws, alphaThreshold);
      for (let i = 0; i < n; i++) yi[i] = y[i]! - alpha[i]! - mu[i]!;
      columnsTimes(st.cols, st.colOff, k, n, yi, xy);
    }
    const saPre = sa;
    gramGradient(gram, stride, k, b0, ws.act, sa, xy, g);
    let q0 = 0;
    if (tracking) {
      // ‖yi − X_Sβ‖² from xb = X_Sβ, the same sums flare forms (left to right over the support), so the same bits.
      const xb = ws.xb;
      for (let i = 0; i < n; i++) {
        const e = yi[i]! - xb[i]!;
        q0 += e * e;
      }
    }
    const betaDif = proxGradientStep(ws, st, c, g, tracking, stop.strict, q0);
    sa = ws.sa;
    maxDif = isLasso ? betaDif : Math.max(maxDif, betaDif);
    const gapExt = sa - saPre;
    if (!isLasso) {
      const xb = ws.xb;
      let muDif = 0;
      for (let i = 0; i < n; i++) {
        const e = alpha[i]! + xb[i]! - y[i]!;
        mu[i] = mu[i]! + e;
        const ae = Math.abs(e);
        if (ae > muDif) muDif = ae;
      }
      maxDif = Math.max(maxDif, muDif);
    }
    ite++;
    if (stop.done(ite, gapExt, maxDif)) break;
  }
  storeStage(beta, idx, k, b0);
  return { iterations: ite, met: stop.met, gap: stop.gap };
}

/**
 * Relative duality gap of a data method at ws.beta, assuming ws.xb = Xβ over all variables (the full stage).
 * Problem: min L(y − Xβ) + ‖β‖₁ with L(α) = ‖α‖_q / (n^{1/q} λ); dual max wᵀy s.t. ‖w‖_{q*} ≤ 1/(n^{1/q}λ),
 * ‖Xᵀw‖∞ ≤ 1. Dual candidates: −ρμ (the ADMM multiplier) and, for q > 1, the gradient of L at the residual;
 * each is pulled into the dual feasible set by scaling. Lasso: the standard residual-based gap.
 */
export function dataGap(ws: DataWorkspace, c: StageControl): number {
  const { n, p, y, beta, xb, r, w, xtw, mu, cols, varOff } = ws;
  let l1 = 0;
  for (let v = 0; v < p; v++) l1 += Math.abs(beta[v]!);
  for (let i = 0; i < n; i++) r[i] = y[i]! - xb[i]!;
  const xtMax = (vec: Float64Array): number => {
    let m = 0;
    for (let v = 0; v < p; v++) {
      const off = varOff[v]!;
      let s = 0;
      for (let i = 0; i < n; i++) s += cols[off + i]! * vec[i]!;
      xtw[v] = s;
      const a = Math.abs(s);
      if (a > m) m = a;
    }
    return m;
  };
  if (c.method === 'lasso') {
    let rr = 0;
    let ry = 0;
    for (let i = 0; i < n; i++) {
      rr += r[i]! * r[i]!;
      ry += r[i]! * y[i]!;
    }
    const nl = n * c.lambda;
    const m = xtMax(r);
    const s = m > nl ? nl / m : 1;
    const primal = rr / 2 + nl * l1;
    const dual = s * ry - (s * s * rr) / 2;
    return (primal - dual) / Math.max(primal, Number.MIN_VALUE);
  }
  const qn = c.method === 'sqrt' ? 2 : c.method === 'lad' ? 1 : c.q;
  const radius = 1 / (Math.pow(n, 1 / qn) * c.lambda);
  const normQ = (vec: Float64Array, q: number): number => {
    if (q === 1) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(vec[i]!);
      return s;
    }
    if (q === Infinity) {
      let s = 0;
      for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(vec[i]!));
      return s;
    }
    let mx = 0;
    for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(vec[i]!));
    if (mx === 0) return 0;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.pow(Math.abs(vec[i]!) / mx, q);
    return mx * Math.pow(s, 1 / q);
  };
  const primal = radius * normQ(r, qn) + l1;
  const dualQ = qn === 1 ? Infinity : qn / (qn - 1);
  let best = -Infinity;
  const evaluate = (): void => {
    // w is inside the L* domain; scale for ‖Xᵀw‖∞ ≤ 1.
    const m = xtMax(w);
    const s = m > 1 ? 1 / m : 1;
    let d = 0;
    for (let i = 0; i < n; i++) d += w[i]! * y[i]!;
    best = Math.max(best, s * d);
  };
  // Candidate 1: −ρμ pulled into the dual-norm ball.
  for (let i = 0; i < n; i++) w[i] = -c.rho * mu[i]!;
  if (qn === 1) {
    for (let i = 0; i < n; i++) w[i] = Math.max(-radius, Math.min(radius, w[i]!));
  } else {
    const nw = normQ(w, dualQ);
    if (nw > radius) for (let i = 0; i < n; i++) w[i] = (w[i]! * radius) / nw;
  }
  evaluate();
  // Candidate 2 (q > 1): radius · ∇‖r‖_q, which has dual norm exactly `radius`.
  if (qn > 1) {
    const nr = normQ(r, qn);
    if (nr > 0) {
      for (let i = 0; i < n; i++) {
        const v = r[i]! / nr;
        w[i] = radius * Math.sign(v) * Math.pow(Math.abs(v), qn - 1);
      }
      evaluate();
    }
  }
  return (primal - best) / Math.max(Math.abs(primal), Number.MIN_VALUE);
}

// ───────────────────────────── Gram form (Dantzig / CLIME) ─────────────────────────────

/** Workspace of a Dantzig-type problem min ‖β‖₁ s.t. ‖Aβ − c‖∞ ≤ λ, A symmetric p × p (row-major). */
export interface GramWorkspace {
  p: number;
  A: Float64Array;
  c: Float64Array;
  beta: Float64Array;
  alpha: Float64Array;
  mu: Float64Array;
  b0: Float64Array;
  b1: Float64Array;
  a0: Float64Array;
  m0: Float64Array;
  rl: Float64Array;
  ab: Float64Array;
  yi: Float64Array;
  xy: Float64Array;
  g: Float64Array;
  act: Int32Array;
  act1: Int32Array;
  /** Offsets of the stage block's rows (q·stride). */
  rowOff: Int32Array;
  w: Float64Array;
  aw: Float64Array;
}

export function createGramWorkspace(p: number, A: Float64Array, c: Float64Array): GramWorkspace {
  const f = (): Float64Array => new Float64Array(p);
  return {
    p, A, c, beta: f(), alpha: f(), mu: f(), b0: f(), b1: f(), a0: f(), m0: f(), rl: f(), ab: f(), yi: f(), xy: f(), g: f(),
    act: new Int32Array(p), act1: new Int32Array(p), rowOff: new Int32Array(p), w: f(), aw: f(),
  };
}

/** Before a Dantzig stage's gap check: β and μ. */
function syncGramStage(ws: GramWorkspace, st: Stage): void {
  storeStage(ws.beta, st.idx, st.k, ws.b0);
  storeStage(ws.mu, st.idx, st.k, ws.m0);
}

/** One Dantzig stage on the variables st.idx (A_SS = st.a, Gram (A_SS)² = st.gram), warm-started, written back. */
export function runGramStage(
  ws: GramWorkspace,
  st: Stage,
  c: StageControl,
  gapCheck: ((ws: GramWorkspace, c: StageControl) => number) | undefined,
): StageOutcome {
  const { beta, alpha, mu, b0, a0, m0, rl, ab, yi, xy, g, rowOff } = ws;
  let act = ws.act;
  let act1 = ws.act1;
  const { k, idx, gram, stride, a: A } = st;
  const { lambda, rho } = c;
  let sa = loadStage(beta, idx, k, b0, act);
  for (let q = 0; q < k; q++) {
    const v = idx[q]!;
    rowOff[q] = q * stride;
    a0[q] = alpha[v]!;
    m0[q] = mu[v]!;
    rl[q] = ws.c[v]!;
  }
  gramTimes(A, stride, k, b0, act, sa, ab); // ab = A_SS β (gramTimes works for any symmetric block)
  const thr = 1 / (rho * st.T);
  const stop = new StopRule(ws, st, c, gapCheck, syncGramStage);
  let ite = 0;
  while (ite < c.maxIter) {
    let maxDif = 0;
    for (let q = 0; q < k; q++) {
      const prev = a0[q]!;
      const t = rl[q]! - ab[q]! - m0[q]!;
      const v = t <= -lambda ? -lambda : t >= lambda ? lambda : t;
      a0[q] = v;
      maxDif += Math.abs(prev - v);
      yi[q] = rl[q]! - v - m0[q]!;
    }
    columnsTimes(A, rowOff, k, k, yi, xy);
    const saPre = sa;
    // g = (A_SS)²β − xy over the support, two Gram rows per sweep (the same sums as gramGradient); the last sweep also
    // takes the soft-threshold step for each q as soon as g_q is complete (β⁺, ‖Δβ‖₁, the new support). Kept apart from
    // gramGradient + proxGradientStep on purpose: the fusion saves a pass over k per iteration (no backtracking here).
    let sa1 = 0;
    let betaDif = 0;
    const last = sa === 0 ? 0 : (sa & 1) === 1 ? sa - 1 : sa - 2;
    for (let t = 0; t < last; t += 2) {
      const c0 = b0[act[t]!]!, c1 = b0[act[t + 1]!]!;
      const r0 = act[t]! * stride, r1 = act[t + 1]! * stride;
      if (t === 0) for (let q = 0; q < k; q++) g[q] = -xy[q]! + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
      else for (let q = 0; q < k; q++) g[q] = g[q]! + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
    }
    const T = st.T;
    const m = sa - last; // rows in the final sweep: 0, 1 or 2
    const c0 = m > 0 ? b0[act[last]!]! : 0;
    const c1 = m > 1 ? b0[act[last + 1]!]! : 0;
    const r0 = m > 0 ? act[last]! * stride : 0;
    const r1 = m > 1 ? act[last + 1]! * stride : 0;
    for (let q = 0; q < k; q++) {
      let gq: number;
      if (m === 0) gq = -xy[q]!;
      else if (m === 1) gq = (last === 0 ? -xy[q]! : g[q]!) + c0 * gram[r0 + q]!;
      else gq = (last === 0 ? -xy[q]! : g[q]!) + c0 * gram[r0 + q]! + c1 * gram[r1 + q]!;
      const bq = b0[q]!;
      const v = softThreshold(bq - gq / T, thr);
      betaDif += Math.abs(bq - v);
      b0[q] = v;
      if (v !== 0) act1[sa1++] = q;
    }
    maxDif = Math.max(maxDif, betaDif);
    sa = sa1;
    const tmp = act;
    act = act1;
    act1 = tmp;
    const gapExt = sa - saPre;
    // ab = A_SS β⁺, two rows per sweep (the same sums as gramTimes); the last sweep also does μ⁺ and ‖Δμ‖∞.
    const lastA = sa === 0 ? 0 : (sa & 1) === 1 ? sa - 1 : sa - 2;
    for (let t = 0; t < lastA; t += 2) {
      const e0 = b0[act[t]!]!, e1 = b0[act[t + 1]!]!;
      const s0 = act[t]! * stride, s1 = act[t + 1]! * stride;
      if (t === 0) for (let q = 0; q < k; q++) ab[q] = 0 + e0 * A[s0 + q]! + e1 * A[s1 + q]!;
      else for (let q = 0; q < k; q++) ab[q] = ab[q]! + e0 * A[s0 + q]! + e1 * A[s1 + q]!;
    }
    const mA = sa - lastA;
    const e0 = mA > 0 ? b0[act[lastA]!]! : 0;
    const e1 = mA > 1 ? b0[act[lastA + 1]!]! : 0;
    const s0 = mA > 0 ? act[lastA]! * stride : 0;
    const s1 = mA > 1 ? act[lastA + 1]! * stride : 0;
    let muDif = 0;
    for (let q = 0; q < k; q++) {
      let x: number;
      if (mA === 0) x = 0;
      else if (mA === 1) x = (lastA === 0 ? 0 : ab[q]!) + e0 * A[s0 + q]!;
      else x = (lastA === 0 ? 0 : ab[q]!) + e0 * A[s0 + q]! + e1 * A[s1 + q]!;
      ab[q] = x;
      const e = a0[q]! + x - rl[q]!;
      m0[q] = m0[q]! + e;
      const ae = Math.abs(e);
      if (ae > muDif) muDif = ae;
    }
    maxDif = Math.max(maxDif, muDif);
    ite++;
    if (stop.done(ite, gapExt, maxDif)) break;
  }
  ws.act = act;
  ws.act1 = act1;
  storeStage(beta, idx, k, b0);
  storeStage(alpha, idx, k, a0);
  storeStage(mu, idx, k, m0);
  return { iterations: ite, met: stop.met, gap: stop.gap };
}

/**
 * Dantzig optimality measure at ws.beta: max(relative duality gap, infeasibility / λ), where the primal is
 * ‖β‖₁ with infeasibility max(0, ‖Aβ − c‖∞ − λ) and the dual max wᵀc − λ‖w‖₁ s.t. ‖Aw‖∞ ≤ 1 is evaluated at
 * ±ρμ scaled into feasibility.
 */
export function gramGap(ws: GramWorkspace, c: StageControl): number {
  const { p, A, beta, mu, w, aw } = ws;
  let l1 = 0;
  let infeas = 0;
  for (let i = 0; i < p; i++) {
    l1 += Math.abs(beta[i]!);
    let s = 0;
    const row = i * p;
    for (let j = 0; j < p; j++) s += A[row + j]! * beta[j]!;
    infeas = Math.max(infeas, Math.abs(s - ws.c[i]!) - c.lambda);
  }
  let best = -Infinity;
  for (const sign of [-1, 1]) {
    let m = 0;
    for (let i = 0; i < p; i++) w[i] = sign * c.rho * mu[i]!;
    for (let i = 0; i < p; i++) {
      let s = 0;
      const row = i * p;
      for (let j = 0; j < p; j++) s += A[row + j]! * w[j]!;
      aw[i] = s;
      m = Math.max(m, Math.abs(s));
    }
    const sc = m > 1 ? 1 / m : 1;
    let d = 0;
    let wl1 = 0;
    for (let i = 0; i < p; i++) {
      d += w[i]! * ws.c[i]!;
      wl1 += Math.abs(w[i]!);
    }
    best = Math.max(best, sc * (d - c.lambda * wl1));
  }
  const gap = (l1 - best) / Math.max(l1, Number.MIN_VALUE);
  return Math.max(gap, Math.max(infeas, 0) / c.lambda);
}
