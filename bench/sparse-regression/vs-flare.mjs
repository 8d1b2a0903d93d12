// slim() / sugm() (@firstorder/sparse-regression) vs flare 1.8's own C code, in one run on the same data:
// flare's Table 2 design (vignette §5: n = 100, Σ_jk = 0.5^{|j−k|}, y = 3x₁ + 2x₂ + 1.5x₄ + ε), 20 λ from flare's
// default path, which we pass to ours through `lambda` so both solve the same problems; sugm (TIGER, CLIME) with
// flare's defaults (5 λ) on the same Σ. Reports time ratio ours / flare and max |β_ours − β_flare| (original scale).
//   pnpm build && R_LIBS=/tmp/Rlib node bench/sparse-regression/vs-flare.mjs [--quick] [--repeat r] [--warmup rounds] [--only lad-375,clime-100] [--out file.md]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, machineMarkdown } from '../lib/harness.mjs';
// The bench workspace does not list @firstorder/sparse-regression; import the built package by path.
import { slim, sugm } from '@firstorder/sparse-regression';
import { table2Design } from './data.mjs';
import { startFlare } from './flare-client.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const outPath = outIndex >= 0 ? args[outIndex + 1] : join(here, '..', 'out', 'sparse-regression-vs-flare.md');
const n = 100;
const slimDims = quick ? [375, 750] : [375, 750, 1500, 3000];
const sugmDims = quick ? [100] : [100, 200, 400];
const methods = [
  { label: 'LAD lasso', method: 'lad', flare: 'lq', q: 1 },
  { label: 'ℓ1.5 lasso', method: 'lq', flare: 'lq', q: 1.5 },
  { label: 'Dantzig', method: 'dantzig', flare: 'dantzig' },
  { label: 'SQRT lasso', method: 'sqrt', flare: 'lq', q: 2 },
  { label: 'Lasso', method: 'lasso', flare: 'lasso' },
];

const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(',')) : undefined;
const repIndex = args.indexOf('--repeat');
const repeat = repIndex >= 0 ? Number(args[repIndex + 1]) : quick ? 1 : 3;
const cases = [];
for (const d of slimDims) {
  const { X, y } = table2Design(n, d, 20150 + d);
  for (const m of methods) cases.push({ id: `${m.method}-${d}`, kind: 'slim', X, y, d, method: m.flare, q: m.q ?? 2, nlambda: 20, m });
}
for (const d of sugmDims) {
  const { X } = table2Design(n, d, 30150 + d);
  for (const method of ['tiger', 'clime']) cases.push({ id: `${method}-${d}`, kind: 'sugm', X, d, method, nlambda: 5 });
}
const infoAtStart = machineInfo();
const selected = only ? cases.filter((c) => only.has(c.id)) : cases;
const flare = startFlare();
if (!flare.available) {
  console.error(`flare is not available: ${flare.reason}`);
  process.exit(2);
}

