import { FirstOrderError } from '@firstorder/core';
import { loadBpeTokenizer } from './bpe.js';
import type { BpeTokenizer, BpeTokenizerOptions } from './bpe.js';
import { loadCheckpoint } from './checkpoint.js';
import type { OptModel, Precision } from './model.js';

/** A checkpoint directory's model and, when it ships one, its tokenizer. */
export interface Pretrained {
  readonly model: OptModel;
  /** From `vocab.json` + `merges.txt`; null when the directory has no tokenizer files (e.g. our byte-level checkpoints). */
  readonly tokenizer: BpeTokenizer | null;
}

/**
 * Loads a Hugging Face OPT checkpoint directory as model + tokenizer: `config.json` and safetensors
 * weights ({@link loadCheckpoint}), and the GPT-2 BPE tokenizer with OPT's ids and `</s>` BOS
 * ({@link loadBpeTokenizer}). The tokenizer's ids must fit the model's embedding. Node only.
 */
export async function loadPretrained(
  dir: string,
  options: { precision?: Precision; tokenizer?: BpeTokenizerOptions } = {},
): Promise<Pretrained> {
  const fs = await import('node:fs/promises');
  const model = await loadCheckpoint(dir, options.precision === undefined ? {} : { precision: options.precision });
  const names = await fs.readdir(dir);
  if (!names.includes('vocab.json') || !names.includes('merges.txt')) return { model, tokenizer: null };
  const tokenizer = await loadBpeTokenizer(dir, options.tokenizer ?? {});
  if (tokenizer.vocabSize > model.config.vocabSize) {
    throw new FirstOrderError(
      'DIMENSION_MISMATCH',
      `${dir}: the tokenizer's ids reach ${tokenizer.vocabSize - 1}, beyond the model's vocabSize ${model.config.vocabSize}`,
      'dir',
    );
  }
  return { model, tokenizer };
}
