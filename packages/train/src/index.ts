export type { ParamOptimizer } from "./optim/optimizer.js";
export { AdamATan2 } from "./optim/adam-atan2.js";
export { AdamW, type AdamWOptions } from "./optim/adamw.js";
export type { AdamHyperParams } from "./optim/adam-moments.js";
export { SparseSignSgd, type SparseSignSgdOptions } from "./optim/sign-sgd.js";
export { Ema } from "./ema.js";
export { learningRate, type LrSchedule } from "./schedule.js";
export {
  ConfigError,
  evalBatchSize,
  parseTrainConfig,
  readConfigFile,
  resolveTrainConfig,
  type ArchConfig,
  type ResolveConfigOptions,
  type TrainConfig,
  type TrainConfigInput,
} from "./config.js";
export { PRESETS, type Preset } from "./presets.js";
export { checkModelSize, createModel, MAX_MODEL_PARAMETERS, modelRegistry, parameterLowerBound, type DatasetShape, type ModelConstructor, type ModelFactory, type ModelRegistry } from "./model-registry.js";
export {
  checkpointProblem,
  latestCheckpoint,
  listCheckpoints,
  loadEvalWeights,
  NonFiniteWeightsError,
  readEvalWeights,
  removeOrphanWeights,
  type CheckpointRef,
  type CheckpointState,
  type ListCheckpointsOptions,
} from "./checkpoint.js";
export { claimRunDir, readRunIdentity, sweepTemporaryFiles, type ClaimMode, type ClaimOptions, type RunIdentity } from "./run-dir.js";
export type { TrainStepMetrics } from "./train-metrics.js";
export { FitError } from "./errors.js";
export type { FitBudget, FitStatus } from "./stop.js";
export type { MemoryStats, StepRecord } from "./run-files.js";
export { evalEverySteps, fit, RUN_KIND, totalStepsFor, type BatchSampler, type FitEvaluation, type FitEvent, type FitOptions, type FitResult, type FitWeights, type SamplerFactory } from "./fit.js";
export { createProgressReporter, type ProgressOptions } from "./progress.js";
export {
  trainAndEvaluate,
  type FinalEvaluation,
  type TestPoint,
  type TrainAndEvaluateOptions,
  type TrainedRun,
  type TrainPoint,
} from "./train-and-evaluate.js";
export { importPlugins, PluginImportError, takeImportFlags, type ImportedPlugin } from "./plugins.js";
export {
  loadRun,
  loadWeights,
  PuzzleShapeError,
  RunFolderError,
  Solver,
  type LoadOptions,
  type LoadWeightsOptions,
  type Solution,
  type SolveOptions,
  type StepAnswer,
} from "./solve.js";
