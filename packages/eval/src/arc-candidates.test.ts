import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { applyArcAugmentation, arcVariantName, ARC_SEQ_LEN, createRng, encodeArcGrid, randomArcAugmentation, type ArcAugmentation, type ArcTask, type Grid } from "@trm/data";
import { describe, expect, it } from "vitest";
import { arcCandidatesFromRows, arcTaskTests } from "./arc-candidates.js";
import { arcSubmission, scoreArc, voteArc } from "./arc-vote.js";
import { loadArcSources } from "@trm/data/node";

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const evalDir = resolve(repoRoot, "../shared/data/arc-agi-1/evaluation");
const haveArc = existsSync(evalDir);
if (!haveArc) console.log(`arc-candidates.test: skipping the real ARC-AGI-1 tests, ${evalDir} is absent`);

/**
 * Rows as the evaluator would produce them: every test pair of every task under `augs` random augmentations (the
 * first one the identity), inputs encoded in the augmented frame, and the answer `answer(pair)` in that frame.
 */
function augmentedRows(
  tasks: readonly ArcTask[],
  augs: number,
  answer: (input: Grid, output: Grid, aug: number, taskId: string) => Grid,
  seed: number,
) {
  const rng = createRng(seed);
  const identifiers: string[] = ["<blank>"];
  const ids: number[] = [];
  const inputs: number[] = [];
  const predictions: number[] = [];
  const qHalt: number[] = [];
  for (const t of tasks) {
    for (let a = 0; a < augs; a++) {
      const aug: ArcAugmentation =
        a === 0 ? { dihedral: 0, colours: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } : randomArcAugmentation(rng);
      identifiers.push(arcVariantName(t.id, aug));
      for (const p of t.test) {
        const inAug = applyArcAugmentation(p.input, aug);
        const outAug = applyArcAugmentation(p.output, aug);
        ids.push(identifiers.length - 1);
        inputs.push(...encodeArcGrid(inAug));
        predictions.push(...encodeArcGrid(answer(inAug, outAug, a, t.id)));
        qHalt.push(rng.next() * 4 - 2);
      }
    }
  }
  return {
    identifiers,
    rows: {
      seqLen: ARC_SEQ_LEN,
      inputs: Int32Array.from(inputs),
      predictions: Int32Array.from(predictions),
      puzzleIdentifiers: Int32Array.from(ids),
      qHalt: Float32Array.from(qHalt),
    },
  };
}

