import { DataError, describeValue } from "./errors.js";
import { readJson, type FileSource } from "./files.js";
import { decodeNpy, type NpyArray } from "./npy.js";
import { joinPath } from "./path.js";

/** `dataset.json` of one split, with the official (snake_case) field names. */
export interface DatasetMetadata {
  pad_id: number;
  /** Label id that the loader maps to -100 (ignored by the loss); null = none. The official builders use 0 (PAD). */
  ignore_label_id: number | null;
  blank_identifier_id: number;
  vocab_size: number;
  seq_len: number;
  num_puzzle_identifiers: number;
  total_groups: number;
  mean_puzzle_examples: number;
  total_puzzles: number;
  sets: string[];
  /**
   * The task whose puzzles these are (`sudoku`, `maze`, `arc`, a plugin's name), written by `build-data` and checked
   * against `--task`. Datasets of the official builders (and older ones) have no such field: their vocabulary, sequence
   * length and a sample of rows are checked against the task instead.
   */
  task?: string;
}

/** Token arrays: uint8 on disk for every official task (vocab <= 256); int32 for larger vocabularies. */
export type TokenArray = Uint8Array | Int32Array;

/**
 * One split in memory, exactly the official arrays (N examples, P puzzles, G groups, L = seq_len):
 * - `inputs`, `labels`: [N * L] row-major tokens (raw label ids: the ignore id is mapped to -100 only in batches);
 * - `puzzleIdentifiers`: [P] identifier of each puzzle (0 = blank);
 * - `puzzleIndices`: [P + 1] example offsets, puzzle p owns examples puzzleIndices[p] .. puzzleIndices[p+1]-1;
 * - `groupIndices`: [G + 1] puzzle offsets, group g owns puzzles groupIndices[g] .. groupIndices[g+1]-1.
 */
export interface PuzzleDataset {
  metadata: DatasetMetadata;
  inputs: TokenArray;
  labels: TokenArray;
  puzzleIdentifiers: Int32Array;
  puzzleIndices: Int32Array;
  groupIndices: Int32Array;
}

export type Split = "train" | "test";

/** Largest vocabulary a dataset may declare: bigger is a corrupt field, and would be allocated as an embedding. */
export const MAX_VOCAB_SIZE = 65_536;
/** Largest sequence length a dataset may declare (ARC and 30x30 mazes use 900). */
export const MAX_SEQ_LEN = 65_536;
/** Largest number of puzzle identifiers (one embedding row each). */
export const MAX_PUZZLE_IDENTIFIERS = 16_777_216;
/** A set name is a plain file-name prefix: no folders, so a dataset can only read arrays inside its own folder. */
const SET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A task name as `registerTask` accepts it. */
const TASK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Rows of each split whose content {@link validateTaskData} checks when the dataset does not name its task. */
const CONTENT_SAMPLE_ROWS = 64;

export const DATASET_FIELDS = ["inputs", "labels", "puzzle_identifiers", "puzzle_indices", "group_indices"] as const;

/**
 * Parses `dataset.json`: every field typed and in range (sizes below their limits, pad and blank ids inside the
 * vocabulary and identifier ranges, a set name that stays inside the folder). `total_puzzles` may be missing (HRM's
 * builders omit it): it is then taken from the arrays. Agreement with the arrays is checked by {@link validateDataset}.
 */
