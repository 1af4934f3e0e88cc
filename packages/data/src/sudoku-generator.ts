import { makeGrid } from "./grid.js";
import { createRng } from "./rng.js";
import type { SudokuPuzzle } from "./sudoku.js";
import { isSudokuSize, type SudokuSize } from "./sudoku-box.js";
import { solveSudoku } from "./sudoku-solver.js";

export interface SudokuGeneratorOptions {
  readonly size: SudokuSize;
  readonly count: number;
  readonly seed: number;
  /**
   * Stop removing givens at this many clues (default: remove while the solution stays unique, i.e. a minimal
   * puzzle). A higher value gives easier puzzles.
   */
  readonly minClues?: number;
  /** Called every few hundred puzzles and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
}

const PROGRESS_EVERY = 500;

/** A generated puzzle with its difficulty: the number of givens and the solver's backtracks on it. */
export interface GeneratedSudoku extends SudokuPuzzle {
  readonly clues: number;
  readonly backtracks: number;
}

/**
 * Random Sudoku with a unique solution, deterministic per seed: draw a random full board (solver with shuffled
 * candidates), then remove givens in random order, keeping a removal only if the solver still finds exactly one
 * solution. Uniqueness is therefore proven by the exact solver for every puzzle returned.
 */
export function generateSudoku(options: SudokuGeneratorOptions): GeneratedSudoku[] {
  const { size, count, seed } = options;
  if (!isSudokuSize(size)) throw new RangeError(`generateSudoku: size must be 4, 6 or 9, got ${String(size)}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`generateSudoku: count must be a non-negative integer, got ${count}`);
  const minClues = options.minClues ?? 0;
  if (!Number.isInteger(minClues) || minClues < 0 || minClues >= size * size) {
    throw new RangeError(`generateSudoku: minClues must be an integer from 0 to ${size * size - 1} (a board needs a blank), got ${minClues}`);
  }
  const rng = createRng(seed);
  const out: GeneratedSudoku[] = [];
  for (let k = 0; k < count; k++) {
    const full = solveSudoku(makeGrid(size, size), size, 1, rng).solution;
    if (!full) throw new Error("generateSudoku: the empty board has no solution (solver bug)");
    const question = makeGrid(size, size, full.cells);
    let clues = size * size;
    for (const i of rng.permutation(size * size)) {
      if (clues <= minClues) break;
      const v = question.cells[i] ?? 0;
      question.cells[i] = 0;
      if (solveSudoku(question, size, 2).solutions === 1) clues--;
      else question.cells[i] = v;
    }
    const { backtracks } = solveSudoku(question, size, 2);
    out.push({ size, question, answer: full, source: `generated:size=${size},seed=${seed}`, rating: backtracks, clues, backtracks });
    if (options.onProgress && ((k + 1) % PROGRESS_EVERY === 0 || k + 1 === count)) options.onProgress(k + 1, count);
  }
  return out;
}
