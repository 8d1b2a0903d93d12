import { FirstOrderError, checkNumberOption, createRng, invalidArgument, now } from '@firstorder/core';
import type { Rng } from '@firstorder/core';
import { adamw, applyUpdatesInPlace, chain, clipByGlobalNorm, globalNorm, warmupCosineDecay } from '@firstorder/optimizers';
import type { Params, Schedule } from '@firstorder/optimizers';
import { saveCheckpoint } from './checkpoint.js';
import type { DeviceForwardOptions, OptModel } from './model.js';

/** Token stream: Int32Array, Uint8Array (bytes) or any array of ids. */
export type Tokens = ArrayLike<number>;

/**
 * Defaults. AdamW β = (0.9, 0.95), weight decay 0.1 on matrices only, clipping at global norm 1 and
 * warm-up + cosine decay to 10% of the peak follow the GPT-3 paper (Brown et al. 2020, appendix B) and
 * OPT (Zhang et al. 2022, §2.2: AdamW β₂ = 0.95, decay 0.1, clip 1.0, linear warm-up); the peak rate 2e-3 and
 * batch 16 × 128 suit this package's ~1M-parameter byte-level model (small models take larger rates).
 */
export const TRAIN_DEFAULTS = Object.freeze({
  batchSize: 16,
  learningRate: 2e-3,
  warmupSteps: 100,
  finalLearningRateRatio: 0.1,
  weightDecay: 0.1,
  b1: 0.9,
  b2: 0.95,
  eps: 1e-8,
  clipNorm: 1,
  evalEvery: 100,
  logEvery: 10,
  seed: 0,
});

export interface TrainProgress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly gradNorm: number;
  readonly tokensPerSecond: number;
  readonly elapsedMs: number;
  readonly validation?: EvaluationResult;
}

export interface TrainOptions {
  readonly steps: number;
  readonly batchSize?: number;
  /** Window length (default: the model's maxPositionEmbeddings). */
  readonly seqLen?: number;
  readonly learningRate?: number | Schedule;
  readonly warmupSteps?: number;
  readonly finalLearningRateRatio?: number;
  readonly weightDecay?: number;
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  /** Global-norm gradient clipping threshold (Infinity disables). */
  readonly clipNorm?: number;
  readonly seed?: number;
  readonly rng?: Rng;
  /** Validation tokens, evaluated every `evalEvery` steps and at the end. */
  readonly validation?: Tokens;
  readonly evalEvery?: number;
  /** Cap on validation windows per evaluation (default: all). */
  readonly evalMaxWindows?: number;
  readonly logEvery?: number;
  readonly onProgress?: (info: TrainProgress) => void;
  readonly checkpointDir?: string;
  readonly checkpointEvery?: number;
  readonly signal?: AbortSignal;
}

export interface TrainResult {
  readonly steps: number;
  readonly stopped: boolean;
  /** Mean training loss (nats/token) of each logged interval, with the step at its end. */
  readonly trainCurve: { step: number[]; loss: number[] };
  readonly validationCurve: { step: number[]; loss: number[] };
  readonly finalValidation: EvaluationResult | null;
  readonly tokensPerSecond: number;
  readonly timeMs: number;
}

/** Weight decay applies to matrices (weights, embeddings), not to biases or layer-norm parameters. */
export function decayMask(params: Params): Record<string, boolean> {
  const mask: Record<string, boolean> = {};
  for (const [name, p] of Object.entries(params)) mask[name] = !ArrayBuffer.isView(p) && p.shape.length >= 2;
  return mask;
}

function checkTokens(name: string, tokens: Tokens, vocab: number, minLength: number): void {
  if (tokens === null || typeof tokens !== 'object' || typeof tokens.length !== 'number') throw invalidArgument(name, 'an array of token ids', tokens);
  if (tokens.length < minLength) throw new FirstOrderError('EMPTY_INPUT', `${name}: expected at least ${minLength} tokens, received ${tokens.length}`, name);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= vocab) throw invalidArgument(`${name}[${i}]`, `a token id in [0, ${vocab})`, t);
  }
}

/**
 * Trains `model` in place on random windows of `tokens` (start positions uniform, seeded): AdamW with
 * warm-up + cosine decay, global-norm clipping, periodic validation, checkpoints and progress callbacks.
 */
