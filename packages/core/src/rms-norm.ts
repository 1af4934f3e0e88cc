import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";

/**
 * x / sqrt(mean(x^2) + eps) over the last axis as one op with its own gradient,
 *   dx = r * (dy - y * mean(dy * y)),  r = 1 / sqrt(mean(x^2) + eps),  y = x * r,
 * so the backward keeps only y and r and frees its temporaries as it goes (tfjs's tape would keep the square, the
 * mean and the broadcast gradients of every call until the whole backward pass ends).
 */
function makeRmsNorm(eps: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((x, save) => {
    let y: tf.Tensor;
    let r: tf.Tensor;
    if (hasFusedKernel("TrmRmsNorm") && (x as tf.Tensor).dtype === "float32") {
      [y, r] = runFusedKernel("TrmRmsNorm", { x: x as tf.Tensor }, { eps }) as [tf.Tensor, tf.Tensor];
    } else {
      r = tf.tidy(() => tf.rsqrt(tf.add(tf.mean(tf.square(x as tf.Tensor), -1, true), eps)));
      y = tf.mul(x as tf.Tensor, r);
    }
    (save as tf.GradSaveFunc)([y, r]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [ys, rs] = saved as [tf.Tensor, tf.Tensor];
          if (hasFusedKernel("TrmRmsNormGrad")) return runFusedKernel("TrmRmsNormGrad", { y: ys, r: rs, dy })[0] as tf.Tensor;
          return tf.mul(rs, tf.sub(dy, tf.mul(ys, tf.mean(tf.mul(dy, ys), -1, true))));
        }),
    };
  });
}

const byEps = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/** Official `rms_norm`: x / sqrt(mean(x^2 over the last axis) + eps), no learned weight. */
export function rmsNorm<T extends tf.Tensor>(x: T, eps = 1e-5): T {
  let f = byEps.get(eps);
  if (f === undefined) {
    f = makeRmsNorm(eps);
    byEps.set(eps, f);
  }
  return f(x) as T;
}
