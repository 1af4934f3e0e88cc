import * as tf from "@tensorflow/tfjs-core";
import { linear } from "./linear.js";

export interface InputEmbeddingShape {
  /** Rows (B). */
  readonly batch: number;
  /** Tokens per row without the prefix (L). */
  readonly seqLen: number;
  /** Puzzle-prefix positions (`puzzle_emb_len`); 0 without a puzzle table. */
  readonly prefixLen: number;
  readonly hiddenSize: number;
}

/**
 * The official input embedding, as [B * (prefix + L), D]:
 * tokens through oneHot(ids) · E (`embed_tokens.embedding_weight` [vocab, D] is already [in, out]; tf.gather's
 * gradient needs a kernel wasm lacks), the puzzle rows [B, puzzle_emb_ndim] zero-padded into a `prefixLen`-token prefix
 * (token 0 = the puzzle vector when puzzle_emb_ndim = D), learned positions if given (sum * 1/sqrt 2), all × sqrt(D).
 *
 * `puzzleRows` are the batch's rows of the puzzle table, gathered outside the gradient tape and passed in as a
 * differentiable input, so the ~1M-row table is never multiplied by a one-hot.
 */
export function inputEmbedding(
  tokens: Int32Array,
  embedding: tf.Tensor2D,
  puzzleRows: tf.Tensor2D | null,
  positions: tf.Tensor2D | null,
  shape: InputEmbeddingShape,
): tf.Tensor2D {
  const { batch: b, seqLen: l, prefixLen: p, hiddenSize: d } = shape;
  if (tokens.length !== b * l) throw new Error(`inputEmbedding: ${tokens.length} token ids for ${b} rows of ${l}.`);
  const vocab = embedding.shape[0];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? -1;
    if (t < 0 || t >= vocab) throw new Error(`inputEmbedding: token ${t} at row ${Math.floor(i / l)}, position ${i % l} is outside [0, ${vocab}).`);
  }
  return tf.tidy(() => {
    let x = tf.reshape<tf.Rank.R3>(linear(tf.oneHot(tf.tensor1d(tokens, "int32"), vocab) as tf.Tensor2D, embedding), [b, l, d]);
    if (p > 0) {
      if (!puzzleRows) throw new Error(`inputEmbedding: a ${p}-token puzzle prefix needs puzzle rows.`);
      const ndim = puzzleRows.shape[1];
      const pad = p * d - ndim;
      if (pad < 0) throw new Error(`inputEmbedding: puzzle_emb_ndim ${ndim} does not fit ${p} prefix tokens of ${d}.`);
      const padded = pad > 0 ? tf.pad(puzzleRows, [[0, 0], [0, pad]]) : puzzleRows;
      x = tf.concat([tf.reshape(padded, [b, p, d]), x], 1);
    }
    if (positions) x = tf.mul(tf.add(x, positions), Math.SQRT1_2);
    return tf.reshape<tf.Rank.R2>(tf.mul(x, Math.sqrt(d)), [b * (p + l), d]);
  });
}
