import { FirstOrderError, checkBackendChoice, createRng, dimensionMismatch, invalidArgument, openBackend } from '@firstorder/core';
import type { Rng } from '@firstorder/core';
import type { Tensor } from '@firstorder/optimizers';
import { OPT_POSITION_OFFSET, resolveConfig } from './config.js';
import type { OptConfig } from './config.js';
import {
  addInto,
  attentionBackward,
  attentionForward,
  crossEntropyForwardBackward,
  embeddingBackward,
  embeddingForward,
  layerNormBackward,
  layerNormForward,
  linearBackwardInput,
  linearBackwardParams,
  linearForward,
  reluBackwardInPlace,
  reluForward,
  scaleInPlace,
} from './kernels.js';
import type { FloatArray } from './kernels.js';
import { DenseLinear, TiedLinear } from './linear.js';
import type { Linear } from './linear.js';

export type Precision = 'float32' | 'float64';

/** Called with every linear layer's input during a forward pass (x is [rows, cols], valid until the next call). */
export type LinearInputHook = (name: string, x: FloatArray, rows: number, cols: number) => void;

export interface ForwardOptions {
  readonly onLinearInput?: LinearInputHook;
  /** 'cpu' (default): everything on the CPU, synchronously. */
  readonly backend?: 'cpu';
}

/** The registry key under which a device package (@firstorder/gpu) provides {@link LmDeviceSession}s. */
export const LM_BACKEND_CAPABILITY = 'lm';

/**
 * A device that runs linear layers for the forward pass (layer norms, attention, embeddings stay on the CPU).
 * It may keep weights resident between calls (keyed by the layer's `denseWeights()` arrays and version).
 */
export interface LmDeviceSession {
  readonly name: string;
  /** y = layer(x) for `rows` rows on the device; resolves false when it cannot run this layer (the model then calls layer.forward). */
  linear(layer: Linear, x: FloatArray, rows: number, y: FloatArray): Promise<boolean>;
  /** Frees the device memory the session holds. */
  release(): void;
}

/**
 * Forward options with a device backend; the call returns a Promise. 'gpu' | 'auto' open a session through
 * the provider @firstorder/gpu registers on import, kept by the model (weights stay resident) until
 * {@link OptModel.releaseBackend}; 'auto' without a provider or adapter runs on the CPU; 'gpu' without one is
 * an UNSUPPORTED FirstOrderError. A session object is used as given and stays the caller's.
 */
export interface DeviceForwardOptions {
  readonly onLinearInput?: LinearInputHook;
  readonly backend: 'gpu' | 'auto' | LmDeviceSession;
}

/** One linear-layer call of the forward pass, handed to whoever runs it (CPU or device). Reused between calls. */
interface LinearStep {
  layer: Linear;
  x: FloatArray;
  rows: number;
  y: FloatArray;
}

/** The six linear layers of a block, in execution order, with their Hugging Face suffixes. */
export const BLOCK_LINEARS = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj', 'fc1', 'fc2'] as const;
export type BlockLinearName = (typeof BLOCK_LINEARS)[number];

interface LayerNormParams {
  readonly weight: FloatArray;
  readonly bias: FloatArray;
  readonly gradWeight: FloatArray;
  readonly gradBias: FloatArray;
}

interface Block {
  readonly selfAttnLayerNorm: LayerNormParams;
  readonly finalLayerNorm: LayerNormParams;
  readonly linears: Record<BlockLinearName, Linear>;
}

/** Saved activations of one block for one (batch, seq). */
interface BlockActivations {
  readonly x: FloatArray; // block input (residual stream)
  readonly ln1: FloatArray;
  readonly ln1Mean: Float64Array;
  readonly ln1Rstd: Float64Array;
  readonly q: FloatArray;
  readonly k: FloatArray;
  readonly v: FloatArray;
  readonly P: FloatArray;
  readonly attn: FloatArray;
  readonly mid: FloatArray; // x + out_proj(attn)
  readonly ln2: FloatArray;
  readonly ln2Mean: Float64Array;
  readonly ln2Rstd: Float64Array;
  readonly fc1: FloatArray; // pre-activation
  readonly act: FloatArray; // relu(fc1)
}

/** Preallocated buffers for up to `tokens` rows and sequences up to `seq` long. */
class Workspace {
  readonly tokens: number;
  readonly seq: number;
  readonly ids: Int32Array;
  readonly targets: Int32Array;
  readonly blocks: BlockActivations[];
  readonly out: FloatArray;
  readonly lnF: FloatArray;
  readonly lnFMean: Float64Array;
  readonly lnFRstd: Float64Array;
  readonly logits: FloatArray;
  readonly dlogits: FloatArray;
  readonly dX: FloatArray;
  readonly dA: FloatArray;
  readonly dB: FloatArray;
  readonly dF: FloatArray;
  readonly dq: FloatArray;
  readonly dk: FloatArray;
  readonly dv: FloatArray;
  readonly tmp: FloatArray;
  readonly scratch: Float64Array;
  batch = 0;
  seqLen = 0;
  forwardDone = false;
  lossDone = false;

