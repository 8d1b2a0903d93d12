// ganqAsync: GANQ with its rows spread over worker threads (Node's worker_threads). The rows are cut into blocks of
// a fixed size that does not depend on the thread count; each block runs every iteration alone (./ganq-rows.js) and
// the blocks' objectives are summed in block order, so the result is bitwise identical for any thread count.
import { checkNumberOption, invalidOption, runOnWorkerThreads, threadsFromEnvironment } from '@firstorder/core';
import type { Matrix } from '@firstorder/linalg';
import { finishGanq, ganqColumnsVariant, setupGanq } from './ganq.js';
import type { GanqOptions, GanqResult } from './ganq.js';
import { type GanqRowsBlock, type GanqRowsResult, type GanqRowsShared, ganqRowsBlock } from './ganq-rows.js';

export interface GanqAsyncOptions extends GanqOptions {
  /** Threads in all, counting the calling one (default: FIRSTORDER_THREADS, else 1). Blocks go round-robin to threads. */
  readonly threads?: number;
  /** Rows per block (default 32). Part of the result's definition: the objective is summed block by block. */
  readonly rowsPerBlock?: number;
}

/** `threads` in the result: the number of threads used (1 where worker_threads is unavailable). */
export const GANQ_ASYNC_DEFAULTS = Object.freeze({ rowsPerBlock: 32 });

/** A copy of `a` on a SharedArrayBuffer when the platform has one, so workers read it without a copy each. */
function shared(a: Float64Array): Float64Array {
  if (typeof SharedArrayBuffer === 'undefined') return a;
  const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/**
 * GANQ with its rows on `threads` threads: the same algorithm, options and result fields as `ganq` (no `backend`).
 * The best iterate is chosen by the objective summed over row blocks of `rowsPerBlock` rows in order, so the
 * result equals `ganq`'s up to that summation order and is bitwise identical for any thread count.
 */
export async function ganqAsync(W: Matrix, H: Matrix, options: GanqAsyncOptions = {}): Promise<GanqResult & { readonly threads: number }> {
  const { threads: threadsOption, rowsPerBlock: rowsOption, ...ganqOptions } = options;
  if ((ganqOptions as { backend?: unknown }).backend !== undefined) throw invalidOption('backend', 'no backend with ganqAsync (use ganq)', String((ganqOptions as { backend?: unknown }).backend));
  const requested = threadsOption === undefined ? (threadsFromEnvironment() ?? 1) : checkNumberOption('threads', threadsOption, { min: 1, integer: true });
  const rowsPerBlock = checkNumberOption('rowsPerBlock', rowsOption ?? GANQ_ASYNC_DEFAULTS.rowsPerBlock, { min: 1, integer: true });
  let innerThreads = 1;
  const variant = ganqColumnsVariant(W, H, ganqOptions, async (Ws, Hs, o) => {
    const r = await ganqAsync(Ws, Hs, { ...o, threads: requested, rowsPerBlock });
    innerThreads = r.threads;
    return r;
  });
  if (variant !== null) return Object.assign(await variant, { threads: innerThreads });

  const setup = setupGanq(W, H, ganqOptions);
  const { K, blockSize, m, n, k, prep, mask, Wd, Hw, Hobjective, T, G } = setup;
  const sharedPart: GanqRowsShared = {
    n,
    k,
    K,
    blockSize,
    L: shared(prep.L!.data),
    H: shared(Hw.data),
    Hobjective: Hobjective === Hw ? shared(Hw.data) : shared(Hobjective.data),
  };
  const nb = Math.ceil(m / rowsPerBlock);
  const block = (b: number): GanqRowsBlock => {
    const r0 = b * rowsPerBlock;
    const r1 = Math.min(m, r0 + rowsPerBlock);
    return {
      index: b,
      rows: r1 - r0,
      W: Wd.data.slice(r0 * n, r1 * n),
      G: G.data.slice(r0 * n, r1 * n),
      T0: T.data.slice(r0 * k, r1 * k),
      mask: mask === null ? null : mask.slice(r0 * n, r1 * n),
    };
  };
  const threads = Math.max(1, Math.min(requested, nb));
  const results = new Array<GanqRowsResult>(nb);
  const assigned = (t: number): number[] => {
    const list: number[] = [];
    for (let b = t; b < nb; b += threads) list.push(b);
    return list;
  };
  const run = (blocks: Iterable<number>): void => {
    for (const b of blocks) results[b] = ganqRowsBlock(sharedPart, block(b));
  };
  // The worker is the compiled module, found from dist/quantize/ and from src/quantize/ (tests) alike.
  const replies =
    threads === 1
      ? undefined
      : await runOnWorkerThreads<GanqRowsResult>(
          new URL('../../dist/quantize/ganq-worker.js', import.meta.url),
          Array.from({ length: threads - 1 }, (_, t) => ({ shared: sharedPart, blocks: assigned(t + 1).map(block) })),
          () => run(assigned(0)),
          'ganqAsync',
        );
  if (replies === undefined) run(Array.from({ length: nb }, (_, b) => b));
  else for (const rs of replies) for (const r of rs) results[r.index] = r;
  const usedThreads = replies === undefined ? 1 : threads;
  // Objective of iterate it = Σ over blocks in order; the first minimum wins (as in ganq: (S¹, T⁰), then strictly lower).
  const history = new Float64Array(K);
  let best = Infinity;
  let bestIteration = 0;
  for (let it = 0; it <= K; it++) {
    let f = 0;
    for (let b = 0; b < nb; b++) f += results[b]!.objective[it]!;
    if (it > 0) history[it - 1] = f;
    if (it === 0 || f < best) {
      best = f;
      bestIteration = it;
    }
  }
  const bestCodes = new Uint8Array(m * n);
  const bestT = new Float64Array(m * k);
  for (let b = 0; b < nb; b++) {
    const r = results[b]!;
    const rows = Math.min(m, (b + 1) * rowsPerBlock) - b * rowsPerBlock;
    bestCodes.set(r.codes.subarray(bestIteration * rows * n, (bestIteration + 1) * rows * n), b * rowsPerBlock * n);
    bestT.set(r.T.subarray(bestIteration * rows * k, (bestIteration + 1) * rows * k), b * rowsPerBlock * k);
  }
  const initialObjective = (() => {
    let f = 0;
    for (let b = 0; b < nb; b++) f += results[b]!.objective[0]!;
    return f;
  })();
  const result = finishGanq(W, H, setup, { best, history, initialObjective, bestIteration, bestCodes, bestT });
  return Object.assign(result, { threads: usedThreads });
}

