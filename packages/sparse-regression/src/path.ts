// flare's pathwise driver: three screening stages per λ (flare R/slim.*.R and src/*_ladm_scr*.c), warm starts
// across stages and λ's, and the growth of the stage sets by every variable that became nonzero.
import { Matrix, syrk } from '@firstorder/linalg';
import {
  type DataMethod,
  type DataWorkspace,
  type GramWorkspace,
  type Stage,
  type StageControl,
  type StoppingMode,
  dataGap,
  gramGap,
  runDataStage,
  runGramStage,
} from './kernels.js';

/** flare's stage sizes: d > n (or `highDim`): ⌈n/log n⌉ and n − 1; otherwise ⌈√d⌉ and ⌈d/log d⌉; tiny problems use all. */
export function screeningSizes(n: number, p: number, highDim = p > n): [number, number] {
  if (highDim) {
    if (n <= 3) return [Math.min(n, p), Math.min(n, p)];
    return [Math.min(p, Math.ceil(n / Math.log(n))), Math.min(p, n - 1)];
  }
  if (p <= 3) return [p, p];
  return [Math.ceil(Math.sqrt(p)), Math.ceil(p / Math.log(p))];
}

/** Indices sorted by key, decreasing; ties keep index order (R's `order` is stable). */
export function orderDecreasing(key: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: key.length }, (_, i) => i);
  idx.sort((a, b) => key[b]! - key[a]! || a - b);
  return Int32Array.from(idx);
}

export interface PathControl {
  lambdas: Float64Array;
  rho: number;
  prec: number;
  maxIter: number;
  mode: StoppingMode;
  gapTolerance: number;
  checkEvery: number;
  /** Stage-2 iteration cap as a fraction of maxIter (slim 1, CLIME 1/5). */
  stage2Fraction: number;
}

export interface LambdaOutcome {
  beta: Float64Array;
  iterations: [number, number, number];
  met: boolean;
  gap: number;
}

function maxRowSum(gram: Float64Array, k: number, stride: number): number {
  let T = 0;
  for (let i = 0; i < k; i++) {
    let s = 0;
    const row = i * stride;
    for (let j = 0; j < k; j++) s += Math.abs(gram[row + j]!);
    if (s > T) T = s;
  }
  return T;
}

class StageSet {
  readonly idx: Int32Array;
  k: number;
  grown = true;
  constructor(p: number, order: Int32Array, size: number) {
    this.idx = new Int32Array(p);
    this.idx.set(order.subarray(0, size));
    this.k = size;
  }
  /** Appends the variables of β that are nonzero and not yet in the set (flare's order: increasing index). */
  absorb(beta: Float64Array, member: Uint8Array): void {
    const before = this.k;
    member.fill(0);
    for (let t = 0; t < this.k; t++) member[this.idx[t]!] = 1;
    for (let v = 0; v < beta.length; v++) {
      if (beta[v] !== 0 && member[v] === 0) this.idx[this.k++] = v;
    }
    this.grown = this.k > before;
  }
}

/** The p columns at `varOff` in `cols` as a row-major n × p block. */
function rowMajor(cols: Float64Array, varOff: Int32Array, p: number, n: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let v = 0; v < p; v++) {
    const off = varOff[v]!;
    for (let i = 0; i < n; i++) out[i * p + v] = cols[off + i]!;
  }
  return out;
}

function iota(p: number): Int32Array {
  const out = new Int32Array(p);
  for (let i = 0; i < p; i++) out[i] = i;
  return out;
}

function emptyStage(p: number): Stage {
  return { k: 0, idx: new Int32Array(p), colOff: new Int32Array(p), cols: new Float64Array(0), rows: new Float64Array(0), gram: new Float64Array(0), stride: 0, a: new Float64Array(0), T: 0 };
}

function iterationCaps(c: PathControl): [number, number, number] {
  return [c.maxIter, Math.ceil(c.maxIter * c.stage2Fraction), c.mode === 'strict' ? c.maxIter : Math.floor(c.maxIter / 10)];
}

/** The k × k block M[idx, idx] of a row-major p × p matrix (a stage's Gram or constraint block). */
function principalBlock(M: Float64Array, p: number, idx: Int32Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const row = idx[i]! * p;
    for (let j = 0; j < k; j++) out[i * k + j] = M[row + idx[j]!]!;
  }
  return out;
}

/** A screening stage (1 or 2) stops by flare's rule at prec under its cap, in either mode. */
function screeningControl(control: StageControl, cap: number, c: PathControl): StageControl {
  control.maxIter = cap;
  control.mode = 'flare';
  control.prec = c.prec;
  return control;
}

/** The full stage: flare stops it at 10·prec (src/slim_*_ladm_scr*.c: eps = eps2*10); strict mode keeps prec for its early gap checks. */
function fullControl(control: StageControl, cap: number, c: PathControl): StageControl {
  control.maxIter = cap;
  control.mode = c.mode;
  control.prec = c.mode === 'strict' ? c.prec : 10 * c.prec;
  return control;
}

/**
 * Data methods (lasso / SQRT / LAD / Lq): `fullGram` is XᵀX over the p variables (row-major p × p).
 * T follows flare: lasso 0.8 × max row sum everywhere; ADMM methods use the unscaled bound for the first
 * λ's stages and the full stage and 0.8 × bound when a stage set is rebuilt later (strict mode: never 0.8 for ADMM).
 */
