import { assertFinite, dimensionMismatch, invalidArgument } from '@firstorder/core';
import { validatePacked } from '@firstorder/compress';
import type { Matrix } from '@firstorder/linalg';
import type { PackedLut } from '@firstorder/compress';
import { GpuError } from './device.js';
import type { GpuContext } from './device.js';
import { gemmF32Kernel, gemvColsF32Kernel, gemvRowsF32Kernel, lutDecodeF32Kernel, lutGemmF32Kernel, lutGemvF32Kernel } from './twins.js';
import { GEMM_WGSL, GEMV_WGSL, LANES, LUT_DECODE_WGSL, LUT_GEMM_WGSL, LUT_GEMV_WGSL, TILE } from './wgsl.js';

/** A row-major f32 matrix (the GPU's element type; convert Float64 `Matrix` data explicitly). */
export interface F32Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** With beta ≠ 0, C (m × n) is read; it is not modified (a new matrix is returned). */
  beta?: number;
  C?: F32Matrix;
}

export interface GemvOptions {
  transpose?: boolean;
  alpha?: number;
  beta?: number;
  y?: Float32Array;
}

export interface GramOptions {
  /** false (default): X is n × t and H += α X Xᵀ; true: X is t × n and H += α Xᵀ X. */
  transpose?: boolean;
  alpha?: number;
}

function checkMatrix(name: string, A: F32Matrix): void {
  if (A === null || typeof A !== 'object' || !(A.data instanceof Float32Array)) throw invalidArgument(name, '{ rows, cols, data: Float32Array }', A);
  if (!Number.isInteger(A.rows) || !Number.isInteger(A.cols) || A.rows < 0 || A.cols < 0) throw invalidArgument(`${name}.rows/cols`, 'non-negative integers', `${A.rows}×${A.cols}`);
  if (A.data.length !== A.rows * A.cols) throw dimensionMismatch(`${name}.data`, `length rows·cols = ${A.rows * A.cols}`, `length ${A.data.length}`);
}

function scalar(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(name, 'a finite number', v);
  return v;
}

function f32Bits(v: number): number {
  return new Uint32Array(new Float32Array([v]).buffer)[0]!;
}

/** Folds a 1-D count of workgroups into (x, y) within the per-dimension limit. */
function grid(count: number, ctx: GpuContext): [number, number] {
  const max = ctx.info.limits.maxComputeWorkgroupsPerDimension;
  if (count <= max) return [count, 1];
  const x = max;
  return [x, Math.ceil(count / x)];
}

interface GemmPlan {
  m: number;
  n: number;
  k: number;
  sar: number;
  sac: number;
  sbr: number;
  sbc: number;
  alpha: number;
  beta: number;
}

function planGemm(A: F32Matrix, B: F32Matrix, o: GemmOptions): GemmPlan {
  checkMatrix('A', A);
  checkMatrix('B', B);
  const m = o.transA ? A.cols : A.rows;
  const k = o.transA ? A.rows : A.cols;
  const kb = o.transB ? B.cols : B.rows;
  const n = o.transB ? B.rows : B.cols;
  if (k !== kb) throw dimensionMismatch('B', `${o.transB ? 'cols' : 'rows'} = ${k} (inner dimension of op(A))`, String(kb));
  const alpha = scalar('alpha', o.alpha, 1);
  const beta = scalar('beta', o.beta, 0);
  if (o.C !== undefined) {
    checkMatrix('C', o.C);
    if (o.C.rows !== m || o.C.cols !== n) throw dimensionMismatch('C', `${m}×${n}`, `${o.C.rows}×${o.C.cols}`);
  } else if (beta !== 0) {
    throw invalidArgument('C', 'a matrix when beta ≠ 0', undefined);
  }
  return {
    m, n, k, alpha, beta,
    sar: o.transA ? 1 : A.cols, sac: o.transA ? A.cols : 1,
    sbr: o.transB ? 1 : B.cols, sbc: o.transB ? B.cols : 1,
  };
}

