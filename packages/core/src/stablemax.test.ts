import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { bceWithLogits } from "./bce.js";
import { logStablemax, stablemaxCrossEntropy } from "./stablemax.js";
import { finiteDiff, maxRelErr } from "./test-utils/finite-diff.js";

describe("stablemax cross-entropy", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("matches the hand-computed value and ignores -100", () => {
    // s([1, -1, 0]) = [2, 0.5, 1], sum 3.5.
    const logits = tf.tensor2d([[1, -1, 0], [1, -1, 0], [5, 5, 5]]);
    const l = stablemaxCrossEntropy(logits, Int32Array.from([0, 1, -100])).dataSync();
    expect(l[0]).toBeCloseTo(-Math.log(2 / 3.5), 6);
    expect(l[1]).toBeCloseTo(-Math.log(0.5 / 3.5), 6);
    expect(l[2]).toBe(0);
  });

  it("has finite gradients for large logits and matches finite differences", () => {
    const x = tf.tensor2d([[1, -2, 0.5, 3], [-0.5, 2, 1, -3]]);
    const f = (xx: tf.Tensor) => tf.sum<tf.Scalar>(stablemaxCrossEntropy(xx as tf.Tensor2D, Int32Array.from([2, 1])));
    expect(maxRelErr(tf.grad(f)(x).dataSync(), finiteDiff(f, [x], 0, 1e-3), 1e-2)).toBeLessThan(1e-2);
    const big = tf.grad((xx: tf.Tensor) => tf.sum<tf.Scalar>(logStablemax(xx)))(tf.tensor2d([[1, 1e30, -1e30]])).dataSync();
    for (const v of big) expect(Number.isFinite(v)).toBe(true);
  });

  it("rejects labels outside the vocabulary", () => {
    expect(() => stablemaxCrossEntropy(tf.zeros([1, 3]), Int32Array.from([3]))).toThrow(/label 3 at row 0 is outside \[0, 3\)/);
  });
});

describe("bceWithLogits", () => {
  it("matches the textbook formula and gradient sigmoid(x) - t", () => {
    const x = tf.tensor1d([-5, 0, 2, 40]);
    const t = tf.tensor1d([0, 1, 1, 0]);
    const l = bceWithLogits(x, t).dataSync();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expect(l[0]).toBeCloseTo(-Math.log(1 - sig(-5)), 5);
    expect(l[1]).toBeCloseTo(Math.log(2), 6);
    expect(l[2]).toBeCloseTo(-Math.log(sig(2)), 5);
    expect(l[3]).toBeCloseTo(40, 4);
    const g = tf.grad((xx: tf.Tensor) => tf.sum<tf.Scalar>(bceWithLogits(xx, t)))(x).dataSync();
    expect(g[0]).toBeCloseTo(sig(-5), 5);
    expect(g[1]).toBeCloseTo(-0.5, 6);
    expect(g[2]).toBeCloseTo(sig(2) - 1, 5);
    expect(g[3]).toBeCloseTo(1, 5);
  });
});
