/**
 * Pluggable compute backends for GANQ's two heavy steps (the O(m·n²) S-step sweep and the O(m·n²)
 * cluster-Gram accumulation of the T-step). compress cannot depend on @firstorder/gpu (gpu depends on
 * compress for the packed format), so a backend is injected: `ganq(W, H, { backend })`. Everything
 * else (Gram preparation, initial codebooks, the float64 objective, best-iterate choice, outliers)
 * is shared with the CPU path below, so a backend only has to reproduce the codes and codebooks.
 */
import { FirstOrderError, checkBackendChoice, invalidArgument, openBackend } from '@firstorder/core';
import type { BackendChoice } from '@firstorder/core';
import { Matrix, gemmInto } from '@firstorder/linalg';
import { quadraticTrace } from '../shared/layer.js';
import { finishGanq, setupGanq } from './ganq.js';
import type { GanqOptions, GanqResult } from './ganq.js';
import { ClusterGramCache, addLeading, packBlock, residualKernel, sStepBlockKernel, symmetricPinvSolve } from './ganq-kernels.js';

/** One layer's GANQ data as a backend receives it (float64, row-major; never modified by a backend). */
export interface GanqProblem {
  readonly rows: number;
  readonly cols: number;
  readonly bits: number;
  /** Codebook size 2^bits. */
  readonly k: number;
  /** m × n weights with dead input columns and outlier positions set to 0. */
  readonly W: Float64Array;
  /** n × n damped Gram matrix H_λ (dead inputs fixed). */
  readonly H: Float64Array;
  /** n × n lower Cholesky factor of H_λ (upper triangle zero). */
  readonly L: Float64Array;
  /** m × n product W H_λ (the T-step right-hand sides are its cluster sums). */
  readonly G: Float64Array;
  /** m × n, 1 at outlier positions (ΔW = 0 there, excluded from the T-step), or null. */
  readonly mask: Uint8Array | null;
  /** The `blockSize` option (a CPU blocking parameter; other backends may ignore it). */
  readonly blockSize: number;
}

/** The per-layer state of a backend; methods may be synchronous or return promises. */
export interface GanqSession {
  /** S-step (eq. 20): codes (m × n) for codebooks T (m × 2^N), right to left, first index on ties. */
  sStep(T: Float64Array, codes: Uint8Array): void | Promise<void>;
  /** T-step (eq. 5): T_i = W_i H S_iᵀ (S_i H S_iᵀ)⁺ for every row, written into T (m × 2^N). */
  tStep(codes: Uint8Array, T: Float64Array): void | Promise<void>;
  /**
   * Optional: the objective tr(ΔW H_λ ΔWᵀ) of (codes, T). Without it the driver computes it on the host in
   * float64 (an O(m·n²) product per iteration). A device backend can instead use the cluster systems
   * it already accumulates: per row, c_i − 2 T_iᵀ b_i + T_iᵀ A_i T_i with c_i = W_i H W_iᵀ.
   */
  objective?(codes: Uint8Array, T: Float64Array): number | Promise<number>;
  /** Releases device buffers (optional). */
  dispose?(): void;
}

/** A GANQ compute backend (CPU float64 here; @firstorder/gpu's createGpuGanqBackend for WebGPU). */
export interface GanqBackend {
  readonly name: string;
  open(problem: GanqProblem): GanqSession | Promise<GanqSession>;
}

/**
 * ganq options with a backend: the call returns a Promise. 'gpu' and 'auto' use the device provider that
 * @firstorder/gpu registers when imported ('auto' without one, or without an adapter, runs CPU_GANQ_BACKEND;
 * 'gpu' without one is an UNSUPPORTED FirstOrderError); 'cpu' runs CPU_GANQ_BACKEND (identical to plain ganq).
 */
export interface GanqBackendOptions extends GanqOptions {
  readonly backend: GanqBackend | BackendChoice;
}

/** The registry key under which a device package provides {@link CompressDeviceSession}s. */
export const COMPRESS_BACKEND_CAPABILITY = 'compress';

/**
 * What a device offers the compression entry points (`ganq`, `quantizeModel`, `fasp`): @firstorder/gpu
 * registers a provider of these under {@link COMPRESS_BACKEND_CAPABILITY}. A session may hold device memory
 * until `release()`.
 */
