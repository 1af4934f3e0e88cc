import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { noGrad } from "./no-grad.js";

describe("noGrad", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("keeps the value and cuts the gradient", () => {
    const x = tf.tensor1d([1, 2, 3]);
    // f(x) = sum(x * c) + sum(x^2) where c = noGrad(2x): gradient c + 2x = 4x, not 6x.
    const g = tf.grad((xx: tf.Tensor) => {
      const c = noGrad(() => tf.mul(xx, 2));
      return tf.add<tf.Scalar>(tf.sum(tf.mul(xx, c)), tf.sum(tf.square(xx)));
    })(x);
    expect(Array.from(g.dataSync())).toEqual([4, 8, 12]);
    expect(Array.from(noGrad(() => tf.mul(x, 3)).dataSync())).toEqual([3, 6, 9]);
  });

  it("leaks no tensors", () => {
    const x = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.tidy(() => void noGrad(() => tf.exp(tf.mul(x, 2))));
    expect(tf.memory().numTensors).toBe(before);
  });
});
