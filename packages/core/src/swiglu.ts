import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";

/**
 * SwiGLU inner width: round(expansion * d * 2/3) rounded up to a multiple of 256 (official `_find_multiple`).
 * 1536 for d = 512, expansion 4; 512 for the Sudoku token mixer (d = 97); 2560 for 900-token grids (d = 916).
 */
export function swigluInnerWidth(d: number, expansion: number): number {
  // Python's round(): halves go to the even neighbour, as in the official `_find_multiple(round(...), 256)`.
  const exact = (expansion * d * 2) / 3;
  const floor = Math.floor(exact);
  const inner = exact - floor === 0.5 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(exact);
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
 * down(silu(x . wGate) * (x . wUp)) as one op with its own gradient. Under tfjs's tape the element-wise chain would
 * keep five [M, inner] tensors for the backward pass and pile up six more gradients until it ends; here only the two
 * products g and u are kept, silu is recomputed in the backward, and the backward's temporaries are freed as it goes.
 * Every product is a flag-free 2-D matMul (the wasm fast path); transposes are explicit.
 */
const swigluFused = tf.customGrad((x, wGate, wUp, wDown, save) => {
  const fused = hasFusedKernel("TrmSwiGLU") && hasFusedKernel("TrmSwiGLUGrad");
  const inputs = { x: x as tf.Tensor, wGate: wGate as tf.Tensor, wUp: wUp as tf.Tensor, wDown: wDown as tf.Tensor };
  const [out, g, u] = (fused ? runFusedKernel("TrmSwiGLU", inputs) : tf.tidy((): tf.Tensor[] => {
    const gate = tf.matMul(x as tf.Tensor2D, wGate as tf.Tensor2D);
    const up = tf.matMul(x as tf.Tensor2D, wUp as tf.Tensor2D);
    const h = tf.mul<tf.Tensor2D>(tf.mul(gate, tf.sigmoid(gate)), up);
    return [tf.matMul(h, wDown as tf.Tensor2D), gate, up];
  })) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  (save as tf.GradSaveFunc)([x as tf.Tensor, wGate as tf.Tensor, wUp as tf.Tensor, wDown as tf.Tensor, g, u]);
  return {
    value: out,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, wg, wu, wd, gate, up] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        if (fused) return runFusedKernel("TrmSwiGLUGrad", { x: xs, wGate: wg, wUp: wu, wDown: wd, g: gate, u: up, dy: dy2 });
        const sig = tf.sigmoid(gate);
        const silu = tf.mul(gate, sig);
        const h = tf.mul<tf.Tensor2D>(silu, up);
        const dDown = tf.matMul(tf.transpose(h), dy2);
        const dh = tf.matMul(dy2, tf.transpose(wd));
        const dUpAct = tf.mul<tf.Tensor2D>(dh, silu);
        // d silu(g) / dg = sigmoid(g) * (1 + g * (1 - sigmoid(g)))
        const dGateAct = tf.mul<tf.Tensor2D>(tf.mul(dh, up), tf.mul(sig, tf.add(1, tf.mul(gate, tf.sub(1, sig)))));
        const dx = tf.add(tf.matMul(dGateAct, tf.transpose(wg)), tf.matMul(dUpAct, tf.transpose(wu)));
        const xt = tf.transpose(xs);
        return [dx, tf.matMul(xt, dGateAct), tf.matMul(xt, dUpAct), dDown];
      }),
  };
}) as (x: tf.Tensor2D, wGate: tf.Tensor2D, wUp: tf.Tensor2D, wDown: tf.Tensor2D) => tf.Tensor2D;

/**
 * down(silu(gate) * up) on 2-D x [M, d]. `gateUp` is the [d, 2 * inner] matrix (the transpose of PyTorch's
 * `gate_up_proj.weight`: gate first, then up) or its halves from {@link splitGateUp}; `down` is [inner, d].
 */
export function swiglu(x: tf.Tensor2D, gateUp: tf.Tensor2D | GateUpHalves, down: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = down.shape[0];
    let halves: GateUpHalves;
    if (gateUp instanceof tf.Tensor) {
      if (gateUp.shape[1] !== 2 * inner) {
        throw new Error(`swiglu: gate_up [${gateUp.shape.join(", ")}] must have 2 * ${inner} columns to match down [${down.shape.join(", ")}].`);
      }
      halves = splitGateUp(gateUp);
    } else {
      const [g, u] = gateUp;
      if (g.shape[1] !== inner || u.shape[1] !== inner) {
        throw new Error(`swiglu: gate [${g.shape.join(", ")}] and up [${u.shape.join(", ")}] must have ${inner} columns to match down [${down.shape.join(", ")}].`);
      }
      halves = gateUp;
    }
    if (x.rank !== 2 || x.shape[1] !== halves[0].shape[0]) {
      throw new Error(`swiglu: x [${x.shape.join(", ")}] must be 2-D with ${halves[0].shape[0]} columns to match gate_up.`);
    }
    return swigluFused(x, halves[0], halves[1], down);
  });
}
