import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import { disposeCarry, modelVariables, type Batch, type RecursiveModel, type SafetensorsTensor } from "@trm/core";
import { createRng } from "@trm/data";
import { accumulateStep, batchLayout, disposeAccumulated } from "./accumulate.js";
import { applyStep, createOptimizers, disposeOptimizers, stepRates } from "./apply.js";
import {
  listCheckpoints,
  NonFiniteWeightsError,
  pruneCheckpoints,
  removeOrphanWeights,
  restoreTrainingState,
  saveTrainingState,
  type CheckpointRef,
  type Progress,
  type TrainingState,
} from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { FitError } from "./errors.js";
import { claimRunDir, sweepTemporaryFiles } from "./run-dir.js";
import { RunClock, RunFiles, stepRecord, type StepRecord } from "./run-files.js";
import { divergence, stopBeforeStep, type FitBudget, type FitStatus, type StopReason } from "./stop.js";
import { writeSafetensorsFile } from "@trm/core/node";

/** A source of training batches with a restorable state (`@trm/data`'s TrainSampler has this shape). */
export interface BatchSampler {
  next(): Batch;
  /** JSON-serialisable state; the factory given it continues the same stream. */
  state(): unknown;
}

/** Creates the training sampler; with `state`, continues where the saved sampler stopped. */
export type SamplerFactory = (options: { readonly batchSize: number; readonly seed: number }, state?: unknown) => BatchSampler;

/**
 * What `fit` needs of an evaluation: the real rows scored and the two accuracies under the official metric names.
 * The whole object is logged as one `split: "test"` line of `metrics.jsonl` (`@trm/eval`'s `evalSummary` fits).
 */
export interface FitEvaluation {
  readonly rows: number;
  /** Token accuracy. */
  readonly accuracy: number;
  readonly exact_accuracy: number;
}

/** What the loop reports as it runs: the CLI draws a progress bar from these, the compare app its own display. */
export type FitEvent =
  | {
      readonly type: "start";
      readonly step: number;
      readonly totalSteps: number;
      readonly resumedFrom: string | null;
      /** Where a step or sample budget stops the run (totalSteps without one). */
      readonly endStep?: number;
      /** The time budget of this process, when there is one. */
      readonly maxSeconds?: number;
    }
  | { readonly type: "step"; readonly step: number; readonly totalSteps: number; readonly record: StepRecord }
  | { readonly type: "eval"; readonly step: number; readonly summary: FitEvaluation }
  | { readonly type: "checkpoint"; readonly step: number; readonly path: string }
  | { readonly type: "checkpoint-failed"; readonly step: number; readonly error: string; readonly previous: string | null }
  | { readonly type: "warning"; readonly message: string }
  | { readonly type: "stop"; readonly status: FitStatus; readonly step: number; readonly message: string };

export interface FitOptions {
  readonly model: RecursiveModel;
  readonly config: TrainConfig;
  /** Length of the run for the lr schedule (see {@link totalStepsFor}). */
  readonly totalSteps: number;
  /** Optimiser steps per epoch, to turn `eval_interval` (epochs) into steps; without it only eval_every_steps counts. */
  readonly stepsPerEpoch?: number;
  readonly createSampler: SamplerFactory;
  /**
   * Evaluates the model as it is now on the test split (periodically, and at the end of a completed run); `fit` calls
   * it with the EMA weights in place. Omit for no evaluation. `@trm/eval`'s `evaluateModel` + `evalSummary` do this.
   */
  readonly evaluate?: () => Promise<FitEvaluation>;
  /** Run directory (config.json, metrics.jsonl, checkpoints/); null or omitted: nothing is written. */
  readonly runDir?: string | null;
  /**
   * Continue from the newest complete checkpoint of the run in `runDir` (a fresh start when there is none). Without
   * it a folder that already holds files is refused, unless `overwrite`.
   */
  readonly resume?: boolean;
  /** Clear a folder holding an earlier run and start over (only run files are removed). */
  readonly overwrite?: boolean;
  /** Stops after the current step and writes a checkpoint. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: FitEvent) => void;
  readonly budget?: FitBudget;
}

export interface FitResult {
  readonly status: FitStatus;
  readonly step: number;
  readonly samples: number;
  readonly elapsedSeconds: number;
  readonly message: string;
  /** The newest complete checkpoint, or null. */
  readonly checkpoint: string | null;
  /** The last evaluation (EMA weights), or null. */
  readonly lastEval: FitEvaluation | null;
  /**
   * The weights evaluations use, as they are when the run stops: the EMA copy of the parameters (the trained values
   * when `ema` is off) with the buffers and the puzzle table, on the host; the same tensors as
   * `checkpoints/final.safetensors` when there is a run folder. Null when the run diverged.
   */
  readonly weights: FitWeights | null;
}

