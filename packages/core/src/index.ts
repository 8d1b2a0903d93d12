export { FirstOrderError, describeValue, dimensionMismatch, emptyInput, invalidArgument, invalidOption } from './errors.js';
export type { ErrorCode } from './errors.js';
export {
  assertFinite,
  assertFiniteNumber,
  assertLength,
  assertNonEmpty,
  checkChoiceOption,
  checkNumberOption,
  toFloat64Array,
} from './validate.js';
export type { NumericArray } from './validate.js';
export { STATUSES, statusMessage } from './status.js';
export type { Status } from './status.js';
export { resolveSolverOptions } from './options.js';
export type { IterationInfo, ResolvedSolverOptions, SolverDefaults, SolverOptions, Tolerance } from './options.js';
export type { SolveResult } from './result.js';
export { IterationDriver, runToCompletion, withinTolerance } from './driver.js';
export { now } from './clock.js';
export { threadsFromEnvironment } from './environment.js';
export { runOnWorkerThreads } from './workers.js';
export { createRng, deterministicLog, toRng } from './rng.js';
export type { Rng } from './rng.js';
export type { LinearOperator, Proximable, Smooth } from './oracles.js';
export { BACKEND_CHOICES, backendProvider, checkBackendChoice, openBackend, registerBackendProvider } from './backend.js';
export type { BackendChoice, BackendProvider } from './backend.js';
