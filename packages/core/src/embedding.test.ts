import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { inputEmbedding } from "./embedding.js";

describe("inputEmbedding", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("puts the puzzle vector first, zeros after it, tokens after the prefix, all x sqrt(D)", () => {
    const e = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const puzzle = tf.tensor2d([[7, 8], [9, 10]]);
    const x = inputEmbedding(Int32Array.from([2, 0, 1, 1]), e, puzzle, null, { batch: 2, seqLen: 2, prefixLen: 2, hiddenSize: 2 }).arraySync();
    const r = Math.SQRT2;
    const expected = [[7, 8], [0, 0], [5, 6], [1, 2], [9, 10], [0, 0], [3, 4], [3, 4]].map((v) => v.map((k) => k * r));
    for (let i = 0; i < 8; i++) for (let j = 0; j < 2; j++) expect(x[i]![j]).toBeCloseTo(expected[i]![j]!, 5);
  });

  it("sends gradients to the token table and the puzzle rows", () => {
    const e = tf.tensor2d([[1, 2], [3, 4]]);
    const puzzle = tf.tensor2d([[1, 1]]);
    const g = tf.grads((ee: tf.Tensor, pp: tf.Tensor) =>
      tf.sum<tf.Scalar>(inputEmbedding(Int32Array.from([1, 1]), ee as tf.Tensor2D, pp as tf.Tensor2D, null, { batch: 1, seqLen: 2, prefixLen: 1, hiddenSize: 2 })),
    )([e, puzzle]);
    const r = Math.SQRT2;
    expect(Array.from(g[0]!.dataSync()).map((v) => v / r)).toEqual([0, 0, 2, 2].map((v) => expect.closeTo(v, 5) as number));
    expect(Array.from(g[1]!.dataSync()).map((v) => v / r)).toEqual([1, 1].map((v) => expect.closeTo(v, 5) as number));
  });

  it("names the bad token", () => {
    expect(() => inputEmbedding(Int32Array.from([0, 7]), tf.zeros<tf.Rank.R2>([3, 2]), null, null, { batch: 1, seqLen: 2, prefixLen: 0, hiddenSize: 2 })).toThrow(
      /token 7 at row 0, position 1 is outside \[0, 3\)/,
    );
  });
});
