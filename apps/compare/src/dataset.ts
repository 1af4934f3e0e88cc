import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  buildMazeDataset,
  buildSudokuDataset,
  datasetExamples,
  generateMaze,
  generateSudoku,
  unseenPuzzles,
  type BuiltDataset,
  getTask,
  readDataset,
  validateSplits,
  readIdentifiers,
  writeBuiltDataset,
  type PuzzleDataset,
} from "@trm/data";
import type { Scenario } from "./scenarios.js";

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

/** Reads a built dataset (`trm-train build-data`), with a clear message when the folder is not one. */
export function readCompareData(dir: string, task: string): CompareData {
  for (const f of ["train/dataset.json", "test/dataset.json"]) {
    if (!existsSync(join(dir, f))) {
      throw new Error(`--data ${dir}: ${f} is missing; build a dataset with \`pnpm trm-train build-data --task ${task} ... --out ${dir}\``);
    }
  }
  const train = readDataset(dir, "train");
  const test = readDataset(dir, "test");
  validateSplits(train, test, dir, getTask(task));
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
 * Generates a scenario's dataset under `dir`, deterministic per seed: training originals augmented as the official
 * builder, and test puzzles whose question is not among the training questions.
 */
export function generateScenarioData(scenario: Scenario, dir: string, seed: number): CompareData {
  const d = scenario.data;
  // Extra test candidates, so enough stay after dropping training questions and repeats.
  const candidates = scenario.test * 3;
  const options = { augmentations: scenario.augmentations, seed };
  let built: BuiltDataset;
  let detail: string;
  if (d.task === "sudoku") {
    const train = generateSudoku({ size: d.size, count: scenario.train, seed, minClues: d.minClues });
    const test = unseenPuzzles(train, generateSudoku({ size: d.size, count: candidates, seed: seed + 7919, minClues: d.minClues }), scenario.test);
    built = buildSudokuDataset({ train, test, ...options });
    detail = `Sudoku ${d.size}x${d.size}, ${(train.reduce((s, p) => s + p.clues, 0) / train.length).toFixed(1)} givens on average`;
  } else {
    const train = generateMaze({ side: d.side, count: scenario.train, seed, minPath: d.minPath });
    const test = unseenPuzzles(train, generateMaze({ side: d.side, count: candidates, seed: seed + 7919, minPath: d.minPath }), scenario.test);
    built = buildMazeDataset({ train, test, ...options });
    detail = `mazes ${d.side}x${d.side}, shortest path ${(train.reduce((s, p) => s + p.pathLength, 0) / train.length).toFixed(1)} steps on average`;
  }
  writeBuiltDataset(dir, built);
  return {
    task: d.task,
    description:
      `generated ${detail}: ${scenario.train} training puzzles × up to ${1 + scenario.augmentations} (original + ${scenario.augmentations} symmetric variants), ` +
      `${scenario.test} unseen test puzzles`,
    train: built.train,
    test: built.test,
    identifiers: built.identifiers,
    dir,
  };
}
