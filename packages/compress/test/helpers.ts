import { createRng } from '@firstorder/core';
import type { Rng } from '@firstorder/core';
import { CsrMatrix, Matrix, syrk } from '@firstorder/linalg';
import { LutQuantizedMatrix, packLut } from '@firstorder/compress';
import type { PackedLut } from '@firstorder/compress';

function studentT(rng: Rng, nu: number): number {
  let chi = 0;
  for (let i = 0; i < nu; i++) chi += rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi / nu);
}

export interface SyntheticLayer {
  W: Matrix;
  H: Matrix;
  X: Matrix;
}

/**
 * An LLM-like layer: W (m × n) Student-t(4) entries with a few rows ×4; inputs X (n × p) with a
 * decaying-spectrum correlation (X = A Z, A with column scales j^(−1/2)), a few outlier channels ×30,
 * and `dead` channels that are always zero (ReLU-dead fc2 inputs). H = X Xᵀ.
 */
export function syntheticLayer(seed: number, m: number, n: number, p: number, dead = 0): SyntheticLayer {
  const rng = createRng(seed);
  const W = new Matrix(m, n);
  for (let i = 0; i < m; i++) {
    const rowScale = i % 17 === 3 ? 4 : 1;
    for (let j = 0; j < n; j++) W.data[i * n + j] = 0.02 * rowScale * studentT(rng, 4);
  }
  const r = Math.max(4, Math.floor(n / 4));
  const A = new Matrix(n, r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) A.data[i * r + c] = rng.normal() / Math.sqrt(c + 1);
  const X = new Matrix(n, p);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < p; t++) {
      let s = 0.3 * rng.normal();
      for (let c = 0; c < r; c++) s += A.data[i * r + c]! * Math.sin(0.37 * (c + 1) * (t + 1) + c);
      X.data[i * p + t] = s;
    }
  }
  const outlierChannels = rng.sample(n, Math.max(1, Math.floor(n / 64)));
  for (const i of outlierChannels) for (let t = 0; t < p; t++) X.data[i * p + t]! *= 30;
  const deadChannels = rng.sample(n, dead);
  for (const i of deadChannels) for (let t = 0; t < p; t++) X.data[i * p + t] = 0;
  return { W, H: syrk(X), X };
}

/** Optimal weighted 1-D k-means cost of `values` with at most k clusters (DP over the sorted values). */
export function exactKMeans1D(values: ArrayLike<number>, k: number, weights?: ArrayLike<number>): number {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const x = idx.map((i) => values[i]!);
  const w = idx.map((i) => (weights === undefined ? 1 : weights[i]!));
  const n = x.length;
  const cost = (a: number, b: number): number => {
    let sw = 0;
    let sx = 0;
    for (let t = a; t < b; t++) {
      sw += w[t]!;
      sx += w[t]! * x[t]!;
    }
    const mean = sw > 0 ? sx / sw : 0;
    let c = 0;
    for (let t = a; t < b; t++) c += w[t]! * (x[t]! - mean) ** 2;
    return c;
  };
  let prev = Array.from({ length: n + 1 }, (_, b) => cost(0, b));
  for (let c = 2; c <= k; c++) {
    const cur = prev.slice();
    for (let b = 1; b <= n; b++) for (let a = 1; a < b; a++) cur[b] = Math.min(cur[b]!, prev[a]! + cost(a, b));
    prev = cur;
  }
  return prev[n]!;
}

/**
 * Random packed LUT weights (m × n, `bits` wide): uniform codes, N(0, 1) tables, and with `withOutliers` about 5 % of
 * the entries as N(0, 1) CSR outliers. Returns the unpacked codes and the generator, to draw inputs from it next.
 */
export function randomPacked(seed: number, m: number, n: number, bits: number, withOutliers: boolean): { packed: PackedLut; codes: Uint8Array; rng: Rng } {
  const rng = createRng(seed);
  const k = 1 << bits;
  const codes = new Uint8Array(m * n);
  for (let p = 0; p < codes.length; p++) codes[p] = rng.integer(0, k);
  const books = new Matrix(m, k, rng.fillNormal(new Float64Array(m * k)));
  let outliers: CsrMatrix | null = null;
  if (withOutliers) {
    const rowPtr = new Int32Array(m + 1);
    const cols: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) if (rng.uniform() < 0.05) cols.push(j);
      rowPtr[i + 1] = cols.length;
    }
    outliers = new CsrMatrix(m, n, rowPtr, Int32Array.from(cols), rng.fillNormal(new Float64Array(cols.length)));
  }
  return { packed: packLut(new LutQuantizedMatrix(m, n, bits, codes, books, outliers)), codes, rng };
}
