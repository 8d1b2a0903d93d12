// One column of sugm: CLIME (a Dantzig-type problem on S) or TIGER (a SQRT lasso of Z_j on the other columns).
// Columns are independent, so sugm solves them in order on one thread and sugmAsync hands them to workers;
// either way column j runs exactly this code on exactly these inputs, hence the same bits.
import { createDataWorkspace, createGramWorkspace } from './kernels.js';
import { type PathControl, orderDecreasing, runDataPath, runGramPath } from './path.js';

/** What every column needs; plain typed arrays and numbers (structured-cloneable for workers). */
export interface ColumnProblem {
  method: 'clime' | 'tiger';
  n: number;
  d: number;
  /** CLIME: S (perturbed / correlation, d × d row-major). TIGER: Z, standardized data, column-major n × d. */
  A: Float64Array;
  /** CLIME: S². TIGER: ZᵀZ (d × d). */
  A2: Float64Array;
  sizes: [number, number];
  control: PathControl;
}

export interface ColumnResult {
  j: number;
  /** Ω column j per λ: entry i of λ k at k·d + i (unsymmetrized, before TIGER's / CLIME's rescaling). */
  raw: Float64Array;
  /** Off-diagonal coefficients in the same layout (flare's beta). */
  beta: Float64Array;
  /** Iterations (stage 1, stage 2, full) per λ: 3·k + stage. */
  iterations: Int32Array;
  /** 1 where the column's full stage met its rule at λ k. */
  met: Uint8Array;
}

/** Per-thread scratch reused across columns (TIGER's (d−1)² Gram block). */
export interface ColumnScratch {
  gram: Float64Array;
}

export function columnScratch(p: ColumnProblem): ColumnScratch {
  return { gram: new Float64Array(p.method === 'tiger' ? (p.d - 1) * (p.d - 1) : 0) };
}

export function solveColumn(prob: ColumnProblem, j: number, scratch: ColumnScratch): ColumnResult {
  const { n, d, A, A2, sizes, control } = prob;
  const L = control.lambdas.length;
  const raw = new Float64Array(L * d);
  const beta = new Float64Array(L * d);
  const iterations = new Int32Array(3 * L);
  const met = new Uint8Array(L);
  if (prob.method === 'clime') {
    const c = new Float64Array(d);
    c[j] = 1;
    const ws = createGramWorkspace(d, A, c);
    const key = new Float64Array(d);
    for (let i = 0; i < d; i++) key[i] = A[i * d + j]!; // signed, as flare's order(Sigma[, j], decreasing = TRUE)
    const out = runGramPath(ws, A2, orderDecreasing(key), sizes, control);
    out.forEach((res, k) => {
      for (let i = 0; i < d; i++) {
        const v = res.beta[i]!;
        raw[k * d + i] = v;
        if (i !== j) beta[k * d + i] = v;
      }
      iterations.set(res.iterations, 3 * k);
      met[k] = res.met ? 1 : 0;
    });
    return { j, raw, beta, iterations, met };
  }
  const p = d - 1;
  const Gj = scratch.gram;
  const vars = new Int32Array(p);
  for (let v = 0; v < p; v++) vars[v] = v < j ? v : v + 1;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) Gj[a * p + b] = A2[vars[a]! * d + vars[b]!]!;
  const varOff = vars.map((v) => v * n);
  const y = A.subarray(j * n, (j + 1) * n);
  const ws = createDataWorkspace(n, p, A, varOff, y, undefined);
  const key = new Float64Array(p);
  for (let a = 0; a < p; a++) key[a] = Math.abs(A2[vars[a]! * d + j]!);
  const taus: number[] = [];
  const out = runDataPath(ws, Gj, orderDecreasing(key), sizes, 'sqrt', 2, control, (_m, w) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += w.alpha[i]! * w.alpha[i]!;
    taus.push(Math.sqrt(s / n));
  });
  out.forEach((res, k) => {
    const ojj = 1 / (taus[k]! * taus[k]!);
    raw[k * d + j] = ojj;
    for (let a = 0; a < p; a++) {
      const v = res.beta[a]!;
      if (v !== 0) {
        raw[k * d + vars[a]!] = -v * ojj;
        beta[k * d + vars[a]!] = -v * ojj;
      }
    }
    iterations.set(res.iterations, 3 * k);
    met[k] = res.met ? 1 : 0;
  });
  return { j, raw, beta, iterations, met };
}
