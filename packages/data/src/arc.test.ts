import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARC_EOS, decodeArcGrid, encodeArcGrid, findArcGrid, parseArcTask, type ArcTask } from "./arc.js";
import {
  applyArcAugmentation,
  arcPairsHash,
  arcVariantName,
  invertArcAugmentation,
  parseArcVariantName,
  randomArcAugmentation,
  type ArcAugmentation,
} from "./arc-augment.js";
import { DIHEDRAL_IDS } from "./dihedral.js";
import { gridFromRows, gridsEqual, makeGrid, type Grid } from "./grid.js";
import { createRng } from "./rng.js";
import { hasSharedData, sharedData } from "./test-utils/shared.js";
import { loadArcSources, loadArcTaskFile } from "./node.js";

const arcGrid = fc
  .record({ rows: fc.integer({ min: 1, max: 30 }), cols: fc.integer({ min: 1, max: 30 }) })
  .chain(({ rows, cols }) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: rows * cols, maxLength: rows * cols }).map((c) => makeGrid(rows, cols, c)));

describe("ARC format", () => {
  it("encodes as the official builder: colours +2 at the top left, EOS below and right, PAD elsewhere", () => {
    const g = gridFromRows([
      [0, 9],
      [3, 4],
      [5, 6],
    ]);
    const seq = encodeArcGrid(g);
    expect(seq.length).toBe(900);
    expect([seq[0], seq[1], seq[2], seq[30], seq[31], seq[32], seq[60], seq[61], seq[62]]).toEqual([2, 11, ARC_EOS, 5, 6, ARC_EOS, 7, 8, ARC_EOS]);
    expect([seq[90], seq[91], seq[92], seq[3]]).toEqual([ARC_EOS, ARC_EOS, 0, 0]);
    expect(seq.reduce((a, v) => a + (v === ARC_EOS ? 1 : 0), 0)).toBe(5);
    const full = encodeArcGrid(makeGrid(30, 30));
    expect(full.every((v) => v === 2)).toBe(true);
    expect(gridsEqual(decodeArcGrid(full), makeGrid(30, 30))).toBe(true);
  });

  it("decodes any grid back exactly (property)", () => {
    fc.assert(fc.property(arcGrid, (g) => gridsEqual(decodeArcGrid(encodeArcGrid(g)), g)), { numRuns: 200 });
  });

  it("translation inverts exactly: findArcGrid recovers grid and offset (property)", () => {
    const placed = arcGrid.chain((g) => fc.record({ g: fc.constant(g), r: fc.integer({ min: 0, max: 30 - g.rows }), c: fc.integer({ min: 0, max: 30 - g.cols }) }));
    fc.assert(
      fc.property(placed, ({ g, r, c }) => {
        const found = findArcGrid(encodeArcGrid(g, r, c));
        expect(gridsEqual(found.grid, g)).toBe(true);
        expect([found.rowOffset, found.colOffset]).toEqual([r, c]);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects ragged grids, colour 10, empty and oversized grids, naming file, task and field", () => {
    const ok = [[1]];
    const bad = (grid: unknown): (() => ArcTask) => () => parseArcTask({ train: [{ input: ok, output: grid }], test: [] }, "tasks/x.json", "abc123", "training");
    expect(bad([[1, 2], [3]])).toThrow('tasks/x.json, task abc123: field "train[0].output": expected a rectangular grid: row 1 with 2 cells like row 0, got 1 cells');
    expect(bad([[1, 10]])).toThrow('tasks/x.json, task abc123: field "train[0].output": expected colours 0-9 (integers) at [0][1], got 10');
    expect(bad([])).toThrow(/expected a non-empty array of rows/);
    expect(bad(Array.from({ length: 31 }, () => [0]))).toThrow(/at most 30 rows, got 31 rows/);
    expect(bad([[0.5]])).toThrow(/colours 0-9/);
    expect(() => parseArcTask({ train: [{ input: ok }], test: [] }, "f.json", "t1", "training")).toThrow(/field "train\[0\]\.output": expected an output grid/);
    expect(() => parseArcTask({ test: [] }, "f.json", "t1", "training")).toThrow(/field "train": expected an array/);
  });

  it("loads the Kaggle challenges + solutions pair and needs the solutions", () => {
    const dir = mkdtempSync(join(tmpdir(), "arc-kaggle-"));
    const task = { train: [{ input: [[1, 2]], output: [[2, 1]] }], test: [{ input: [[3, 4]] }] };
    writeFileSync(join(dir, "arc-agi_evaluation_challenges.json"), JSON.stringify({ t1: task }));
    expect(() => loadArcSources([dir])).toThrow(/field "solutions": expected the answers in .*arc-agi_evaluation_solutions\.json/);
    writeFileSync(join(dir, "arc-agi_evaluation_solutions.json"), JSON.stringify({ t1: [[[4, 3]]] }));
    const [t] = loadArcSources([dir]);
    expect(t?.subset).toBe("evaluation");
    expect(t?.test[0]?.output.cells).toEqual(Uint8Array.from([4, 3]));
    writeFileSync(join(dir, "arc-agi_evaluation_solutions.json"), JSON.stringify({ t1: [] }));
    expect(() => loadArcSources([dir])).toThrow(/task t1: field "t1": expected 1 answer grid\(s\)/);
  });
});

describe("ARC augmentation", () => {
  it("inverts every dihedral x colour permutation exactly (property)", () => {
    const aug = fc.record({ dihedral: fc.constantFrom(...DIHEDRAL_IDS), perm: fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7, 8, 9], { minLength: 9, maxLength: 9 }) });
    fc.assert(
      fc.property(arcGrid, aug, (g, { dihedral, perm }) => {
        const a: ArcAugmentation = { dihedral, colours: [0, ...perm] };
        const fwd = applyArcAugmentation(g, a);
        expect(gridsEqual(invertArcAugmentation(fwd, a), g)).toBe(true);
        // black stays black
        expect(fwd.cells.filter((v) => v === 0).length).toBe(g.cells.filter((v) => v === 0).length);
        expect(parseArcVariantName(arcVariantName("007bbfb7", a))).toEqual({ taskId: "007bbfb7", augmentation: a });
      }),
      { numRuns: 300 },
    );
  });

  it("parses the TinyRecursiveModels |||-separated names and treats bare ids as identity", () => {
    expect(parseArcVariantName("abc|||t3|||0918273645")).toEqual({ taskId: "abc", augmentation: { dihedral: 3, colours: [0, 9, 1, 8, 2, 7, 3, 6, 4, 5] } });
    expect(parseArcVariantName("abc").augmentation.dihedral).toBe(0);
  });

  it("hashes tasks order-free and shape-aware", () => {
    const p1 = { input: gridFromRows([[1, 2]]), output: gridFromRows([[3]]) };
    const p2 = { input: gridFromRows([[1], [2]]), output: gridFromRows([[3]]) };
    expect(arcPairsHash([p1, p2])).toBe(arcPairsHash([p2, p1]));
    expect(arcPairsHash([p1])).not.toBe(arcPairsHash([p2]));
  });
});

describe.skipIf(!hasSharedData)("ARC-AGI-1 and ARC-AGI-2 files in ../shared/data", () => {
  const dirs = ["arc-agi-1/training", "arc-agi-1/evaluation", "arc-agi-2/training", "arc-agi-2/evaluation"].map((d) => join(sharedData, d));

  it("every task parses, encodes and decodes to identical grids, and every dihedral x colour augmentation inverts", () => {
    // ARC-AGI-2 repeats 767 ARC-AGI-1 ids, so each folder is its own load (one load refuses duplicate ids).
    const tasks = dirs.flatMap((d) => loadArcSources([d]));
    expect(tasks.length).toBe(400 + 400 + 1000 + 120);
    expect(tasks.length).toBe(dirs.reduce((n, d) => n + readdirSync(d).filter((f) => f.endsWith(".json")).length, 0));
    const rng = createRng(42);
    let grids = 0;
    for (const task of tasks) {
      const all: Grid[] = [...task.train, ...task.test].flatMap((p) => [p.input, p.output]);
      // One random colour permutation per task, combined with all 8 dihedral transforms.
      const colours = randomArcAugmentation(rng).colours;
      for (const g of all) {
        grids++;
        if (!gridsEqual(decodeArcGrid(encodeArcGrid(g)), g)) throw new Error(`${task.file}: encode/decode differs`);
        for (const dihedral of DIHEDRAL_IDS) {
          const a = { dihedral, colours };
          const back = invertArcAugmentation(decodeArcGrid(encodeArcGrid(applyArcAugmentation(g, a))), a);
          if (!gridsEqual(back, g)) throw new Error(`${task.file}: augmentation t${dihedral} does not invert`);
        }
      }
    }
    expect(grids).toBeGreaterThan(10000);
    console.log(`[arc] ${tasks.length} tasks, ${grids} grids: encode/decode and 8 dihedral x colour inverses exact`);
  });

  it("refuses the same task id twice in one load", () => {
    expect(() => loadArcSources([join(sharedData, "arc-agi-1/training"), join(sharedData, "arc-agi-2/training")])).toThrow(
      /arc-agi-2\/training\/007bbfb7\.json, task 007bbfb7: field "id": expected an id not already loaded/,
    );
  });

  it("reads the task id from the file name and the subset from the folder", () => {
    const t = loadArcTaskFile(join(sharedData, "arc-agi-1/evaluation/05a7bcf2.json"));
    expect(t.id).toBe("05a7bcf2");
    expect(t.subset).toBe("evaluation");
  });
});