/** CPU twin of {@link gemmGpu}: alpha·op(A)·op(B) + beta·C in f32 with the kernel's order. */
export function gemmF32(A: F32Matrix, B: F32Matrix, options: GemmOptions = {}): F32Matrix {
  const p = planGemm(A, B, options);
  const C = new Float32Array(p.m * p.n);
  if (p.beta !== 0) C.set(options.C!.data);
  gemmF32Kernel(A.data, p.sar, p.sac, B.data, p.sbr, p.sbc, C, p.m, p.n, p.k, p.alpha, p.beta);
  return { rows: p.m, cols: p.n, data: C };
}

async function runGemm(ctx: GpuContext, A: Float32Array, B: Float32Array, Cin: Float32Array | null, p: GemmPlan): Promise<Float32Array> {
  if (p.m === 0 || p.n === 0) return new Float32Array(0);
  const bufs: GPUBuffer[] = [];
  try {
    const a = ctx.upload(A, 'A');
    bufs.push(a);
    const b = ctx.upload(B, 'B');
    bufs.push(b);
    const c = Cin !== null ? ctx.upload(Cin, 'C') : ctx.upload(new Float32Array(p.m * p.n), 'C');
    bufs.push(c);
    const params = new Uint32Array([p.m, p.n, p.k, p.sar, p.sac, p.sbr, p.sbc, f32Bits(p.alpha), f32Bits(p.beta)]);
    const u = ctx.uniform(params);
    bufs.push(u);
    await ctx.dispatch(ctx.pipeline(GEMM_WGSL), [a, b, c, u], [Math.ceil(p.n / TILE), Math.ceil(p.m / TILE)]);
    return await ctx.download(c, Float32Array, p.m * p.n);
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}

/** C = alpha·op(A)·op(B) + beta·C on the GPU (16×16 tiles, f32). Inputs are not modified. */
export async function gemmGpu(ctx: GpuContext, A: F32Matrix, B: F32Matrix, options: GemmOptions = {}): Promise<F32Matrix> {
  const p = planGemm(A, B, options);
  const data = await runGemm(ctx, A.data, B.data, p.beta !== 0 ? options.C!.data : null, p);
  return { rows: p.m, cols: p.n, data };
}

function planGram(H: F32Matrix, X: F32Matrix, o: GramOptions): GemmPlan {
  checkMatrix('H', H);
  checkMatrix('X', X);
  if (H.rows !== H.cols) throw dimensionMismatch('H', 'a square matrix', `${H.rows}×${H.cols}`);
  const n = o.transpose ? X.cols : X.rows;
  const t = o.transpose ? X.rows : X.cols;
  if (n !== H.rows) throw dimensionMismatch('X', `${o.transpose ? 'cols' : 'rows'} = ${H.rows} (the size of H)`, String(n));
  const alpha = scalar('alpha', o.alpha, 1);
  // H + α·op(X)·op(X)ᵀ as a GEMM with β = 1: op(X) is n × t, the second factor its transpose.
  return o.transpose
    ? { m: n, n, k: t, sar: 1, sac: X.cols, sbr: X.cols, sbc: 1, alpha, beta: 1 }
    : { m: n, n, k: t, sar: X.cols, sac: 1, sbr: 1, sbc: X.cols, alpha, beta: 1 };
}

/** CPU twin of {@link accumulateGramGpu}. Returns the new H (the input H is not modified). */
export function accumulateGramF32(H: F32Matrix, X: F32Matrix, options: GramOptions = {}): F32Matrix {
  const p = planGram(H, X, options);
  const out = Float32Array.from(H.data);
  gemmF32Kernel(X.data, p.sar, p.sac, X.data, p.sbr, p.sbc, out, p.m, p.n, p.k, p.alpha, p.beta);
  return { rows: p.m, cols: p.n, data: out };
}

/**
 * H + α X Xᵀ (or α Xᵀ X) on the GPU: every entry sums over the t samples in order, so H[i, j] and H[j, i]
 * are computed identically and the result is exactly symmetric when H is.
 */
export async function accumulateGramGpu(ctx: GpuContext, H: F32Matrix, X: F32Matrix, options: GramOptions = {}): Promise<F32Matrix> {
  const p = planGram(H, X, options);
  const data = await runGemm(ctx, X.data, X.data, H.data, p);
  return { rows: p.m, cols: p.n, data };
}

/**
 * H += Xᵀ X into a float64 n × n H for X (t × n, f32, one row per sample): each chunk of `chunkRows` rows
 * is one GPU Gram product summed in f32 (in row order, so every chunk's result is exactly symmetric), and the
 * chunks are added on the host in float64. The f32 part bounds the error by γ_chunk Σ_t |x_ti||x_tj| per entry.
 */
export async function accumulateGramF64Gpu(ctx: GpuContext, H: Matrix, X: F32Matrix, options: { chunkRows?: number } = {}): Promise<void> {
  checkMatrix('X', X);
  const n = X.cols;
  if (H === null || typeof H !== 'object' || !(H.data instanceof Float64Array) || H.rows !== n || H.cols !== n) {
    throw dimensionMismatch('H', `a float64 ${n}×${n} Matrix (the columns of X)`, `${H?.rows}×${H?.cols}`);
  }
  assertFinite('X', X.data);
  const chunk = options.chunkRows ?? 1024;
  if (!Number.isInteger(chunk) || chunk < 1) throw invalidArgument('chunkRows', 'a positive integer', chunk);
  if (n === 0 || X.rows === 0) return;
  const bufs: GPUBuffer[] = [];
  try {
    const c = ctx.createBuffer(4 * n * n, 128 | 4 | 8, 'gram'); // STORAGE | COPY_SRC | COPY_DST
    bufs.push(c);
    const pipeline = ctx.pipeline(GEMM_WGSL);
    for (let r0 = 0; r0 < X.rows; r0 += chunk) {
      const t = Math.min(chunk, X.rows - r0);
      const x = ctx.upload(X.data.subarray(r0 * n, (r0 + t) * n), 'X');
      const u = ctx.uniform(new Uint32Array([n, n, t, 1, n, n, 1, f32Bits(1), f32Bits(0)]));
      try {
        await ctx.dispatch(pipeline, [x, x, c, u], [Math.ceil(n / TILE), Math.ceil(n / TILE)]);
        const part = await ctx.download(c, Float32Array, n * n);
        const h = H.data;
        for (let q = 0; q < n * n; q++) h[q]! += part[q]!;
      } finally {
        x.destroy();
        u.destroy();
      }
    }
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}

function planGemv(A: F32Matrix, x: Float32Array, o: GemvOptions): { outLen: number; alpha: number; beta: number } {
  checkMatrix('A', A);
  if (!(x instanceof Float32Array)) throw invalidArgument('x', 'a Float32Array', x);
  const inLen = o.transpose ? A.rows : A.cols;
  const outLen = o.transpose ? A.cols : A.rows;
  if (x.length !== inLen) throw dimensionMismatch('x', `length ${inLen}`, `length ${x.length}`);
  const alpha = scalar('alpha', o.alpha, 1);
  const beta = scalar('beta', o.beta, 0);
  if (o.y !== undefined && (!(o.y instanceof Float32Array) || o.y.length !== outLen)) throw dimensionMismatch('y', `a Float32Array of length ${outLen}`, `${o.y?.length}`);
  if (beta !== 0 && o.y === undefined) throw invalidArgument('y', 'a vector when beta ≠ 0', undefined);
  return { outLen, alpha, beta };
}

/** CPU twin of {@link gemvGpu}. */
export function gemvF32(A: F32Matrix, x: Float32Array, options: GemvOptions = {}): Float32Array {
  const p = planGemv(A, x, options);
  const y = new Float32Array(p.outLen);
  if (p.beta !== 0) y.set(options.y!);
  if (options.transpose) gemvColsF32Kernel(A.data, A.rows, A.cols, x, y, p.alpha, p.beta);
  else gemvRowsF32Kernel(A.data, A.rows, A.cols, x, y, p.alpha, p.beta);
  return y;
}

/** y = alpha·op(A) x + beta·y on the GPU (a 64-lane workgroup per row, or one invocation per column for Aᵀx). */
export async function gemvGpu(ctx: GpuContext, A: F32Matrix, x: Float32Array, options: GemvOptions = {}): Promise<Float32Array> {
  const p = planGemv(A, x, options);
  if (p.outLen === 0) return new Float32Array(0);
  const bufs: GPUBuffer[] = [];
  try {
    const a = ctx.upload(A.data, 'A');
    bufs.push(a);
    const xb = ctx.upload(x, 'x');
    bufs.push(xb);
    const y = ctx.upload(p.beta !== 0 ? options.y! : new Float32Array(p.outLen), 'y');
    bufs.push(y);
    const groups = options.transpose ? Math.ceil(p.outLen / LANES) : p.outLen;
    const [gx, gy] = grid(groups, ctx);
    const u = ctx.uniform(new Uint32Array([A.rows, A.cols, gx, options.transpose ? 1 : 0, f32Bits(p.alpha), f32Bits(p.beta)]));
    bufs.push(u);
    await ctx.dispatch(ctx.pipeline(GEMV_WGSL, options.transpose ? 'cols' : 'rows'), [a, xb, y, u], [gx, gy]);
    return await ctx.download(y, Float32Array, p.outLen);
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}

function checkPacked(p: PackedLut): void {
  validatePacked(p);
}

function checkBias(bias: Float32Array | null, m: number): void {
  if (bias !== null && (!(bias instanceof Float32Array) || bias.length !== m)) throw dimensionMismatch('bias', `null or a Float32Array of length ${m}`, `${bias?.length}`);
}

/** Ŵ as a dense f32 m × n matrix: T_i[q_ij], plus the outliers added in f32 (CPU twin of lutDecodeGpu). */
export function lutDecodeF32(p: PackedLut): F32Matrix {
  checkPacked(p);
  const W = new Float32Array(p.rows * p.cols);
  const o = p.outliers;
  lutDecodeF32Kernel(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, W);
  return { rows: p.rows, cols: p.cols, data: W };
}

/** CPU twin of {@link lutGemvGpu}: the kernel's f32 lane/tree order (compress's lutGemv sums in float64 instead). */
export function lutGemvF32(p: PackedLut, x: Float32Array, bias: Float32Array | null = null): Float32Array {
  checkPacked(p);
  if (!(x instanceof Float32Array) || x.length !== p.cols) throw dimensionMismatch('x', `a Float32Array of length ${p.cols}`, `${x?.length}`);
  checkBias(bias, p.rows);
  const y = new Float32Array(p.rows);
  const o = p.outliers;
  lutGemvF32Kernel(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, x, y);
  return y;
}

/** CPU twin of {@link lutGemmGpu}: Y = X Ŵᵀ (+ bias), X batch × cols, sequential f32 sums. */
export function lutGemmF32(p: PackedLut, X: Float32Array, batch: number, bias: Float32Array | null = null): Float32Array {
  checkPacked(p);
  checkBatch(p, X, batch);
  checkBias(bias, p.rows);
  const Y = new Float32Array(batch * p.rows);
  const o = p.outliers;
  lutGemmF32Kernel(p.codes, p.wordsPerRow, p.lut, p.rows, p.cols, p.bits, o?.rowPtr ?? null, o?.colIndices ?? null, o?.values ?? null, bias, X, batch, Y);
  return Y;
}

function checkBatch(p: PackedLut, X: Float32Array, batch: number): void {
  if (!Number.isInteger(batch) || batch < 0) throw invalidArgument('batch', 'a non-negative integer', batch);
  if (!(X instanceof Float32Array) || X.length !== batch * p.cols) throw dimensionMismatch('X', `a Float32Array of length batch·cols = ${batch * p.cols}`, `${X?.length}`);
}

/** Uploads the packed matrix; the outlier buffers are 1-element placeholders when there are none. */
export function uploadPacked(ctx: GpuContext, p: PackedLut, bufs: GPUBuffer[]): GPUBuffer[] {
  const o = p.outliers;
  const list = [
    ctx.upload(p.codes, 'codes'),
    ctx.upload(p.lut, 'lut'),
    ctx.upload(o?.rowPtr ?? new Int32Array(1), 'outliers.rowPtr'),
    ctx.upload(o !== null && o.colIndices.length > 0 ? o.colIndices : new Int32Array(1), 'outliers.colIndices'),
    ctx.upload(o !== null && o.values.length > 0 ? o.values : new Float32Array(1), 'outliers.values'),
  ];
  bufs.push(...list);
  return list;
}

export function lutParams(p: PackedLut, batch: number, gridx: number, bias: boolean): Uint32Array {
  return new Uint32Array([p.rows, p.cols, p.bits, p.wordsPerRow, batch, gridx, p.outliers !== null ? 1 : 0, bias ? 1 : 0]);
}

/** Ŵ decoded on the GPU (dense f32 m × n, outliers added): bit-identical to {@link lutDecodeF32}. */
export async function lutDecodeGpu(ctx: GpuContext, p: PackedLut): Promise<F32Matrix> {
  checkPacked(p);
  const bufs: GPUBuffer[] = [];
  try {
    const [codes, lut, rowPtr, colIdx, vals] = uploadPacked(ctx, p, bufs);
    const W = ctx.upload(new Float32Array(p.rows * p.cols), 'W');
    bufs.push(W);
    const [gx, gy] = grid(Math.ceil(p.rows / LANES), ctx);
    const u = ctx.uniform(lutParams(p, 0, gx, false));
    bufs.push(u);
    await ctx.dispatch(ctx.pipeline(LUT_DECODE_WGSL, 'dense'), [codes!, lut!, null, null, null, u, W], [Math.ceil(p.cols / TILE), Math.ceil(p.rows / TILE)]);
    if (p.outliers !== null) await ctx.dispatch(ctx.pipeline(LUT_DECODE_WGSL, 'sparse'), [null, null, rowPtr!, colIdx!, vals!, u, W], [gx, gy]);
    return { rows: p.rows, cols: p.cols, data: await ctx.download(W, Float32Array, p.rows * p.cols) };
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}

/** y = Ŵ x (+ outliers, + bias) from packed 2/3/4-bit codes and per-row LUTs, on the GPU. */
export async function lutGemvGpu(ctx: GpuContext, p: PackedLut, x: Float32Array, bias: Float32Array | null = null): Promise<Float32Array> {
  checkPacked(p);
  if (!(x instanceof Float32Array) || x.length !== p.cols) throw dimensionMismatch('x', `a Float32Array of length ${p.cols}`, `${x?.length}`);
  assertFinite('x', x);
  checkBias(bias, p.rows);
  const bufs: GPUBuffer[] = [];
  try {
    const packed = uploadPacked(ctx, p, bufs);
    const xb = ctx.upload(x, 'x');
    const bb = ctx.upload(bias ?? new Float32Array(1), 'bias');
    const y = ctx.upload(new Float32Array(p.rows), 'y');
    bufs.push(xb, bb, y);
    const [gx, gy] = grid(p.rows, ctx);
    const u = ctx.uniform(lutParams(p, 1, gx, bias !== null));
    bufs.push(u);
    await ctx.dispatch(ctx.pipeline(LUT_GEMV_WGSL), [...packed, u, xb, bb, y], [gx, gy]);
    return await ctx.download(y, Float32Array, p.rows);
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}

/** Y = X Ŵᵀ (+ outliers, + bias) on the GPU: X batch × cols, Y batch × rows, row-major. */
export async function lutGemmGpu(ctx: GpuContext, p: PackedLut, X: Float32Array, batch: number, bias: Float32Array | null = null): Promise<Float32Array> {
  checkPacked(p);
  checkBatch(p, X, batch);
  assertFinite('X', X);
  checkBias(bias, p.rows);
  if (batch === 0) return new Float32Array(0);
  const bufs: GPUBuffer[] = [];
  try {
    const packed = uploadPacked(ctx, p, bufs);
    const xb = ctx.upload(X, 'X');
    const bb = ctx.upload(bias ?? new Float32Array(1), 'bias');
    const Y = ctx.upload(new Float32Array(batch * p.rows), 'Y');
    bufs.push(xb, bb, Y);
    const u = ctx.uniform(lutParams(p, batch, 0, bias !== null));
    bufs.push(u);
    const wx = Math.ceil(p.rows / TILE);
    const wy = Math.ceil(batch / TILE);
    if (wx > ctx.info.limits.maxComputeWorkgroupsPerDimension || wy > ctx.info.limits.maxComputeWorkgroupsPerDimension) {
      throw new GpuError('too_large', `lutGemmGpu: ${p.rows} rows × batch ${batch} exceeds the dispatch limit`);
    }
    await ctx.dispatch(ctx.pipeline(LUT_GEMM_WGSL), [...packed, u, xb, bb, Y], [wx, wy]);
    return await ctx.download(Y, Float32Array, batch * p.rows);
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}
