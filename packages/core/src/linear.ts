import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";

/**
 * y = x · w (+ b) on the wasm fast path: a plain 2-D product with no transpose flags, forward and backward.
 *
 * `w` is [in, out] (already transposed from PyTorch's [out, in]: see {@link toInOut}). tfjs-backend-wasm sends only
 * the flag-free 2-D `matMul` to XNNPACK; the default gradient of `matMul` uses transpose flags and runs ~10x slower,
 * so the gradient here transposes explicitly: dx = dy · transpose(w), dw = transpose(x) · dy.
 */
const linearNoBias = tf.customGrad((x, w, save) => {
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([x2, w2]);
  return {
    value: tf.matMul(x2, w2),
    // tidy: tfjs does not free what a custom gradient creates until the whole backward pass ends, so without it the
    // transposed copies of x and w of every call would pile up on the heap for the rest of the backward pass.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        if (hasFusedKernel("TrmLinearGrad") && xs.dtype === "float32" && ws.dtype === "float32") return runFusedKernel("TrmLinearGrad", { x: xs, w: ws, dy: dy2 });
        return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2)];
      }),
  };
});

/** y = x · w + b with x [M, in], w [in, out], optional b [out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2) {
    throw new Error(`linear: expected 2-D x and w, got x [${x.shape.join(", ")}] and w [${w.shape.join(", ")}].`);
  }
  if (x.shape[1] !== w.shape[0]) {
    throw new Error(`linear: x [${x.shape.join(", ")}] does not match w [${w.shape.join(", ")}] (w is [in, out]).`);
  }
  const y = linearNoBias(x, w) as tf.Tensor2D;
  return bias ? tf.add(y, bias) : y;
}

/** PyTorch's [out, in] weight as the [in, out] matrix {@link linear} takes. Take it once per step and reuse it. */
export function toInOut(w: tf.Tensor): tf.Tensor2D {
  if (w.rank !== 2) throw new Error(`toInOut: expected a 2-D [out, in] weight, got [${w.shape.join(", ")}].`);
  return tf.transpose(w as tf.Tensor2D);
}