export async function train(model: OptModel, tokens: Tokens, options: TrainOptions): Promise<TrainResult> {
  const o = { ...TRAIN_DEFAULTS, ...options };
  const steps = checkNumberOption('steps', o.steps, { integer: true, min: 1 });
  const batch = checkNumberOption('batchSize', o.batchSize, { integer: true, min: 1 });
  const seq = checkNumberOption('seqLen', o.seqLen ?? model.config.maxPositionEmbeddings, { integer: true, min: 1, max: model.config.maxPositionEmbeddings });
  const evalEvery = checkNumberOption('evalEvery', o.evalEvery, { integer: true, min: 1 });
  const logEvery = checkNumberOption('logEvery', o.logEvery, { integer: true, min: 1 });
  const clip = checkNumberOption('clipNorm', o.clipNorm, { min: 0, exclusiveMin: true });
  checkTokens('tokens', tokens, model.config.vocabSize, seq + 1);
  if (o.validation !== undefined) checkTokens('validation', o.validation, model.config.vocabSize, 2);
  const rng = o.rng ?? createRng(o.seed);
  let schedule: Schedule;
  if (typeof o.learningRate === 'function') schedule = o.learningRate;
  else {
    const peak = checkNumberOption('learningRate', o.learningRate, { min: 0, exclusiveMin: true });
    const warmup = Math.min(checkNumberOption('warmupSteps', o.warmupSteps, { integer: true, min: 0 }), steps - 1);
    const ratio = checkNumberOption('finalLearningRateRatio', o.finalLearningRateRatio, { min: 0, max: 1 });
    schedule = warmupCosineDecay({ peakValue: peak, warmupSteps: warmup, decaySteps: Math.max(steps, warmup + 1), endValue: peak * ratio });
  }
  const params = model.parameters();
  const grads = model.gradients();
  const optimizer = chain(
    ...(Number.isFinite(clip) ? [clipByGlobalNorm(clip)] : []),
    adamw({ learningRate: schedule, b1: o.b1, b2: o.b2, eps: o.eps, weightDecay: o.weightDecay, mask: decayMask(params) }),
  );
  let state = optimizer.init(params);
  const ids = new Int32Array(batch * seq);
  const targets = new Int32Array(batch * seq);
  const trainCurve = { step: [] as number[], loss: [] as number[] };
  const validationCurve = { step: [] as number[], loss: [] as number[] };
  let finalValidation: EvaluationResult | null = null;
  const start = now();
  let intervalLoss = 0;
  let intervalSteps = 0;
  let step = 0;
  let stopped = false;
  const evalOpts = { seqLen: seq, batchSize: batch, ...(o.evalMaxWindows !== undefined ? { maxWindows: o.evalMaxWindows } : {}) };
  while (step < steps) {
    if (o.signal?.aborted === true) {
      stopped = true;
      break;
    }
    for (let b = 0; b < batch; b++) {
      const s = rng.integer(0, tokens.length - seq);
      for (let t = 0; t < seq; t++) {
        ids[b * seq + t] = tokens[s + t]!;
        targets[b * seq + t] = tokens[s + t + 1]!;
      }
    }
    const loss = model.lossAndGradient(ids, targets, batch, seq);
    if (!Number.isFinite(loss)) {
      throw new FirstOrderError('NON_FINITE_INPUT', `train: loss became ${loss} at step ${step}; lower the learning rate`, 'learningRate');
    }
    const gradNorm = o.onProgress !== undefined && (step + 1) % logEvery === 0 ? globalNorm(grads) : NaN;
    const lr = schedule(step);
    const result = optimizer.update(grads, state, params);
    state = result.state;
    applyUpdatesInPlace(params, result.updates);
    step++;
    intervalLoss += loss;
    intervalSteps++;
    const elapsed = now() - start;
    let validation: EvaluationResult | undefined;
    if (o.validation !== undefined && (step % evalEvery === 0 || step === steps)) {
      validation = evaluate(model, o.validation, evalOpts);
      validationCurve.step.push(step);
      validationCurve.loss.push(validation.loss);
      if (step === steps) finalValidation = validation;
    }
    if (step % logEvery === 0 || step === steps) {
      trainCurve.step.push(step);
      trainCurve.loss.push(intervalLoss / intervalSteps);
      o.onProgress?.({
        step,
        steps,
        loss: intervalLoss / intervalSteps,
        learningRate: lr,
        gradNorm,
        tokensPerSecond: (step * batch * seq) / (elapsed / 1000),
        elapsedMs: elapsed,
        ...(validation !== undefined ? { validation } : {}),
      });
      intervalLoss = 0;
      intervalSteps = 0;
    }
    if (o.checkpointDir !== undefined && o.checkpointEvery !== undefined && (step % o.checkpointEvery === 0 || step === steps)) {
      await saveCheckpoint(o.checkpointDir, model, { metadata: { step: String(step) } });
    }
    // Let timers and I/O run between steps.
    if (step % logEvery === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const timeMs = now() - start;
  return { steps: step, stopped, trainCurve, validationCurve, finalValidation, tokensPerSecond: (step * batch * seq) / (timeMs / 1000), timeMs };
}

export interface EvaluationResult {
  /** Mean negative log-likelihood per predicted token, nats. */
  readonly loss: number;
  readonly perplexity: number;
  /** loss / ln 2; equals bits per byte for the byte tokenizer. */
  readonly bitsPerToken: number;
  readonly tokens: number;
  readonly windows: number;
}

/**
 * Perplexity on non-overlapping windows: window k feeds tokens [kT, kT + T) and scores the next token of
 * each (the usual GPTQ/HF "stride = T" evaluation: early positions of a window see little context).
 * A final shorter window covers the remainder, so every token after the first is scored once.
 */
export interface EvaluateOptions {
  readonly seqLen?: number;
  readonly batchSize?: number;
  readonly maxWindows?: number;
  /** 'cpu' (default) evaluates synchronously; a device backend makes the call return a Promise (see OptModel.forward). */
  readonly backend?: 'cpu';
}

/** {@link evaluate} with the forward on a device backend ('gpu' | 'auto' | a session; see DeviceForwardOptions). */
export interface DeviceEvaluateOptions extends Omit<EvaluateOptions, 'backend'> {
  readonly backend: DeviceForwardOptions['backend'];
}

export function evaluate(model: OptModel, tokens: Tokens, options?: EvaluateOptions): EvaluationResult;
export function evaluate(model: OptModel, tokens: Tokens, options: DeviceEvaluateOptions): Promise<EvaluationResult>;
export function evaluate(model: OptModel, tokens: Tokens, options: EvaluateOptions | DeviceEvaluateOptions = {}): EvaluationResult | Promise<EvaluationResult> {
  const plan = evaluationPlan(model, tokens, options);
  if (options.backend === undefined || options.backend === 'cpu') {
    for (const w of plan.windows()) plan.add(model.loss(w.ids, w.targets, w.batch, w.seq), w);
    return plan.result();
  }
  const device = { backend: options.backend };
  return (async () => {
    for (const w of plan.windows()) plan.add(await model.loss(w.ids, w.targets, w.batch, w.seq, device), w);
    return plan.result();
  })();
}

interface EvaluationWindow {
  ids: Int32Array;
  targets: Int32Array;
  batch: number;
  seq: number;
}

/** The non-overlapping windows of an evaluation and the running mean of their losses (shared by the CPU and device paths). */
function evaluationPlan(model: OptModel, tokens: Tokens, options: Omit<EvaluateOptions, 'backend'>) {
  const seq = checkNumberOption('seqLen', options.seqLen ?? model.config.maxPositionEmbeddings, { integer: true, min: 1, max: model.config.maxPositionEmbeddings });
  const batch = checkNumberOption('batchSize', options.batchSize ?? TRAIN_DEFAULTS.batchSize, { integer: true, min: 1 });
  checkTokens('tokens', tokens, model.config.vocabSize, 2);
  const full = Math.floor((tokens.length - 1) / seq);
  const maxWindows = options.maxWindows === undefined ? Infinity : checkNumberOption('maxWindows', options.maxWindows, { integer: true, min: 1 });
  const windows = Math.min(full, maxWindows);
  const rest = tokens.length - 1 - full * seq;
  let total = 0;
  let count = 0;
  let used = 0;
  return {
    *windows(): Generator<EvaluationWindow> {
      const ids = new Int32Array(batch * seq);
      const targets = new Int32Array(batch * seq);
      for (let w = 0; w < windows; w += batch) {
        const nb = Math.min(batch, windows - w);
        for (let b = 0; b < nb; b++) {
          const s = (w + b) * seq;
          for (let t = 0; t < seq; t++) {
            ids[b * seq + t] = tokens[s + t]!;
            targets[b * seq + t] = tokens[s + t + 1]!;
          }
        }
        const n = nb * seq;
        yield { ids: ids.subarray(0, n), targets: targets.subarray(0, n), batch: nb, seq };
      }
      // The tail shorter than one window counts too, when every full window was used.
      if (windows === full && rest > 0) {
        const s = full * seq;
        const restIds = new Int32Array(rest);
        const restTargets = new Int32Array(rest);
        for (let t = 0; t < rest; t++) {
          restIds[t] = tokens[s + t]!;
          restTargets[t] = tokens[s + t + 1]!;
        }
        yield { ids: restIds, targets: restTargets, batch: 1, seq: rest };
      }
    },
    add(meanLoss: number, w: EvaluationWindow): void {
      const n = w.batch * w.seq;
      total += meanLoss * n;
      count += n;
      used += w.seq === seq ? w.batch : 1;
    },
    result(): EvaluationResult {
      const loss = total / count;
      return { loss, perplexity: Math.exp(loss), bitsPerToken: loss / Math.LN2, tokens: count, windows: used };
    },
  };
}

export interface GenerateOptions {
  readonly maxNewTokens: number;
  /** 0 = greedy (default 1). */
  readonly temperature?: number;
  /** Sample among the k most likely tokens only (0 = all; default 0). */
  readonly topK?: number;
  readonly seed?: number;
  readonly rng?: Rng;
  /** Stop after this token (included in the output). */
  readonly stopToken?: number;
}

/** Samples a continuation of `prompt` (the context is cut to the last maxPositionEmbeddings tokens). */
export function generate(model: OptModel, prompt: Tokens, options: GenerateOptions): Int32Array {
  const n = checkNumberOption('maxNewTokens', options.maxNewTokens, { integer: true, min: 0 });
  const temperature = checkNumberOption('temperature', options.temperature ?? 1, { min: 0 });
  const V = model.config.vocabSize;
  const topK = checkNumberOption('topK', options.topK ?? 0, { integer: true, min: 0 });
  checkTokens('prompt', prompt, V, 1);
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const maxCtx = model.config.maxPositionEmbeddings;
  const all = Array.from(prompt);
  const out = new Int32Array(n);
  const probs = new Float64Array(V);
  const order = new Int32Array(V);
  let produced = 0;
  for (; produced < n; produced++) {
    const ctx = all.slice(Math.max(0, all.length - maxCtx));
    const logits = model.forward(ctx, 1, ctx.length);
    const row = (ctx.length - 1) * V;
    let next = 0;
    if (temperature === 0) {
      for (let c = 1; c < V; c++) if (logits[row + c]! > logits[row + next]!) next = c;
    } else {
      let max = -Infinity;
      for (let c = 0; c < V; c++) max = Math.max(max, logits[row + c]!);
      for (let c = 0; c < V; c++) probs[c] = Math.exp((logits[row + c]! - max) / temperature);
      if (topK > 0 && topK < V) {
        for (let c = 0; c < V; c++) order[c] = c;
        const sorted = Array.from(order).sort((a, b) => probs[b]! - probs[a]! || a - b);
        for (let r = topK; r < V; r++) probs[sorted[r]!] = 0;
      }
      next = rng.weightedIndex(probs);
    }
    out[produced] = next;
    all.push(next);
    if (options.stopToken !== undefined && next === options.stopToken) {
      produced++;
      break;
    }
  }
  return out.slice(0, produced);
}

/** Add-one (Laplace) unigram and bigram models and a Witten–Bell interpolated bigram, fit on `train`. */
export interface NgramBaselines {
  /** Bits per token on the evaluated tokens (every token after the first). */
  readonly unigramAddOne: number;
  readonly bigramAddOne: number;
  readonly bigramWittenBell: number;
  readonly vocabSize: number;
}

/**
 * Baselines over a vocabulary of `vocabSize` symbols: unigram P(w) = (c(w) + 1)/(N + V); bigram add-one
 * P(w|u) = (c(u,w) + 1)/(c(u) + V); Witten–Bell P(w|u) = (c(u,w) + T(u)·P₁(w))/(c(u) + T(u)) with T(u) the
 * number of distinct successors of u and P₁ the add-one unigram (Witten & Bell 1991; Chen & Goodman 1998 §2.4).
 */
export function ngramBaselines(train: Tokens, test: Tokens, vocabSize: number): NgramBaselines {
  const V = checkNumberOption('vocabSize', vocabSize, { integer: true, min: 1 });
  checkTokens('train', train, V, 2);
  checkTokens('test', test, V, 2);
  const uni = new Float64Array(V);
  const ctx = new Float64Array(V);
  const bi = new Float64Array(V * V);
  for (let i = 0; i < train.length; i++) uni[train[i]!]! += 1;
  for (let i = 0; i + 1 < train.length; i++) {
    bi[train[i]! * V + train[i + 1]!]! += 1;
    ctx[train[i]!]! += 1;
  }
  const types = new Float64Array(V);
  for (let u = 0; u < V; u++) for (let w = 0; w < V; w++) if (bi[u * V + w]! > 0) types[u]! += 1;
  const N = train.length;
  let lu = 0;
  let lb = 0;
  let lw = 0;
  for (let i = 1; i < test.length; i++) {
    const u = test[i - 1]!;
    const w = test[i]!;
    const p1 = (uni[w]! + 1) / (N + V);
    lu -= Math.log2(p1);
    lb -= Math.log2((bi[u * V + w]! + 1) / (ctx[u]! + V));
    const T = types[u]!;
    lw -= Math.log2(ctx[u]! + T > 0 ? (bi[u * V + w]! + T * p1) / (ctx[u]! + T) : p1);
  }
  const m = test.length - 1;
  return { unigramAddOne: lu / m, bigramAddOne: lb / m, bigramWittenBell: lw / m, vocabSize: V };
}
