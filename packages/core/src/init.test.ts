import { describe, expect, it } from "vitest";
import { TRUNCATED_NORMAL_STD_CORRECTION, truncatedLecunNormal, truncatedNormal } from "./init.js";
import { createRng } from "@trm/data";
import { moments } from "./test-utils/moments.js";

describe("truncatedNormal", () => {
  it("has the correction constant of a normal truncated at +-2 sigma", () => {
    // Var of N(0,1) truncated to [-2, 2] = 1 - 2*2*phi(2)/(Phi(2)-Phi(-2)) = 0.773741...; correction = 1/sqrt(that).
    expect(TRUNCATED_NORMAL_STD_CORRECTION).toBeCloseTo(1 / Math.sqrt(0.7737413), 5);
  });

  it("has the requested std and stays within +-2 underlying sigma", () => {
    const std = 0.5;
    const x = truncatedNormal([200, 100], std, createRng(7));
    const { mean, sd, max } = moments(x);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(std * 0.98);
    expect(sd).toBeLessThan(std * 1.02);
    expect(max).toBeLessThanOrEqual(2 * std * TRUNCATED_NORMAL_STD_CORRECTION + 1e-6);
    expect(max).toBeGreaterThan(2 * std * TRUNCATED_NORMAL_STD_CORRECTION * 0.95);
  });

  it("is zero for std 0 and replays for the same seed", () => {
    expect(Array.from(truncatedNormal([3], 0, createRng(1)))).toEqual([0, 0, 0]);
    expect(truncatedLecunNormal([4, 5], 5, createRng(3))).toEqual(truncatedLecunNormal([4, 5], 5, createRng(3)));
    expect(truncatedLecunNormal([4, 5], 5, createRng(3))).not.toEqual(truncatedLecunNormal([4, 5], 5, createRng(4)));
  });

  it("uses std 1/sqrt(fan_in) for LeCun", () => {
    const x = truncatedLecunNormal([100, 400], 400, createRng(11));
    let s2 = 0;
    for (const v of x) s2 += v * v;
    expect(Math.sqrt(s2 / x.length)).toBeCloseTo(0.05, 2);
  });
});
