// lm forward of the committed checkpoint with `{ backend: 'gpu' }` (linear layers on the GPU, weights resident
// after the first call) beside the CPU forward, dense and LUT-deployed (RTN 4-bit). On SwiftShader these
// numbers are for the record only.
//   node bench/gpu/forward.bench.mjs [--tokens 32] [--batch 1]     (after pnpm build)
import { CHECKPOINT_DIR, gpuContextOrExit, numberArg } from './setup.mjs';

const { createRng } = await import('@firstorder/core');
const { loadCheckpoint } = await import('@firstorder/lm');
const { quantizeModel } = await import('@firstorder/compress');
const gpu = await import('@firstorder/gpu'); // importing registers the 'gpu' | 'auto' providers

const seq = numberArg('tokens', 32);
const batch = numberArg('batch', 1);

const context = await gpuContextOrExit(gpu, { register: true });

const rng = createRng(1);
const ids = Int32Array.from({ length: batch * seq }, () => rng.integer(32, 127));

function maxRel(a, b) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

async function row(label, model) {
  const cpuTimes = [];
  let cpu;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    cpu = model.forward(ids, batch, seq).slice();
    cpuTimes.push(performance.now() - t);
  }
  let t = performance.now();
  const first = (await model.forward(ids, batch, seq, { backend: 'gpu' })).slice();
  const firstMs = performance.now() - t;
  const again = [];
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    await model.forward(ids, batch, seq, { backend: 'gpu' });
    again.push(performance.now() - t);
  }
  await model.releaseBackend();
  const tokens = batch * seq;
  const best = (xs) => Math.min(...xs);
  console.log(
    `| ${label} | ${batch}×${seq} | ${best(cpuTimes).toFixed(1)} ms (${((tokens / best(cpuTimes)) * 1e3).toFixed(0)} tok/s) | ${firstMs.toFixed(0)} ms | ${best(again).toFixed(0)} ms (${((tokens / best(again)) * 1e3).toFixed(0)} tok/s) | ${maxRel(first, cpu).toExponential(1)} |`,
  );
}

const model = await loadCheckpoint(CHECKPOINT_DIR);
console.log(`checkpoint: ${model.numParameters} parameters, ${model.config.numHiddenLayers} layers, d = ${model.config.hiddenSize}`);
console.log('| layers | batch×seq | CPU forward (best of 3) | GPU first forward (uploads, compiles) | GPU resident (best of 3) | max |Δlogit| / max |logit| |');
console.log('|---|---|---|---|---|---|');
await row('dense f32', model);
const calib = { ids: Int32Array.from({ length: 4 * 64 }, () => rng.integer(32, 127)), sequences: 4, seq: 64 };
await quantizeModel(model, calib, { method: 'rtn', bits: 4, deploy: 'lut' });
await row('LUT 4-bit (RTN)', model);
context.destroy();
