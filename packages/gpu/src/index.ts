export { BUFFER_USAGE, GpuContext, GpuError, formatGpuInfo, gpuRequired, probeGpu, requestGpu } from './device.js';
export type { GpuFailure, GpuInfo, RequestGpuOptions } from './device.js';
export { BACKENDS, resolveBackend } from './backend.js';
export type { Backend } from './backend.js';
export {
  accumulateGramF32, accumulateGramF64Gpu, accumulateGramGpu, gemmF32, gemmGpu, gemvF32, gemvGpu,
  lutDecodeF32, lutDecodeGpu, lutGemmF32, lutGemmGpu, lutGemvF32, lutGemvGpu,
} from './kernels.js';
export type { F32Matrix, GemmOptions, GemvOptions, GramOptions } from './kernels.js';
export { GEMM_WGSL, GEMV_WGSL, LANES, LUT_DECODE_WGSL, LUT_GEMM_WGSL, LUT_GEMV_WGSL, TILE } from './wgsl.js';
export {
  GPU_GANQ_DEFAULTS, columnNormsFromGram, columnScoresF32, columnScoresGpu, createGanqTwinBackend, createGpuGanqBackend, gpuGanq,
} from './ganq.js';
export type { GpuGanqBackendOptions, GpuGanqOptions, GpuGanqResult } from './ganq.js';
export { COLUMN_SCORE_WGSL, DF64_WGSL, GANQ_CLUSTER_GRAM_WGSL, GANQ_SSTEP_WGSL } from './wgsl-ganq.js';
export { createCompressSession, createLmSession, registerGpuBackends, releaseGpuBackends } from './providers.js';
export type { RegisterGpuOptions } from './providers.js';

import { registerGpuBackends } from './providers.js';

// Importing the package makes backend: 'gpu' | 'auto' work on ganq, quantizeModel, fasp and the lm forward.
registerGpuBackends();
