import { FirstOrderError, checkChoiceOption, checkNumberOption, invalidArgument, now, toRng } from '@firstorder/core';
import type { BackendChoice, Rng } from '@firstorder/core';
import { Matrix, accumulateGram } from '@firstorder/linalg';
import {
  DenseLinear,
  OptModel,
  calibrateSequential,
  captureInputs,
  fromHfConfig,
  parseSafetensors,
  resolveConfig,
  serializeSafetensors,
  toFloat64,
  toHfConfig,
} from '@firstorder/lm';
import type { CalibrationData, CapturedInput, FloatArray, OptConfig, Precision, TensorInput } from '@firstorder/lm';
import { openCompressBackend } from '../quantize/backend.js';
import type { CompressDeviceSession } from '../quantize/backend.js';
import { columnSums, takeRows } from './kernels.js';
import { PRUNE_METHODS, channelScores, checkSparsity, keptCount, pruneColumns } from './layer.js';
import type { ChannelStats, PruneMethod, RestoreRegularization } from './layer.js';
import { PrunedLinear } from './pruned-linear.js';

/** A consumer layer and the producer whose output rows feed exactly its input columns. */
export type PrunePair = 'attention' | 'mlp';

const PAIRS: Record<PrunePair, { producer: string; consumer: string }> = {
  // out_proj reads the attention mix of v_proj's channels: value channel c only reaches out_proj column c.
  attention: { producer: 'self_attn.v_proj', consumer: 'self_attn.out_proj' },
  mlp: { producer: 'fc1', consumer: 'fc2' },
};

export interface PruneModelOptions {
  /** Fraction of intermediate channels removed per pair, in [0, 1). */
  readonly sparsity: number;
  /** Sparsity of the attention (v_proj/out_proj) channels; default `sparsity`. */
  readonly attentionSparsity?: number;
  readonly method?: PruneMethod;
  /** Least-squares restoration of the consumer (default: true for 'fasp' only). */
  readonly restore?: boolean;
  /** FLAP's bias compensation (default: true for 'flap' only). */
  readonly biasCompensation?: boolean;
  readonly damp?: number;
  readonly regularization?: RestoreRegularization;
  /** Which pairs to prune: 'all' (default), 'mlp' or 'attention'. */
  readonly targets?: 'all' | PrunePair;
  /**
   * 'uniform' (default): every layer of a pair type keeps n − ⌊s·n⌋ channels. 'global': scores are
   * standardised per layer (FLAP's z-score) and ranked across all blocks of the same pair type on the dense
   * model; each layer keeps its channels in the global top (at least one).
   */
  readonly allocation?: 'uniform' | 'global';
  /** Calibration sequences per forward pass (default 8). */
  readonly batchSize?: number;
  /** Seed of 'random'. */
  readonly seed?: number;
  readonly onProgress?: (report: LayerPruneReport) => void;
  /**
   * Where the calibration Gram H = Σ x xᵀ and the 'fasp'/'wanda' channel scores are computed: 'cpu' (default,
   * float64), 'gpu' (the provider @firstorder/gpu registers on import: f32 device sums of row chunks, added in
   * float64 on the host; typed error without it or without an adapter), 'auto' (GPU when available), or a
   * CompressDeviceSession. Channel selection and the restoration solve stay on the CPU in float64.
   */
  readonly backend?: BackendChoice | CompressDeviceSession;
}

export interface LayerPruneReport {
  readonly block: number;
  readonly pair: PrunePair;
  readonly producer: string;
  readonly consumer: string;
  readonly channels: number;
  readonly kept: number;
  /** Relative calibration output error of the consumer after plain removal. */
  readonly truncationError: number;
  /** Relative calibration output error of the consumer as returned (restoration / bias shift included). */
  readonly relativeError: number;
  readonly damping: number;
  readonly timeMs: number;
}

export interface PruneModelResult {
  /** A new, physically smaller model (the input model is not modified). */
  readonly model: OptModel;
  readonly method: PruneMethod;
  readonly layers: LayerPruneReport[];
  readonly parametersBefore: number;
  readonly parametersAfter: number;
  /** Wall time of the whole call, calibration passes included. */
  readonly timeMs: number;
}

