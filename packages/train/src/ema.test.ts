import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { Ema } from "./ema.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

describe("Ema", () => {
  it("tracks rate*shadow + (1-rate)*param and swaps its values in and back out", async () => {
    const p = tf.variable(tf.tensor1d([0, 10]));
    const ema = new Ema(new Map([["w", p]]), 0.9);
    p.assign(tf.tensor1d([1, 0]));
    ema.update(); // 0.9*[0,10] + 0.1*[1,0] = [0.1, 9]
    p.assign(tf.tensor1d([2, 0]));
    ema.update(); // 0.9*[0.1,9] + 0.1*[2,0] = [0.29, 8.1]
    const before = tf.memory().numTensors;
    const inside = await ema.withEmaWeights(() => Array.from(p.dataSync()));
    expect(inside[0]).toBeCloseTo(0.29, 6);
    expect(inside[1]).toBeCloseTo(8.1, 5);
    expect(Array.from(p.dataSync())).toEqual([2, 0]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(ema.withEmaWeights(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(Array.from(p.dataSync())).toEqual([2, 0]);
    ema.dispose();
    p.dispose();
  });
});
