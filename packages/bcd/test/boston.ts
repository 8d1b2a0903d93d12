import { readFileSync } from 'node:fs';
import { Matrix } from '@firstorder/linalg';

/** Boston housing from fixtures/boston.csv (the file the glmnet fixtures were made from): X 506×13, y = medv. */
export function boston(): { X: Matrix; y: Float64Array } {
  const rows = readFileSync(new URL('./fixtures/boston.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const p = 13;
  const X = new Matrix(rows.length, p);
  const y = new Float64Array(rows.length);
  rows.forEach((line, i) => {
    const values = line.split(',').map(Number);
    for (let j = 0; j < p; j++) X.set(i, j, values[j]!);
    y[i] = values[p]!;
  });
  return { X, y };
}
