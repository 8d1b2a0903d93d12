/**
 * Multi-core kernels: a pool of Node worker threads sharing the kernel heap (one shared WebAssembly.Memory,
 * heap.ts) with the calling thread. The caller stages whatever is not already resident, hands each worker
 * a block of rows (gemm, gemv) or columns (transposed gemv), computes the first block itself and waits
 * (Atomics.wait) for the others, so the calls stay synchronous. Every entry is computed by exactly the
 * same operation sequence as on one thread (the split only changes which thread runs it), so results
 * are bitwise identical for any thread count.
 *
 * Opt-in: `await setThreads(n)` or FIRSTORDER_THREADS=n. In browsers the threads are Web Workers, in a
 * cross-origin isolated page (shared memory needs COOP/COEP). Until the workers are up, and where workers
 * or shared memory are missing, everything runs on one thread.
 */
import { invalidOption, threadsFromEnvironment } from '@firstorder/core';
import { copyIn, copyOut, storedShape, type Blocking, type KernelInstance, type Operand } from './runtime.js';
import { heapAlloc, heapFree, heapView, kernelHeap, residentOffset, type KernelHeap } from './heap.js';

/** Products smaller than this many multiply-adds stay on one thread (hand-off costs ~10–50 µs). */
const MIN_PARALLEL_WORK = 96 * 96 * 96;
/** gemv on resident A is split across threads above this many entries of A. */
const MIN_PARALLEL_GEMV = 256 * 1024;
/** Control block: per worker 16 int32 slots [command seq, done seq, error flag] then 32 f64 parameters (the last: op code). */
const SLOT_BYTES = 64 + 32 * 8;
const MAX_WORKERS = 63;
const OP_GEMM = 0;
const OP_GEMV = 1;
const OP_GEMVT = 2;
const OP_GEMV_SEQ = 3;
/**
 * A resident A above this many bytes goes to gemvRowsSeq (four far-apart rows). Measured: at 8 MiB
 * (1024²) four adjacent rows are faster (0.16 vs 0.24 ms), at 32 MiB (2048²) the far rows (1.0 vs 1.3 ms).
 */
const GEMV_SEQ_BYTES = 16 * 1024 * 1024;

interface WorkerLike {
  postMessage(value: unknown): void;
  once(event: 'message' | 'error', listener: (value: unknown) => void): unknown;
  on(event: 'error' | 'exit', listener: (value: unknown) => void): unknown;
  unref(): void;
  terminate(): Promise<number>;
}

interface Pool {
  readonly heap: KernelHeap;
  readonly workers: WorkerLike[];
  readonly ctrl: number;
  seq: number;
  broken: boolean;
}

let pool: Pool | undefined;
let requested = 1;

/** Threads the next large product will use (1 while the pool is not running). */
export function poolThreads(): number {
  return pool === undefined || pool.broken ? 1 : pool.workers.length + 1;
}

// The worker's loop, shared by Node worker_threads and browser Web Workers: instantiate the shared module
// over the shared memory, then wait for commands in the control slot.
const WORKER_LOOP = `
function serve(module, memory, slot, ready) {
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const flags = new Int32Array(memory.buffer, slot, 16);
  const P = new Float64Array(memory.buffer, slot + 64, 32);
  let seen = 0;
  ready();
  for (;;) {
    Atomics.wait(flags, 0, seen);
    const s = Atomics.load(flags, 0);
    if (s === seen) continue;
    seen = s;
    if (s < 0) break;
    try {
      const op = P[31];
      if (op === ${OP_GEMM}) ex.gemm(P[0], P[1], P[2], P[3], P[4], P[5], P[6], P[7], P[8], P[9], P[10], P[11], P[12], P[13], P[14], P[15], P[16], P[17], P[18], P[19], P[20]);
      else if (op === ${OP_GEMV}) ex.gemvRows(P[0], P[1], P[2], P[3], P[4]);
      else if (op === ${OP_GEMV_SEQ}) ex.gemvRowsSeq(P[0], P[1], P[2], P[3], P[4]);
      else ex.gemvTRows(P[0], P[1], P[2], P[3], P[4], P[5]);
      Atomics.store(flags, 2, 0);
    } catch (e) {
      Atomics.store(flags, 2, 1);
    }
    Atomics.store(flags, 1, s);
    Atomics.notify(flags, 1);
  }
}
`;

