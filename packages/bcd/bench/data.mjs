// Data shared by the bcd bench scripts: the Boston housing fixture and the FHT cases by name.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Matrix } from '@firstorder/linalg';
import { fhtProblem } from '../dist/index.js';
import { FHT_CASES } from '../test/fixtures/cases.mjs';

/** Path of test/fixtures/boston.csv (13 features, then medv). */
export const BOSTON_CSV = fileURLToPath(new URL('../test/fixtures/boston.csv', import.meta.url));

/** Boston housing as X (506×13) and y = medv. */
export function boston() {
  const rows = readFileSync(BOSTON_CSV, 'utf8').trim().split('\n').slice(1);
  const X = new Matrix(rows.length, 13);
  const y = new Float64Array(rows.length);
  rows.forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < 13; j++) X.set(i, j, v[j]);
    y[i] = v[13];
  });
  return { X, y };
}

/** The data of a fixture case: an FHT_CASES name, anything else is Boston. */
export function caseData(name) {
  const c = FHT_CASES.find((entry) => entry.name === name);
  return c ? fhtProblem(c.n, c.p, c.rho, { seed: c.seed }) : boston();
}
