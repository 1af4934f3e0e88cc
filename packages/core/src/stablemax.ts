import * as tf from "@tensorflow/tfjs-core";
import { IGNORE_LABEL } from "@trm/data";


/**
 * log stablemax over the last axis: s(x) = x + 1 for x >= 0, 1 / (1 - x) for x < 0; log(s(x) / sum s(x)).
 */
export function logStablemax(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // relu(x) + 1 / (1 - min(x, 0)) is x + 1 for x >= 0 and 1 / (1 - x) for x < 0, with no branch to differentiate.
    const s = tf.add(tf.relu(logits), tf.div(1, tf.sub(1, tf.minimum(logits, 0))));
    return tf.sub(tf.log(s), tf.log(tf.sum(s, -1, true)));
  });
}

/**
 * Stablemax cross-entropy per token (official `stablemax_cross_entropy`): logits [N, V], labels [N] with
 * {@link IGNORE_LABEL} ignored. Returns [N]: -log stablemax at the label, 0 where ignored. Labels must be in [0, V).
 */
export function stablemaxCrossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Tensor1D {
  const [n, v] = logits.shape;
  if (labels.length !== n) throw new Error(`stablemaxCrossEntropy: ${labels.length} labels for ${n} rows of logits.`);
  const safe = new Int32Array(n);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i] ?? IGNORE_LABEL;
    if (l === IGNORE_LABEL) continue;
    if (l < 0 || l >= v) throw new Error(`stablemaxCrossEntropy: label ${l} at row ${i} is outside [0, ${v}) and is not ${IGNORE_LABEL}.`);
    safe[i] = l;
    mask[i] = 1;
  }
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(logStablemax(logits), tf.oneHot(tf.tensor1d(safe, "int32"), v)), -1);
    return tf.neg(tf.mul(picked, tf.tensor1d(mask)));
  });
}
