// Digests of the exact outputs (β values and pattern, iteration counts, gaps, objectives; sugm Ω and counts) of 50 fits
// across methods, sizes and both stopping modes: run before and after a kernel change and diff the JSON to show the
// change is bitwise neutral.  pnpm build && node bench/sparse-regression/bitcheck.mjs > before.json
import { createHash } from 'node:crypto';
import { slim, sugm, sugmGenerator } from '@firstorder/sparse-regression';
import { table2Design } from './data.mjs';
const out = {};
const h = (arrs) => { const c = createHash('sha1'); for (const a of arrs) c.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)); return c.digest('hex').slice(0, 16); };
const slimCase = (name, X, y, o) => { const f = slim(X, y, o); out[name] = h([f.beta.values, f.beta.rowIndices, f.iterations.stage1, f.iterations.stage2, f.iterations.full, f.gap, f.objective]); };
for (const d of [60, 200, 375]) {
  const { X, y } = table2Design(100, d, 20150 + d);
  for (const m of ['sqrt', 'lad', 'lasso', 'dantzig', 'lq']) {
    slimCase(`${m}-${d}`, X, y, { method: m, nlambda: 10, q: 1.5 });
    slimCase(`${m}-${d}-strict`, X, y, { method: m, nlambda: 4, q: 1.5, stopping: 'strict', gapTolerance: 1e-7 });
  }
}
{
  const { X, y } = table2Design(100, 750, 20150 + 750);
  slimCase('lad-750-path20', X, y, { method: 'lad', nlambda: 20 });
  slimCase('sqrt-750-path20', X, y, { method: 'sqrt', nlambda: 20 });
  for (const maxIter of [7, 50, 2000]) for (const m of ['lad', 'sqrt']) {
    slimCase(`${m}-750-maxIter${maxIter}`, X, y, { method: m, nlambda: 6, maxIter });
    slimCase(`${m}-750-maxIter${maxIter}-strict`, X, y, { method: m, nlambda: 3, maxIter, stopping: 'strict' });
  }
}
{ const { X, y } = table2Design(50, 30, 7); for (const m of ['sqrt', 'lad']) slimCase(`${m}-lowdim`, X, y, { method: m, nlambda: 8 }); }
for (const method of ['tiger', 'clime']) for (const dd of [40, 100]) {
  const { data } = sugmGenerator({ n: 100, d: dd, graph: 'hub', seed: 3 });
  const f = sugm(data, { method, nlambda: 5 });
  out[`${method}-${dd}`] = h([...f.icov.map((M) => M.values), f.iterations.stage1.data, f.iterations.stage2.data, f.iterations.full.data, ...f.icov.map((M) => M.rowIndices)]);
}
console.log(JSON.stringify(out, null, 0));
