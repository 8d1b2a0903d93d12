// sugmAsync: sugm with its columns spread over worker threads (Node's worker_threads). Each column is solved by
// the same code on the same prepared inputs as in sugm, so the fit is bitwise identical for any thread count.
import { checkNumberOption, now, threadsFromEnvironment } from '@firstorder/core';
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

interface WorkerLike {
  postMessage(value: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): unknown;
  terminate(): Promise<number>;
}

interface WorkerReply {
  ok: boolean;
  results?: ColumnResult[];
  message?: string;
}

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
  let threads = Math.max(1, Math.min(requested, Math.floor(d / minPer)));
  let Worker: (new (url: URL, opts?: object) => WorkerLike) | undefined;
  if (threads > 1) {
    try {
      Worker = (await import('node:worker_threads')).Worker as unknown as new (url: URL, opts?: object) => WorkerLike;
    } catch {
      threads = 1;
    }
  }
  const start = now();
  const cols = new Array<ColumnResult>(d);
  if (threads === 1 || Worker === undefined) {
    const scratch = columnScratch(problem);
    for (let j = 0; j < d; j++) cols[j] = solveColumn(problem, j, scratch);
    return assembleSugm(prep, cols, now() - start, 1);
  }
  // The worker is the compiled module: dist/sugm-worker.js, found from dist/ and from src/ (tests) alike.
  const url = new URL('../dist/sugm-worker.js', import.meta.url);
  const assigned = (t: number): Int32Array => {
    const list: number[] = [];
    for (let j = t; j < d; j += threads) list.push(j);
    return Int32Array.from(list);
  };
  const workers: WorkerLike[] = [];
  try {
    const replies: Promise<WorkerReply>[] = [];
    for (let t = 1; t < threads; t++) {
      const w = new Worker(url, { execArgv: compiledExecArgv() });
      workers.push(w);
      replies.push(
        new Promise<WorkerReply>((resolve, reject) => {
          w.once('message', (m) => resolve(m as WorkerReply));
          w.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
          w.once('exit', (code) => reject(new Error(`sugm worker exited (code ${String(code)}) before replying`)));
        }),
      );
      w.postMessage({ problem, columns: assigned(t) });
    }
    // The calling thread takes share 0 while the workers run.
    const scratch = columnScratch(problem);
    for (const j of assigned(0)) cols[j] = solveColumn(problem, j, scratch);
    for (const reply of await Promise.all(replies)) {
      if (!reply.ok || reply.results === undefined) throw new Error(`sugm worker failed: ${reply.message ?? 'no result'}`);
      for (const r of reply.results) cols[r.j] = r;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return assembleSugm(prep, cols, now() - start, threads);
}

/**
 * The parent's Node options without `--conditions`: the worker is compiled code, so its imports (linalg, core) must
 * resolve to the compiled packages even when the parent runs under a 'source' condition (vitest).
 */
function compiledExecArgv(): string[] {
  const out: string[] = [];
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=')) out.push(a);
  }
  return out;
}
