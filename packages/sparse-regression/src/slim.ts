// slim(): flare's sparse linear regression (lasso, SQRT lasso, LAD lasso, Lq lasso, Dantzig selector).
import {

  assertFinite,
  checkChoiceOption,
  checkNumberOption,
  dimensionMismatch,
  emptyInput,
  invalidArgument,
  invalidOption,
  now,
  toFloat64Array,
  type Status,
} from '@firstorder/core';
import { CscMatrix, Matrix, gemm, syrk } from '@firstorder/linalg';
import { LqAlphaProx } from './lq.js';
import { createDataWorkspace, createGramWorkspace, type DataMethod, type StoppingMode } from './kernels.js';
import { type LambdaOutcome, type PathControl, orderDecreasing, runDataPath, runGramPath, screeningSizes } from './path.js';

export type SlimMethod = 'lasso' | 'sqrt' | 'lad' | 'lq' | 'dantzig';

export interface SlimOptions {
  method?: SlimMethod;
  /** Lq loss exponent, q ∈ (1, 2] (only for method 'lq'; q = 2 is the SQRT lasso). */
  q?: number;
  /** A user λ sequence (decreasing is best for warm starts); overrides nlambda / lambdaMin*. */
  lambda?: ArrayLike<number>;
  nlambda?: number;
  lambdaMinValue?: number;
  lambdaMinRatio?: number;
  rho?: number;
  prec?: number;
  maxIter?: number;
  /** 'flare': flare's step-size + active-set rule (parity); 'strict': stop on the relative duality gap. */
  stopping?: StoppingMode;
  /** strict mode: relative duality-gap target (Dantzig: also infeasibility / λ). */
  gapTolerance?: number;
  /** strict mode: iterations between gap checks. */
  checkEvery?: number;
  /** flare's res.sd: also scale y by its standard deviation (n − 1). */
  scaleResponse?: boolean;
}

/** Defaults (flare 1.8 R/slim.R unless noted). */
export const SLIM_DEFAULTS = Object.freeze({
  method: 'lq' as SlimMethod, // flare: method = "lq", q = 2 (SQRT lasso)
  q: 2,
  nlambda: 5,
  dantzigLambdaMinRatio: 0.5,
  rho: 1,
  prec: 1e-5,
  maxIter: 1e5,
  stopping: 'flare' as StoppingMode,
  gapTolerance: 1e-6, // ours: strict mode only
  checkEvery: 10, // ours
  scaleResponse: false, // flare: res.sd = FALSE
});

export interface SlimFit {
  method: SlimMethod;
  q: number;
  lambda: Float64Array;
  /** β path on the original scale: d × nlambda sparse (column k = λ_k). */
  beta: CscMatrix;
  /** β path on the standardized scale (flare's beta0). */
  betaStandardized: CscMatrix;
  intercept: Float64Array;
  df: Int32Array;
  /** Iterations per λ of stage 1 (⌈n/log n⌉ or ⌈√d⌉ variables), stage 2 and the full stage (flare's ite). */
  iterations: { stage1: Int32Array; stage2: Int32Array; full: Int32Array };
  status: Status[];
  /** Objective per λ on the standardized scale, in the method's own units (see README). */
  objective: Float64Array;
  /** strict mode: the final relative duality gap per λ (NaN in flare mode). */
  gap: Float64Array;
  runtimeMs: number;
  /** Column means and standard deviations (n − 1) of X; mean and scale of y. */
  xMean: Float64Array;
  xSd: Float64Array;
  yMean: number;
  ySd: number;
  n: number;
  d: number;
}

function toMatrix(name: string, X: Matrix | ArrayLike<ArrayLike<number>>): Matrix {
  if (X instanceof Matrix) return X;
  if (X === null || typeof X !== 'object' || typeof (X as { length?: unknown }).length !== 'number') {
    throw invalidArgument(name, 'a Matrix or an array of rows', X);
  }
  return Matrix.fromRows(X);
}

