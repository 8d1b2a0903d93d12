/**
 * Raw typed-array kernels of the decoder: forward and hand-written backward of every op.
 * Layout: activations are row-major [rows, features]; a linear weight is [out, in] (Hugging Face layout),
 * so y = x Wᵀ + b. Sums are carried in JS numbers (float64) and rounded once on store. The TypeScript kernels
 * allocate nothing (the wasm path creates a few typed-array views per call).
 *
 * The three linear kernels and causal attention dispatch: all-Float32Array calls go to @firstorder/linalg's f32
 * WebAssembly SIMD kernels when its backend is 'wasm' (the default where WebAssembly SIMD exists;
 * setBackend('js') or FIRSTORDER_BACKEND=js forces TypeScript). Those sum in f32 lanes, so results differ from
 * the TypeScript kernels (`…Ts`, the reference): by at most (k + 3)·ε_f32·Σ|terms| for the linears, to f32
 * rounding for attention (tested in linalg and in test/kernels-wasm.test.ts).
 */
import {
  attentionF32Backward,
  attentionF32Forward,
  f32Backend,
  linearF32BackwardInput,
  linearF32BackwardParams,
  linearF32Forward,
} from '@firstorder/linalg';

export type FloatArray = Float32Array | Float64Array;

/**
 * Products with fewer multiply-adds than this stay in TypeScript. Measured on the development VM: the wasm
 * path is already ahead at 20×8×16 (2560 multiply-adds, 7 vs 4 GFLOP/s forward), so the cut only spares the
 * copies on the tiniest calls.
 */
const WASM_MIN_WORK = 1024;

/**
 * Calls whose operands need more linear memory than this stay in TypeScript (linalg's own limit is 1 GiB, above
 * which it would fall back to its plain loops, slower than the blocked ones here).
 */
const WASM_MAX_BYTES = 768 * 1024 * 1024;

/** Whether a call of `work` multiply-adds staging `floats` f32 values runs in wasm. */
function wasmF32(work: number, floats: number, ...arrays: ReadonlyArray<FloatArray | null>): boolean {
  if (work < WASM_MIN_WORK || 4 * floats > WASM_MAX_BYTES) return false;
  for (const a of arrays) if (a !== null && !(a instanceof Float32Array)) return false;
  return f32Backend() === 'wasm';
}

// Each dispatcher takes its TypeScript reference's signature (`typeof …Ts`), so the two cannot drift apart.

/** y[r, o] = Σ_i x[r, i]·W[o, i] + b[o]; f32 in WebAssembly when the backend allows, else {@link linearForwardTs}. */
export const linearForward: typeof linearForwardTs = (x, rows, inF, W, b, outF, y) => {
  if (wasmF32(rows * inF * outF, rows * inF + 2 * outF * inF + outF + rows * outF, x, W, b, y)) linearF32Forward(x as Float32Array, rows, inF, W as Float32Array, b as Float32Array | null, outF, y as Float32Array);
  else linearForwardTs(x, rows, inF, W, b, outF, y);
};

/** dx = dy W (or dx += dy W); f32 in WebAssembly when the backend allows, else {@link linearBackwardInputTs}. */
export const linearBackwardInput: typeof linearBackwardInputTs = (dy, rows, outF, W, inF, dx, accumulate) => {
  if (wasmF32(rows * inF * outF, rows * outF + outF * inF + rows * inF, dy, W, dx)) linearF32BackwardInput(dy as Float32Array, rows, outF, W as Float32Array, inF, dx as Float32Array, accumulate);
  else linearBackwardInputTs(dy, rows, outF, W, inF, dx, accumulate);
};

/** dW += dyᵀ x, db += Σ_r dy[r]; f32 in WebAssembly when the backend allows, else {@link linearBackwardParamsTs}. */
export const linearBackwardParams: typeof linearBackwardParamsTs = (x, dy, rows, inF, outF, dW, db) => {
  if (wasmF32(rows * inF * outF, rows * inF + rows * outF + outF * inF, x, dy, dW, db)) {
    linearF32BackwardParams(x as Float32Array, dy as Float32Array, rows, inF, outF, dW as Float32Array, db as Float32Array | null);
  } else linearBackwardParamsTs(x, dy, rows, inF, outF, dW, db);
};

