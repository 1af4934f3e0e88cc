import { describe, expect, it } from "vitest";
import { median, summarize, timeRuns } from "./stats.js";

describe("stats", () => {
  it("median of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no samples/);
  });

  it("summarize keeps min, max and median", () => {
    expect(summarize(2, [3, 1, 2], [6, 2, 4])).toEqual({
      warmup: 2, samplesMs: [3, 1, 2], medianMs: 2, minMs: 1, maxMs: 3, cpuSamplesMs: [6, 2, 4], cpuMedianMs: 4,
    });
  });

  it("timeRuns calls warm-up + runs times and counts only the runs", () => {
    let calls = 0;
    let afters = 0;
    const t = timeRuns(() => calls++, { warmup: 2, runs: 3, after: () => afters++ });
    expect(calls).toBe(5);
    expect(afters).toBe(5);
    expect(t.samplesMs).toHaveLength(3);
    expect(t.warmup).toBe(2);
    expect(t.cpuSamplesMs).toHaveLength(3);
  });
});