export interface Standardized {
  n: number;
  d: number;
  /** Standardized columns, column-major (column j at j·n). */
  cols: Float64Array;
  y: Float64Array;
  xMean: Float64Array;
  xSd: Float64Array;
  yMean: number;
  ySd: number;
}

/** Centers X and scales by sd (n − 1); centers y (and scales it when asked), as flare R/slim.R:75-96. */
export function standardize(X: Matrix, y: Float64Array, scaleResponse: boolean): Standardized {
  const { rows: n, cols: d, data } = X;
  const xMean = new Float64Array(d);
  const xSd = new Float64Array(d);
  const cols = new Float64Array(n * d);
  // Transpose first (reading X row by row), then work on contiguous columns: same sums, fewer cache misses.
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) cols[j * n + i] = data[row + j]!;
  }
  for (let j = 0; j < d; j++) {
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += cols[off + i]!;
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = cols[off + i]! - m;
      cols[off + i] = v;
      ss += v * v;
    }
    const sd = Math.sqrt(ss / (n - 1));
    if (!(sd > 0)) throw invalidArgument('X', `non-constant columns (column ${j} is constant)`, 'a constant column');
    xMean[j] = m;
    xSd[j] = sd;
    for (let i = 0; i < n; i++) cols[off + i] = cols[off + i]! / sd;
  }
  let ys = 0;
  for (let i = 0; i < n; i++) ys += y[i]!;
  const yMean = ys / n;
  const yc = new Float64Array(n);
  let yss = 0;
  for (let i = 0; i < n; i++) {
    yc[i] = y[i]! - yMean;
    yss += yc[i]! * yc[i]!;
  }
  let ySd = 1;
  if (scaleResponse) {
    ySd = Math.sqrt(yss / (n - 1));
    if (!(ySd > 0)) throw invalidArgument('y', 'a response with nonzero variance', 'a constant response');
    for (let i = 0; i < n; i++) yc[i] = yc[i]! / ySd;
  }
  return { n, d, cols, y: yc, xMean, xSd, yMean, ySd };
}

/** XᵀX of column-major standardized columns (p × p, row-major), via linalg's syrk on the row-major copy. */
export function gramOfColumns(cols: Float64Array, n: number, p: number): Float64Array {
  // cols is column-major n × p, i.e. row-major p × n: syrk(A) gives A Aᵀ = XᵀX.
  return syrk(new Matrix(p, n, cols)).data;
}

function lambdaMaxOf(method: SlimMethod, q: number, s: Standardized): number {
  const { n, d, cols, y } = s;
  const w = new Float64Array(n);
  if (method === 'lasso' || method === 'dantzig') for (let i = 0; i < n; i++) w[i] = y[i]! / n;
  else if (method === 'sqrt' || (method === 'lq' && q === 2)) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += y[i]! * y[i]!;
    const sc = 1 / (Math.sqrt(ss) * Math.sqrt(n));
    for (let i = 0; i < n; i++) w[i] = y[i]! * sc;
  } else if (method === 'lad') for (let i = 0; i < n; i++) w[i] = Math.sign(y[i]!) / n;
  else {
    let sq = 0;
    for (let i = 0; i < n; i++) sq += Math.pow(Math.abs(y[i]!), q);
    const sc = 1 / (Math.pow(sq, (q - 1) / q) * Math.pow(n, 1 / q));
    for (let i = 0; i < n; i++) w[i] = Math.sign(y[i]!) * Math.pow(Math.abs(y[i]!), q - 1) * sc;
  }
  let m = 0;
  for (let j = 0; j < d; j++) {
    let t = 0;
    for (let i = 0; i < n; i++) t += cols[j * n + i]! * w[i]!;
    m = Math.max(m, Math.abs(t));
  }
  return m;
}

