// Throughput of the @firstorder/gpu WGSL kernels, end to end per call (upload, dispatch, download), beside
// their f32 CPU twins and compress's float64-accumulating LUT kernel. On SwiftShader (a CPU rasterizer)
// these numbers are for the record only; hardware-GPU numbers need a machine with a GPU.
//   node bench/gpu/kernels.bench.mjs [--quick]     (after pnpm build)
// The harness times synchronous calls; GPU calls are async, so this suite times them itself in setup()
// and reports through the harness's "unavailable" line (the times are in that text).
import './setup.mjs'; // SwiftShader's ICD when none is chosen
import { createRng } from '@firstorder/core';
import { runIfMain } from '../lib/harness.mjs';

// bench/package.json does not list these two yet: load the built packages by path.
const gpuLib = await import(new URL('../../packages/gpu/dist/index.js', import.meta.url).href);
const compress = await import(new URL('../../packages/compress/dist/index.js', import.meta.url).href);


const quick = process.argv.includes('--quick');
let ctxPromise;
function context() {
  ctxPromise ??= gpuLib.probeGpu();
  return ctxPromise;
}

function randomF32(rng, n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

async function timeAsync(fn, seconds) {
  await fn(); // warm-up: compiles the pipeline
  let calls = 0;
  const t0 = performance.now();
  do {
    await fn();
    calls++;
  } while (performance.now() - t0 < seconds * 1e3 || calls < 3);
  return (performance.now() - t0) / calls;
}

function timeSync(fn, seconds) {
  fn();
  let calls = 0;
  const t0 = performance.now();
  do {
    fn();
    calls++;
  } while (performance.now() - t0 < seconds * 1e3 || calls < 3);
  return (performance.now() - t0) / calls;
}

function randomPacked(rng, m, n, bits) {
  const codes = new Uint8Array(m * n);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.integer(0, 1 << bits);
  return { codes, books: Float64Array.from(randomF32(rng, m << bits)) };
}

async function measure(n) {
  const probe = await context();
  if (probe.context === null) return { unavailable: `no GPU adapter: ${probe.reason}` };
  const ctx = probe.context;
  const rng = createRng(n);
  const secs = quick ? 0.2 : 1;
  const lines = [];
  const A = { rows: n, cols: n, data: randomF32(rng, n * n) };
  const B = { rows: n, cols: n, data: randomF32(rng, n * n) };
  const gemmFlops = 2 * n ** 3;
  const tg = await timeAsync(() => gpuLib.gemmGpu(ctx, A, B), secs);
  const tc = timeSync(() => gpuLib.gemmF32(A, B), secs);
  lines.push(`gemm ${n}×${n}: gpu ${tg.toFixed(2)} ms (${(gemmFlops / tg / 1e6).toFixed(2)} GFLOP/s end to end), cpu twin ${tc.toFixed(2)} ms`);

  const x = randomF32(rng, n);
  const tv = await timeAsync(() => gpuLib.gemvGpu(ctx, A, x), secs);
  lines.push(`gemv ${n}×${n}: gpu ${tv.toFixed(3)} ms, cpu twin ${timeSync(() => gpuLib.gemvF32(A, x), secs).toFixed(3)} ms`);

  const { codes, books } = randomPacked(rng, n, n, 4);
  const { LutQuantizedMatrix, packLut, lutGemv } = compress;
  const linalg = await import(new URL('../../packages/linalg/dist/index.js', import.meta.url).href);
  const p = packLut(new LutQuantizedMatrix(n, n, 4, codes, new linalg.Matrix(n, 16, books), null));
  const tl = await timeAsync(() => gpuLib.lutGemvGpu(ctx, p, x), secs);
  const tlc = timeSync(() => gpuLib.lutGemvF32(p, x), secs);
  const tlf = timeSync(() => lutGemv(p, x), secs);
  lines.push(`lut mpGEMV 4-bit ${n}×${n}: gpu ${tl.toFixed(3)} ms, cpu twin ${tlc.toFixed(3)} ms, compress lutGemv (f64 acc) ${tlf.toFixed(3)} ms`);
  const batch = 16;
  const X = randomF32(rng, batch * n);
  const tm = await timeAsync(() => gpuLib.lutGemmGpu(ctx, p, X, batch), secs);
  lines.push(`lut mpGEMM 4-bit ${n}×${n}, batch ${batch}: gpu ${tm.toFixed(3)} ms (${((2 * batch * n * n) / tm / 1e6).toFixed(2)} GFLOP/s end to end)`);
  for (const l of lines) console.log(`   ${l}`);
  return { unavailable: `timed asynchronously (${gpuLib.formatGpuInfo(ctx.info)}): ${lines.join('; ')}` };
}

const benchmark = {
  name: 'gpu-kernels',
  description: 'WGSL GEMM / GEMV / LUT mpGEMV / mpGEMM end to end vs f32 CPU twins (SwiftShader: for the record only)',
  ours: 'gpu',
  peers: [],
  sizes: { full: [64, 128, 256], quick: [64] },
  setup: measure,
};

export default benchmark;
await runIfMain(import.meta.url, benchmark);
// Let Node exit: Dawn keeps the process alive while a device exists.
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  (await context()).context?.destroy();
}
