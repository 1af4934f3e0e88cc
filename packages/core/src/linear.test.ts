import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { linear, toInOut } from "./linear.js";

describe("linear", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("computes x·w + b and the hand-computed gradients", () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const w = tf.tensor2d([[1, 0, 2], [-1, 1, 0]]);
    const b = tf.tensor1d([0.5, 0, -1]);
    expect(Array.from(linear(x, w, b).dataSync())).toEqual([-0.5, 2, 1, -0.5, 4, 5]);
    // L = sum(y * c): dL/dx = c·wᵀ, dL/dw = xᵀ·c, dL/db = column sums of c.
    const c = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linear(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), c)))([x, w, b]);
    expect(Array.from(g[0]!.dataSync())).toEqual([7, 1, 16, 1]);
    expect(Array.from(g[1]!.dataSync())).toEqual([13, 17, 21, 18, 24, 30]);
    expect(Array.from(g[2]!.dataSync())).toEqual([5, 7, 9]);
  });

  it("agrees with the default matMul gradient through a [out, in] weight", () => {
    const x = tf.randomNormal<tf.Rank.R2>([5, 4], 0, 1, "float32", 1);
    const w = tf.randomNormal<tf.Rank.R2>([3, 4], 0, 1, "float32", 2); // PyTorch [out, in]
    const ours = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(linear(xx as tf.Tensor2D, toInOut(ww)))))([x, w]);
    const ref = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D, false, true))))([x, w]);
    for (let i = 0; i < 2; i++) {
      const a = ours[i]!.dataSync();
      const r = ref[i]!.dataSync();
      for (let k = 0; k < r.length; k++) expect(a[k]).toBeCloseTo(r[k]!, 4);
    }
  });

  it("rejects mismatched shapes with a clear message", () => {
    expect(() => linear(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(/does not match w \[2, 3\]/);
  });
});
