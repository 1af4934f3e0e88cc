import { describe, expect, it } from "vitest";
import { generateDataset } from "./generated-dataset.js";

const rows = (inputs: ArrayLike<number>, seqLen: number): string[] =>
  Array.from({ length: inputs.length / seqLen }, (_, i) => Array.from(inputs).slice(i * seqLen, (i + 1) * seqLen).join(","));

describe("generateDataset", () => {
  it("builds augmented training groups and a test split of unseen questions, the same per seed", () => {
    const spec = { puzzles: { task: "sudoku", size: 4, minClues: 0 }, train: 30, augmentations: 3, test: 10 } as const;
    const a = generateDataset(spec, 1);
    const L = a.built.train.metadata.seq_len;
    expect(L).toBe(16);
    expect(a.built.train.metadata.total_groups).toBe(30);
    expect(rows(a.built.test.inputs, L)).toHaveLength(10);
    const trainQuestions = new Set(rows(a.built.train.inputs, L));
    for (const q of rows(a.built.test.inputs, L)) expect(trainQuestions.has(q)).toBe(false);
    expect(a.summary).toMatch(/^Sudoku 4x4, \d+\.\d givens on average$/);
    expect(Array.from(generateDataset(spec, 1).built.test.inputs)).toEqual(Array.from(a.built.test.inputs));
    expect(Array.from(generateDataset(spec, 2).built.test.inputs)).not.toEqual(Array.from(a.built.test.inputs));
  });

  it("generates mazes too", () => {
    const m = generateDataset({ puzzles: { task: "maze", side: 7, minPath: 6 }, train: 12, augmentations: 1, test: 4 }, 3);
    expect(m.built.train.metadata.seq_len).toBe(49);
    expect(m.summary).toMatch(/^mazes 7x7, shortest path/);
  });
});
