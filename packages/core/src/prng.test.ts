import { describe, expect, it } from "vitest";
import { createRng } from "./prng.js";

describe("createRng", () => {
  it("replays the same sequence for the same seed and stays in [0, 1)", () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
    expect(createRng(43)()).not.toBe(createRng(42)());
  });
});
