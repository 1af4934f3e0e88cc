import * as tf from "@tensorflow/tfjs-core";
import { AdamMoments, type AdamHyperParams } from "./adam-moments.js";

export interface AdamWOptions extends AdamHyperParams {
  /** Added to sqrt(v_hat) (PyTorch default 1e-8). */
  readonly eps?: number;
}

/**
 * AdamW (Loshchilov & Hutter) with decoupled weight decay, as torch.optim.AdamW computes it:
 *   p <- p * (1 - lr * wd);  p <- p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps).
 */
export class AdamW extends AdamMoments {
  readonly name = "adamw";
  private readonly eps: number;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: AdamWOptions = {}) {
    super(params, options);
    this.eps = options.eps ?? 1e-8;
  }

  protected get fusedKind(): { readonly kind: "adamw"; readonly eps: number } {
    return { kind: "adamw", eps: this.eps };
  }

  protected direction(m: tf.Tensor, v: tf.Tensor, bc2Sqrt: number): tf.Tensor {
    return tf.div(m, tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps));
  }
}
