/**
 * Private level-3 kernel: C ← C + α·op(A)·op(B) over packed panels (GotoBLAS-style loop order) with a
 * 4×4 register-blocked micro-kernel. C must already hold β·C. Row-major storage with leading
 * dimensions. Triangle modes (square results of symmetric products, syrk / Gram accumulation):
 * 'upper' computes and adds only the entries j ≥ i (the caller mirrors); 'mirror' also adds each
 * contribution at (j, i), keeping a non-symmetric C's asymmetry intact.
 */
import { wasmGemm, singleInstance } from '../wasm/runtime.js';
import { anyResident, heapGemm, poolThreads } from '../wasm/pool.js';

/** 'none': full product; 'upper': only j ≥ i; 'mirror': only j ≥ i computed, each added at (i, j) and (j, i). */
export type Triangle = 'none' | 'upper' | 'mirror';

export interface GemmBlocking {
  /** Rows of op(A) packed at a time (the L2-resident block). */
  readonly mc: number;
  /** Depth of a packed block (shared dimension). */
  readonly kc: number;
  /** Columns of op(B) packed at a time. */
  readonly nc: number;
}

const MR = 4;
const NR = 4;

/** Measured on the development VM (V8, 512×512): kc 128–256 and mc 64–128 are within noise of each other. */
export const DEFAULT_BLOCKING: GemmBlocking = Object.freeze({ mc: 128, kc: 256, nc: 2048 });

/**
 * Below this many multiply-adds packing costs more than it saves. Measured: the packed path already wins
 * at 8×8×8 (0.75 µs vs 6.4 µs for plain loops), the plain loops only at about 4×4×4.
 */
const SMALL_PRODUCT = 64;

// Module-level packing buffers, grown on demand: the kernel never calls user code, so they cannot be re-entered.
let packA = new Float64Array(DEFAULT_BLOCKING.mc * DEFAULT_BLOCKING.kc);
let packB = new Float64Array(DEFAULT_BLOCKING.kc * 64);
const edgeTile = new Float64Array(MR * NR);

/** Which kernel runs: WebAssembly SIMD (AssemblyScript, assembly/gemm.ts) where available, else TypeScript. */
export type GemmBackend = 'wasm' | 'js';

function envBackend(): GemmBackend | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.['FIRSTORDER_BACKEND'];
  return v === 'js' || v === 'wasm' ? v : undefined;
}

let preferWasm = envBackend() !== 'js';

/** Selects the kernel (tests run both); 'wasm' falls back to 'js' where WebAssembly SIMD is missing. */
export function setGemmBackend(backend: GemmBackend): void {
  preferWasm = backend === 'wasm';
}

/** Whether the WebAssembly kernels are wanted (they may still be unavailable). */
export function wasmPreferred(): boolean {
  return preferWasm;
}

/** The backend the next blocked product will use. */
export function gemmBackend(): GemmBackend {
  return preferWasm && singleInstance() !== undefined ? 'wasm' : 'js';
}

function isTypedArray(x: ArrayLike<number>): boolean {
  return x instanceof Float64Array || x instanceof Float32Array;
}

export interface GemmOperand {
  readonly data: ArrayLike<number>;
  /** Distance between consecutive rows of the stored (untransposed) array. */
  readonly ld: number;
  readonly trans: boolean;
}

/**
 * C[i, j]! += α Σ_p op(A)[i, p] · op(B)[p, j] for 0 ≤ i < m, 0 ≤ j < n.
 * op(X) = X or Xᵀ of the stored row-major array. `c` has leading dimension ldc.
 */
