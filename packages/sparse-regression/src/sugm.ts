// sugm(): flare's sparse undirected graphical models — CLIME (column-wise Dantzig) and TIGER (column-wise
// SQRT lasso) — on the same stage kernels as slim(), plus the graph path and symmetrization (flare R/sugm.R).
import {
  assertFinite,
  checkChoiceOption,
  checkNumberOption,
  emptyInput,
  invalidArgument,
  invalidOption,
  now,
  toFloat64Array,
  type Status,
} from '@firstorder/core';
import { CscMatrix, Matrix, syrk } from '@firstorder/linalg';
import { type StoppingMode } from './kernels.js';
import { type PathControl, screeningSizes } from './path.js';
import { type ColumnProblem, type ColumnResult, columnScratch, solveColumn } from './columns.js';

export type SugmMethod = 'clime' | 'tiger';

export interface SugmOptions {
  method?: SugmMethod;
  lambda?: ArrayLike<number>;
  nlambda?: number;
  lambdaMinRatio?: number;
  rho?: number;
  sym?: 'or' | 'and';
  /** λ ← λ − shrink·prec (flare's shrink). */
  shrink?: number;
  prec?: number;
  maxIter?: number;
  /** CLIME: work with the correlation matrix and rescale the estimate back. */
  standardize?: boolean;
  /** CLIME: add perturb·I to S; true → 1/√n (flare), false → 0. */
  perturb?: boolean | number;
  /** Treat the input as a covariance matrix (default: detected when square and symmetric, as flare's isSymmetric). */
  covariance?: boolean;
  stopping?: StoppingMode;
  gapTolerance?: number;
  checkEvery?: number;
}

/** Defaults (flare 1.8 R/sugm.R:10-22 unless noted). */
export const SUGM_DEFAULTS = Object.freeze({
  method: 'tiger' as SugmMethod,
  nlambda: 5,
  lambdaMinRatio: 0.4,
  rho: 1,
  sym: 'or' as 'or' | 'and',
  shrink: 0,
  prec: 1e-4,
  maxIter: 1e4,
  standardize: false as boolean,
  perturb: true as boolean | number,
  stopping: 'flare' as StoppingMode,
  gapTolerance: 1e-6, // ours
  checkEvery: 10, // ours
});

export interface SugmFit {
  method: SugmMethod;
  lambda: Float64Array;
  /** Symmetrized precision estimates per λ (smaller magnitude of Ω_ij, Ω_ji). */
  icov: CscMatrix[];
  /** Column-wise (unsymmetrized) estimates per λ. */
  icov1: CscMatrix[];
  /** Off-diagonal column coefficients per λ (flare's beta). */
  beta: CscMatrix[];
  /** 0/1 adjacency per λ after the `sym` rule. */
  path: CscMatrix[];
  /** Nonzero off-diagonals per column: df[k][j]. */
  df: Int32Array[];
  sparsity: Float64Array;
  /** Iterations per column (row) and λ (column) for each stage: d × nlambda. */
  iterations: { stage1: Matrix; stage2: Matrix; full: Matrix };
  /** 'converged' when every column's full stage met its rule at that λ. */
  status: Status[];
  /** Sample covariance (n − 1) and the matrix actually used (perturbed / correlation). */
  sigma: Matrix;
  sigma2: Matrix;
  covarianceInput: boolean;
  sym: 'or' | 'and';
  runtimeMs: number;
  /** Threads the columns were solved on (sugmAsync; 1 for sugm). */
  threads: number;
  /** The data (for sugmSelect); undefined for covariance input. */
  data: Matrix | undefined;
  options: SugmOptions;
}

function isSymmetric(M: Matrix): boolean {
  if (M.rows !== M.cols) return false;
  const d = M.rows;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const a = M.data[i * d + j]!;
      const b = M.data[j * d + i]!;
      if (Math.abs(a - b) > 100 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b), 1)) return false;
    }
  }
  return true;
}

function denseToCsc(d: number, M: Float64Array): CscMatrix {
  const ptr = new Int32Array(d + 1);
  const rows: number[] = [];
  const vals: number[] = [];
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < d; i++) {
      const v = M[j * d + i]!; // M stored column-major: column j at j·d
      if (v !== 0) {
        rows.push(i);
        vals.push(v);
      }
    }
    ptr[j + 1] = rows.length;
  }
  return new CscMatrix(d, d, ptr, Int32Array.from(rows), Float64Array.from(vals), { validate: false });
}

