/**
 * Multi-core gemm: a pool of Node worker threads sharing one WebAssembly.Memory (SharedArrayBuffer) with
 * the calling thread. The calling thread stages the operands, hands each worker a block of rows of C,
 * computes the first block itself and waits (Atomics.wait) for the others, so `gemm` stays synchronous.
 * Every entry of C is accumulated by exactly the same operation sequence as on one thread (the row split
 * only changes which thread runs it), so results are bitwise identical for any thread count.
 *
 * Opt-in: `await setThreads(n)` or FIRSTORDER_THREADS=n. Until the workers are up, and where
 * worker_threads or shared memory is missing (browsers, Deno without it), products run on one thread.
 */
import { invalidOption, threadsFromEnvironment } from '@firstorder/core';
import {
  compileKernels,
  ensureBytes,
  instantiate,
  layout,
  stage,
  storedShape,
  unstage,
  wasmApi,
  align64,
  type Blocking,
  type KernelInstance,
  type Operand,
  type WasmMemory,
} from './runtime.js';

/** Products smaller than this many multiply-adds stay on one thread (hand-off costs ~10–50 µs). */
const MIN_PARALLEL_WORK = 96 * 96 * 96;
const MAX_PAGES = 16384;
/** Control block: per worker 16 int32 slots [command seq, done seq, error flag] then 32 f64 parameters. */
const SLOT_BYTES = 64 + 32 * 8;
const MAX_WORKERS = 63;

interface WorkerLike {
  postMessage(value: unknown): void;
  once(event: 'message' | 'error', listener: (value: unknown) => void): unknown;
  on(event: 'error' | 'exit', listener: (value: unknown) => void): unknown;
  unref(): void;
  terminate(): Promise<number>;
}

interface Pool {
  readonly memory: WasmMemory;
  readonly main: KernelInstance;
  readonly workers: WorkerLike[];
  readonly ctrl: number;
  readonly base: number;
  seq: number;
  broken: boolean;
}

let pool: Pool | undefined;
let requested = 1;

/** Threads the next large product will use (1 while the pool is not running). */
export function poolThreads(): number {
  return pool === undefined || pool.broken ? 1 : pool.workers.length + 1;
}

