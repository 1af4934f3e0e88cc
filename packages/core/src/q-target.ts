import * as tf from "@tensorflow/tfjs-core";

/**
 * The bootstrapped Q-learning target for q_continue (official `target_q_continue`, after PQN: no replay buffer, no
 * target network). `nextQHalt` / `nextQContinue` come from one more no-grad forward of the current weights on the
 * carry this step produced, with the same data. For a row whose step count (after this step) has reached
 * `halt_max_steps` the episode ends whatever it does, so the target is sigmoid(next q_halt); otherwise it is the
 * value of the better action, sigmoid(max(next q_halt, next q_continue)).
 */
export function qContinueTarget(nextQHalt: tf.Tensor1D, nextQContinue: tf.Tensor1D, isLastStep: Uint8Array): tf.Tensor1D {
  if (nextQHalt.shape[0] !== isLastStep.length || nextQContinue.shape[0] !== isLastStep.length) {
    throw new Error(
      `qContinueTarget: expected ${isLastStep.length} rows, got q_halt [${nextQHalt.shape.join(", ")}] and q_continue [${nextQContinue.shape.join(", ")}].`,
    );
  }
  return tf.tidy(() => {
    const last = tf.tensor1d(isLastStep, "bool");
    return tf.sigmoid(tf.where(last, nextQHalt, tf.maximum(nextQHalt, nextQContinue)));
  });
}
