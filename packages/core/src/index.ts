export * from "./backend.js";
export * from "./recursive-model.js";
export * from "./safetensors.js";
export * from "./state-dict.js";
export * from "./init.js";
export * from "./param-spec.js";
export * from "./fused-kernels.js";
export * from "./linear.js";
export * from "./no-grad.js";
export * from "./rms-norm.js";
export * from "./swiglu.js";
export * from "./rope.js";
export * from "./attention.js";
export * from "./token-mix.js";
export * from "./block.js";
export * from "./stablemax.js";
export * from "./bce.js";
export * from "./embedding.js";
export * from "./act.js";
export * from "./q-target.js";
export * from "./trm-config.js";
export * from "./trm.js";
export * from "./supervision-step.js";
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
