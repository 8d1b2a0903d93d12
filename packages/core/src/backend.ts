import { FirstOrderError, invalidOption } from './errors.js';

/**
 * Compute-backend selection shared by the packages that can run on a device (`ganq`, `quantizeModel`,
 * `fasp`, the lm forward). Packages low in the dependency graph cannot import the device package
 * (@firstorder/gpu depends on them), so the device package registers providers here when it is imported
 * and the entry points look them up by capability name. Core knows nothing about GPUs.
 */
export type BackendChoice = 'cpu' | 'gpu' | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = Object.freeze(['cpu', 'gpu', 'auto']);

/**
 * A registered provider for one capability (e.g. 'compress', 'lm'). `open('gpu')` resolves to a session or
 * throws a typed error (no adapter, …); `open('auto')` resolves to a session or null (no device: run on the CPU).
 */
export interface BackendProvider<S> {
  readonly name: string;
  open(choice: 'gpu' | 'auto'): Promise<S | null>;
}

const providers = new Map<string, BackendProvider<unknown>>();

/** Registers (or replaces) the provider of `capability`. Returns a function that removes it again. */
export function registerBackendProvider<S>(capability: string, provider: BackendProvider<S>): () => void {
  if (typeof capability !== 'string' || capability.length === 0) throw invalidOption('capability', 'a non-empty string', capability);
  if (provider === null || typeof provider !== 'object' || typeof provider.open !== 'function') {
    throw invalidOption('provider', '{ name, open(choice) }', provider);
  }
  providers.set(capability, provider as BackendProvider<unknown>);
  return () => {
    if (providers.get(capability) === provider) providers.delete(capability);
  };
}

/** The provider registered for `capability`, or undefined. */
export function backendProvider<S>(capability: string): BackendProvider<S> | undefined {
  return providers.get(capability) as BackendProvider<S> | undefined;
}

/** Validates a `backend` option that must be one of the strings. */
export function checkBackendChoice(value: unknown, option = 'backend'): BackendChoice {
  if (typeof value !== 'string' || !(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw invalidOption(option, "'cpu', 'gpu', 'auto' or a backend object", value);
  }
  return value as BackendChoice;
}

/**
 * Resolves a string choice for `capability`: 'cpu' → null; 'auto' → the provider's session, or null when no
 * provider is registered or it finds no device; 'gpu' → the provider's session, or a FirstOrderError
 * ('UNSUPPORTED') saying what to import when none is registered. `entry` names the caller in messages.
 */
export async function openBackend<S>(capability: string, choice: BackendChoice, entry: string): Promise<S | null> {
  const c = checkBackendChoice(choice);
  if (c === 'cpu') return null;
  const provider = backendProvider<S>(capability);
  if (provider === undefined) {
    if (c === 'auto') return null;
    throw new FirstOrderError(
      'UNSUPPORTED',
      `${entry}: backend 'gpu' needs a GPU provider, and none is registered; add the package @firstorder/gpu and import it once (import '@firstorder/gpu', or call its registerGpuBackends()) — or use backend 'auto' to fall back to the CPU`,
      'backend',
    );
  }
  return provider.open(c);
}