/** TypeScript reference: y[r, o] = Σ_i x[r, i]·W[o, i] + b[o]. Four outputs per pass over a row of x. */
export function linearForwardTs(
  x: FloatArray,
  rows: number,
  inF: number,
  W: FloatArray,
  b: FloatArray | null,
  outF: number,
  y: FloatArray,
): void {
  const o4 = outF - (outF % 4);
  let r = 0;
  // Two rows × four outputs per pass: six loads feed eight multiply-adds.
  for (; r + 1 < rows; r += 2) {
    const xa = r * inF;
    const xb = xa + inF;
    const ya = r * outF;
    const yb = ya + outF;
    let o = 0;
    for (; o < o4; o += 4) {
      const w0 = o * inF;
      const w1 = w0 + inF;
      const w2 = w1 + inF;
      const w3 = w2 + inF;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let i = 0; i < inF; i++) {
        const u = x[xa + i]!;
        const v = x[xb + i]!;
        const c0 = W[w0 + i]!;
        const c1 = W[w1 + i]!;
        const c2 = W[w2 + i]!;
        const c3 = W[w3 + i]!;
        a0 += u * c0;
        a1 += u * c1;
        a2 += u * c2;
        a3 += u * c3;
        b0 += v * c0;
        b1 += v * c1;
        b2 += v * c2;
        b3 += v * c3;
      }
      const e0 = b === null ? 0 : b[o]!;
      const e1 = b === null ? 0 : b[o + 1]!;
      const e2 = b === null ? 0 : b[o + 2]!;
      const e3 = b === null ? 0 : b[o + 3]!;
      y[ya + o] = a0 + e0;
      y[ya + o + 1] = a1 + e1;
      y[ya + o + 2] = a2 + e2;
      y[ya + o + 3] = a3 + e3;
      y[yb + o] = b0 + e0;
      y[yb + o + 1] = b1 + e1;
      y[yb + o + 2] = b2 + e2;
      y[yb + o + 3] = b3 + e3;
    }
    for (; o < outF; o++) {
      const w0 = o * inF;
      let sa = 0;
      let sb = 0;
      for (let i = 0; i < inF; i++) {
        sa += x[xa + i]! * W[w0 + i]!;
        sb += x[xb + i]! * W[w0 + i]!;
      }
      const e = b === null ? 0 : b[o]!;
      y[ya + o] = sa + e;
      y[yb + o] = sb + e;
    }
  }
  for (; r < rows; r++) {
    const xo = r * inF;
    const yo = r * outF;
    for (let o = 0; o < outF; o++) {
      const w0 = o * inF;
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[xo + i]! * W[w0 + i]!;
      y[yo + o] = s + (b === null ? 0 : b[o]!);
    }
  }
}

/**
 * TypeScript reference input gradient of a linear layer: dx = dy W (dx overwritten, or accumulated when `accumulate`).
 */
export function linearBackwardInputTs(
  dy: FloatArray,
  rows: number,
  outF: number,
  W: FloatArray,
  inF: number,
  dx: FloatArray,
  accumulate: boolean,
): void {
  const o4 = outF - (outF % 4);
  for (let r = 0; r < rows; r++) {
    const xo = r * inF;
    const yo = r * outF;
    if (!accumulate) dx.fill(0, xo, xo + inF);
    let o = 0;
    for (; o < o4; o += 4) {
      const a0 = dy[yo + o]!;
      const a1 = dy[yo + o + 1]!;
      const a2 = dy[yo + o + 2]!;
      const a3 = dy[yo + o + 3]!;
      const w0 = o * inF;
      const w1 = w0 + inF;
      const w2 = w1 + inF;
      const w3 = w2 + inF;
      for (let i = 0; i < inF; i++) {
        dx[xo + i] = dx[xo + i]! + a0 * W[w0 + i]! + a1 * W[w1 + i]! + a2 * W[w2 + i]! + a3 * W[w3 + i]!;
      }
    }
    for (; o < outF; o++) {
      const a = dy[yo + o]!;
      const w0 = o * inF;
      for (let i = 0; i < inF; i++) dx[xo + i] = dx[xo + i]! + a * W[w0 + i]!;
    }
  }
}