/** A deep copy of a model whose linear layers are all dense. */
export function cloneDenseModel(model: OptModel): OptModel {
  if (!(model instanceof OptModel)) throw invalidArgument('model', 'an OptModel', model);
  for (const { name, layer } of model.linearLayers()) {
    if (!(layer instanceof DenseLinear)) throw invalidArgument('model', `dense linear layers (${name} is already compressed)`, layer.constructor.name);
  }
  return OptModel.fromTensors(model.config, model.parameters(), { precision: model.precision });
}

async function statsOf(x: CapturedInput, device: CompressDeviceSession | null): Promise<ChannelStats> {
  const H = new Matrix(x.cols, x.cols);
  if (device !== null) await device.accumulateGram(H, { rows: x.rows, cols: x.cols, data: x.data });
  else accumulateGram(H, { rows: x.rows, cols: x.cols, data: x.data }, { transpose: true });
  const mean = columnSums(x.data, x.rows, x.cols);
  for (let j = 0; j < x.cols; j++) mean[j]! /= x.rows;
  return { H, count: x.rows, mean };
}

function dense(model: OptModel, name: string): DenseLinear {
  const layer = model.getLinear(name);
  if (!(layer instanceof DenseLinear)) throw invalidArgument(name, 'a DenseLinear layer', layer.constructor.name);
  return layer;
}

/** z-scores of s (all zero when s is constant). */
function standardize(s: Float64Array): Float64Array {
  let mu = 0;
  for (const v of s) mu += v;
  mu /= s.length;
  let v2 = 0;
  for (const v of s) v2 += (v - mu) ** 2;
  const sd = Math.sqrt(v2 / s.length);
  return s.map((v) => (sd > 0 ? (v - mu) / sd : 0));
}

/**
 * Structured channel pruning of an `@firstorder/lm` OPT model on the FASP pipeline (Hu et al., arXiv 2501.09412):
 * in every block, input columns of the consumer (fc2, out_proj) are removed together with the matching output
 * rows and bias entries of the producer (fc1, v_proj); q/k are never touched. Blocks are processed in order,
 * each calibrated on the outputs of the already pruned blocks. Returns a new model whose pruned layers are
 * {@link PrunedLinear}s storing only the kept rows/columns.
 */
export async function pruneModel(model: OptModel, calibration: CalibrationData, options: PruneModelOptions): Promise<PruneModelResult> {
  const start = now();
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object with sparsity', options);
  checkChoiceOption('method', options.method ?? 'fasp', PRUNE_METHODS);
  checkSparsity(options.sparsity);
  const { session, owned } = await openCompressBackend(options.backend, 'pruneModel');
  try {
    return await pruneWith(model, calibration, options, session, start);
  } finally {
    if (owned) session?.release();
  }
}

/** Channel scores of one consumer: on the device for the ‖X_j‖·‖W_j‖₁ metrics, else compress's float64 scores. */
async function scoresOf(W: Matrix, stats: ChannelStats, method: PruneMethod, rng: Rng, device: CompressDeviceSession | null): Promise<Float64Array> {
  if (device !== null && (method === 'fasp' || method === 'wanda')) return device.columnScores(W, stats.H);
  return channelScores(W, stats, method, { rng });
}

