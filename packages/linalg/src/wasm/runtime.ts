/**
 * Loads the AssemblyScript SIMD kernels (assembly/gemm.ts, embedded as base64 by scripts/build-wasm.mjs)
 * and runs a blocked product in WebAssembly: operands are copied into linear memory (O(mn + nk + mk)
 * against O(mnk) work), the whole loop nest runs there, C is copied back. Synchronous; returns false
 * where WebAssembly SIMD is unavailable or refused, so the caller falls back to the TypeScript kernel.
 */
import { KERNELS_SHARED_WASM, KERNELS_WASM } from './kernels.generated.js';

/** The parts of the WebAssembly API used here (declared locally: the project's lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

export type GemmExport = (
  m: number, n: number, k: number, alpha: number,
  a: number, lda: number, ta: number,
  b: number, ldb: number, tb: number,
  c: number, ldc: number, triangle: number,
  r0: number, r1: number,
  mc: number, kc: number, nc: number,
  pa: number, pb: number, tile: number,
) => void;

export type GemvExport = (rows: number, n: number, a: number, x: number, y: number) => void;
export type GemvTExport = (rows: number, n: number, lda: number, a: number, xs: number, out: number) => void;

export interface KernelInstance {
  readonly memory: WasmMemory;
  readonly gemm: GemmExport;
  readonly gemvRows: GemvExport;
  readonly gemvRowsSeq: GemvExport;
  readonly gemvTRows: GemvTExport;
  readonly dot: (n: number, x: number, y: number) => number;
  readonly axpy: (n: number, alpha: number, x: number, y: number) => void;
  readonly sumSquares: (n: number, x: number) => number;
  readonly cholPanel: (a: number, n: number, k0: number, k1: number, pivot: number) => number;
  readonly trsmUnblocked: (t: number, ldt: number, n: number, lower: number, transpose: number, unit: number, b: number, c: number) => void;
  /** First free byte after the module's static data. */
  readonly heapBase: number;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

export function decodeBase64(b64: string): Uint8Array {
  const bin = (globalThis as unknown as { atob(s: string): string }).atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function instantiate(module: object, memory: WasmMemory): KernelInstance {
  const api = wasmApi()!;
  const instance = new api.Instance(module, { env: { memory } });
  return {
    memory,
    gemm: instance.exports['gemm'] as GemmExport,
    gemvRows: instance.exports['gemvRows'] as GemvExport,
    gemvRowsSeq: instance.exports['gemvRowsSeq'] as GemvExport,
    gemvTRows: instance.exports['gemvTRows'] as GemvTExport,
    dot: instance.exports['dot'] as KernelInstance['dot'],
    axpy: instance.exports['axpy'] as KernelInstance['axpy'],
    sumSquares: instance.exports['sumSquares'] as KernelInstance['sumSquares'],
    cholPanel: instance.exports['cholPanel'] as KernelInstance['cholPanel'],
    trsmUnblocked: instance.exports['trsmUnblocked'] as KernelInstance['trsmUnblocked'],
    heapBase: (instance.exports['heapBase'] as () => number)(),
  };
}

/** Compiles a module variant, or undefined (no WebAssembly, no SIMD, or compilation refused by a CSP). */
export function compileKernels(shared: boolean): object | undefined {
  try {
    const api = wasmApi();
    if (api === undefined) return undefined;
    const bytes = decodeBase64(shared ? KERNELS_SHARED_WASM : KERNELS_WASM);
    if (!api.validate(bytes)) return undefined;
    return new api.Module(bytes);
  } catch {
    return undefined;
  }
}

let privateModule: object | 'untried' | 'unavailable' = 'untried';
let single: KernelInstance | undefined;

/** The single-thread instance (private memory), created on first use. */
export function singleInstance(): KernelInstance | undefined {
  if (single !== undefined) return single;
  if (privateModule === 'untried') privateModule = compileKernels(false) ?? 'unavailable';
  if (privateModule === 'unavailable') return undefined;
  try {
    single = instantiate(privateModule, new (wasmApi()!).Memory({ initial: 1 }));
  } catch {
    privateModule = 'unavailable';
  }
  return single;
}

/** Linear memory cannot shrink: after a product that needed more than this, the instance is dropped (and its memory collected). */
const KEEP_BYTES = 64 * 1024 * 1024;

function releaseIfLarge(inst: KernelInstance): void {
  if (inst.memory.buffer.byteLength > KEEP_BYTES && single === inst) single = undefined;
}

export const PAGE = 65536;
/** Linear memory above this is not requested: the product then runs in the TypeScript kernel. */
export const MAX_BYTES = 1024 * 1024 * 1024;

export function align64(x: number): number {
  return Math.ceil(x / 64) * 64;
}

/** Grows `memory` to hold `bytes`; false if that is over the limit or the engine refuses. */
export function ensureBytes(memory: WasmMemory, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = memory.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false;
  }
}