// CommonJS text run by `new Worker(code, { eval: true })`: works from src (vitest) and dist alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, slot } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
const flags = new Int32Array(memory.buffer, slot, 16);
const P = new Float64Array(memory.buffer, slot + 64, 32);
let seen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(flags, 0, seen);
  const s = Atomics.load(flags, 0);
  if (s === seen) continue;
  seen = s;
  if (s < 0) break;
  try {
    gemm(P[0], P[1], P[2], P[3], P[4], P[5], P[6], P[7], P[8], P[9], P[10], P[11], P[12], P[13], P[14], P[15], P[16], P[17], P[18], P[19], P[20]);
    Atomics.store(flags, 2, 0);
  } catch (e) {
    Atomics.store(flags, 2, 1);
  }
  Atomics.store(flags, 1, s);
  Atomics.notify(flags, 1);
}
`;

/**
 * Starts (or resizes) the pool to `threads` threads in all, counting the caller; 1 stops it. Resolves to
 * the number of threads products will use: 1 where worker_threads, SharedArrayBuffer or WebAssembly
 * SIMD is unavailable.
 */
export async function setThreads(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) throw invalidOption('threads', 'a positive integer', threads);
  requested = Math.min(threads, MAX_WORKERS + 1);
  await stopPool();
  if (requested === 1) return 1;
  const api = wasmApi();
  const module = compileKernels(true);
  if (api === undefined || module === undefined || typeof SharedArrayBuffer === 'undefined') return 1;
  let wt: typeof import('node:worker_threads');
  try {
    wt = await import('node:worker_threads');
  } catch {
    return 1;
  }
  let memory: WasmMemory;
  let main: KernelInstance;
  try {
    memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    main = instantiate(module, memory);
  } catch {
    return 1;
  }
  const nWorkers = requested - 1;
  const ctrl = align64(main.heapBase);
  const base = ctrl + SLOT_BYTES * nWorkers;
  if (!ensureBytes(memory, base + 64)) return 1;
  const workers: WorkerLike[] = [];
  const ready: Promise<void>[] = [];
  for (let w = 0; w < nWorkers; w++) {
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, slot: ctrl + SLOT_BYTES * w } }) as unknown as WorkerLike;
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', (e) => reject(e));
      }),
    );
    workers.push(worker);
  }
  try {
    await Promise.all(ready);
  } catch {
    await Promise.all(workers.map((w) => w.terminate()));
    return 1;
  }
  const p: Pool = { memory, main, workers, ctrl, base, seq: 0, broken: false };
  for (const w of workers) {
    w.unref();
    w.on('error', () => (p.broken = true));
    w.on('exit', () => (p.broken = true));
  }
  pool = p;
  return requested;
}

async function stopPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (p === undefined) return;
  p.broken = true;
  for (let w = 0; w < p.workers.length; w++) {
    const flags = new Int32Array(p.memory.buffer, p.ctrl + SLOT_BYTES * w, 16);
    Atomics.store(flags, 0, -1);
    Atomics.notify(flags, 0);
  }
  await Promise.all(p.workers.map((w) => w.terminate()));
}

/**
 * Row boundaries (multiples of 4) giving each thread about the same work; triangle products (only j ≥ i)
 * weigh row i by its n − i entries.
 */
export function splitRows(m: number, n: number, threads: number, triangle: boolean): number[] {
  const cost = (i: number): number => (triangle ? Math.max(n - i, 0) : n);
  let total = 0;
  for (let i = 0; i < m; i++) total += cost(i);
  const bounds = [0];
  let acc = 0;
  let i = 0;
  for (let t = 1; t < threads; t++) {
    const target = (total * t) / threads;
    while (i < m && acc + cost(i) <= target) acc += cost(i++);
    let cut = Math.min(m, Math.ceil(i / 4) * 4);
    cut = Math.max(cut, bounds[bounds.length - 1]!);
    while (i < cut) acc += cost(i++);
    bounds.push(cut);
  }
  bounds.push(m);
  return bounds;
}

/** C += α op(A) op(B) across the pool; false (C untouched) when the product stays on one thread. */
export function poolGemm(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Operand,
  b: Operand,
  c: Float64Array,
  ldc: number,
  triangle: number,
  blocking: Blocking,
): boolean {
  const p = pool;
  if (p === undefined || p.broken || m * n * k < MIN_PARALLEL_WORK || m < 8) return false;
  const threads = Math.min(p.workers.length + 1, Math.floor(m / 4));
  const lay = layout(p.base, m, n, k, a, b, blocking, threads);
  if (!ensureBytes(p.memory, lay.end)) return false;
  stage(p.memory, lay, m, n, k, a, b, c, ldc);
  const [, ac] = storedShape(m, k, a.trans);
  const [, bc] = storedShape(k, n, b.trans);
  const bounds = splitRows(m, n, threads, triangle !== 0);
  const args = (t: number): number[] => {
    const s = lay.scratch[t]!;
    return [m, n, k, alpha, lay.a, ac, a.trans ? 1 : 0, lay.b, bc, b.trans ? 1 : 0, lay.c, n, triangle, bounds[t]!, bounds[t + 1]!, blocking.mc, blocking.kc, blocking.nc, s.pa, s.pb, s.tile];
  };
  const seq = ++p.seq;
  const buf = p.memory.buffer;
  for (let t = 1; t < threads; t++) {
    const slot = p.ctrl + SLOT_BYTES * (t - 1);
    new Float64Array(buf, slot + 64, 32).set(args(t));
    const flags = new Int32Array(buf, slot, 16);
    Atomics.store(flags, 0, seq);
    Atomics.notify(flags, 0);
  }
  const a0 = args(0);
  p.main.gemm(a0[0]!, a0[1]!, a0[2]!, a0[3]!, a0[4]!, a0[5]!, a0[6]!, a0[7]!, a0[8]!, a0[9]!, a0[10]!, a0[11]!, a0[12]!, a0[13]!, a0[14]!, a0[15]!, a0[16]!, a0[17]!, a0[18]!, a0[19]!, a0[20]!);
  let failed = false;
  for (let t = 1; t < threads; t++) {
    const flags = new Int32Array(buf, p.ctrl + SLOT_BYTES * (t - 1), 16);
    for (;;) {
      const done = Atomics.load(flags, 1);
      if (done === seq) break;
      // Bounded waits so a worker that died (pool marked broken by its exit event) cannot hang the caller forever.
      if (Atomics.wait(flags, 1, done, 10_000) === 'timed-out' && p.broken) {
        failed = true;
        break;
      }
    }
    if (Atomics.load(flags, 2) !== 0) failed = true;
  }
  if (failed) {
    p.broken = true;
    throw new Error('linalg thread pool: a worker failed; call setThreads again or use one thread');
  }
  unstage(p.memory, lay, m, n, c, ldc);
  return true;
}

// FIRSTORDER_THREADS=n starts the pool when the module loads (products use it once the workers are up).
{
  const v = threadsFromEnvironment();
  if (v !== undefined && v > 1) void setThreads(v).catch(() => undefined);
}
