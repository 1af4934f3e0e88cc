import * as tf from "@tensorflow/tfjs-core";
import { disposeCarry } from "@trm/core";
import type { RecursiveModel, StepResult } from "@trm/core";
import type { EvalBatch } from "@trm/data";
import { exactAccuracy, haltingStats, tokenAccuracy } from "./metrics.js";
import type { HaltingStats } from "./metrics.js";

/** Supervision steps whose answers the report draws: the refinement pictures. */
export const DEFAULT_SNAPSHOT_STEPS: readonly number[] = [1, 2, 4, 8, 16];

export interface EvaluateOptions {
  /** Supervision steps per batch; default and maximum `model.haltMaxSteps` (eval never halts early). */
  readonly steps?: number;
  /** Steps at which to keep the argmax answers; default 1, 2, 4, 8, 16 (those within `steps`) plus the last step. */
  readonly snapshotSteps?: readonly number[];
  /** Keep answers for at most this many rows (in batch order); default all. ARC voting needs all of them. */
  readonly snapshotRows?: number;
  /** Called after each batch with rows done so far. */
  readonly onBatch?: (rowsDone: number) => void;
  /** Stops between batches when aborted; the result covers the batches done. */
  readonly signal?: AbortSignal;
}

/** Argmax answers of the kept rows at one supervision step. */
export interface StepSnapshot {
  readonly step: number;
  /** [rows * seqLen] token ids. */
  readonly tokens: Int32Array;
}

export interface CurvePoint {
  readonly step: number;
  readonly exactAccuracy: number;
  readonly tokenAccuracy: number;
}

export interface EvaluationResult {
  /** Real (non-padded) rows scored. */
  readonly rows: number;
  readonly steps: number;
  readonly seqLen: number;
  /** Token accuracy of the answer after the last step, as the official code reports it (see `tokenAccuracy`). */
  readonly tokenAccuracy: number;
  /** Exact accuracy of the answer after the last step (the number Sudoku and Maze report). */
  readonly exactAccuracy: number;
  /** Accuracy after each supervision step 1..steps: the refinement curve. */
  readonly curve: readonly CurvePoint[];
  readonly halting: HaltingStats;
  /** Inputs, labels and puzzle ids of the kept rows, [keptRows * seqLen] / [keptRows]. */
  readonly kept: {
    readonly rows: number;
    readonly inputs: Int32Array;
    readonly labels: Int32Array;
    readonly puzzleIdentifiers: Int32Array;
    /** q_halt after the last step, per kept row (ARC voting breaks ties with it). */
    readonly qHalt: Float32Array;
    readonly snapshots: readonly StepSnapshot[];
  };
}

function disposeOutputs(result: StepResult): void {
  result.outputs.logits.dispose();
  result.outputs.qHalt.dispose();
  result.outputs.qContinue.dispose();
  result.outputs.qContinueTarget?.dispose();
}

/** Rows of `batch` that are real: the leading `realSize`, and only rows that have at least one label. */
function realRows(batch: EvalBatch, labelCounts: Int32Array): Uint8Array {
  const valid = Math.min(batch.realSize ?? batch.size, batch.size);
  const mask = new Uint8Array(batch.size);
  for (let r = 0; r < valid; r++) mask[r] = (labelCounts[r] ?? 0) > 0 ? 1 : 0;
  return mask;
}

/**
 * Runs `initialCarry` then `steps` × `evalStep` on each batch, as the official evaluation does (no early halting), and
 * collects accuracy after every step, halting statistics, and the answers at chosen steps. Padded rows are ignored.
 * Every tensor the model hands back is disposed here, so `tf.memory().numTensors` is the same before and after.
 */
