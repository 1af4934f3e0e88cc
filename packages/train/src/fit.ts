import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { disposeCarry, loadSafetensors, saveSafetensors, writeFileAtomic, type Batch, type Carry, type RecursiveModel } from "@trm/core";
import { createRng } from "@trm/data";
import { sliceBatch } from "./batch-utils.js";
import { latestCheckpoint, pruneCheckpoints, writeCheckpoint, type CheckpointRef } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { Ema } from "./ema.js";
import { evaluate, type EvalBatch, type EvalSummary } from "./evaluate.js";
import { AdamATan2 } from "./optim/adam-atan2.js";
import { AdamW } from "./optim/adamw.js";
import type { ParamOptimizer } from "./optim/optimizer.js";
import { SparseSignSgd } from "./optim/sign-sgd.js";
import { learningRate } from "./schedule.js";
import { assignFrom, modelTargets, withPrefix } from "./weights.js";
import { TrainMetricsAccumulator, type TrainStepMetrics } from "./train-metrics.js";

/** A source of training batches with a restorable state (`@trm/data`'s TrainSampler has this shape). */
export interface BatchSampler {
  next(): Batch;
  /** JSON-serialisable state; the factory given it continues the same stream. */
  state(): unknown;
}

/** Creates the training sampler; with `state`, continues where the saved sampler stopped. */
export type SamplerFactory = (options: { readonly batchSize: number; readonly seed: number }, state?: unknown) => BatchSampler;

