import { readJson, type FileSource } from "./files.js";
import { baseName, dirName, joinPath } from "./path.js";
import { DataError, describeValue } from "./errors.js";
import { gridFromRows, type Grid } from "./grid.js";

/** ARC boards are at most 30 x 30; the encoded sequence is the full 30 x 30 board. */
export const ARC_MAX_SIDE = 30;
export const ARC_SEQ_LEN = ARC_MAX_SIDE * ARC_MAX_SIDE;
/** Token ids as the official builders: PAD 0, EOS 1, colour c -> c + 2. */
export const ARC_PAD = 0;
export const ARC_EOS = 1;
export const ARC_COLOUR_OFFSET = 2;
export const ARC_VOCAB_SIZE = 12;

export interface ArcPair {
  readonly input: Grid;
  readonly output: Grid;
}

/** One ARC task. `subset` is the folder (or Kaggle file) it came from: `training`, `evaluation`, a concept name... */
export interface ArcTask {
  readonly id: string;
  readonly subset: string;
  readonly file: string;
  readonly train: readonly ArcPair[];
  readonly test: readonly ArcPair[];
}

const describe = describeValue;

/** Checks one grid: a non-empty array of equal-length rows, 1-30 on each side, integers 0-9. */
export function parseArcGrid(raw: unknown, file: string, location: string, field: string): Grid {
  const fail = (expected: string, got: string): DataError => new DataError({ file, location, field, expected, got });
  if (!Array.isArray(raw) || raw.length === 0) throw fail("a non-empty array of rows", describe(raw));
  if (raw.length > ARC_MAX_SIDE) throw fail(`at most ${ARC_MAX_SIDE} rows`, `${raw.length} rows`);
  const first: unknown = raw[0];
  const cols = Array.isArray(first) ? first.length : -1;
  if (cols < 1 || cols > ARC_MAX_SIDE) throw fail(`rows of 1 to ${ARC_MAX_SIDE} cells`, describe(first));
  raw.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) throw fail(`row ${r} to be an array`, describe(row));
    if (row.length !== cols) throw fail(`a rectangular grid: row ${r} with ${cols} cells like row 0`, `${row.length} cells`);
    row.forEach((v: unknown, c) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 9) {
        throw fail(`colours 0-9 (integers) at [${r}][${c}]`, describe(v));
      }
    });
  });
  return gridFromRows(raw as number[][]);
}

function parsePairs(raw: unknown, file: string, id: string, key: "train" | "test"): ArcPair[] {
  if (!Array.isArray(raw)) throw new DataError({ file, location: `task ${id}`, field: key, expected: "an array of {input, output}", got: describe(raw) });
  return raw.map((pair: unknown, i) => {
    const field = `${key}[${i}]`;
    if (typeof pair !== "object" || pair === null) {
      throw new DataError({ file, location: `task ${id}`, field, expected: "an object {input, output}", got: describe(pair) });
    }
    const p = pair as Record<string, unknown>;
    if (p.output === undefined) {
      throw new DataError({ file, location: `task ${id}`, field: `${field}.output`, expected: "an output grid (the answer)", got: "nothing" });
    }
    return {
      input: parseArcGrid(p.input, file, `task ${id}`, `${field}.input`),
      output: parseArcGrid(p.output, file, `task ${id}`, `${field}.output`),
    };
  });
}

/** Parses one task object `{train: [...], test: [...]}` (extra keys such as `name` are allowed and ignored). */
export function parseArcTask(raw: unknown, file: string, id: string, subset: string): ArcTask {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DataError({ file, location: `task ${id}`, field: "task", expected: "an object {train, test}", got: describe(raw) });
  }
  const t = raw as Record<string, unknown>;
  const train = parsePairs(t.train, file, id, "train");
  const test = parsePairs(t.test, file, id, "test");
  if (train.length === 0) throw new DataError({ file, location: `task ${id}`, field: "train", expected: "at least one demonstration pair", got: "[]" });
  return { id, subset, file, train, test };
}

/** One task per file (ARC-AGI-1/2, ConceptARC): the id is the file name, the subset its folder's name. */
export function readArcTaskFile(files: FileSource, file: string): ArcTask {
  return parseArcTask(readJson(files, file), file, baseName(file, ".json"), baseName(dirName(file)));
}

/**
 * The held-out ARC tasks of a built dataset: `<dir>/test_puzzles.json` (`{task_id: {train, test}}`, as the official
 * builder writes it), in file order. Null when the dataset has no such file (it was not built from ARC).
 */
