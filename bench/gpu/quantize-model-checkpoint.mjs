// quantizeModel(GANQ) on the committed lm checkpoint with backend 'cpu' and 'gpu': per-layer codes compared.
//   node bench/gpu/quantize-model-checkpoint.mjs [--iterations 2] [--bits 4]    (after pnpm build; slow on SwiftShader)
import { CHECKPOINT_DIR, gpuContextOrExit, numberArg } from './setup.mjs';

const { createRng } = await import('@firstorder/core');
const { loadCheckpoint } = await import('@firstorder/lm');
const { quantizeModel } = await import('@firstorder/compress');
const gpu = await import('@firstorder/gpu');

const iterations = numberArg('iterations', 2);
const bits = numberArg('bits', 4);
const context = await gpuContextOrExit(gpu, { register: true });
const rng = createRng(3);
const calib = { ids: Int32Array.from({ length: 8 * 64 }, () => rng.integer(32, 127)), sequences: 8, seq: 64 };
const opts = { method: 'ganq', bits, ganq: { iterations }, deploy: 'lut' };
const cpuModel = await loadCheckpoint(CHECKPOINT_DIR);
const gpuModel = await loadCheckpoint(CHECKPOINT_DIR);
let t = performance.now();
const rc = await quantizeModel(cpuModel, calib, opts);
const cpuMs = performance.now() - t;
t = performance.now();
const rg = await quantizeModel(gpuModel, calib, { ...opts, backend: 'gpu' });
const gpuMs = performance.now() - t;
console.log(`| layer | m×n | codes differing | relative error CPU | GPU | rel. diff |`);
console.log('|---|---|---|---|---|---|');
let total = 0;
let differ = 0;
for (let l = 0; l < rc.length; l++) {
  const a = cpuModel.getLinear(rc[l].name).packed;
  const b = gpuModel.getLinear(rg[l].name).packed;
  const ca = a.codes;
  const cb = b.codes;
  let d = 0;
  for (let q = 0; q < ca.length; q++) if (ca[q] !== cb[q]) d++; // packed words: a word differs if any code in it does
  total += a.rows * a.cols;
  differ += d;
  const e = rc[l].relativeError;
  const f = rg[l].relativeError;
  console.log(`| ${rc[l].name.replace('model.decoder.layers.', '')} | ${a.rows}×${a.cols} | ${d} words | ${e.toExponential(4)} | ${f.toExponential(4)} | ${(Math.abs(e - f) / e).toExponential(1)} |`);
}
console.log(`\n${bits}-bit, K = ${iterations}, calibration 8 × 64 random printable bytes; packed code words differing: ${differ} (of ${total} codes); CPU ${(cpuMs / 1e3).toFixed(1)} s, GPU (SwiftShader) ${(gpuMs / 1e3).toFixed(1)} s`);
context.destroy();