export function runDataPath(
  ws: DataWorkspace,
  fullGram: Float64Array,
  order: Int32Array,
  sizes: [number, number],
  method: DataMethod,
  q: number,
  c: PathControl,
  onLambda?: (m: number, ws: DataWorkspace) => void,
): LambdaOutcome[] {
  const { p } = ws;
  const sets = [new StageSet(p, order, sizes[0]), new StageSet(p, order, sizes[1])];
  const stages = [emptyStage(p), emptyStage(p)];
  const full: Stage = {
    k: p, idx: iota(p), colOff: ws.varOff, cols: ws.cols, rows: method === 'lad' ? rowMajor(ws.cols, ws.varOff, p, ws.n) : new Float64Array(0),
    gram: fullGram, stride: p, a: new Float64Array(0), T: maxRowSum(fullGram, p, p) * (method === 'lasso' ? 0.8 : 1),
  };
  const member = new Uint8Array(p);
  const caps = iterationCaps(c);
  const out: LambdaOutcome[] = [];
  const control: StageControl = {
    method, q, lambda: 0, rho: c.rho, maxIter: 0, prec: c.prec,
    backtrack: method === 'lad' || method === 'lq', mode: c.mode, gapTolerance: c.gapTolerance, checkEvery: c.checkEvery,
  };
  for (let m = 0; m < c.lambdas.length; m++) {
    control.lambda = c.lambdas[m]!;
    const its: [number, number, number] = [0, 0, 0];
    for (let s = 0; s < 2; s++) {
      const set = sets[s]!;
      const st = stages[s]!;
      if (set.grown) {
        const k = set.k;
        st.k = k;
        st.idx.set(set.idx.subarray(0, k));
        // A compact copy of the stage's columns (as flare makes): the stage's products then stream one block.
        const n = ws.n;
        if (st.cols.length < k * n) st.cols = new Float64Array(Math.min(p, 2 * k) * n);
        for (let t = 0; t < k; t++) {
          st.colOff[t] = t * n;
          const off = ws.varOff[st.idx[t]!]!;
          st.cols.set(ws.cols.subarray(off, off + n), t * n);
        }
        if (method === 'lad') {
          if (st.rows.length < k * n) st.rows = new Float64Array(Math.min(p, 2 * k) * n);
          for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) st.rows[i * k + t] = st.cols[t * n + i]!;
        }
        st.gram = principalBlock(fullGram, p, st.idx, k);
        st.stride = k;
        const factor = method === 'lasso' ? 0.8 : m === 0 || c.mode === 'strict' ? 1 : 0.8;
        st.T = maxRowSum(st.gram, k, k) * factor;
        set.grown = false;
      }
      its[s] = runDataStage(ws, st, screeningControl(control, caps[s]!, c), undefined).iterations;
    }
    const res = runDataStage(ws, full, fullControl(control, caps[2], c), c.mode === 'strict' ? dataGap : undefined);
    its[2] = res.iterations;
    out.push({ beta: ws.beta.slice(), iterations: its, met: res.met, gap: res.gap });
    onLambda?.(m, ws);
    for (const set of sets) set.absorb(ws.beta, member);
  }
  return out;
}

/**
 * Dantzig-type path (slim's Dantzig selector, CLIME columns): A symmetric p × p, `fullGram` = A².
 * Stage blocks are A_SS and (A_SS)²; T = max row sum of the stage Gram (flare applies no 0.8 here).
 */
export function runGramPath(
  ws: GramWorkspace,
  fullGram: Float64Array,
  order: Int32Array,
  sizes: [number, number],
  c: PathControl,
  stages2 = true,
): LambdaOutcome[] {
  const { p, A } = ws;
  const sets = [new StageSet(p, order, sizes[0]), new StageSet(p, order, sizes[1])];
  const stages = [emptyStage(p), emptyStage(p)];
  const full: Stage = {
    k: p, idx: iota(p), colOff: new Int32Array(0), cols: new Float64Array(0), rows: new Float64Array(0), gram: fullGram, stride: p, a: A,
    T: maxRowSum(fullGram, p, p),
  };
  const member = new Uint8Array(p);
  const caps = iterationCaps(c);
  const out: LambdaOutcome[] = [];
  const control: StageControl = {
    method: 'lasso', q: 1, lambda: 0, rho: c.rho, maxIter: 0, prec: c.prec, backtrack: false, mode: c.mode,
    gapTolerance: c.gapTolerance, checkEvery: c.checkEvery,
  };
  const nStages = stages2 ? 2 : 1;
  for (let m = 0; m < c.lambdas.length; m++) {
    control.lambda = c.lambdas[m]!;
    const its: [number, number, number] = [0, 0, 0];
    for (let s = 0; s < nStages; s++) {
      const set = sets[s]!;
      const st = stages[s]!;
      if (set.grown) {
        const k = set.k;
        st.k = k;
        st.idx.set(set.idx.subarray(0, k));
        st.a = principalBlock(A, p, st.idx, k);
        st.stride = k;
        st.gram = syrk(new Matrix(k, k, st.a)).data; // A_SS symmetric: A_SS A_SSᵀ = (A_SS)²
        st.T = maxRowSum(st.gram, k, k);
        set.grown = false;
      }
      its[s] = runGramStage(ws, st, screeningControl(control, caps[s]!, c), undefined).iterations;
    }
    const res = runGramStage(ws, full, fullControl(control, caps[2], c), c.mode === 'strict' ? gramGap : undefined);
    its[2] = res.iterations;
    out.push({ beta: ws.beta.slice(), iterations: its, met: res.met, gap: res.gap });
    for (let s = 0; s < nStages; s++) sets[s]!.absorb(ws.beta, member);
  }
  return out;
}
