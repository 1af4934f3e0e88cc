import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadSafetensors, type RecursiveModel } from "@trm/core";
import { evalBatches, TrainSampler, type PuzzleDataset, type TrainSamplerState } from "@trm/data";
import { evaluateModel, type EvaluationResult } from "@trm/eval";
import {
  limitRows,
  createModel,
  fit,
  latestCheckpoint,
  loadEvalWeights,
  PRESETS,
  resolveTrainConfig,
  totalStepsFor,
  type FitEvent,
  type FitResult,
  type ModelRegistry,
  type TrainConfig,
} from "@trm/train";
import type { Budget } from "./args.js";
import type { CompareData } from "./dataset.js";

/** One point of a training curve. */
export interface TrainPoint {
  readonly step: number;
  readonly samples: number;
  readonly seconds: number;
  readonly loss: number;
  readonly exactAccuracy: number;
  readonly accuracy: number;
}

export interface TestPoint {
  readonly step: number;
  readonly samples: number;
  readonly exactAccuracy: number;
  readonly accuracy: number;
}

/** Everything the report and the table need of one model's run. */
export interface ModelRun {
  readonly label: string;
  readonly preset: string;
  readonly config: TrainConfig;
  /** The model's own resolved architecture (every field, defaults filled in). */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly params: number;
  readonly fit: Omit<FitResult, "lastEval">;
  readonly samplesPerSecond: number;
  /** Largest tfjs tensor memory seen during training and evaluation, bytes. */
  readonly peakTensorBytes: number;
  /** Largest process resident set size seen, bytes (both runs share the process). */
  readonly peakRssBytes: number;
  readonly train: readonly TrainPoint[];
  readonly tests: readonly TestPoint[];
  readonly evaluation: EvaluationResult;
  readonly evalSeconds: number;
  /** Which weights were evaluated: the EMA copy (official), the raw ones, or the in-memory ones (no checkpoint). */
  readonly weights: "ema" | "raw" | "none";
}

export interface RunModelOptions {
  readonly label: string;
  readonly preset: string;
  readonly registry: ModelRegistry;
  readonly data: CompareData;
  readonly budget: Budget | null;
  readonly seed: number;
  /** `key=value` overrides on top of the preset, the same for both models. */
  readonly sets: readonly string[];
  /** Run directory (config.json, metrics.jsonl, checkpoints/). */
  readonly runDir: string;
  /** Rows of the test split for the final evaluation (null: all). */
  readonly testLimit: number | null;
  /** Rows whose answers are kept at every snapshot step, for the report's pictures. */
  readonly snapshotRows: number;
  readonly onEvent?: (event: FitEvent) => void;
  readonly onEvalProgress?: (rowsDone: number, rowsTotal: number) => void;
}

function countParams(model: RecursiveModel): number {
  let n = 0;
  for (const v of model.params.values()) n += v.size;
  return n;
}

/**
 * Puts the EMA weights of the newest checkpoint into the model: the official evaluation uses the EMA copy, and a
 * budget stop ends `fit` with the raw weights in the model and the EMA copy only in the checkpoint.
 */
async function loadEmaWeights(model: RecursiveModel, runDir: string): Promise<"ema" | "raw" | "none"> {
  const ref = await latestCheckpoint(join(runDir, "checkpoints"));
  if (ref === null) return "none";
  const tensors = await loadSafetensors(ref.weightsPath);
  try {
    return loadEvalWeights(model, tensors, ref.weightsPath);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Trains one model with the @trm/train loop under the shared budget, then evaluates it on the test split. */
export async function runModel(o: RunModelOptions): Promise<ModelRun> {
  const config = await resolveTrainConfig({ config: o.preset, patch: { seed: o.seed }, sets: o.sets }, PRESETS);
  const meta = o.data.train.metadata;
  const shape = { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers };
  const model = createModel(o.registry, config.arch, shape, o.seed);
  try {
    const G = config.global_batch_size;
    // A budget replaces the preset's length: the schedule then runs long enough never to end before the budget.
    const budgetSteps = o.budget?.kind === "samples" ? Math.ceil(o.budget.samples / G) : null;
    const totalSteps = o.budget === null ? totalStepsFor(config, o.data.train.metadata) : (budgetSteps ?? 1_000_000_000);
    // Periodic evaluations during training score at most eval_max_examples rows, and never more than the final one.
    const limits = [config.eval_max_examples, o.testLimit ?? undefined].filter((x): x is number => x !== undefined);
    const evalLimit = limits.length === 0 ? null : Math.min(...limits);
    const evalBatchSize = config.eval_batch_size ?? G;
    const train: TrainPoint[] = [];
    const tests: TestPoint[] = [];
    let peakTensorBytes = 0;
    let peakRssBytes = 0;
    let lastRecordSps = 0;
    const ds: PuzzleDataset = o.data.train;
    const fitResult = await fit({
      model,
      config,
      totalSteps,
      createSampler: (opts, state) =>
        state === undefined ? new TrainSampler(ds, opts) : TrainSampler.restore(ds, opts, state as TrainSamplerState),
      evalBatches: () => limitRows(evalBatches(o.data.test, evalBatchSize), evalLimit ?? undefined),
      runDir: o.runDir,
      budget:
        o.budget === null
          ? {}
          : o.budget.kind === "seconds"
            ? { maxSeconds: o.budget.seconds }
            : { maxSamples: o.budget.samples },
      onEvent: (e) => {
        if (e.type === "step") {
          const r = e.record;
          train.push({
            step: r.step,
            samples: r.samples,
            seconds: r.elapsed_seconds,
            loss: r.loss,
            exactAccuracy: r.exact_accuracy,
            accuracy: r.accuracy,
          });
          peakTensorBytes = Math.max(peakTensorBytes, r.memory.tensorBytes);
          peakRssBytes = Math.max(peakRssBytes, r.memory.rss);
          lastRecordSps = r.samples_per_second;
        } else if (e.type === "eval") {
          tests.push({
            step: e.step,
            samples: e.step * G,
            exactAccuracy: e.summary.exact_accuracy,
            accuracy: e.summary.accuracy,
          });
        }
        o.onEvent?.(e);
      },
    });
    if (fitResult.status === "diverged") throw new Error(`${o.label} diverged: ${fitResult.message}`);
    const weights = await loadEmaWeights(model, o.runDir);

    const t0 = performance.now();
    const rowsTotal = Math.min(o.testLimit ?? Number.POSITIVE_INFINITY, o.data.test.inputs.length / o.data.test.metadata.seq_len);
    const evaluation = await evaluateModel(model, limitRows(evalBatches(o.data.test, evalBatchSize), o.testLimit ?? undefined), {
      snapshotRows: o.snapshotRows,
      onBatch: (done) => {
        peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
        o.onEvalProgress?.(done, rowsTotal);
      },
    });
    const evalSeconds = (performance.now() - t0) / 1000;
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    const { lastEval: _ignored, ...fitSummary } = fitResult;
    return {
      label: o.label,
      preset: o.preset,
      config,
      modelConfig: model.config,
      seed: o.seed,
      params: countParams(model),
      fit: fitSummary,
      samplesPerSecond: lastRecordSps,
      peakTensorBytes,
      peakRssBytes,
      train,
      tests,
      evaluation,
      evalSeconds,
      weights,
    };
  } finally {
    model.dispose();
  }
}