/** A model's full state dict under the official names, on the host (nothing to dispose). */
export interface FitWeights {
  /** "ema": the parameters are the EMA copy (official evaluation); "raw": the trained values (EMA off). */
  readonly copy: "ema" | "raw";
  /** Optimiser steps done when they were taken. */
  readonly step: number;
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
}

/** Optimiser steps for `epochs` passes over the training groups, as the official loop counts them. */
export function totalStepsFor(config: TrainConfig, meta: { readonly total_groups: number; readonly mean_puzzle_examples: number }): number {
  const fromEpochs = Math.floor((config.epochs * meta.total_groups * meta.mean_puzzle_examples) / config.global_batch_size);
  const steps = config.max_steps !== undefined ? Math.min(config.max_steps, Math.max(fromEpochs, 1)) : fromEpochs;
  return Math.max(1, steps);
}

/** Steps between evaluations: eval_every_steps, else eval_interval epochs converted to steps; null for none. */
export function evalEverySteps(config: TrainConfig, stepsPerEpoch: number | null): number | null {
  if (config.eval_every_steps !== undefined) return config.eval_every_steps;
  if (config.eval_interval !== undefined && stepsPerEpoch !== null) return Math.max(1, Math.round(config.eval_interval * stepsPerEpoch));
  return null;
}

/** The kind recorded in `run.json` of a training run folder. */
export const RUN_KIND = "trm-train fit";
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** The halting-exploration RNG's seed, derived from the run seed. */
const haltingSeed = (seed: number): number => (seed ^ 0x5f3759df) >>> 0;
const due = (every: number | null, step: number, totalSteps: number): boolean => every !== null && step % every === 0 && step < totalSteps;

/**
 * One training run in progress: the live state, where it is, and what it writes. {@link fit} drives it; each method is
 * one thing the official loop does between optimiser steps.
 */
class Run {
  readonly state: TrainingState;
  readonly layout;
  readonly files: RunFiles | null;
  progress: Progress = { step: 0, samples: 0, elapsedSeconds: 0 };
  clock = new RunClock(0);
  sampler: BatchSampler | null = null;
  lastCheckpoint: CheckpointRef | null = null;
  lastEval: FitEvaluation | null = null;
  runId: string | null = null;

  constructor(readonly options: FitOptions) {
    const { model, config } = options;
    this.layout = batchLayout(config);
    this.files = options.runDir ? new RunFiles(options.runDir) : null;
    const carries = new Array<null>(this.layout.groups).fill(null);
    this.state = { model, ...createOptimizers(config, model), haltRng: createRng(haltingSeed(config.seed)), carries };
  }

  emit(e: FitEvent): void {
    this.options.onEvent?.(e);
  }

  /**
   * Claims the run folder (refusing another run's), sweeps what killed writes left, restores the newest readable
   * checkpoint of this run when asked to resume (falling back past unreadable ones with a warning), creates the
   * sampler and writes config.json.
   */
  async start(): Promise<void> {
    const { config, totalSteps } = this.options;
    let ref: CheckpointRef | null = null;
    if (this.files) {
      const mode = this.options.resume ? "resume" : this.options.overwrite ? "overwrite" : "new";
      this.runId = await claimRunDir(this.files.dir, { mode, kind: RUN_KIND });
      const swept = [...(await sweepTemporaryFiles([this.files.dir, this.files.checkpoints])), ...(await removeOrphanWeights(this.files.checkpoints))];
      if (swept.length > 0) this.emit({ type: "warning", message: `removed ${swept.length} file(s) left by an interrupted write: ${swept.join(", ")}` });
      if (this.options.resume) ref = await this.restoreNewest(this.files.checkpoints);
    }
    this.lastCheckpoint = ref;
    this.clock = new RunClock(this.progress.elapsedSeconds);
    this.sampler ??= this.options.createSampler({ batchSize: this.layout.global, seed: config.seed });
    // A resume drops metric lines after the restored step (all of them when no checkpoint was reached).
    await this.files?.begin(config, this.progress.step);
    const budget = this.options.budget ?? {};
    const endStep = Math.min(totalSteps, budget.maxSteps ?? Infinity, budget.maxSamples !== undefined ? Math.ceil(budget.maxSamples / this.layout.global) : Infinity);
    this.emit({
      type: "start",
      step: this.progress.step,
      totalSteps,
      resumedFrom: ref?.jsonPath ?? null,
      endStep: Math.max(endStep, this.progress.step),
      ...(budget.maxSeconds !== undefined ? { maxSeconds: budget.maxSeconds } : {}),
    });
  }

