import * as tf from "@tensorflow/tfjs-core";

/**
 * Binary cross-entropy with logits, elementwise: softplus(x) - x * t (= max(x, 0) - x t + log(1 + e^-|x|)), stable
 * for any x and with the exact gradient sigmoid(x) - t everywhere.
 */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.softplus(logits), tf.mul(logits, targets)));
}
