// Shared plumbing of the packages that spread independent work over Node worker threads (sugmAsync's columns,
// ganqAsync's row blocks): the calling thread takes share 0 while each worker runs a compiled module on its own
// message and replies { ok, results } once. Where worker_threads is missing (browsers) callers run everything
// themselves, so results never depend on whether workers ran.
import { FirstOrderError } from './errors.js';

interface WorkerLike {
  postMessage(value: unknown): void;
  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): unknown;
  terminate(): Promise<number>;
}

type WorkerConstructor = new (url: URL, options?: object) => WorkerLike;

interface WorkerReply<R> {
  ok: boolean;
  results?: R[];
  message?: string;
}

/** Node's Worker class, or undefined where worker_threads cannot be loaded. */
async function workerConstructor(): Promise<WorkerConstructor | undefined> {
  try {
    return (await import('node:worker_threads')).Worker as unknown as WorkerConstructor;
  } catch {
    return undefined;
  }
}

/**
 * The parent's Node flags without a `source` export condition: the worker is compiled JavaScript, and under a test
 * runner that resolves workspace packages to their TypeScript sources its package imports must still find dist/.
 */
function compiledExecArgv(): string[] {
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--conditions' || a === '-C') && argv[i + 1] === 'source') i++;
    else if (a !== '--conditions=source' && a !== '-C=source') out.push(a);
  }
  return out;
}

/**
 * Runs `local()` on the calling thread while one worker per entry of `messages` runs the compiled module at `url`
 * on that message; resolves to each worker's `results`, in the order of `messages`. Resolves to undefined, having
 * run nothing, where worker_threads is unavailable. A worker that fails, throws or exits early rejects with a
 * FirstOrderError naming `label`; all workers are terminated either way.
 */
export async function runOnWorkerThreads<R>(url: URL, messages: readonly unknown[], local: () => void, label: string): Promise<R[][] | undefined> {
  const Worker = await workerConstructor();
  if (Worker === undefined) return undefined;
  const workers: WorkerLike[] = [];
  try {
    const replies = messages.map((message) => {
      const w = new Worker(url, { execArgv: compiledExecArgv() });
      workers.push(w);
      const reply = new Promise<WorkerReply<R>>((resolve, reject) => {
        w.once('message', (m) => resolve(m as WorkerReply<R>));
        w.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
        w.once('exit', (code) => reject(new Error(`${label} worker exited (code ${String(code)}) before replying`)));
      });
      w.postMessage(message);
      return reply;
    });
    local();
    return (await Promise.all(replies)).map((reply) => {
      if (!reply.ok || reply.results === undefined) throw new FirstOrderError('UNSUPPORTED', `${label}: a worker failed: ${reply.message ?? 'no result'}`, 'threads');
      return reply.results;
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