/**
 * flare's λ path: nlambda values log-spaced from the method's λ_max to λ_min. λ_min: lambdaMinValue if given,
 * else lambdaMinRatio·λ_max if given, else flare's default (Dantzig 0.5·λ_max, others √(log d / n)).
 * flare ignores lambda.min.ratio for non-Dantzig methods; we honour it. If λ_max < λ_min: λ ∈ [0.4, 1] (flare).
 */
export function slimLambdaPath(method: SlimMethod, q: number, s: Standardized, nlambda: number, minValue?: number, minRatio?: number): Float64Array {
  let lmax = lambdaMaxOf(method, q, s);
  let lmin: number;
  if (minValue !== undefined) lmin = minValue;
  else if (minRatio !== undefined) lmin = minRatio * lmax;
  else lmin = method === 'dantzig' ? SLIM_DEFAULTS.dantzigLambdaMinRatio * lmax : Math.sqrt(Math.log(s.d) / s.n);
  if (lmax < lmin) {
    lmax = 1;
    lmin = 0.4;
  }
  const out = new Float64Array(nlambda);
  const a = Math.log(lmax);
  const b = Math.log(lmin);
  for (let k = 0; k < nlambda; k++) out[k] = nlambda === 1 ? lmax : Math.exp(a + ((b - a) * k) / (nlambda - 1));
  return out;
}