export interface Operand {
  readonly data: ArrayLike<number>;
  readonly ld: number;
  readonly trans: boolean;
}

/** Stored rows × columns of the part of an operand that op(X) (r×c) reads. */
export function storedShape(rows: number, cols: number, trans: boolean): [number, number] {
  return trans ? [cols, rows] : [rows, cols];
}

/** Copies the stored rows×cols block of `src` (leading dimension ld) compactly (ld = cols) to `dst`. */
export function copyIn(dst: Float64Array, src: ArrayLike<number>, rows: number, cols: number, ld: number): void {
  const s = src as Float64Array;
  if (ld === cols) {
    dst.set(s.subarray(0, rows * cols));
    return;
  }
  for (let i = 0; i < rows; i++) dst.set(s.subarray(i * ld, i * ld + cols), i * cols);
}

/** Copies the compact rows×cols block back into `dst` with leading dimension ld. */
export function copyOut(dst: Float64Array, src: Float64Array, rows: number, cols: number, ld: number): void {
  if (ld === cols) {
    dst.set(src.subarray(0, rows * cols));
    return;
  }
  for (let i = 0; i < rows; i++) dst.set(src.subarray(i * cols, (i + 1) * cols), i * ld);
}

export interface Blocking {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

/** Byte offsets of everything one product needs, after `base`; `threads` sets of packing buffers. */
export interface Layout {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Per thread: packA, packB, tile. */
  readonly scratch: ReadonlyArray<{ pa: number; pb: number; tile: number }>;
  readonly end: number;
  readonly sameAB: boolean;
}

export function layout(
  base: number,
  m: number,
  n: number,
  k: number,
  a: Operand,
  b: Operand,
  blocking: Blocking,
  threads: number,
): Layout {
  const [ar, ac] = storedShape(m, k, a.trans);
  const [br, bc] = storedShape(k, n, b.trans);
  // syrk / Gram: both operands are the same stored array (one copy).
  const sameAB = a.data === b.data && a.ld === b.ld && ar === br && ac === bc;
  let at = align64(base);
  const scratch: { pa: number; pb: number; tile: number }[] = [];
  const kc = Math.min(blocking.kc, k);
  const packABytes = 8 * Math.ceil(Math.min(blocking.mc, m) / 4) * 4 * kc;
  const packBBytes = 8 * Math.ceil(Math.min(blocking.nc, n) / 4) * 4 * kc;
  for (let t = 0; t < threads; t++) {
    const tile = at;
    const pa = align64(tile + 128);
    const pb = align64(pa + packABytes);
    at = align64(pb + packBBytes);
    scratch.push({ pa, pb, tile });
  }
  const aAt = at;
  at = align64(aAt + 8 * ar * ac);
  const bAt = sameAB ? aAt : at;
  if (!sameAB) at = align64(bAt + 8 * br * bc);
  const cAt = at;
  at = align64(cAt + 8 * m * n);
  return { a: aAt, b: bAt, c: cAt, scratch, end: at, sameAB };
}

/** Copies A, B and the m×n block of C into memory at `lay`. */
export function stage(memory: WasmMemory, lay: Layout, m: number, n: number, k: number, a: Operand, b: Operand, c: Float64Array, ldc: number): void {
  const buf = memory.buffer;
  const [ar, ac] = storedShape(m, k, a.trans);
  copyIn(new Float64Array(buf, lay.a, ar * ac), a.data, ar, ac, a.ld);
  if (!lay.sameAB) {
    const [br, bc] = storedShape(k, n, b.trans);
    copyIn(new Float64Array(buf, lay.b, br * bc), b.data, br, bc, b.ld);
  }
  copyIn(new Float64Array(buf, lay.c, m * n), c, m, n, ldc);
}

export function unstage(memory: WasmMemory, lay: Layout, m: number, n: number, c: Float64Array, ldc: number): void {
  copyOut(c, new Float64Array(memory.buffer, lay.c, m * n), m, n, ldc);
}

export function triangleCode(upperOnly: boolean, mirror: boolean): number {
  return !upperOnly ? 0 : mirror ? 2 : 1;
}

/**
 * C (m×n, leading dimension ldc) += α op(A) op(B) on one thread in WebAssembly. Returns false, with C
 * untouched, where the kernels are unavailable or the operands do not fit in linear memory.
 */
export function wasmGemm(
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
  const inst = singleInstance();
  if (inst === undefined) return false;
  const lay = layout(inst.heapBase, m, n, k, a, b, blocking, 1);
  if (!ensureBytes(inst.memory, lay.end)) return false;
  stage(inst.memory, lay, m, n, k, a, b, c, ldc);
  const s = lay.scratch[0]!;
  const [, ac] = storedShape(m, k, a.trans);
  const [, bc] = storedShape(k, n, b.trans);
  inst.gemm(m, n, k, alpha, lay.a, ac, a.trans ? 1 : 0, lay.b, bc, b.trans ? 1 : 0, lay.c, n, triangle, 0, m, blocking.mc, blocking.kc, blocking.nc, s.pa, s.pb, s.tile);
  unstage(inst.memory, lay, m, n, c, ldc);
  releaseIfLarge(inst);
  return true;
}

/** Rows of A streamed through linear memory per block: about 512 KiB, so a block stays in L2. */
const GEMV_BLOCK_DOUBLES = 65536;

/**
 * out ← α op(A) x + β out with A (m×n, row-major, Float64Array) streamed through linear memory in
 * L2-sized row blocks (one copy of A per call; it cannot live there between calls). Transposed: bitwise
 * identical to the TypeScript kernel; plain: two-lane sums per row (a different but equally accurate
 * rounding). Returns false, out untouched, where the kernels are unavailable.
 */
export function wasmGemv(out: Float64Array, a: Float64Array, m: number, n: number, x: Float64Array, transpose: boolean, alpha: number, beta: number): boolean {
  const inst = singleInstance();
  if (inst === undefined) return false;
  const block = Math.max(4, Math.floor(GEMV_BLOCK_DOUBLES / Math.max(n, 1)) & ~3);
  const xAt = align64(inst.heapBase);
  const yAt = align64(xAt + 8 * Math.max(m, n));
  const aAt = align64(yAt + 8 * Math.max(m, n));
  if (!ensureBytes(inst.memory, aAt + 8 * block * n)) return false;
  const buf = inst.memory.buffer;
  const ablock = new Float64Array(buf, aAt, block * n);
  if (!transpose) {
    new Float64Array(buf, xAt, n).set(x);
    const y = new Float64Array(buf, yAt, block);
    for (let i0 = 0; i0 < m; i0 += block) {
      const rows = Math.min(block, m - i0);
      ablock.set(a.subarray(i0 * n, (i0 + rows) * n));
      inst.gemvRows(rows, n, aAt, xAt, yAt);
      for (let r = 0; r < rows; r++) {
        const s = y[r]!;
        out[i0 + r] = beta === 0 ? alpha * s : alpha * s + beta * out[i0 + r]!;
      }
    }
    return true;
  }
  if (beta === 0) out.fill(0);
  else if (beta !== 1) for (let j = 0; j < n; j++) out[j]! *= beta;
  const xs = new Float64Array(buf, xAt, m);
  for (let i = 0; i < m; i++) xs[i] = alpha * x[i]!;
  const y = new Float64Array(buf, yAt, n);
  y.set(out);
  for (let i0 = 0; i0 < m; i0 += block) {
    const rows = Math.min(block, m - i0);
    ablock.set(a.subarray(i0 * n, (i0 + rows) * n));
    inst.gemvTRows(rows, n, n, aAt, xAt + 8 * i0, yAt);
  }
  out.set(y);
  return true;
}
