import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { RecursiveModel } from "@trm/core";
import { evalBatches, limitRows, TrainSampler, type EvalBatch, type PuzzleDataset, type TrainSamplerState } from "@trm/data";
import { latestCheckpoint, readEvalWeights } from "./checkpoint.js";
import { evalBatchSize, resolveTrainConfig, type TrainConfig } from "./config.js";
import { fit, totalStepsFor, type FitEvaluation, type FitEvent, type FitResult } from "./fit.js";
import { createModel, type ModelRegistry } from "./model-registry.js";
import { PRESETS } from "./presets.js";
import type { FitBudget } from "./stop.js";

/** One point of the training curve (every optimiser step). */
export interface TrainPoint {
  readonly step: number;
  readonly samples: number;
  readonly seconds: number;
  readonly loss: number;
  readonly exactAccuracy: number;
  readonly accuracy: number;
}

/** One periodic test evaluation during training (EMA weights, at most `eval_max_examples` rows). */
export interface TestPoint {
  readonly step: number;
  readonly samples: number;
  readonly exactAccuracy: number;
  readonly accuracy: number;
}

/** The final evaluation's callback: scores `model` on `batches`, calling `onBatch` after each batch. */
export type FinalEvaluation<E> = (
  model: RecursiveModel,
  batches: Iterable<EvalBatch>,
  onBatch: (rowsDone: number) => void,
) => Promise<E>;

export interface TrainAndEvaluateOptions<E> {
  readonly label: string;
  /** A preset name or config file, resolved with `sets` and `seed` on top. */
  readonly preset: string;
  readonly registry: ModelRegistry;
  readonly train: PuzzleDataset;
  readonly test: PuzzleDataset;
  /**
   * Samples or seconds (one of them); the schedule then runs long enough never to end first. Null: the preset's own
   * length.
   */
  readonly budget: FitBudget | null;
  readonly seed: number;
  /** `key=value` overrides on top of the preset. */
  readonly sets: readonly string[];
  /** Run directory (config.json, metrics.jsonl, checkpoints/). */
  readonly runDir: string;
  /** Clear a run directory that holds an earlier run instead of refusing it (`fit`'s `overwrite`). */
  readonly overwrite?: boolean;
  /** Rows of the test split for the final evaluation (null: all). */
  readonly testLimit: number | null;
  readonly evaluate: FinalEvaluation<E>;
  /**
   * Makes `fit`'s periodic evaluation callback from the model and a fresh stream of test batches per call
   * (`@trm/eval`'s `summaryEvaluator` fits). Omit for no evaluation during training.
   */
  readonly periodicEvaluator?: (model: RecursiveModel, batches: () => Iterable<EvalBatch>) => () => Promise<FitEvaluation>;
  readonly onEvent?: (event: FitEvent) => void;
  readonly onEvalProgress?: (rowsDone: number, rowsTotal: number) => void;
}

/** What a comparison needs of one trained and evaluated model. */
export interface TrainedRun<E> {
  readonly label: string;
  readonly preset: string;
  readonly seed: number;
  readonly config: TrainConfig;
  /** The model's own resolved architecture (every field, defaults filled in). */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly params: number;
  readonly fit: Omit<FitResult, "lastEval" | "weights">;
  /** Throughput of the last training step record. */
  readonly samplesPerSecond: number;
  /** Largest tfjs tensor memory seen during training and evaluation, bytes. */
  readonly peakTensorBytes: number;
  /** Largest process resident set size seen, bytes. */
  readonly peakRssBytes: number;
  readonly train: readonly TrainPoint[];
  readonly tests: readonly TestPoint[];
  readonly evaluation: E;
  readonly evalSeconds: number;
  /** Which weights were evaluated: the EMA copy (official), the raw ones, or the in-memory ones (no checkpoint). */
  readonly weights: "ema" | "raw" | "none";
}

/**
 * Puts the weights the official evaluation uses (the EMA copy) of the newest checkpoint into the model: a budget stop
 * ends `fit` with the raw weights in the model and the EMA copy only in the checkpoint.
 */
