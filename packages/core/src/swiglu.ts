import * as tf from "@tensorflow/tfjs";
import { linear } from "./linear.js";

/**
 * SwiGLU inner width: round(expansion * d * 2/3) rounded up to a multiple of 256 (official `_find_multiple`).
 * 1536 for d = 512, expansion 4; 512 for the Sudoku token mixer (d = 97); 2560 for 900-token grids (d = 916).
 */
export function swigluInnerWidth(d: number, expansion: number): number {
  const inner = Math.round((expansion * d * 2) / 3);
  return Math.ceil(inner / 256) * 256;
}

/**
 * down(silu(gate) * up) on 2-D x [M, d]. `gateUp` is the [d, 2 * inner] matrix (the transpose of PyTorch's
 * `gate_up_proj.weight`: gate first, then up); `down` is [inner, d]. Both through the fast {@link linear}.
 */
export function swiglu(x: tf.Tensor2D, gateUp: tf.Tensor2D, down: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = down.shape[0];
    if (gateUp.shape[1] !== 2 * inner) {
      throw new Error(`swiglu: gate_up [${gateUp.shape.join(", ")}] must have 2 * ${inner} columns to match down [${down.shape.join(", ")}].`);
    }
    const gu = linear(x, gateUp);
    const [gate, up] = tf.split(gu, 2, 1);
    const h = tf.mul<tf.Tensor2D>(tf.mul(gate!, tf.sigmoid(gate!)), up!);
    return linear(h, down);
  });
}
