import type * as tf from "@tensorflow/tfjs-core";
import type { Batch, Rng } from "@trm/data";

/** The batch a model steps on is `@trm/data`'s (one definition); core re-exports the type for model authors. */
export type { Batch };

/**
 * The state carried across supervision steps. Tensors are detached (no gradient crosses steps) and owned by whoever
 * holds the carry: call {@link disposeCarry} on a carry once it has been replaced.
 */
export interface Carry {
  /** y, the answer state (z_H in the official code): [B, prefix + L, hidden]. */
  readonly zH: tf.Tensor3D;
  /** z, the latent reasoning state (z_L in the official code): [B, prefix + L, hidden]. */
  readonly zL: tf.Tensor3D;
  /** Supervision steps taken by each slot since it was last reset. */
  readonly steps: Int32Array;
  /** 1 where the slot halted at the last step and will be reset and refilled at the next one. */
  readonly halted: Uint8Array;
  /** The data each slot currently works on. */
  readonly current: Batch;
}

/** Head outputs of one supervision step. */
export interface StepOutputs {
  /** [B, L, vocab], prefix dropped. */
  readonly logits: tf.Tensor3D;
  /** [B] halting logit. */
  readonly qHalt: tf.Tensor1D;
  /** [B] continue logit. */
  readonly qContinue: tf.Tensor1D;
  /** [B] Q-learning target for q_continue (HRM, or TRM with the continue loss on); absent otherwise. */
  readonly qContinueTarget?: tf.Tensor1D;
}

/** Loss terms summed over the batch rows (not divided), as in the official ACT loss head. */
export interface LossTerms {
  /** Stablemax cross-entropy, per-sequence mean over non-ignored labels, summed over rows. */
  readonly lm: number;
  /** BCE-with-logits of q_halt against "the whole answer is right", summed over rows. */
  readonly qHalt: number;
  /** BCE-with-logits of q_continue against its target, summed over rows; 0 when that loss is off. */
  readonly qContinue: number;
  /** lm + 0.5 * (qHalt + qContinue). */
  readonly total: number;
}

/** What one supervision step returns. The caller owns every tensor in it. */
export interface StepResult {
  /** The carry after this step (steps incremented, halted decided). */
  readonly carry: Carry;
  readonly outputs: StepOutputs;
  readonly losses: LossTerms;
  /** 1 where the argmax answer matches every non-ignored label of `carry.current`. */
  readonly exactCorrect: Uint8Array;
  /** Non-ignored labels per row and how many of them the argmax got right (for token accuracy). */
  readonly labelCounts: Int32Array;
  readonly correctCounts: Int32Array;
}

/** Gradient of the rows of the puzzle-embedding table that a batch used. */
export interface PuzzleEmbeddingGrad {
  /** [B] puzzle id of each row. */
  readonly ids: Int32Array;
  /** [B, puzzle_emb_ndim] gradient per row (rows sharing an id are summed by the optimiser). */
  readonly grad: tf.Tensor2D;
}

export interface TrainStepResult extends StepResult {
  /** Gradient of `losses.total / lossDivisor` for every trainable parameter, keyed by official name. */
  readonly grads: Map<string, tf.Tensor>;
  /** Gradient for the puzzle-embedding rows the batch used; null when the model has no puzzle table. */
  readonly puzzleEmbGrad: PuzzleEmbeddingGrad | null;
}

export interface TrainStepOptions {
  /** Random source for halting exploration (`@trm/data`'s seeded `Rng`); seeded by the caller so runs replay exactly. */
  readonly rng: Pick<Rng, "next">;
  /** Gradients are of total / lossDivisor: the global batch size (official), also across accumulated micro-batches. */
  readonly lossDivisor: number;
}

/**
 * What the training loop and the evaluator know of a model. TRM implements it in `@trm/core`, HRM in
 * `@trm/hrm-baseline`; `@trm/train` and `@trm/eval` never branch on which one they hold.
 */
export interface RecursiveModel {
  /** "trm" or "hrm". */
  readonly kind: string;
  /** The architecture in the official field names (`hidden_size`, `H_cycles`, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Trainable parameters by official state_dict name without the wrapper prefix, PyTorch [out, in] layout. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** `inner.puzzle_emb.weights` [num_puzzle_identifiers, puzzle_emb_ndim]: trained by its own optimiser; null if absent. */
  readonly puzzleEmb: tf.Variable | null;
  /** Fixed, non-learned buffers (`inner.H_init`, `inner.L_init`): variables only so a checkpoint can load them. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** Halting cap N_sup (`halt_max_steps`). */
  readonly haltMaxSteps: number;
  /**
   * The halting rule, as the official `no_ACT_continue`: true halts when q_halt > 0 (TRM's default), false when
   * q_halt > q_continue (HRM). Evaluators use it to say at which step a model would have halted.
   */
  readonly noActContinue: boolean;
  /** The carry before the first step: every slot halted, so the first step loads `batch` into all of them. */
  initialCarry(batch: Batch): Carry;
  /**
   * One training supervision step with ACT: halted slots are reset and take their row of `batch`, the others keep
   * their data; forward (T-1 no-grad cycles, then one with gradient), loss, gradients, halting decision. The device
   * work is queued synchronously; the promise waits for the step's one read back to the host (losses, q values and
   * accuracy counts), which the halting decision needs.
   */
  trainStep(carry: Carry, batch: Batch, options: TrainStepOptions): Promise<TrainStepResult>;
  /** One evaluation supervision step: no gradient, no exploration, halting only at `haltMaxSteps`; one host read. */
  evalStep(carry: Carry, batch: Batch): Promise<StepResult>;
  /** Every tensor of the model under its official name: params, buffers and the puzzle table. */
  stateDict(): Map<string, tf.Tensor>;
  /** Frees the model's variables and buffers. */
  dispose(): void;
}

/** Frees the tensors a carry owns. */
export function disposeCarry(carry: Carry): void {
  carry.zH.dispose();
  carry.zL.dispose();
}
