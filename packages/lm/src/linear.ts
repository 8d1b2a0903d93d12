import { FirstOrderError, dimensionMismatch, invalidArgument } from '@firstorder/core';
import { Matrix } from '@firstorder/linalg';
import type { Tensor } from '@firstorder/optimizers';
import { linearBackwardInput, linearBackwardParams, linearForward } from './kernels.js';
import type { FloatArray } from './kernels.js';

/**
 * What the model needs from a linear layer. The model only calls these methods, so compression code can
 * substitute any implementation (a LUT-quantized matvec, a pruned matrix with fewer inputs behind a scatter,
 * a low-rank pair) for a {@link DenseLinear}. Activations are row-major [rows, features] in the model's
 * precision.
 */
export interface Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** y[r, :] = layer(x[r, :]) for r < rows. Must not write to x. */
  forward(x: FloatArray, rows: number, y: FloatArray): void;
  /**
   * Gradient with respect to the input, written to dx (added to it when `accumulate`), and this layer's
   * own parameter gradients accumulated. Layers without it can be used for inference and calibration only.
   */
  backward?(x: FloatArray, dy: FloatArray, rows: number, dx: FloatArray, accumulate: boolean): void;
  /** Trainable tensors by suffix ('weight', 'bias'); absent for frozen layers. */
  parameters?(): Record<string, Tensor>;
  /** Gradients matching `parameters()`. */
  gradients?(): Record<string, FloatArray>;
  /**
   * For layers that are a plain y = x Wᵀ + b: the arrays themselves (not copies), so a device backend can keep
   * W resident. `version` changes whenever the layer's own setters change W; in-place edits of the arrays
   * (training) are not seen: release the device copies then (OptModel.releaseBackend).
   */
  denseWeights?(): DenseWeights;
}

/** The weights of a dense linear layer, W stored [out, in] row-major. */
export interface DenseWeights {
  readonly weight: FloatArray;
  readonly bias: FloatArray | null;
  readonly version: number;
}

/** y = x Wᵀ + b with W stored [out, in] row-major (Hugging Face `nn.Linear` layout). */
export class DenseLinear implements Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: FloatArray;
  readonly bias: FloatArray | null;
  readonly gradWeight: FloatArray;
  readonly gradBias: FloatArray | null;
  private weightVersion = 0;

  constructor(weight: FloatArray, bias: FloatArray | null, outFeatures: number, inFeatures: number) {
    if (!(weight instanceof Float32Array || weight instanceof Float64Array)) {
      throw invalidArgument('weight', 'a Float32Array or Float64Array', weight);
    }
    if (weight.length !== outFeatures * inFeatures) {
      throw dimensionMismatch('weight', `length ${outFeatures}×${inFeatures} = ${outFeatures * inFeatures}`, `length ${weight.length}`);
    }
    if (bias !== null) {
      if (bias.constructor !== weight.constructor) throw invalidArgument('bias', `a ${weight.constructor.name} like weight`, bias);
      if (bias.length !== outFeatures) throw dimensionMismatch('bias', `length ${outFeatures}`, `length ${bias.length}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = weight;
    this.bias = bias;
    const Ctor = weight instanceof Float32Array ? Float32Array : Float64Array;
    this.gradWeight = new Ctor(weight.length);
    this.gradBias = bias === null ? null : new Ctor(bias.length);
  }

  forward(x: FloatArray, rows: number, y: FloatArray): void {
    linearForward(x, rows, this.inFeatures, this.weight, this.bias, this.outFeatures, y);
  }

  backward(x: FloatArray, dy: FloatArray, rows: number, dx: FloatArray, accumulate: boolean): void {
    linearBackwardInput(dy, rows, this.outFeatures, this.weight, this.inFeatures, dx, accumulate);
    linearBackwardParams(x, dy, rows, this.inFeatures, this.outFeatures, this.gradWeight, this.gradBias);
  }

  parameters(): Record<string, Tensor> {
    const out: Record<string, Tensor> = { weight: { data: this.weight, shape: [this.outFeatures, this.inFeatures] } };
    if (this.bias !== null) out['bias'] = { data: this.bias, shape: [this.outFeatures] };
    return out;
  }

  gradients(): Record<string, FloatArray> {
    const out: Record<string, FloatArray> = { weight: this.gradWeight };
    if (this.gradBias !== null) out['bias'] = this.gradBias;
    return out;
  }

  denseWeights(): DenseWeights {
    return { weight: this.weight, bias: this.bias, version: this.weightVersion };
  }

  /** A float64 copy of W as a linalg Matrix [out, in] (for compression algorithms). */
  weightMatrix(): Matrix {
    return new Matrix(this.outFeatures, this.inFeatures, Float64Array.from(this.weight));
  }

  /** Overwrites W (rounded to the layer's precision) from a Matrix or array of the same shape. */
  setWeight(W: Matrix | ArrayLike<number>): void {
    const data = W instanceof Matrix ? W.data : W;
    if (W instanceof Matrix && (W.rows !== this.outFeatures || W.cols !== this.inFeatures)) {
      throw dimensionMismatch('W', `${this.outFeatures}×${this.inFeatures}`, `${W.rows}×${W.cols}`);
    }
    if (data.length !== this.weight.length) throw dimensionMismatch('W', `length ${this.weight.length}`, `length ${data.length}`);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) throw new FirstOrderError('NON_FINITE_INPUT', `W: expected finite entries, received ${v} at ${i}`, 'W');
    }
    this.weight.set(data);
    this.weightVersion++;
  }
}

/** The tied LM head y = x Eᵀ over the embedding table E [vocab, hidden] (no bias, no gradients of its own). */
export class TiedLinear implements Linear {
  constructor(
    readonly weight: FloatArray,
    readonly outFeatures: number,
    readonly inFeatures: number,
  ) {
    if (weight.length !== outFeatures * inFeatures) throw dimensionMismatch('weight', `length ${outFeatures * inFeatures}`, `length ${weight.length}`);
  }

  forward(x: FloatArray, rows: number, y: FloatArray): void {
    linearForward(x, rows, this.inFeatures, this.weight, null, this.outFeatures, y);
  }

  denseWeights(): DenseWeights {
    return { weight: this.weight, bias: null, version: 0 };
  }
}
