import * as tf from "@tensorflow/tfjs-core";

/**
 * Fused kernels the ops of this package run when the active backend registers them (the optional
 * `@trm/native-kernels` does, for wasm); otherwise the ops compose tfjs kernels. Each is one kernel launch in place
 * of the dozens of small ones the composition takes. Names and contracts are listed in `@trm/native-kernels`.
 */
export type FusedKernelName =
  | "TrmLinearGrad"
  | "TrmRmsNorm"
  | "TrmRmsNormGrad"
  | "TrmSwiGLU"
  | "TrmSwiGLUGrad"
  | "TrmAttention"
  | "TrmAttentionGrad"
  | "TrmAdamUpdate"
  | "TrmAdamUpdateMany"
  | "TrmSwiGLUBlock"
  | "TrmSwiGLUBlockGrad"
  | "TrmAttentionBlock"
  | "TrmAttentionBlockGrad"
  | "TrmEmaUpdateMany";

/** Whether the active backend has the fused kernel `name`. */
export function hasFusedKernel(name: FusedKernelName): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a fused kernel; always returns its outputs as an array. */
export function runFusedKernel(name: FusedKernelName, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(name, inputs, attrs);
  return Array.isArray(out) ? out : [out];
}