  constructor(config: OptConfig, precision: Precision, tokens: number, seq: number) {
    const C = precision === 'float32' ? Float32Array : Float64Array;
    const d = config.hiddenSize;
    const f = config.ffnDim;
    const H = config.numAttentionHeads;
    this.tokens = tokens;
    this.seq = seq;
    this.ids = new Int32Array(tokens);
    this.targets = new Int32Array(tokens);
    this.blocks = [];
    for (let l = 0; l < config.numHiddenLayers; l++) {
      this.blocks.push({
        x: new C(tokens * d),
        ln1: new C(tokens * d),
        ln1Mean: new Float64Array(tokens),
        ln1Rstd: new Float64Array(tokens),
        q: new C(tokens * d),
        k: new C(tokens * d),
        v: new C(tokens * d),
        P: new C(tokens * seq * H),
        attn: new C(tokens * d),
        mid: new C(tokens * d),
        ln2: new C(tokens * d),
        ln2Mean: new Float64Array(tokens),
        ln2Rstd: new Float64Array(tokens),
        fc1: new C(tokens * f),
        act: new C(tokens * f),
      });
    }
    this.out = new C(tokens * d);
    this.lnF = new C(tokens * d);
    this.lnFMean = new Float64Array(tokens);
    this.lnFRstd = new Float64Array(tokens);
    this.logits = new C(tokens * config.vocabSize);
    this.dlogits = new C(tokens * config.vocabSize);
    this.dX = new C(tokens * d);
    this.dA = new C(tokens * d);
    this.dB = new C(tokens * d);
    this.dF = new C(tokens * f);
    this.dq = new C(tokens * d);
    this.dk = new C(tokens * d);
    this.dv = new C(tokens * d);
    this.tmp = new C(tokens * d);
    this.scratch = new Float64Array(seq);
  }
}

function layerNormParams(d: number, precision: Precision): LayerNormParams {
  const C = precision === 'float32' ? Float32Array : Float64Array;
  return { weight: new C(d).fill(1), bias: new C(d), gradWeight: new C(d), gradBias: new C(d) };
}

export interface RandomInitOptions {
  readonly seed?: number;
  readonly rng?: Rng;
  readonly precision?: Precision;
}

/**
 * A decoder-only transformer with OPT's architecture and Hugging Face parameter names
 * (`OPTForCausalLM` with `do_layer_norm_before=True`, ReLU, tied LM head):
 * h = embed_tokens[ids] + embed_positions[pos + 2]; per block
 * h += out_proj(attn(LN₁(h))) with q scaled by head_dim^−½ after its bias, then h += fc2(relu(fc1(LN₂(h))));
 * logits = LN_f(h) · embed_tokensᵀ. Forward and backward are hand-written (see kernels.ts).
 */
export class OptModel {
  readonly config: OptConfig;
  readonly precision: Precision;
  readonly embedTokens: FloatArray;
  readonly embedPositions: FloatArray;
  readonly gradEmbedTokens: FloatArray;
  readonly gradEmbedPositions: FloatArray;
  readonly finalLayerNorm: LayerNormParams;
  private readonly blocks: Block[];
  private workspace: Workspace | null = null;
  private gradientList: FloatArray[] | null = null;
  private readonly step: LinearStep;
  private tiedHead: TiedLinear | null = null;
  private device: Promise<LmDeviceSession | null> | null = null;
  private deviceBusy = false;

  private constructor(config: OptConfig, precision: Precision) {
    this.config = config;
    this.precision = precision;
    const C = precision === 'float32' ? Float32Array : Float64Array;
    const d = config.hiddenSize;
    this.embedTokens = new C(config.vocabSize * d);
    this.embedPositions = new C((config.maxPositionEmbeddings + OPT_POSITION_OFFSET) * d);
    this.gradEmbedTokens = new C(this.embedTokens.length);
    this.gradEmbedPositions = new C(this.embedPositions.length);
    this.finalLayerNorm = layerNormParams(d, precision);
    this.blocks = [];
    this.step = { layer: null as unknown as Linear, x: this.embedTokens, rows: 0, y: this.embedTokens };
    const f = config.ffnDim;
    for (let l = 0; l < config.numHiddenLayers; l++) {
      const lin = (out: number, inp: number): DenseLinear => new DenseLinear(new C(out * inp), new C(out), out, inp);
      this.blocks.push({
        selfAttnLayerNorm: layerNormParams(d, precision),
        finalLayerNorm: layerNormParams(d, precision),
        linears: {
          'self_attn.q_proj': lin(d, d),
          'self_attn.k_proj': lin(d, d),
          'self_attn.v_proj': lin(d, d),
          'self_attn.out_proj': lin(d, d),
          fc1: lin(f, d),
          fc2: lin(d, f),
        },
      });
    }
  }

