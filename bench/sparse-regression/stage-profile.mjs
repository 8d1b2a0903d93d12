// Iteration counts per stage and time of one slim() path on the vs-flare case <method>-<d> (same seed, flare's 20-λ
// default path as computed by ours), repeated; for profiling against flare's counts.
//   pnpm build && node bench/sparse-regression/stage-profile.mjs sqrt 750 [repeats]
import { slim } from '@firstorder/sparse-regression';
import { table2Design } from './data.mjs';

const [method = 'sqrt', dArg = '750', repArg = '5'] = process.argv.slice(2);
const d = Number(dArg);
const { X, y } = table2Design(100, d, 20150 + d);
const opts = { method, nlambda: 20, q: method === 'lq' ? 1.5 : 2 };
let fit = slim(X, y, opts);
const times = [];
for (let r = 0; r < Number(repArg); r++) {
  const c0 = process.cpuUsage();
  fit = slim(X, y, opts);
  const cu = process.cpuUsage(c0);
  times.push((cu.user + cu.system) / 1e3);
}
const sum = (a) => a.reduce((s, v) => s + v, 0);
console.log(JSON.stringify({ method, d, cpuMs: times.map(Math.round), df: Array.from(fit.df),
  it1: sum(fit.iterations.stage1), it2: sum(fit.iterations.stage2), itf: sum(fit.iterations.full),
  stage1: Array.from(fit.iterations.stage1), stage2: Array.from(fit.iterations.stage2), full: Array.from(fit.iterations.full) }));