/** TypeScript reference parameter gradients of a linear layer, accumulated: dW += dyᵀ x, db += Σ_r dy[r]. */
export function linearBackwardParamsTs(
  x: FloatArray,
  dy: FloatArray,
  rows: number,
  inF: number,
  outF: number,
  dW: FloatArray,
  db: FloatArray | null,
): void {
  let o = 0;
  // Two weight rows × four activation rows per pass: six loads and two stores feed eight multiply-adds.
  for (; o + 1 < outF; o += 2) {
    const wa = o * inF;
    const wb = wa + inF;
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const ya = r * outF + o;
      const a0 = dy[ya]!;
      const a1 = dy[ya + outF]!;
      const a2 = dy[ya + 2 * outF]!;
      const a3 = dy[ya + 3 * outF]!;
      const b0 = dy[ya + 1]!;
      const b1 = dy[ya + outF + 1]!;
      const b2 = dy[ya + 2 * outF + 1]!;
      const b3 = dy[ya + 3 * outF + 1]!;
      const x0 = r * inF;
      const x1 = x0 + inF;
      const x2 = x1 + inF;
      const x3 = x2 + inF;
      for (let i = 0; i < inF; i++) {
        const u0 = x[x0 + i]!;
        const u1 = x[x1 + i]!;
        const u2 = x[x2 + i]!;
        const u3 = x[x3 + i]!;
        dW[wa + i] = dW[wa + i]! + a0 * u0 + a1 * u1 + a2 * u2 + a3 * u3;
        dW[wb + i] = dW[wb + i]! + b0 * u0 + b1 * u1 + b2 * u2 + b3 * u3;
      }
    }
    for (; r < rows; r++) {
      const a = dy[r * outF + o]!;
      const c = dy[r * outF + o + 1]!;
      const x0 = r * inF;
      for (let i = 0; i < inF; i++) {
        dW[wa + i] = dW[wa + i]! + a * x[x0 + i]!;
        dW[wb + i] = dW[wb + i]! + c * x[x0 + i]!;
      }
    }
  }
  for (; o < outF; o++) {
    const wo = o * inF;
    for (let r = 0; r < rows; r++) {
      const a = dy[r * outF + o]!;
      const x0 = r * inF;
      for (let i = 0; i < inF; i++) dW[wo + i] = dW[wo + i]! + a * x[x0 + i]!;
    }
  }
  if (db !== null) {
    for (let q = 0; q < outF; q++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += dy[r * outF + q]!;
      db[q] = db[q]! + s;
    }
  }
}

/** y = (x − μ)/√(σ² + eps)·γ + β per row; saves μ and 1/√(σ² + eps) for the backward pass. */
export function layerNormForward(
  x: FloatArray,
  rows: number,
  d: number,
  gamma: FloatArray,
  beta: FloatArray,
  eps: number,
  y: FloatArray,
  mean: Float64Array,
  rstd: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += x[o + i]!;
    const mu = s / d;
    let v = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i]! - mu;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / d + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let i = 0; i < d; i++) y[o + i] = (x[o + i]! - mu) * rs * gamma[i]! + beta[i]!;
  }
}

/**
 * LayerNorm backward. With x̂ = (x − μ)·rstd and g = dy·γ:
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), ADDED to dx (the residual stream's gradient);
 * dγ += Σ_r dy·x̂, dβ += Σ_r dy.
 */
export function layerNormBackward(
  x: FloatArray,
  dy: FloatArray,
  rows: number,
  d: number,
  gamma: FloatArray,
  mean: Float64Array,
  rstd: Float64Array,
  dx: FloatArray,
  dgamma: FloatArray,
  dbeta: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - mu) * rs;
      const dyi = dy[o + i]!;
      const g = dyi * gamma[i]!;
      sg += g;
      sgx += g * xh;
      dgamma[i] = dgamma[i]! + dyi * xh;
      dbeta[i] = dbeta[i]! + dyi;
    }
    const mg = sg / d;
    const mgx = sgx / d;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - mu) * rs;
      dx[o + i] = dx[o + i]! + rs * (dy[o + i]! * gamma[i]! - mg - xh * mgx);
    }
  }
}

/** y = max(x, 0) elementwise over the first n entries. */
export function reluForward(x: FloatArray, n: number, y: FloatArray): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : 0;
  }
}

/** dy ← dy·[x > 0] in place (x is the pre-activation). */
export function reluBackwardInPlace(x: FloatArray, n: number, dy: FloatArray): void {
  for (let i = 0; i < n; i++) if (!(x[i]! > 0)) dy[i] = 0;
}

