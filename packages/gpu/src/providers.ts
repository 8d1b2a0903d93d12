/**
 * The string backends of the other packages ('gpu' | 'auto' on ganq, quantizeModel, fasp/pruneModel and the
 * lm forward): this module registers providers in core's registry (importing @firstorder/gpu does it once),
 * sharing one lazily acquired GPU context between calls.
 */
import { registerBackendProvider } from '@firstorder/core';
import type { BackendProvider } from '@firstorder/core';
import { COMPRESS_BACKEND_CAPABILITY, LutLinear } from '@firstorder/compress';
import type { CompressDeviceSession, PackedLut } from '@firstorder/compress';
import { LM_BACKEND_CAPABILITY } from '@firstorder/lm';
import type { FloatArray, Linear, LmDeviceSession } from '@firstorder/lm';
import type { Matrix } from '@firstorder/linalg';
import { BUFFER_USAGE, GpuError, probeGpu, requestGpu } from './device.js';
import type { GpuContext, RequestGpuOptions } from './device.js';
import { columnNormsFromGram, columnScoresGpu, createGpuGanqBackend } from './ganq.js';
import { accumulateGramF64Gpu, lutParams, uploadPacked } from './kernels.js';
import { GEMM_WGSL, LUT_GEMM_WGSL, TILE } from './wgsl.js';

export interface RegisterGpuOptions {
  /** Use this context for every string backend (it stays the caller's: releaseGpuBackends does not destroy it). */
  readonly context?: GpuContext;
  /** Options for the context requested on first use. */
  readonly gpu?: RequestGpuOptions;
}

let fixedContext: GpuContext | null = null;
let requestOptions: RequestGpuOptions = {};
let shared: GpuContext | null = null;
let sharedPending: Promise<GpuContext | null> | null = null;
let autoFoundNone = false;

/** The shared context for 'gpu' (a GpuError without an adapter) or 'auto' (null without one). */
async function sharedContext(choice: 'gpu' | 'auto'): Promise<GpuContext | null> {
  if (fixedContext !== null) {
    fixedContext.assertAlive();
    return fixedContext;
  }
  if (shared !== null && !shared.lost) return shared;
  shared = null;
  if (choice === 'auto' && autoFoundNone) return null;
  sharedPending ??= (choice === 'gpu' ? requestGpu(requestOptions) : probeGpu(requestOptions).then((p) => p.context)).finally(() => {
    sharedPending = null;
  });
  const ctx = await sharedPending;
  if (ctx === null) {
    autoFoundNone = true;
    if (choice === 'gpu') return requestGpu(requestOptions); // the typed no-adapter error
    return null;
  }
  shared = ctx;
  return ctx;
}

function toF32(a: FloatArray | Float64Array, length: number): Float32Array {
  return a instanceof Float32Array ? a.subarray(0, length) : Float32Array.from(a.subarray(0, length));
}

function f32Bits(v: number): number {
  return new Uint32Array(new Float32Array([v]).buffer)[0]!;
}

/** Compress's device session: GANQ backend, chunked Gram, FASP/Wanda scores. Holds no memory between calls. */
export function createCompressSession(ctx: GpuContext): CompressDeviceSession {
  return {
    name: 'webgpu',
    ganqBackend: () => createGpuGanqBackend(ctx),
    accumulateGram: (H, X) => accumulateGramF64Gpu(ctx, H, X),
    async columnScores(W: Matrix, H: Matrix): Promise<Float64Array> {
      const s = await columnScoresGpu(ctx, { rows: W.rows, cols: W.cols, data: Float32Array.from(W.data) }, columnNormsFromGram(H));
      return Float64Array.from(s);
    },
    release(): void {},
  };
}

interface ResidentDense {
  version: number;
  W: GPUBuffer;
  bias: Float32Array | null;
}

/**
 * lm's device session: dense layers (and the tied head) through the tiled GEMM, LutLinear layers through the
 * LUT mpGEMM, with the weights or packed codes uploaded on first use and kept until release(). Each call
 * uploads the activations and downloads the outputs; the bias is added on the host in f32.
 */