/** Sparse regression path by flare's algorithm. X: n × d (Matrix or rows), y: length n. Inputs are not modified. */
export function slim(X: Matrix | ArrayLike<ArrayLike<number>>, y: ArrayLike<number>, options: SlimOptions = {}): SlimFit {
  const Xm = toMatrix('X', X);
  const yv = toFloat64Array('y', y);
  if (Xm.rows === 0 || Xm.cols === 0) throw emptyInput('X', `${Xm.rows} × ${Xm.cols}`);
  if (yv.length !== Xm.rows) throw dimensionMismatch('y', `length ${Xm.rows} (rows of X)`, `length ${yv.length}`);
  if (Xm.rows < 2) throw invalidArgument('X', 'at least two observations', `${Xm.rows} row`);
  assertFinite('X', Xm.data);
  const o = { ...SLIM_DEFAULTS, ...definedOnly(options) };
  let method = checkChoiceOption('method', o.method, ['lasso', 'sqrt', 'lad', 'lq', 'dantzig'] as const);
  let q = method === 'sqrt' ? 2 : method === 'lad' ? 1 : checkNumberOption('q', o.q, { min: 1, max: 2 });
  if (method === 'lq' && q === 1) method = 'lad';
  if (method === 'lq' && q === 2) method = 'sqrt';
  if (method === 'lasso' || method === 'dantzig') q = method === 'lasso' ? 2 : Infinity;
  const nlambda = checkNumberOption('nlambda', o.nlambda, { min: 1, integer: true });
  const rho = checkNumberOption('rho', o.rho, { min: 0, exclusiveMin: true });
  const prec = checkNumberOption('prec', o.prec, { min: 0, exclusiveMin: true });
  const maxIter = checkNumberOption('maxIter', o.maxIter, { min: 1, integer: true });
  const stopping = checkChoiceOption('stopping', o.stopping, ['flare', 'strict'] as const);
  const gapTolerance = checkNumberOption('gapTolerance', o.gapTolerance, { min: 0, exclusiveMin: true });
  const checkEvery = checkNumberOption('checkEvery', o.checkEvery, { min: 1, integer: true });
  if (options.lambdaMinValue !== undefined) checkNumberOption('lambdaMinValue', options.lambdaMinValue, { min: 0, exclusiveMin: true });
  if (options.lambdaMinRatio !== undefined) checkNumberOption('lambdaMinRatio', options.lambdaMinRatio, { min: 0, exclusiveMin: true });

  const s = standardize(Xm, yv, o.scaleResponse === true);
  const { n, d } = s;
  let lambdas: Float64Array;
  if (options.lambda !== undefined) {
    lambdas = toFloat64Array('lambda', options.lambda);
    for (const l of lambdas) if (!(l > 0)) throw invalidOption('lambda', 'positive finite values', l);
  } else {
    lambdas = slimLambdaPath(method, q, s, nlambda, options.lambdaMinValue, options.lambdaMinRatio);
  }
  const start = now();
  const control: PathControl = { lambdas, rho, prec, maxIter, mode: stopping, gapTolerance, checkEvery, stage2Fraction: 1 };
  let outcomes: LambdaOutcome[];
  const objective = new Float64Array(lambdas.length);
  if (method === 'dantzig') {
    // A = XᵀX/n, c = Xᵀy/n (flare R/slim.dantzig.ladm.scr.R:14-15); stage Gram A².
    const A = gramOfColumns(s.cols, n, d); // a fresh array: scaled in place
    for (let i = 0; i < d * d; i++) A[i] = A[i]! / n;
    const c = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let t = 0;
      for (let i = 0; i < n; i++) t += s.cols[j * n + i]! * s.y[i]!;
      c[j] = t / n;
    }
    const A2 = squareOfGram(s, A);
    const ws = createGramWorkspace(d, A, c);
    const order = orderDecreasing(c.map(Math.abs));
    const highDim = d >= n;
    const sizes = highDim ? screeningSizes(n, d, true) : ([d <= 3 ? d : Math.ceil(d / Math.log(d)), d] as [number, number]);
    outcomes = runGramPath(ws, A2, order, sizes, control, highDim);
    for (let k = 0; k < outcomes.length; k++) {
      let l1 = 0;
      for (const v of outcomes[k]!.beta) l1 += Math.abs(v);
      objective[k] = l1;
    }
  } else {
    const G = gramOfColumns(s.cols, n, d);
    const varOff = Int32Array.from({ length: d }, (_, j) => j * n);
    const lq = method === 'lq' ? new LqAlphaProx(q) : undefined;
    const ws = createDataWorkspace(n, d, s.cols, varOff, s.y, lq);
    const order = orderDecreasing(ws.xty.map(Math.abs));
    outcomes = runDataPath(ws, G, order, screeningSizes(n, d), method as DataMethod, q, control);
    for (let k = 0; k < outcomes.length; k++) objective[k] = slimObjective(method, q, s, outcomes[k]!.beta, lambdas[k]!);
  }
  const runtimeMs = now() - start;
  return assembleFit(method, q, s, lambdas, outcomes, objective, runtimeMs);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** (XᵀX/n)² computed as (Xᵀ(XXᵀ))X/n² when d > n (flare's order of products, by linalg's gemm), else by squaring A. */
function squareOfGram(s: Standardized, A: Float64Array): Float64Array {
  const { n, d, cols } = s;
  if (d > n) {
    const Xt = new Matrix(d, n, cols); // rows = columns of X
    const K = syrk(Xt, { transpose: true }); // XXᵀ (n × n)
    const out = gemm(gemm(Xt, K), Xt, { transB: true, alpha: 1 / (n * n) }).data;
    // gemm's two triangles may differ in the last bit; keep the upper one so the Gram is exactly symmetric.
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) out[b * d + a] = out[a * d + b]!;
    return out;
  }
  return syrk(new Matrix(d, d, A)).data; // A symmetric: A Aᵀ = A²
}

/** The method's objective on the standardized scale (flare's units). */
export function slimObjective(method: SlimMethod, q: number, s: Standardized, beta: Float64Array, lambda: number): number {
  const { n, d, cols, y } = s;
  const r = y.slice();
  let l1 = 0;
  for (let j = 0; j < d; j++) {
    const b = beta[j]!;
    if (b === 0) continue;
    l1 += Math.abs(b);
    for (let i = 0; i < n; i++) r[i] = r[i]! - (b * cols[j * n + i]!);
  }
  if (method === 'dantzig') return l1;
  let loss: number;
  if (method === 'lasso') {
    let ss = 0;
    for (const v of r) ss += v * v;
    loss = ss / (2 * n);
  } else {
    const qq = method === 'lad' ? 1 : method === 'sqrt' ? 2 : q;
    let ss = 0;
    for (const v of r) ss += Math.pow(Math.abs(v), qq);
    loss = Math.pow(ss, 1 / qq) / Math.pow(n, 1 / qq);
  }
  return loss + lambda * l1;
}