  /** A model with Hugging Face's initialisation: weights and embeddings N(0, initStd²), biases 0, LN γ = 1, β = 0. */
  static random(config: Partial<OptConfig> = {}, options: RandomInitOptions = {}): OptModel {
    const model = new OptModel(resolveConfig(config), options.precision ?? 'float32');
    const rng = options.rng ?? createRng(options.seed ?? 0);
    const std = model.config.initStd;
    for (const [name, t] of Object.entries(model.parameters())) {
      if (name.endsWith('layer_norm.weight') || name.endsWith('layer_norm.bias') || name.endsWith('.bias')) continue;
      rng.fillNormal(t.data, 0, std);
    }
    // HF zeroes the padding row of embed_tokens (padding_idx).
    const pad = model.config.padTokenId;
    if (pad >= 0 && pad < model.config.vocabSize) model.embedTokens.fill(0, pad * model.config.hiddenSize, (pad + 1) * model.config.hiddenSize);
    return model;
  }

  /**
   * A model from named tensors (Hugging Face names, with or without the `model.` prefix; an `lm_head.weight`
   * must equal the tied embedding). Values are converted to the model's precision; missing or extra
   * tensors and wrong shapes are errors.
   */
  static fromTensors(
    config: Partial<OptConfig>,
    tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>>,
    options: { precision?: Precision } = {},
  ): OptModel {
    const model = new OptModel(resolveConfig(config), options.precision ?? 'float32');
    const params = model.parameters();
    const normalized = new Map<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>();
    let lmHead: { readonly shape: readonly number[]; readonly data: ArrayLike<number> } | undefined;
    for (const [rawName, t] of Object.entries(tensors)) {
      if (rawName === 'lm_head.weight') {
        lmHead = t;
        continue;
      }
      const name = rawName.startsWith('model.') ? rawName : `model.${rawName}`;
      if (!(name in params)) throw new FirstOrderError('MALFORMED_DATA', `tensors: unexpected tensor "${rawName}" for an OPT model with this config`, 'tensors');
      normalized.set(name, t);
    }
    for (const [name, p] of Object.entries(params)) {
      const t = normalized.get(name);
      if (t === undefined) throw new FirstOrderError('MALFORMED_DATA', `tensors: missing "${name}"`, 'tensors');
      if (t.shape.length !== p.shape.length || t.shape.some((s, i) => s !== p.shape[i])) {
        throw dimensionMismatch(`tensors["${name}"]`, `shape [${p.shape.join(', ')}]`, `shape [${t.shape.join(', ')}]`);
      }
      if (t.data.length !== p.data.length) throw dimensionMismatch(`tensors["${name}"]`, `${p.data.length} values`, `${t.data.length}`);
      p.data.set(t.data);
    }
    if (lmHead !== undefined) {
      const E = model.embedTokens;
      if (lmHead.data.length !== E.length) throw dimensionMismatch('tensors["lm_head.weight"]', `${E.length} values (tied)`, `${lmHead.data.length}`);
      for (let i = 0; i < E.length; i++) {
        if (Math.fround(lmHead.data[i]!) !== Math.fround(E[i]!)) {
          throw new FirstOrderError('UNSUPPORTED', 'tensors: lm_head.weight differs from embed_tokens.weight; only a tied head is implemented', 'tensors');
        }
      }
    }
    return model;
  }

  get numParameters(): number {
    let n = 0;
    for (const t of Object.values(this.parameters())) n += t.data.length;
    return n;
  }

  /** Name of the i-th block's linear layer, e.g. `model.decoder.layers.0.self_attn.q_proj`. */
  static linearName(block: number, which: BlockLinearName): string {
    return `model.decoder.layers.${block}.${which}`;
  }

  /** Every linear layer in execution order (the tied LM head is not one: it shares embed_tokens). */
  linearLayers(): Array<{ name: string; block: number; kind: BlockLinearName; layer: Linear }> {
    const out: Array<{ name: string; block: number; kind: BlockLinearName; layer: Linear }> = [];
    this.blocks.forEach((b, block) => {
      for (const kind of BLOCK_LINEARS) out.push({ name: OptModel.linearName(block, kind), block, kind, layer: b.linears[kind] });
    });
    return out;
  }

