import { describe, expect, it } from "vitest";
import { arcSubmission, gridKey, scoreArc, voteArc } from "./arc-vote.js";
import type { ArcCandidate, ArcGrid, ArcTaskTests } from "./arc-vote.js";
import { sigmoid } from "./metrics.js";

const g = (rows: number, cols: number, ...cells: number[]): ArcGrid => ({ rows, cols, cells: Uint8Array.from(cells) });

// Test inputs.
const IA0 = g(2, 2, 1, 2, 3, 4);
const IA1 = g(1, 3, 5, 5, 5);
const IB = g(1, 1, 7);
const IC = g(1, 1, 8);
const ID = g(1, 2, 1, 1);
const IE = g(2, 1, 3, 3);
const IF = g(1, 1, 9);
// Outputs.
const TA0 = g(2, 2, 4, 3, 2, 1);
const XA0 = g(2, 2, 0, 0, 0, 0);
const YA0 = g(1, 1, 4);
const TA1 = g(1, 3, 6, 6, 6);
const ZA1 = g(3, 1, 6, 6, 6); // same cells as TA1, other shape: must not be confused with it
const PB = g(1, 1, 1);
const QB = g(1, 1, 2);
const TC = g(1, 1, 3);
const TD = g(1, 1, 5);
const TE = g(1, 1, 6);
const FAnswers = Array.from({ length: 200 }, (_, i) => g(1, 2, Math.floor(i / 10), i % 10));
const TF = FAnswers[149] as ArcGrid;

const tasks = new Map<string, ArcTaskTests>([
  ["a", { inputs: [IA0, IA1], outputs: [TA0, TA1] }],
  ["b", { inputs: [IB], outputs: [QB] }],
  ["c", { inputs: [IC], outputs: [TC] }],
  ["d", { inputs: [ID], outputs: [TD] }],
  ["e", { inputs: [IE], outputs: [TE] }],
  ["f", { inputs: [IF], outputs: [TF] }],
]);

const cand = (taskId: string, input: ArcGrid, output: ArcGrid, qHalt: number, times = 1): ArcCandidate[] =>
  Array.from({ length: times }, () => ({ taskId, input, output, qHalt }));

const candidates: ArcCandidate[] = [
  // a/0: X and the truth tie at 2 votes; the truth has the higher mean sigmoid(q): sigmoid(2) vs mean(sigmoid(0), sigmoid(1)).
  ...cand("a", IA0, XA0, 0),
  ...cand("a", IA0, TA0, 2),
  ...cand("a", IA0, XA0, 1),
  ...cand("a", IA0, TA0, 2),
  ...cand("a", IA0, YA0, 9), // one vote, even with the most confidence, ranks third
  // a/1: Z has 3 votes, the truth 1.
  ...cand("a", IA1, ZA1, -1, 3),
  ...cand("a", IA1, TA1, 10),
  // b: P and Q tie on votes and confidence: first seen (P) first, so the truth Q is second.
  ...cand("b", IB, PB, 1),
  ...cand("b", IB, QB, 1),
  // c: no candidates.
  // d: votes 4, 3, 1: the truth (1 vote) is third.
  ...cand("d", ID, g(1, 1, 0), 0, 4),
  ...cand("d", ID, g(1, 1, 1), 0, 3),
  ...cand("d", ID, TD, 0),
  // e: one answer, right.
  ...cand("e", IE, TE, -3, 2),
  // f: 200 distinct single-vote answers with equal confidence; the truth is the 150th seen.
  ...FAnswers.flatMap((ans) => cand("f", IF, ans, 0)),
];

describe("voteArc", () => {
  const votes = voteArc(candidates, tasks);

  it("counts votes per distinct answer and breaks vote ties by mean sigmoid(q_halt)", () => {
    const a0 = votes.get("a")?.[0] ?? [];
    expect(a0.map((r) => gridKey(r.grid))).toEqual([gridKey(TA0), gridKey(XA0), gridKey(YA0)]);
    expect(a0.map((r) => r.votes)).toEqual([2, 2, 1]);
    expect(a0[0]?.confidence).toBeCloseTo(sigmoid(2), 12);
    expect(a0[1]?.confidence).toBeCloseTo((sigmoid(0) + sigmoid(1)) / 2, 12);
    expect(a0[2]?.confidence).toBeCloseTo(sigmoid(9), 12);
  });

  it("keeps answers of equal cells but other shape apart, and puts a full tie in first-seen order", () => {
    expect(votes.get("a")?.[1]?.map((r) => r.votes)).toEqual([3, 1]);
    expect(votes.get("b")?.[0]?.map((r) => gridKey(r.grid))).toEqual([gridKey(PB), gridKey(QB)]);
    expect(votes.get("c")?.[0]).toEqual([]);
  });

  it("rejects a candidate whose input is none of the task's test inputs", () => {
    expect(() => voteArc(cand("a", IB, TA0, 0), tasks)).toThrow(/task "a".*matches none of its 2 test inputs/);
    expect(() => voteArc(cand("zz", IB, TA0, 0), tasks)).toThrow(/unknown task "zz"/);
  });
});

describe("scoreArc", () => {
  const score = scoreArc(voteArc(candidates, tasks), tasks);

  it("ranks the right answer per test input", () => {
    const ranks = Object.fromEntries(score.tasks.map((t) => [t.taskId, t.ranks]));
    expect(ranks).toEqual({ a: [1, 2], b: [2], c: [null], d: [3], e: [1], f: [150] });
  });

  it("counts a task at k only when all its test inputs are within the top k", () => {
    // pass@1: e. pass@2: a, b, e. pass@5 and 10: + d. pass@100: same. pass@1000: + f. c never.
    expect(score.passAtK).toEqual({ 1: 1 / 6, 2: 3 / 6, 5: 4 / 6, 10: 4 / 6, 100: 4 / 6, 1000: 5 / 6 });
    expect(score.tasks.find((t) => t.taskId === "a")?.passAt[1]).toBe(false);
  });

  it("scores each task by the share of its test inputs right within two attempts", () => {
    expect(score.tasks.map((t) => t.score)).toEqual([1, 1, 0, 0, 1, 0]);
    expect(score.meanTaskScore).toBe(3 / 6);
  });
});

describe("arcSubmission", () => {
  it("gives two attempts per test input in file order, repeating a lone answer and filling [[0]] when empty", () => {
    const sub = arcSubmission(voteArc(candidates, tasks), tasks);
    expect(sub.a).toEqual([
      { attempt_1: [[4, 3], [2, 1]], attempt_2: [[0, 0], [0, 0]] },
      { attempt_1: [[6], [6], [6]], attempt_2: [[6, 6, 6]] },
    ]);
    expect(sub.b).toEqual([{ attempt_1: [[1]], attempt_2: [[2]] }]);
    expect(sub.c).toEqual([{ attempt_1: [[0]], attempt_2: [[0]] }]);
    expect(sub.e).toEqual([{ attempt_1: [[6]], attempt_2: [[6]] }]);
    expect(Object.keys(sub)).toEqual(["a", "b", "c", "d", "e", "f"]);
  });
});
