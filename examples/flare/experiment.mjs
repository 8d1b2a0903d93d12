// @ts-check
// flare vignette §5 (Li, Zhao, Yuan, Liu, JMLR 16 (2015) 553-557): Table 2 (regression) and Table 3-style
// precision-matrix timings, regenerated with @firstorder/sparse-regression in flare's stopping mode.
import { createRng } from '@firstorder/core';
import { Matrix, cholesky } from '@firstorder/linalg';
import { slim, sugm } from '@firstorder/sparse-regression';
import { startFlare } from '../../bench/sparse-regression/flare-client.mjs';

/** n × d rows ~ N(0, Σ), Σ_jk = 0.5^|j−k| (flare's benchmark design). */
function design(rng, n, d) {
  const S = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) S.data[i * d + j] = 0.5 ** Math.abs(i - j);
  const L = cholesky(S).L;
  const X = new Matrix(n, d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += L.data[j * d + k] * z[k];
      X.data[i * d + j] = s;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 3 * X.data[i * d] + 2 * X.data[i * d + 1] + 1.5 * X.data[i * d + 3] + rng.normal();
  return { X, y };
}

const PAPER_T2 = {
  lad: ['1.1713 (0.2915)', '1.1046 (0.3640)', '1.8103 (0.2919)', '3.1378 (0.7753)'],
  lq: ['12.995 (0.5535)', '14.071 (0.5966)', '14.382 (0.7390)', '16.936 (0.5696)'],
  dantzig: ['0.3245 (0.1871)', '1.5360 (1.8566)', '4.4669 (5.9929)', '17.034 (23.202)'],
  sqrt: ['0.4888 (0.0264)', '0.7330 (0.1234)', '0.9485 (0.2167)', '1.2761 (0.1510)'],
  lasso: ['0.0920 (0.0013)', '0.1222 (0.0009)', '0.2328 (0.0037)', '0.6510 (0.0051)'],
};
const PAPER_T3 = { tiger: ['1.0637 (0.0361)', '4.6251 (0.0807)', '7.1860 (0.0795)', '11.085 (0.1715)'], clime: ['2.5761 (0.3807)', '20.137 (3.2258)', '42.882 (18.188)', '112.50 (11.561)'] };

/** Runs flare's slim on (X, y) with its defaults and ours on flare's λ path; one row of the parity table. */
function slimParity(flare, m, label, X, y, d, nl) {
  const id = `${m}-${d}`;
  const q = m === 'lad' ? 1 : m === 'lq' ? 1.5 : 2;
  flare.load({ id, kind: 'slim', method: m === 'lad' || m === 'sqrt' ? 'lq' : m, q, nlambda: nl, X, y });
  const f = flare.result(id);
  const t = performance.now();
  const fit = slim(X, y, { method: m, q, lambda: f.lambda });
  const sec = (performance.now() - t) / 1000;
  let diff = 0;
  let scale = 0;
  const L = f.lambda.length;
  for (let k = 0; k < L; k++) {
    const col = new Float64Array(d);
    for (let e = fit.beta.colPtr[k]; e < fit.beta.colPtr[k + 1]; e++) col[fit.beta.rowIndices[e]] = fit.beta.values[e];
    for (let j = 0; j < d; j++) {
      diff = Math.max(diff, Math.abs(col[j] - f.beta[k * d + j]));
      scale = Math.max(scale, Math.abs(f.beta[k * d + j]));
    }
  }
  const dfSame = f.df.every((v, k) => v === fit.df[k]);
  const last = [];
  for (let e = fit.beta.colPtr[L - 1]; e < fit.beta.colPtr[L]; e++) last.push(fit.beta.rowIndices[e] + 1);
  return [label, d, `${L}: ${f.lambda[0].toPrecision(3)}…${f.lambda[L - 1].toPrecision(3)}`, f.wall.toFixed(3), sec.toFixed(3), diff.toExponential(2), (diff / scale).toExponential(2),
    dfSame ? `equal (last ${f.df[L - 1]})` : `differ: ${Array.from(fit.df).join(',')} vs ${f.df.join(',')}`, last.length <= 12 ? `{${last.join(', ')}}` : `${last.length} variables`];
}

