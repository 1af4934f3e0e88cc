import { describe, expect, it } from "vitest";
import { arcTask } from "./arc-task.js";
import { memoryFiles } from "./files.js";
import { baseName, dirName, joinPath } from "./path.js";
import { sudokuTask } from "./sudoku-task.js";

// A solved 4x4 Sudoku and its question (0 = blank).
const A = "1234341221434321";
const Q = "1030001221004300";

describe("memoryFiles: the built-in tasks load without a disk", () => {
  it("sudoku: a folder means its .csv files, sorted; a test* file feeds the test split", () => {
    const csv = `source,question,answer\nx,${Q},${A}\n`;
    const files = memoryFiles({ "data/train.csv": csv, "data/test.csv": csv, "data/notes.txt": "not a puzzle" });
    const items = sudokuTask.load(["data"], files);
    expect(items.map((i) => [i.id, i.train.length, i.test.length])).toEqual([
      ["test.csv#0", 0, 1],
      ["train.csv#0", 1, 0],
    ]);
    expect(() => sudokuTask.load(["nope"], files)).toThrow(/nope: field "path": expected an existing file or folder, got no such path/);
  });

  it("arc: per-task JSON in a folder named like its subset, the Kaggle pair read together", () => {
    const task = { train: [{ input: [[1, 2]], output: [[2, 1]] }], test: [{ input: [[3, 4]], output: [[4, 3]] }] };
    const files = memoryFiles({
      "arc/evaluation/t1.json": JSON.stringify(task),
      "k/arc-agi_training_challenges.json": JSON.stringify({ k1: { ...task, test: [{ input: [[3, 4]] }] } }),
      "k/arc-agi_training_solutions.json": JSON.stringify({ k1: [[[4, 3]]] }),
    });
    const items = arcTask.load(["arc", "k"], files);
    expect(items.map((i) => [i.id, i.train.length, i.test.length])).toEqual([
      ["t1", 1, 1],
      ["k1", 2, 0],
    ]);
  });
});

describe("path helpers", () => {
  it("work like node:path on plain names", () => {
    expect(baseName("a/b/c.json", ".json")).toBe("c");
    expect(baseName("a\\b\\c.csv")).toBe("c.csv");
    expect(baseName("dir/")).toBe("dir");
    expect(dirName("a/b/c.json")).toBe("a/b");
    expect(dirName("c.json")).toBe(".");
    expect(dirName("/c.json")).toBe("/");
    expect(joinPath("a", "b")).toBe("a/b");
    expect(joinPath("a/", "b")).toBe("a/b");
  });
});