describe("ARC scoring on real ARC-AGI-1 evaluation tasks", () => {
  const tasks = haveArc ? loadArcSources([evalDir]) : [];

  it.skipIf(!haveArc)("scores a perfect oracle, predicting in augmented frames, at pass@1 = 1", () => {
    expect(tasks.length).toBe(400);
    const { rows, identifiers } = augmentedRows(tasks, 3, (_input, output) => output, 1);
    const tests = arcTaskTests(tasks);
    const candidates = arcCandidatesFromRows(rows, identifiers);
    // Every answer, inverted, is the task's own output: one distinct answer per test input with 3 votes.
    const votes = voteArc(candidates, tests);
    for (const perTest of votes.values()) for (const answers of perTest) expect(answers.map((a) => a.votes)).toEqual([3]);
    const score = scoreArc(votes, tests);
    expect(score.passAtK[1]).toBe(1);
    expect(score.passAtK[2]).toBe(1);
    expect(score.meanTaskScore).toBe(1);
    // The submission holds the original outputs, in test order.
    const sub = arcSubmission(votes, tests);
    const first = tasks[0] as ArcTask;
    const raw = JSON.parse(readFileSync(first.file, "utf8")) as { test: { output: number[][] }[] };
    expect(sub[first.id]?.map((a) => a.attempt_1)).toEqual(raw.test.map((p) => p.output));
  });

  it.skipIf(!haveArc)("scores an identity model at the true share of tasks whose outputs equal their inputs", () => {
    // Independently of the code under test: read the JSON files and compare the raw nested arrays.
    const files = readdirSync(evalDir).filter((f) => f.endsWith(".json"));
    const identityTasks = files.filter((f) => {
      const t = JSON.parse(readFileSync(join(evalDir, f), "utf8")) as { test: { input: unknown; output: unknown }[] };
      return t.test.every((p) => JSON.stringify(p.input) === JSON.stringify(p.output));
    }).length;
    const expected = identityTasks / files.length;

    const { rows, identifiers } = augmentedRows(tasks, 4, (input) => input, 2);
    const score = scoreArc(voteArc(arcCandidatesFromRows(rows, identifiers), arcTaskTests(tasks)), arcTaskTests(tasks));
    expect(score.passAtK[1]).toBe(expected);
    expect(score.passAtK[1000]).toBe(expected);
    console.log(`identity model on ARC-AGI-1 evaluation: ${identityTasks}/${files.length} tasks (pass@1 ${expected})`);
  });

  it.skipIf(!haveArc)("ranks answers voted across frames: identity twice, oracle once -> pass@1 identity share, pass@2 = 1", () => {
    const { rows, identifiers } = augmentedRows(tasks, 3, (input, output, a) => (a === 1 ? output : input), 4);
    const tests = arcTaskTests(tasks);
    const score = scoreArc(voteArc(arcCandidatesFromRows(rows, identifiers), tests), tests);
    expect(score.passAtK[1]).toBe(0);
    expect(score.passAtK[2]).toBe(1);
    expect(score.tasks.every((t) => t.ranks.every((r) => r === 2))).toBe(true);
  });

  it.skipIf(!haveArc)("scores a half-oracle model at the share of tasks it knows", () => {
    // Oracle for ids starting with 0-7, identity (never right here) for the rest; the share is read off the file names.
    const known = (id: string): boolean => /^[0-7]/.test(id);
    const expected = readdirSync(evalDir).filter((f) => f.endsWith(".json") && known(f)).length / 400;
    const { rows, identifiers } = augmentedRows(tasks, 2, (input, output, _a, id) => (known(id) ? output : input), 5);
    const tests = arcTaskTests(tasks);
    const score = scoreArc(voteArc(arcCandidatesFromRows(rows, identifiers), tests), tests);
    expect(expected).toBeGreaterThan(0.3);
    expect(score.passAtK[1]).toBe(expected);
  });

  it.skipIf(!haveArc)("would fail the oracle if the inversion were skipped (the augmentation path matters)", () => {
    const { rows, identifiers } = augmentedRows(tasks.slice(0, 20), 3, (_i, output) => output, 3);
    // Strip the augmentation from the names: answers stay in the augmented frame and their inputs match nothing.
    const bare = identifiers.map((n) => n.replace(/_t[0-7]_[0-9]{10}$/, ""));
    const tests = arcTaskTests(tasks.slice(0, 20));
    expect(() => voteArc(arcCandidatesFromRows(rows, bare), tests)).toThrow(/matches none of its/);
  });
});

describe("arcCandidatesFromRows", () => {
  it("rejects a puzzle id outside identifiers and mismatched lengths", () => {
    const tokens = encodeArcGrid({ rows: 1, cols: 1, cells: Uint8Array.of(3) });
    const rows = { seqLen: ARC_SEQ_LEN, inputs: tokens, predictions: tokens, puzzleIdentifiers: [5], qHalt: [0] };
    expect(() => arcCandidatesFromRows(rows, ["<blank>", "x"])).toThrow(/row 0 has puzzle id 5, but identifiers lists 2/);
    expect(() => arcCandidatesFromRows({ ...rows, qHalt: [] }, ["a"])).toThrow(/1 rows need 900/);
  });

  it("inverts a known augmentation: rot90 plus a colour swap", () => {
    // Original 1x2 grid [1, 2]; augmentation rot90 (id 1) with colours 1 <-> 2 swapped.
    const colours = [0, 2, 1, 3, 4, 5, 6, 7, 8, 9];
    const aug: ArcAugmentation = { dihedral: 1, colours };
    const original: Grid = { rows: 1, cols: 2, cells: Uint8Array.of(1, 2) };
    const seen = applyArcAugmentation(original, aug);
    // rot90 (counter-clockwise) of [2, 1] is the column [1, 2].
    expect([seen.rows, seen.cols, Array.from(seen.cells)]).toEqual([2, 1, [1, 2]]);
    const rows = {
      seqLen: ARC_SEQ_LEN,
      inputs: encodeArcGrid(seen),
      predictions: encodeArcGrid(seen),
      puzzleIdentifiers: [1],
      qHalt: [0.5],
    };
    const [c] = arcCandidatesFromRows(rows, ["<blank>", arcVariantName("abc", aug)]);
    expect(c?.taskId).toBe("abc");
    expect([c?.output.rows, c?.output.cols, Array.from(c?.output.cells ?? [])]).toEqual([1, 2, [1, 2]]);
  });
});
