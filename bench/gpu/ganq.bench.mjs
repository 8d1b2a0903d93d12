// GANQ per-layer time: compress's float64 CPU ganq vs the WebGPU backend (double-f32 WGSL S-step and
// cluster-Gram T-step, float64 host solves) on synthetic LLM-like layers (no trained checkpoint is
// committed). One run per size (K = 10 iterations, 4 bits), the codes compared with the CPU's. On
// SwiftShader (a CPU rasterizer) the GPU column is for the record only.
//   node bench/gpu/ganq.bench.mjs [--quick]     (after pnpm build)
import './setup.mjs'; // SwiftShader's ICD when none is chosen
import { createRng } from '@firstorder/core';
import { runIfMain } from '../lib/harness.mjs';

const gpuLib = await import(new URL('../../packages/gpu/dist/index.js', import.meta.url).href);
const compress = await import(new URL('../../packages/compress/dist/index.js', import.meta.url).href);
const linalg = await import(new URL('../../packages/linalg/dist/index.js', import.meta.url).href);


let ctxPromise;
function context() {
  ctxPromise ??= gpuLib.probeGpu();
  return ctxPromise;
}

/** Student-t(4) weights (every 17th row 4× larger); H = X Xᵀ from low-rank correlated inputs with outlier channels. */
function layer(seed, m, n) {
  const rng = createRng(seed);
  const t4 = () => {
    let chi = 0;
    for (let i = 0; i < 4; i++) chi += rng.normal() ** 2;
    return rng.normal() / Math.sqrt(chi / 4);
  };
  const W = new linalg.Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W.data[i * n + j] = 0.02 * (i % 17 === 3 ? 4 : 1) * t4();
  const p = 2 * n;
  const r = Math.max(4, n >> 3);
  const Z = new linalg.Matrix(r, p);
  rng.fillNormal(Z.data);
  const A = new linalg.Matrix(n, r);
  for (let q = 0; q < n * r; q++) A.data[q] = rng.normal() / Math.sqrt((q % r) + 1);
  const X = linalg.gemm(A, Z);
  for (let q = 0; q < n * p; q++) X.data[q] += 0.3 * rng.normal();
  for (const i of rng.sample(n, Math.max(1, n >> 6))) for (let t = 0; t < p; t++) X.data[i * p + t] *= 30;
  return { W, H: linalg.syrk(X) };
}

async function measure(size) {
  const probe = await context();
  const [m, n] = [size, 2 * size];
  const { W, H } = layer(size, m, n);
  const opts = { bits: 4, iterations: 10 };
  let t0 = performance.now();
  const cpu = compress.ganq(W, H, opts);
  const tCpu = performance.now() - t0;
  const parts = [`ganq 4-bit K=10 layer ${m}×${n}: cpu float64 ${tCpu.toFixed(0)} ms`];
  if (probe.context !== null) {
    const backend = gpuLib.createGpuGanqBackend(probe.context);
    await compress.ganq(W, H, { ...opts, iterations: 0, backend }); // compiles the pipelines
    t0 = performance.now();
    const gpu = await compress.ganq(W, H, { ...opts, backend });
    const tGpu = performance.now() - t0;
    let diff = 0;
    for (let q = 0; q < cpu.codes.length; q++) if (cpu.codes[q] !== gpu.codes[q]) diff++;
    const rel = Math.abs(gpu.objective - cpu.objective) / cpu.objective;
    parts.push(`gpu ${tGpu.toFixed(0)} ms (${(tCpu / tGpu).toFixed(2)}× cpu; ${diff}/${cpu.codes.length} codes differ, objective rel. diff ${rel.toExponential(1)})`);
  } else {
    parts.push(`gpu unavailable (${probe.reason})`);
  }
  const line = parts.join(', ');
  console.log(`   ${line}`);
  return { unavailable: `timed once (${probe.context ? gpuLib.formatGpuInfo(probe.context.info) : 'no adapter'}): ${line}` };
}

const benchmark = {
  name: 'gpu-ganq',
  description: 'GANQ per-layer time, compress float64 CPU vs WebGPU backend (SwiftShader: for the record only)',
  ours: 'gpu',
  peers: [],
  sizes: { full: [32, 64, 128], quick: [32] },
  setup: measure,
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  (await context()).context?.destroy();
}
