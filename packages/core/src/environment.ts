/**
 * FIRSTORDER_THREADS as a thread count: a whole number ≥ 1, else undefined (unset, malformed, or no `process`,
 * as in browsers). One reading shared by every package that runs work on worker threads.
 */
export function threadsFromEnvironment(): number | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = Number(env?.['FIRSTORDER_THREADS'] ?? '');
  return Number.isInteger(v) && v >= 1 ? v : undefined;
}
