import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FirstOrderError, createRng } from '@firstorder/core';
import {
  attentionF32Backward,
  attentionF32Forward,
  f32Backend,
  getF32Accumulation,
  linearF32BackwardInput,
  linearF32BackwardParams,
  linearF32Forward,
  setBackend,
  setF32Accumulation,
  type F32Accumulation,
} from '@firstorder/linalg';

// The f32 kernels against an independent float64 reference written here (plain triple loops). Tolerance: a
// sum of k f32 products plus one start value (bias or accumulated gradient), each rounding in f32, is off by
// at most γ_{k+1}·S with S = Σ|terms| and γ_j = j·u/(1 − j·u), u = 2⁻²⁴ (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1, recursive summation, which the lane-split and depth-blocked orders also obey);
// the test allows (k + 2)·ε_f32·S with ε_f32 = 2⁻²³, twice that bound. A wrong index or a lost tile gives
// errors of the size of the entries themselves, far above it.
const EPS32 = 2 ** -23;
const FC = { seed: 20261123, numRuns: 60 } as const;

function rand(rng: ReturnType<typeof createRng>, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** Largest |got − want| / ((k + 2)·ε·S) over all entries (≤ 1 passes). */
function worst(got: Float32Array, want: Float64Array, scale: Float64Array, k: number): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i]! - want[i]!) / ((k + 2) * EPS32 * scale[i]! + Number.MIN_VALUE);
    if (!(r <= w)) w = r;
  }
  return w;
}

interface Case {
  rows: number;
  inF: number;
  outF: number;
  seed: number;
}

function data({ rows, inF, outF, seed }: Case) {
  const rng = createRng(seed);
  return { x: rand(rng, rows * inF), W: rand(rng, outF * inF), b: rand(rng, outF), dy: rand(rng, rows * outF), dx0: rand(rng, rows * inF), dW0: rand(rng, outF * inF), db0: rand(rng, outF) };
}

/** Worst normalized errors of forward, backward-input (accumulating) and backward-params against float64. */
function errors(c: Case): [number, number, number, number] {
  const { rows, inF, outF } = c;
  const d = data(c);
  const y = new Float32Array(rows * outF);
  linearF32Forward(d.x, rows, inF, d.W, d.b, outF, y);
  const yRef = new Float64Array(rows * outF);
  const yS = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = d.b[o]!;
      let a = Math.abs(d.b[o]!);
      for (let i = 0; i < inF; i++) {
        s += d.x[r * inF + i]! * d.W[o * inF + i]!;
        a += Math.abs(d.x[r * inF + i]! * d.W[o * inF + i]!);
      }
      yRef[r * outF + o] = s;
      yS[r * outF + o] = a;
    }
  }
  const dx = d.dx0.slice();
  linearF32BackwardInput(d.dy, rows, outF, d.W, inF, dx, true);
  const dxRef = new Float64Array(rows * inF);
  const dxS = new Float64Array(rows * inF);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inF; i++) {
      let s = d.dx0[r * inF + i]!;
      let a = Math.abs(s);
      for (let o = 0; o < outF; o++) {
        s += d.dy[r * outF + o]! * d.W[o * inF + i]!;
        a += Math.abs(d.dy[r * outF + o]! * d.W[o * inF + i]!);
      }
      dxRef[r * inF + i] = s;
      dxS[r * inF + i] = a;
    }
  }
  const dW = d.dW0.slice();
  const db = d.db0.slice();
  linearF32BackwardParams(d.x, d.dy, rows, inF, outF, dW, db);
  const dWRef = new Float64Array(outF * inF);
  const dWS = new Float64Array(outF * inF);
  const dbRef = new Float64Array(outF);
  const dbS = new Float64Array(outF);
  for (let o = 0; o < outF; o++) {
    let t = d.db0[o]!;
    let ta = Math.abs(t);
    for (let r = 0; r < rows; r++) {
      t += d.dy[r * outF + o]!;
      ta += Math.abs(d.dy[r * outF + o]!);
    }
    dbRef[o] = t;
    dbS[o] = ta;
    for (let i = 0; i < inF; i++) {
      let s = d.dW0[o * inF + i]!;
      let a = Math.abs(s);
      for (let r = 0; r < rows; r++) {
        s += d.dy[r * outF + o]! * d.x[r * inF + i]!;
        a += Math.abs(d.dy[r * outF + o]! * d.x[r * inF + i]!);
      }
      dWRef[o * inF + i] = s;
      dWS[o * inF + i] = a;
    }
  }
  return [worst(y, yRef, yS, inF), worst(dx, dxRef, dxS, outF), worst(dW, dWRef, dWS, rows), worst(db, dbRef, dbS, rows)];
}

