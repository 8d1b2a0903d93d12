import {
  FirstOrderError,
  checkChoiceOption,
  checkNumberOption,
  dimensionMismatch,
  invalidArgument,
  runToCompletion,
  toFloat64Array,
} from '@firstorder/core';
import type { Proximable, Status } from '@firstorder/core';
import { CscMatrix, CsrMatrix, Matrix } from '@firstorder/linalg';
import { trustRegionMax } from './kernels.js';
import { pdhgCore } from './pdhg.js';
import type { PdhgOptions, PdhgResult, PdhgState } from './pdhg.js';

export type RowSense = '=' | '<=' | '>=';

/**
 * min cᵀx  s.t.  A_i x (sense_i) b_i for each row i (sense '=', '<=' or '>='; default '='),
 *               lower ≤ x ≤ upper (default lower 0, upper +∞; ±Infinity or null for no bound).
 */
export interface LpProblem {
  readonly c: ArrayLike<number>;
  readonly A: Matrix | CsrMatrix | CscMatrix;
  readonly b: ArrayLike<number>;
  readonly sense?: readonly RowSense[];
  readonly lower?: ArrayLike<number | null>;
  readonly upper?: ArrayLike<number | null>;
}

export interface LpOptions extends Omit<PdhgOptions, 'stepRule' | 'acceleration' | 'preconditioning' | 'stopping' | 'assumeQuadraticG' | 'tau' | 'sigma' | 'theta' | 'relaxation' | 'normK'> {
  /** Ruiz ℓ∞ equilibration passes (default 10, PDLP). */
  readonly ruizIterations?: number;
  /** Follow Ruiz by Pock–Chambolle α = 1 scaling (default true, PDLP). */
  readonly pockChambolle?: boolean;
  /** Relative tolerance of the infeasibility certificates (default 1e-8). */
  readonly infeasibilityTolerance?: number;
  /** KKT evaluation / restart / infeasibility check interval (default 64, PDLP). */
  readonly checkFrequency?: number;
  /**
   * What the adaptive restarts measure: 'kkt' (√(‖primal res‖² + ‖dual res‖² + gap²), as cuPDLP.jl) or
   * 'normalizedGap' (default; 10–15 % fewer iterations than 'kkt' on bench/restart-criteria.mjs; PDLP's normalized duality gap ρ_r(z) = max{L(x, ŷ) − L(x̂, y) : ẑ feasible, ‖ẑ − z‖_ω ≤ r}/r with
   * r = ‖z − z_restart‖_ω, Applegate, Lubin et al. 2021, arXiv:2105.12715).
   */
  readonly restartCriterion?: 'kkt' | 'normalizedGap';
}

export type LpResult = PdhgResult & {
  /** LP multipliers: ∂objective/∂b (≥ 0 on '>=' rows, ≤ 0 on '<=' rows), as HiGHS reports them. */
  readonly y: Float64Array;
  /** Reduced costs c − Aᵀy. */
  readonly reducedCosts: Float64Array;
  readonly dualObjective: number;
  /** Farkas ray (primal_infeasible: y with bᵀy + Σ l r⁺ − u r⁻ > 0, r = −Aᵀy) or primal ray (dual_infeasible: d with cᵀd < 0). */
  readonly certificate?: { readonly kind: 'dual_ray' | 'primal_ray'; readonly ray: Float64Array };
};

export const LP_DEFAULTS = Object.freeze({
  maxIterations: 100_000,
  /** PDLP's relative KKT tolerance form: ‖viol‖ ≤ abs + rel·‖b‖ etc. */
  tolerance: Object.freeze({ absolute: 1e-8, relative: 1e-8 }),
  ruizIterations: 10,
  pockChambolle: true,
  infeasibilityTolerance: 1e-8,
  checkFrequency: 64,
  restartCriterion: 'normalizedGap' as 'kkt' | 'normalizedGap',
});

/** Solves an LP by restarted PDHG (PDLP-style). */
export function solveLp(problem: LpProblem, options: LpOptions = {}): LpResult {
  return runToCompletion(iterateLp(problem, options));
}

