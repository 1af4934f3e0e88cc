import type * as tf from "@tensorflow/tfjs-core";

/**
 * An optimiser over named parameters. Its state is keyed by parameter name (never by position), so a checkpoint
 * restores it exactly even when the parameter order changes.
 */
export interface ParamOptimizer {
  /** Short name used in checkpoints and logs (`adam_atan2`, `adamw`). */
  readonly name: string;
  /** Updates taken so far (the bias-correction step t). */
  readonly stepCount: number;
  /**
   * One update with learning rate `lr`. `grads` is keyed by parameter name; a parameter without a gradient is left
   * untouched (its moments do not decay), as in PyTorch.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  /**
   * Every state tensor as `<param name>.<slot>` (e.g. `inner.lm_head.weight.exp_avg`). The tensors are the live state:
   * read them, do not dispose them. The step count travels separately ({@link stepCount}).
   */
  stateDict(): Map<string, tf.Tensor>;
  /** Restores a state written by {@link stateDict}; throws naming the first missing or mis-shaped entry. */
  loadStateDict(state: ReadonlyMap<string, tf.Tensor>, stepCount: number): void;
  dispose(): void;
}

/** Checks a tensor loaded from a checkpoint against the variable it will be assigned to. */
export function checkShape(where: string, name: string, got: tf.Tensor | undefined, want: readonly number[]): tf.Tensor {
  if (got === undefined) throw new Error(`${where}: state entry "${name}" is missing from the checkpoint.`);
  const same = got.shape.length === want.length && got.shape.every((d, i) => d === want[i]);
  if (!same) {
    throw new Error(`${where}: state entry "${name}" has shape [${got.shape.join(", ")}], expected [${want.join(", ")}].`);
  }
  return got;
}