export function readArcTestPuzzles(files: FileSource, dir: string): ArcTask[] | null {
  const file = joinPath(dir, "test_puzzles.json");
  if (files.kind(file) !== "file") return null;
  const raw = readJson(files, file);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new DataError({ file, field: "json", expected: "an object {task_id: {train, test}}", got: describe(raw) });
  }
  return Object.entries(raw).map(([id, task]) => parseArcTask(task, file, id, "test"));
}

/**
 * The combined Kaggle pair: `<prefix>_<subset>_challenges.json` (test pairs without outputs) plus the matching
 * `<prefix>_<subset>_solutions.json` (`{id: [grid per test input]}`), which must exist and cover every test input.
 */
export function readArcKaggle(files: FileSource, challengesFile: string): ArcTask[] {
  const m = /^(.*)_([^_]+)_challenges\.json$/.exec(challengesFile);
  if (!m) throw new DataError({ file: challengesFile, field: "file name", expected: "<prefix>_<subset>_challenges.json" });
  const subset = baseName(m[2] ?? "");
  const solutionsFile = `${m[1]}_${subset}_solutions.json`;
  if (files.kind(solutionsFile) !== "file") {
    throw new DataError({ file: challengesFile, field: "solutions", expected: `the answers in ${solutionsFile}`, got: "no such file" });
  }
  const challenges = readJson(files, challengesFile);
  const solutions = readJson(files, solutionsFile);
  if (typeof challenges !== "object" || challenges === null || Array.isArray(challenges)) {
    throw new DataError({ file: challengesFile, field: "root", expected: "an object {task id: task}" });
  }
  if (typeof solutions !== "object" || solutions === null || Array.isArray(solutions)) {
    throw new DataError({ file: solutionsFile, field: "root", expected: "an object {task id: [grid, ...]}" });
  }
  const sols = solutions as Record<string, unknown>;
  return Object.entries(challenges as Record<string, unknown>).map(([id, task]) => {
    const answers = sols[id];
    if (typeof task !== "object" || task === null || Array.isArray(task)) {
      throw new DataError({ file: challengesFile, location: `task ${id}`, field: id, expected: "an object {train, test}", got: describe(task) });
    }
    const t = task as { test?: unknown };
    if (!Array.isArray(t.test)) {
      throw new DataError({ file: challengesFile, location: `task ${id}`, field: "test", expected: "an array of {input}", got: describe(t.test) });
    }
    const tests = t.test as unknown[];
    if (!Array.isArray(answers) || answers.length !== tests.length) {
      throw new DataError({
        file: solutionsFile,
        location: `task ${id}`,
        field: id,
        expected: `${tests.length} answer grid(s), one per test input`,
        got: describe(answers),
      });
    }
    const merged = {
      ...task,
      test: tests.map((p, i) => (typeof p === "object" && p !== null && !Array.isArray(p) ? { ...p, output: answers[i] as unknown } : p)),
    };
    return parseArcTask(merged, challengesFile, id, subset);
  });
}

/**
 * Loads tasks from files and folders. A folder is walked recursively for `*.json` (other files, such as licences and
 * id lists, are not tasks); a `*_challenges.json` file is read with its solutions. Task ids must be unique per subset.
 */
export function readArcSources(files: FileSource, paths: readonly string[]): ArcTask[] {
  const tasks: ArcTask[] = [];
  const visit = (p: string): void => {
    const kind = files.kind(p);
    if (kind === undefined) throw new DataError({ file: p, field: "path", expected: "an existing file or folder", got: "no such path" });
    if (kind === "dir") {
      for (const name of files.list(p).sort()) {
        const child = joinPath(p, name);
        if (name.endsWith(".json") || files.kind(child) === "dir") {
          if (name.endsWith("_solutions.json")) continue; // read together with its challenges file
          visit(child);
        }
      }
    } else if (p.endsWith("_challenges.json")) tasks.push(...readArcKaggle(files, p));
    else tasks.push(readArcTaskFile(files, p));
  };
  paths.forEach(visit);
  const seen = new Map<string, string>();
  for (const t of tasks) {
    const key = `${t.subset}/${t.id}`;
    const prev = seen.get(key);
    if (prev !== undefined) throw new DataError({ file: t.file, location: `task ${t.id}`, field: "id", expected: `an id not already loaded from ${prev}` });
    seen.set(key, t.file);
  }
  return tasks;
}

/** Subsets whose test pairs are held out for the test split, as the official builders (`evaluation`, `evaluation2`). */
export function isArcEvaluationSubset(subset: string): boolean {
  return subset.startsWith("evaluation");
}

/**
 * Encodes a grid into the 30 x 30 board: colours at (rowOffset, colOffset), EOS on the row below the grid (its
 * columns only) and on the column right of it (its rows only), PAD elsewhere.
 */