export function* iterateLp(problem: LpProblem, options: LpOptions = {}): Generator<PdhgState, LpResult, void> {
  if (problem === null || typeof problem !== 'object') throw invalidArgument('problem', 'an object { c, A, b }', problem);
  const A0 = problem.A;
  if (!(A0 instanceof Matrix || A0 instanceof CsrMatrix || A0 instanceof CscMatrix)) {
    throw invalidArgument('A', 'a Matrix, CsrMatrix or CscMatrix', A0);
  }
  const m = A0.rows;
  const n = A0.cols;
  if (n === 0) throw new FirstOrderError('EMPTY_INPUT', 'A: expected at least one column, received 0', 'A');
  const c = toFloat64Array('c', problem.c);
  if (c.length !== n) throw dimensionMismatch('c', `length ${n} (columns of A)`, `length ${c.length}`);
  const b = toFloat64Array('b', problem.b, { allowEmpty: true });
  if (b.length !== m) throw dimensionMismatch('b', `length ${m} (rows of A)`, `length ${b.length}`);
  const sense = problem.sense ?? new Array<RowSense>(m).fill('=');
  if (sense.length !== m) throw dimensionMismatch('sense', `length ${m}`, `length ${sense.length}`);
  const kind = new Int8Array(m); // 0 '=', 1 '>=', −1 '<='
  for (let i = 0; i < m; i++) {
    const s = sense[i];
    if (s === '=') kind[i] = 0;
    else if (s === '>=') kind[i] = 1;
    else if (s === '<=') kind[i] = -1;
    else throw invalidArgument(`sense[${i}]`, "'=', '<=' or '>='", s);
  }
  const bound = (name: string, v: ArrayLike<number | null> | undefined, dflt: number): Float64Array => {
    if (v === undefined) return new Float64Array(n).fill(dflt);
    if (v.length !== n) throw dimensionMismatch(name, `length ${n}`, `length ${v.length}`);
    return Float64Array.from({ length: n }, (_, j) => {
      const t = v[j];
      if (t === null) return name === 'lower' ? -Infinity : Infinity;
      if (typeof t !== 'number' || Number.isNaN(t)) throw invalidArgument(`${name}[${j}]`, 'a number or ±Infinity', t);
      return t;
    });
  };
  const lower = bound('lower', problem.lower, 0);
  const upper = bound('upper', problem.upper, Infinity);
  for (let j = 0; j < n; j++) {
    if (lower[j]! > upper[j]!) throw invalidArgument(`lower[${j}]`, `a value ≤ upper[${j}] = ${upper[j]}`, lower[j]);
    if (lower[j] === Infinity || upper[j] === -Infinity) throw invalidArgument(`lower[${j}]`, 'finite or −∞ lower, finite or +∞ upper', lower[j]);
  }
  const ruizIterations = checkNumberOption('ruizIterations', options.ruizIterations ?? LP_DEFAULTS.ruizIterations, { min: 0, integer: true });
  const pockChambolle = options.pockChambolle ?? LP_DEFAULTS.pockChambolle;
  const infTol = checkNumberOption('infeasibilityTolerance', options.infeasibilityTolerance ?? LP_DEFAULTS.infeasibilityTolerance, { min: 0, exclusiveMin: true });
  const checkEvery = checkNumberOption('checkFrequency', options.checkFrequency ?? LP_DEFAULTS.checkFrequency, { min: 1, integer: true });
  const restartCriterion = checkChoiceOption('restartCriterion', options.restartCriterion ?? LP_DEFAULTS.restartCriterion, ['kkt', 'normalizedGap'] as const);
  const tolerance = {
    absolute: options.tolerance?.absolute ?? LP_DEFAULTS.tolerance.absolute,
    relative: options.tolerance?.relative ?? LP_DEFAULTS.tolerance.relative,
  };

  // Scaling Ã = R A C (copy; the input is untouched): Ruiz ℓ∞ passes, then Pock–Chambolle α = 1.
  const As = A0 instanceof CsrMatrix ? A0.clone() : A0 instanceof CscMatrix ? A0.toCsr() : CsrMatrix.fromDense(A0);
  const R = new Float64Array(m).fill(1);
  const C = new Float64Array(n).fill(1);
  const rs = new Float64Array(m);
  const cs = new Float64Array(n);
  const applyScale = (): void => {
    As.scaleInPlace(rs, cs);
    for (let i = 0; i < m; i++) R[i]! *= rs[i]!;
    for (let j = 0; j < n; j++) C[j]! *= cs[j]!;
  };
  for (let it = 0; it < ruizIterations; it++) {
    const rn = As.rowNorms(Infinity);
    const cn = As.columnNorms(Infinity);
    for (let i = 0; i < m; i++) rs[i] = rn[i]! > 0 ? 1 / Math.sqrt(rn[i]!) : 1;
    for (let j = 0; j < n; j++) cs[j] = cn[j]! > 0 ? 1 / Math.sqrt(cn[j]!) : 1;
    applyScale();
  }
  if (pockChambolle) {
    const rn = As.rowNorms(1);
    const cn = As.columnNorms(1);
    for (let i = 0; i < m; i++) rs[i] = rn[i]! > 0 ? 1 / Math.sqrt(rn[i]!) : 1;
    for (let j = 0; j < n; j++) cs[j] = cn[j]! > 0 ? 1 / Math.sqrt(cn[j]!) : 1;
    applyScale();
  }
  const cT = Float64Array.from(c, (v, j) => v * C[j]!);
  const bT = Float64Array.from(b, (v, i) => v * R[i]!);
  const lT = Float64Array.from(lower, (v, j) => v / C[j]!);
  const uT = Float64Array.from(upper, (v, j) => v / C[j]!);

  const f: Proximable = {
    value(x) {
      let s = 0;
      for (let j = 0; j < n; j++) s += cT[j]! * x[j]!;
      return s;
    },
    prox(v, step, out) {
      for (let j = 0; j < n; j++) {
        const z = v[j]! - step * cT[j]!;
        out[j] = z < lT[j]! ? lT[j]! : z > uT[j]! ? uT[j]! : z;
      }
      return out;
    },
  };
  // g = indicator of the row constraints; its conjugate's prox: v − σ·P_S(v/σ).
  const gConjugate: Proximable = {
    value: () => 0,
    prox(v, step, out) {
      for (let i = 0; i < m; i++) {
        const t = v[i]! - step * bT[i]!;
        out[i] = kind[i] === 0 ? t : kind[i] === 1 ? Math.min(t, 0) : Math.max(t, 0);
      }
      return out;
    },
  };
  const g: Proximable = { value: () => 0, prox: (v, _s, out) => out.set(v) ?? out };

  // Unscaled quantities for the KKT evaluation.
  const xU = new Float64Array(n);
  const yU = new Float64Array(m);
  const AxU = new Float64Array(m);
  const ATyU = new Float64Array(n);
  const red = new Float64Array(n);
  const normB = Math.hypot(...b);
  const normC = Math.hypot(...c);
  let dualObjective = NaN;
  let certificate: LpResult['certificate'];

  const unscale = (x: Float64Array, y: Float64Array, Kx: Float64Array, KTy: Float64Array): void => {
    for (let j = 0; j < n; j++) {
      xU[j] = x[j]! * C[j]!;
      ATyU[j] = -KTy[j]! / C[j]!; // Aᵀλ with λ = −R ỹ
    }
    for (let i = 0; i < m; i++) {
      yU[i] = -y[i]! * R[i]!;
      AxU[i] = Kx[i]! / R[i]!;
    }
  };

  const evaluate = (x: Float64Array, y: Float64Array, Kx: Float64Array, KTy: Float64Array) => {
    unscale(x, y, Kx, KTy);
    let pres = 0;
    for (let i = 0; i < m; i++) {
      const a = AxU[i]! - b[i]!;
      const v = kind[i] === 0 ? a : kind[i] === 1 ? Math.min(a, 0) : Math.max(a, 0);
      pres += v * v;
    }
    let dres = 0;
    let pobj = 0;
    let dobj = 0;
    for (let i = 0; i < m; i++) dobj += b[i]! * yU[i]!;
    for (let j = 0; j < n; j++) {
      const r = c[j]! - ATyU[j]!;
      red[j] = r;
      pobj += c[j]! * xU[j]!;
      const lo = Number.isFinite(lower[j]!);
      const hi = Number.isFinite(upper[j]!);
      let viol = 0;
      if (r > 0) {
        if (lo) dobj += lower[j]! * r;
        else viol = r;
      } else if (r < 0) {
        if (hi) dobj += upper[j]! * r;
        else viol = r;
      }
      dres += viol * viol;
    }
    pres = Math.sqrt(pres);
    dres = Math.sqrt(dres);
    const gap = Math.abs(pobj - dobj);
    dualObjective = dobj;
    const ok =
      pres <= tolerance.absolute + tolerance.relative * normB &&
      dres <= tolerance.absolute + tolerance.relative * normC &&
      gap <= tolerance.absolute + tolerance.relative * (Math.abs(pobj) + Math.abs(dobj));
    return {
      objective: pobj,
      residuals: { primal: pres, dual: dres, gap },
      error: Math.sqrt(pres * pres + dres * dres + gap * gap),
      status: ok as boolean | Status,
    };
  };

  // Infeasibility from iterate differences over one check interval (they tend to the infimal displacement vector).
  const rayY = new Float64Array(m);
  const rayX = new Float64Array(n);
  const differences = (dX: Float64Array, dY: Float64Array, dKx: Float64Array, dKTy: Float64Array): Status | undefined => {
    // Dual ray λ = −R dỹ; r = −Aᵀλ = −C⁻¹(dKTy)·(−1)… with Aᵀλ = −C⁻¹ dKTy.
    let scaleY = 0;
    for (let i = 0; i < m; i++) {
      rayY[i] = -dY[i]! * R[i]!;
      scaleY = Math.max(scaleY, Math.abs(rayY[i]!));
    }
    if (scaleY > 0) {
      let obj = 0;
      let viol = 0;
      for (let i = 0; i < m; i++) {
        const v = rayY[i]! / scaleY;
        obj += b[i]! * v;
        if (kind[i] === 1) viol = Math.max(viol, -v);
        else if (kind[i] === -1) viol = Math.max(viol, v);
      }
      for (let j = 0; j < n; j++) {
        const r = -(-dKTy[j]! / C[j]!) / scaleY; // r = −Aᵀλ
        if (r > 0) {
          if (Number.isFinite(lower[j]!)) obj += lower[j]! * r;
          else viol = Math.max(viol, r);
        } else if (r < 0) {
          if (Number.isFinite(upper[j]!)) obj += upper[j]! * r;
          else viol = Math.max(viol, -r);
        }
      }
      if (obj > 0 && viol <= infTol * obj) {
        certificate = { kind: 'dual_ray', ray: Float64Array.from(rayY, (v) => v / scaleY) };
        return 'primal_infeasible';
      }
    }
    let scaleX = 0;
    for (let j = 0; j < n; j++) {
      rayX[j] = dX[j]! * C[j]!;
      scaleX = Math.max(scaleX, Math.abs(rayX[j]!));
    }
    if (scaleX > 0) {
      let obj = 0;
      let viol = 0;
      for (let j = 0; j < n; j++) {
        const d = rayX[j]! / scaleX;
        obj += c[j]! * d;
        if (Number.isFinite(lower[j]!)) viol = Math.max(viol, -d);
        if (Number.isFinite(upper[j]!)) viol = Math.max(viol, d);
      }
      for (let i = 0; i < m; i++) {
        const a = dKx[i]! / R[i]! / scaleX;
        viol = Math.max(viol, kind[i] === 0 ? Math.abs(a) : kind[i] === 1 ? -a : a);
      }
      if (obj < 0 && viol <= infTol * -obj) {
        certificate = { kind: 'primal_ray', ray: Float64Array.from(rayX, (v) => v / scaleX) };
        return 'dual_infeasible';
      }
    }
    return undefined;
  };

  // Normalized duality gap in the scaled space: L(x, y) = c̃ᵀx + yᵀÃx − b̃ᵀy on x ∈ [l̃, ũ], y in the sign cone;
  // L(x, y + dy) − L(x + dx, y) = dyᵀ(Ãx − b̃) − (c̃ + Ãᵀy)ᵀdx, maximized over the ω-ball by trustRegionMax
  // after the change of variables (√ω dx, dy/√ω) that turns ‖·‖_ω into ‖·‖₂.
  const N = restartCriterion === 'normalizedGap' ? n + m : 0;
  const tg = new Float64Array(N);
  const tlo = new Float64Array(N);
  const thi = new Float64Array(N);
  const twork = new Float64Array(N);
  const normalizedGap = (
    x: Float64Array,
    y: Float64Array,
    Kx: Float64Array,
    KTy: Float64Array,
    ax: Float64Array,
    ay: Float64Array,
    omega: number,
  ): number => {
    const sw = Math.sqrt(omega);
    let r2 = 0;
    for (let j = 0; j < n; j++) {
      const d = x[j]! - ax[j]!;
      r2 += omega * d * d;
      tg[j] = -(cT[j]! + KTy[j]!) / sw;
      tlo[j] = (lT[j]! - x[j]!) * sw;
      thi[j] = (uT[j]! - x[j]!) * sw;
    }
    for (let i = 0; i < m; i++) {
      const d = y[i]! - ay[i]!;
      r2 += (d * d) / omega;
      tg[n + i] = (Kx[i]! - bT[i]!) * sw;
      tlo[n + i] = kind[i] === -1 ? -y[i]! / sw : -Infinity;
      thi[n + i] = kind[i] === 1 ? -y[i]! / sw : Infinity;
    }
    const r = Math.sqrt(r2);
    return r > 0 ? trustRegionMax(tg, tlo, thi, r, twork) / r : 0;
  };

  const pdhgOptions: PdhgOptions = {
    ...options,
    maxIterations: options.maxIterations ?? LP_DEFAULTS.maxIterations,
    tolerance,
    stepRule: 'adaptive',
    restart: options.restart ?? 'adaptive',
    primalWeightUpdate: options.primalWeightUpdate ?? true,
    restartFrequency: checkEvery,
    ...(options.primalWeight === undefined ? { primalWeight: initialPrimalWeight(cT, bT) } : {}),
    ...(options.warmStart === undefined ? {} : { warmStart: scaledWarmStart(options.warmStart, C, R) }),
  };
  // Kᵀ as a second CSR (Ãᵀ) so both products are row gathers rather than one gather and one scatter.
  const AsT = As.transpose();
  const K = { rows: m, cols: n, apply: (v: Float64Array, out: Float64Array) => As.apply(v, out), applyTranspose: (v: Float64Array, out: Float64Array) => AsT.apply(v, out) };
  const result = yield* pdhgCore(
    { K, f, g, gConjugate },
    pdhgOptions,
    {
      checkEvery,
      evaluate: (x, y, Kx, KTy) => evaluate(x, y, Kx, KTy),
      differences,
      ...(restartCriterion === 'normalizedGap' ? { restartMetric: normalizedGap } : {}),
    },
  );
  // Unscale the returned point (the result's x, y are scaled copies).
  const Kx = new Float64Array(m);
  const KTy = new Float64Array(n);
  As.apply(result.x, Kx);
  As.applyTranspose(result.y, KTy);
  const final = evaluate(result.x, result.y, Kx, KTy);
  return Object.assign(result, {
    x: Float64Array.from(xU),
    y: Float64Array.from(yU),
    reducedCosts: Float64Array.from(red),
    objective: final.objective,
    residuals: final.residuals,
    dualObjective,
    ...(certificate !== undefined && (result.status === 'primal_infeasible' || result.status === 'dual_infeasible') ? { certificate } : {}),
  }) as LpResult;
}

