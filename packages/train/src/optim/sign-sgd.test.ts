import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { SparseSignSgd } from "./sign-sgd.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

describe("SparseSignSgd", () => {
  it("sums gradients per id, then moves only those rows by -lr*sign with decoupled decay", () => {
    const table = tf.variable(tf.tensor2d([[1, 1], [2, -2], [3, 3], [4, 4]]));
    const opt = new SparseSignSgd(table, { weightDecay: 0.5 });
    const before = tf.memory().numTensors;
    // Rows 0 and 2 both use id 1: their sum (0.5 - 0.75, -1 + 3) = (-0.25, 2) decides the sign.
    const grad = tf.tensor2d([[0.5, -1], [-2, 0], [-0.75, 3]]);
    opt.step(Int32Array.from([1, 3, 1]), grad, 0.1);
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const got = table.arraySync();
    // id 1: row * (1 - 0.05) - 0.1 * sign(-0.25, 2) = (1.9 + 0.1, -1.9 - 0.1)
    // id 3: row * 0.95 - 0.1 * sign(-2, 0) = (3.8 + 0.1, 3.8 - 0)
    const want = [[1, 1], [2, -2], [3, 3], [3.9, 3.8]];
    want[1] = [2, -2];
    expect(got[0]).toEqual([1, 1]);
    expect(got[2]).toEqual([3, 3]);
    expect(got[1]?.[0]).toBeCloseTo(2.0, 6);
    expect(got[1]?.[1]).toBeCloseTo(-2.0, 6);
    expect(got[3]?.[0]).toBeCloseTo(3.9, 6);
    expect(got[3]?.[1]).toBeCloseTo(3.8, 6);
    table.dispose();
  });

  it("names a puzzle id outside the table", () => {
    const table = tf.variable(tf.zeros([2, 3]));
    const opt = new SparseSignSgd(table);
    const grad = tf.zeros<tf.Rank.R2>([1, 3]);
    expect(() => opt.step(Int32Array.from([5]), grad, 0.1)).toThrow(/puzzle id 5 is outside the table \(0..1\)/);
    grad.dispose();
    table.dispose();
  });
});