export interface CompressDeviceSession {
  readonly name: string;
  /** A GANQ backend running on this device. */
  ganqBackend(): GanqBackend;
  /**
   * H += Xᵀ X for X (rows × cols, row-major f32; one row per token) into the float64 n × n H. A device
   * sums row chunks in f32 and the host adds the chunks in float64.
   */
  accumulateGram(H: Matrix, X: { readonly rows: number; readonly cols: number; readonly data: Float32Array }): Promise<void>;
  /** FASP/Wanda channel scores ‖X_j‖₂·‖W_{:,j}‖₁ with ‖X_j‖₂ = √H_jj (W m × n, H n × n). */
  columnScores(W: Matrix, H: Matrix): Promise<Float64Array>;
  release(): void;
}

/**
 * Resolves a compress `backend` option: a string through the registry (null = run on the CPU), a
 * CompressDeviceSession as given (the caller keeps ownership). `owned` tells the caller to release it.
 */
export async function openCompressBackend(
  backend: BackendChoice | CompressDeviceSession | undefined,
  entry: string,
): Promise<{ session: CompressDeviceSession | null; owned: boolean }> {
  if (backend === undefined) return { session: null, owned: false };
  if (backend !== null && typeof backend === 'object' && typeof (backend as CompressDeviceSession).ganqBackend === 'function') {
    return { session: backend as CompressDeviceSession, owned: false };
  }
  if (typeof backend !== 'string') throw invalidArgument('backend', "'cpu', 'gpu', 'auto' or a CompressDeviceSession", backend);
  const session = await openBackend<CompressDeviceSession>(COMPRESS_BACKEND_CAPABILITY, checkBackendChoice(backend), entry);
  return { session, owned: session !== null };
}

/**
 * T-step solves for all rows from accumulated systems: A (m × k × k, symmetric up to rounding; the
 * mean of A and Aᵀ is used) and b (m × k), T_i = A_i⁺ b_i in float64 (the reference code's pinv is
 * float64 too; cutoff k·ε·λmax as torch). The small solves are O(m·k³), negligible beside the
 * O(m·n²) accumulation a device backend performs, so device backends hand them back here.
 */
export function ganqSolveCodebooks(A: Float64Array, b: Float64Array, m: number, k: number, T: Float64Array): void {
  if (A.length !== m * k * k) throw new FirstOrderError('DIMENSION_MISMATCH', `A: expected length m·k·k = ${m * k * k}, received ${A.length}`, 'A');
  if (b.length !== m * k || T.length !== m * k) throw new FirstOrderError('DIMENSION_MISMATCH', `b, T: expected length m·k = ${m * k}, received ${b.length}, ${T.length}`, 'b');
  const S = new Float64Array(k * k);
  const ws = [new Float64Array(k * k), new Float64Array(k * k), new Float64Array(k), new Float64Array(k)] as const;
  for (let i = 0; i < m; i++) {
    const o = i * k * k;
    for (let s = 0; s < k; s++) for (let t = 0; t < k; t++) S[s * k + t] = 0.5 * (A[o + s * k + t]! + A[o + t * k + s]!);
    symmetricPinvSolve(S, k, k, b.subarray(i * k, (i + 1) * k), T, i * k, ws[0], ws[1], ws[2], ws[3]);
  }
}

/** The CPU float64 backend: the same kernels, blocking and order as `ganq` without a backend. */
export const CPU_GANQ_BACKEND: GanqBackend = Object.freeze({
  name: 'cpu',
  open(p: GanqProblem): GanqSession {
    const { rows: m, cols: n, k, W, L, H, G, mask } = p;
    const B = Math.min(p.blockSize, n);
    const R = new Float64Array(m * n);
    const D = new Float64Array(m * n);
    const Dblk = new Float64Array(m * B);
    const Lpanel = new Float64Array(B * n);
    const Cbuf = new Float64Array(m * n);
    const k1 = k + 1;
    const A = new Float64Array(k1 * k1);
    const bvec = new Float64Array(k1);
    const crow = new Uint8Array(n);
    const grams = new ClusterGramCache(m, n, k);
    const ws = [new Float64Array(k * k), new Float64Array(k * k), new Float64Array(k), new Float64Array(k)] as const;
    return {
      sStep(T: Float64Array, codes: Uint8Array): void {
        R.fill(0);
        for (let j1 = n; j1 > 0; j1 -= B) {
          const j0 = Math.max(0, j1 - B);
          sStepBlockKernel(W, m, n, L, T, k, R, codes, D, mask, j0, j1);
          if (j0 > 0) {
            const Bc = j1 - j0;
            packBlock(D, L, m, n, j0, j1, Dblk, Lpanel);
            const C = new Matrix(m, j0, Cbuf.subarray(0, m * j0));
            gemmInto(C, new Matrix(m, Bc, Dblk.subarray(0, m * Bc)), new Matrix(Bc, j0, Lpanel.subarray(0, Bc * j0)));
            addLeading(R, m, n, j0, C.data);
          }
        }
      },
      tStep(codes: Uint8Array, T: Float64Array): void {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) crow[j] = mask !== null && mask[i * n + j] === 1 ? k : codes[i * n + j]!;
          grams.rowSystem(H, G, i, crow, A, bvec);
          symmetricPinvSolve(A, k1, k, bvec, T, i * k, ws[0], ws[1], ws[2], ws[3]);
        }
      },
    };
  },
});