async function pruneWith(model: OptModel, calibration: CalibrationData, options: PruneModelOptions, device: CompressDeviceSession | null, start: number): Promise<PruneModelResult> {
  const sparsity = checkSparsity(options.sparsity);
  const attentionSparsity = options.attentionSparsity === undefined ? sparsity : checkSparsity(options.attentionSparsity, 'attentionSparsity');
  const method = checkChoiceOption('method', options.method ?? 'fasp', PRUNE_METHODS);
  const targets = checkChoiceOption('targets', options.targets ?? 'all', ['all', 'attention', 'mlp'] as const);
  const allocation = checkChoiceOption('allocation', options.allocation ?? 'uniform', ['uniform', 'global'] as const);
  const batchSize = checkNumberOption('batchSize', options.batchSize ?? 8, { integer: true, min: 1 });
  if (options.restore !== undefined && typeof options.restore !== 'boolean') throw invalidArgument('restore', 'a boolean', options.restore);
  if (options.damp !== undefined) checkNumberOption('damp', options.damp, { min: 0 });
  const pairs: PrunePair[] = targets === 'all' ? ['attention', 'mlp'] : [targets];
  const rng = toRng(options.seed);
  const pruned = cloneDenseModel(model);
  const parametersBefore = model.numParameters;
  const L = pruned.config.numHiddenLayers;
  const consumerName = (l: number, p: PrunePair): string => OptModel.linearName(l, PAIRS[p].consumer as 'fc2');
  const producerName = (l: number, p: PrunePair): string => OptModel.linearName(l, PAIRS[p].producer as 'fc1');
  const pairSparsity = (p: PrunePair): number => (p === 'attention' ? attentionSparsity : sparsity);
  const names = pairs.flatMap((p) => Array.from({ length: L }, (_, l) => consumerName(l, p)));

  // Kept channels per (block, pair).
  const keep = new Map<string, number>();
  for (const p of pairs) for (let l = 0; l < L; l++) keep.set(consumerName(l, p), keptCount(dense(pruned, consumerName(l, p)).inFeatures, pairSparsity(p)));
  if (allocation === 'global') {
    const inputs = captureInputs(pruned, calibration, { names, batchSize });
    const scoreRng = toRng(options.seed);
    for (const p of pairs) {
      const all: Array<{ z: number; name: string }> = [];
      let budget = 0;
      for (let l = 0; l < L; l++) {
        const name = consumerName(l, p);
        const x = inputs.get(name);
        if (x === undefined) throw new FirstOrderError('EMPTY_INPUT', `calibration: captured no input for ${name}`, 'calibration');
        const z = standardize(await scoresOf(dense(pruned, name).weightMatrix(), await statsOf(x, device), method, scoreRng, device));
        for (const v of z) all.push({ z: v, name });
        budget += keep.get(name)!;
      }
      all.sort((a, b) => b.z - a.z);
      for (let l = 0; l < L; l++) keep.set(consumerName(l, p), 0);
      for (let t = 0; t < budget; t++) keep.set(all[t]!.name, keep.get(all[t]!.name)! + 1);
      for (let l = 0; l < L; l++) if (keep.get(consumerName(l, p)) === 0) keep.set(consumerName(l, p), 1);
    }
  }

  const layers: LayerPruneReport[] = [];
  const C = pruned.precision === 'float32' ? Float32Array : Float64Array;
  await calibrateSequential(pruned, calibration, {
    capture: 'inputs',
    names,
    batchSize,
    onBlock: async (block, captured) => {
      for (const p of pairs) {
        const t0 = now();
        const cName = consumerName(block, p);
        const pName = producerName(block, p);
        const x = (captured as Map<string, CapturedInput>).get(cName);
        if (x === undefined) throw new FirstOrderError('EMPTY_INPUT', `calibration: captured no input for ${cName}`, 'calibration');
        const consumer = dense(pruned, cName);
        const producer = dense(pruned, pName);
        const W = consumer.weightMatrix();
        const stats = await statsOf(x, device);
        const deviceScores = device !== null && (method === 'fasp' || method === 'wanda') ? await scoresOf(W, stats, method, rng, device) : undefined;
        const res = pruneColumns(W, stats, {
          method,
          keep: keep.get(cName)!,
          rng,
          ...(deviceScores !== undefined ? { scores: deviceScores } : {}),
          ...(options.restore !== undefined ? { restore: options.restore } : {}),
          ...(options.biasCompensation !== undefined ? { biasCompensation: options.biasCompensation } : {}),
          ...(options.damp !== undefined ? { damp: options.damp } : {}),
          ...(options.regularization !== undefined ? { regularization: options.regularization } : {}),
        });
        let bias: FloatArray | null = consumer.bias === null ? null : consumer.bias.slice();
        if (res.biasShift !== null) {
          if (bias === null) bias = new C(consumer.outFeatures);
          for (let i = 0; i < bias.length; i++) bias[i]! += res.biasShift[i]!;
        }
        const d = producer.inFeatures;
        pruned.setLinear(
          pName,
          new PrunedLinear(takeRows(producer.weight, d, res.kept), producer.bias === null ? null : takeRows(producer.bias, 1, res.kept), producer, {
            outputIndex: res.kept,
          }),
        );
        pruned.setLinear(cName, new PrunedLinear(C.from(res.W.data), bias, consumer, { inputIndex: res.kept }));
        const report: LayerPruneReport = {
          block,
          pair: p,
          producer: pName,
          consumer: cName,
          channels: consumer.inFeatures,
          kept: res.kept.length,
          truncationError: res.truncationError,
          relativeError: res.relativeError,
          damping: res.damping,
          timeMs: now() - t0,
        };
        layers.push(report);
        options.onProgress?.(report);
      }
    },
  });
  return { model: pruned, method, layers, parametersBefore, parametersAfter: pruned.numParameters, timeMs: now() - start };
}