// JIT warm-up on small problems of each kind (other data than the cases), repeated until V8's optimizing tier has
// compiled the kernels (about ten calls of each; fewer leave the first cases to run partly unoptimized code), so a
// compile is not billed to the first cases. flare's C code needs no warm-up; its first run per case is untimed too.
const warmIndex = args.indexOf('--warmup');
const warmRounds = warmIndex >= 0 ? Number(args[warmIndex + 1]) : 10;
{
  const t0 = performance.now();
  const { X, y } = table2Design(n, 120, 1);
  const Xs = table2Design(n, 40, 2).X;
  for (let r = 0; r < warmRounds; r++) {
    for (const m of methods) slim(X, y, { method: m.method, q: m.q ?? 2, nlambda: 10 });
    for (const method of ['tiger', 'clime']) sugm(Xs, { method, nlambda: 3 });
  }
  console.error(`JIT warm-up: ${warmRounds} rounds, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const median = (a) => [...a].sort((u, v) => u - v)[a.length >> 1];
const rows = [];
for (const cs of selected) {
  flare.load(cs);
  const f = flare.result(cs.id); // flare's path and solutions (this run is not timed)
  const runOurs = () => (cs.kind === 'slim' ? slim(cs.X, cs.y, { method: cs.m.method, q: cs.m.q ?? 2, lambda: f.lambda }) : sugm(cs.X, { method: cs.method, lambda: f.lambda }));
  const oursCpu = [];
  const oursWall = [];
  const flareCpu = [];
  const flareWall = [];
  // One untimed run of ours too (flare's untimed run is the one that returned its path above): both sides start warm.
  let fit = runOurs();
  // Interleaved: flare, ours, flare, ours, … so both sides see the same machine load.
  for (let r = 0; r < repeat; r++) {
    const t = flare.run(cs.id);
    flareCpu.push(t.cpu);
    flareWall.push(t.wall);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fit = runOurs();
    oursWall.push((performance.now() - t0) / 1000);
    const cu = process.cpuUsage(c0);
    oursCpu.push((cu.user + cu.system) / 1e6);
  }
  let diff = 0;
  let scale = 0;
  let extra = '';
  if (cs.kind === 'slim') {
    const L = f.lambda.length;
    for (let k = 0; k < L; k++) {
      const col = new Float64Array(cs.d);
      for (let e = fit.beta.colPtr[k]; e < fit.beta.colPtr[k + 1]; e++) col[fit.beta.rowIndices[e]] = fit.beta.values[e];
      for (let j = 0; j < cs.d; j++) {
        const b = f.beta[k * cs.d + j];
        diff = Math.max(diff, Math.abs(col[j] - b));
        scale = Math.max(scale, Math.abs(b));
      }
    }
    const dfSame = f.df.every((v, k) => v === fit.df[k]);
    extra = `df ${dfSame ? 'equal' : `differ (${Array.from(fit.df).join(',')} vs ${f.df.join(',')})`}; last df ${f.df[L - 1]}`;
  } else {
    for (let k = 0; k < f.lambda.length; k++) {
      const M = fit.icov[k];
      const col = new Float64Array(cs.d * cs.d);
      for (let c = 0; c < cs.d; c++) for (let e = M.colPtr[c]; e < M.colPtr[c + 1]; e++) col[c * cs.d + M.rowIndices[e]] = M.values[e];
      for (let t = 0; t < col.length; t++) {
        diff = Math.max(diff, Math.abs(col[t] - f.icov[k][t]));
        scale = Math.max(scale, Math.abs(f.icov[k][t]));
      }
    }
    extra = `sparsity at last λ ${fit.sparsity[fit.sparsity.length - 1].toFixed(4)}`;
  }
  const label = cs.kind === 'slim' ? cs.m.label : cs.method.toUpperCase();
  const row = { label, d: cs.d, flareS: median(flareWall), oursS: median(oursWall), flareCpu: median(flareCpu), oursCpu: median(oursCpu), diff, rel: diff / Math.max(scale, 1e-300), extra };
  rows.push(row);
  console.error(`${cs.id}: ours ${row.oursCpu.toFixed(3)} s cpu, ${row.oursS.toFixed(3)} s wall; flare ${row.flareCpu.toFixed(3)} s cpu, ${row.flareS.toFixed(3)} s wall (medians of ${repeat}); ratio cpu ${(row.oursCpu / row.flareCpu).toFixed(2)}; max|diff| ${diff.toExponential(2)}`);
}
flare.close();

const info = infoAtStart;
const command = `R_LIBS=/tmp/Rlib node bench/sparse-regression/vs-flare.mjs ${args.filter((a, k) => !(outIndex >= 0 && (k === outIndex || k === outIndex + 1))).join(' ')}`.trim();
const table = [
  '| method | d | flare 1.8 CPU (s) | ours CPU (s) | ours / flare CPU | flare wall (s) | ours wall (s) | ours / flare wall | max \\|Δβ\\| (or \\|ΔΩ\\|) | relative to max \\|flare\\| | notes |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.d} | ${r.flareCpu.toFixed(3)} | ${r.oursCpu.toFixed(3)} | ${(r.oursCpu / r.flareCpu).toFixed(2)} | ${r.flareS.toFixed(3)} | ${r.oursS.toFixed(3)} | ${(r.oursS / r.flareS).toFixed(2)} | ${r.diff.toExponential(2)} | ${r.rel.toExponential(2)} | ${r.extra} |`),
].join('\n');
const report = [
  `## sparse-regression vs flare 1.8 (${info.date.slice(0, 10)}${quick ? ', quick' : ''})`,
  '',
  machineMarkdown(info, command),
  `- data: flare's Table 2 design, n = ${n}; slim: flare's default 20-λ path per method, passed to ours via \`lambda\`; sugm: flare's defaults (5 λ), flare's λ passed to ours`,
  `- ${repeat} timed run(s) per case and side, interleaved (flare, ours, flare, ours, …) so both see the same machine load; medians reported. flare ${flare.version}: system.time around slim()/sugm() in one long-lived R process (flare-server.R; no R start-up in the time); ours: performance.now / process.cpuUsage around slim()/sugm(). Before the cases, ours runs ${warmRounds} rounds of every method on small problems of other data (JIT warm-up); each side then runs every case once untimed (flare's run returns the path it is compared with). CPU = user + system seconds of the process: the machine is shared, so CPU time is the steadier comparison; wall time is listed too`,
  '- time ratio < 1: ours is faster',
  '',
  table,
].join('\n');
console.log(report);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${report}\n`);
