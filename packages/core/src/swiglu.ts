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

/** The gate and up halves of a [d, 2 * inner] `gate_up` matrix, [d, inner] each. */
export type GateUpHalves = readonly [tf.Tensor2D, tf.Tensor2D];

/**
 * Splits a transposed `gate_up_proj.weight` [d, 2 * inner] into its gate and up halves. Done once per step, it spares
 * every SwiGLU call a split of its [M, 2 * inner] activations (and the concatenation in its gradient).
 */
export function splitGateUp(gateUp: tf.Tensor2D): GateUpHalves {
  const [gate, up] = tf.split(gateUp, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return [gate, up];
}

/**
 * down(silu(gate) * up) on 2-D x [M, d]. `gateUp` is the [d, 2 * inner] matrix (the transpose of PyTorch's
 * `gate_up_proj.weight`: gate first, then up) or its halves from {@link splitGateUp}; `down` is [inner, d]. All
 * products through the fast {@link linear}.
 */
export function swiglu(x: tf.Tensor2D, gateUp: tf.Tensor2D | GateUpHalves, down: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = down.shape[0];
    let gate: tf.Tensor2D;
    let up: tf.Tensor2D;
    if (Array.isArray(gateUp)) {
      const [g, u] = gateUp as GateUpHalves;
      if (g.shape[1] !== inner || u.shape[1] !== inner) {
        throw new Error(`swiglu: gate [${g.shape.join(", ")}] and up [${u.shape.join(", ")}] must have ${inner} columns to match down [${down.shape.join(", ")}].`);
      }
      gate = linear(x, g);
      up = linear(x, u);
    } else {
      const gu = gateUp as tf.Tensor2D;
      if (gu.shape[1] !== 2 * inner) {
        throw new Error(`swiglu: gate_up [${gu.shape.join(", ")}] must have 2 * ${inner} columns to match down [${down.shape.join(", ")}].`);
      }
      [gate, up] = tf.split(linear(x, gu), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    }
    const h = tf.mul<tf.Tensor2D>(tf.mul(gate, tf.sigmoid(gate)), up);
    return linear(h, down);
  });
}