  private locate(name: string): { block: Block; kind: BlockLinearName } {
    const m = /^(?:model\.)?decoder\.layers\.(\d+)\.(.+)$/.exec(name);
    const block = m === null ? undefined : this.blocks[Number(m[1])];
    const kind = m?.[2] as BlockLinearName | undefined;
    if (block === undefined || kind === undefined || !(BLOCK_LINEARS as readonly string[]).includes(kind)) {
      throw invalidArgument('name', 'a linear layer name such as "model.decoder.layers.0.fc1"', name);
    }
    return { block, kind };
  }

  getLinear(name: string): Linear {
    const { block, kind } = this.locate(name);
    return block.linears[kind];
  }

  /** Replaces a linear layer's implementation; its in/out features must match. Returns the old layer. */
  setLinear(name: string, layer: Linear): Linear {
    const { block, kind } = this.locate(name);
    const old = block.linears[kind];
    if (layer === null || typeof layer !== 'object' || typeof layer.forward !== 'function') {
      throw invalidArgument('layer', 'an object implementing Linear (forward)', layer);
    }
    if (layer.inFeatures !== old.inFeatures || layer.outFeatures !== old.outFeatures) {
      throw dimensionMismatch('layer', `${old.outFeatures}×${old.inFeatures} (out×in)`, `${layer.outFeatures}×${layer.inFeatures}`);
    }
    block.linears[kind] = layer;
    this.gradientList = null;
    return old;
  }

  /** Trainable tensors by Hugging Face name (shared with the model: writing them changes the model). */
  parameters(): Record<string, Tensor> {
    const d = this.config.hiddenSize;
    const p: Record<string, Tensor> = {
      'model.decoder.embed_tokens.weight': { data: this.embedTokens, shape: [this.config.vocabSize, d] },
      'model.decoder.embed_positions.weight': { data: this.embedPositions, shape: [this.config.maxPositionEmbeddings + OPT_POSITION_OFFSET, d] },
    };
    this.blocks.forEach((b, l) => {
      const pre = `model.decoder.layers.${l}.`;
      for (const kind of BLOCK_LINEARS.slice(0, 4)) addLinear(p, pre + kind, b.linears[kind]);
      p[`${pre}self_attn_layer_norm.weight`] = { data: b.selfAttnLayerNorm.weight, shape: [d] };
      p[`${pre}self_attn_layer_norm.bias`] = { data: b.selfAttnLayerNorm.bias, shape: [d] };
      addLinear(p, `${pre}fc1`, b.linears.fc1);
      addLinear(p, `${pre}fc2`, b.linears.fc2);
      p[`${pre}final_layer_norm.weight`] = { data: b.finalLayerNorm.weight, shape: [d] };
      p[`${pre}final_layer_norm.bias`] = { data: b.finalLayerNorm.bias, shape: [d] };
    });
    p['model.decoder.final_layer_norm.weight'] = { data: this.finalLayerNorm.weight, shape: [d] };
    p['model.decoder.final_layer_norm.bias'] = { data: this.finalLayerNorm.bias, shape: [d] };
    return p;
  }

  /** Gradients with the same names as {@link parameters} (filled by {@link backward}, cleared by {@link zeroGrad}). */
  gradients(): Record<string, FloatArray> {
    const g: Record<string, FloatArray> = {
      'model.decoder.embed_tokens.weight': this.gradEmbedTokens,
      'model.decoder.embed_positions.weight': this.gradEmbedPositions,
    };
    this.blocks.forEach((b, l) => {
      const pre = `model.decoder.layers.${l}.`;
      for (const kind of BLOCK_LINEARS.slice(0, 4)) addLinearGrad(g, pre + kind, b.linears[kind]);
      g[`${pre}self_attn_layer_norm.weight`] = b.selfAttnLayerNorm.gradWeight;
      g[`${pre}self_attn_layer_norm.bias`] = b.selfAttnLayerNorm.gradBias;
      addLinearGrad(g, `${pre}fc1`, b.linears.fc1);
      addLinearGrad(g, `${pre}fc2`, b.linears.fc2);
      g[`${pre}final_layer_norm.weight`] = b.finalLayerNorm.gradWeight;
      g[`${pre}final_layer_norm.bias`] = b.finalLayerNorm.gradBias;
    });
    g['model.decoder.final_layer_norm.weight'] = this.finalLayerNorm.gradWeight;
    g['model.decoder.final_layer_norm.bias'] = this.finalLayerNorm.gradBias;
    return g;
  }

