import * as tf from "@tensorflow/tfjs-core";

/** cos / sin tables of rotary position embeddings, [positions, headDim] each. */
export interface RopeTables {
  readonly cos: tf.Tensor2D;
  readonly sin: tf.Tensor2D;
}

/**
 * Official `RotaryEmbedding`: inv_freq_i = theta^(-2i / headDim), angle = position * inv_freq, and the table is the
 * angles twice over (`cat(freqs, freqs)`), so dimension j pairs with j + headDim / 2 (the rotate-half convention).
 */
export function ropeTables(headDim: number, positions: number, theta = 10000): RopeTables {
  if (headDim % 2 !== 0) throw new Error(`ropeTables: headDim must be even, got ${headDim}.`);
  const half = headDim / 2;
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(theta, -(2 * i) / headDim);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [positions, headDim]), sin: tf.tensor2d(sin, [positions, headDim]) };
}

/**
 * x * cos + rotate_half(x) * sin, with rotate_half(x) = cat(-x2, x1). x is [B, S, H, headDim]; the tables are
 * [S', headDim] with S' >= S (the first S rows are used).
 */
export function applyRope(x: tf.Tensor4D, tables: RopeTables): tf.Tensor4D {
  return tf.tidy(() => {
    const [, s, , d] = x.shape;
    const cos = tables.cos.shape[0] === s ? tables.cos : tf.slice(tables.cos, [0, 0], [s, d]);
    const sin = tables.sin.shape[0] === s ? tables.sin : tf.slice(tables.sin, [0, 0], [s, d]);
    const cos4 = tf.reshape(cos, [1, s, 1, d]);
    const sin4 = tf.reshape(sin, [1, s, 1, d]);
    const [x1, x2] = tf.split(x, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const rotated = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, cos4), tf.mul(rotated, sin4));
  });
}
