import * as data from "@trm/data";

/** Rates of the data generators and the time of a dataset build (no tfjs involved). */
export interface DataBenchResult {
  readonly sudokuPerSec: number | null;
  readonly mazePerSec: number | null;
  readonly sudokuDatasetBuildMs: number | null;
  readonly notes: readonly string[];
}

type Fn = (options: Record<string, unknown>) => unknown;

function lookup(name: string): Fn | null {
  const f = (data as unknown as Record<string, unknown>)[name];
  return typeof f === "function" ? (f as Fn) : null;
}

function timed(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Unique 9x9 Sudoku per second, 30x30 mazes per second, and the build of a 1,000-puzzle x 1,000-augmentation Sudoku
 * set, each through @trm/data's public API; a function that is not exported yet is reported as missing.
 */
export function benchData(options: { sudokuCount: number; mazeCount: number; buildDataset: boolean }): DataBenchResult {
  const notes: string[] = [];
  let sudokuPerSec: number | null = null;
  let mazePerSec: number | null = null;
  let sudokuDatasetBuildMs: number | null = null;
  const gs = lookup("generateSudoku");
  if (gs) {
    gs({ size: 9, count: 2, seed: 99 }); // warm-up
    const ms = timed(() => gs({ size: 9, count: options.sudokuCount, seed: 1 }));
    sudokuPerSec = options.sudokuCount / (ms / 1000);
  } else notes.push("@trm/data does not export generateSudoku");
  const gm = lookup("generateMaze");
  if (gm) {
    gm({ side: 30, count: 2, seed: 99 });
    const ms = timed(() => gm({ side: 30, count: options.mazeCount, seed: 1 }));
    mazePerSec = options.mazeCount / (ms / 1000);
  } else notes.push("@trm/data does not export generateMaze");
  const build = lookup("buildSudokuDataset");
  if (options.buildDataset && build && gs) {
    const puzzles = gs({ size: 9, count: 1000, seed: 2 });
    sudokuDatasetBuildMs = timed(() => build({ puzzles, augmentations: 1000, seed: 3 }));
  } else if (options.buildDataset) notes.push("@trm/data does not export buildSudokuDataset");
  return { sudokuPerSec, mazePerSec, sudokuDatasetBuildMs, notes };
}
