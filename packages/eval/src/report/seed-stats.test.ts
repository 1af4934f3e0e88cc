import { describe, expect, it } from "vitest";
import { formatSpread, intervalsOverlap, spreadOf } from "./seed-stats.js";

describe("spreadOf", () => {
  it("gives mean, range and the t-interval of the mean", () => {
    // mean 2, sd 1, n 3: half-width 4.303 / sqrt(3).
    const s = spreadOf([1, 2, 3]);
    expect(s).toMatchObject({ n: 3, mean: 2, min: 1, max: 3 });
    expect(s.hi - s.mean).toBeCloseTo(4.303 / Math.sqrt(3), 6);
    expect(s.mean - s.lo).toBeCloseTo(4.303 / Math.sqrt(3), 6);
    expect(spreadOf([0.5])).toEqual({ n: 1, mean: 0.5, min: 0.5, max: 0.5, lo: 0.5, hi: 0.5 });
    expect(() => spreadOf([])).toThrow(/no values/);
  });

  it("cuts the interval to the metric's range when one is given (an accuracy stays within 0..100%)", () => {
    // The comparison's TRM over seeds 0-2: the plain t-interval runs to 128%.
    const open = spreadOf([0.957, 0.879, 0.598]);
    expect(open.hi).toBeGreaterThan(1);
    const cut = spreadOf([0.957, 0.879, 0.598], [0, 1]);
    expect(cut).toMatchObject({ mean: open.mean, min: 0.598, max: 0.957, lo: open.lo, hi: 1 });
    expect(spreadOf([0.01, 0.02, 0.3], [0, 1]).lo).toBe(0);
  });

  it("tells overlapping intervals from separate ones", () => {
    expect(intervalsOverlap(spreadOf([0.9, 0.92, 0.94]), spreadOf([0.6, 0.9, 0.95]))).toBe(true);
    expect(intervalsOverlap(spreadOf([0.9, 0.91, 0.92]), spreadOf([0.1, 0.11, 0.12]))).toBe(false);
  });

  it("formats one seed as a plain value and several with range and interval", () => {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    expect(formatSpread(spreadOf([0.5]), pct)).toBe("50.0%");
    expect(formatSpread(spreadOf([0.5, 0.5]), pct)).toBe("50.0% (range 50.0%..50.0%; 95% interval 50.0%..50.0%)");
  });
});
