import type { RecursiveModel } from "@trm/core";
import { disposeAccumulated, type AccumulatedStep } from "./accumulate.js";
import type { TrainConfig } from "./config.js";
import { Ema } from "./ema.js";
import { AdamATan2 } from "./optim/adam-atan2.js";
import { AdamW } from "./optim/adamw.js";
import type { ParamOptimizer } from "./optim/optimizer.js";
import { SparseSignSgd } from "./optim/sign-sgd.js";
import { learningRate } from "./schedule.js";

/** What updates the weights: the parameter optimiser, SignSGD on the puzzle table, and the EMA copy. */
export interface Optimizers {
  readonly optimizer: ParamOptimizer;
  readonly puzzleEmb: SparseSignSgd | null;
  readonly ema: Ema | null;
}

/** AdamATan2 (or AdamW) on the parameters, SignSGD on the puzzle table, EMA when the config asks for it. */
export function createOptimizers(config: TrainConfig, model: RecursiveModel): Optimizers {
  const common = { betas: [config.beta1, config.beta2] as const, weightDecay: config.weight_decay };
  return {
    optimizer: config.optimizer === "adamw" ? new AdamW(model.params, common) : new AdamATan2(model.params, common),
    puzzleEmb: model.puzzleEmb ? new SparseSignSgd(model.puzzleEmb, { weightDecay: config.puzzle_emb_weight_decay }) : null,
    ema: config.ema ? new Ema(model.params, config.ema_rate) : null,
  };
}

export function disposeOptimizers(o: Optimizers): void {
  o.optimizer.dispose();
  o.ema?.dispose();
}

export interface StepRates {
  readonly lr: number;
  readonly puzzle_emb_lr: number;
}

/** Learning rates of optimiser step `step` (1-based): one warm-up + cosine schedule for both optimisers. */
export function stepRates(config: TrainConfig, step: number, totalSteps: number): StepRates {
  const schedule = { warmupSteps: config.lr_warmup_steps, totalSteps, minRatio: config.lr_min_ratio };
  return { lr: learningRate(step, { ...schedule, lr: config.lr }), puzzle_emb_lr: learningRate(step, { ...schedule, lr: config.puzzle_emb_lr }) };
}

/** One optimiser step with the accumulated gradients, then the EMA update. Frees the gradients. */
export function applyStep(o: Optimizers, step: AccumulatedStep, rates: StepRates): void {
  try {
    o.optimizer.step(step.grads, rates.lr);
    if (o.puzzleEmb && step.puzzleEmb) o.puzzleEmb.step(step.puzzleEmb.ids, step.puzzleEmb.grad, rates.puzzle_emb_lr);
  } finally {
    disposeAccumulated(step);
  }
  o.ema?.update();
}
