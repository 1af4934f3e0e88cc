import { IGNORE_LABEL } from "@trm/data";
import { describe, expect, it } from "vitest";
import { argmaxRows, exactAccuracy, haltingStats, scoreRows, sigmoid, tokenAccuracy } from "./metrics.js";

const I = IGNORE_LABEL;

describe("argmaxRows", () => {
  it("picks the largest value per row, first index on ties", () => {
    const v = new Float32Array([0.1, 0.9, 0.0, /**/ 2, 2, 1, /**/ -3, -1, -2]);
    expect(Array.from(argmaxRows(v, 3))).toEqual([1, 0, 1]);
  });
  it("rejects a length that is not a multiple of the width", () => {
    expect(() => argmaxRows(new Float32Array(5), 3)).toThrow(/multiple of width 3/);
  });
});

describe("scoreRows / tokenAccuracy / exactAccuracy", () => {
  // Three rows of four tokens: row 0 all right, row 1 one wrong of three scored, row 2 padding (all ignored).
  const labels = new Int32Array([2, 3, 4, 5, /**/ 2, I, 7, 8, /**/ I, I, I, I]);
  const preds = new Int32Array([2, 3, 4, 5, /**/ 2, 9, 7, 1, /**/ 0, 0, 0, 0]);
  const s = scoreRows(preds, labels, 4);

  it("counts labels and right labels per row, skipping ignored positions", () => {
    expect(Array.from(s.labelCounts)).toEqual([4, 3, 0]);
    expect(Array.from(s.correctCounts)).toEqual([4, 2, 0]);
    expect(Array.from(s.exact)).toEqual([1, 0, 0]);
  });
  it("token accuracy is the mean over labelled rows of each row's share right, as the official code: (4/4 + 2/3) / 2", () => {
    expect(tokenAccuracy(s.correctCounts, s.labelCounts)).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });
  it("exact accuracy leaves out masked rows", () => {
    expect(exactAccuracy(s.exact)).toBeCloseTo(1 / 3, 12);
    expect(exactAccuracy(s.exact, s.labelCounts.map((n) => (n > 0 ? 1 : 0)))).toBe(0.5);
  });
  it("is 0 on nothing to score", () => {
    expect(tokenAccuracy([], [])).toBe(0);
    expect(exactAccuracy([])).toBe(0);
  });
  it("rejects mismatched shapes with a clear message", () => {
    expect(() => scoreRows(new Int32Array(3), new Int32Array(4), 4)).toThrow(/3 predictions but 4 labels/);
    expect(() => scoreRows(new Int32Array(6), new Int32Array(6), 4)).toThrow(/multiple of seqLen 4/);
  });
});

describe("sigmoid", () => {
  it("matches 1/(1+e^-x) and stays finite at the extremes", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    expect(sigmoid(-2)).toBeCloseTo(1 / (1 + Math.exp(2)), 15);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});

describe("haltingStats", () => {
  // Four rows over three steps.
  // row 0: q crosses 0 at step 1, answer right from step 1          -> halts at 1, right
  // row 1: q crosses 0 at step 2, answer wrong at step 2 (right at 3) -> halts at 2, wrong
  // row 2: q never crosses, answer right at 3                        -> halts at 3 (cap), right
  // row 3: q never crosses, never right                              -> halts at 3 (cap), wrong
  const q = [
    [0.5, -1, -3, -2],
    [2, 0.1, -2, -1],
    [3, 1, -0.5, -0.1],
  ];
  const exact = [
    [1, 0, 0, 0],
    [1, 0, 0, 0],
    [1, 1, 1, 0],
  ];
  const h = haltingStats(q, exact);

  it("takes the first step with q_halt > 0 as the halting step", () => {
    expect(h.histogram).toEqual([1, 1, 2]);
    expect(h.meanSteps).toBe((1 + 2 + 3 + 3) / 4);
  });
  it("scores the answer at the halting step", () => {
    expect(h.exactAtHalt).toBe(2 / 4);
    expect(h.haltSignalled).toBe(2 / 4);
    expect(h.haltedOnRightAnswer).toBe(1 / 2);
  });
  it("computes q_halt accuracy at the last step: (q >= 0) == exact", () => {
    // last step: q = [3, 1, -0.5, -0.1], exact = [1, 1, 1, 0] -> agree, agree, disagree, agree
    expect(h.qHaltAccuracy).toBe(3 / 4);
  });
  it("halts on a separate score (HRM: q_halt - q_continue) but keeps q_halt accuracy on q_halt", () => {
    // Scores cross 0 at step 3 for row 0 only; q_halt accuracy still reads q.
    const score = [
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
      [1, -1, -1, -1],
    ];
    const hs = haltingStats(q, exact, score);
    expect(hs.histogram).toEqual([0, 0, 4]);
    expect(hs.meanSteps).toBe(3);
    expect(hs.haltSignalled).toBe(1 / 4);
    expect(hs.haltedOnRightAnswer).toBe(1);
    expect(hs.qHaltAccuracy).toBe(3 / 4);
  });
  it("rejects ragged input", () => {
    expect(() => haltingStats([[1, 2]], [[1]])).toThrow(/step 1 does not have 2 rows/);
    expect(() => haltingStats([[1]], [])).toThrow(/1 q_halt steps but 0/);
  });
});
