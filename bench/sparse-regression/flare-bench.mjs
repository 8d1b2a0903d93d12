// Shared definitions of the sparse-regression suites (`pnpm bench sparse-regression`): one suite per flare
// method, each timing slim()/sugm() against flare 1.8's own C code (through flare-server.R, one long-lived R
// process) on flare's Table 2 design. n in the tables is the dimension d; n = 100 observations throughout.
// Without R or flare (see packages/sparse-regression/README.md to build it), the flare column says why and
// ours is timed alone on the path it would have used (our λ path equals flare's to ~1e-12).
import { slim, sugm } from '@firstorder/sparse-regression';
import { maxAbs, maxAbsDiff } from '../lib/harness.mjs';
import { table2Design } from './data.mjs';
import { startFlare } from './flare-client.mjs';

let server;
function flare() {
  if (server === undefined) {
    server = startFlare(); // stops its R process when node exits
  }
  return server;
}

const slimOptions = {
  lad: { method: 'lad', flare: 'lq', q: 1, label: 'LAD lasso' },
  lq: { method: 'lq', flare: 'lq', q: 1.5, label: 'ℓ1.5 lasso' },
  dantzig: { method: 'dantzig', flare: 'dantzig', q: 2, label: 'Dantzig selector' },
  sqrt: { method: 'sqrt', flare: 'lq', q: 2, label: 'SQRT lasso' },
  lasso: { method: 'lasso', flare: 'lasso', q: 2, label: 'lasso' },
};

/** flare's Table 2: one method, 20 λ from flare's default path (ours gets the same λ through `lambda`). */
export function slimSuite(key) {
  const m = slimOptions[key];
  const f = flare();
  return {
    name: `flare-${key}`,
    description: `${m.label} path (slim, flare's stopping rule) on flare's Table 2 design, n = 100 observations, 20 λ; the size column is d; check: β path (original scale) vs flare's`,
    ours: 'firstorder',
    peers: ['flare'],
    sizes: { full: [375, 750, 1500, 3000], quick: [375] },
    missing: f.available ? {} : { flare: f.reason },
    setup(d) {
      const { X, y } = table2Design(100, d, 20150 + d);
      const id = `${key}-${d}`;
      let lambda;
      let reference;
      const impls = {};
      if (f.available) {
        f.load({ id, kind: 'slim', method: m.flare, q: m.q, nlambda: 20, X, y });
        reference = f.result(id);
        lambda = reference.lambda;
        impls.flare = () => f.run(id);
      }
      const options = lambda ? { method: m.method, q: m.q, lambda } : { method: m.method, q: m.q, nlambda: 20 };
      impls.firstorder = () => slim(X, y, options);
      return {
        impls,
        check(outputs) {
          if (!reference || !outputs.firstorder) return {};
          const fit = outputs.firstorder;
          const ours = new Float64Array(d * lambda.length); // column-major like flare's
          for (let k = 0; k < lambda.length; k++) {
            for (let e = fit.beta.colPtr[k]; e < fit.beta.colPtr[k + 1]; e++) ours[k * d + fit.beta.rowIndices[e]] = fit.beta.values[e];
          }
          // flare solves the ℓq (q ∈ (1, 2)) α-step only to 1e-8 by its own inner iteration, so ℓ1.5 paths agree to ~1e-4, not 1e-8.
          const tolerance = m.method === 'lq' ? 1e-3 : undefined;
          return { flare: { maxAbsDiff: maxAbsDiff(ours, reference.beta), scale: maxAbs(reference.beta), what: 'β', ...(tolerance ? { tolerance } : {}) } };
        },
      };
    },
  };
}

/** Table 3-style precision matrices: sugm with flare's defaults (5 λ; ours gets flare's λ). */
export function sugmSuite(method) {
  const f = flare();
  return {
    name: `flare-${method}`,
    description: `sugm ${method.toUpperCase()} precision-matrix path (flare's defaults, 5 λ) on n = 100 draws of N(0, Σ), Σ_jk = 0.5^|j−k|; the size column is d; check: Ω path vs flare's`,
    ours: 'firstorder',
    peers: ['flare'],
    sizes: { full: [100, 200, 400], quick: [100] },
    missing: f.available ? {} : { flare: f.reason },
    setup(d) {
      const { X } = table2Design(100, d, 30150 + d);
      const id = `${method}-${d}`;
      let reference;
      const impls = {};
      if (f.available) {
        f.load({ id, kind: 'sugm', method, nlambda: 5, X });
        reference = f.result(id);
        impls.flare = () => f.run(id);
      }
      const options = reference ? { method, lambda: reference.lambda } : { method, nlambda: 5 };
      impls.firstorder = () => sugm(X, options);
      return {
        impls,
        check(outputs) {
          if (!reference || !outputs.firstorder) return {};
          let diff = 0;
          let scale = 0;
          outputs.firstorder.icov.forEach((M, k) => {
            const dense = new Float64Array(d * d);
            for (let c = 0; c < d; c++) for (let e = M.colPtr[c]; e < M.colPtr[c + 1]; e++) dense[c * d + M.rowIndices[e]] = M.values[e];
            diff = Math.max(diff, maxAbsDiff(dense, reference.icov[k]));
            scale = Math.max(scale, maxAbs(reference.icov[k]));
          });
          return { flare: { maxAbsDiff: diff, scale, what: 'Ω' } };
        },
      };
    },
  };
}
