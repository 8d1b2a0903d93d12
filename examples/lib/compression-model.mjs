// @ts-check
/**
 * The model the compression experiments (ganq, fasp) work on, and their calibration windows: the committed lm
 * checkpoint when it is on disk, else a small byte-level OPT-style model trained here on the same Moby-Dick split.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptModel, loadCheckpoint, parseSafetensors, train } from '@firstorder/lm';
import { CHECKPOINT_DIR } from '../lm-train/experiment.mjs';

/** Stand-in models (architecture and AdamW steps) for when the checkpoint is absent or --quick is given. */
export const FALLBACK_MODEL = {
  full: { config: { numHiddenLayers: 2, hiddenSize: 64, numAttentionHeads: 4, ffnDim: 256, maxPositionEmbeddings: 64 }, steps: 300 },
  quick: { config: { numHiddenLayers: 2, hiddenSize: 32, numAttentionHeads: 2, ffnDim: 64, maxPositionEmbeddings: 32 }, steps: 30 },
};

const CHECKPOINT_NAME = '`packages/lm/checkpoints/moby-dick-byte-opt/`';

/**
 * The model to compress and a sentence saying what it is. lm-train writes intermediate checkpoints while it runs and
 * only the final one carries its validation score: `acceptIntermediate` says whether such a save will do.
 * @param {{ quick: boolean, rng: import('@firstorder/core').Rng, trainTokens: Int32Array, acceptIntermediate: boolean }} options
 * @returns {Promise<{ model: any, source: string, final: boolean, step: unknown }>}
 */
export async function loadModelForCompression({ quick, rng, trainTokens, acceptIntermediate }) {
  const file = join(CHECKPOINT_DIR, 'model.safetensors');
  const meta = existsSync(file) ? parseSafetensors(new Uint8Array(readFileSync(file))).metadata : null;
  const final = meta !== null && meta['validation_bits_per_byte'] !== undefined;
  if (!quick && meta !== null && (final || acceptIntermediate)) {
    const model = await loadCheckpoint(CHECKPOINT_DIR);
    const parameters = model.numParameters.toLocaleString('en-US');
    const source = final
      ? `the trained lm checkpoint (${CHECKPOINT_NAME}, final save, step ${meta['step']}, ${parameters} parameters)`
      : `an **intermediate** save of the lm training run (${CHECKPOINT_NAME} at step ${meta['step']}; the final checkpoint had not landed when this ran), ${parameters} parameters`;
    return { model, source, final, step: meta['step'] };
  }
  const fallback = quick ? FALLBACK_MODEL.quick : FALLBACK_MODEL.full;
  const model = OptModel.random(fallback.config, { rng: rng.fork() });
  const t = await train(model, trainTokens, {
    steps: fallback.steps,
    batchSize: 8,
    seqLen: model.config.maxPositionEmbeddings,
    learningRate: 3e-3,
    warmupSteps: Math.ceil(fallback.steps / 10),
    rng: rng.fork(),
  });
  const reason = quick ? '--quick was given' : meta === null ? 'no lm checkpoint was on disk' : `the lm checkpoint is still an intermediate one (step ${meta['step']})`;
  const source =
    `a small stand-in model trained here (${JSON.stringify(fallback.config)}, ${t.steps} AdamW steps of 8 × ${model.config.maxPositionEmbeddings} bytes, ` +
    `${(t.timeMs / 1000).toFixed(0)} s) because ${reason}`;
  return { model, source, final: false, step: null };
}

/**
 * Calibration: `sequences` random windows of `seq` bytes of the training split drawn from `rng` (GANQ: 32 sequences
 * from the training corpus; FASP uses the same).
 * @param {import('@firstorder/core').Rng} rng
 * @param {Int32Array} trainTokens
 * @param {number} sequences
 * @param {number} seq
 */
export function calibrationWindows(rng, trainTokens, sequences, seq) {
  const ids = new Int32Array(sequences * seq);
  for (let q = 0; q < sequences; q++) {
    const start = rng.integer(0, trainTokens.length - seq);
    ids.set(trainTokens.subarray(start, start + seq), q * seq);
  }
  return { ids, sequences, seq };
}
