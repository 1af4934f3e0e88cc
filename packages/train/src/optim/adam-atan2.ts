import * as tf from "@tensorflow/tfjs-core";
import { AdamMoments, type AdamHyperParams } from "./adam-moments.js";

/**
 * AdamATan2 as the official runs use it (the adam-atan2 CUDA kernel, a = b = 1, no epsilon):
 *   p <- p * (1 - lr * wd);  p <- p - (lr / bc1) * atan2(m, sqrt(v) / sqrt(bc2)).
 * atan2 replaces m / (sqrt(v) + eps): bounded, scale invariant, and no epsilon to tune. Official betas: (0.9, 0.95).
 */
export class AdamATan2 extends AdamMoments {
  readonly name = "adam_atan2";

  constructor(params: ReadonlyMap<string, tf.Variable>, options: AdamHyperParams = {}) {
    super(params, options);
  }

  protected readonly fusedKind = { kind: "atan2", eps: 0 } as const;

  protected direction(m: tf.Tensor, v: tf.Tensor, bc2Sqrt: number): tf.Tensor {
    return tf.atan2(m, tf.div(tf.sqrt(v), bc2Sqrt));
  }
}