/** The same for sugm: flare's defaults, ours on flare's λ. */
function sugmParity(flare, method, X, d, nl) {
  const id = `${method}-${d}`;
  flare.load({ id, kind: 'sugm', method, nlambda: nl, X });
  const f = flare.result(id);
  const t = performance.now();
  const fit = sugm(X, { method, lambda: f.lambda });
  const sec = (performance.now() - t) / 1000;
  let diff = 0;
  let scale = 0;
  let flareNz = 0;
  f.lambda.forEach((_, k) => {
    const M = fit.icov[k];
    const dense = new Float64Array(d * d);
    for (let c = 0; c < d; c++) for (let e = M.colPtr[c]; e < M.colPtr[c + 1]; e++) dense[c * d + M.rowIndices[e]] = M.values[e];
    for (let t2 = 0; t2 < d * d; t2++) {
      diff = Math.max(diff, Math.abs(dense[t2] - f.icov[k][t2]));
      scale = Math.max(scale, Math.abs(f.icov[k][t2]));
    }
  });
  const lastF = f.icov[f.lambda.length - 1];
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j && lastF[j * d + i] !== 0) flareNz++;
  let oursNz = 0;
  const lastO = fit.icov[fit.icov.length - 1];
  for (let c = 0; c < d; c++) for (let e = lastO.colPtr[c]; e < lastO.colPtr[c + 1]; e++) if (lastO.rowIndices[e] !== c && lastO.values[e] !== 0) oursNz++;
  return [method.toUpperCase(), d, `${f.lambda.length}: ${f.lambda[0].toPrecision(3)}…${f.lambda[f.lambda.length - 1].toPrecision(3)}`, f.wall.toFixed(3), sec.toFixed(3), diff.toExponential(2), (diff / scale).toExponential(2),
    `${oursNz} / ${flareNz}`];
}