export interface MemoryStats {
  readonly numTensors: number;
  readonly tensorBytes: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** One line of `metrics.jsonl` for a training step. */
export interface StepRecord extends TrainStepMetrics {
  readonly split: "train";
  readonly step: number;
  readonly lr: number;
  readonly puzzle_emb_lr: number;
  readonly samples: number;
  readonly samples_per_second: number;
  readonly elapsed_seconds: number;
  readonly memory: MemoryStats;
}

export type FitStatus = "completed" | "budget" | "aborted" | "diverged";

/** What the loop reports as it runs: the CLI draws a progress bar from these, the compare app its own display. */
export type FitEvent =
  | { readonly type: "start"; readonly step: number; readonly totalSteps: number; readonly resumedFrom: string | null }
  | { readonly type: "step"; readonly step: number; readonly totalSteps: number; readonly record: StepRecord }
  | { readonly type: "eval"; readonly step: number; readonly summary: EvalSummary }
  | { readonly type: "checkpoint"; readonly step: number; readonly path: string }
  | { readonly type: "checkpoint-failed"; readonly step: number; readonly error: string; readonly previous: string | null }
  | { readonly type: "stop"; readonly status: FitStatus; readonly step: number; readonly message: string };

export interface FitBudget {
  /** Stop after this many optimiser steps in total (counting steps before a resume). */
  readonly maxSteps?: number;
  /** Stop after this many seconds of training in this process. */
  readonly maxSeconds?: number;
  /** Stop after this many training rows in total. */
  readonly maxSamples?: number;
}

export interface FitOptions {
  readonly model: RecursiveModel;
  readonly config: TrainConfig;
  /** Length of the run for the lr schedule (see {@link totalStepsFor}). */
  readonly totalSteps: number;
  /** Optimiser steps per epoch, to turn `eval_interval` (epochs) into steps; without it only eval_every_steps counts. */
  readonly stepsPerEpoch?: number;
  readonly createSampler: SamplerFactory;
  /** Test batches for the periodic evaluation; a fresh iterable per call. Omit for no evaluation. */
  readonly evalBatches?: () => Iterable<EvalBatch> | AsyncIterable<EvalBatch>;
  /** Run directory (config.json, metrics.jsonl, checkpoints/); null or omitted: nothing is written. */
  readonly runDir?: string | null;
  /** Continue from the newest complete checkpoint in `runDir/checkpoints` (a fresh start when there is none). */
  readonly resume?: boolean;
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
  readonly lastEval: EvalSummary | null;
}

/** Raised when `fit` cannot start (bad options, unreadable checkpoint). Divergence and aborts are results, not errors. */
export class FitError extends Error {
  override name = "FitError";
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

function memoryStats(): MemoryStats {
  const m = tf.memory();
  const p = process.memoryUsage();
  return { numTensors: m.numTensors, tensorBytes: m.numBytes, rss: p.rss, heapUsed: p.heapUsed };
}

function createOptimizer(config: TrainConfig, params: ReadonlyMap<string, tf.Variable>): ParamOptimizer {
  const common = { betas: [config.beta1, config.beta2] as const, weightDecay: config.weight_decay };
  return config.optimizer === "adamw" ? new AdamW(params, common) : new AdamATan2(params, common);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Trains `model` with the official procedure: a persistent batch carry (halted slots take their row of each new
 * batch), one optimiser step per supervision step, AdamATan2 (or AdamW) on the parameters, SignSGD on the touched
 * puzzle-embedding rows, warm-up + cosine schedule for both, EMA of the weights, gradient accumulation over
 * micro-batches, periodic evaluation with the EMA weights, checkpoints that resume exactly.
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { model, config, totalSteps } = options;
  const G = config.global_batch_size;
  const micro = config.micro_batch_size ?? G;
  if (G % micro !== 0) throw new FitError(`micro_batch_size ${micro} does not divide global_batch_size ${G}.`);
  const groups = G / micro;
  const runDir = options.runDir ?? null;
  const ckptDir = runDir ? join(runDir, "checkpoints") : null;
  const metricsPath = runDir ? join(runDir, "metrics.jsonl") : null;
  const emit = (e: FitEvent) => options.onEvent?.(e);

  const optimizer = createOptimizer(config, model.params);
  const embOptimizer = model.puzzleEmb ? new SparseSignSgd(model.puzzleEmb, { weightDecay: config.puzzle_emb_weight_decay }) : null;
  const ema = config.ema ? new Ema(model.params, config.ema_rate) : null;
  const haltRng = createRng((config.seed ^ 0x5f3759df) >>> 0);
  const rng = () => haltRng.next();
  const targets = modelTargets(model);

  let step = 0;
  let samples = 0;
  let elapsedBefore = 0;
  let carries: (Carry | null)[] = new Array<Carry | null>(groups).fill(null);
  let sampler: BatchSampler;
  let lastCheckpoint: CheckpointRef | null = null;
  let lastEval: EvalSummary | null = null;

  const disposeAll = () => {
    for (const c of carries) if (c) disposeCarry(c);
    carries = new Array<Carry | null>(groups).fill(null);
    optimizer.dispose();
    ema?.dispose();
  };

  try {
    const resumeFrom = options.resume && ckptDir ? await latestCheckpoint(ckptDir) : null;
    if (resumeFrom) {
      const st = resumeFrom.state;
      if (st.config.global_batch_size !== G || (st.config.micro_batch_size ?? st.config.global_batch_size) !== micro) {
        throw new FitError(
          `${resumeFrom.jsonPath}: saved with global/micro batch ${st.config.global_batch_size}/${st.config.micro_batch_size ?? st.config.global_batch_size}, ` +
            `the config asks for ${G}/${micro}; the carry cannot be resumed across a change of batch layout.`,
        );
      }
      const tensors = await loadSafetensors(resumeFrom.weightsPath);
      try {
        const where = resumeFrom.weightsPath;
        assignFrom(where, targets, tensors, "");
        if (ema) ema.loadStateDict(withPrefix("ema.", tensors));
        optimizer.loadStateDict(withPrefix("optim.", tensors), st.optimizer.stepCount);
        haltRng.setState(st.haltingRng);
        for (let k = 0; k < st.carryGroups; k++) {
          const get = (n: string) => {
            const t = tensors.get(`carry.${k}.${n}`);
            if (!t) throw new FitError(`${where}: carry tensor "carry.${k}.${n}" is missing.`);
            return t;
          };
          const zH = get("z_H") as tf.Tensor3D;
          const zL = get("z_L") as tf.Tensor3D;
          const B = zH.shape[0];
          const inputs = get("inputs");
          const L = inputs.shape[1] ?? 0;
          carries[k] = {
            zH: tf.keep(zH.clone()),
            zL: tf.keep(zL.clone()),
            steps: Int32Array.from(get("steps").dataSync()),
            halted: Uint8Array.from(get("halted").dataSync()),
            current: {
              size: B,
              seqLen: L,
              inputs: Int32Array.from(inputs.dataSync()),
              labels: Int32Array.from(get("labels").dataSync()),
              puzzleIdentifiers: Int32Array.from(get("puzzle_identifiers").dataSync()),
            },
          };
        }
      } finally {
        for (const t of tensors.values()) t.dispose();
      }
      step = st.step;
      samples = st.samples;
      elapsedBefore = st.elapsedSeconds;
      sampler = options.createSampler({ batchSize: G, seed: config.seed }, st.sampler);
      lastCheckpoint = resumeFrom;
      if (metricsPath) await truncateMetrics(metricsPath, step);
    } else {
      sampler = options.createSampler({ batchSize: G, seed: config.seed });
    }
    if (runDir) {
      await mkdir(runDir, { recursive: true });
      await writeFileAtomic(join(runDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    }
    emit({ type: "start", step, totalSteps, resumedFrom: resumeFrom?.jsonPath ?? null });

    const evalEvery = evalEverySteps(config, options.stepsPerEpoch ?? null);
    const ckptEvery = config.checkpoint_every_steps ?? evalEvery;
    const started = performance.now();
    const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;
    const sessionStartSamples = samples;
    const budget = options.budget ?? {};
    let status: FitStatus = "completed";
    let message = "";

    const saveCheckpoint = async (): Promise<void> => {
      if (!ckptDir) return;
      const state = model.stateDict();
      const owned = new Set<tf.Tensor>(targets.values());
      const tensors = new Map<string, tf.Tensor>(state);
      const temps: tf.Tensor[] = [...state.values()].filter((t) => !owned.has(t));
      if (ema) for (const [k, t] of ema.stateDict()) tensors.set(`ema.${k}`, t);
      for (const [k, t] of optimizer.stateDict()) tensors.set(`optim.${k}`, t);
      let carryGroups = 0;
      if (carries.every((c) => c !== null)) {
        carryGroups = groups;
        carries.forEach((c, k) => {
          if (!c) return;
          const L = c.current.seqLen;
          const B = c.current.size;
          const add = (n: string, t: tf.Tensor, temp: boolean) => {
            tensors.set(`carry.${k}.${n}`, t);
            if (temp) temps.push(t);
          };
          add("z_H", c.zH, false);
          add("z_L", c.zL, false);
          add("steps", tf.tensor1d(c.steps, "int32"), true);
          add("halted", tf.tensor1d(Int32Array.from(c.halted), "int32"), true);
          add("inputs", tf.tensor2d(c.current.inputs, [B, L], "int32"), true);
          add("labels", tf.tensor2d(c.current.labels, [B, L], "int32"), true);
          add("puzzle_identifiers", tf.tensor1d(c.current.puzzleIdentifiers, "int32"), true);
        });
      }
      try {
        const ref = await writeCheckpoint(ckptDir, tensors, {
          step,
          samples,
          elapsedSeconds: elapsed(),
          totalSteps,
          config,
          model: { kind: model.kind, config: model.config },
          optimizer: { name: optimizer.name, stepCount: optimizer.stepCount },
          haltingRng: haltRng.state(),
          sampler: sampler.state(),
          carryGroups,
        });
        lastCheckpoint = ref;
        emit({ type: "checkpoint", step, path: ref.jsonPath });
        await pruneCheckpoints(ckptDir, config.checkpoint_keep);
      } catch (e) {
        emit({ type: "checkpoint-failed", step, error: errorText(e), previous: lastCheckpoint?.jsonPath ?? null });
      } finally {
        for (const t of temps) t.dispose();
      }
    };

    const runEval = async (): Promise<void> => {
      const batches = options.evalBatches;
      if (!batches) return;
      const go = () => evaluate(model, batches(), { signal: options.signal });
      const summary = ema ? await ema.withEmaWeights(go) : await go();
      lastEval = summary;
      emit({ type: "eval", step, summary });
      if (metricsPath) await appendFile(metricsPath, `${JSON.stringify({ split: "test", step, ...summary })}\n`);
    };

    while (step < totalSteps) {
      if (options.signal?.aborted) {
        status = "aborted";
        message = `stopped by request at step ${step}`;
        break;
      }
      if (budget.maxSteps !== undefined && step >= budget.maxSteps) {
        status = "budget";
        message = `reached the step budget (${budget.maxSteps})`;
        break;
      }
      if (budget.maxSamples !== undefined && samples >= budget.maxSamples) {
        status = "budget";
        message = `reached the sample budget (${budget.maxSamples})`;
        break;
      }
      if (budget.maxSeconds !== undefined && elapsed() - elapsedBefore >= budget.maxSeconds) {
        status = "budget";
        message = `reached the time budget (${budget.maxSeconds} s)`;
        break;
      }

      const batch = sampler.next();
      if (batch.size !== G) throw new FitError(`The sampler returned ${batch.size} rows, expected global_batch_size ${G}.`);
      const lr = learningRate(step + 1, { lr: config.lr, warmupSteps: config.lr_warmup_steps, totalSteps, minRatio: config.lr_min_ratio });
      const embLr = learningRate(step + 1, {
        lr: config.puzzle_emb_lr,
        warmupSteps: config.lr_warmup_steps,
        totalSteps,
        minRatio: config.lr_min_ratio,
      });

      // One supervision step over every micro-batch: gradients of total / G summed, then one optimiser step.
      const acc = new TrainMetricsAccumulator();
      const grads = new Map<string, tf.Tensor>();
      const embIds: Int32Array[] = [];
      const embGrads: tf.Tensor2D[] = [];
      for (let k = 0; k < groups; k++) {
        const part = groups === 1 ? batch : sliceBatch(batch, k * micro, micro);
        const carry = carries[k] ?? model.initialCarry(part);
        const r = model.trainStep(carry, part, { rng, lossDivisor: G });
        if (r.carry.zH !== carry.zH) disposeCarry(carry);
        carries[k] = r.carry;
        const qHalt = r.outputs.qHalt.dataSync();
        acc.add(r, qHalt);
        r.outputs.logits.dispose();
        r.outputs.qHalt.dispose();
        r.outputs.qContinue.dispose();
        r.outputs.qContinueTarget?.dispose();
        for (const [name, g] of r.grads) {
          const prev = grads.get(name);
          if (prev) {
            grads.set(name, tf.tidy(() => prev.add(g)));
            prev.dispose();
            g.dispose();
          } else grads.set(name, g);
        }
        if (r.puzzleEmbGrad) {
          embIds.push(r.puzzleEmbGrad.ids);
          embGrads.push(r.puzzleEmbGrad.grad);
        }
      }

      const total = acc.totalLoss;
      if (!Number.isFinite(total)) {
        for (const g of grads.values()) g.dispose();
        for (const g of embGrads) g.dispose();
        const m = acc.result(G);
        status = "diverged";
        message =
          `loss is ${total} at step ${step + 1} (lm_loss ${m.lm_loss}, q_halt_loss ${m.q_halt_loss}, q_continue_loss ${m.q_continue_loss}); ` +
          `stopped without applying it. ` +
          (lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint.jsonPath} (step ${lastCheckpoint.step}).` : "No checkpoint was written yet.") +
          ` Try a lower lr or a longer warm-up.`;
        break;
      }

      optimizer.step(grads, lr);
      for (const g of grads.values()) g.dispose();
      if (embOptimizer && embGrads.length > 0) {
        const ids = new Int32Array(embIds.reduce((n, a) => n + a.length, 0));
        let off = 0;
        for (const a of embIds) {
          ids.set(a, off);
          off += a.length;
        }
        const g = embGrads.length === 1 ? (embGrads[0] as tf.Tensor2D) : tf.concat(embGrads, 0);
        embOptimizer.step(ids, g, embLr);
        if (embGrads.length > 1) g.dispose();
      }
      for (const g of embGrads) g.dispose();
      ema?.update();
      step += 1;
      samples += G;

      const seconds = elapsed();
      const sessionSeconds = seconds - elapsedBefore;
      const record: StepRecord = {
        split: "train",
        step,
        lr,
        puzzle_emb_lr: embLr,
        ...acc.result(G),
        samples,
        samples_per_second: sessionSeconds > 0 ? (samples - sessionStartSamples) / sessionSeconds : 0,
        elapsed_seconds: seconds,
        memory: memoryStats(),
      };
      if (metricsPath && (step % config.log_every_steps === 0 || step === totalSteps)) {
        await appendFile(metricsPath, `${JSON.stringify(record)}\n`);
      }
      emit({ type: "step", step, totalSteps, record });

      if (evalEvery !== null && step % evalEvery === 0 && step < totalSteps) await runEval();
      if (ckptEvery !== null && step % ckptEvery === 0 && step < totalSteps) await saveCheckpoint();
    }

    if (status === "completed") {
      message = `completed ${step} steps`;
      await runEval();
    }
    if (status !== "diverged" && (lastCheckpoint?.step ?? -1) !== step) await saveCheckpoint();
    if (status === "completed" && runDir && ema) {
      // The weights users evaluate and ship: the EMA copy under the official names.
      await ema.withEmaWeights(async () => {
        const state = model.stateDict();
        const owned = new Set<tf.Tensor>(targets.values());
        try {
          await saveSafetensors(join(runDir, "checkpoints", "final.safetensors"), state, { format: "pt", config: JSON.stringify(model.config) });
        } catch (e) {
          emit({ type: "checkpoint-failed", step, error: errorText(e), previous: lastCheckpoint?.jsonPath ?? null });
        } finally {
          for (const t of state.values()) if (!owned.has(t)) t.dispose();
        }
      });
    }
    emit({ type: "stop", status, step, message });
    return {
      status,
      step,
      samples,
      elapsedSeconds: elapsed(),
      message,
      checkpoint: lastCheckpoint?.jsonPath ?? null,
      lastEval,
    };
  } finally {
    disposeAll();
  }
}

/** On resume, drops metric lines written after the checkpoint (they will be written again). */
async function truncateMetrics(path: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return;
  }
  const kept = text
    .split("\n")
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        return ((JSON.parse(line) as { step?: number }).step ?? 0) <= step;
      } catch {
        return false;
      }
    })
    .map((l) => `${l}\n`)
    .join("");
  await writeFileAtomic(path, kept);
}