export function gemmAccumulate(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: GemmOperand,
  b: GemmOperand,
  c: Float64Array,
  ldc: number,
  triangle: Triangle = 'none',
  blocking: GemmBlocking = DEFAULT_BLOCKING,
): void {
  const upperOnly = triangle !== 'none';
  const mirror = triangle === 'mirror';
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  if (m * n * k <= SMALL_PRODUCT && !blockingForced(blocking)) {
    smallGemm(m, n, k, alpha, a, b, c, ldc, upperOnly, mirror);
    return;
  }
  const { mc: MC, kc: KC, nc: NC } = blocking;
  const needA = Math.ceil(Math.min(MC, m) / MR) * MR * Math.min(KC, k);
  const needB = Math.ceil(Math.min(NC, n) / NR) * NR * Math.min(KC, k);
  if (preferWasm && isTypedArray(a.data) && isTypedArray(b.data)) {
    const tri = !upperOnly ? 0 : mirror ? 2 : 1;
    // Resident operands are used in place; with the pool running, everything goes through the shared heap.
    if ((poolThreads() > 1 || anyResident(a.data, b.data, c)) && heapGemm(m, n, k, alpha, a, b, c, ldc, tri, blocking)) return;
    if (wasmGemm(m, n, k, alpha, a, b, c, ldc, tri, blocking)) return;
  }
  if (packA.length < needA) packA = new Float64Array(needA);
  if (packB.length < needB) packB = new Float64Array(needB);
  const Ap = packA;
  const Bp = packB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanels(b, !b.trans, pc, kc, jc, nc, NR, Bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        // In triangle mode a row block entirely below this column block contributes nothing.
        if (upperOnly && ic >= jc + nc) continue;
        packPanels(a, a.trans, pc, kc, ic, mc, MR, Ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const j0 = jc + jr;
          const bOff = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const i0 = ic + ir;
            if (upperOnly && j0 + nr - 1 < i0) continue; // tile strictly below the diagonal
            const aOff = (ir / MR) * kc * MR;
            if (mr === MR && nr === NR && (!upperOnly || (!mirror && j0 >= i0 + MR))) {
              micro4x4(kc, alpha, Ap, aOff, Bp, bOff, c, i0 * ldc + j0, ldc);
            } else {
              edgeTile.fill(0);
              micro4x4(kc, 1, Ap, aOff, Bp, bOff, edgeTile, 0, NR);
              storeEdge(c, ldc, i0, j0, mr, nr, alpha, upperOnly, mirror, edgeTile);
            }
          }
        }
      }
    }
  }
}

function blockingForced(blocking: GemmBlocking): boolean {
  return blocking !== DEFAULT_BLOCKING;
}

/**
 * Packs a kc-deep, len-wide block of an operand as `width`-wide panels, each stored k-major (panel entry (p, l) at
 * p·width + l), zero-padded past `len`: op(B)[k0:k0+kc, l0:l0+len] in NR-wide panels, or op(A)[l0:l0+len, k0:k0+kc]ᵀ
 * in MR-tall ones. `kMajor`: the stored array holds the block's k index on its rows (entry (p, l) at (k0+p)·ld + l0+l:
 * B as stored, or A transposed); otherwise on its columns (at (l0+l)·ld + k0+p, each stored row read contiguously).
 */
function packPanels(x: GemmOperand, kMajor: boolean, k0: number, kc: number, l0: number, len: number, width: number, dst: Float64Array): void {
  const src = x.data;
  const ld = x.ld;
  let o = 0;
  for (let lr = 0; lr < len; lr += width) {
    const w = Math.min(width, len - lr);
    const lStart = l0 + lr;
    if (kMajor) {
      for (let p = 0; p < kc; p++) {
        const base = (k0 + p) * ld + lStart;
        for (let l = 0; l < width; l++) dst[o + p * width + l] = l < w ? src[base + l]! : 0;
      }
    } else {
      for (let l = 0; l < width; l++) {
        if (l < w) {
          const base = (lStart + l) * ld + k0;
          for (let p = 0; p < kc; p++) dst[o + p * width + l] = src[base + p]!;
        } else {
          for (let p = 0; p < kc; p++) dst[o + p * width + l] = 0;
        }
      }
    }
    o += kc * width;
  }
}

