import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { rmsNorm } from "./rms-norm.js";
import { finiteDiff, maxRelErr, randTensor } from "./test-utils/finite-diff.js";

describe("rmsNorm", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("divides by the root mean square of the last axis (+ eps)", () => {
    const y = rmsNorm(tf.tensor2d([[3, 4], [0, 0]]), 1e-5).dataSync();
    const r = Math.sqrt(12.5 + 1e-5);
    expect(y[0]).toBeCloseTo(3 / r, 6);
    expect(y[1]).toBeCloseTo(4 / r, 6);
    expect(y[2]).toBe(0);
  });

  it("has the finite-difference gradient", () => {
    const x = randTensor([2, 5], 3);
    const c = randTensor([2, 5], 4);
    const f = (xx: tf.Tensor) => tf.sum<tf.Scalar>(tf.mul(rmsNorm(xx), c));
    const g = tf.grad(f)(x).dataSync();
    expect(maxRelErr(g, finiteDiff(f, [x], 0, 1e-2), 1e-1)).toBeLessThan(2e-2);
  });
});
