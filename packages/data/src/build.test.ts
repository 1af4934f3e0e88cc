import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeArcGrid } from "./arc.js";
import { invertArcAugmentation } from "./arc-augment.js";
import { arcPuzzleInverses, buildArcDataset } from "./arc-task.js";
import { buildDataset, holdOutItems, subsampleItems } from "./build.js";
import { gridFromRows, gridsEqual, type Grid } from "./grid.js";
import { buildMazeDataset } from "./maze-task.js";
import { generateMaze } from "./maze-generator.js";
import { decodeSudokuGrid, sudokuConflict } from "./sudoku.js";
import { generateSudoku } from "./sudoku-generator.js";
import { buildSudokuDataset, sudokuTask } from "./sudoku-task.js";
import type { ArcTask } from "./arc.js";
import { writeBuiltDataset, readDataset, readIdentifiers } from "./node.js";

describe("buildSudokuDataset (official Sudoku layout)", () => {
  it("makes one group of 1+N one-example puzzles per train puzzle, unaugmented test, all ids 0", () => {
    const train = generateSudoku({ size: 4, count: 3, seed: 1 });
    const test = generateSudoku({ size: 4, count: 2, seed: 2 });
    const built = buildSudokuDataset({ train, test, augmentations: 5, seed: 7 });
    const { train: tr, test: te } = built;
    expect(tr.metadata).toEqual({
      pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 6, seq_len: 16,
      num_puzzle_identifiers: 1, total_groups: 3, mean_puzzle_examples: 1, total_puzzles: 18, sets: ["all"], task: "sudoku",
    });
    expect(Array.from(tr.groupIndices)).toEqual([0, 6, 12, 18]);
    expect(Array.from(tr.puzzleIndices)).toEqual(Array.from({ length: 19 }, (_, i) => i));
    expect(tr.puzzleIdentifiers.every((v) => v === 0)).toBe(true);
    expect(te.metadata.total_puzzles).toBe(2);
    expect(te.metadata.total_groups).toBe(2);
    expect(built.identifiers).toEqual(["<blank>"]);
    // The first puzzle of each group is the original; every variant's answer solves its question.
    expect(gridsEqual(decodeSudokuGrid(tr.labels.subarray(0, 16)), train[0]!.answer)).toBe(true);
    for (let e = 0; e < 18; e++) {
      const q = decodeSudokuGrid(tr.inputs.subarray(e * 16, e * 16 + 16));
      const a = decodeSudokuGrid(tr.labels.subarray(e * 16, e * 16 + 16));
      expect(sudokuConflict(a, 4)).toBeUndefined();
      q.cells.forEach((v, i) => expect(v === 0 || v === a.cells[i]).toBe(true));
    }
    // Deterministic per seed.
    const again = buildSudokuDataset({ train, test, augmentations: 5, seed: 7 });
    expect(Array.from(again.train.inputs)).toEqual(Array.from(tr.inputs));
  });

  it("refuses mixed board sizes in one dataset", () => {
    const items = [...generateSudoku({ size: 4, count: 1, seed: 1 }), ...generateSudoku({ size: 6, count: 1, seed: 1 })];
    expect(() => buildSudokuDataset({ train: items, test: [] })).toThrow(/field "board": expected seqLen 16 and vocab 6 like item train#0/);
  });

  it("subsamples train items and holds out test items, per seed", () => {
    const items = sudokuTask.generate!({ size: "4", train: "10", test: "0" }, 3);
    expect(subsampleItems(items, 4, 1).length).toBe(4);
    const held = holdOutItems(items, 3, 1);
    expect(held.filter((i) => i.test.length > 0).length).toBe(3);
    expect(held.filter((i) => i.train.length > 0).length).toBe(7);
  });
});

const g = (rows: number[][]): Grid => gridFromRows(rows);
const fixtureTasks: ArcTask[] = [
  { id: "aaa", subset: "training", file: "aaa.json", train: [{ input: g([[1, 2]]), output: g([[2, 1]]) }, { input: g([[3]]), output: g([[3]]) }], test: [{ input: g([[4, 5]]), output: g([[5, 4]]) }] },
  { id: "bbb", subset: "evaluation", file: "bbb.json", train: [{ input: g([[1, 0], [0, 1]]), output: g([[0, 1], [1, 0]]) }], test: [{ input: g([[2, 0, 7]]), output: g([[7, 0, 2]]) }] },
];

describe("buildArcDataset (official ARC layout)", () => {
  it("routes demo pairs to train and evaluation test pairs to test, one id per variant, inverses recoverable", () => {
    const built = buildArcDataset({ tasks: fixtureTasks, augmentations: 4, seed: 42 });
    const { train, test, identifiers } = built;
    expect(train.metadata.seq_len).toBe(900);
    expect(train.metadata.vocab_size).toBe(12);
    expect(train.metadata.total_groups).toBe(2);
    expect(test.metadata.total_groups).toBe(1);
    expect(train.metadata.total_puzzles).toBe(10);
    expect(test.metadata.total_puzzles).toBe(5);
    // aaa: 3 examples per puzzle in train (2 demo + its test pair); bbb: 1 demo in train, 1 test pair in test.
    expect(Array.from(train.puzzleIndices)).toEqual([0, 3, 6, 9, 12, 15, 16, 17, 18, 19, 20]);
    expect(identifiers.length).toBe(11);
    expect(train.metadata.num_puzzle_identifiers).toBe(11);
    expect(new Set(identifiers).size).toBe(11);
    expect(identifiers[1]).toBe("aaa");
    expect(identifiers[2]).toMatch(/^aaa_t[0-7]_0\d{9}$/);
    // Test puzzles share the identifiers of their train variants.
    expect(Array.from(test.puzzleIdentifiers)).toEqual(Array.from(train.puzzleIdentifiers.subarray(5, 10)));
    expect(train.metadata.mean_puzzle_examples).toBe(20 / 10);
    // Every test prediction maps back to the original frame through the identifier's inverse.
    const inv = arcPuzzleInverses(identifiers);
    for (let p = 0; p < 5; p++) {
      const id = test.puzzleIdentifiers[p]!;
      const e = test.puzzleIndices[p]!;
      const pred = decodeArcGrid(test.labels.subarray(e * 900, e * 900 + 900));
      const back = invertArcAugmentation(pred, inv[id]!.augmentation);
      expect(inv[id]!.taskId).toBe("bbb");
      expect(gridsEqual(back, fixtureTasks[1]!.test[0]!.output)).toBe(true);
    }
    expect(built.extraFiles["test_puzzles.json"]).toEqual({ bbb: { train: [{ input: [[1, 0], [0, 1]], output: [[0, 1], [1, 0]] }], test: [{ input: [[2, 0, 7]], output: [[7, 0, 2]] }] } });
  });

  it("translates train examples except one per puzzle; test examples stay at the top left", () => {
    const { train, test } = buildArcDataset({ tasks: fixtureTasks, augmentations: 0, seed: 1 });
    const atOrigin = (tokens: Uint8Array, e: number): boolean => (tokens[e * 900] ?? 0) >= 2;
    const firstPuzzle = [0, 1, 2].map((e) => atOrigin(train.inputs as Uint8Array, e));
    expect(firstPuzzle.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(atOrigin(test.inputs as Uint8Array, 0)).toBe(true);
    // A translated example still holds its grid: colour tokens count = cells.
    const colours = (e: number): number => Array.from(train.inputs.subarray(e * 900, e * 900 + 900)).filter((v) => v >= 2).length;
    expect([colours(0), colours(1), colours(2)]).toEqual([2, 1, 2]);
  });

  it("writes the layout and reads it back, with identifiers.json and test_puzzles.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "arc-build-"));
    const built = buildArcDataset({ tasks: fixtureTasks, augmentations: 2, seed: 42 });
    writeBuiltDataset(dir, built);
    expect(readDataset(dir, "train")).toEqual(built.train);
    expect(readDataset(dir, "test")).toEqual(built.test);
    expect(readIdentifiers(dir)).toEqual(built.identifiers);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, "test_puzzles.json"), "utf8")) as object)).toEqual(["bbb"]);
  });
});

describe("buildMazeDataset", () => {
  it("augments train with distinct dihedral variants only, ids 0", () => {
    const train = generateMaze({ side: 7, count: 2, seed: 1, minPath: 4 });
    const test = generateMaze({ side: 7, count: 1, seed: 2, minPath: 4 });
    const { train: tr, test: te } = buildMazeDataset({ train, test, augmentations: 7 });
    expect(tr.metadata.vocab_size).toBe(6);
    expect(tr.metadata.seq_len).toBe(49);
    expect(tr.metadata.total_groups).toBe(2);
    expect(tr.metadata.total_puzzles).toBe(16); // random mazes with S/G have no symmetry: all 8 transforms differ
    expect(te.metadata.total_puzzles).toBe(1);
  });
});

describe("buildDataset", () => {
  it("refuses augmentations for a task without them", () => {
    const task = { ...sudokuTask, augmentation: undefined };
    expect(() => buildDataset(task, sudokuTask.generate!({ size: "4", train: "1" }, 1), { augmentations: 1 })).toThrow(/has no augmentations/);
  });
});