// CommonJS text run by `new Worker(code, { eval: true })`: works from src (vitest) and dist alike.
const NODE_WORKER_SOURCE = `${WORKER_LOOP}
const { parentPort, workerData } = require('node:worker_threads');
serve(workerData.module, workerData.memory, workerData.slot, () => parentPort.postMessage('ready'));
`;

// Classic Web Worker script (a Blob URL): the first message carries the module, memory and slot.
const WEB_WORKER_SOURCE = `${WORKER_LOOP}
self.onmessage = (e) => { self.onmessage = null; const d = e.data; serve(d.module, d.memory, d.slot, () => self.postMessage('ready')); };
`;

/** The browser Worker API parts used here (declared locally: the project's lib has no DOM types). */
interface WebWorker {
  postMessage(value: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (e: unknown) => void, options?: { once: boolean }): void;
  terminate(): void;
}

function nodeWorker(wt: typeof import('node:worker_threads'), data: object): WorkerLike {
  return new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data }) as unknown as WorkerLike;
}

/** Wraps a Web Worker in the Node-style interface the pool uses. */
function webWorker(url: string, data: object): WorkerLike {
  const Ctor = (globalThis as unknown as { Worker: new (url: string) => WebWorker }).Worker;
  const w = new Ctor(url);
  w.postMessage(data);
  return {
    postMessage: (v) => w.postMessage(v),
    once: (event, listener) => w.addEventListener(event, listener, { once: true }),
    on: (event, listener) => {
      if (event === 'error') w.addEventListener('error', listener);
    },
    unref: () => undefined,
    terminate: () => {
      w.terminate();
      return Promise.resolve(0);
    },
  };
}

/** Where the pool's threads come from: Node worker_threads, browser Web Workers, or none. */
type ThreadSource = { kind: 'node'; wt: typeof import('node:worker_threads') } | { kind: 'web'; url: string };

async function threadSource(): Promise<ThreadSource | undefined> {
  const g = globalThis as unknown as {
    process?: { versions?: { node?: string } };
    Worker?: unknown;
    crossOriginIsolated?: boolean;
    Blob?: new (parts: string[], options: { type: string }) => object;
    URL?: { createObjectURL?(blob: object): string };
  };
  if (typeof g.process?.versions?.node === 'string') {
    try {
      return { kind: 'node', wt: await import('node:worker_threads') };
    } catch {
      return undefined;
    }
  }
  // Browsers share memory with workers only in a cross-origin isolated page (COOP + COEP headers).
  if (typeof g.Worker !== 'function' || g.crossOriginIsolated !== true || g.Blob === undefined || g.URL?.createObjectURL === undefined) return undefined;
  webUrl ??= g.URL.createObjectURL(new g.Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  return { kind: 'web', url: webUrl };
}

let webUrl: string | undefined;

/**
 * Whether this thread may block in Atomics.wait (not on a browser's main thread: there the caller
 * spins on Atomics.load while the workers finish their blocks).
 */
let mayBlock: boolean | undefined;
function canBlock(): boolean {
  if (mayBlock === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      mayBlock = true;
    } catch {
      mayBlock = false;
    }
  }
  return mayBlock;
}

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
  const heap = kernelHeap();
  if (heap === undefined) return 1;
  const source = await threadSource();
  if (source === undefined) return 1;
  const nWorkers = requested - 1;
  const ctrl = heapAlloc(SLOT_BYTES * nWorkers);
  if (ctrl < 0) return 1;
  new Uint8Array(heap.memory.buffer, ctrl, SLOT_BYTES * nWorkers).fill(0);
  const workers: WorkerLike[] = [];
  const ready: Promise<void>[] = [];
  for (let w = 0; w < nWorkers; w++) {
    const data = { module: heap.module, memory: heap.memory, slot: ctrl + SLOT_BYTES * w };
    const worker = source.kind === 'node' ? nodeWorker(source.wt, data) : webWorker(source.url, data);
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
    heapFree(ctrl);
    return 1;
  }
  const p: Pool = { heap, workers, ctrl, seq: 0, broken: false };
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
    const flags = new Int32Array(p.heap.memory.buffer, p.ctrl + SLOT_BYTES * w, 16);
    Atomics.store(flags, 0, -1);
    Atomics.notify(flags, 0);
  }
  await Promise.all(p.workers.map((w) => w.terminate()));
  heapFree(p.ctrl);
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

