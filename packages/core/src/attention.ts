import * as tf from "@tensorflow/tfjs";
import { linear } from "./linear.js";
import { applyRope, type RopeTables } from "./rope.js";

export interface AttentionShape {
  /** Rows (B). */
  readonly batch: number;
  /** Positions per row (S, prefix included). */
  readonly seq: number;
  readonly numHeads: number;
}

/**
 * Non-causal multi-head self-attention (official `Attention`, no GQA, no bias): qkv = h · qkvProj, RoPE on q and k,
 * softmax(q kᵀ / sqrt(headDim)) v, then o_proj. `h` is [B * S, D]; `qkvProj` is [D, 3D] (transposed
 * `qkv_proj.weight`: q heads, then k heads, then v heads); `oProj` is [D, D]. The projections use the fast 2-D
 * {@link linear}; the per-head products are batched matMuls (not on the wasm fast path: correct, not yet fast).
 */
export function attention(h: tf.Tensor2D, qkvProj: tf.Tensor2D, oProj: tf.Tensor2D, shape: AttentionShape, rope: RopeTables | null): tf.Tensor2D {
  return tf.tidy(() => {
    const { batch: b, seq: s, numHeads: nh } = shape;
    const d = h.shape[1];
    if (d % nh !== 0) throw new Error(`attention: hidden ${d} is not divisible by ${nh} heads.`);
    const hd = d / nh;
    const qkv = tf.reshape<tf.Rank.R4>(linear(h, qkvProj), [b, s, 3 * nh, hd]);
    let q = tf.slice(qkv, [0, 0, 0, 0], [b, s, nh, hd]);
    let k = tf.slice(qkv, [0, 0, nh, 0], [b, s, nh, hd]);
    const v = tf.slice(qkv, [0, 0, 2 * nh, 0], [b, s, nh, hd]);
    if (rope) {
      q = applyRope(q, rope);
      k = applyRope(k, rope);
    }
    const heads = (t: tf.Tensor4D) => tf.reshape<tf.Rank.R3>(tf.transpose(t, [0, 2, 1, 3]), [b * nh, s, hd]);
    const scores = tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hd));
    const probs = tf.softmax(scores, -1) as tf.Tensor3D;
    const out = tf.matMul(probs, heads(v));
    const merged = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(out, [b, nh, s, hd]), [0, 2, 1, 3]), [b * s, d]);
    return linear(merged, oProj);
  });
}
