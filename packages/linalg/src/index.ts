export { Matrix, assertMatrix } from './matrix.js';
export * from './blas.js';
export { residentVector, residentMatrix, releaseResident, isResident } from './resident.js';
export * from './factorizations.js';
export * from './spectral.js';
export * from './randomized.js';
export * from './iterative.js';
export * from './sparse.js';
export * from './adapters.js';
// f32 linear-layer kernels (WebAssembly SIMD with a TypeScript fallback), used by @firstorder/lm.
export * from './wasm/linear-f32.js';
export { lutGemmF32Wasm } from './wasm/lut-f32.js';
