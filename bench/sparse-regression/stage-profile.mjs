// Iteration counts per stage and time of one slim() path on the vs-flare case <method>-<d> (same seed, flare's 20-λ
// default path as computed by ours), repeated; for profiling against flare's counts.
//   pnpm build && node bench/sparse-regression/stage-profile.mjs sqrt|lad|lasso|lq|dantzig|tiger|clime <d> [repeats]
import { slim, sugm } from '@firstorder/sparse-regression';
import { table2Design } from './data.mjs';

const [method = 'sqrt', dArg = '750', repArg = '5'] = process.argv.slice(2);
const d = Number(dArg);
const isSugm = method === 'tiger' || method === 'clime';
// the vs-flare cases' data: slim on seed 20150 + d with 20 λ, sugm on seed 30150 + d with 5 λ
const { X, y } = table2Design(100, d, (isSugm ? 30150 : 20150) + d);
const opts = isSugm ? { method, nlambda: 5 } : { method, nlambda: 20, q: method === 'lq' ? 1.5 : 2 };
const solve = () => (isSugm ? sugm(X, opts) : slim(X, y, opts));
let fit = solve();
const times = [];
for (let r = 0; r < Number(repArg); r++) {
  const c0 = process.cpuUsage();
  fit = solve();
  const cu = process.cpuUsage(c0);
  times.push((cu.user + cu.system) / 1e3);
}
const sum = (a) => a.reduce((s, v) => s + v, 0);
const counts = (m) => (m.data ? Array.from(m.data) : Array.from(m));
if (isSugm) {
  console.log(JSON.stringify({ method, d, cpuMs: times.map(Math.round), df: Array.from(fit.df),
    it1: sum(counts(fit.iterations.stage1)), it2: sum(counts(fit.iterations.stage2)), itf: sum(counts(fit.iterations.full)) }));
  process.exit(0);
}
console.log(JSON.stringify({ method, d, cpuMs: times.map(Math.round), df: Array.from(fit.df),
  it1: sum(fit.iterations.stage1), it2: sum(fit.iterations.stage2), itf: sum(fit.iterations.full),
  stage1: Array.from(fit.iterations.stage1), stage2: Array.from(fit.iterations.stage2), full: Array.from(fit.iterations.full) }));
