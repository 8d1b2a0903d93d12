import { checkChoiceOption, checkNumberOption, dimensionMismatch, invalidArgument, now } from '@firstorder/core';
import type { BackendChoice } from '@firstorder/core';
import { Matrix, accumulateGram } from '@firstorder/linalg';
import { DenseLinear, calibrateSequential } from '@firstorder/lm';
import type { CalibrationData, GramStats, OptModel } from '@firstorder/lm';
import { openCompressBackend } from '../quantize/backend.js';
import type { CompressDeviceSession, GanqBackend } from '../quantize/backend.js';
import { ganq } from '../quantize/ganq.js';
import type { GanqOptions } from '../quantize/ganq.js';
import { gptq } from '../quantize/gptq.js';
import type { GptqOptions } from '../quantize/gptq.js';
import { weightedKMeans } from '../quantize/kmeans.js';
import { LutLinear } from '../quantize/lut-linear.js';
import { packLut } from '../quantize/packed.js';
import { rtn } from '../quantize/rtn.js';
import type { LutQuantizedMatrix, UniformQuantizedMatrix } from '../quantize/formats.js';
import { relativeLayerError } from '../shared/layer.js';

export type QuantizeMethod = 'rtn' | 'gptq' | 'ganq' | 'kmeans';

export interface QuantizeModelOptions {
  readonly method: QuantizeMethod;
  readonly bits: number;
  /** Extra options for the method (groupSize, actOrder, iterations, outliers, …). */
  readonly gptq?: Omit<GptqOptions, 'bits'>;
  readonly ganq?: Omit<GanqOptions, 'bits'>;
  readonly rtn?: { groupSize?: number; symmetric?: boolean };
  /**
   * 'simulated' (default): write Ŵ back into the DenseLinear (the papers' "fake quantization").
   * 'lut': replace the layer by a LutLinear computing from packed codes (LUT methods, or per-channel RTN/GPTQ).
   */
  readonly deploy?: 'simulated' | 'lut';
  /** Sequences per calibration forward pass. Default 8. */
  readonly batchSize?: number;
  /**
   * 'block' (default): each block's six layers are quantized from one pass over its inputs (GPTQ's
   * `opt_sequential`, what GANQ's reference code runs on OPT). 'true': within a block, the layer groups
   * [q, k, v], [out_proj], [fc1], [fc2] are quantized in order, each calibrated on the block's pass with the
   * earlier groups already quantized (GPTQ's `--true-sequential`); 5 block passes instead of 2.
   */
  readonly sequential?: 'block' | 'true';
  readonly onProgress?: (info: LayerReport) => void;
  /**
   * Where GANQ's S-step and T-step accumulation run (the other methods and the float64 Gram H = Σ x xᵀ stay on
   * the CPU): 'cpu' (default), 'gpu' (the provider @firstorder/gpu registers on import; typed error without it
   * or without an adapter), 'auto' (GPU when available, else CPU), a CompressDeviceSession or a GanqBackend.
   */
  readonly backend?: BackendChoice | CompressDeviceSession | GanqBackend;
}

export interface LayerReport {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** tr(ΔW H ΔWᵀ)/tr(W H Wᵀ) with H from the (already quantized) preceding blocks' outputs. */
  readonly relativeError: number;
  readonly timeMs: number;
}

/**
 * Quantizes every linear layer of the blocks of an lm model, block by block: each block is calibrated on
 * the outputs of the already-quantized previous blocks (GPTQ's `opt_sequential`; GANQ §4.1). The model is
 * modified in place; embeddings and layer norms stay in full precision.
 */
export async function quantizeModel(model: OptModel, calibration: CalibrationData, options: QuantizeModelOptions): Promise<LayerReport[]> {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'an object with method and bits', options);
  const method = checkChoiceOption('method', options.method, ['rtn', 'gptq', 'ganq', 'kmeans'] as const);
  const deploy = checkChoiceOption('deploy', options.deploy ?? 'simulated', ['simulated', 'lut'] as const);
  const sequential = checkChoiceOption('sequential', options.sequential ?? 'block', ['block', 'true'] as const);
  const backendOption = options.backend;
  const ganqBackend = backendOption !== undefined && typeof backendOption === 'object' && 'open' in backendOption ? backendOption : null;
  const { session, owned } = ganqBackend !== null ? { session: null, owned: false } : await openCompressBackend(backendOption as BackendChoice | CompressDeviceSession | undefined, 'quantizeModel');
  try {
    return await quantizeAll(model, calibration, options, method, deploy, sequential, ganqBackend ?? session?.ganqBackend() ?? null);
  } finally {
    if (owned) session?.release();
  }
}

