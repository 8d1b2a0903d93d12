// Side-by-side timing of lassoPath (default options, as glmnet(x, y)) and R glmnet on the same data,
// alternating the two in each round so both see the same machine load; reports the best of each.
// Usage (repo root, after pnpm build and write-inputs.mjs): node packages/bcd/bench/vs-glmnet.mjs [inDir] [rounds]
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lassoPath } from '../dist/index.js';
import { FHT_CASES } from '../test/fixtures/cases.mjs';
import { BOSTON_CSV, caseData } from './data.mjs';

const inDir = process.argv[2] ?? '/tmp/bcd-inputs';
const rounds = Number(process.argv[3] ?? 3);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
copyFileSync(BOSTON_CSV, `${inDir}/boston.csv`);

function timeOurs(X, y, options) {
  let best = Infinity;
  let fit;
  for (let r = 0; r < 5; r++) {
    let inner = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) fit = lassoPath(X, y, options);
      const t = performance.now() - t0;
      if (t >= 50 || inner >= 1024) {
        best = Math.min(best, t / inner);
        break;
      }
      inner *= 4;
    }
  }
  return { ms: best, fit };
}

const cases = [...FHT_CASES, { name: 'boston', alpha: 1 }];
const rows = [];
for (const c of cases) {
  const { X, y } = caseData(c.name);
  let ours = Infinity;
  let theirs = Infinity;
  let oursNoCert = Infinity;
  let fit;
  let theirLength = 0;
  for (let round = 0; round < rounds; round++) {
    const out = execFileSync('Rscript', [here('./time_glmnet.R'), inDir, c.name, '3', String(c.alpha)], { encoding: 'utf8' });
    const [ms, len] = out.trim().split(/\s+/).map(Number);
    theirs = Math.min(theirs, ms);
    theirLength = len;
    const a = timeOurs(X, y, { alpha: c.alpha });
    ours = Math.min(ours, a.ms);
    fit = a.fit;
    oursNoCert = Math.min(oursNoCert, timeOurs(X, y, { alpha: c.alpha, certificates: false }).ms);
  }
  rows.push({ case: c.name, n: X.rows, p: X.cols, method: fit.method, nlambdaOurs: fit.lambda.length, nlambdaGlmnet: theirLength,
    glmnetMs: +theirs.toFixed(2), lassoPathMs: +ours.toFixed(2), lassoPathNoCertMs: +oursNoCert.toFixed(2),
    ratio: +(ours / theirs).toFixed(2), ratioNoCert: +(oursNoCert / theirs).toFixed(2) });
  console.log(JSON.stringify(rows[rows.length - 1]));
}
console.log(`node ${process.version}; ${rounds} alternating rounds; best-of times; glmnet via Rscript (fit time only, inside R)`);