/** Causal attention forward: wasm f32 when the backend allows (see the module comment), else {@link attentionForwardTs}. */
export const attentionForward: typeof attentionForwardTs = (q, k, v, batch, seq, heads, headDim, P, out) => {
  if (wasmF32(batch * seq * seq * heads * headDim, 4 * batch * seq * heads * headDim + batch * heads * seq * seq, q, k, v, P, out) && attentionF32Forward(q as Float32Array, k as Float32Array, v as Float32Array, batch, seq, heads, headDim, P as Float32Array, out as Float32Array)) return;
  attentionForwardTs(q, k, v, batch, seq, heads, headDim, P, out);
};

/**
 * One causal row of per-head dot products: out[oo + j] = Σ_c a[ai + c]·b[base + j·d + hc + c] for j ≤ i.
 * Returns the largest sum as computed, before `out` may round it (the softmax subtracts exactly that value).
 */
function causalRowDots(
  a: FloatArray,
  ai: number,
  b: FloatArray,
  base: number,
  d: number,
  hc: number,
  headDim: number,
  i: number,
  out: FloatArray,
  oo: number,
): number {
  let max = -Infinity;
  for (let j = 0; j <= i; j++) {
    const bj = base + j * d + hc;
    let s = 0;
    for (let c = 0; c < headDim; c++) s += a[ai + c]! * b[bj + c]!;
    out[oo + j] = s;
    if (s > max) max = s;
  }
  return max;
}

/**
 * TypeScript reference causal multi-head attention core. q, k, v, out are [B·T, H·hd] (head h in columns
 * h·hd … h·hd+hd−1); q is already scaled. P (probabilities, [B, H, T, T], row i filled for j ≤ i) is saved for backward.
 */
export function attentionForwardTs(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  P: FloatArray,
  out: FloatArray,
): void {
  const d = heads * headDim;
  for (let b = 0; b < batch; b++) {
    const base = b * seq * d;
    for (let h = 0; h < heads; h++) {
      const hc = h * headDim;
      const pBase = (b * heads + h) * seq * seq;
      for (let i = 0; i < seq; i++) {
        const qi = base + i * d + hc;
        const pRow = pBase + i * seq;
        const max = causalRowDots(q, qi, k, base, d, hc, headDim, i, P, pRow);
        let z = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(P[pRow + j]! - max);
          P[pRow + j] = e;
          z += e;
        }
        const inv = 1 / z;
        for (let j = 0; j <= i; j++) P[pRow + j] = P[pRow + j]! * inv;
        const oi = qi;
        for (let c = 0; c < headDim; c++) out[oi + c] = 0;
        for (let j = 0; j <= i; j++) {
          const p = P[pRow + j]!;
          const vj = base + j * d + hc;
          for (let c = 0; c < headDim; c++) out[oi + c] = out[oi + c]! + p * v[vj + c]!;
        }
      }
    }
  }
}

/** Attention backward: wasm f32 when the backend allows, else {@link attentionBackwardTs}. */
export const attentionBackward: typeof attentionBackwardTs = (q, k, v, P, dOut, batch, seq, heads, headDim, dq, dk, dv, scratch) => {
  if (
    wasmF32(batch * seq * seq * heads * headDim, 7 * batch * seq * heads * headDim + batch * heads * seq * seq + seq, q, k, v, P, dOut, dq, dk, dv) &&
    attentionF32Backward(q as Float32Array, k as Float32Array, v as Float32Array, P as Float32Array, dOut as Float32Array, batch, seq, heads, headDim, dq as Float32Array, dk as Float32Array, dv as Float32Array)
  ) {
    return;
  }
  attentionBackwardTs(q, k, v, P, dOut, batch, seq, heads, headDim, dq, dk, dv, scratch);
};

/**
 * TypeScript reference attention backward: from dOut compute dq, dk, dv (all overwritten). With dP_ij = dO_i·v_j:
 * dS_ij = P_ij (dP_ij − Σ_l P_il dP_il); dq_i = Σ_j dS_ij k_j; dk_j = Σ_i dS_ij q_i; dv_j = Σ_i P_ij dO_i.
 * `scratch` holds one row of dP (length ≥ seq).
 */
