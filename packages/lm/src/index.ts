export { OPT_DEFAULTS, OPT_POSITION_OFFSET, fromHfConfig, resolveConfig, toHfConfig } from './config.js';
export type { OptConfig } from './config.js';
export type { FloatArray } from './kernels.js';
export * as kernels from './kernels.js';
export { DenseLinear, TiedLinear } from './linear.js';
export type { DenseWeights, Linear } from './linear.js';
export { BLOCK_LINEARS, LM_BACKEND_CAPABILITY, OptModel } from './model.js';
export type { BlockLinearName, DeviceForwardOptions, ForwardOptions, LinearInputHook, LmDeviceSession, Precision, RandomInitOptions } from './model.js';
export { ByteTokenizer } from './tokenizer.js';
export { BpeTokenizer, createBpeTokenizer, gpt2Tokenizer, loadBpeTokenizer } from './bpe.js';
export type { BpeEncodeOptions, BpeSources, BpeTokenizerOptions } from './bpe.js';
export { loadPretrained } from './pretrained.js';
export type { Pretrained } from './pretrained.js';
export {
  bfloat16ToFloat,
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  parseSafetensors,
  serializeSafetensors,
  toFloat32,
  toFloat64,
} from './safetensors.js';
export type { SafetensorsData, SafetensorsDtype, SafetensorsFile, SafetensorsTensor, TensorInput } from './safetensors.js';
export { loadCheckpoint, modelFromSafetensors, modelToSafetensors, saveCheckpoint } from './checkpoint.js';
export type { WeightDtype } from './checkpoint.js';
export { TRAIN_DEFAULTS, decayMask, evaluate, generate, ngramBaselines, train } from './train.js';
export type { DeviceEvaluateOptions, EvaluateOptions, EvaluationResult, GenerateOptions, NgramBaselines, Tokens, TrainOptions, TrainProgress, TrainResult } from './train.js';
export { calibrateSequential, captureInputs, collectGrams } from './calibrate.js';
export type { CalibrationData, CalibrationOptions, CapturedInput, GramStats, SequentialOptions } from './calibrate.js';
