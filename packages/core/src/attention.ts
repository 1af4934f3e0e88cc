import * as tf from "@tensorflow/tfjs";
import { linear } from "./linear.js";
import { applyRope, type RopeTables } from "./rope.js";

export interface AttentionShape {
  /** Rows (B). */
  readonly batch: number;
  /** Positions per row (S, prefix included). */
  readonly seq: number;
  readonly numHeads: number;
  /**
   * Run q kᵀ and p v as one 2-D product per (row, head) instead of one batched matMul. Default: when
   * `seq >= PER_HEAD_PRODUCTS_MIN_SEQ`.
   */
  readonly perHeadProducts?: boolean;
}

/**
 * From this many positions on, per-head 2-D products beat one batched matMul on wasm (measured on a loaded 2-core
 * machine, forward + backward of one attention layer, hidden 512, 8 heads: 916 positions x 1 row 1.2-1.9 s per-head vs
 * 5.9-6.5 s batched; 97 positions x 16 rows 3.2-3.7 s per-head vs 1.8 s batched, where kernel overhead dominates).
 */
export const PER_HEAD_PRODUCTS_MIN_SEQ = 256;

/**
 * Non-causal multi-head self-attention (official `Attention`, no GQA, no bias): qkv = h · qkvProj, RoPE on q and k,
 * softmax(q kᵀ / sqrt(headDim)) v, then o_proj. `h` is [B * S, D]; `qkvProj` is [D, 3D] (transposed
 * `qkv_proj.weight`: q heads, then k heads, then v heads); `oProj` is [D, D]. The projections use the fast 2-D
 * {@link linear}. The per-head products q kᵀ and p v are batched matMuls for short sequences, and 2-D
 * {@link linear}s, one pair per (row, head), for long ones (see {@link PER_HEAD_PRODUCTS_MIN_SEQ}): on wasm a batched
 * matMul falls off XNNPACK, but many small 2-D products pay a per-kernel overhead.
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
    // Scale q rather than the [S, S] scores: the same product, S / headDim times fewer multiplications.
    const qh = tf.mul<tf.Tensor3D>(heads(q), 1 / Math.sqrt(hd));
    let out: tf.Tensor;
    if (shape.perHeadProducts ?? s >= PER_HEAD_PRODUCTS_MIN_SEQ) {
      const qs = tf.unstack(qh) as tf.Tensor2D[];
      const kts = tf.unstack(tf.transpose(heads(k), [0, 2, 1])) as tf.Tensor2D[];
      const vs = tf.unstack(heads(v)) as tf.Tensor2D[];
      out = tf.stack(qs.map((qi, i) => linear(tf.softmax(linear(qi, kts[i]!)), vs[i]!)));
    } else {
      out = tf.matMul(tf.softmax(tf.matMul(qh, heads(k), false, true)), heads(v));
    }
    const merged = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(out, [b, nh, s, hd]), [0, 2, 1, 3]), [b * s, d]);
    return linear(merged, oProj);
  });
}