/** PDLP's initial primal weight ‖c‖₂/‖b‖₂ (1 when either is 0). */
function initialPrimalWeight(c: Float64Array, b: Float64Array): number {
  const nc = Math.hypot(...c);
  const nb = Math.hypot(...b);
  return nc > 0 && nb > 0 ? nc / nb : 1;
}

function scaledWarmStart(w: { x?: ArrayLike<number>; y?: ArrayLike<number> }, C: Float64Array, R: Float64Array): { x?: Float64Array; y?: Float64Array } {
  const out: { x?: Float64Array; y?: Float64Array } = {};
  if (w.x !== undefined) {
    if (w.x.length !== C.length) throw dimensionMismatch('warmStart.x', `length ${C.length}`, `length ${w.x.length}`);
    out.x = Float64Array.from(w.x, (v, j) => v / C[j]!);
  }
  if (w.y !== undefined) {
    if (w.y.length !== R.length) throw dimensionMismatch('warmStart.y', `length ${R.length}`, `length ${w.y.length}`);
    out.y = Float64Array.from(w.y, (v, i) => -v / R[i]!);
  }
  return out;
}

/**
 * PDLP's normalized duality gap of an LP at (x, y) (y with HiGHS' signs, as `solveLp` returns it):
 * ρ_r(z) = max{ L(x, ŷ) − L(x̂, y) : x̂ within the bounds, ŷ in the sign cone, ‖ẑ − z‖_ω ≤ r } / r with
 * L(x, y) = cᵀx − yᵀ(Ax − b) and ‖(dx, dy)‖²_ω = ω‖dx‖² + ‖dy‖²/ω (Applegate, Lubin et al., arXiv:2105.12715, §2).
 * It is ≥ 0, 0 at a saddle point, and nonincreasing in r. Measured in the original (unscaled) space.
 */
