import { describe, expect, it } from "vitest";
import { parseMetadata, validateSplits, validateTaskData, type PuzzleDataset } from "./dataset.js";
import { buildMazeDataset, mazeTask } from "./maze-task.js";
import { generateMaze } from "./maze-generator.js";
import { buildSudokuDataset, sudokuTask } from "./sudoku-task.js";
import { generateSudoku } from "./sudoku-generator.js";

const sudoku4 = () => buildSudokuDataset({ train: generateSudoku({ size: 4, count: 6, seed: 1 }), test: generateSudoku({ size: 4, count: 2, seed: 2 }) });
const maze4 = () => buildMazeDataset({ train: generateMaze({ side: 4, count: 6, seed: 1, minPath: 1 }), test: generateMaze({ side: 4, count: 2, seed: 2, minPath: 1 }) });
/** The dataset as the official builders (or this project before the `task` field) wrote it. */
const unnamed = (ds: PuzzleDataset): PuzzleDataset => {
  const { task: _task, ...metadata } = ds.metadata;
  return { ...ds, metadata };
};

describe("data vs --task", () => {
  it("build-data records the task in dataset.json", () => {
    expect(sudoku4().train.metadata.task).toBe("sudoku");
    expect(maze4().test.metadata.task).toBe("maze");
  });

  it("4x4 Sudoku and 4x4 mazes share vocab_size and seq_len, so the layout alone cannot tell them apart", () => {
    const s = sudoku4().train.metadata;
    const m = maze4().train.metadata;
    expect([s.vocab_size, s.seq_len]).toEqual([m.vocab_size, m.seq_len]);
  });

  it("a dataset naming its task refuses another task, naming the file, the field and both tasks", () => {
    const { train, test } = sudoku4();
    expect(() => validateSplits(train, test, "d", mazeTask)).toThrow('d/train/dataset.json: field "task": expected "maze" (the task asked for), got "sudoku": this is sudoku data');
    expect(() => validateSplits(train, test, "d", sudokuTask)).not.toThrow();
  });

  it("a dataset without the field is checked by content: Sudoku answers as mazes and maze answers as Sudoku fail", () => {
    const s = sudoku4();
    const m = maze4();
    expect(() => validateSplits(unnamed(s.train), unnamed(s.test), "d", mazeTask)).toThrow(
      /^d\/train\/all__labels\.npy, row 0: field "tokens": expected maze data \(every (question|answer) one start S and one goal G, not \d+ and \d+\), got another task's puzzles$/,
    );
    expect(() => validateSplits(unnamed(m.train), unnamed(m.test), "d", sudokuTask)).toThrow(/^d\/train\/all__labels\.npy, row 0: field "tokens": expected sudoku data \(every answer/);
    // Datasets written before the field still load for their own task.
    expect(() => validateSplits(unnamed(s.train), unnamed(s.test), "d", sudokuTask)).not.toThrow();
    expect(() => validateSplits(unnamed(m.train), unnamed(m.test), "d", mazeTask)).not.toThrow();
  });

  it("train and test must name the same task", () => {
    const s = sudoku4();
    expect(() => validateSplits(s.train, unnamed(s.test), "d")).toThrow('d/test/dataset.json: field "task": expected "sudoku" like d/train/dataset.json, got null');
  });

  it("validateTaskData checks one split (eval reads only the test split)", () => {
    expect(() => validateTaskData(sudoku4().test, "d/test", mazeTask)).toThrow(/d\/test\/dataset\.json: field "task"/);
  });

  it("parseMetadata keeps a task name and refuses a non-name", () => {
    const base = { pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 1, total_groups: 0, mean_puzzle_examples: 0, sets: ["all"] };
    expect(parseMetadata({ ...base, task: "maze" }, "f").task).toBe("maze");
    expect(parseMetadata(base, "f").task).toBeUndefined();
    expect(() => parseMetadata({ ...base, task: 7 }, "f")).toThrow('f: field "task": expected the name of the task that built the data');
    expect(() => parseMetadata({ ...base, task: "../x" }, "f")).toThrow('f: field "task"');
  });
});