/** 4×4 register tile: c[co + i*ldc + j]! += α Σ_p Ap[4p + i] Bp[4p + j]. */
function micro4x4(
  kc: number,
  alpha: number,
  Ap: Float64Array,
  ao: number,
  Bp: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  ldc: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = Bp[bo]!, b1 = Bp[bo + 1]!, b2 = Bp[bo + 2]!, b3 = Bp[bo + 3]!;
    let av = Ap[ao]!;
    c00 += av * b0; c01 += av * b1; c02 += av * b2; c03 += av * b3;
    av = Ap[ao + 1]!;
    c10 += av * b0; c11 += av * b1; c12 += av * b2; c13 += av * b3;
    av = Ap[ao + 2]!;
    c20 += av * b0; c21 += av * b1; c22 += av * b2; c23 += av * b3;
    av = Ap[ao + 3]!;
    c30 += av * b0; c31 += av * b1; c32 += av * b2; c33 += av * b3;
    ao += MR;
    bo += NR;
  }
  c[co]! += alpha * c00; c[co + 1]! += alpha * c01; c[co + 2]! += alpha * c02; c[co + 3]! += alpha * c03;
  co += ldc;
  c[co]! += alpha * c10; c[co + 1]! += alpha * c11; c[co + 2]! += alpha * c12; c[co + 3]! += alpha * c13;
  co += ldc;
  c[co]! += alpha * c20; c[co + 1]! += alpha * c21; c[co + 2]! += alpha * c22; c[co + 3]! += alpha * c23;
  co += ldc;
  c[co]! += alpha * c30; c[co + 1]! += alpha * c31; c[co + 2]! += alpha * c32; c[co + 3]! += alpha * c33;
}

/** Adds α·tile to C; in triangle modes only entries j ≥ i ('mirror': each also added at (j, i)). */
function storeEdge(
  c: Float64Array,
  ldc: number,
  i0: number,
  j0: number,
  mr: number,
  nr: number,
  alpha: number,
  upperOnly: boolean,
  mirror: boolean,
  tile: Float64Array,
): void {
  for (let ii = 0; ii < mr; ii++) {
    const i = i0 + ii;
    for (let jj = 0; jj < nr; jj++) {
      const j = j0 + jj;
      if (upperOnly && j < i) continue;
      const v = alpha * tile[ii * NR + jj]!;
      c[i * ldc + j]! += v;
      if (mirror && j > i) c[j * ldc + i]! += v;
    }
  }
}

/** Unpacked loops for tiny products (no packing overhead). */
function smallGemm(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: GemmOperand,
  b: GemmOperand,
  c: Float64Array,
  ldc: number,
  upperOnly: boolean,
  mirror: boolean,
): void {
  const A = a.data;
  const B = b.data;
  if (upperOnly) {
    for (let i = 0; i < m; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a.trans ? A[p * a.ld + i]! : A[i * a.ld + p]!;
          const bv = b.trans ? B[j * b.ld + p]! : B[p * b.ld + j]!;
          s += av * bv;
        }
        c[i * ldc + j]! += alpha * s;
        if (mirror && j > i) c[j * ldc + i]! += alpha * s;
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    for (let p = 0; p < k; p++) {
      const av = alpha * (a.trans ? A[p * a.ld + i]! : A[i * a.ld + p]!);
      if (!b.trans) {
        const bp = p * b.ld;
        for (let j = 0; j < n; j++) c[ci + j]! += av * B[bp + j]!;
      } else {
        for (let j = 0; j < n; j++) c[ci + j]! += av * B[j * b.ld + p]!;
      }
    }
  }
}

/** Copies the strict upper triangle of the n×n array c into its lower triangle (cache-blocked transpose). */
export function mirrorUpperToLower(c: Float64Array, n: number, ldc: number): void {
  const B = 32;
  for (let ii = 0; ii < n; ii += B) {
    const iEnd = Math.min(ii + B, n);
    for (let jj = ii; jj < n; jj += B) {
      const jEnd = Math.min(jj + B, n);
      for (let i = ii; i < iEnd; i++) {
        for (let j = Math.max(jj, i + 1); j < jEnd; j++) c[j * ldc + i] = c[i * ldc + j]!;
      }
    }
  }
}
