// Dense vs FASP-pruned forward (8 × 128 bytes, median of 9, interleaved) on both linalg backends: node examples/fasp/speed-check.mjs
import { createRng } from '@firstorder/core';
import { setBackend } from '@firstorder/linalg';
import { loadCheckpoint } from '@firstorder/lm';
import { cloneDenseModel, pruneModel } from '@firstorder/compress';
import { CHECKPOINT_DIR, mobyDickSplit } from '../lm-train/experiment.mjs';
const rng = createRng(1);
const { train } = mobyDickSplit();
const model = await loadCheckpoint(CHECKPOINT_DIR);
const seq = model.config.maxPositionEmbeddings;
const ids = new Int32Array(32 * seq);
for (let s = 0; s < 32; s++) { const st = rng.integer(0, train.length - seq); ids.set(train.subarray(st, st + seq), s * seq); }
const models = { dense: model };
for (const sp of [0.3, 0.5]) models[`fasp ${sp}`] = (await pruneModel(cloneDenseModel(model), { ids, sequences: 32, seq }, { method: 'fasp', sparsity: sp })).model;
const x = ids.subarray(0, 8 * seq);
for (const backend of ['wasm', 'js']) {
  setBackend(backend);
  const ms = Object.fromEntries(Object.keys(models).map((k) => [k, []]));
  for (const m of Object.values(models)) m.forward(x, 8, seq);
  for (let r = 0; r < 9; r++) for (const [k, m] of Object.entries(models)) { const t = performance.now(); m.forward(x, 8, seq); ms[k].push(performance.now() - t); }
  const med = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v.sort((a, b) => a - b)[4]]));
  console.log(backend, Object.entries(med).map(([k, v]) => `${k} ${v.toFixed(1)} ms (${(med.dense / v).toFixed(2)}×)`).join(', '));
}
