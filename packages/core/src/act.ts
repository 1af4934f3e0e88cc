import * as tf from "@tensorflow/tfjs";
import { bceWithLogits } from "./bce.js";
import type { Rng } from "./prng.js";
import type { Batch, Carry } from "./recursive-model.js";
import { IGNORE_LABEL, stablemaxCrossEntropy } from "./stablemax.js";

/** The state a supervision step starts from, after halted slots were reset and refilled. */
export interface StepStart {
  /** y (z_H): halted rows set to `H_init`, others carried. [B, S, D] */
  readonly zH: tf.Tensor3D;
  /** z (z_L): halted rows set to `L_init`, others carried. [B, S, D] */
  readonly zL: tf.Tensor3D;
  /** Steps so far, 0 for reset rows (not yet incremented). */
  readonly steps: Int32Array;
  /** Each slot's data: the new batch's row where the slot halted, the carried row elsewhere. */
  readonly current: Batch;
}

function checkBatch(batch: Batch, what: string): void {
  const n = batch.size * batch.seqLen;
  if (batch.inputs.length !== n || batch.labels.length !== n || batch.puzzleIdentifiers.length !== batch.size) {
    throw new Error(
      `${what}: batch of ${batch.size} rows x ${batch.seqLen} needs ${n} inputs, ${n} labels and ${batch.size} puzzle identifiers; ` +
        `got ${batch.inputs.length}, ${batch.labels.length}, ${batch.puzzleIdentifiers.length}.`,
    );
  }
}

/** Row-wise select: `fresh`'s row where `take` is 1, `kept`'s row elsewhere. */
export function selectRows(take: Uint8Array, fresh: Batch, kept: Batch): Batch {
  checkBatch(fresh, "selectRows (new batch)");
  checkBatch(kept, "selectRows (carried batch)");
  if (fresh.size !== kept.size || fresh.seqLen !== kept.seqLen) {
    throw new Error(`selectRows: new batch is ${fresh.size} x ${fresh.seqLen} but the carry holds ${kept.size} x ${kept.seqLen}.`);
  }
  const l = fresh.seqLen;
  const inputs = new Int32Array(kept.inputs);
  const labels = new Int32Array(kept.labels);
  const puzzleIdentifiers = new Int32Array(kept.puzzleIdentifiers);
  for (let r = 0; r < fresh.size; r++) {
    if (!take[r]) continue;
    inputs.set(fresh.inputs.subarray(r * l, (r + 1) * l), r * l);
    labels.set(fresh.labels.subarray(r * l, (r + 1) * l), r * l);
    puzzleIdentifiers[r] = fresh.puzzleIdentifiers[r] ?? 0;
  }
  return { size: fresh.size, seqLen: l, inputs, labels, puzzleIdentifiers };
}

/**
 * The start of an ACT supervision step (official ACT wrapper): slots whose carry says halted get y = H_init,
 * z = L_init (broadcast to every position), steps = 0 and the new batch's row; the others continue. The caller owns
 * the returned tensors; `carry` is left untouched.
 */
export function beginStep(carry: Carry, batch: Batch, hInit: tf.Tensor, lInit: tf.Tensor): StepStart {
  const b = carry.halted.length;
  if (batch.size !== b) throw new Error(`beginStep: batch has ${batch.size} rows but the carry has ${b} slots.`);
  const current = selectRows(carry.halted, batch, carry.current);
  const steps = new Int32Array(b);
  for (let r = 0; r < b; r++) steps[r] = carry.halted[r] ? 0 : (carry.steps[r] ?? 0);
  const [zH, zL] = tf.tidy(() => {
    const shape = carry.zH.shape;
    const mask = tf.broadcastTo(tf.tensor3d(Float32Array.from(carry.halted), [b, 1, 1]).cast("bool"), shape);
    const h = tf.where<tf.Tensor3D>(mask, tf.broadcastTo(tf.reshape(hInit, [1, 1, -1]), shape), carry.zH);
    const l = tf.where<tf.Tensor3D>(mask, tf.broadcastTo(tf.reshape(lInit, [1, 1, -1]), shape), carry.zL);
    return [h, l];
  });
  return { zH, zL, steps, current };
}

export interface HaltingInput {
  /** Steps after this one (already incremented). */
  readonly steps: Int32Array;
  readonly qHalt: Float32Array;
  readonly qContinue: Float32Array;
  /** N_sup (`halt_max_steps`). */
  readonly haltMaxSteps: number;
  /** Training halts early on the Q head and explores; evaluation halts only at N_sup. */
  readonly training: boolean;
  /** `halt_exploration_prob`. */
  readonly explorationProb: number;
  /** `no_ACT_continue` (official default true): halt when q_halt > 0; else when q_halt > q_continue. */
  readonly noActContinue: boolean;
  /** Uniform [0, 1) source for exploration (used only in training). */
  readonly rng: Rng | null;
}

