import { describe, expect, it } from "vitest";
import { learningRate } from "./schedule.js";

describe("learningRate", () => {
  it("warms up linearly, then follows a half cosine to lr * minRatio", () => {
    const s = { lr: 1e-3, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
    expect(learningRate(0, s)).toBe(0);
    expect(learningRate(5, s)).toBeCloseTo(5e-4, 12);
    expect(learningRate(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, s)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(110, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, s)).toBeCloseTo(1e-4, 12);
  });

  it("stays constant after warm-up with the official lr_min_ratio 1.0", () => {
    const s = { lr: 1e-4, warmupSteps: 2000, totalSteps: 65000 };
    expect(learningRate(1, s)).toBeCloseTo(5e-8, 15);
    expect(learningRate(2000, s)).toBe(1e-4);
    expect(learningRate(40000, s)).toBe(1e-4);
  });
});