async function loadCheckpointForEval(model: RecursiveModel, runDir: string): Promise<"ema" | "raw" | "none"> {
  const ref = await latestCheckpoint(join(runDir, "checkpoints"));
  if (ref === null) return "none";
  return readEvalWeights(model, ref.weightsPath);
}

/**
 * Trains one model with `fit` under a budget, reloads the EMA weights of its last checkpoint and evaluates them on the
 * test split with `evaluate`: what a comparison does for each model and seed.
 */
export async function trainAndEvaluate<E>(o: TrainAndEvaluateOptions<E>): Promise<TrainedRun<E>> {
  const config = await resolveTrainConfig({ config: o.preset, patch: { seed: o.seed }, sets: o.sets }, PRESETS);
  const meta = o.train.metadata;
  const shape = { vocab_size: meta.vocab_size, seq_len: meta.seq_len, num_puzzle_identifiers: meta.num_puzzle_identifiers };
  const model = createModel(o.registry, config.arch, shape, o.seed);
  try {
    const G = config.global_batch_size;
    const totalSteps =
      o.budget === null
        ? totalStepsFor(config, meta)
        : o.budget.maxSamples !== undefined
          ? Math.ceil(o.budget.maxSamples / G)
          : 1_000_000_000;
    // Periodic evaluations score at most eval_max_examples rows, and never more than the final one.
    const limits = [config.eval_max_examples, o.testLimit ?? undefined].filter((x): x is number => x !== undefined);
    const evalLimit = limits.length === 0 ? undefined : Math.min(...limits);
    const batchSize = evalBatchSize(config);
    const train: TrainPoint[] = [];
    const tests: TestPoint[] = [];
    let peakTensorBytes = 0;
    let peakRssBytes = 0;
    let lastRecordSps = 0;
    const ds = o.train;
    const fitResult = await fit({
      model,
      config,
      totalSteps,
      createSampler: (opts, state) =>
        state === undefined ? new TrainSampler(ds, opts) : TrainSampler.restore(ds, opts, state as TrainSamplerState),
      evaluate: o.periodicEvaluator?.(model, () => limitRows(evalBatches(o.test, batchSize), evalLimit)),
      runDir: o.runDir,
      overwrite: o.overwrite ?? false,
      budget: o.budget ?? {},
      onEvent: (e) => {
        if (e.type === "step") {
          const r = e.record;
          train.push({ step: r.step, samples: r.samples, seconds: r.elapsed_seconds, loss: r.loss, exactAccuracy: r.exact_accuracy, accuracy: r.accuracy });
          peakTensorBytes = Math.max(peakTensorBytes, r.memory.tensorBytes);
          peakRssBytes = Math.max(peakRssBytes, r.memory.rss);
          lastRecordSps = r.samples_per_second;
        } else if (e.type === "eval") {
          tests.push({ step: e.step, samples: e.step * G, exactAccuracy: e.summary.exact_accuracy, accuracy: e.summary.accuracy });
        }
        o.onEvent?.(e);
      },
    });
    if (fitResult.status === "diverged") throw new Error(`${o.label} diverged: ${fitResult.message}`);
    const weights = await loadCheckpointForEval(model, o.runDir);

    const t0 = performance.now();
    const rowsTotal = Math.min(o.testLimit ?? Number.POSITIVE_INFINITY, o.test.inputs.length / o.test.metadata.seq_len);
    const evaluation = await o.evaluate(model, limitRows(evalBatches(o.test, batchSize), o.testLimit ?? undefined), (done) => {
      peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
      o.onEvalProgress?.(done, rowsTotal);
    });
    const evalSeconds = (performance.now() - t0) / 1000;
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    const { lastEval: _ignored, weights: _inModel, ...fitSummary } = fitResult;
    let params = 0;
    for (const v of model.params.values()) params += v.size;
    return {
      label: o.label,
      preset: o.preset,
      seed: o.seed,
      config,
      modelConfig: model.config,
      params,
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