export function parseMetadata(raw: unknown, file: string): Omit<DatasetMetadata, "total_puzzles"> & { total_puzzles?: number } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new DataError({ file, field: "root", expected: "an object" });
  const m = raw as Record<string, unknown>;
  const got = describeValue;
  const int = (key: string, lo: number, hi: number, what = `an integer from ${lo} to ${hi}`): number => {
    const v = m[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new DataError({ file, field: key, expected: what, got: got(v) });
    return v;
  };
  const vocab = int("vocab_size", 1, MAX_VOCAB_SIZE, `an integer from 1 to ${MAX_VOCAB_SIZE} (the vocabulary limit)`);
  const seqLen = int("seq_len", 1, MAX_SEQ_LEN, `an integer from 1 to ${MAX_SEQ_LEN} (the sequence length limit)`);
  const ids = int("num_puzzle_identifiers", 1, MAX_PUZZLE_IDENTIFIERS, `an integer from 1 to ${MAX_PUZZLE_IDENTIFIERS} (the identifier limit)`);
  const pad = int("pad_id", 0, vocab - 1, `a token id below vocab_size ${vocab}`);
  const blank = int("blank_identifier_id", 0, ids - 1, `an identifier below num_puzzle_identifiers ${ids}`);
  const ignore = m.ignore_label_id;
  if (ignore !== null && (typeof ignore !== "number" || !Number.isInteger(ignore) || ignore < 0 || ignore >= vocab)) {
    throw new DataError({ file, field: "ignore_label_id", expected: `null or a token id below vocab_size ${vocab}`, got: got(ignore) });
  }
  const mean = m.mean_puzzle_examples;
  if (typeof mean !== "number" || !Number.isFinite(mean) || mean < 0) {
    throw new DataError({ file, field: "mean_puzzle_examples", expected: "a finite number >= 0 (examples per puzzle)", got: got(mean) });
  }
  const sets = m.sets;
  if (!Array.isArray(sets) || sets.length !== 1 || typeof sets[0] !== "string") {
    throw new DataError({ file, field: "sets", expected: 'one set name (e.g. ["all"])', got: got(sets) });
  }
  if (!SET_NAME.test(sets[0]) || sets[0].includes("..")) {
    throw new DataError({ file, field: "sets", expected: "a plain set name (letters, digits, _ . -; no folders), naming arrays in this folder", got: got(sets[0]) });
  }
  const task = m.task;
  if (task !== undefined && (typeof task !== "string" || !TASK_NAME.test(task))) {
    throw new DataError({ file, field: "task", expected: "the name of the task that built the data (e.g. \"sudoku\")", got: got(task) });
  }
  return {
    pad_id: pad,
    ignore_label_id: ignore,
    blank_identifier_id: blank,
    vocab_size: vocab,
    seq_len: seqLen,
    num_puzzle_identifiers: ids,
    total_groups: int("total_groups", 0, 2 ** 31 - 1),
    mean_puzzle_examples: mean,
    ...(m.total_puzzles === undefined ? {} : { total_puzzles: int("total_puzzles", 0, 2 ** 31 - 1) }),
    sets: [sets[0]],
    ...(task === undefined ? {} : { task }),
  };
}

/**
 * Checks that the arrays agree with each other and with the metadata: shapes, monotone offsets that end at the
 * array sizes, tokens below vocab_size, identifiers below num_puzzle_identifiers.
 */
export function validateDataset(ds: PuzzleDataset, file: string): void {
  const { metadata: m } = ds;
  const fail = (field: string, expected: string, got: string): never => {
    throw new DataError({ file, field, expected, got });
  };
  const L = m.seq_len;
  if (L <= 0) fail("seq_len", "a positive length", String(L));
  if (ds.inputs.length % L !== 0) fail("inputs", `a multiple of seq_len ${L} tokens`, String(ds.inputs.length));
  if (ds.labels.length !== ds.inputs.length) fail("labels", `${ds.inputs.length} tokens like inputs`, String(ds.labels.length));
  const n = ds.inputs.length / L;
  const p = ds.puzzleIdentifiers.length;
  const checkOffsets = (name: string, arr: Int32Array, count: number, end: number): void => {
    if (arr.length !== count + 1) fail(name, `${count + 1} offsets`, String(arr.length));
    if (arr[0] !== 0) fail(name, "offsets starting at 0", String(arr[0]));
    for (let i = 1; i < arr.length; i++) if ((arr[i] ?? 0) < (arr[i - 1] ?? 0)) fail(`${name}[${i}]`, "non-decreasing offsets", `${arr[i - 1]} then ${arr[i]}`);
    if (arr[arr.length - 1] !== end) fail(name, `the last offset to be ${end}`, String(arr[arr.length - 1]));
  };
  checkOffsets("puzzle_indices", ds.puzzleIndices, p, n);
  checkOffsets("group_indices", ds.groupIndices, ds.groupIndices.length - 1, p);
  if (m.total_groups !== ds.groupIndices.length - 1) fail("total_groups", `${ds.groupIndices.length - 1} (from group_indices)`, String(m.total_groups));
  for (const [name, arr] of [["inputs", ds.inputs], ["labels", ds.labels]] as const) {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i] ?? 0;
      if (v < 0 || v >= m.vocab_size) fail(`${name}[${Math.floor(i / L)}][${i % L}]`, `a token id below vocab_size ${m.vocab_size}`, String(v));
    }
  }
  if (m.total_puzzles !== p) fail("total_puzzles", `${p} (from puzzle_identifiers)`, String(m.total_puzzles));
  const mean = p === 0 ? 0 : n / p;
  if (Math.abs(m.mean_puzzle_examples - mean) > 1e-6 * Math.max(1, mean)) {
    fail("mean_puzzle_examples", `${mean} (${n} examples / ${p} puzzles)`, String(m.mean_puzzle_examples));
  }
  for (let i = 0; i < p; i++) {
    const v = ds.puzzleIdentifiers[i] ?? 0;
    if (v < 0 || v >= m.num_puzzle_identifiers) fail(`puzzle_identifiers[${i}]`, `an id below num_puzzle_identifiers ${m.num_puzzle_identifiers}`, String(v));
  }
}

