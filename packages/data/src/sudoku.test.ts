import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gridsEqual } from "./grid.js";
import { createRng } from "./rng.js";
import { decodeSudokuGrid, encodeSudokuGrid, parseSudokuCsv, parseSudokuPuzzleList, sudokuConflict } from "./sudoku.js";
import { applySudokuAugmentation, augmentSudoku, inverseSudokuAugmentation, randomSudokuAugmentation } from "./sudoku-augment.js";
import { SUDOKU_SIZES, type SudokuSize } from "./sudoku-box.js";
import { generateSudoku } from "./sudoku-generator.js";
import { solveSudoku } from "./sudoku-solver.js";
import { hasSharedData, sharedData } from "./test-utils/shared.js";

const Q = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
const A = "483921657967345821251876493548132976729564138136798245372689514814253769695417382";
const csv = (q: string, a: string): string => `source,question,answer,rating\nx,${Q},${A},3\ny,${q},${a},0\n`;

describe("Sudoku format", () => {
  it("parses a CSV row, encodes value+1 and decodes back", () => {
    const [p] = parseSudokuCsv(csv(Q, A), "s.csv");
    expect(p?.size).toBe(9);
    expect(p?.rating).toBe(3);
    const seq = encodeSudokuGrid(p!.question);
    expect(Array.from(seq.subarray(0, 4))).toEqual([1, 1, 4, 1]); // . . 3 .
    expect(gridsEqual(decodeSudokuGrid(seq), p!.question)).toBe(true);
    expect(gridsEqual(decodeSudokuGrid(encodeSudokuGrid(p!.answer)), p!.answer)).toBe(true);
  });

  it("rejects an 80-char question, a wrong answer, a clashing answer and a bad character, naming file, line and field", () => {
    expect(() => parseSudokuCsv(csv(Q.slice(1), A), "s.csv")).toThrow(
      's.csv, line 3: field "question": expected 16, 36 or 81 characters (a 4x4, 6x6 or 9x9 board, row-major), got 80 characters',
    );
    const wrong = `5${A.slice(1)}`; // disagrees with nothing given at cell 0 but breaks a row
    expect(() => parseSudokuCsv(csv(Q, wrong), "s.csv")).toThrow(/s\.csv, line 3: field "answer": expected a valid solution, got digit 5 twice in row 1/);
    const swapped = A.slice(0, 2) + "9" + A.slice(3); // cell 2 is a given 3
    expect(() => parseSudokuCsv(csv(Q, swapped), "s.csv")).toThrow(/field "answer": expected the given 3 at row 1, column 3, got 9/);
    expect(() => parseSudokuCsv(csv(Q.replace("9", "x"), A), "s.csv")).toThrow(/field "question": expected digits 1-9 or a blank \(\. or 0\) at cell 9, got "x"/);
    expect(() => parseSudokuCsv("source,question\nx,1\n", "h.csv")).toThrow(/h\.csv, line 1: field "header": expected a column "answer"/);
  });

  it("solves a puzzle list and refuses puzzles without a unique solution", () => {
    const [p] = parseSudokuPuzzleList(`# comment\n${Q}\n`, "l.txt");
    expect(Array.from(p!.answer.cells).join("")).toBe(A);
    expect(() => parseSudokuPuzzleList(".".repeat(81), "l.txt")).toThrow(/l\.txt, line 1: field "question": expected a puzzle with exactly one solution, got 2 or more/);
  });
});

describe("Sudoku solver and generator", () => {
  it.each(SUDOKU_SIZES)("generates %ix%i puzzles with a proven unique solution, deterministic per seed", (size) => {
    const count = size === 9 ? 3 : 10;
    const ps = generateSudoku({ size, count, seed: 5 });
    expect(ps.length).toBe(count);
    for (const p of ps) {
      const r = solveSudoku(p.question, size, 2);
      expect(r.solutions).toBe(1);
      expect(gridsEqual(r.solution!, p.answer)).toBe(true);
      expect(sudokuConflict(p.answer, size)).toBeUndefined();
      expect(p.clues).toBe(p.question.cells.filter((v) => v !== 0).length);
      expect(p.backtracks).toBeGreaterThanOrEqual(0);
    }
    const again = generateSudoku({ size, count, seed: 5 });
    expect(again.map((p) => Array.from(p.question.cells).join(""))).toEqual(ps.map((p) => Array.from(p.question.cells).join("")));
    const easy = generateSudoku({ size, count: 2, seed: 1, minClues: size * size - 3 });
    for (const p of easy) expect(p.clues).toBe(size * size - 3);
  });
});

describe("Sudoku augmentation", () => {
  it("keeps validity and inverts exactly, for 4, 6 and 9 (property)", () => {
    const puzzles = new Map(SUDOKU_SIZES.map((s) => [s, generateSudoku({ size: s, count: 2, seed: 11 })]));
    fc.assert(
      fc.property(fc.constantFrom<SudokuSize>(...SUDOKU_SIZES), fc.integer({ min: 0, max: 1 }), fc.integer(), (size, k, seed) => {
        const p = puzzles.get(size)![k]!;
        const aug = randomSudokuAugmentation(size, createRng(seed));
        if (size === 6) expect(aug.transpose).toBe(false);
        const q = augmentSudoku(p, aug);
        // The augmented answer is a valid solution of the augmented question, and still its only one.
        expect(sudokuConflict(q.answer, size)).toBeUndefined();
        q.question.cells.forEach((v, i) => expect(v === 0 || v === q.answer.cells[i]).toBe(true));
        expect(solveSudoku(q.question, size, 2).solutions).toBe(1);
        const inv = inverseSudokuAugmentation(aug);
        expect(gridsEqual(applySudokuAugmentation(q.question, inv), p.question)).toBe(true);
        expect(gridsEqual(applySudokuAugmentation(q.answer, inv), p.answer)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses transpose for 6x6 (2x3 boxes)", () => {
    const [p] = generateSudoku({ size: 6, count: 1, seed: 1 });
    const aug = { ...randomSudokuAugmentation(6, createRng(1)), transpose: true };
    expect(() => applySudokuAugmentation(p!.answer, aug)).toThrow(/2x3 boxes: transpose would break them/);
  });
});

describe.skipIf(!hasSharedData)("Sudoku files in ../shared/data/sudoku-hard", () => {
  it("parses every solved CSV row of norvig_top95 and solves the tdoku unique puzzles", () => {
    const ps = parseSudokuCsv(readFileSync(join(sharedData, "sudoku-hard/solved/norvig_top95.csv"), "utf8"), "top95.csv");
    expect(ps.length).toBe(95);
    const lines = readFileSync(join(sharedData, "sudoku-hard/tdoku-test/test_puzzles.txt"), "utf8").split("\n").filter((l) => l.split(":")[1] === "1");
    expect(lines.length).toBe(18);
    for (const line of lines) {
      const [q, , a] = line.split(":");
      const [p] = parseSudokuPuzzleList(q!, "tdoku");
      expect(Array.from(p!.answer.cells).join("")).toBe(a);
    }
  });
});