/** Validates the input and options and builds what every column needs (sugm's set-up, shared with sugmAsync). */
export function prepareSugm(data: Matrix | ArrayLike<ArrayLike<number>>, options: SugmOptions): SugmPrepared {
  const M = data instanceof Matrix ? data : Matrix.fromRows(data);
  if (M.rows === 0 || M.cols === 0) throw emptyInput('data', `${M.rows} × ${M.cols}`);
  assertFinite('data', M.data);
  const o = { ...SUGM_DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  const method = checkChoiceOption('method', o.method, ['clime', 'tiger'] as const);
  const sym = checkChoiceOption('sym', o.sym, ['or', 'and'] as const);
  const nlambda = checkNumberOption('nlambda', o.nlambda, { min: 1, integer: true });
  const ratio = checkNumberOption('lambdaMinRatio', o.lambdaMinRatio, { min: 0, exclusiveMin: true });
  const rho = checkNumberOption('rho', o.rho, { min: 0, exclusiveMin: true });
  const prec = checkNumberOption('prec', o.prec, { min: 0, exclusiveMin: true });
  const maxIter = checkNumberOption('maxIter', o.maxIter, { min: 1, integer: true });
  const shrink = checkNumberOption('shrink', o.shrink, { min: 0 });
  const stopping = checkChoiceOption('stopping', o.stopping, ['flare', 'strict'] as const);
  const gapTolerance = checkNumberOption('gapTolerance', o.gapTolerance, { min: 0, exclusiveMin: true });
  const checkEvery = checkNumberOption('checkEvery', o.checkEvery, { min: 1, integer: true });
  const n = M.rows;
  const d = M.cols;
  if (method === 'tiger' && d < 3) throw invalidArgument('data', 'at least 3 columns for TIGER', `${d} columns`);
  if (method === 'clime' && d < 2) throw invalidArgument('data', 'at least 2 columns for CLIME', `${d} columns`);
  const covarianceInput = options.covariance ?? isSymmetric(M);
  if (covarianceInput && method === 'tiger') throw invalidOption('method', "'clime' for covariance input (TIGER needs data)", method);
  if (covarianceInput && M.rows !== M.cols) throw invalidArgument('data', 'a square covariance matrix', `${M.rows} × ${M.cols}`);
  if (!covarianceInput && n < 2) throw invalidArgument('data', 'at least two observations', `${n} row`);

  // S0: sample covariance (n − 1) or the given matrix.
  let S0: Float64Array;
  let Xc: Float64Array | undefined; // centred data, column-major
  if (covarianceInput) S0 = M.data.slice();
  else {
    Xc = new Float64Array(n * d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += M.data[i * d + j]!;
      const m = s / n;
      for (let i = 0; i < n; i++) Xc[j * n + i] = M.data[i * d + j]! - m;
    }
    const G = syrk(new Matrix(d, n, Xc)).data;
    S0 = G.map((v) => v / (n - 1));
  }
  const diag = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    diag[j] = S0[j * d + j]!;
    if (!(diag[j]! > 0)) throw invalidArgument('data', 'variables with positive variance', `variance ${diag[j]} in column ${j}`);
  }
  const invSqrt = diag.map((v) => 1 / Math.sqrt(v));
  const standardizeOn = o.standardize === true && method === 'clime';
  // S used by the solver: correlation when standardizing (CLIME).
  const S = standardizeOn ? S0.map((v, k) => v * invSqrt[Math.floor(k / d)]! * invSqrt[k % d]!) : S0.slice();

  let lambdas: Float64Array;
  if (options.lambda !== undefined) {
    lambdas = toFloat64Array('lambda', options.lambda);
    for (const l of lambdas) if (!(l > 0)) throw invalidOption('lambda', 'positive finite values', l);
  } else if (method === 'tiger') {
    const lmax = Math.PI * Math.sqrt(Math.log(d) / n);
    lambdas = new Float64Array(nlambda).map((_, k) => (nlambda === 1 ? lmax : lmax + ((ratio * lmax - lmax) * k) / (nlambda - 1)));
  } else {
    let lmax = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) lmax = Math.max(lmax, Math.abs(S[i * d + j]!));
    if (!(lmax > 0)) lmax = 1;
    const a = Math.log(lmax);
    const b = Math.log(ratio * lmax);
    lambdas = new Float64Array(nlambda).map((_, k) => (nlambda === 1 ? lmax : Math.exp(a + ((b - a) * k) / (nlambda - 1))));
  }
  const L = lambdas.length;
  const solveLambdas = lambdas.map((l) => l - shrink * prec);
  const control: PathControl = { lambdas: solveLambdas, rho, prec, maxIter, mode: stopping, gapTolerance, checkEvery, stage2Fraction: 1 };
  let problem: ColumnProblem;
  if (method === 'clime') {
    // flare's n is nrow(data): for covariance input that is d.
    const perturb = typeof o.perturb === 'number' ? checkNumberOption('perturb', o.perturb, { min: 0 }) : o.perturb ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < d; j++) S[j * d + j] = S[j * d + j]! + perturb;
    const S2 = syrk(new Matrix(d, d, S)).data; // S symmetric: S Sᵀ = S²
    control.stage2Fraction = 1 / 5; // flare src/sugm_clime_ladm_scr.c: max.ite/5 for stage 2
    problem = { method, n, d, A: S, A2: S2, sizes: screeningSizes(n, d, d >= n), control };
  } else {
    // TIGER: Z = centred data / sd (n − 1); column j regressed on the others by the SQRT lasso.
    const Z = Xc!.slice();
    for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) Z[j * n + i] = Z[j * n + i]! * invSqrt[j]!;
    const ZZ = syrk(new Matrix(d, n, Z)).data;
    problem = { method, n, d, A: Z, A2: ZZ, sizes: screeningSizes(n, d - 1, d - 1 >= n), control };
  }
  return { method, sym, n, d, M, S0, S, invSqrt, standardizeOn, covarianceInput, lambdas, problem, options };
}

