import * as tf from "@tensorflow/tfjs-core";
import { bceWithLogits } from "./bce.js";
import type { Rng } from "@trm/data";
import { noGrad } from "./no-grad.js";
import type { Batch, Carry, LossTerms } from "./recursive-model.js";
import { IGNORE_LABEL } from "@trm/data";
import { stablemaxCrossEntropy } from "./stablemax.js";

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
    const mask = tf.broadcastTo(tf.cast(tf.tensor3d(Float32Array.from(carry.halted), [b, 1, 1]), "bool"), shape);
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
  readonly rng: Pick<Rng, "next"> | null;
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
      if (input.rng.next() < input.explorationProb) {
        const minSteps = 2 + Math.floor(input.rng.next() * (nSup - 1));
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

/** Loss terms as scalars (summed over rows), plus the accuracy the q_halt target needed, all on the device. */
export interface ActLoss {
  readonly lm: tf.Scalar;
  readonly qHalt: tf.Scalar;
  readonly qContinue: tf.Scalar;
  /** lm + 0.5 * (qHalt + qContinue) */
  readonly total: tf.Scalar;
  /** [B] labels the argmax got right per row (float). A constant of the loss. */
  readonly correctCounts: tf.Tensor1D;
  /** [B] 1 where every non-ignored label of the row is right by argmax (float). A constant of the loss. */
  readonly exactCorrect: tf.Tensor1D;
  /** Non-ignored labels per row (known from the labels alone). */
  readonly labelCounts: Int32Array;
}

/**
 * The official ACT loss head: stablemax CE averaged over each row's non-ignored labels and summed over rows, plus
 * 0.5 * BCE(q_halt, "every label of the row is right by argmax") and, when given a target, 0.5 * BCE(q_continue,
 * target). The argmax scoring runs on the device, off the gradient tape (the correctness target is a constant); nothing
 * is read back to the host here (see {@link readStep}).
 */
export function actLossTerms(input: ActLossInput): ActLoss {
  const { batch: b, seqLen: l, labels } = input;
  const vocab = input.logits.shape[input.logits.rank - 1] ?? 0;
  if (labels.length !== b * l) throw new Error(`actLossTerms: ${labels.length} labels for ${b} rows of ${l}.`);
  if (input.logits.size !== b * l * vocab) throw new Error(`actLossTerms: logits [${input.logits.shape.join(", ")}] do not hold ${b} x ${l} rows.`);
  const labelCounts = new Int32Array(b);
  for (let i = 0; i < b * l; i++) if (labels[i] !== IGNORE_LABEL) labelCounts[Math.floor(i / l)]! += 1;
  // An ignored label (-100) never equals an argmax, so it never counts as right.
  const correctCounts = noGrad(() =>
    tf.sum<tf.Tensor1D>(tf.cast(tf.equal(tf.argMax(tf.reshape(input.logits, [b, l, vocab]), -1), tf.tensor2d(labels, [b, l], "int32")), "float32"), 1),
  );
  const [exactCorrect, lm, qHalt, qContinue, total] = tf.tidy(() => {
    const counts = tf.tensor1d(labelCounts, "float32");
    const exactCorrect = tf.cast<tf.Tensor1D>(tf.equal(correctCounts, counts), "float32");
    const perToken = tf.reshape(stablemaxCrossEntropy(tf.reshape(input.logits, [b * l, vocab]), labels), [b, l]);
    const lm = tf.sum<tf.Scalar>(tf.div(tf.sum(perToken, 1), tf.maximum(counts, 1)));
    const qHalt = tf.sum<tf.Scalar>(bceWithLogits(input.qHalt, exactCorrect));
    const qContinue: tf.Scalar = input.qContinueTarget ? tf.sum<tf.Scalar>(bceWithLogits(input.qContinue, input.qContinueTarget)) : tf.scalar(0);
    const total = tf.add<tf.Scalar>(lm, tf.mul(tf.add(qHalt, qContinue), 0.5));
    return [exactCorrect, lm, qHalt, qContinue, total] as const;
  });
  return { lm, qHalt, qContinue, total, correctCounts, exactCorrect, labelCounts };
}

/** The host values a supervision step needs, fetched by {@link readStep} in one transfer. */
export interface StepReadout {
  readonly losses: LossTerms;
  readonly qHalt: Float32Array;
  readonly qContinue: Float32Array;
  readonly exactCorrect: Uint8Array;
  readonly correctCounts: Int32Array;
}

/**
 * The one awaited device read of a supervision step: the loss scalars, q_halt, q_continue and the accuracy counts,
 * packed into one tensor. Frees the loss scalars and counts of `loss`; leaves `qHalt` / `qContinue` to the caller.
 */
export async function readStep(loss: ActLoss, qHalt: tf.Tensor1D, qContinue: tf.Tensor1D): Promise<StepReadout> {
  const b = loss.labelCounts.length;
  const packed = tf.tidy(() => tf.concat([tf.stack([loss.lm, loss.qHalt, loss.qContinue, loss.total]), qHalt, qContinue, loss.correctCounts, loss.exactCorrect]));
  tf.dispose([loss.lm, loss.qHalt, loss.qContinue, loss.total, loss.correctCounts, loss.exactCorrect]);
  const v = (await packed.data()) as Float32Array;
  packed.dispose();
  const at = (i: number) => v[i] ?? NaN;
  return {
    losses: { lm: at(0), qHalt: at(1), qContinue: at(2), total: at(3) },
    qHalt: v.slice(4, 4 + b),
    qContinue: v.slice(4 + b, 4 + 2 * b),
    correctCounts: Int32Array.from(v.subarray(4 + 2 * b, 4 + 3 * b)),
    exactCorrect: Uint8Array.from(v.subarray(4 + 3 * b, 4 + 4 * b)),
  };
}
