import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, useBackend } from "@trm/core";
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

  it("updates every average in one native launch, as the tfjs composition does (skips without the native kernels)", async (ctx) => {
    const shapes = [[3, 4], [5], [2, 2, 2]];
    const run = (): number[][] => {
      const params = new Map(shapes.map((sh, i) => [`w${i}`, tf.tidy(() => tf.variable(tf.randomUniform(sh, -1, 1, "float32", 7 + i)))]));
      const ema = new Ema(params, 0.999);
      const out: number[][] = [];
      for (let step = 0; step < 3; step++) {
        for (const [i, [, p]] of [...params].entries()) tf.tidy(() => p.assign(tf.randomUniform(p.shape, -2, 2, "float32", 100 * step + i)));
        ema.update();
      }
      for (const s of ema.stateDict().values()) out.push(Array.from(s.dataSync()));
      ema.dispose();
      for (const p of params.values()) p.dispose();
      return out;
    };
    const info = await useBackend("wasm", { log: null, native: true });
    if (info.native?.active !== true) ctx.skip();
    await useBackend("wasm", { log: null, native: false });
    const composed = run();
    await useBackend("wasm", { log: null, native: true });
    try {
      expect(hasFusedKernel("TrmEmaUpdateMany")).toBe(true);
      const profile = await tf.profile(() => {
        run();
      });
      const launches = profile.kernels.map((k) => k.name).filter((n) => n.startsWith("TrmEma"));
      expect(launches).toEqual(["TrmEmaUpdateMany", "TrmEmaUpdateMany", "TrmEmaUpdateMany"]);
      const before = tf.memory().numTensors;
      const fused = run();
      expect(tf.memory().numTensors).toBe(before);
      fused.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - composed[i]![j]!)).toBeLessThan(1e-6)));
    } finally {
      await useBackend("wasm", { log: null });
    }
  });
});
