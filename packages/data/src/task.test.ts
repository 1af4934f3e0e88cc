import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildDataset, holdOutItems } from "./build.js";
import { boardPicture } from "./task.js";
import { gridsEqual } from "./grid.js";
import { getTask, listTasks, registerTask, unregisterTask } from "./registry.js";
import { createRng } from "./rng.js";
import { latinSquareTask } from "./test-utils/latin-square-task.js";
import { nodeFiles, readDataset, writeBuiltDataset } from "./node.js";

afterAll(() => unregisterTask("latin-square"));

describe("task registry", () => {
  it("holds the built-in tasks and the README's example task", () => {
    expect(listTasks()).toEqual(["arc", "latin-square", "maze", "sudoku"]);
    expect(getTask("latin-square")).toBe(latinSquareTask);
    expect(() => registerTask(latinSquareTask)).toThrow(/already registered/);
    expect(() => getTask("nope")).toThrow(/unknown task "nope"; registered: arc, latin-square, maze, sudoku/);
  });
});

describe("README example: a Latin-square task", () => {
  it("builds a dataset through the registry and reads it back", () => {
    const task = getTask("latin-square");
    const items = holdOutItems(task.generate!({ train: "12" }, 1), 2, 1);
    const built = buildDataset(task, items, { augmentations: 3, seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), "latin-"));
    writeBuiltDataset(dir, built);
    const train = readDataset(dir, "train");
    expect(train.metadata).toMatchObject({ seq_len: 16, vocab_size: 6, total_groups: 10, total_puzzles: 40, num_puzzle_identifiers: 1 });
    expect(readDataset(dir, "test").metadata).toMatchObject({ total_groups: 2, total_puzzles: 2 });
    // Every stored example is a valid Latin square completion.
    for (let e = 0; e < 40; e++) {
      const question = task.decode(train.inputs.subarray(e * 16, e * 16 + 16));
      const answer = task.decode(train.labels.subarray(e * 16, e * 16 + 16));
      task.validate({ question, answer }, { file: dir, location: `example ${e}` });
    }
  });

  it("loads its file format and reports a bad line", () => {
    const dir = mkdtempSync(join(tmpdir(), "latin-src-"));
    writeFileSync(join(dir, "ok.txt"), "1234000000000000:1234341243212143\n");
    expect(latinSquareTask.load([join(dir, "ok.txt")], nodeFiles).length).toBe(1);
    writeFileSync(join(dir, "bad.txt"), "1234000000000000:1234341243212134\n");
    expect(() => latinSquareTask.load([join(dir, "bad.txt")], nodeFiles)).toThrow(/bad\.txt, line 1: field "answer": expected 1-4 once per row and column/);
  });

  it("its augmentation inverts exactly (property)", () => {
    const [item] = latinSquareTask.generate!({ train: "1" }, 3);
    const aug = latinSquareTask.augmentation!;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = aug.random(item!, createRng(seed), 1);
        const ex = item!.train[0]!;
        expect(gridsEqual(aug.apply(aug.apply(ex.answer, a), aug.inverse(a)), ex.answer)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("board pictures for reports", () => {
  it("each built-in task says how to draw its boards", () => {
    const sudoku = boardPicture(getTask("sudoku"), [2, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(sudoku).toMatchObject({ kind: "digits", box: { rows: 2, cols: 2 } });
    expect(Array.from(sudoku.grid.cells).slice(0, 5)).toEqual([1, 2, 3, 4, 0]);
    const six = boardPicture(getTask("sudoku"), new Array<number>(36).fill(1));
    expect(six).toMatchObject({ kind: "digits", box: { rows: 2, cols: 3 } });
    expect(boardPicture(getTask("maze"), [1, 2, 3, 4, 5, 1, 1, 1, 1])).toMatchObject({ kind: "maze", grid: { rows: 3, cols: 3 } });
    expect(boardPicture(getTask("arc"), new Array<number>(900).fill(0)).kind).toBe("colours");
  });

  it("a task without `picture` shows its token ids on a grid; ignored labels (-100) show as PAD", () => {
    const square = boardPicture(latinSquareTask, [-100, 2, 3, 4, 5, 2, 3, 4, 5, 2, 3, 4, 5, 2, 3, 4]);
    expect(square).toMatchObject({ kind: "digits", grid: { rows: 4, cols: 4 } });
    expect(Array.from(square.grid.cells).slice(0, 3)).toEqual([0, 2, 3]);
    expect(boardPicture({}, [1, 2, 3])).toMatchObject({ kind: "digits", grid: { rows: 1, cols: 3 } });
  });
});
