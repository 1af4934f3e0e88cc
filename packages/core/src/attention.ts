import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";
import { linear } from "./linear.js";
import { rmsNorm } from "./rms-norm.js";
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
    const qkv2 = linear(h, qkvProj);
    if (hasFusedKernel("TrmAttention") && hasFusedKernel("TrmAttentionGrad")) return linear(attendFused(qkv2, b, s, nh, rope), oProj);
    if (!(shape.perHeadProducts ?? s >= PER_HEAD_PRODUCTS_MIN_SEQ)) return linear(attendBatched(qkv2, b, s, nh, rope), oProj);
    const qkv = tf.reshape<tf.Rank.R4>(qkv2, [b, s, 3 * nh, hd]);
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

/** Whether {@link attentionResidualNorm} runs as one fused kernel each way on the active backend. */
export function hasFusedAttentionBlock(): boolean {
  return hasFusedKernel("TrmAttentionBlock") && hasFusedKernel("TrmAttentionBlockGrad");
}

/** RoPE tables cut to the first `s` positions (the tables may be longer), as the fused kernels' `cos` and `sin`. */
function ropeInputs(rope: RopeTables | null, s: number): tf.NamedTensorMap {
  if (!rope) return {};
  const hd = rope.cos.shape[1];
  if (rope.cos.shape[0] === s) return { cos: rope.cos, sin: rope.sin };
  return { cos: tf.slice(rope.cos, [0, 0], [s, hd]), sin: tf.slice(rope.sin, [0, 0], [s, hd]) };
}

/**
 * The post-norm attention sub-block of TRM and HRM: RMSNorm(h + attention(h)) on h [B * S, D]. With the fused kernels
 * registered (`TrmAttentionBlock`) it is one kernel forward and one backward, which keep qkv, the heads before
 * o_proj, q, k, the probabilities, y and 1/rms; otherwise it composes {@link attention}, an add and {@link rmsNorm}.
 */
export function attentionResidualNorm(h: tf.Tensor2D, qkvProj: tf.Tensor2D, oProj: tf.Tensor2D, shape: AttentionShape, rope: RopeTables | null, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (h.dtype !== "float32" || !hasFusedAttentionBlock()) return rmsNorm(tf.add(h, attention(h, qkvProj, oProj, shape, rope)), eps);
    const { batch: b, seq: s, numHeads: nh } = shape;
    if (h.shape[1] % nh !== 0) throw new Error(`attention: hidden ${h.shape[1]} is not divisible by ${nh} heads.`);
    const attrs = { batch: b, seq: s, numHeads: nh, eps };
    // The tables are taken again in the backward, which runs after this tidy has freed any cut copy of them.
    const op = tf.customGrad((x, wQkv, wO, save) => {
      const inputs = { x: x as tf.Tensor, wQkv: wQkv as tf.Tensor, wO: wO as tf.Tensor, ...ropeInputs(rope, s) };
      const [y, ...kept] = runFusedKernel("TrmAttentionBlock", inputs, attrs) as [tf.Tensor2D, ...tf.Tensor[]];
      (save as tf.GradSaveFunc)([x as tf.Tensor, wQkv as tf.Tensor, wO as tf.Tensor, y, ...kept]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => {
            const [xs, wq, wo, ys, r, qkv, heads, q, k, p] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
            return runFusedKernel("TrmAttentionBlockGrad", { x: xs, wQkv: wq, wO: wo, ...ropeInputs(rope, s), y: ys, r, qkv, heads, q, k, p, dy }, attrs);
          }),
      };
    }) as (x: tf.Tensor2D, wQkv: tf.Tensor2D, wO: tf.Tensor2D) => tf.Tensor2D;
    return op(h, qkvProj, oProj);
  });
}

