import * as tf from "@tensorflow/tfjs-core";
import { IGNORE_LABEL } from "@trm/data";
import { disposeCarry, type Batch, type RecursiveModel, type StepResult } from "@trm/core";

/** The model's state after one supervision step, as the page shows it. */
export interface StepView {
  /** 1-based supervision step. */
  readonly step: number;
  /** The argmax answer, [seqLen] token ids. */
  readonly tokens: Int32Array;
  readonly qHalt: number;
  readonly qContinue: number;
  /** The halting head's verdict by the model's own rule: TRM halts when q_halt > 0, HRM when q_halt > q_continue. */
  readonly halt: boolean;
  /** Whether the answer matches every label, when labels were given. */
  readonly correct: boolean | null;
}

function disposeResult(r: StepResult): void {
  r.outputs.logits.dispose();
  r.outputs.qHalt.dispose();
  r.outputs.qContinue.dispose();
  r.outputs.qContinueTarget?.dispose();
}

/**
 * Runs `model.haltMaxSteps` evaluation steps on one puzzle, as the evaluator does (no early stop), yielding the answer
 * and the halting verdict after each. `labels` (token ids, -100 = ignored) only serve to say whether an answer is right.
 */
export async function* solveSteps(
  model: RecursiveModel,
  inputs: Int32Array,
  puzzleIdentifier: number,
  labels: Int32Array | null,
): AsyncGenerator<StepView> {
  const batch: Batch = {
    size: 1,
    seqLen: inputs.length,
    inputs,
    // The step computes its losses against labels; without any, the inputs stand in and `correct` is not reported.
    labels: labels ?? inputs,
    puzzleIdentifiers: Int32Array.of(puzzleIdentifier),
  };
  let carry = model.initialCarry(batch);
  try {
    for (let step = 1; step <= model.haltMaxSteps; step++) {
      // Promise.resolve: the step may return its result or a promise of it.
      const result = await Promise.resolve(model.evalStep(carry, batch));
      disposeCarry(carry);
      carry = result.carry;
      try {
        const argmax = tf.argMax(result.outputs.logits, -1);
        const [tokens, qHalt, qContinue] = await Promise.all([argmax.data(), result.outputs.qHalt.data(), result.outputs.qContinue.data()]);
        argmax.dispose();
        const qh = qHalt[0] ?? NaN;
        const qc = qContinue[0] ?? NaN;
        let correct: boolean | null = null;
        if (labels !== null) {
          correct = true;
          for (let i = 0; i < labels.length; i++) if (labels[i] !== IGNORE_LABEL && labels[i] !== tokens[i]) correct = false;
        }
        yield {
          step,
          tokens: Int32Array.from(tokens),
          qHalt: qh,
          qContinue: qc,
          halt: model.noActContinue ? qh > 0 : qh > qc,
          correct,
        };
      } finally {
        disposeResult(result);
      }
    }
  } finally {
    disposeCarry(carry);
  }
}
