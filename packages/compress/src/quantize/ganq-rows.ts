// GANQ on a block of rows. Given H (and its factor L) the m row problems are independent; only the choice of the best
// iterate couples them (the objective is a sum over rows). A block therefore runs all K iterations alone and keeps
// every iterate, and the caller sums the blocks' objectives in block order and picks one iterate for all rows. Used
// by ganqAsync on the calling thread and in workers (./ganq-worker.js), so the result does not depend on which thread
// ran which block.
import { Matrix, gemmInto } from '@firstorder/linalg';
import { quadraticTrace } from '../shared/layer.js';
import { ClusterGramCache, addLeading, packBlock, residualKernel, sStepBlockKernel, symmetricPinvSolve } from './ganq-kernels.js';

/** What every block shares (n × n arrays, possibly on SharedArrayBuffers). */
export interface GanqRowsShared {
  readonly n: number;
  readonly k: number;
  readonly K: number;
  readonly blockSize: number;
  /** Lower Cholesky factor of the H of the S- and T-steps. */
  readonly L: Float64Array;
  /** The H of the S- and T-steps. */
  readonly H: Float64Array;
  /** The H the iterates are measured with. */
  readonly Hobjective: Float64Array;
}

/** One block of rows: r × n weights (prepared), G = W H, r × k initial codebooks, r × n outlier mask or null. */
export interface GanqRowsBlock {
  readonly index: number;
  readonly rows: number;
  readonly W: Float64Array;
  readonly G: Float64Array;
  readonly T0: Float64Array;
  readonly mask: Uint8Array | null;
}

/** Every iterate of a block: objective[it], codes[it·r·n …], T[it·r·k …] for it = 0 (S¹, T⁰) … K. */
export interface GanqRowsResult {
  readonly index: number;
  readonly objective: Float64Array;
  readonly codes: Uint8Array;
  readonly T: Float64Array;
}

export function ganqRowsBlock(s: GanqRowsShared, b: GanqRowsBlock): GanqRowsResult {
  const { n, k, K, L, H } = s;
  const m = b.rows;
  const W = b.W;
  const mask = b.mask;
  const T = b.T0.slice();
  const B = Math.min(s.blockSize, n);
  const R = new Float64Array(m * n);
  const D = new Matrix(m, n);
  const E = new Matrix(m, n);
  const Hobj = new Matrix(n, n, s.Hobjective);
  const codes = new Uint8Array(m * n);
  const Dblk = new Float64Array(m * B);
  const Lpanel = new Float64Array(B * n);
  const Cbuf = new Float64Array(m * n);
  const k1 = k + 1;
  const A = new Float64Array(k1 * k1);
  const bvec = new Float64Array(k1);
  const crow = new Uint8Array(n);
  const ws = [new Float64Array(k * k), new Float64Array(k * k), new Float64Array(k), new Float64Array(k)] as const;
  const grams = new ClusterGramCache(m, n, k);
  const out: GanqRowsResult = {
    index: b.index,
    objective: new Float64Array(K + 1),
    codes: new Uint8Array((K + 1) * m * n),
    T: new Float64Array((K + 1) * m * k),
  };
  const sStep = (): void => {
    R.fill(0);
    for (let j1 = n; j1 > 0; j1 -= B) {
      const j0 = Math.max(0, j1 - B);
      sStepBlockKernel(W, m, n, L, T, k, R, codes, D.data, mask, j0, j1);
      if (j0 > 0) {
        const Bc = j1 - j0;
        packBlock(D.data, L, m, n, j0, j1, Dblk, Lpanel);
        const C = new Matrix(m, j0, Cbuf.subarray(0, m * j0));
        gemmInto(C, new Matrix(m, Bc, Dblk.subarray(0, m * Bc)), new Matrix(Bc, j0, Lpanel.subarray(0, Bc * j0)));
        addLeading(R, m, n, j0, C.data);
      }
    }
  };
  const tStep = (): void => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) crow[j] = mask !== null && mask[i * n + j] === 1 ? k : codes[i * n + j]!;
      grams.rowSystem(H, b.G, i, crow, A, bvec);
      symmetricPinvSolve(A, k1, k, bvec, T, i * k, ws[0], ws[1], ws[2], ws[3]);
    }
  };
  const record = (it: number): void => {
    residualKernel(W, m, n, T, k, codes, mask, D.data);
    out.objective[it] = quadraticTrace(D, Hobj, E);
    out.codes.set(codes, it * m * n);
    out.T.set(T, it * m * k);
  };
  sStep();
  record(0);
  for (let it = 1; it <= K; it++) {
    if (it > 1) sStep();
    tStep();
    record(it);
  }
  return out;
}
