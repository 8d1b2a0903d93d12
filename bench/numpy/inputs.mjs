// The benchmark inputs of compare.py in JavaScript: the same integer formulas, so both sides get identical float64
// bits (compare.py's mat_a, mat_b, vec_x, spd).
import { Matrix } from '@firstorder/linalg';

export function matA(m, n) {
  const A = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A.data[i * n + j] = ((i * 131 + j * 71 + ((i * j) % 97)) % 1009) / 1009 - 0.5;
  return A;
}

export function matB(m, n) {
  const B = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B.data[i * n + j] = ((i * 37 + j * 113 + ((i * j) % 89)) % 1013) / 1013 - 0.5;
  return B;
}

export function vecX(n) {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[k] = ((k * 53) % 101) / 101 - 0.5;
  return x;
}

/** A + Aᵀ + 2n·I with A = matA(n, n): symmetric positive definite. */
export function spd(n) {
  const a = matA(n, n);
  const S = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = a.data[i * n + j] + a.data[j * n + i] + (i === j ? 2 * n : 0);
  return S;
}
