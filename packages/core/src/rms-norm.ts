import * as tf from "@tensorflow/tfjs";

/** Official `rms_norm`: x / sqrt(mean(x^2 over the last axis) + eps), no learned weight. */
export function rmsNorm<T extends tf.Tensor>(x: T, eps = 1e-5): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul<T>(x, tf.rsqrt(tf.add(variance, eps)));
  });
}
