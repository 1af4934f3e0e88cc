import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  buildSudokuDataset,
  datasetExamples,
  generateSudoku,
  readDataset,
  readIdentifiers,
  writeBuiltDataset,
  type PuzzleDataset,
} from "@trm/data";

/** The datasets both models train and test on. */
export interface CompareData {
  readonly task: string;
  /** One line for the report header and the table. */
  readonly description: string;
  readonly train: PuzzleDataset;
  readonly test: PuzzleDataset;
  readonly identifiers: readonly string[];
  /** Where it lives on disk. */
  readonly dir: string;
}

/** The embedded default: generated 4x4 Sudoku (see README for how the size and counts were chosen). */
export const DEFAULT_SUDOKU = {
  size: 4,
  /** Original training puzzles; each becomes a group with `augmentations` shuffled variants. */
  train: 1000,
  augmentations: 15,
  /** Held-out test puzzles, none of which is a training original. */
  test: 256,
  /**
   * Givens kept at least: 0 removes givens while the solution stays unique, giving minimal puzzles (4.3 givens on
   * average at seed 0). A higher floor makes easier puzzles.
   */
  minClues: 0,
} as const;

/** Reads a built dataset (`trm-train build-data`), with a clear message when the folder is not one. */
export function readCompareData(dir: string, task: string): CompareData {
  for (const f of ["train/dataset.json", "test/dataset.json"]) {
    if (!existsSync(join(dir, f))) {
      throw new Error(`--data ${dir}: ${f} is missing; build a dataset with \`pnpm trm-train build-data --task ${task} ... --out ${dir}\``);
    }
  }
  const train = readDataset(dir, "train");
  const test = readDataset(dir, "test");
  const identifiers = existsSync(join(dir, "identifiers.json")) ? readIdentifiers(dir) : ["<blank>"];
  return {
    task,
    description: `${task} from ${dir}: ${datasetExamples(train)} training and ${datasetExamples(test)} test examples`,
    train,
    test,
    identifiers,
    dir,
  };
}

/**
 * Generates the default Sudoku dataset under `dir` (deterministic per seed): unique-solution puzzles with the fewest
 * givens the generator reaches, training originals augmented as the official builder, and test puzzles whose
 * question is not among the training originals.
 */
export function generateDefaultSudoku(dir: string, seed: number): CompareData {
  const { size, train: nTrain, test: nTest, augmentations, minClues } = DEFAULT_SUDOKU;
  const train = generateSudoku({ size, count: nTrain, seed, minClues });
  const seen = new Set(train.map((p) => Array.from(p.question.cells).join("")));
  // Draw extra test candidates and keep the first nTest that are not training questions.
  const candidates = generateSudoku({ size, count: nTest * 3, seed: seed + 7919, minClues });
  const test = candidates.filter((p) => {
    const key = Array.from(p.question.cells).join("");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (test.length < nTest) throw new Error(`generated only ${test.length} distinct test puzzles, wanted ${nTest}`);
  const built = buildSudokuDataset({ train, test: test.slice(0, nTest), augmentations, seed });
  writeBuiltDataset(dir, built);
  const clues = train.reduce((s, p) => s + p.clues, 0) / train.length;
  return {
    task: "sudoku",
    description:
      `generated Sudoku ${size}x${size}: ${nTrain} training puzzles × ${1 + augmentations} (original + ${augmentations} shuffles), ` +
      `${nTest} unseen test puzzles, ${clues.toFixed(1)} givens on average`,
    train: built.train,
    test: built.test,
    identifiers: built.identifiers,
    dir,
  };
}
