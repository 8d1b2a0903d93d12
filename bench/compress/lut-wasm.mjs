// LUT mpGEMM through compress lutGemm: TypeScript kernel vs the f32 WebAssembly module, interleaved, best of 5 (lm shapes, 3/4 bits).
//   pnpm build && node bench/compress/lut-wasm.mjs
import { createRng } from '@firstorder/core';
import { Matrix, setBackend } from '@firstorder/linalg';
import { LutQuantizedMatrix, lutGemm, packLut } from '@firstorder/compress';

function packed(seed, m, n, bits) {
  const rng = createRng(seed);
  const codes = new Uint8Array(m * n);
  for (let p = 0; p < codes.length; p++) codes[p] = rng.integer(0, 1 << bits);
  const books = new Matrix(m, 1 << bits, rng.fillNormal(new Float64Array(m << bits)));
  return { p: packLut(new LutQuantizedMatrix(m, n, bits, codes, books, null)), rng };
}
const cases = [];
for (const bits of [3, 4]) for (const [inF, outF] of [[128, 512], [512, 128]]) for (const batch of [1024, 1]) cases.push({ bits, inF, outF, batch });
for (const c of cases) {
  const { p, rng } = packed(1, c.outF, c.inF, c.bits);
  const X = rng.fillNormal(new Float32Array(c.batch * c.inF));
  const bias = rng.fillNormal(new Float32Array(c.outF));
  const Y = new Float32Array(c.batch * c.outF);
  const ws = new Float64Array(c.inF);
  const reps = c.batch === 1 ? 2000 : 1;
  const time = (backend) => {
    setBackend(backend);
    const t = performance.now();
    for (let k = 0; k < reps; k++) lutGemm(p, X, c.batch, Y, bias, ws);
    return (performance.now() - t) / reps;
  };
  // batch 1 through lutGemm always takes the TS gemv; time the wasm kernel directly too via batch 1 call of lutGemmF32Wasm
  time('js'); time('wasm');
  const best = { js: Infinity, wasm: Infinity };
  for (let r = 0; r < 5; r++) { best.js = Math.min(best.js, time('js')); best.wasm = Math.min(best.wasm, time('wasm')); }
  let extra = '';
  if (c.batch === 1) {
    const { lutGemmF32Wasm } = await import('@firstorder/linalg');
    setBackend('wasm');
    let bw = Infinity;
    for (let r = 0; r < 6; r++) {
      const t = performance.now();
      for (let k = 0; k < reps; k++) lutGemmF32Wasm(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, null, null, null, bias, X, 1, Y);
      if (r > 0) bw = Math.min(bw, (performance.now() - t) / reps);
    }
    extra = ` wasmKernelDirect=${(bw * 1000).toFixed(1)}us tsGemv=${(best.js * 1000).toFixed(1)}us`;
  }
  console.log(`bits=${c.bits} ${c.inF}->${c.outF} batch=${c.batch}: ts=${best.js.toFixed(3)}ms wasm(lutGemm)=${best.wasm.toFixed(3)}ms speedup=${(best.js / best.wasm).toFixed(2)}${extra}`);
}