function toCsc(d: number, columns: Float64Array[]): CscMatrix {
  const ptr = new Int32Array(columns.length + 1);
  const rows: number[] = [];
  const vals: number[] = [];
  columns.forEach((col, k) => {
    for (let j = 0; j < d; j++) {
      if (col[j] !== 0) {
        rows.push(j);
        vals.push(col[j]!);
      }
    }
    ptr[k + 1] = rows.length;
  });
  return new CscMatrix(d, columns.length, ptr, Int32Array.from(rows), Float64Array.from(vals), { validate: false });
}

function assembleFit(
  method: SlimMethod,
  q: number,
  s: Standardized,
  lambda: Float64Array,
  outcomes: LambdaOutcome[],
  objective: Float64Array,
  runtimeMs: number,
): SlimFit {
  const { d } = s;
  const L = outcomes.length;
  const orig: Float64Array[] = [];
  const std: Float64Array[] = [];
  const intercept = new Float64Array(L);
  const df = new Int32Array(L);
  const stage1 = new Int32Array(L);
  const stage2 = new Int32Array(L);
  const full = new Int32Array(L);
  const gap = new Float64Array(L);
  const status: Status[] = [];
  outcomes.forEach((o, k) => {
    const b = new Float64Array(d);
    let ic = s.yMean;
    let nz = 0;
    for (let j = 0; j < d; j++) {
      const v = o.beta[j]!;
      if (v !== 0) nz++;
      b[j] = (v * s.ySd) / s.xSd[j]!;
      ic -= s.xMean[j]! * b[j]!;
    }
    orig.push(b);
    std.push(o.beta);
    intercept[k] = ic;
    df[k] = nz;
    [stage1[k], stage2[k], full[k]] = o.iterations;
    gap[k] = o.gap;
    status.push(o.met ? 'converged' : 'max_iterations');
  });
  return {
    method, q, lambda, beta: toCsc(d, orig), betaStandardized: toCsc(d, std), intercept, df,
    iterations: { stage1, stage2, full }, status, objective, gap, runtimeMs,
    xMean: s.xMean, xSd: s.xSd, yMean: s.yMean, ySd: s.ySd, n: s.n, d,
  };
}

/** Predictions Xnew·β_k + intercept_k: one column per λ (or only column `lambdaIndex`). */
export function predictSlim(fit: SlimFit, Xnew: Matrix | ArrayLike<ArrayLike<number>>, lambdaIndex?: number): Matrix {
  const X = toMatrix('Xnew', Xnew);
  if (X.cols !== fit.d) throw dimensionMismatch('Xnew', `${fit.d} columns`, `${X.cols} columns`);
  assertFinite('Xnew', X.data);
  const L = fit.lambda.length;
  const ks = lambdaIndex === undefined ? Array.from({ length: L }, (_, k) => k) : [checkNumberOption('lambdaIndex', lambdaIndex, { min: 0, max: L - 1, integer: true })];
  const out = new Matrix(X.rows, ks.length);
  const { colPtr, rowIndices, values } = fit.beta;
  ks.forEach((k, c) => {
    for (let i = 0; i < X.rows; i++) {
      let t = fit.intercept[k]!;
      for (let e = colPtr[k]!; e < colPtr[k + 1]!; e++) t += X.data[i * X.cols + rowIndices[e]!]! * values[e]!;
      out.data[i * ks.length + c] = t;
    }
  });
  return out;
}