/**
 * The official ACT halting decision: halt at N_sup; in training also when the Q head says so, except that with
 * probability `explorationProb` a row draws a minimum of U{2..N_sup} steps (drawn fresh at every step, per row) and
 * may not halt before it.
 */
export function decideHalting(input: HaltingInput): Uint8Array {
  const { steps, qHalt, qContinue, haltMaxSteps: nSup } = input;
  const halted = new Uint8Array(steps.length);
  for (let r = 0; r < steps.length; r++) {
    const s = steps[r] ?? 0;
    let h = s >= nSup;
    if (input.training && nSup > 1) {
      const qh = qHalt[r] ?? 0;
      h = h || (input.noActContinue ? qh > 0 : qh > (qContinue[r] ?? 0));
      if (!input.rng) throw new Error("decideHalting: training needs an rng for exploration.");
      if (input.rng() < input.explorationProb) {
        const minSteps = 2 + Math.floor(input.rng() * (nSup - 1));
        h = h && s >= minSteps;
      }
    }
    halted[r] = h ? 1 : 0;
  }
  return halted;
}

export interface ActLossInput {
  /** [B * L, vocab] or [B, L, vocab], prefix dropped. */
  readonly logits: tf.Tensor;
  /** [B * L] targets, -100 ignored. */
  readonly labels: Int32Array;
  readonly batch: number;
  readonly seqLen: number;
  /** [B] */
  readonly qHalt: tf.Tensor1D;
  /** [B] */
  readonly qContinue: tf.Tensor1D;
  /** [B] target for q_continue (constant); null when the continue loss is off. */
  readonly qContinueTarget: tf.Tensor1D | null;
}

/** Loss terms as scalars (summed over rows), plus the accuracy counts the loss needed anyway. */
export interface ActLoss {
  readonly lm: tf.Scalar;
  readonly qHalt: tf.Scalar;
  readonly qContinue: tf.Scalar;
  /** lm + 0.5 * (qHalt + qContinue) */
  readonly total: tf.Scalar;
  readonly exactCorrect: Uint8Array;
  readonly labelCounts: Int32Array;
  readonly correctCounts: Int32Array;
}

/**
 * The official ACT loss head: stablemax CE averaged over each row's non-ignored labels and summed over rows, plus
 * 0.5 * BCE(q_halt, "every label of the row is right by argmax") and, when given a target, 0.5 * BCE(q_continue,
 * target). Reads the logits once to score the argmax; the correctness target is a constant, not differentiated.
 */
export function actLossTerms(input: ActLossInput): ActLoss {
  const { batch: b, seqLen: l, labels } = input;
  const vocab = input.logits.shape[input.logits.rank - 1] ?? 0;
  if (labels.length !== b * l) throw new Error(`actLossTerms: ${labels.length} labels for ${b} rows of ${l}.`);
  if (input.logits.size !== b * l * vocab) throw new Error(`actLossTerms: logits [${input.logits.shape.join(", ")}] do not hold ${b} x ${l} rows.`);
  const values = input.logits.dataSync();
  const labelCounts = new Int32Array(b);
  const correctCounts = new Int32Array(b);
  const exactCorrect = new Uint8Array(b);
  for (let r = 0; r < b; r++) {
    for (let t = 0; t < l; t++) {
      const i = r * l + t;
      const label = labels[i] ?? IGNORE_LABEL;
      if (label === IGNORE_LABEL) continue;
      labelCounts[r]! += 1;
      let best = 0;
      let bestValue = values[i * vocab] ?? -Infinity;
      for (let v = 1; v < vocab; v++) {
        const x = values[i * vocab + v] ?? -Infinity;
        if (x > bestValue) {
          bestValue = x;
          best = v;
        }
      }
      if (best === label) correctCounts[r]! += 1;
    }
    exactCorrect[r] = correctCounts[r] === labelCounts[r] ? 1 : 0;
  }
  const [lm, qHalt, qContinue, total] = tf.tidy(() => {
    const perToken = tf.reshape(stablemaxCrossEntropy(tf.reshape(input.logits, [b * l, vocab]), labels), [b, l]);
    const divisor = tf.tensor1d(Float32Array.from(labelCounts, (c) => Math.max(c, 1)));
    const lm = tf.sum<tf.Scalar>(tf.div(tf.sum(perToken, 1), divisor));
    const qHalt = tf.sum<tf.Scalar>(bceWithLogits(input.qHalt, tf.tensor1d(Float32Array.from(exactCorrect))));
    const qContinue: tf.Scalar = input.qContinueTarget ? tf.sum<tf.Scalar>(bceWithLogits(input.qContinue, input.qContinueTarget)) : tf.scalar(0);
    const total = tf.add<tf.Scalar>(lm, tf.mul(tf.add(qHalt, qContinue), 0.5));
    return [lm, qHalt, qContinue, total];
  });
  return { lm, qHalt, qContinue, total, exactCorrect, labelCounts, correctCounts };
}