  private async restoreNewest(dir: string): Promise<CheckpointRef | null> {
    const warn = (message: string) => this.emit({ type: "warning", message });
    const failed: string[] = [];
    const refs = await listCheckpoints(dir, {
      runId: this.runId,
      onSkip: (path, why) => {
        failed.push(`${path}: ${why}`);
        warn(`skipping checkpoint ${path}: ${why}`);
      },
    });
    for (const ref of refs) {
      // A run keeps its architecture: weights of the same shapes under other cycles or steps would change the model.
      const arch = this.options.config.arch as Record<string, unknown>;
      const saved = ((ref.state.config as { arch?: unknown } | undefined)?.arch ?? {}) as Record<string, unknown>;
      for (const k of new Set([...Object.keys(arch), ...Object.keys(saved)])) {
        if (JSON.stringify(arch[k]) !== JSON.stringify(saved[k])) {
          throw new FitError(
            `${ref.jsonPath}: field "config.arch.${k}": the run was trained with ${JSON.stringify(saved[k] ?? null)}, this config has ${JSON.stringify(arch[k] ?? null)}; ` +
              "a run cannot change its architecture (resume with the run's own config.json, or start a new run)",
          );
        }
      }
      try {
        // The sampler state is checked before any tensor is touched.
        let sampler: BatchSampler;
        try {
          sampler = this.options.createSampler({ batchSize: this.layout.global, seed: this.options.config.seed }, ref.state.sampler);
        } catch (e) {
          throw new FitError(`field "sampler": ${errorText(e)}`, { cause: e });
        }
        this.progress = await restoreTrainingState(ref, this.state, this.layout);
        this.sampler = sampler;
        return ref;
      } catch (e) {
        if (e instanceof FitError && /batch layout/.test(e.message)) throw e;
        failed.push(`${ref.jsonPath}: ${errorText(e)}`);
        warn(`skipping checkpoint ${ref.jsonPath}: ${errorText(e)}; trying an older one`);
      }
    }
    // A checkpoint that failed half-way may have changed some weights: never start over silently from those.
    if (failed.length > 0) {
      throw new FitError(`no checkpoint in ${dir} could be restored (${failed.join("; ")}); pass --overwrite to start the run over`);
    }
    return null;
  }

  /** One optimiser step on the next batch; a non-finite loss is not applied and ends the run. */
  async step(sessionStartSamples: number): Promise<StopReason | null> {
    const { model, config, totalSteps } = this.options;
    const batch = this.sampler?.next();
    if (batch?.size !== this.layout.global) throw new FitError(`The sampler returned ${batch?.size} rows, expected global_batch_size ${this.layout.global}.`);
    const rates = stepRates(config, this.progress.step + 1, totalSteps);
    const acc = await accumulateStep(model, this.state.carries, batch, this.layout, this.state.haltRng);
    const total = acc.metrics.totalLoss;
    if (!Number.isFinite(total)) {
      disposeAccumulated(acc);
      return divergence(this.progress.step + 1, total, acc.metrics.result(this.layout.global), this.lastCheckpoint);
    }
    applyStep(this.state, acc, rates);
    const step = this.progress.step + 1;
    const samples = this.progress.samples + this.layout.global;
    const record = stepRecord({ step, samples, sessionSamples: samples - sessionStartSamples }, rates, acc.metrics.result(this.layout.global), this.clock);
    this.progress = { step, samples, elapsedSeconds: record.elapsed_seconds };
    if (this.files && (step % config.log_every_steps === 0 || step === totalSteps)) await this.files.appendMetrics(record);
    this.emit({ type: "step", step, totalSteps, record });
    return null;
  }

  /** Evaluates the EMA weights (the plain ones without EMA) and logs the summary. */
  async evaluate(): Promise<void> {
    const go = this.options.evaluate;
    if (!go) return;
    const summary = this.state.ema ? await this.state.ema.withEmaWeights(go) : await go();
    this.lastEval = summary;
    const step = this.progress.step;
    this.emit({ type: "eval", step, summary });
    await this.files?.appendMetrics({ split: "test", step, ...summary });
  }

  /**
   * Writes a checkpoint and prunes this run's old ones. Weights that are not finite end the run as diverged (no
   * checkpoint of them is written); a failed write (full disk, read-only folder) is an error naming the file.
   */
  async checkpoint(): Promise<StopReason | null> {
    if (!this.files) return null;
    const { config, totalSteps } = this.options;
    const step = this.progress.step;
    try {
      const progress = { ...this.progress, elapsedSeconds: this.clock.elapsed() };
      const ref = await saveTrainingState(this.files.checkpoints, this.state, { progress, totalSteps, config, sampler: this.sampler?.state(), runId: this.runId });
      this.lastCheckpoint = ref;
      this.emit({ type: "checkpoint", step, path: ref.jsonPath });
      await pruneCheckpoints(this.files.checkpoints, config.checkpoint_keep, this.runId);
      return null;
    } catch (e) {
      this.failed(e);
      if (e instanceof NonFiniteWeightsError) {
        const last = this.lastCheckpoint ? `Last good checkpoint: ${this.lastCheckpoint.jsonPath} (step ${this.lastCheckpoint.step}).` : "No checkpoint was written yet.";
        return { status: "diverged", message: `the weights diverged: ${e.message}. ${last} Try a lower lr or a longer warm-up.` };
      }
      throw new FitError(`checkpoint at step ${step} failed: ${errorText(e)}`, { cause: e });
    }
  }