/** FASP: {@link pruneModel} with the FASP metric and least-squares restoration (both overridable for ablations). */
export function fasp(model: OptModel, calibration: CalibrationData, options: Omit<PruneModelOptions, 'method'>): Promise<PruneModelResult> {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object with sparsity', options);
  return pruneModel(model, calibration, { restore: true, ...options, method: 'fasp' });
}

/** Format tag written to the safetensors metadata of a pruned model. */
export const PRUNED_FORMAT = 'firstorder-pruned-v1';

/**
 * A pruned model as safetensors: every parameter under its Hugging Face name (pruned layers with their
 * shrunk shapes), plus `<layer>.input_index` / `<layer>.output_index` (I32) for each {@link PrunedLinear}.
 * Metadata: `format` = PRUNED_FORMAT, `config` = the Hugging Face config JSON.
 */
export function prunedToSafetensors(model: OptModel, options: { dtype?: 'F32' | 'F64' | 'F16' | 'BF16' } = {}): Uint8Array {
  const dtype = checkChoiceOption('dtype', options.dtype ?? 'F32', ['F32', 'F64', 'F16', 'BF16'] as const);
  const tensors: Record<string, TensorInput> = {};
  for (const [name, t] of Object.entries(model.parameters())) tensors[name] = { dtype, shape: t.shape, data: t.data };
  for (const { name, layer } of model.linearLayers()) {
    if (layer instanceof PrunedLinear) {
      if (layer.inputIndex !== null) tensors[`${name}.input_index`] = { dtype: 'I32', shape: [layer.inputIndex.length], data: layer.inputIndex };
      if (layer.outputIndex !== null) tensors[`${name}.output_index`] = { dtype: 'I32', shape: [layer.outputIndex.length], data: layer.outputIndex };
    } else if (!(layer instanceof DenseLinear)) {
      throw invalidArgument('model', 'dense or PrunedLinear layers', `${name}: ${layer.constructor.name}`);
    }
  }
  return serializeSafetensors(tensors, { format: PRUNED_FORMAT, config: JSON.stringify(toHfConfig(model.config)) });
}

/** [out, in] of a block linear layer by name, or null. */
function linearShape(config: OptConfig, name: string): [number, number] | null {
  const m = /^(?:model\.)?decoder\.layers\.(\d+)\.(self_attn\.[qkv]_proj|self_attn\.out_proj|fc1|fc2)$/.exec(name);
  if (m === null || Number(m[1]) >= config.numHiddenLayers) return null;
  const d = config.hiddenSize;
  if (m[2] === 'fc1') return [config.ffnDim, d];
  if (m[2] === 'fc2') return [d, config.ffnDim];
  return [d, d];
}