export async function evaluateModel(
  model: RecursiveModel,
  batches: Iterable<EvalBatch> | AsyncIterable<EvalBatch>,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const steps = options.steps ?? model.haltMaxSteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > model.haltMaxSteps) {
    throw new Error(`evaluateModel: steps must be an integer in 1..${model.haltMaxSteps} (halt_max_steps), got ${steps}`);
  }
  const snapshotSteps = [
    ...new Set([...(options.snapshotSteps ?? DEFAULT_SNAPSHOT_STEPS).filter((s) => s >= 1 && s <= steps), steps]),
  ].sort((a, b) => a - b);
  const rowLimit = options.snapshotRows ?? Number.POSITIVE_INFINITY;

  // Per step and real row: label counts and right labels (token accuracy), q_halt and exactness (halting stats).
  const correctPerStep: number[][] = Array.from({ length: steps }, () => []);
  const labelledPerStep: number[][] = Array.from({ length: steps }, () => []);
  const qPerStep: number[][] = Array.from({ length: steps }, () => []);
  // The model's own halting rule: q_halt > 0 (TRM), or q_halt > q_continue (HRM).
  const scorePerStep: number[][] = Array.from({ length: steps }, () => []);
  const exactPerStep: number[][] = Array.from({ length: steps }, () => []);
  const keptInputs: Int32Array[] = [];
  const keptLabels: Int32Array[] = [];
  const keptIds: Int32Array[] = [];
  const keptQ: number[] = [];
  const keptTokens = new Map<number, Int32Array[]>(snapshotSteps.map((s) => [s, []]));
  let keptRows = 0;
  let rows = 0;
  let seqLen = 0;

  for await (const batch of batches) {
    if (options.signal?.aborted) break;
    seqLen = batch.seqLen;
    const L = batch.seqLen;
    let carry = model.initialCarry(batch);
    let mask: Uint8Array | null = null;
    const keepIdx: number[] = [];
    try {
      for (let s = 1; s <= steps; s++) {
        const result = await model.evalStep(carry, batch);
        disposeCarry(carry);
        carry = result.carry;
        try {
          if (mask === null) {
            mask = realRows(batch, result.labelCounts);
            for (let r = 0; r < batch.size && keptRows + keepIdx.length < rowLimit; r++) if (mask[r]) keepIdx.push(r);
          }
          const q = await result.outputs.qHalt.data();
          const qc = model.noActContinue ? null : await result.outputs.qContinue.data();
          for (let r = 0; r < batch.size; r++) {
            if (!mask[r]) continue;
            correctPerStep[s - 1]?.push(result.correctCounts[r] ?? 0);
            labelledPerStep[s - 1]?.push(result.labelCounts[r] ?? 0);
            qPerStep[s - 1]?.push(q[r] ?? 0);
            scorePerStep[s - 1]?.push((q[r] ?? 0) - (qc?.[r] ?? 0));
            exactPerStep[s - 1]?.push(result.exactCorrect[r] ?? 0);
          }
          if (s === steps) for (const r of keepIdx) keptQ.push(q[r] ?? 0);
          const snaps = keptTokens.get(s);
          if (snaps !== undefined && keepIdx.length > 0) {
            const argmax = tf.tidy(() => tf.cast(tf.argMax(result.outputs.logits, -1), "int32"));
            const all = (await argmax.data()) as Int32Array;
            argmax.dispose();
            const take = new Int32Array(keepIdx.length * L);
            keepIdx.forEach((r, i) => take.set(all.subarray(r * L, (r + 1) * L), i * L));
            snaps.push(take);
          }
        } finally {
          disposeOutputs(result);
        }
      }
    } finally {
      disposeCarry(carry);
    }
    if (mask !== null) {
      for (let r = 0; r < batch.size; r++) rows += mask[r] ?? 0;
      const take = (src: Int32Array, width: number): Int32Array => {
        const out = new Int32Array(keepIdx.length * width);
        keepIdx.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
        return out;
      };
      keptInputs.push(take(batch.inputs, L));
      keptLabels.push(take(batch.labels, L));
      keptIds.push(take(batch.puzzleIdentifiers, 1));
      keptRows += keepIdx.length;
    }
    options.onBatch?.(rows);
  }

  const concat = (parts: Int32Array[]): Int32Array => {
    const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const curve: CurvePoint[] = [];
  for (let s = 0; s < steps; s++) {
    curve.push({
      step: s + 1,
      exactAccuracy: exactAccuracy(exactPerStep[s] ?? []),
      tokenAccuracy: tokenAccuracy(correctPerStep[s] ?? [], labelledPerStep[s] ?? []),
    });
  }
  const final = curve[steps - 1] ?? { exactAccuracy: 0, tokenAccuracy: 0 };
  return {
    rows,
    steps,
    seqLen,
    tokenAccuracy: final.tokenAccuracy,
    exactAccuracy: final.exactAccuracy,
    curve,
    halting: haltingStats(qPerStep, exactPerStep, scorePerStep),
    kept: {
      rows: keptRows,
      inputs: concat(keptInputs),
      labels: concat(keptLabels),
      puzzleIdentifiers: concat(keptIds),
      qHalt: Float32Array.from(keptQ),
      snapshots: snapshotSteps.map((step) => ({ step, tokens: concat(keptTokens.get(step) ?? []) })),
    },
  };
}

/**
 * The summary `trm-train` logs (one `split: "test"` line of `metrics.jsonl`, `trm-train eval --out`), under the
 * official metric names: `accuracy` is {@link EvaluationResult.tokenAccuracy}.
 */
export interface EvalSummary {
  /** Real rows scored (padding and rows without labels excluded). */
  readonly rows: number;
  readonly accuracy: number;
  readonly exact_accuracy: number;
  /** Accuracy after each supervision step 1..steps. */
  readonly per_step: readonly { readonly step: number; readonly accuracy: number; readonly exact_accuracy: number }[];
  /** Mean step at which the model's halting rule first fires (the last step when it never does). */
  readonly mean_halt_step: number;
  /** Share of rows whose q_halt after the last step agrees with exactness. */
  readonly q_halt_accuracy: number;
}

export function evalSummary(r: EvaluationResult): EvalSummary {
  return {
    rows: r.rows,
    accuracy: r.tokenAccuracy,
    exact_accuracy: r.exactAccuracy,
    per_step: r.curve.map((p) => ({ step: p.step, accuracy: p.tokenAccuracy, exact_accuracy: p.exactAccuracy })),
    mean_halt_step: r.halting.meanSteps,
    q_halt_accuracy: r.halting.qHaltAccuracy,
  };
}

/**
 * An evaluation callback for `@trm/train`'s `fit`: {@link evaluateModel} over a fresh stream of `batches()` each call,
 * keeping no answers, returned as an {@link EvalSummary}.
 */
export function summaryEvaluator(
  model: RecursiveModel,
  batches: () => Iterable<EvalBatch> | AsyncIterable<EvalBatch>,
  signal?: AbortSignal,
): () => Promise<EvalSummary> {
  return async () => evalSummary(await evaluateModel(model, batches(), { snapshotSteps: [], snapshotRows: 0, signal }));
}
