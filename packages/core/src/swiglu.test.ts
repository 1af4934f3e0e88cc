import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { splitGateUp, swiglu, swigluInnerWidth } from "./swiglu.js";
import { finiteDiff, maxRelErr, randTensor } from "./test-utils/finite-diff.js";

describe("swiglu", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("has the official inner widths", () => {
    expect(swigluInnerWidth(512, 4)).toBe(1536);
    expect(swigluInnerWidth(97, 4)).toBe(512);
    // 0.75 * 513 * 2/3 = 256.5: Python rounds the half to even (256), so the width stays 256, not 512.
    expect(swigluInnerWidth(513, 0.75)).toBe(256);
    expect(swigluInnerWidth(916, 4)).toBe(2560);
    expect(swigluInnerWidth(64, 4)).toBe(256);
    expect(swigluInnerWidth(32, 4)).toBe(256);
    expect(swigluInnerWidth(384, 1)).toBe(256);
  });

  it("computes down(silu(gate) * up) by hand", () => {
    // d = 1, inner = 1: gate_up = [[1, 2]] -> gate = x, up = 2x; down = [[3]]. y = 3 * silu(x) * 2x.
    const x = tf.tensor2d([[1], [-2]]);
    const y = swiglu(x, tf.tensor2d([[1, 2]]), tf.tensor2d([[3]])).dataSync();
    const silu = (v: number) => v / (1 + Math.exp(-v));
    expect(y[0]).toBeCloseTo(3 * silu(1) * 2, 5);
    expect(y[1]).toBeCloseTo(3 * silu(-2) * -4, 5);
  });

  it("has the finite-difference gradient in x and both weights", () => {
    const x = randTensor([3, 4], 1);
    const gu = randTensor([4, 6], 2);
    const down = randTensor([3, 4], 3);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum<tf.Scalar>(tf.sin(swiglu(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D)));
    const g = tf.grads(f)([x, gu, down]);
    for (let k = 0; k < 3; k++) expect(maxRelErr(g[k]!.dataSync(), finiteDiff(f, [x, gu, down], k, 1e-2), 5e-2)).toBeLessThan(2e-2);
  });
});

describe("swiglu with pre-split gate_up", () => {
  it("gives the same value and gradient as the combined matrix", () => {
    const x = randTensor([3, 4], 11);
    const gu = randTensor([4, 6], 12);
    const down = randTensor([3, 4], 13);
    const combined = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(swiglu(a as tf.Tensor2D, b as tf.Tensor2D, down as tf.Tensor2D))))([x, gu]);
    const split = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(swiglu(a as tf.Tensor2D, splitGateUp(b as tf.Tensor2D), down as tf.Tensor2D))))([x, gu]);
    for (let k = 0; k < 2; k++) expect(maxRelErr(split[k]!.dataSync(), combined[k]!.dataSync(), 1e-3)).toBeLessThan(1e-5);
    expect(Array.from(swiglu(x as tf.Tensor2D, splitGateUp(gu as tf.Tensor2D), down as tf.Tensor2D).dataSync())).toEqual(
      Array.from(swiglu(x as tf.Tensor2D, gu as tf.Tensor2D, down as tf.Tensor2D).dataSync()),
    );
  });
});