/** Reads what {@link prunedToSafetensors} wrote (config from the metadata unless given). */
export function prunedFromSafetensors(bytes: Uint8Array, options: { config?: Partial<OptConfig>; precision?: Precision } = {}): OptModel {
  const file = parseSafetensors(bytes);
  const bad = (what: string): never => {
    throw new FirstOrderError('MALFORMED_DATA', `pruned safetensors: ${what}`, 'bytes');
  };
  const meta = file.metadata;
  if (meta === null || meta['format'] !== PRUNED_FORMAT) bad(`expected metadata format '${PRUNED_FORMAT}', received ${JSON.stringify(meta?.['format'])}`);
  let config: Partial<OptConfig>;
  if (options.config !== undefined) config = options.config;
  else {
    let json: unknown;
    try {
      json = JSON.parse(meta!['config'] ?? '');
    } catch {
      bad('metadata config is not JSON');
    }
    config = fromHfConfig(json);
  }
  const precision = options.precision ?? 'float32';
  const C = precision === 'float32' ? Float32Array : Float64Array;
  const tensors: Record<string, { shape: readonly number[]; data: ArrayLike<number> }> = {};
  const index = new Map<string, { input: Int32Array | null; output: Int32Array | null }>();
  for (const [name, t] of Object.entries(file.tensors)) {
    const m = /^(.*)\.(input|output)_index$/.exec(name);
    if (m !== null) {
      if (t.dtype !== 'I32' || t.shape.length !== 1) bad(`${name}: expected an I32 vector`);
      const e = index.get(m[1]!) ?? { input: null, output: null };
      e[m[2] as 'input' | 'output'] = (t.data as Int32Array).slice();
      index.set(m[1]!, e);
      continue;
    }
    if (t.dtype !== 'F32' && t.dtype !== 'F64' && t.dtype !== 'F16' && t.dtype !== 'BF16') bad(`${name}: expected a float dtype, received ${t.dtype}`);
    tensors[name] = { shape: t.shape, data: toFloat64(t) };
  }
  // The dense skeleton gets zero placeholders of full shape for the pruned layers, then those layers are replaced.
  const shrunk = new Map<string, { weight: { shape: readonly number[]; data: ArrayLike<number> }; bias?: { shape: readonly number[]; data: ArrayLike<number> } }>();
  const full = { ...tensors };
  const resolved = resolveConfig(config);
  for (const layerName of index.keys()) {
    const weight = tensors[`${layerName}.weight`];
    if (weight === undefined) bad(`missing ${layerName}.weight`);
    const bias = tensors[`${layerName}.bias`];
    shrunk.set(layerName, bias === undefined ? { weight: weight! } : { weight: weight!, bias });
    const [out, inp] = linearShape(resolved, layerName) ?? bad(`${layerName} is not a linear layer of this config`);
    full[`${layerName}.weight`] = { shape: [out, inp], data: new Float64Array(out * inp) };
    if (bias !== undefined) full[`${layerName}.bias`] = { shape: [out], data: new Float64Array(out) };
  }
  const model = OptModel.fromTensors(config, full, { precision });
  for (const [layerName, idx] of index) {
    const { weight, bias } = shrunk.get(layerName)!;
    const old = model.getLinear(layerName);
    const rows = idx.output?.length ?? old.outFeatures;
    const cols = idx.input?.length ?? old.inFeatures;
    if (weight.shape.length !== 2 || weight.shape[0] !== rows || weight.shape[1] !== cols) bad(`${layerName}.weight: expected shape [${rows}, ${cols}], received [${weight.shape.join(', ')}]`);
    if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== rows)) bad(`${layerName}.bias: expected shape [${rows}]`);
    try {
      model.setLinear(layerName, new PrunedLinear(C.from(weight.data), bias === undefined ? null : C.from(bias.data), old, { inputIndex: idx.input, outputIndex: idx.output }));
    } catch (e) {
      if (e instanceof FirstOrderError && e.code !== 'MALFORMED_DATA') bad(`${layerName}: ${e.message}`);
      throw e;
    }
  }
  return model;
}
