import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSudokuDataset, generateSudoku } from "@trm/data";
import { writeBuiltDataset } from "@trm/data/node";
import { DEFAULT_OPTIONS, type ParityOptions } from "../options.js";

/** A fresh temporary folder holding a tiny 4x4 Sudoku dataset in `data/` (24 train, 4 test puzzles). */
export function tinySudokuFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const train = generateSudoku({ size: 4, count: 24, seed: 3, minClues: 6 });
  const test = generateSudoku({ size: 4, count: 4, seed: 4, minClues: 6 });
  writeBuiltDataset(join(dir, "data"), buildSudokuDataset({ train, test, augmentations: 1, seed: 3 }));
  return dir;
}

/** A tiny model on that dataset with 3 supervision steps, so halted rows are reset and refilled within a few steps. */
export const tinyOptions = (dir: string, over: Partial<ParityOptions>): ParityOptions => ({
  ...DEFAULT_OPTIONS,
  data: join(dir, "data"),
  hidden: 16,
  lLayers: 1,
  haltMaxSteps: 3,
  batch: 8,
  ...over,
});
