/**
 * The kernel heap: one shared WebAssembly.Memory holding arrays the kernels use in place (resident
 * operands: no copy in or out), the worker pool's control block and the staging space for everything
 * else. Shared memory is used so that growing it never detaches views handed out earlier; because
 * `memory.buffer` returns a new SharedArrayBuffer object after each growth, every buffer object ever
 * handed out is remembered, and an array is resident when its buffer is one of them.
 *
 * Allocation is first fit over a sorted free list with coalescing, in 64-byte units; only the calling
 * thread allocates (workers only compute).
 */
import { compileKernels, instantiate, wasmApi, PAGE, MAX_BYTES, type KernelInstance, type WasmMemory } from './runtime.js';

/** Maximum pages of the shared memory (1 GiB), as compiled into the shared module variant. */
export const MAX_PAGES = 16384;

export interface KernelHeap {
  readonly memory: WasmMemory;
  /** The shared module (the pool's workers instantiate it over the same memory). */
  readonly module: object;
  readonly inst: KernelInstance;
}

interface Block {
  off: number;
  size: number;
}

let state: KernelHeap | 'untried' | 'unavailable' = 'untried';
const freeList: Block[] = [];
const used = new Map<number, number>();
let top = 0;
const buffers = new WeakSet<object>();

/** The heap, created on first use; undefined where shared WebAssembly memory or SIMD is unavailable. */
export function kernelHeap(): KernelHeap | undefined {
  if (state === 'unavailable') return undefined;
  if (state !== 'untried') return state;
  state = 'unavailable';
  const api = wasmApi();
  const module = compileKernels(true);
  if (api === undefined || module === undefined || typeof SharedArrayBuffer === 'undefined') return undefined;
  try {
    const memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const inst = instantiate(module, memory);
    top = align(inst.heapBase);
    buffers.add(memory.buffer);
    state = { memory, module, inst };
    return state;
  } catch {
    return undefined;
  }
}

function align(x: number): number {
  return Math.ceil(x / 64) * 64;
}

/** Allocates `bytes` (64-byte aligned); the byte offset, or −1 when the heap is unavailable or full. */
export function heapAlloc(bytes: number): number {
  const h = kernelHeap();
  if (h === undefined) return -1;
  const size = align(Math.max(bytes, 8));
  for (let i = 0; i < freeList.length; i++) {
    const b = freeList[i]!;
    if (b.size < size) continue;
    const off = b.off;
    if (b.size === size) freeList.splice(i, 1);
    else {
      b.off += size;
      b.size -= size;
    }
    used.set(off, size);
    return off;
  }
  const end = top + size;
  if (end > MAX_BYTES) return -1;
  const have = h.memory.buffer.byteLength;
  if (end > have) {
    try {
      h.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      return -1;
    }
  }
  const off = top;
  top = end;
  used.set(off, size);
  return off;
}

/** Frees a block from heapAlloc; false if `off` is not the start of a live block. */
export function heapFree(off: number): boolean {
  const size = used.get(off);
  if (size === undefined) return false;
  used.delete(off);
  let i = 0;
  while (i < freeList.length && freeList[i]!.off < off) i++;
  freeList.splice(i, 0, { off, size });
  // Coalesce with the neighbours, then give a free tail back to `top`.
  const next = freeList[i + 1];
  if (next !== undefined && off + size === next.off) {
    freeList[i]!.size += next.size;
    freeList.splice(i + 1, 1);
  }
  const prev = freeList[i - 1];
  if (prev !== undefined && prev.off + prev.size === off) {
    prev.size += freeList[i]!.size;
    freeList.splice(i, 1);
  }
  const last = freeList[freeList.length - 1];
  if (last !== undefined && last.off + last.size === top) {
    top = last.off;
    freeList.pop();
  }
  return true;
}

/** A Float64Array view of `length` doubles at byte offset `off` of the heap. */
export function heapView(off: number, length: number): Float64Array {
  const buf = (state as KernelHeap).memory.buffer;
  buffers.add(buf);
  return new Float64Array(buf, off, length);
}

/** Byte offset of `x` in the heap, or −1 when x is not a resident Float64Array. */
export function residentOffset(x: ArrayLike<number>): number {
  if (!(x instanceof Float64Array) || !buffers.has(x.buffer)) return -1;
  return x.byteOffset;
}

/** Bytes the heap spans and bytes in live blocks (tests, diagnostics). */
export function heapUsage(): { span: number; live: number; blocks: number } {
  let live = 0;
  for (const s of used.values()) live += s;
  return { span: top, live, blocks: used.size };
}

/** Whether a view of `length` doubles at `off` is exactly a live block (not a sub-view of one). */
export function isWholeBlock(off: number, length: number): boolean {
  return used.get(off) === align(Math.max(8 * length, 8));
}