  /** Clears every gradient (the list is cached until a layer is replaced, so a step allocates nothing). */
  zeroGrad(): void {
    this.gradientList ??= Object.values(this.gradients());
    for (const g of this.gradientList) g.fill(0);
  }

  /** Buffers for `batch × seq` tokens, reused while they fit (no allocation per step). */
  private ensureWorkspace(batch: number, seq: number): Workspace {
    const tokens = batch * seq;
    const ws = this.workspace;
    if (ws !== null && ws.tokens >= tokens && ws.seq >= seq) return ws;
    const next = new Workspace(this.config, this.precision, Math.max(tokens, ws?.tokens ?? 0), Math.max(seq, ws?.seq ?? 0));
    this.workspace = next;
    return next;
  }

  /** Drops the activation buffers (they are reallocated on the next forward). */
  releaseWorkspace(): void {
    this.workspace = null;
  }

  private checkIds(ids: ArrayLike<number>, batch: number, seq: number, argument: string): void {
    if (!Number.isInteger(batch) || batch < 1) throw invalidArgument('batch', 'a positive integer', batch);
    if (!Number.isInteger(seq) || seq < 1) throw invalidArgument('seq', 'a positive integer', seq);
    if (seq > this.config.maxPositionEmbeddings) {
      throw invalidArgument('seq', `at most maxPositionEmbeddings = ${this.config.maxPositionEmbeddings}`, seq);
    }
    if (ids.length !== batch * seq) throw dimensionMismatch(argument, `length batch·seq = ${batch * seq}`, `length ${ids.length}`);
    const V = this.config.vocabSize;
    for (let i = 0; i < ids.length; i++) {
      const t = ids[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= V) throw invalidArgument(`${argument}[${i}]`, `a token id in [0, ${V})`, t);
    }
  }

  /**
   * Logits [batch·seq, vocab] of the token windows `ids` ([batch, seq] row-major). The returned array is a
   * view into the model's workspace, overwritten by the next forward pass: copy what you keep.
   */
  forward(ids: ArrayLike<number>, batch: number, seq: number, options?: ForwardOptions): FloatArray;
  /** The same on a device backend (see {@link DeviceForwardOptions}): logits within f32 rounding of the CPU's. */
  forward(ids: ArrayLike<number>, batch: number, seq: number, options: DeviceForwardOptions): Promise<FloatArray>;
  forward(ids: ArrayLike<number>, batch: number, seq: number, options: ForwardOptions | DeviceForwardOptions = {}): FloatArray | Promise<FloatArray> {
    const backend = options.backend;
    if (backend === undefined || backend === 'cpu') {
      if (this.deviceBusy) throw new FirstOrderError('INVALID_ARGUMENT', 'forward: a device forward of this model is still running (the model has one workspace; await it first)', 'backend');
      return this.runSync(this.forwardSteps(ids, batch, seq, options.onLinearInput));
    }
    return this.runOnDevice(backend, () => this.forwardSteps(ids, batch, seq, options.onLinearInput));
  }

  private *forwardSteps(ids: ArrayLike<number>, batch: number, seq: number, hook: LinearInputHook | undefined): Generator<LinearStep, FloatArray, undefined> {
    this.checkIds(ids, batch, seq, 'ids');
    const ws = this.ensureWorkspace(batch, seq);
    const N = batch * seq;
    for (let i = 0; i < N; i++) ws.ids[i] = ids[i]!;
    ws.batch = batch;
    ws.seqLen = seq;
    const d = this.config.hiddenSize;
    const first = ws.blocks[0]?.x ?? ws.out;
    embeddingForward(ws.ids, N, seq, this.embedTokens, this.embedPositions, OPT_POSITION_OFFSET, d, first);
    for (let l = 0; l < this.blocks.length; l++) {
      const next = l + 1 < this.blocks.length ? ws.blocks[l + 1]!.x : ws.out;
      yield* this.blockSteps(l, ws.blocks[l]!, batch, seq, next, hook);
    }
    layerNormForward(ws.out, N, d, this.finalLayerNorm.weight, this.finalLayerNorm.bias, this.config.layerNormEps, ws.lnF, ws.lnFMean, ws.lnFRstd);
    this.tiedHead ??= new TiedLinear(this.embedTokens, this.config.vocabSize, d);
    yield this.linearStep(this.tiedHead, ws.lnF, N, ws.logits);
    ws.forwardDone = true;
    ws.lossDone = false;
    return ws.logits.subarray(0, N * this.config.vocabSize);
  }

