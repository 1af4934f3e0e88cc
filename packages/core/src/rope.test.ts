import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { applyRope, ropeTables } from "./rope.js";

describe("rope", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("builds cat(freqs, freqs) tables with theta^(-2i/d)", () => {
    const { cos, sin } = ropeTables(4, 3, 10000);
    const c = cos.dataSync();
    const s = sin.dataSync();
    // position 2: angles 2 * [1, 1e-2] for d = 4.
    expect(c[8]).toBeCloseTo(Math.cos(2), 6);
    expect(c[9]).toBeCloseTo(Math.cos(0.02), 6);
    expect(c[10]).toBeCloseTo(Math.cos(2), 6);
    expect(s[11]).toBeCloseTo(Math.sin(0.02), 6);
    expect(c[0]).toBe(1);
  });

  it("rotates each (j, j + d/2) pair by its angle", () => {
    const tables = ropeTables(4, 2, 10000);
    const x = tf.tensor4d([1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 1, 4]);
    const y = applyRope(x, tables).dataSync();
    expect(Array.from(y.slice(0, 4))).toEqual([1, 2, 3, 4]);
    // position 1: pair (x0, x2) = (1, 3) by angle 1, pair (x1, x3) = (2, 4) by angle 0.01.
    const rot = (a: number, b: number, t: number) => [a * Math.cos(t) - b * Math.sin(t), b * Math.cos(t) + a * Math.sin(t)];
    const [a0, a2] = rot(1, 3, 1);
    const [a1, a3] = rot(2, 4, 0.01);
    expect(y[4]).toBeCloseTo(a0!, 5);
    expect(y[5]).toBeCloseTo(a1!, 5);
    expect(y[6]).toBeCloseTo(a2!, 5);
    expect(y[7]).toBeCloseTo(a3!, 5);
  });
});