export function encodeArcGrid(g: Grid, rowOffset = 0, colOffset = 0): Uint8Array {
  if (g.rows < 1 || g.cols < 1 || rowOffset + g.rows > ARC_MAX_SIDE || colOffset + g.cols > ARC_MAX_SIDE) {
    throw new RangeError(`encodeArcGrid: a ${g.rows}x${g.cols} grid at (${rowOffset}, ${colOffset}) does not fit ${ARC_MAX_SIDE}x${ARC_MAX_SIDE}`);
  }
  const out = new Uint8Array(ARC_SEQ_LEN);
  for (let r = 0; r < g.rows; r++) {
    for (let c = 0; c < g.cols; c++) out[(rowOffset + r) * ARC_MAX_SIDE + colOffset + c] = (g.cells[r * g.cols + c] ?? 0) + ARC_COLOUR_OFFSET;
  }
  const eosRow = rowOffset + g.rows;
  const eosCol = colOffset + g.cols;
  if (eosRow < ARC_MAX_SIDE) for (let c = colOffset; c < eosCol; c++) out[eosRow * ARC_MAX_SIDE + c] = ARC_EOS;
  if (eosCol < ARC_MAX_SIDE) for (let r = rowOffset; r < eosRow; r++) out[r * ARC_MAX_SIDE + eosCol] = ARC_EOS;
  return out;
}

/**
 * Decodes a board (30 x 30 tokens, e.g. a prediction) as the official evaluator: the largest rectangle at the top
 * left made only of colour tokens, so decoding stops at EOS (or PAD). An empty rectangle gives a 0 x 0 grid.
 */
export function decodeArcGrid(tokens: ArrayLike<number>): Grid {
  if (tokens.length !== ARC_SEQ_LEN) throw new RangeError(`decodeArcGrid: expected ${ARC_SEQ_LEN} tokens, got ${tokens.length}`);
  const isColour = (v: number): boolean => v >= ARC_COLOUR_OFFSET && v < ARC_COLOUR_OFFSET + 10;
  let best = 0;
  let bestRows = 0;
  let bestCols = 0;
  let cols = ARC_MAX_SIDE;
  for (let r = 0; r < ARC_MAX_SIDE && cols > 0; r++) {
    for (let c = 0; c < cols; c++) {
      if (!isColour(tokens[r * ARC_MAX_SIDE + c] ?? 0)) {
        cols = c;
        break;
      }
    }
    if ((r + 1) * cols > best) {
      best = (r + 1) * cols;
      bestRows = r + 1;
      bestCols = cols;
    }
  }
  const cells = new Uint8Array(bestRows * bestCols);
  for (let r = 0; r < bestRows; r++) {
    for (let c = 0; c < bestCols; c++) cells[r * bestCols + c] = (tokens[r * ARC_MAX_SIDE + c] ?? 0) - ARC_COLOUR_OFFSET;
  }
  return { rows: bestRows, cols: bestCols, cells };
}

/**
 * Undoes the train-split translation: finds the grid wherever it sits on the board (the bounding box of colour
 * tokens, which is exactly the pasted grid since every cell, black included, is a colour token) and its offset.
 */
export function findArcGrid(tokens: ArrayLike<number>): { grid: Grid; rowOffset: number; colOffset: number } {
  if (tokens.length !== ARC_SEQ_LEN) throw new RangeError(`findArcGrid: expected ${ARC_SEQ_LEN} tokens, got ${tokens.length}`);
  let r0 = ARC_MAX_SIDE;
  let c0 = ARC_MAX_SIDE;
  let r1 = -1;
  let c1 = -1;
  for (let i = 0; i < ARC_SEQ_LEN; i++) {
    if ((tokens[i] ?? 0) < ARC_COLOUR_OFFSET) continue;
    const r = Math.floor(i / ARC_MAX_SIDE);
    const c = i % ARC_MAX_SIDE;
    r0 = Math.min(r0, r);
    c0 = Math.min(c0, c);
    r1 = Math.max(r1, r);
    c1 = Math.max(c1, c);
  }
  if (r1 < 0) return { grid: { rows: 0, cols: 0, cells: new Uint8Array(0) }, rowOffset: 0, colOffset: 0 };
  const rows = r1 - r0 + 1;
  const cols = c1 - c0 + 1;
  const cells = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cells[r * cols + c] = (tokens[(r0 + r) * ARC_MAX_SIDE + c0 + c] ?? 0) - ARC_COLOUR_OFFSET;
  }
  return { grid: { rows, cols, cells }, rowOffset: r0, colOffset: c0 };
}
