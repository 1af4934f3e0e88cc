import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "./backend.js";
import { beforeAll, describe, expect, it } from "vitest";
import { qContinueTarget } from "./q-target.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe("qContinueTarget", () => {
  beforeAll(async () => {
    await useBackend("cpu", { log: null });
  });

  it("is sigmoid(next q_halt) on the last step and sigmoid(max(next q_halt, next q_continue)) before it", () => {
    const h = tf.tensor1d([-1, 2, 0.5, 3]);
    const c = tf.tensor1d([1, -2, 0.25, 4]);
    const t = qContinueTarget(h, c, Uint8Array.from([0, 0, 1, 1]));
    const got = Array.from(t.dataSync());
    const want = [sigmoid(1), sigmoid(2), sigmoid(0.5), sigmoid(3)];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    tf.dispose([h, c, t]);
  });

  it("rejects a row count that does not match", () => {
    const h = tf.tensor1d([0, 0]);
    expect(() => qContinueTarget(h, h, new Uint8Array(3))).toThrow(/3 rows/);
    h.dispose();
  });
});