/** Runs one kernel call per thread: thread t > 0 on worker t − 1, thread 0 here; waits for all. */
function dispatch(p: Pool | undefined, threads: number, op: number, args: (t: number) => number[], here: (a: number[]) => void): void {
  if (p === undefined || threads === 1) {
    here(args(0));
    return;
  }
  const seq = ++p.seq;
  const buf = p.heap.memory.buffer;
  for (let t = 1; t < threads; t++) {
    const slot = p.ctrl + SLOT_BYTES * (t - 1);
    const P = new Float64Array(buf, slot + 64, 32);
    P.set(args(t));
    P[31] = op;
    const flags = new Int32Array(buf, slot, 16);
    Atomics.store(flags, 0, seq);
    Atomics.notify(flags, 0);
  }
  here(args(0));
  let failed = false;
  const block = canBlock();
  for (let t = 1; t < threads; t++) {
    const flags = new Int32Array(buf, p.ctrl + SLOT_BYTES * (t - 1), 16);
    const since = Date.now();
    for (;;) {
      const done = Atomics.load(flags, 1);
      if (done === seq) break;
      // Bounded waits so a worker that died (pool marked broken by its exit event) cannot hang the caller forever.
      if (block) {
        if (Atomics.wait(flags, 1, done, 10_000) === 'timed-out' && p.broken) {
          failed = true;
          break;
        }
      } else if (Date.now() - since > 60_000) {
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
}

/** A stored rows×cols array in the heap: in place when resident, else a compact temporary copy. */
interface Staged {
  readonly off: number;
  readonly ld: number;
  /** Offset of the temporary copy to free, or −1. */
  readonly temp: number;
}

function stageIn(data: ArrayLike<number>, rows: number, cols: number, ld: number): Staged | undefined {
  const off = residentOffset(data);
  if (off >= 0) return { off, ld, temp: -1 };
  const t = heapAlloc(8 * rows * cols);
  if (t < 0) return undefined;
  copyIn(heapView(t, rows * cols), data, rows, cols, ld);
  return { off: t, ld: cols, temp: t };
}

function release(...staged: (Staged | undefined)[]): void {
  for (const s of staged) if (s !== undefined && s.temp >= 0) heapFree(s.temp);
}

/** Whether any operand of a product lies in the kernel heap (then it runs there, without copying it). */
export function anyResident(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>): boolean {
  return residentOffset(a) >= 0 || residentOffset(b) >= 0 || residentOffset(c) >= 0;
}

/**
 * C += α op(A) op(B) in the kernel heap: resident operands in place, the others staged; across the pool
 * when it is running and the product is large. False (C untouched) when the heap is unavailable or full.
 */
export function heapGemm(
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
  const heap = kernelHeap();
  if (heap === undefined) return false;
  const p = pool !== undefined && !pool.broken && m * n * k >= MIN_PARALLEL_WORK && m >= 8 ? pool : undefined;
  const threads = p === undefined ? 1 : Math.min(p.workers.length + 1, Math.floor(m / 4));
  const [ar, ac] = storedShape(m, k, a.trans);
  const [br, bc] = storedShape(k, n, b.trans);
  const kc = Math.min(blocking.kc, k);
  const packA = 8 * Math.ceil(Math.min(blocking.mc, m) / 4) * 4 * kc;
  const packB = 8 * Math.ceil(Math.min(blocking.nc, n) / 4) * 4 * kc;
  const per = 128 + Math.ceil(packA / 64) * 64 + Math.ceil(packB / 64) * 64;
  const scratch = heapAlloc(per * threads);
  const A = scratch < 0 ? undefined : stageIn(a.data, ar, ac, a.ld);
  // syrk / Gram: both operands are the same stored array (one copy).
  const sameAB = A !== undefined && A.temp >= 0 && a.data === b.data && a.ld === b.ld && ar === br && ac === bc;
  const B = A === undefined ? undefined : sameAB ? { off: A.off, ld: A.ld, temp: -1 } : stageIn(b.data, br, bc, b.ld);
  const C = B === undefined ? undefined : stageIn(c, m, n, ldc);
  if (C === undefined) {
    release(A, B);
    if (scratch >= 0) heapFree(scratch);
    return false;
  }
  const bounds = splitRows(m, n, threads, triangle !== 0);
  const args = (t: number): number[] => {
    const tile = scratch + per * t;
    const pa = tile + 128;
    const pb = pa + Math.ceil(packA / 64) * 64;
    return [m, n, k, alpha, A!.off, A!.ld, a.trans ? 1 : 0, B!.off, B!.ld, b.trans ? 1 : 0, C.off, C.ld, triangle, bounds[t]!, bounds[t + 1]!, blocking.mc, blocking.kc, blocking.nc, pa, pb, tile];
  };
  const inst = heap.inst;
  try {
    dispatch(p, threads, OP_GEMM, args, (q) =>
      inst.gemm(q[0]!, q[1]!, q[2]!, q[3]!, q[4]!, q[5]!, q[6]!, q[7]!, q[8]!, q[9]!, q[10]!, q[11]!, q[12]!, q[13]!, q[14]!, q[15]!, q[16]!, q[17]!, q[18]!, q[19]!, q[20]!),
    );
    if (C.temp >= 0) copyOut(c, heapView(C.temp, m * n), m, n, ldc);
  } finally {
    release(A, B, C);
    heapFree(scratch);
  }
  return true;
}

/**
 * out ← α op(A) x + β out for a resident A (m×n row-major, in place): x and the result pass through
 * small temporaries; rows (plain) or columns (transposed) are split across the pool when it is running.
 * Plain: lane-wise row sums (within rounding of the TypeScript kernel); transposed: bitwise identical to it.
 * False when A is not resident or the heap is full.
 */
export function heapGemv(out: Float64Array, a: Float64Array, m: number, n: number, x: Float64Array, transpose: boolean, alpha: number, beta: number): boolean {
  const aOff = residentOffset(a);
  const heap = kernelHeap();
  if (aOff < 0 || heap === undefined) return false;
  const p = pool !== undefined && !pool.broken && m * n >= MIN_PARALLEL_GEMV ? pool : undefined;
  const lenIn = transpose ? m : n;
  const lenOut = transpose ? n : m;
  const xOff = transpose || residentOffset(x) < 0 ? heapAlloc(8 * lenIn) : residentOffset(x);
  const ownX = transpose || residentOffset(x) < 0;
  const yOff = xOff < 0 ? -1 : heapAlloc(8 * lenOut);
  if (yOff < 0) {
    if (ownX && xOff >= 0) heapFree(xOff);
    return false;
  }
  const inst: KernelInstance = heap.inst;
  try {
    const y = heapView(yOff, lenOut);
    if (!transpose) {
      if (ownX) heapView(xOff, n).set(x);
      const threads = p === undefined ? 1 : Math.min(p.workers.length + 1, Math.max(1, Math.floor(m / 4)));
      const bounds = splitRows(m, n, threads, false);
      const seq = 8 * m * n > GEMV_SEQ_BYTES;
      const kernel = seq ? inst.gemvRowsSeq : inst.gemvRows;
      dispatch(p, threads, seq ? OP_GEMV_SEQ : OP_GEMV, (t) => [bounds[t + 1]! - bounds[t]!, n, aOff + 8 * bounds[t]! * n, xOff, yOff + 8 * bounds[t]!], (q) =>
        kernel(q[0]!, q[1]!, q[2]!, q[3]!, q[4]!),
      );
      for (let i = 0; i < m; i++) out[i] = beta === 0 ? alpha * y[i]! : alpha * y[i]! + beta * out[i]!;
      return true;
    }
    const xs = heapView(xOff, m);
    for (let i = 0; i < m; i++) xs[i] = alpha * x[i]!;
    if (beta === 0) y.fill(0);
    else {
      y.set(out);
      if (beta !== 1) for (let j = 0; j < n; j++) y[j]! *= beta;
    }
    const threads = p === undefined ? 1 : Math.min(p.workers.length + 1, Math.max(1, Math.floor(n / 4)));
    const bounds = splitRows(n, m, threads, false);
    dispatch(p, threads, OP_GEMVT, (t) => [m, bounds[t + 1]! - bounds[t]!, n, aOff + 8 * bounds[t]!, xOff, yOff + 8 * bounds[t]!], (q) =>
      inst.gemvTRows(q[0]!, q[1]!, q[2]!, q[3]!, q[4]!, q[5]!),
    );
    out.set(y);
    return true;
  } finally {
    if (ownX) heapFree(xOff);
    heapFree(yOff);
  }
}

// FIRSTORDER_THREADS=n starts the pool when the module loads (products use it once the workers are up).
{
  const v = threadsFromEnvironment();
  if (v !== undefined && v > 1) void setThreads(v).catch(() => undefined);
}
