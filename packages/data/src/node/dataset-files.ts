import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuiltDataset } from "../build.js";
import { readDatasetFrom, readIdentifiersFrom, validateDataset, type PuzzleDataset, type Split } from "../dataset.js";
import { nodeFiles } from "./files.js";
import { writeFileAtomicSync } from "./atomic-write.js";
import { makeDirectory } from "./make-dir.js";
import { writeNpy } from "./npy-files.js";

function writeFileAtomic(file: string, text: string): void {
  writeFileAtomicSync(file, (fd) => writeFileSync(fd, text));
}

/**
 * Reads `<dir>/<split>/dataset.json` and its `<set>__*.npy` arrays, as written by the official builders or by
 * `writeDataset`. Everything is checked with `validateDataset` before returning.
 */
export function readDataset(dir: string, split: Split): PuzzleDataset {
  return readDatasetFrom(nodeFiles, dir, split);
}

/** `<dir>/identifiers.json`: puzzle names by identifier, `"<blank>"` at 0. */
export function readIdentifiers(dir: string): string[] {
  return readIdentifiersFrom(nodeFiles, dir);
}

/**
 * Writes one split in the official layout. Each file goes through a temporary name and a rename; `dataset.json` is
 * written last, so a split with a `dataset.json` is complete.
 */
export function writeDataset(dir: string, split: Split, ds: PuzzleDataset): void {
  const splitDir = join(dir, split);
  validateDataset(ds, splitDir);
  makeDirectory(splitDir, "dataset folder");
  const set = ds.metadata.sets[0] ?? "all";
  const n = ds.inputs.length / ds.metadata.seq_len;
  writeNpy(join(splitDir, `${set}__inputs.npy`), ds.inputs, [n, ds.metadata.seq_len]);
  writeNpy(join(splitDir, `${set}__labels.npy`), ds.labels, [n, ds.metadata.seq_len]);
  writeNpy(join(splitDir, `${set}__puzzle_identifiers.npy`), ds.puzzleIdentifiers, [ds.puzzleIdentifiers.length]);
  writeNpy(join(splitDir, `${set}__puzzle_indices.npy`), ds.puzzleIndices, [ds.puzzleIndices.length]);
  writeNpy(join(splitDir, `${set}__group_indices.npy`), ds.groupIndices, [ds.groupIndices.length]);
  writeFileAtomic(join(splitDir, "dataset.json"), JSON.stringify(ds.metadata));
}

/** Writes `<dir>/identifiers.json` atomically. */
export function writeIdentifiers(dir: string, identifiers: readonly string[]): void {
  makeDirectory(dir, "dataset folder");
  writeFileAtomic(join(dir, "identifiers.json"), JSON.stringify(identifiers));
}

/** Writes any JSON side file (e.g. `test_puzzles.json`) atomically. */
export function writeJsonFile(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value));
}

/** Writes `train/`, `test/`, `identifiers.json` and the side files under `dir`. */
export function writeBuiltDataset(dir: string, built: BuiltDataset): void {
  writeDataset(dir, "train", built.train);
  writeDataset(dir, "test", built.test);
  writeIdentifiers(dir, built.identifiers);
  for (const [name, value] of Object.entries(built.extraFiles)) writeJsonFile(join(dir, name), value);
}