/**
 * Reads `<dir>/<split>/dataset.json` and its `<set>__*.npy` arrays through `files`, as written by the official
 * builders or by `writeDataset`. Everything is checked with `validateDataset` before returning.
 */
export function readDatasetFrom(files: FileSource, dir: string, split: Split): PuzzleDataset {
  const splitDir = joinPath(dir, split);
  const metaFile = joinPath(splitDir, "dataset.json");
  const meta = parseMetadata(readJson(files, metaFile), metaFile);
  const set = meta.sets[0] ?? "all";
  const arrays = Object.fromEntries(
    DATASET_FIELDS.map((f) => {
      const file = joinPath(splitDir, `${set}__${f}.npy`);
      if (files.kind(file) !== "file") throw new DataError({ file, field: "file", expected: `the ${f} array of ${metaFile}`, got: "no such file" });
      const npy = decodeNpy(files.readBytes(file), file);
      const wantRank = f === "inputs" || f === "labels" ? 2 : 1;
      if (npy.shape.length !== wantRank) throw new DataError({ file, field: "shape", expected: `${wantRank} dimension(s)`, got: `(${npy.shape.join(", ")})` });
      if (wantRank === 2 && npy.shape[1] !== meta.seq_len) throw new DataError({ file, field: "shape", expected: `[N, ${meta.seq_len}] (seq_len)`, got: `(${npy.shape.join(", ")})` });
      if (wantRank === 1 && !(npy.data instanceof Int32Array)) throw new DataError({ file, field: "descr", expected: "an int32 (or int64) index array", got: npy.storedDtype });
      return [f, npy.data];
    }),
  ) as Record<(typeof DATASET_FIELDS)[number], NpyArray>;
  const ds: PuzzleDataset = {
    metadata: { ...meta, total_puzzles: meta.total_puzzles ?? arrays.puzzle_identifiers.length },
    inputs: arrays.inputs,
    labels: arrays.labels,
    puzzleIdentifiers: arrays.puzzle_identifiers as Int32Array,
    puzzleIndices: arrays.puzzle_indices as Int32Array,
    groupIndices: arrays.group_indices as Int32Array,
  };
  validateDataset(ds, splitDir);
  return ds;
}

/** `<dir>/identifiers.json`: puzzle names by identifier, `"<blank>"` at 0. */
export function readIdentifiersFrom(files: FileSource, dir: string): string[] {
  const file = joinPath(dir, "identifiers.json");
  const raw = readJson(files, file);
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== "string")) throw new DataError({ file, field: "root", expected: "an array of names", got: describeValue(raw) });
  return raw as string[];
}


/**
 * Checks that the train and test splits of one dataset describe the same model inputs: vocabulary, sequence length,
 * identifiers, pad/ignore/blank ids. A mismatch would otherwise surface only at the first evaluation. With `task`, the
 * layout must also be one of that task's (Sudoku data is not a maze dataset).
 */
