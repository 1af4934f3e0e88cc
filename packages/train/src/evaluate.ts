import * as tf from "@tensorflow/tfjs";
import { disposeCarry, type Batch, type RecursiveModel } from "@trm/core";

/** A test batch; rows from `realSize` on are padding (the official loader pads the last batch). */
export type EvalBatch = Batch & { readonly realSize?: number };

export interface EvalSummary {
  /** Real rows scored (padding and rows without labels excluded). */
  readonly rows: number;
  /** Token / exact accuracy after the last supervision step. */
  readonly accuracy: number;
  readonly exact_accuracy: number;
  /** Accuracy after each supervision step 1..steps. */
  readonly per_step: readonly { readonly step: number; readonly accuracy: number; readonly exact_accuracy: number }[];
  /**
   * Mean step at which q_halt first turned positive (the step ACT would stop at; the last step when it never does).
   * Evaluation itself never stops early, as in the official code.
   */
  readonly mean_halt_step: number;
  /** Share of rows whose q_halt after the last step agrees with exactness. */
  readonly q_halt_accuracy: number;
}

export interface EvaluateOptions {
  /** Supervision steps per batch (default `model.haltMaxSteps`). */
  readonly steps?: number;
  /** Called with the argmax answers after the last step: for writing predictions. */
  readonly onPredictions?: (batch: EvalBatch, predictions: Int32Array, exact: Uint8Array, realSize: number) => void;
  /** Stops early (between batches) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The official evaluation: for each batch, carry = initialCarry(batch), then `steps` x evalStep with no early halting.
 * Accuracy is collected after every step. All tensors the model returns are freed here.
 */
export async function evaluate(model: RecursiveModel, batches: Iterable<EvalBatch> | AsyncIterable<EvalBatch>, options: EvaluateOptions = {}): Promise<EvalSummary> {
  const steps = options.steps ?? model.haltMaxSteps;
  // Past halt_max_steps every slot has halted and the next step would restart it from the batch.
  if (!Number.isInteger(steps) || steps < 1 || steps > model.haltMaxSteps) {
    throw new Error(`evaluate: steps must be an integer in 1..${model.haltMaxSteps} (halt_max_steps), got ${steps}.`);
  }
  const acc = new Float64Array(steps);
  const exact = new Float64Array(steps);
  let rows = 0;
  let haltSum = 0;
  let qAgree = 0;
  for await (const batch of batches) {
    if (options.signal?.aborted) break;
    const valid = Math.min(batch.realSize ?? batch.size, batch.size);
    let carry = model.initialCarry(batch);
    const firstHalt = new Int32Array(batch.size).fill(steps);
    let labelCounts: Int32Array | null = null;
    try {
      for (let s = 1; s <= steps; s++) {
        const r = await model.evalStep(carry, batch);
        if (r.carry.zH !== carry.zH) disposeCarry(carry);
        carry = r.carry;
        const q = await r.outputs.qHalt.data();
        // The model's own halting rule: q_halt > 0 (TRM), or q_halt > q_continue (HRM).
        const qc = model.noActContinue ? null : await r.outputs.qContinue.data();
        let preds: Int32Array | null = null;
        if (s === steps && options.onPredictions) {
          const am = tf.tidy(() => r.outputs.logits.argMax(-1));
          preds = (await am.data()) as Int32Array;
          am.dispose();
        }
        r.outputs.logits.dispose();
        r.outputs.qHalt.dispose();
        r.outputs.qContinue.dispose();
        r.outputs.qContinueTarget?.dispose();
        labelCounts = r.labelCounts;
        for (let b = 0; b < valid; b++) {
          const n = r.labelCounts[b] ?? 0;
          if (n === 0) continue;
          acc[s - 1] = (acc[s - 1] ?? 0) + (r.correctCounts[b] ?? 0) / n;
          exact[s - 1] = (exact[s - 1] ?? 0) + (r.exactCorrect[b] ?? 0);
          const haltScore = (q[b] ?? 0) - (qc?.[b] ?? 0);
          if (haltScore > 0 && (firstHalt[b] ?? steps) === steps && s < steps) firstHalt[b] = s;
          if (s === steps) qAgree += ((q[b] ?? 0) >= 0 ? 1 : 0) === (r.exactCorrect[b] ?? 0) ? 1 : 0;
        }
        if (preds) options.onPredictions?.(batch, preds, r.exactCorrect, valid);
      }
    } finally {
      disposeCarry(carry);
    }
    for (let b = 0; b < valid; b++) {
      if ((labelCounts?.[b] ?? 0) === 0) continue;
      rows += 1;
      haltSum += firstHalt[b] ?? steps;
    }
  }
  const per = (x: number) => (rows > 0 ? x / rows : 0);
  const perStep = Array.from({ length: steps }, (_, i) => ({ step: i + 1, accuracy: per(acc[i] ?? 0), exact_accuracy: per(exact[i] ?? 0) }));
  const last = perStep[steps - 1] ?? { accuracy: 0, exact_accuracy: 0 };
  return {
    rows,
    accuracy: last.accuracy,
    exact_accuracy: last.exact_accuracy,
    per_step: perStep,
    mean_halt_step: per(haltSum),
    q_halt_accuracy: per(qAgree),
  };
}