export function lpNormalizedDualityGap(
  problem: LpProblem,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { readonly radius: number; readonly primalWeight?: number },
): number {
  const A = problem.A;
  const n = A.cols;
  const m = A.rows;
  const xv = toFloat64Array('x', x);
  const yv = toFloat64Array('y', y, { allowEmpty: true });
  if (xv.length !== n) throw dimensionMismatch('x', `length ${n}`, `length ${xv.length}`);
  if (yv.length !== m) throw dimensionMismatch('y', `length ${m}`, `length ${yv.length}`);
  const c = toFloat64Array('c', problem.c);
  const b = toFloat64Array('b', problem.b, { allowEmpty: true });
  if (c.length !== n) throw dimensionMismatch('c', `length ${n}`, `length ${c.length}`);
  if (b.length !== m) throw dimensionMismatch('b', `length ${m}`, `length ${b.length}`);
  const r = checkNumberOption('radius', options.radius, { min: 0, exclusiveMin: true });
  const omega = checkNumberOption('primalWeight', options.primalWeight ?? 1, { min: 0, exclusiveMin: true });
  const sw = Math.sqrt(omega);
  const Ax = new Float64Array(m);
  const ATy = new Float64Array(n);
  A.apply(xv, Ax);
  A.applyTranspose(yv, ATy);
  const g = new Float64Array(n + m);
  const lo = new Float64Array(n + m);
  const hi = new Float64Array(n + m);
  for (let j = 0; j < n; j++) {
    const l = problem.lower?.[j];
    const u = problem.upper?.[j];
    const lj = l === undefined ? 0 : l === null ? -Infinity : l;
    const uj = u === undefined || u === null ? Infinity : u;
    g[j] = -(c[j]! - ATy[j]!) / sw;
    lo[j] = (lj - xv[j]!) * sw;
    hi[j] = (uj - xv[j]!) * sw;
  }
  for (let i = 0; i < m; i++) {
    const s = problem.sense?.[i] ?? '=';
    g[n + i] = (b[i]! - Ax[i]!) * sw;
    lo[n + i] = s === '>=' ? -yv[i]! / sw : -Infinity;
    hi[n + i] = s === '<=' ? -yv[i]! / sw : Infinity;
  }
  return trustRegionMax(g, lo, hi, r, new Float64Array(n + m)) / r;
}
