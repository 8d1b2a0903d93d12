export { FACTORIZATION_DEFAULTS } from './engine.js';
export type {
  FactorizationIterationInfo,
  FactorizationMethod,
  FactorizationOptions,
  FactorizationResult,
  FactorizationState,
  ProximalWeight,
} from './engine.js';
export { cpDecomposition, cpTensor, iterateCpDecomposition } from './cp.js';
export type { CpResult, DenseTensor3 } from './cp.js';
export { iterateNmf, nmf } from './nmf.js';
export type { NmfOptions, NmfResult } from './nmf.js';
export { SINKHORN_DEFAULTS, gridCost, sinkhorn } from './sinkhorn.js';
export type { SinkhornOptions, SinkhornResult } from './sinkhorn.js';
export { WASSERSTEIN_CP_DEFAULTS, iterateWassersteinCp, wassersteinCp } from './wasserstein.js';
export type { WassersteinCpIterationInfo, WassersteinCpOptions, WassersteinCpResult, WassersteinCpState } from './wasserstein.js';