/** Validated inputs, λ path and the per-column problem shared by every column (and every worker). */
export interface SugmPrepared {
  method: SugmMethod;
  sym: 'or' | 'and';
  n: number;
  d: number;
  M: Matrix;
  S0: Float64Array;
  S: Float64Array;
  invSqrt: Float64Array;
  standardizeOn: boolean;
  covarianceInput: boolean;
  lambdas: Float64Array;
  problem: ColumnProblem;
  options: SugmOptions;
}

/** Sparse precision-matrix path by CLIME or TIGER (flare's sugm). `data`: n × d observations or a d × d covariance. */
export function sugm(data: Matrix | ArrayLike<ArrayLike<number>>, options: SugmOptions = {}): SugmFit {
  const prep = prepareSugm(data, options);
  const start = now();
  const cols: ColumnResult[] = [];
  const scratch = columnScratch(prep.problem);
  for (let j = 0; j < prep.d; j++) cols.push(solveColumn(prep.problem, j, scratch));
  return assembleSugm(prep, cols, now() - start, 1);
}

/** Builds the fit from every column's solution (columns in order 0…d−1). */
export function assembleSugm(prep: SugmPrepared, cols: ColumnResult[], solveMs: number, threads: number): SugmFit {
  const { method, sym, d, M, S0, S, invSqrt, standardizeOn, covarianceInput, lambdas, options } = prep;
  const start = now();
  const L = lambdas.length;
  const raw = Array.from({ length: L }, () => new Float64Array(d * d)); // column-major Ω1 per λ
  const rawBeta = Array.from({ length: L }, () => new Float64Array(d * d));
  const it = { stage1: new Matrix(d, L), stage2: new Matrix(d, L), full: new Matrix(d, L) };
  const met = new Array<boolean>(L).fill(true);
  for (let j = 0; j < d; j++) {
    const c = cols[j]!;
    for (let k = 0; k < L; k++) {
      raw[k]!.set(c.raw.subarray(k * d, (k + 1) * d), j * d);
      rawBeta[k]!.set(c.beta.subarray(k * d, (k + 1) * d), j * d);
      it.stage1.data[j * L + k] = c.iterations[3 * k]!;
      it.stage2.data[j * L + k] = c.iterations[3 * k + 1]!;
      it.full.data[j * L + k] = c.iterations[3 * k + 2]!;
      if (c.met[k] === 0) met[k] = false;
    }
  }
  if (method === 'tiger' || standardizeOn) {
    for (const R of raw) for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) R[j * d + i] = R[j * d + i]! * invSqrt[i]! * invSqrt[j]!;
  }

  const icov: CscMatrix[] = [];
  const icov1: CscMatrix[] = [];
  const beta: CscMatrix[] = [];
  const path: CscMatrix[] = [];
  const df: Int32Array[] = [];
  const sparsity = new Float64Array(L);
  const symm = new Float64Array(d * d);
  const adj = new Float64Array(d * d);
  for (let k = 0; k < L; k++) {
    const R = raw[k]!;
    const B = rawBeta[k]!;
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < d; i++) {
        const a = R[j * d + i]!;
        const b = R[i * d + j]!;
        symm[j * d + i] = Math.abs(a) <= Math.abs(b) ? a : b;
      }
    }
    const dfk = new Int32Array(d);
    let edges = 0;
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < d; i++) {
        const a = B[j * d + i] !== 0;
        const b = B[i * d + j] !== 0;
        if (a) dfk[j] = dfk[j]! + 1;
        const e = i !== j && (sym === 'or' ? a || b : a && b) ? 1 : 0;
        adj[j * d + i] = e;
        edges += e;
      }
    }
    icov.push(denseToCsc(d, symm));
    icov1.push(denseToCsc(d, R));
    beta.push(denseToCsc(d, B));
    path.push(denseToCsc(d, adj));
    df.push(dfk);
    sparsity[k] = edges / (d * (d - 1));
  }
  const sigma = new Matrix(d, d, S0);
  const sigma2 = new Matrix(d, d, S);
  const runtimeMs = solveMs + (now() - start);
  return {
    method, lambda: lambdas, icov, icov1, beta, path, df, sparsity, iterations: it,
    status: met.map((m) => (m ? 'converged' : 'max_iterations')), sigma, sigma2, covarianceInput, sym, runtimeMs, threads,
    data: covarianceInput ? undefined : M, options: { ...options },
  };
}