export default {
  name: 'flare',
  title: "flare's Table 2 (sparse regression) and Table 3-style precision-matrix timings, ours in flare's stopping mode",
  paper: 'Li, Zhao, Yuan, Liu, The flare package, JMLR 16 (2015) 553-557; vignette §5 Tables 2-3',
  async run({ quick, seed, log }) {
    const rng = createRng(seed);
    const n = 100;
    const ds = quick ? [375] : [375, 750, 1500, 3000];
    const methods = [['lad', 'LAD lasso'], ['lq', 'ℓ1.5 lasso'], ['dantzig', 'Dantzig'], ['sqrt', 'SQRT lasso'], ['lasso', 'Lasso']];
    const nl = quick ? 5 : 20;
    const rows = [];
    const timings = {};
    // flare itself on the same data, when R can load it (R_LIBS): parity at the paper's sizes, reported here.
    const flare = startFlare();
    if (!flare.available) log(`flare is not available (${flare.reason}): the parity tables are left out`);
    const parity = [];
    const parity3 = [];
    for (const [m, label] of methods) {
      const row = [label];
      for (const d of ds) {
        const { X, y } = design(rng, n, d);
        const t = performance.now();
        const fit = slim(X, y, { method: m, q: 1.5, nlambda: nl, lambdaMinRatio: m === 'dantzig' ? 0.5 : 0.2 });
        const sec = (performance.now() - t) / 1000;
        timings[`${m}-${d}`] = sec;
        row.push(`${sec.toFixed(3)} (df ${fit.df[nl - 1]})`);
        log(`${label} d=${d}: ${sec.toFixed(3)} s, df at the smallest λ ${fit.df[nl - 1]}`);
        if (flare.available) parity.push(slimParity(flare, m, label, X, y, d, nl));
      }
      rows.push(row);
    }
    const dg = quick ? [50, 100] : [100, 200, 300, 400];
    const rows3 = [];
    for (const method of ['tiger', 'clime']) {
      const row = [method.toUpperCase()];
      for (const d of dg) {
        const { X } = design(rng, n, d);
        const t = performance.now();
        const fit = sugm(X, { method, nlambda: quick ? 3 : 5 });
        const sec = (performance.now() - t) / 1000;
        timings[`${method}-${d}`] = sec;
        row.push(`${sec.toFixed(3)} (sparsity ${fit.sparsity[fit.sparsity.length - 1].toFixed(3)})`);
        log(`${method} d=${d}: ${sec.toFixed(3)} s`);
        if (flare.available) parity3.push(sugmParity(flare, method, X, d, quick ? 3 : 5));
      }
      rows3.push(row);
    }
    if (flare.available) flare.close();
    const parityTables = flare.available
      ? [
          {
            title: `Parity with flare ${flare.version} at the paper's sizes (same data; ours given flare's default λ path): max |Δβ| on the original scale, df`,
            columns: ['method', 'd', 'λ', 'flare s', 'ours s', 'max |Δβ|', '÷ max |β|', 'df (ours = flare?)', 'support of the last β'],
            rows: parity,
          },
          {
            title: `Parity with flare ${flare.version}, precision matrices (same data; flare's default λ path)`,
            columns: ['method', 'd', 'λ', 'flare s', 'ours s', 'max |ΔΩ|', '÷ max |Ω|', 'nonzero off-diagonals of Ω at the last λ (ours / flare)'],
            rows: parity3,
          },
        ]
      : [];
    return {
      summary:
        `One run per cell (the vignette averages 100 replications on an Intel Core i5 3.3 GHz), n = ${n}, ` +
        `Σ_jk = 0.5^|j−k|, y = 3x₁ + 2x₂ + 1.5x₄ + ε, prec 1e-5 (sugm 1e-4), ${nl} λ values per path from each method's λ_max ` +
        `down to 0.2·λ_max (Dantzig 0.5·λ_max) — the vignette tuned ranges to equal sparsity, which we do not reproduce exactly. ` +
        'Times in seconds on this machine; the paper\'s are quoted beside them.',
      tables: [
        { title: 'Table 2: regression path timings, seconds (df at the smallest λ)', columns: ['method', ...ds.map((d) => `d=${d}`)], rows },
        { title: 'Table 3 style: precision matrix, seconds', columns: ['method', ...dg.map((d) => `d=${d}`)], rows: rows3 },
        ...parityTables,
      ],
      plots: [],
      paper: {
        source: 'flare vignette (vignettes/flare.pdf) §5, Table 2 (regression, 20 λ, 100 replications) and Table 3 (precision matrix: TIGER, CLIME)',
        quoted: {
          title: 'Published flare timings, seconds (s.e.); columns d = 375, 750, 1500, 3000 (regression) and d = 100, 200, 300, 400 (precision)',
          columns: ['method', 'col 1', 'col 2', 'col 3', 'col 4'],
          rows: [
            ['LAD lasso', ...PAPER_T2.lad], ['ℓ1.5 lasso', ...PAPER_T2.lq], ['Dantzig', ...PAPER_T2.dantzig], ['SQRT lasso', ...PAPER_T2.sqrt],
            ['Lasso', ...PAPER_T2.lasso], ['TIGER', ...PAPER_T3.tiger], ['CLIME', ...PAPER_T3.clime],
          ],
        },
        comparison: 'Different machine, one replication and not the paper\'s tuned λ ranges: compare orders of magnitude and the ordering of methods only; a same-machine comparison against flare\'s C code belongs in bench/.',
      },
      data: { timings, n, ds, dg, flare: flare.available ? flare.version : flare.reason, parity, parity3 },
    };
  },
};
