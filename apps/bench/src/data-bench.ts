import { buildSudokuDataset, generateMaze, generateSudoku } from "@trm/data";

/** Rates of the data generators and the time of a dataset build (no tfjs involved). */
export interface DataBenchResult {
  readonly sudokuPerSec: number;
  readonly mazePerSec: number;
  /** Build of a 1,000-puzzle x 1,000-augmentation Sudoku set (train split), the puzzles given. */
  readonly sudokuDatasetBuildMs: number;
  readonly sudokuDatasetExamples: number;
}

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

/** Unique 9x9 Sudoku per second, 30x30 mazes per second, and a 1,000 x 1,000 Sudoku dataset build. */
export function benchData(options: { sudokuCount: number; mazeCount: number; datasetPuzzles: number; augmentations: number }): DataBenchResult {
  generateSudoku({ size: 9, count: 2, seed: 99 }); // warm-up (JIT)
  const [, sudokuMs] = timed(() => generateSudoku({ size: 9, count: options.sudokuCount, seed: 1 }));
  generateMaze({ side: 30, count: 2, seed: 99 });
  const [, mazeMs] = timed(() => generateMaze({ side: 30, count: options.mazeCount, seed: 1 }));
  const puzzles = generateSudoku({ size: 9, count: options.datasetPuzzles, seed: 2 });
  const [built, buildMs] = timed(() => buildSudokuDataset({ train: puzzles, test: [], augmentations: options.augmentations, seed: 3 }));
  return {
    sudokuPerSec: options.sudokuCount / (sudokuMs / 1000),
    mazePerSec: options.mazeCount / (mazeMs / 1000),
    sudokuDatasetBuildMs: buildMs,
    sudokuDatasetExamples: built.train.puzzleIdentifiers.length,
  };
}