/**
 * The batched heads of {@link attention}, qkv [B * S, 3D] -> merged heads [B * S, D], as one op with its own gradient.
 * Under tfjs's tape the slices, RoPE, transposes and softmax of every call would stay alive and their gradients (three
 * [B, S, 3D] pads among them) would pile up until the whole backward pass ends; here a call keeps q, k, v and the
 * probabilities, and its backward frees its temporaries as it goes. RoPE's adjoint is RoPE with sin negated.
 */
function attendBatched(qkv2: tf.Tensor2D, b: number, s: number, nh: number, rope: RopeTables | null): tf.Tensor2D {
  const d = qkv2.shape[1] / 3;
  const hd = d / nh;
  const scale = 1 / Math.sqrt(hd);
  const heads = (t: tf.Tensor): tf.Tensor3D => tf.reshape<tf.Rank.R3>(tf.transpose(t, [0, 2, 1, 3]), [b * nh, s, hd]);
  const unheads = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape<tf.Rank.R4>(t, [b, nh, s, hd]), [0, 2, 1, 3]);
  const op = tf.customGrad((x, save) => {
    const [merged, qh, kh, vh, probs] = tf.tidy((): tf.Tensor[] => {
      const [q0, k0, v] = tf.split(tf.reshape<tf.Rank.R4>(x as tf.Tensor, [b, s, 3 * nh, hd]), 3, 2) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const q = rope ? applyRope(q0, rope) : q0;
      const k = rope ? applyRope(k0, rope) : k0;
      // Scale q rather than the [S, S] scores: the same product, S / headDim times fewer multiplications.
      const qs = tf.mul<tf.Tensor3D>(heads(q), scale);
      const ks = heads(k);
      const vs = heads(v);
      const p = tf.softmax(tf.matMul(qs, ks, false, true));
      return [tf.reshape(unheads(tf.matMul(p, vs)), [b * s, d]), qs, ks, vs, p];
    }) as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    (save as tf.GradSaveFunc)([qh, kh, vh, probs]);
    return {
      value: merged,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [qs, ks, vs, p] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const dOut = heads(tf.reshape(dy, [b, s, nh, hd]));
          const dP = tf.matMul(dOut, vs, false, true);
          const dV = tf.matMul(p, dOut, true, false);
          // softmax: dScores = p * (dP - sum(dP * p))
          const dScores = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true)));
          let dQ = unheads(tf.mul(tf.matMul(dScores, ks), scale));
          let dK = unheads(tf.matMul(dScores, qs, true, false));
          if (rope) {
            const inverse: RopeTables = { cos: rope.cos, sin: tf.neg(rope.sin) };
            dQ = applyRope(dQ, inverse);
            dK = applyRope(dK, inverse);
          }
          return tf.reshape(tf.concat([dQ, dK, unheads(dV)], 2), [b * s, 3 * d]);
        }),
    };
  });
  return op(qkv2);
}

/**
 * The heads of {@link attention} as the fused `TrmAttention` kernel and its `TrmAttentionGrad` (one launch each, no
 * layout copies): qkv [B * S, 3D] -> merged heads [B * S, D]. A call keeps qkv, the rotated and scaled q, k and the
 * probabilities for its backward.
 */
function attendFused(qkv2: tf.Tensor2D, b: number, s: number, nh: number, rope: RopeTables | null): tf.Tensor2D {
  const attrs = { batch: b, seq: s, numHeads: nh };
  const tables = (): tf.NamedTensorMap => ropeInputs(rope, s);
  const op = tf.customGrad((x, save) => {
    const [out, q, k, p] = tf.tidy(() => runFusedKernel("TrmAttention", { qkv: x as tf.Tensor, ...tables() }, attrs)) as [tf.Tensor2D, tf.Tensor, tf.Tensor, tf.Tensor];
    (save as tf.GradSaveFunc)([x as tf.Tensor, q, k, p]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [qkv, qs, ks, ps] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return runFusedKernel("TrmAttentionGrad", { qkv, q: qs, k: ks, p: ps, dy, ...tables() }, attrs)[0] as tf.Tensor;
        }),
    };
  });
  return op(qkv2);
}