  private linearStep(layer: Linear, x: FloatArray, rows: number, y: FloatArray): LinearStep {
    const s = this.step;
    s.layer = layer;
    s.x = x;
    s.rows = rows;
    s.y = y;
    return s;
  }

  /** Runs the steps with every linear layer on the CPU (the synchronous path). */
  private runSync<T>(steps: Generator<LinearStep, T, undefined>): T {
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      const s = r.value;
      s.layer.forward(s.x, s.rows, s.y);
    }
  }

  /** Runs the steps with the linear layers on a device session (CPU for the layers it declines). */
  private async runOnDevice<T>(backend: 'gpu' | 'auto' | LmDeviceSession, steps: () => Generator<LinearStep, T, undefined>): Promise<T> {
    if (this.deviceBusy) throw new FirstOrderError('INVALID_ARGUMENT', 'forward: a device forward of this model is still running (the model has one workspace; await it first)', 'backend');
    this.deviceBusy = true;
    try {
      const session = await this.deviceSession(backend);
      const g = steps();
      if (session === null) return this.runSync(g);
      for (;;) {
        const r = g.next();
        if (r.done === true) return r.value;
        const s = r.value;
        if (!(await session.linear(s.layer, s.x, s.rows, s.y))) s.layer.forward(s.x, s.rows, s.y);
      }
    } finally {
      this.deviceBusy = false;
    }
  }

  private async deviceSession(backend: 'gpu' | 'auto' | LmDeviceSession): Promise<LmDeviceSession | null> {
    if (backend !== null && typeof backend === 'object') {
      if (typeof backend.linear !== 'function') throw invalidArgument('backend', "'cpu', 'gpu', 'auto' or an LmDeviceSession ({ name, linear, release })", backend);
      return backend;
    }
    const choice = checkBackendChoice(backend);
    if (choice === 'cpu') return null;
    if (this.device !== null) {
      const s = await this.device;
      if (s !== null || choice === 'auto') return s;
    }
    const opening = openBackend<LmDeviceSession>(LM_BACKEND_CAPABILITY, choice, 'OptModel.forward');
    this.device = opening;
    try {
      return await opening;
    } catch (e) {
      if (this.device === opening) this.device = null;
      throw e;
    }
  }

  /**
   * Frees the device session that string backends ('gpu' | 'auto') opened, with the weights it holds; the next
   * device forward uploads them again. Call it after changing weights in place (training steps).
   */
  async releaseBackend(): Promise<void> {
    const d = this.device;
    this.device = null;
    const s = d === null ? null : await d.catch(() => null);
    s?.release();
  }

  /** One block on the CPU: reads a.x, fills a's activations, writes the block output to `out`. */
  private runBlock(l: number, a: BlockActivations, batch: number, seq: number, out: FloatArray, hook: LinearInputHook | undefined): void {
    this.runSync(this.blockSteps(l, a, batch, seq, out, hook));
  }

  /** One block as steps: reads a.x, fills a's activations, writes the block output to `out`. */
  private *blockSteps(l: number, a: BlockActivations, batch: number, seq: number, out: FloatArray, hook: LinearInputHook | undefined): Generator<LinearStep, void, undefined> {
    const b = this.blocks[l]!;
    const N = batch * seq;
    const { hiddenSize: d, ffnDim: f, numAttentionHeads: H, layerNormEps: eps } = this.config;
    const hd = d / H;
    const L = b.linears;
    layerNormForward(a.x, N, d, b.selfAttnLayerNorm.weight, b.selfAttnLayerNorm.bias, eps, a.ln1, a.ln1Mean, a.ln1Rstd);
    if (hook !== undefined) {
      for (const kind of BLOCK_LINEARS.slice(0, 3)) hook(OptModel.linearName(l, kind), a.ln1, N, d);
    }
    yield this.linearStep(L['self_attn.q_proj'], a.ln1, N, a.q);
    scaleInPlace(a.q, N * d, 1 / Math.sqrt(hd));
    yield this.linearStep(L['self_attn.k_proj'], a.ln1, N, a.k);
    yield this.linearStep(L['self_attn.v_proj'], a.ln1, N, a.v);
    attentionForward(a.q, a.k, a.v, batch, seq, H, hd, a.P, a.attn);
    hook?.(OptModel.linearName(l, 'self_attn.out_proj'), a.attn, N, d);
    yield this.linearStep(L['self_attn.out_proj'], a.attn, N, out);
    addInto(a.x, out, N * d, a.mid);
    layerNormForward(a.mid, N, d, b.finalLayerNorm.weight, b.finalLayerNorm.bias, eps, a.ln2, a.ln2Mean, a.ln2Rstd);
    hook?.(OptModel.linearName(l, 'fc1'), a.ln2, N, d);
    yield this.linearStep(L.fc1, a.ln2, N, a.fc1);
    reluForward(a.fc1, N * f, a.act);
    hook?.(OptModel.linearName(l, 'fc2'), a.act, N, f);
    yield this.linearStep(L.fc2, a.act, N, out);
    addInto(a.mid, out, N * d, out);
  }

  /**
   * Mean next-token cross-entropy (nats) of `ids` against `targets` (same layout; targets < 0 are ignored),
   * keeping what {@link backward} needs.
   */
  loss(ids: ArrayLike<number>, targets: ArrayLike<number>, batch: number, seq: number, options?: ForwardOptions): number;
  /** The same with the forward on a device backend (see {@link DeviceForwardOptions}). */
  loss(ids: ArrayLike<number>, targets: ArrayLike<number>, batch: number, seq: number, options: DeviceForwardOptions): Promise<number>;
  loss(ids: ArrayLike<number>, targets: ArrayLike<number>, batch: number, seq: number, options: ForwardOptions | DeviceForwardOptions = {}): number | Promise<number> {
    this.checkTargets(targets, batch, seq);
    if (options.backend === undefined || options.backend === 'cpu') {
      this.forward(ids, batch, seq, options as ForwardOptions);
      return this.lossFromLogits(targets, batch, seq);
    }
    return this.forward(ids, batch, seq, options as DeviceForwardOptions).then(() => this.lossFromLogits(targets, batch, seq));
  }

  private checkTargets(targets: ArrayLike<number>, batch: number, seq: number): void {
    if (targets.length !== batch * seq) throw dimensionMismatch('targets', `length ${batch * seq}`, `length ${targets.length}`);
    const V = this.config.vocabSize;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (!Number.isInteger(t) || t >= V) throw invalidArgument(`targets[${i}]`, `a token id < ${V} (negative = ignored)`, t);
    }
  }

  private lossFromLogits(targets: ArrayLike<number>, batch: number, seq: number): number {
    const V = this.config.vocabSize;
    const ws = this.workspace!;
    const N = batch * seq;
    for (let i = 0; i < N; i++) ws.targets[i] = targets[i]!;
    const { loss } = crossEntropyForwardBackward(ws.logits, ws.targets, N, V, ws.dlogits);
    ws.lossDone = true;
    return loss;
  }

  /** Adds ∂loss/∂θ of the last {@link loss} call to {@link gradients}. Every linear layer must have `backward`. */
  backward(): void {
    const ws = this.workspace;
    if (ws === null || !ws.lossDone) throw new FirstOrderError('INVALID_ARGUMENT', 'backward: call loss() first', 'backward');
    const { batch, seqLen: seq } = ws;
    const N = batch * seq;
    const { hiddenSize: d, ffnDim: f, numAttentionHeads: H, vocabSize: V } = this.config;
    const hd = d / H;
    this.blocks.forEach((b, l) => {
      for (const kind of BLOCK_LINEARS) {
        if (typeof b.linears[kind].backward !== 'function') {
          throw new FirstOrderError('UNSUPPORTED', `backward: layer ${OptModel.linearName(l, kind)} has no backward (inference-only replacement)`, 'backward');
        }
      }
    });
    // Tied head: logits = lnF Eᵀ.
    linearBackwardInput(ws.dlogits, N, V, this.embedTokens, d, ws.dA, false);
    linearBackwardParams(ws.lnF, ws.dlogits, N, d, V, this.gradEmbedTokens, null);
    ws.dX.fill(0, 0, N * d);
    const fl = this.finalLayerNorm;
    layerNormBackward(ws.out, ws.dA, N, d, fl.weight, ws.lnFMean, ws.lnFRstd, ws.dX, fl.gradWeight, fl.gradBias);
    for (let l = this.blocks.length - 1; l >= 0; l--) {
      const b = this.blocks[l]!;
      const a = ws.blocks[l]!;
      const L = b.linears;
      // MLP: out = mid + fc2(relu(fc1(LN₂(mid)))).
      L.fc2.backward!(a.act, ws.dX, N, ws.dF, false);
      reluBackwardInPlace(a.fc1, N * f, ws.dF);
      L.fc1.backward!(a.ln2, ws.dF, N, ws.dA, false);
      layerNormBackward(a.mid, ws.dA, N, d, b.finalLayerNorm.weight, a.ln2Mean, a.ln2Rstd, ws.dX, b.finalLayerNorm.gradWeight, b.finalLayerNorm.gradBias);
      // Attention: mid = x + out_proj(attn(q·s, k, v)), q, k, v from LN₁(x).
      L['self_attn.out_proj'].backward!(a.attn, ws.dX, N, ws.dA, false);
      attentionBackward(a.q, a.k, a.v, a.P, ws.dA, batch, seq, H, hd, ws.dq, ws.dk, ws.dv, ws.scratch);
      scaleInPlace(ws.dq, N * d, 1 / Math.sqrt(hd));
      L['self_attn.q_proj'].backward!(a.ln1, ws.dq, N, ws.dB, false);
      L['self_attn.k_proj'].backward!(a.ln1, ws.dk, N, ws.dB, true);
      L['self_attn.v_proj'].backward!(a.ln1, ws.dv, N, ws.dB, true);
      layerNormBackward(a.x, ws.dB, N, d, b.selfAttnLayerNorm.weight, a.ln1Mean, a.ln1Rstd, ws.dX, b.selfAttnLayerNorm.gradWeight, b.selfAttnLayerNorm.gradBias);
    }
    embeddingBackward(ws.ids, N, seq, ws.dX, OPT_POSITION_OFFSET, d, this.gradEmbedTokens, this.gradEmbedPositions);
    ws.lossDone = false;
  }

  /** Convenience: zeroGrad, loss, backward; returns the loss. */
  lossAndGradient(ids: ArrayLike<number>, targets: ArrayLike<number>, batch: number, seq: number): number {
    this.zeroGrad();
    const value = this.loss(ids, targets, batch, seq);
    this.backward();
    return value;
  }

  /** Residual-stream input of every position after the embeddings, [batch·seq, hidden] (a new array). */
  embed(ids: ArrayLike<number>, batch: number, seq: number): FloatArray {
    this.checkIds(ids, batch, seq, 'ids');
    const C = this.precision === 'float32' ? Float32Array : Float64Array;
    const out = new C(batch * seq * this.config.hiddenSize);
    embeddingForward(Int32Array.from(ids), batch * seq, seq, this.embedTokens, this.embedPositions, OPT_POSITION_OFFSET, this.config.hiddenSize, out);
    return out;
  }

  /**
   * Runs block `index` on hidden states `x` ([batch·seq, hidden], the residual stream entering it) and writes
   * the block's output to `out` (may be x itself). Used by sequential calibration; `onLinearInput` sees the
   * inputs of the block's six linear layers.
   */
  blockForward(index: number, x: FloatArray, batch: number, seq: number, out: FloatArray, options: ForwardOptions = {}): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.blocks.length) {
      throw invalidArgument('index', `a block index in [0, ${this.blocks.length})`, index);
    }
    const n = batch * seq * this.config.hiddenSize;
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(seq) || seq < 1 || seq > this.config.maxPositionEmbeddings) {
      throw invalidArgument('batch, seq', `positive integers with seq ≤ ${this.config.maxPositionEmbeddings}`, [batch, seq]);
    }
    if (x.length !== n) throw dimensionMismatch('x', `length ${n}`, `length ${x.length}`);
    if (out.length !== n) throw dimensionMismatch('out', `length ${n}`, `length ${out.length}`);
    const ws = this.ensureWorkspace(batch, seq);
    const a = ws.blocks[index]!;
    a.x.set(x);
    this.runBlock(index, a, batch, seq, ws.tmp, options.onLinearInput);
    out.set(ws.tmp.subarray(0, n));
    ws.forwardDone = false;
    ws.lossDone = false;
  }

  /** Logits from final hidden states (final layer norm, tied head) into a new array [rows, vocab]. */
  head(h: FloatArray, rows: number): FloatArray {
    const d = this.config.hiddenSize;
    if (h.length !== rows * d) throw dimensionMismatch('h', `length ${rows * d}`, `length ${h.length}`);
    const C = this.precision === 'float32' ? Float32Array : Float64Array;
    const ln = new C(rows * d);
    layerNormForward(h, rows, d, this.finalLayerNorm.weight, this.finalLayerNorm.bias, this.config.layerNormEps, ln, new Float64Array(rows), new Float64Array(rows));
    const logits = new C(rows * this.config.vocabSize);
    linearForward(ln, rows, d, this.embedTokens, null, this.config.vocabSize, logits);
    return logits;
  }
}

function addLinear(p: Record<string, Tensor>, prefix: string, layer: Linear): void {
  const params = layer.parameters?.();
  if (params === undefined) return;
  for (const [suffix, t] of Object.entries(params)) p[`${prefix}.${suffix}`] = t;
}

function addLinearGrad(g: Record<string, FloatArray>, prefix: string, layer: Linear): void {
  const grads = layer.gradients?.();
  if (grads === undefined) return;
  for (const [suffix, t] of Object.entries(grads)) g[`${prefix}.${suffix}`] = t;
}
