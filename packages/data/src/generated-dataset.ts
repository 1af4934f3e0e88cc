import type { BuiltDataset } from "./build.js";
import { unseenPuzzles } from "./held-out.js";
import { generateMaze } from "./maze-generator.js";
import { buildMazeDataset } from "./maze-task.js";
import type { SudokuSize } from "./sudoku-box.js";
import { generateSudoku } from "./sudoku-generator.js";
import { buildSudokuDataset } from "./sudoku-task.js";

/** Which generator, and how hard its puzzles are. */
export type GeneratedPuzzles =
  | { readonly task: "sudoku"; readonly size: SudokuSize; readonly minClues: number }
  | { readonly task: "maze"; readonly side: number; readonly minPath: number };

export interface GeneratedDatasetSpec {
  readonly puzzles: GeneratedPuzzles;
  /** Original training puzzles; each becomes a group with `augmentations` symmetric variants. */
  readonly train: number;
  readonly augmentations: number;
  /** Held-out test puzzles, none of which is a training question. */
  readonly test: number;
}

export interface GeneratedDataset {
  readonly built: BuiltDataset;
  /** One line, e.g. "Sudoku 4x4, 4.3 givens on average". */
  readonly summary: string;
}

/**
 * A dataset in the official layout from a generator, deterministic per seed: training originals augmented as the
 * official builder, and test puzzles whose question is not among the training questions (drawn from 3x as many
 * candidates of a second stream).
 */
export function generateDataset(spec: GeneratedDatasetSpec, seed: number): GeneratedDataset {
  const p = spec.puzzles;
  const candidates = spec.test * 3;
  const options = { augmentations: spec.augmentations, seed };
  if (p.task === "sudoku") {
    const gen = (count: number, s: number) => generateSudoku({ size: p.size, count, seed: s, minClues: p.minClues });
    const train = gen(spec.train, seed);
    const test = unseenPuzzles(train, gen(candidates, seed + 7919), spec.test);
    const givens = train.reduce((s, x) => s + x.clues, 0) / Math.max(1, train.length);
    return {
      built: buildSudokuDataset({ train, test, ...options }),
      summary: `Sudoku ${p.size}x${p.size}, ${givens.toFixed(1)} givens on average`,
    };
  }
  const gen = (count: number, s: number) => generateMaze({ side: p.side, count, seed: s, minPath: p.minPath });
  const train = gen(spec.train, seed);
  const test = unseenPuzzles(train, gen(candidates, seed + 7919), spec.test);
  const path = train.reduce((s, x) => s + x.pathLength, 0) / Math.max(1, train.length);
  return {
    built: buildMazeDataset({ train, test, ...options }),
    summary: `mazes ${p.side}x${p.side}, shortest path ${path.toFixed(1)} steps on average`,
  };
}