async function quantizeAll(
  model: OptModel,
  calibration: CalibrationData,
  options: QuantizeModelOptions,
  method: QuantizeMethod,
  deploy: 'simulated' | 'lut',
  sequential: 'block' | 'true',
  backend: GanqBackend | null,
): Promise<LayerReport[]> {
  const reports: LayerReport[] = [];
  const quantizeLayer = async (name: string, H: Matrix): Promise<void> => {
    const layer = model.getLinear(name);
    if (!(layer instanceof DenseLinear)) throw invalidArgument(name, 'a DenseLinear layer (not already quantized)', layer);
    const start = now();
    const W = layer.weightMatrix();
    let q: LutQuantizedMatrix | UniformQuantizedMatrix;
    if (method === 'rtn') q = rtn(W, { bits: options.bits, ...options.rtn });
    else if (method === 'gptq') q = gptq(W, H, { ...options.gptq, bits: options.bits });
    else if (method === 'ganq') q = backend === null ? ganq(W, H, { ...options.ganq, bits: options.bits }) : await ganq(W, H, { ...options.ganq, bits: options.bits, backend });
    else q = weightedKMeans(W, H, { bits: options.bits });
    const What = q.dequantize();
    const report = { name, rows: W.rows, cols: W.cols, relativeError: relativeLayerError(W, What, H), timeMs: now() - start };
    if (deploy === 'lut') {
      const lut = 'toLut' in q ? q.toLut() : q;
      model.setLinear(name, new LutLinear(packLut(lut), layer.bias));
    } else {
      layer.setWeight(What);
    }
    reports.push(report);
    options.onProgress?.(report);
  };
  if (sequential === 'true') {
    await trueSequential(model, calibration, options.batchSize ?? 8, quantizeLayer);
    return reports;
  }
  await calibrateSequential(model, calibration, {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    capture: 'gram',
    onBlock: async (_block, stats) => {
      for (const [name, s] of stats as Map<string, GramStats>) await quantizeLayer(name, s.H);
    },
  });
  return reports;
}

/**
 * GPTQ's `--true-sequential` over an lm model: the calibration residual stream goes through the blocks in order;
 * within block l, each group of layers reading the same input ([q, k, v], then out_proj, fc1, fc2) gets its
 * H = Σ x xᵀ from a pass of block l with the earlier groups already quantized, then block l is re-run to feed
 * block l + 1.
 */
async function trueSequential(model: OptModel, data: CalibrationData, batchSize: number, quantizeLayer: (name: string, H: Matrix) => Promise<void>): Promise<void> {
  if (data === null || typeof data !== 'object') throw invalidArgument('calibration', '{ ids, sequences, seq }', data);
  const sequences = checkNumberOption('calibration.sequences', data.sequences, { integer: true, min: 1 });
  const seq = checkNumberOption('calibration.seq', data.seq, { integer: true, min: 1, max: model.config.maxPositionEmbeddings });
  if (data.ids.length !== sequences * seq) throw dimensionMismatch('calibration.ids', `length sequences·seq = ${sequences * seq}`, `length ${data.ids.length}`);
  const bs = checkNumberOption('batchSize', batchSize, { integer: true, min: 1 });
  const d = model.config.hiddenSize;
  const hidden = model.embed(data.ids, sequences, seq);
  const scratch = hidden instanceof Float32Array ? new Float32Array(Math.min(bs, sequences) * seq * d) : new Float64Array(Math.min(bs, sequences) * seq * d);
  const span = (s: number, nb: number) => hidden.subarray(s * seq * d, (s + nb) * seq * d);
  for (let l = 0; l < model.config.numHiddenLayers; l++) {
    const groups: string[][] = [];
    for (const { name, block } of model.linearLayers()) {
      if (block !== l) continue;
      const last = groups[groups.length - 1];
      if (last !== undefined && /self_attn\.[qkv]_proj$/.test(name) && /self_attn\.[qkv]_proj$/.test(last[0]!)) last.push(name);
      else groups.push([name]);
    }
    for (const group of groups) {
      const first = group[0]!;
      let H: Matrix | null = null;
      for (let s = 0; s < sequences; s += bs) {
        const nb = Math.min(bs, sequences - s);
        model.blockForward(l, span(s, nb), nb, seq, scratch.subarray(0, nb * seq * d), {
          onLinearInput: (name, x, rows, cols) => {
            if (name !== first) return;
            H ??= new Matrix(cols, cols);
            const view = x.subarray(0, rows * cols);
            accumulateGram(H, view instanceof Float32Array ? { rows, cols, data: view } : new Matrix(rows, cols, view as Float64Array), { transpose: true });
          },
        });
      }
      for (const name of group) await quantizeLayer(name, H!);
    }
    for (let s = 0; s < sequences; s += bs) {
      const nb = Math.min(bs, sequences - s);
      const x = span(s, nb);
      model.blockForward(l, x, nb, seq, x);
    }
  }
}