const shapes = fc.record({
  rows: fc.integer({ min: 1, max: 37 }),
  inF: fc.integer({ min: 1, max: 41 }),
  outF: fc.integer({ min: 1, max: 43 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
});

afterEach(() => {
  setBackend('wasm');
  setF32Accumulation('f32');
});

describe('f32 linear kernels (WebAssembly SIMD and TypeScript fallback)', () => {
  it("run in wasm by default here (Node has WebAssembly SIMD); setBackend('js') selects the TypeScript loops", () => {
    expect(f32Backend()).toBe('wasm');
    setBackend('js');
    expect(f32Backend()).toBe('js');
    expect(getF32Accumulation()).toBe('f32');
  });

  for (const backend of ['wasm', 'js'] as const) {
    for (const mode of (backend === 'wasm' ? ['f32', 'f64'] : ['f32']) as F32Accumulation[]) {
      it(`${backend}${backend === 'wasm' ? ` (${mode} sums)` : ''}: all three kernels within (k + 2)·ε_f32·Σ|terms| of float64 on random shapes`, () => {
        setBackend(backend);
        setF32Accumulation(mode);
        fc.assert(
          fc.property(shapes, (c) => {
            for (const e of errors(c)) expect(e).toBeLessThanOrEqual(1);
          }),
          FC,
        );
      });
    }
  }

  it('1×n, n×1, single entries and shapes past the 256-deep / 256-wide blocks and 4×8 tiles', () => {
    const cases: Array<[number, number, number]> = [
      [1, 1, 1], [1, 300, 1], [1, 1, 300], [300, 1, 1], [1, 64, 33], [33, 64, 1], [7, 300, 270], [300, 9, 263], [261, 257, 11],
    ];
    for (const mode of ['f32', 'f64'] as const) {
      setF32Accumulation(mode);
      for (const [rows, inF, outF] of cases) {
        for (const e of errors({ rows, inF, outF, seed: rows * 7 + inF * 3 + outF })) expect(e).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the wasm and js backends agree to the same tolerance, and the accumulation modes differ (both really run)', () => {
    const rows = 19;
    const inF = 300;
    const outF = 45;
    const d = data({ rows, inF, outF, seed: 5 });
    const out = (b: 'wasm' | 'js', m: F32Accumulation): Float32Array => {
      setBackend(b);
      setF32Accumulation(m);
      const y = new Float32Array(rows * outF);
      linearF32Forward(d.x, rows, inF, d.W, d.b, outF, y);
      return y;
    };
    const js = out('js', 'f32');
    const w32 = out('wasm', 'f32');
    const w64 = out('wasm', 'f64');
    let diff32 = 0;
    let diff64 = 0;
    for (let i = 0; i < js.length; i++) {
      expect(Math.abs(w32[i]! - js[i]!)).toBeLessThanOrEqual((inF + 2) * EPS32 * 2 * inF);
      if (w32[i] !== js[i]) diff32++;
      if (w64[i] !== js[i]) diff64++;
    }
    // f32 lanes round differently from the float64 reference; f64 lanes round once per block, so far fewer differ.
    expect(diff32).toBeGreaterThan(0);
    expect(diff64).toBeLessThan(diff32);
  });

  it('do not mutate their inputs; outputs past rows·features are untouched', () => {
    const rows = 5;
    const inF = 9;
    const outF = 6;
    const d = data({ rows, inF, outF, seed: 9 });
    const copies = [d.x.slice(), d.W.slice(), d.b.slice(), d.dy.slice()];
    const y = new Float32Array(rows * outF + 3).fill(7);
    linearF32Forward(d.x, rows, inF, d.W, d.b, outF, y);
    const dx = new Float32Array(rows * inF + 2).fill(7);
    linearF32BackwardInput(d.dy, rows, outF, d.W, inF, dx, false);
    linearF32BackwardParams(d.x, d.dy, rows, inF, outF, new Float32Array(outF * inF), new Float32Array(outF));
    expect([d.x, d.W, d.b, d.dy]).toEqual(copies);
    expect(Array.from(y.subarray(rows * outF))).toEqual([7, 7, 7]);
    expect(Array.from(dx.subarray(rows * inF))).toEqual([7, 7]);
  });

  it('reject bad input with FirstOrderError naming the argument', () => {
    const x = new Float32Array(6);
    const W = new Float32Array(6);
    const y = new Float32Array(4);
    expect(() => linearF32Forward(new Float64Array(6) as unknown as Float32Array, 2, 3, W, null, 2, y)).toThrow(FirstOrderError);
    expect(() => linearF32Forward(x, 2, 3, W, null, 2, new Float32Array(3))).toThrow(/y: expected length ≥ 4/);
    expect(() => linearF32Forward(x, 2.5, 3, W, null, 2, y)).toThrow(/rows/);
    expect(() => linearF32BackwardInput(y, 2, 2, W, 3, new Float32Array(5), false)).toThrow(/dx/);
    expect(() => linearF32BackwardParams(x, y, 2, 3, 2, new Float32Array(5), null)).toThrow(/dW/);
    expect(() => setF32Accumulation('f16' as F32Accumulation)).toThrow(/accumulation/);
  });
});

describe('f32 causal attention (WebAssembly SIMD; the caller keeps the fallback)', () => {
  /** Float64 reference of softmax(q kᵀ) v (causal) and its gradients, written directly from the definitions. */
  function reference(q: Float32Array, k: Float32Array, v: Float32Array, dO: Float32Array, B: number, T: number, H: number, hd: number) {
    const d = H * hd;
    const out = new Float64Array(B * T * d);
    const P = new Float64Array(B * H * T * T);
    const [dq, dk, dv] = [new Float64Array(B * T * d), new Float64Array(B * T * d), new Float64Array(B * T * d)];
    const at = (b: number, t: number, h: number, c: number): number => (b * T + t) * d + h * hd + c;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let i = 0; i < T; i++) {
          const s: number[] = [];
          for (let j = 0; j <= i; j++) {
            let x = 0;
            for (let c = 0; c < hd; c++) x += q[at(b, i, h, c)]! * k[at(b, j, h, c)]!;
            s.push(x);
          }
          const m = Math.max(...s);
          const z = s.reduce((acc, x) => acc + Math.exp(x - m), 0);
          const p = s.map((x) => Math.exp(x - m) / z);
          const dp = p.map((_, j) => {
            let x = 0;
            for (let c = 0; c < hd; c++) x += dO[at(b, i, h, c)]! * v[at(b, j, h, c)]!;
            return x;
          });
          const mean = p.reduce((acc, pj, j) => acc + pj * dp[j]!, 0);
          for (let j = 0; j <= i; j++) {
            P[((b * H + h) * T + i) * T + j] = p[j]!;
            const ds = p[j]! * (dp[j]! - mean);
            for (let c = 0; c < hd; c++) {
              out[at(b, i, h, c)]! += p[j]! * v[at(b, j, h, c)]!;
              dq[at(b, i, h, c)]! += ds * k[at(b, j, h, c)]!;
              dk[at(b, j, h, c)]! += ds * q[at(b, i, h, c)]!;
              dv[at(b, j, h, c)]! += p[j]! * dO[at(b, i, h, c)]!;
            }
          }
        }
      }
    }
    return { out, P, dq, dk, dv };
  }

  it('matches the float64 definition within 8·((hd + 2)·hd + seq + 8)·ε_f32 of max(1, |value|) on random shapes', () => {
    // Entries in [−1, 1]: the f32 score error (hd + 2)·ε·hd moves probabilities relatively by about twice
    // that; each output or gradient sum adds (seq + 2)·ε of its scale. A wrong index or mask gives O(1) errors.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 2 ** 30 }), (B, T, H, hd, seed) => {
        const rng = createRng(seed);
        const n = B * T * H * hd;
        const [q, k, v, dO] = [rand(rng, n), rand(rng, n), rand(rng, n), rand(rng, n)];
        const P = new Float32Array(B * H * T * T);
        const out = new Float32Array(n);
        const g = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
        expect(attentionF32Forward(q, k, v, B, T, H, hd, P, out)).toBe(true);
        expect(attentionF32Backward(q, k, v, P, dO, B, T, H, hd, g[0], g[1], g[2])).toBe(true);
        const r = reference(q, k, v, dO, B, T, H, hd);
        const tol = 8 * ((hd + 2) * hd + T + 8) * EPS32;
        const pairs: Array<[Float32Array, Float64Array]> = [[out, r.out], [P, r.P], [g[0], r.dq], [g[1], r.dk], [g[2], r.dv]];
        for (const [got, want] of pairs) for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
      }),
      { seed: 7, numRuns: 30 },
    );
  });

  it("returns false and writes nothing on the 'js' backend; rejects bad input", () => {
    setBackend('js');
    const out = new Float32Array(8).fill(3);
    expect(attentionF32Forward(new Float32Array(8), new Float32Array(8), new Float32Array(8), 1, 2, 2, 2, new Float32Array(8), out)).toBe(false);
    expect(Array.from(out)).toEqual(new Array(8).fill(3));
    setBackend('wasm');
    expect(() => attentionF32Forward(new Float32Array(8), new Float32Array(8), new Float32Array(7), 1, 2, 2, 2, new Float32Array(8), out)).toThrow(/v: expected length ≥ 8/);
    expect(() => attentionF32Backward(new Float32Array(8), new Float32Array(8), new Float32Array(8), new Float32Array(3), out, 1, 2, 2, 2, out, out, out)).toThrow(/P/);
  });
});
