import * as tf from "@tensorflow/tfjs";
import { rmsNorm } from "./rms-norm.js";
import { swiglu, type GateUpHalves } from "./swiglu.js";

/**
 * The `mlp_t` mixer of TRM-MLP with its residual and post-norm: h [B * S, D] is turned to [B * D, S], a SwiGLU mixes
 * along the sequence axis, and RMSNorm(hᵀ + SwiGLU(hᵀ)) is taken while still transposed, i.e. over the S positions
 * (official code; confirmed by the golden reference). `gateUp` [S, 2I] and `down` [I, S] are the transposed
 * `mlp_t.*_proj.weight`s (`gateUp` possibly pre-split). Both products are flag-free 2-D {@link linear}s; the layout changes are explicit transposes.
 */
export function tokenMix(h: tf.Tensor2D, gateUp: tf.Tensor2D | GateUpHalves, down: tf.Tensor2D, batch: number, seq: number, eps = 1e-5): tf.Tensor2D {
  return tf.tidy(() => {
    const d = h.shape[1];
    const ht = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(h, [batch, seq, d]), [0, 2, 1]), [batch * d, seq]);
    const mixed = rmsNorm(tf.add(ht, swiglu(ht, gateUp, down)), eps);
    return tf.reshape(tf.transpose(tf.reshape(mixed, [batch, d, seq]), [0, 2, 1]), [batch * seq, d]);
  });
}
