export { adapterLabel, BACKEND_NAMES, BackendUnavailableError, currentBackend, probeWebGpu, useBackend, type BackendInfo, type BackendName, type BackendRequest, type UseBackendOptions, type WebGpuAdapter, type WebGpuProbe } from "./backend.js";
export { disposeCarry, type Batch, type Carry, type LossTerms, type PuzzleEmbeddingGrad, type RecursiveModel, type StepOutputs, type StepResult, type TrainStepOptions, type TrainStepResult } from "./recursive-model.js";
export { decodeSafetensors, encodeSafetensors, SafetensorsError, safetensorsToTensors, type DecodedSafetensors, type DecodedTensor, type DecodeOptions, type SafetensorsFileDtype, type SafetensorsTensor } from "./safetensors.js";
export { encodeModelWeights, loadCheckpointBytes, loadStateDict, modelVariables, StateDictMismatchError, stripPrefixes, type LoadStateDictOptions, type LoadStateDictResult, type TensorMismatch } from "./state-dict.js";
export { TRUNCATED_NORMAL_STD_CORRECTION, truncatedLecunNormal, truncatedNormal } from "./init.js";
export { createVariables, initialValues, paramSize, type ParamInit, type ParamSpec } from "./param-spec.js";
export { hasFusedKernel, runFusedKernel, type FusedKernelName } from "./fused-kernels.js";
export { linear, toInOut } from "./linear.js";
export { noGrad } from "./no-grad.js";
export { rmsNorm } from "./rms-norm.js";
export { splitGateUp, swiglu, swigluInnerWidth, type GateUpHalves } from "./swiglu.js";
export { applyRope, ropeTables, type RopeTables } from "./rope.js";
export { attention, attentionResidualNorm, PER_HEAD_PRODUCTS_MIN_SEQ, type AttentionShape } from "./attention.js";
export { tokenMix } from "./token-mix.js";
export { block, blockParamSpecs, blockWeights, splitBlockWeights, type BlockConfig, type BlockContext, type BlockWeights } from "./block.js";
export { logStablemax, stablemaxCrossEntropy } from "./stablemax.js";
export { bceWithLogits } from "./bce.js";
export { inputEmbedding, type InputEmbeddingShape } from "./embedding.js";
export { actLossTerms, beginStep, decideHalting, readStep, selectRows, type ActLoss, type ActLossInput, type HaltingInput, type StepReadout, type StepStart } from "./act.js";
export { qContinueTarget } from "./q-target.js";
export { countTrmParameters, headSpecs, initSpecs, puzzleTableSpec, resolveTrmConfig, TRM_FIELDS, type PosEncodings, type TrmConfig, type TrmConfigInput } from "./trm-config.js";
export { createTrm, Trm, type CreateTrmOptions } from "./trm.js";
export { positionsOf, SupervisedModel, type HaltingRule, type ModelParts, type ModelTensors, type Recursion, type States, type StepArch, type Update, type Weights } from "./supervision-step.js";
export {
  ARCH_FIELDS,
  defaultsOf,
  editDistance,
  ModelConfigError,
  nearestKey,
  rejectUnknownKeys,
  resolveFields,
  type ConfigInput,
  type FieldSpec,
  type FieldTable,
  type FieldValue,
  type ResolvedFields,
} from "./config-fields.js";
export { describeOpcode, PickleDict, PickleGlobal, PickleTuple, TORCH_STORAGE_TYPES, TorchCheckpointError, unpickleTorch } from "./torch-pickle.js";
export type { PickleKey, PickleValue, TorchCheckpointErrorCode, TorchDtype, TorchStorageRef, TorchTensorRef, UnpickleOptions } from "./torch-pickle.js";