export function createLmSession(ctx: GpuContext): LmDeviceSession & { readonly residentBytes: number } {
  const dense = new Map<FloatArray, ResidentDense>();
  const tooLarge = new WeakSet<object>(); // layers whose weights exceed the device's buffer limits: left to the CPU
  const luts = new Map<PackedLut, { buffers: GPUBuffer[]; bias: GPUBuffer }>();
  let scratchX: GPUBuffer | null = null;
  let scratchY: GPUBuffer | null = null;
  let residentBytes = 0;
  const scratch = (buf: GPUBuffer | null, bytes: number, what: string): GPUBuffer => {
    if (buf !== null && buf.size >= bytes) return buf;
    buf?.destroy();
    return ctx.createBuffer(Math.max(bytes, 256), BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_DST | BUFFER_USAGE.COPY_SRC, what);
  };
  const stage = (x: Float32Array, outLen: number): { xb: GPUBuffer; yb: GPUBuffer } => {
    scratchX = scratch(scratchX, x.byteLength, 'x');
    scratchY = scratch(scratchY, 4 * outLen, 'y');
    if (x.byteLength > 0) ctx.device.queue.writeBuffer(scratchX, 0, x.buffer, x.byteOffset, x.byteLength);
    return { xb: scratchX, yb: scratchY };
  };
  const max = ctx.info.limits.maxComputeWorkgroupsPerDimension;

  return {
    name: 'webgpu',
    get residentBytes() {
      return residentBytes;
    },
    async linear(layer: Linear, x: FloatArray, rows: number, y: FloatArray): Promise<boolean> {
      const nIn = layer.inFeatures;
      const nOut = layer.outFeatures;
      if (rows === 0 || nIn === 0 || nOut === 0) return false;
      if (Math.ceil(rows / TILE) > max || Math.ceil(nOut / TILE) > max) return false;
      if (tooLarge.has(layer)) return false;
      if (4 * rows * Math.max(nIn, nOut) > ctx.info.limits.maxStorageBufferBindingSize) return false;
      const dw = layer.denseWeights?.();
      if (dw !== undefined) {
        let r = dense.get(dw.weight);
        if (r === undefined || r.version !== dw.version) {
          if (r !== undefined) {
            r.W.destroy();
            dense.delete(dw.weight);
            residentBytes -= 4 * nOut * nIn;
          }
          if (4 * nOut * nIn > Math.min(ctx.info.limits.maxStorageBufferBindingSize, ctx.info.limits.maxBufferSize)) {
            tooLarge.add(layer);
            return false;
          }
          r = { version: dw.version, W: ctx.upload(toF32(dw.weight, nOut * nIn), 'weight'), bias: dw.bias === null ? null : Float32Array.from(dw.bias) };
          residentBytes += 4 * nOut * nIn;
          dense.set(dw.weight, r);
        }
        const { xb, yb } = stage(toF32(x, rows * nIn), rows * nOut);
        // y = x Wᵀ: A = x (rows × in), B = W (out × in) read transposed.
        const u = ctx.uniform(new Uint32Array([rows, nOut, nIn, nIn, 1, 1, nIn, f32Bits(1), f32Bits(0)]));
        try {
          await ctx.dispatch(ctx.pipeline(GEMM_WGSL), [xb, r.W, yb, u], [Math.ceil(nOut / TILE), Math.ceil(rows / TILE)]);
        } finally {
          u.destroy();
        }
        const out = await ctx.download(yb, Float32Array, rows * nOut);
        const b = r.bias;
        if (b === null) y.set(out);
        else for (let i = 0, q = 0; i < rows; i++) for (let o = 0; o < nOut; o++, q++) y[q] = Math.fround(out[q]! + b[o]!);
        return true;
      }
      if (layer instanceof LutLinear) {
        const p = layer.packed;
        let r = luts.get(p);
        if (r === undefined) {
          const buffers: GPUBuffer[] = [];
          uploadPacked(ctx, p, buffers);
          const bias = ctx.upload(layer.bias === null ? new Float32Array(1) : Float32Array.from(layer.bias), 'bias');
          r = { buffers, bias };
          for (const buf of buffers) residentBytes += buf.size;
          luts.set(p, r);
        }
        const { xb, yb } = stage(toF32(x, rows * nIn), rows * nOut);
        const u = ctx.uniform(lutParams(p, rows, 0, layer.bias !== null));
        try {
          await ctx.dispatch(ctx.pipeline(LUT_GEMM_WGSL), [...r.buffers, u, xb, r.bias, yb], [Math.ceil(nOut / TILE), Math.ceil(rows / TILE)]);
        } finally {
          u.destroy();
        }
        y.set(await ctx.download(yb, Float32Array, rows * nOut));
        return true;
      }
      return false;
    },
    release(): void {
      for (const r of dense.values()) r.W.destroy();
      for (const r of luts.values()) for (const b of [...r.buffers, r.bias]) b.destroy();
      dense.clear();
      luts.clear();
      scratchX?.destroy();
      scratchY?.destroy();
      scratchX = scratchY = null;
      residentBytes = 0;
    },
  };
}

const compressProvider: BackendProvider<CompressDeviceSession> = {
  name: 'webgpu',
  async open(choice) {
    const ctx = await sharedContext(choice);
    return ctx === null ? null : createCompressSession(ctx);
  },
};

const lmProvider: BackendProvider<LmDeviceSession> = {
  name: 'webgpu',
  async open(choice) {
    const ctx = await sharedContext(choice);
    return ctx === null ? null : createLmSession(ctx);
  },
};

let unregister: (() => void) | null = null;

/**
 * Registers the WebGPU providers for the string backends of ganq, quantizeModel, pruneModel/fasp and the lm
 * forward (importing @firstorder/gpu calls this once with no options). Call it again with `context` to make
 * them use your context. Returns a function that unregisters them.
 */
export function registerGpuBackends(options: RegisterGpuOptions = {}): () => void {
  if (options.context !== undefined && (options.context === null || typeof options.context.assertAlive !== 'function')) {
    throw new GpuError('validation', 'registerGpuBackends: context must be a GpuContext from requestGpu', 'context');
  }
  fixedContext = options.context ?? null;
  requestOptions = options.gpu ?? {};
  autoFoundNone = false;
  unregister?.();
  const a = registerBackendProvider(COMPRESS_BACKEND_CAPABILITY, compressProvider);
  const b = registerBackendProvider(LM_BACKEND_CAPABILITY, lmProvider);
  const both = (): void => {
    a();
    b();
    if (unregister === both) unregister = null;
  };
  unregister = both;
  return both;
}

/** Destroys the shared context the string backends acquired (not a context passed to registerGpuBackends). */
export function releaseGpuBackends(): void {
  shared?.destroy();
  shared = null;
  autoFoundNone = false;
}