  /**
   * The weights users evaluate and ship: the EMA copy (the trained values without EMA) with the buffers and puzzle
   * table, read to the host once; written to `checkpoints/final.safetensors` (official names) when there is a run
   * folder. Called whenever a run stops without diverging.
   */
  async finalWeights(): Promise<FitWeights> {
    const { files, state } = this;
    const read = async (): Promise<Map<string, SafetensorsTensor>> => {
      const dict = state.model.stateDict();
      // stateDict may hand out the variables themselves or copies: free only what the model does not own.
      const owned = new Set<tf.Tensor>(modelVariables(state.model).values());
      try {
        const out = new Map<string, SafetensorsTensor>();
        for (const [name, t] of dict) {
          const shape = t.shape;
          if (t.dtype === "float32") out.set(name, { dtype: "F32", shape, data: (await t.data()) as Float32Array });
          else if (t.dtype === "int32") out.set(name, { dtype: "I32", shape, data: (await t.data()) as Int32Array });
          else if (t.dtype === "bool") out.set(name, { dtype: "BOOL", shape, data: (await t.data()) as Uint8Array });
          else throw new FitError(`tensor "${name}" has dtype ${t.dtype}, expected float32, int32 or bool`);
        }
        return out;
      } finally {
        for (const t of dict.values()) if (!owned.has(t)) t.dispose();
      }
    };
    const tensors = await (state.ema ? state.ema.withEmaWeights(read) : read());
    const weights: FitWeights = { copy: state.ema ? "ema" : "raw", step: this.progress.step, tensors };
    if (!files) return weights;
    const path = join(files.checkpoints, "final.safetensors");
    try {
      await writeSafetensorsFile(path, tensors, { format: "pt", config: JSON.stringify(state.model.config) });
    } catch (e) {
      this.failed(e);
      throw new FitError(`final weights: ${errorText(e)}`, { cause: e });
    }
    return weights;
  }

  private failed(e: unknown): void {
    this.emit({ type: "checkpoint-failed", step: this.progress.step, error: errorText(e), previous: this.lastCheckpoint?.jsonPath ?? null });
  }

  dispose(): void {
    const { carries } = this.state;
    for (let k = 0; k < carries.length; k++) {
      const c = carries[k];
      if (c) disposeCarry(c);
      carries[k] = null;
    }
    disposeOptimizers(this.state);
  }
}

/**
 * Trains `model` with the official procedure: a persistent batch carry (halted slots take their row of each new
 * batch), one optimiser step per supervision step, AdamATan2 (or AdamW) on the parameters, SignSGD on the touched
 * puzzle-embedding rows, warm-up + cosine schedule for both, EMA of the weights, gradient accumulation over
 * micro-batches, periodic evaluation with the EMA weights, checkpoints that resume exactly.
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const run = new Run(options);
  try {
    await run.start();
    const evalEvery = evalEverySteps(options.config, options.stepsPerEpoch ?? null);
    const checkpointEvery = options.config.checkpoint_every_steps ?? evalEvery;
    const sessionStartSamples = run.progress.samples;
    let stop: StopReason | null = null;
    while (stop === null) {
      const at = { ...run.progress, totalSteps: options.totalSteps, sessionSeconds: run.clock.session() };
      stop = stopBeforeStep(at, options.budget ?? {}, options.signal) ?? (await run.step(sessionStartSamples));
      if (stop !== null) break;
      if (due(evalEvery, run.progress.step, options.totalSteps)) await run.evaluate();
      if (due(checkpointEvery, run.progress.step, options.totalSteps)) stop = await run.checkpoint();
    }
    if (stop.status === "completed") await run.evaluate();
    if (stop.status !== "diverged" && run.lastCheckpoint?.step !== run.progress.step) stop = (await run.checkpoint()) ?? stop;
    const weights = stop.status === "diverged" ? null : await run.finalWeights();
    const { step, samples } = run.progress;
    run.emit({ type: "stop", status: stop.status, step, message: stop.message });
    const checkpoint = run.lastCheckpoint?.jsonPath ?? null;
    return { ...stop, step, samples, elapsedSeconds: run.clock.elapsed(), checkpoint, lastEval: run.lastEval, weights };
  } finally {
    run.dispose();
  }
}