export function validateSplits(
  train: PuzzleDataset,
  test: PuzzleDataset,
  dir: string,
  task?: TaskDataCheck,
): void {
  const keys = ["vocab_size", "seq_len", "num_puzzle_identifiers", "pad_id", "ignore_label_id", "blank_identifier_id"] as const;
  for (const k of keys) {
    if (train.metadata[k] !== test.metadata[k]) {
      throw new DataError({
        file: joinPath(joinPath(dir, "test"), "dataset.json"),
        field: k,
        expected: `${String(train.metadata[k])} like ${joinPath(joinPath(dir, "train"), "dataset.json")}`,
        got: String(test.metadata[k]),
      });
    }
  }
  if (train.metadata.task !== test.metadata.task) {
    throw new DataError({
      file: joinPath(joinPath(dir, "test"), "dataset.json"),
      field: "task",
      expected: `${JSON.stringify(train.metadata.task ?? null)} like ${joinPath(joinPath(dir, "train"), "dataset.json")}`,
      got: JSON.stringify(test.metadata.task ?? null),
    });
  }
  if (task !== undefined) {
    validateTaskData(train, joinPath(dir, "train"), task);
    validateTaskData(test, joinPath(dir, "test"), task);
  }
}

/** What {@link validateTaskData} asks of a task (a subset of `Task`). */
export interface TaskDataCheck {
  readonly name: string;
  layoutProblem?(layout: { readonly vocab_size: number; readonly seq_len: number }): string | undefined;
  contentProblem?(input: ArrayLike<number>, label: ArrayLike<number>): string | undefined;
}

/**
 * Checks that one split holds `task`'s puzzles. A dataset that names its task (`dataset.json` field `task`) must name
 * this one. One that does not (official builders, datasets written before the field) must have the task's vocabulary
 * and sequence length, and its first rows must read as the task's puzzles (e.g. every Sudoku answer a solved board,
 * every maze one start and one goal): 4x4 Sudoku and 4x4 mazes share a vocabulary size and length.
 */
export function validateTaskData(ds: PuzzleDataset, splitDir: string, task: TaskDataCheck): void {
  const file = joinPath(splitDir, "dataset.json");
  const recorded = ds.metadata.task;
  if (recorded !== undefined) {
    if (recorded !== task.name) throw new DataError({ file, field: "task", expected: `${JSON.stringify(task.name)} (the task asked for)`, got: `${JSON.stringify(recorded)}: this is ${recorded} data` });
    return;
  }
  const layout = task.layoutProblem?.(ds.metadata);
  if (layout !== undefined) throw new DataError({ file, field: "vocab_size/seq_len", expected: `${task.name} data (${layout})`, got: "another task's layout" });
  if (!task.contentProblem) return;
  const L = ds.metadata.seq_len;
  const rows = Math.min(CONTENT_SAMPLE_ROWS, ds.inputs.length / L);
  for (let r = 0; r < rows; r++) {
    const problem = task.contentProblem(ds.inputs.subarray(r * L, (r + 1) * L), ds.labels.subarray(r * L, (r + 1) * L));
    if (problem !== undefined) {
      throw new DataError({ file: joinPath(splitDir, `${ds.metadata.sets[0] ?? "all"}__labels.npy`), location: `row ${r}`, field: "tokens", expected: `${task.name} data (${problem})`, got: "another task's puzzles" });
    }
  }
}

/** Examples in a split (N). */
export function datasetExamples(ds: PuzzleDataset): number {
  return ds.inputs.length / ds.metadata.seq_len;
}

/** The numbers a build reports: groups, puzzles, examples, seqLen, vocab. */
export function datasetSummary(ds: PuzzleDataset): { groups: number; puzzles: number; examples: number; seqLen: number; vocab: number } {
  return {
    groups: ds.groupIndices.length - 1,
    puzzles: ds.puzzleIdentifiers.length,
    examples: datasetExamples(ds),
    seqLen: ds.metadata.seq_len,
    vocab: ds.metadata.vocab_size,
  };
}
