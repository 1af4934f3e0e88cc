import type * as tf from "@tensorflow/tfjs-core";
import type { GateUpHalves } from "./swiglu.js";
import { swigluResidualNorm } from "./swiglu-block.js";

/**
 * The `mlp_t` mixer of TRM-MLP with its residual and post-norm: h [B * S, D] is turned to [B * D, S], a SwiGLU mixes
 * along the sequence axis, and RMSNorm(hᵀ + SwiGLU(hᵀ)) is taken while still transposed, i.e. over the S positions
 * (official code; confirmed by the golden reference). `gateUp` [S, 2I] and `down` [I, S] are the transposed
 * `mlp_t.*_proj.weight`s (`gateUp` possibly pre-split). One fused kernel each way when the native kernels run
 * ({@link swigluResidualNorm}).
 */
export function tokenMix(h: tf.Tensor2D, gateUp: tf.Tensor2D | GateUpHalves, down: tf.Tensor2D, batch: number, seq: number, eps = 1e-5): tf.Tensor2D {
  return swigluResidualNorm(h, gateUp, down, eps, { batch, seq });
}
