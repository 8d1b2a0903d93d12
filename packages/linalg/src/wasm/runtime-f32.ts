/**
 * Loads the f32 AssemblyScript SIMD module (assembly/f32/index.ts, embedded as base64 by scripts/build-wasm.mjs)
 * and runs the three linear-layer products in it: operands are copied into linear memory (O(mn + nk + mk)
 * against O(mnk) work), W is transposed there for the forward, the result is copied back. Synchronous;
 * every entry returns false, outputs untouched, where WebAssembly SIMD is unavailable or refused, so the
 * caller falls back to TypeScript.
 */
import { KERNELS_F32_WASM } from './kernels-f32.generated.js';
import { align64, decodeBase64, ensureBytes, wasmApi } from './runtime.js';
import type { WasmMemory } from './runtime.js';

type Product = (m: number, n: number, k: number, a: number, sam: number, sak: number, b: number, ldb: number, c: number, ldc: number, kc: number, nc: number, pa: number) => void;

interface F32Instance {
  readonly memory: WasmMemory;
  readonly gemmAcc: Product;
  readonly gemmAcc64: Product;
  readonly transpose: (src: number, rows: number, cols: number, dst: number) => void;
  readonly broadcastRows: (c: number, m: number, n: number, v: number) => void;
  readonly attentionForward: (q: number, k: number, v: number, batch: number, seq: number, heads: number, hd: number, P: number, out: number) => void;
  readonly attentionBackward: (
    q: number, k: number, v: number, P: number, dOut: number, batch: number, seq: number, heads: number, hd: number,
    dq: number, dk: number, dv: number, scratch: number,
  ) => void;
  readonly lutGemm: (
    codes: number, wpr: number, lut: number, m: number, n: number, bits: number,
    rowPtr: number, colIdx: number, values: number, hasOutliers: number, bias: number, hasBias: number,
    X: number, batch: number, Y: number, w: number,
  ) => void;
  readonly heapBase: number;
}

/** Where the sums are carried: f32x4 lanes (default, measured faster) or f64x2 lanes rounded once per depth block. */
export type F32Accumulation = 'f32' | 'f64';

/**
 * Depth × column blocking of the f32 product. Measured on the development VM at the lm shapes (rows 1024,
 * features 128/512): kc 256 with nc 256 keeps B's block (256 KiB) in L2; larger kc made no difference there.
 */
const KC = 256;
const NC = 256;
/** Linear memory cannot shrink: after a call that needed more than this, the instance is dropped. */
const KEEP_BYTES = 256 * 1024 * 1024;

let state: 'untried' | 'unavailable' | object = 'untried';
let inst: F32Instance | undefined;
let accumulation: F32Accumulation = 'f32';

export function setF32AccumulationMode(mode: F32Accumulation): void {
  accumulation = mode;
}

export function f32AccumulationMode(): F32Accumulation {
  return accumulation;
}

function compile(): object | undefined {
  try {
    const api = wasmApi();
    if (api === undefined) return undefined;
    const bytes = decodeBase64(KERNELS_F32_WASM);
    if (!api.validate(bytes)) return undefined;
    return new api.Module(bytes);
  } catch {
    return undefined;
  }
}

/** The f32 instance, created on first use; undefined where WebAssembly SIMD is unavailable. */
export function f32Instance(): F32Instance | undefined {
  if (inst !== undefined) return inst;
  if (state === 'untried') state = compile() ?? 'unavailable';
  if (state === 'unavailable') return undefined;
  try {
    const api = wasmApi()!;
    const memory = new api.Memory({ initial: 1 });
    const e = new api.Instance(state, { env: { memory } }).exports;
    inst = {
      memory,
      gemmAcc: e['gemmAcc'] as Product,
      gemmAcc64: e['gemmAcc64'] as Product,
      transpose: e['transpose'] as F32Instance['transpose'],
      broadcastRows: e['broadcastRows'] as F32Instance['broadcastRows'],
      attentionForward: e['attentionForward'] as F32Instance['attentionForward'],
      attentionBackward: e['attentionBackward'] as F32Instance['attentionBackward'],
      lutGemm: e['lutGemm'] as F32Instance['lutGemm'],
      heapBase: (e['heapBase'] as () => number)(),
    };
  } catch {
    state = 'unavailable';
  }
  return inst;
}

export function release(i: F32Instance): void {
  if (i.memory.buffer.byteLength > KEEP_BYTES && inst === i) inst = undefined;
}

/** Byte offsets of consecutive f32 arrays of the given lengths after the heap base, and the end. */
function place(base: number, lengths: readonly number[]): number[] {
  const at: number[] = [];
  // The first 16·KC bytes are the product's packing scratch (packAt).
  let p = align64(base) + 16 * KC;
  for (const n of lengths) {
    at.push(p);
    p = align64(p + 4 * n);
  }
  at.push(p);
  return at;
}

function packAt(i: F32Instance): number {
  return align64(i.heapBase);
}

function view(i: F32Instance, at: number, n: number): Float32Array {
  return new Float32Array(i.memory.buffer, at, n);
}

function product(i: F32Instance): Product {
  return accumulation === 'f64' ? i.gemmAcc64 : i.gemmAcc;
}

