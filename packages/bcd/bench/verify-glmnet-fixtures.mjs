// Checks lassoPath against every glmnet fixture, including the (100, 5000) ones that are too slow
// for the unit tests at thresh 1e-14: per λ, objective within 1e-7 relative and identical support
// (zero threshold |β_j|·s_j > 1e-6·s_y, justified in test/lasso-path.test.ts). Prints one JSON line
// per fixture and exits non-zero on a failure.
// Usage (repo root, after pnpm build): node packages/bcd/bench/verify-glmnet-fixtures.mjs [names...]
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coefficientsAt, elasticNetObjective, lassoPath } from '../dist/index.js';
import { caseData } from './data.mjs';

const dir = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const names = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir)
      // glmnet_opt_* fixtures need their options: test/glmnet-options.test.ts checks them.
      .filter((f) => f.startsWith('glmnet_') && !f.startsWith('glmnet_opt_'))
      .map((f) => f.slice(7, -5));

function scales(X, y, standardize, intercept) {
  const { rows: n, cols: p } = X;
  const xs = new Float64Array(p).fill(1);
  for (let j = 0; standardize && j < p; j++) {
    const col = X.column(j);
    const m = col.reduce((a, b) => a + b, 0) / n;
    xs[j] = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  }
  const my = intercept ? y.reduce((a, b) => a + b, 0) / n : 0;
  return { xs, sy: Math.sqrt(y.reduce((a, b) => a + (b - my) ** 2, 0) / n) };
}

let failures = 0;
for (const name of names) {
  const fx = JSON.parse(readFileSync(`${dir}glmnet_${name}.json`, 'utf8'));
  const { X, y } = caseData(name);
  const semantics = { alpha: fx.args.alpha ?? 1, intercept: fx.args.intercept ?? true, standardize: fx.args.standardize ?? true };
  const t0 = performance.now();
  const path = lassoPath(X, y, { ...semantics, lambda: fx.lambda, thresh: 1e-14 });
  const ms = performance.now() - t0;
  const { xs, sy } = scales(X, y, semantics.standardize, semantics.intercept);
  const supp = (idx, val) => Array.from(idx).filter((j, t) => Math.abs(val[t]) * xs[j] > 1e-6 * sy).join(',');
  let worstObjective = 0;
  let supportMismatches = 0;
  for (let k = 0; k < fx.lambda.length; k++) {
    const theirs = new Float64Array(X.cols);
    fx.beta[k].indices.forEach((j, t) => (theirs[j] = fx.beta[k].values[t]));
    const fOurs = elasticNetObjective(X, y, path.a0[k], coefficientsAt(path, k, X.cols), fx.lambda[k], semantics);
    const fTheirs = elasticNetObjective(X, y, fx.a0[k], theirs, fx.lambda[k], semantics);
    worstObjective = Math.max(worstObjective, Math.abs(fOurs - fTheirs) / Math.abs(fTheirs));
    if (supp(path.beta[k].indices, path.beta[k].values) !== supp(fx.beta[k].indices, fx.beta[k].values)) supportMismatches++;
  }
  const ok = path.status === 'converged' && worstObjective <= 1e-7 && supportMismatches === 0;
  if (!ok) failures++;
  console.log(JSON.stringify({ fixture: name, n: X.rows, p: X.cols, lambdas: fx.lambda.length, worstRelativeObjective: worstObjective,
    supportMismatches, maxDualityGap: Math.max(...path.dualityGaps), ms: Math.round(ms), ok }));
}
process.exit(failures === 0 ? 0 : 1);
