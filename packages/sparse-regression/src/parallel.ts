// sugmAsync: sugm with its columns spread over worker threads (Node's worker_threads). Each column is solved by
// the same code on the same prepared inputs as in sugm, so the fit is bitwise identical for any thread count.
import { checkNumberOption, now, runOnWorkerThreads, threadsFromEnvironment } from '@firstorder/core';
import type { Matrix } from '@firstorder/linalg';
import { type ColumnResult, columnScratch, solveColumn } from './columns.js';
import { type SugmFit, type SugmOptions, assembleSugm, prepareSugm } from './sugm.js';

export interface SugmAsyncOptions extends SugmOptions {
  /**
   * Threads in all, counting the calling one (default: FIRSTORDER_THREADS, else 1). Columns go round-robin to
   * threads; with fewer than `minColumnsPerThread` columns per thread, fewer threads are used.
   */
  threads?: number;
  /** Default 16: below that, starting a worker (tens of ms) costs more than it saves. */
  minColumnsPerThread?: number;
}

export const SUGM_ASYNC_DEFAULTS = Object.freeze({ minColumnsPerThread: 16 });

/**
 * sugm on `threads` threads. Resolves to the same fit as sugm(data, options), with `threads` set to the
 * number of threads used (1 where worker_threads is unavailable, e.g. in browsers).
 */
export async function sugmAsync(data: Matrix | ArrayLike<ArrayLike<number>>, options: SugmAsyncOptions = {}): Promise<SugmFit> {
  const { threads: threadsOption, minColumnsPerThread: minOption, ...sugmOptions } = options;
  const requested = threadsOption === undefined ? (threadsFromEnvironment() ?? 1) : checkNumberOption('threads', threadsOption, { min: 1, integer: true });
  const minPer = checkNumberOption('minColumnsPerThread', minOption ?? SUGM_ASYNC_DEFAULTS.minColumnsPerThread, { min: 1, integer: true });
  const prep = prepareSugm(data, sugmOptions);
  const { d, problem } = prep;
  const threads = Math.max(1, Math.min(requested, Math.floor(d / minPer)));
  const start = now();
  const cols = new Array<ColumnResult>(d);
  const assigned = (t: number): Int32Array => {
    const list: number[] = [];
    for (let j = t; j < d; j += threads) list.push(j);
    return Int32Array.from(list);
  };
  const solve = (columns: Iterable<number>): void => {
    const scratch = columnScratch(problem);
    for (const j of columns) cols[j] = solveColumn(problem, j, scratch);
  };
  // The worker is the compiled module: dist/sugm-worker.js, found from dist/ and from src/ (tests) alike.
  const replies =
    threads === 1
      ? undefined
      : await runOnWorkerThreads<ColumnResult>(
          new URL('../dist/sugm-worker.js', import.meta.url),
          Array.from({ length: threads - 1 }, (_, t) => ({ problem, columns: assigned(t + 1) })),
          () => solve(assigned(0)),
          'sugmAsync',
        );
  if (replies === undefined) {
    solve(Array.from({ length: d }, (_, j) => j));
    return assembleSugm(prep, cols, now() - start, 1);
  }
  for (const results of replies) for (const r of results) cols[r.j] = r;
  return assembleSugm(prep, cols, now() - start, threads);
}