function checkBackend(backend: unknown): GanqBackend {
  if (backend === null || typeof backend !== 'object' || typeof (backend as GanqBackend).open !== 'function') {
    throw invalidArgument('backend', "'cpu', 'gpu', 'auto' or a GanqBackend ({ name, open(problem) })", backend);
  }
  return backend as GanqBackend;
}

/**
 * GANQ with an injected backend (what `ganq(W, H, { backend })` runs). The same algorithm and result
 * fields as `ganq`; with CPU_GANQ_BACKEND the result is identical to `ganq` without a backend (tested).
 */
export async function ganqWithBackend(W: Matrix, H: Matrix, options: GanqBackendOptions): Promise<GanqResult> {
  if (typeof options.backend !== 'string') return runGanqBackend(W, H, options, checkBackend(options.backend));
  const choice = checkBackendChoice(options.backend);
  if (choice === 'cpu') return runGanqBackend(W, H, options, CPU_GANQ_BACKEND);
  const session = await openBackend<CompressDeviceSession>(COMPRESS_BACKEND_CAPABILITY, choice, 'ganq');
  try {
    return await runGanqBackend(W, H, options, session === null ? CPU_GANQ_BACKEND : session.ganqBackend());
  } finally {
    session?.release();
  }
}

async function runGanqBackend(W: Matrix, H: Matrix, options: GanqOptions, backend: GanqBackend): Promise<GanqResult> {
  const setup = setupGanq(W, H, options);
  const { bits, K, blockSize, m, n, k, prep, mask, Wd, Hw, T, G } = setup;

  let D: Matrix | null = null; // host-objective workspaces, only when the backend has no objective
  let E: Matrix | null = null;
  const codes = new Uint8Array(m * n);
  const bestCodes = new Uint8Array(m * n);
  const bestT = new Float64Array(m * k);
  const hostObjective = (): number => {
    D ??= new Matrix(m, n);
    E ??= new Matrix(m, n);
    residualKernel(Wd.data, m, n, T.data, k, codes, mask, D.data);
    return quadraticTrace(D, setup.Hobjective, E);
  };

  const session = await backend.open({ rows: m, cols: n, bits, k, W: Wd.data, H: Hw.data, L: prep.L!.data, G: G.data, mask, blockSize });
  let best: number;
  let bestIteration = 0;
  let initialObjective: number;
  const history = new Float64Array(K);
  // A backend's own objective is under problem.H; with hessianFix 'reference' the iterate is chosen under another H.
  const sessionObjective = setup.Hobjective === Hw ? session.objective : undefined;
  const objectiveOf = async (): Promise<number> => (sessionObjective !== undefined ? sessionObjective.call(session, codes, T.data) : hostObjective());
  try {
    await session.sStep(T.data, codes);
    initialObjective = await objectiveOf();
    best = initialObjective;
    bestCodes.set(codes);
    bestT.set(T.data);
    for (let it = 1; it <= K; it++) {
      if (it > 1) await session.sStep(T.data, codes);
      await session.tStep(codes, T.data);
      const f = await objectiveOf();
      history[it - 1] = f;
      if (f < best) {
        best = f;
        bestIteration = it;
        bestCodes.set(codes);
        bestT.set(T.data);
      }
    }
  } finally {
    session.dispose?.();
  }
  return finishGanq(W, H, setup, { best, history, initialObjective, bestIteration, bestCodes, bestT });
}
