import type { TrainStepMetrics } from "./train-metrics.js";

export type FitStatus = "completed" | "budget" | "aborted" | "diverged";

export interface FitBudget {
  /** Stop after this many optimiser steps in total (counting steps before a resume). */
  readonly maxSteps?: number;
  /** Stop after this many seconds of training in this process. */
  readonly maxSeconds?: number;
  /** Stop after this many training rows in total. */
  readonly maxSamples?: number;
}

/** Why a run ends, in words for the user. */
export interface StopReason {
  readonly status: FitStatus;
  readonly message: string;
}

export interface RunPosition {
  readonly step: number;
  readonly totalSteps: number;
  readonly samples: number;
  /** Seconds trained in this process (the time budget counts these). */
  readonly sessionSeconds: number;
}

/** The reason to stop before the next step, or null to go on: the schedule's end, a request to stop, a budget. */
export function stopBeforeStep(at: RunPosition, budget: FitBudget, signal: AbortSignal | undefined): StopReason | null {
  if (at.step >= at.totalSteps) return { status: "completed", message: `completed ${at.step} steps` };
  if (signal?.aborted) return { status: "aborted", message: `stopped by request at step ${at.step}` };
  if (budget.maxSteps !== undefined && at.step >= budget.maxSteps) {
    return { status: "budget", message: `reached the step budget (${budget.maxSteps})` };
  }
  if (budget.maxSamples !== undefined && at.samples >= budget.maxSamples) {
    return { status: "budget", message: `reached the sample budget (${budget.maxSamples})` };
  }
  if (budget.maxSeconds !== undefined && at.sessionSeconds >= budget.maxSeconds) {
    return { status: "budget", message: `reached the time budget (${budget.maxSeconds} s)` };
  }
  return null;
}

/** A step whose loss is not finite: it is not applied, and the run stops pointing at the last good checkpoint. */
export function divergence(step: number, totalLoss: number, m: TrainStepMetrics, lastCheckpoint: { readonly jsonPath: string; readonly step: number } | null): StopReason {
  const where = lastCheckpoint ? `Last good checkpoint: ${lastCheckpoint.jsonPath} (step ${lastCheckpoint.step}).` : "No checkpoint was written yet.";
  return {
    status: "diverged",
    message:
      `loss is ${totalLoss} at step ${step} (lm_loss ${m.lm_loss}, q_halt_loss ${m.q_halt_loss}, q_continue_loss ${m.q_continue_loss}); ` +
      `stopped without applying it. ${where} Try a lower lr or a longer warm-up.`,
  };
}