export function attentionBackwardTs(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  P: FloatArray,
  dOut: FloatArray,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  dq: FloatArray,
  dk: FloatArray,
  dv: FloatArray,
  scratch: Float64Array,
): void {
  const d = heads * headDim;
  const n = batch * seq * d;
  dq.fill(0, 0, n);
  dk.fill(0, 0, n);
  dv.fill(0, 0, n);
  // The (batch, head, query row) loop nest of attentionForwardTs: only the layout arithmetic is shared, the bodies differ.
  for (let b = 0; b < batch; b++) {
    const base = b * seq * d;
    for (let h = 0; h < heads; h++) {
      const hc = h * headDim;
      const pBase = (b * heads + h) * seq * seq;
      for (let i = 0; i < seq; i++) {
        const oi = base + i * d + hc;
        const pRow = pBase + i * seq;
        causalRowDots(dOut, oi, v, base, d, hc, headDim, i, scratch, 0);
        let dot = 0;
        for (let j = 0; j <= i; j++) dot += P[pRow + j]! * scratch[j]!;
        for (let j = 0; j <= i; j++) {
          const p = P[pRow + j]!;
          const ds = p * (scratch[j]! - dot);
          const kj = base + j * d + hc;
          for (let c = 0; c < headDim; c++) {
            dq[oi + c] = dq[oi + c]! + ds * k[kj + c]!;
            dk[kj + c] = dk[kj + c]! + ds * q[oi + c]!;
            dv[kj + c] = dv[kj + c]! + p * dOut[oi + c]!;
          }
        }
      }
    }
  }
}

/**
 * Softmax cross-entropy over rows of `logits` [rows, V]; targets < 0 are ignored.
 * Writes dlogits = (softmax − onehot)/count (rows with ignored targets get 0) and returns
 * { loss: mean negative log-likelihood in nats, count }.
 */
export function crossEntropyForwardBackward(
  logits: FloatArray,
  targets: Int32Array,
  rows: number,
  V: number,
  dlogits: FloatArray | null,
): { loss: number; count: number } {
  let count = 0;
  for (let r = 0; r < rows; r++) if (targets[r]! >= 0) count++;
  let total = 0;
  const scale = count > 0 ? 1 / count : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    const t = targets[r]!;
    if (t < 0) {
      if (dlogits !== null) dlogits.fill(0, o, o + V);
      continue;
    }
    let max = -Infinity;
    for (let c = 0; c < V; c++) if (logits[o + c]! > max) max = logits[o + c]!;
    let z = 0;
    for (let c = 0; c < V; c++) z += Math.exp(logits[o + c]! - max);
    const logZ = Math.log(z) + max;
    total += logZ - logits[o + t]!;
    if (dlogits !== null) {
      for (let c = 0; c < V; c++) dlogits[o + c] = Math.exp(logits[o + c]! - logZ) * scale;
      dlogits[o + t] = dlogits[o + t]! - scale;
    }
  }
  return { loss: count > 0 ? total / count : NaN, count };
}

/** out[r] = E[ids[r]] + Pos[(r mod seq) + offset]. */
export function embeddingForward(
  ids: Int32Array,
  rows: number,
  seq: number,
  E: FloatArray,
  Pos: FloatArray,
  offset: number,
  d: number,
  out: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const e = ids[r]! * d;
    const p = ((r % seq) + offset) * d;
    const o = r * d;
    for (let i = 0; i < d; i++) out[o + i] = E[e + i]! + Pos[p + i]!;
  }
}

/** dE[ids[r]] += dy[r]; dPos[(r mod seq) + offset] += dy[r]. */
export function embeddingBackward(
  ids: Int32Array,
  rows: number,
  seq: number,
  dy: FloatArray,
  offset: number,
  d: number,
  dE: FloatArray,
  dPos: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const e = ids[r]! * d;
    const p = ((r % seq) + offset) * d;
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const g = dy[o + i]!;
      dE[e + i] = dE[e + i]! + g;
      dPos[p + i] = dPos[p + i]! + g;
    }
  }
}

/** y[i] = a[i] + b[i] over the first n entries (y may alias a or b). */
export function addInto(a: FloatArray, b: FloatArray, n: number, y: FloatArray): void {
  for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
}

/** x[i] *= s over the first n entries. */
export function scaleInPlace(x: FloatArray, n: number, s: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! * s;
}
