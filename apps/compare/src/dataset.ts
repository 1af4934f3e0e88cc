import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  datasetExamples,
  generateDataset,
  getTask,
  validateSplits,
  type PuzzleDataset,
} from "@trm/data";
import type { Scenario } from "./scenarios.js";
import { readDataset, readIdentifiers, writeBuiltDataset } from "@trm/data/node";

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

/** Generates a scenario's dataset under `dir` (deterministic per seed; test puzzles are never training questions). */
export function generateScenarioData(scenario: Scenario, dir: string, seed: number): CompareData {
  const { built, summary } = generateDataset({ puzzles: scenario.data, train: scenario.train, augmentations: scenario.augmentations, test: scenario.test }, seed);
  writeBuiltDataset(dir, built);
  return {
    task: scenario.data.task,
    description:
      `generated ${summary}: ${scenario.train} training puzzles × up to ${1 + scenario.augmentations} (original + ${scenario.augmentations} symmetric variants), ` +
      `${scenario.test} unseen test puzzles`,
    train: built.train,
    test: built.test,
    identifiers: built.identifiers,
    dir,
  };
}
