// GANQ on a block of rows. Given H (and its factor L) the m row problems are independent; only the choice of the best
// iterate couples them (the objective is a sum over rows). A block therefore runs all K iterations alone and keeps
// every iterate, and the caller sums the blocks' objectives in block order and picks one iterate for all rows. Used
// by ganqAsync on the calling thread and in workers (./ganq-worker.js), so the result does not depend on which thread
// ran which block.
import { Matrix } from '@firstorder/linalg';
import { quadraticTrace } from '../shared/layer.js';
import { GanqIteration, residualKernel } from './ganq-kernels.js';

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
  const iteration = new GanqIteration(m, n, k, s.blockSize);
  const { codes, D } = iteration;
  const E = new Matrix(m, n);
  const Hobj = new Matrix(n, n, s.Hobjective);
  const out: GanqRowsResult = {
    index: b.index,
    objective: new Float64Array(K + 1),
    codes: new Uint8Array((K + 1) * m * n),
    T: new Float64Array((K + 1) * m * k),
  };
  const sStep = (): void => iteration.sStep(W, L, T, mask);
  const tStep = (): void => iteration.tStep(H, b.G, T, mask);
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