/** y (rows×outF) = x (rows×inF) Wᵀ + b, W outF×inF. */
export function wasmLinearForward(x: Float32Array, rows: number, inF: number, W: Float32Array, b: Float32Array | null, outF: number, y: Float32Array): boolean {
  const i = f32Instance();
  if (i === undefined) return false;
  const [xAt, wAt, wtAt, bAt, yAt, end] = place(i.heapBase, [rows * inF, outF * inF, inF * outF, outF, rows * outF]) as [number, number, number, number, number, number];
  if (!ensureBytes(i.memory, end)) return false;
  view(i, xAt, rows * inF).set(x.subarray(0, rows * inF));
  view(i, wAt, outF * inF).set(W.subarray(0, outF * inF));
  i.transpose(wAt, outF, inF, wtAt);
  if (b === null) view(i, yAt, rows * outF).fill(0);
  else {
    view(i, bAt, outF).set(b.subarray(0, outF));
    i.broadcastRows(yAt, rows, outF, bAt);
  }
  product(i)(rows, outF, inF, xAt, inF, 1, wtAt, outF, yAt, outF, KC, NC, packAt(i));
  y.set(view(i, yAt, rows * outF));
  release(i);
  return true;
}

/** dx (rows×inF) = dy (rows×outF) W, or dx += dy W when `accumulate`. */
export function wasmLinearBackwardInput(dy: Float32Array, rows: number, outF: number, W: Float32Array, inF: number, dx: Float32Array, accumulate: boolean): boolean {
  const i = f32Instance();
  if (i === undefined) return false;
  const [dyAt, wAt, dxAt, end] = place(i.heapBase, [rows * outF, outF * inF, rows * inF]) as [number, number, number, number];
  if (!ensureBytes(i.memory, end)) return false;
  view(i, dyAt, rows * outF).set(dy.subarray(0, rows * outF));
  view(i, wAt, outF * inF).set(W.subarray(0, outF * inF));
  const d = view(i, dxAt, rows * inF);
  if (accumulate) d.set(dx.subarray(0, rows * inF));
  else d.fill(0);
  product(i)(rows, inF, outF, dyAt, outF, 1, wAt, inF, dxAt, inF, KC, NC, packAt(i));
  dx.set(view(i, dxAt, rows * inF));
  release(i);
  return true;
}

/** dW (outF×inF) += dyᵀ x (dy rows×outF, x rows×inF); the bias gradient is left to the caller. */
export function wasmLinearBackwardWeight(x: Float32Array, dy: Float32Array, rows: number, inF: number, outF: number, dW: Float32Array): boolean {
  const i = f32Instance();
  if (i === undefined) return false;
  const [xAt, dyAt, dwAt, end] = place(i.heapBase, [rows * inF, rows * outF, outF * inF]) as [number, number, number, number];
  if (!ensureBytes(i.memory, end)) return false;
  view(i, xAt, rows * inF).set(x.subarray(0, rows * inF));
  view(i, dyAt, rows * outF).set(dy.subarray(0, rows * outF));
  view(i, dwAt, outF * inF).set(dW.subarray(0, outF * inF));
  // A = dyᵀ read in place: element (o, r) at o·1 + r·outF.
  product(i)(outF, inF, rows, dyAt, 1, outF, xAt, inF, dwAt, inF, KC, NC, packAt(i));
  dW.set(view(i, dwAt, outF * inF));
  release(i);
  return true;
}

/** Causal attention forward (see assembly/f32/index.ts): P [batch, heads, seq, seq] and out [batch·seq, heads·hd]. */
export function wasmAttentionForward(q: Float32Array, k: Float32Array, v: Float32Array, batch: number, seq: number, heads: number, hd: number, P: Float32Array, out: Float32Array): boolean {
  const i = f32Instance();
  if (i === undefined) return false;
  const n = batch * seq * heads * hd;
  const np = batch * heads * seq * seq;
  const [qAt, kAt, vAt, pAt, oAt, end] = place(i.heapBase, [n, n, n, np, n]) as [number, number, number, number, number, number];
  if (!ensureBytes(i.memory, end)) return false;
  view(i, qAt, n).set(q.subarray(0, n));
  view(i, kAt, n).set(k.subarray(0, n));
  view(i, vAt, n).set(v.subarray(0, n));
  view(i, pAt, np).fill(0);
  i.attentionForward(qAt, kAt, vAt, batch, seq, heads, hd, pAt, oAt);
  // Entries above the diagonal come back as 0 (the TypeScript kernel leaves them as they were; nothing reads them).
  P.set(view(i, pAt, np));
  out.set(view(i, oAt, n));
  release(i);
  return true;
}

/** Causal attention backward: dq, dk, dv (overwritten) from dOut and the forward's P. */
export function wasmAttentionBackward(
  q: Float32Array, k: Float32Array, v: Float32Array, P: Float32Array, dOut: Float32Array,
  batch: number, seq: number, heads: number, hd: number,
  dq: Float32Array, dk: Float32Array, dv: Float32Array,
): boolean {
  const i = f32Instance();
  if (i === undefined) return false;
  const n = batch * seq * heads * hd;
  const np = batch * heads * seq * seq;
  const [qAt, kAt, vAt, pAt, dOAt, dqAt, dkAt, dvAt, sAt, end] = place(i.heapBase, [n, n, n, np, n, n, n, n, seq]) as [
    number, number, number, number, number, number, number, number, number, number,
  ];
  if (!ensureBytes(i.memory, end)) return false;
  view(i, qAt, n).set(q.subarray(0, n));
  view(i, kAt, n).set(k.subarray(0, n));
  view(i, vAt, n).set(v.subarray(0, n));
  view(i, pAt, np).set(P.subarray(0, np));
  view(i, dOAt, n).set(dOut.subarray(0, n));
  i.attentionBackward(qAt, kAt, vAt, pAt, dOAt, batch, seq, heads, hd, dqAt, dkAt, dvAt, sAt);
  dq.set(view(i, dqAt, n));
  dk.set(view(i, dkAt, n));
  dv.set(view(i, dvAt, n));
  release(i);
  return true;
}
