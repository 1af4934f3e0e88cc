import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs `fn` without recording its ops on the gradient tape, like `torch.no_grad()`: the result is a constant for any
 * enclosing `tf.grads` / `tf.valueAndGrads` / `tf.variableGrads`. tfjs has no stopGradient; the forward of a custom
 * gradient runs with the tape off, and the gradient here goes only to a throw-away anchor. Returns one tensor
 * (concatenate several states if you need them all). Tensors between carries need no detaching in tfjs: a tape lives
 * only for one gradient call.
 */
export function noGrad<T extends tf.Tensor>(fn: () => T): T {
  const anchor = tf.scalar(0);
  const run = tf.customGrad((_anchor) => ({
    value: tf.tidy(fn),
    gradFunc: () => tf.scalar(0),
  }));
  const out = run(anchor);
  anchor.dispose();
  return out;
}
