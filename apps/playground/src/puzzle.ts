import { decodeNpy, encodeSudokuGrid, isSudokuSize, MAZE_CHARSET, parseSudokuString, solveSudoku } from "@trm/data";

/** A puzzle as the model takes it: row-major token ids, and the answer's when known. */
export interface Puzzle {
  readonly inputs: Int32Array;
  /** -100 where ignored; null when the answer is not known. */
  readonly labels: Int32Array | null;
  readonly puzzleIdentifier: number;
  readonly label: string;
}

/** Names of the tokens of a task (id 0 is PAD), for drawing a board. */
export function vocabulary(task: string | null, vocabSize: number): string[] {
  if (task === "sudoku") return ["", "", ...Array.from({ length: vocabSize - 2 }, (_, i) => String(i + 1))];
  if (task === "maze") return ["", ...MAZE_CHARSET];
  if (task === "arc") return ["", "", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
  return Array.from({ length: vocabSize }, (_, i) => String(i));
}

/** The ten ARC colours, by colour index. */
const ARC_COLOURS = ["#000000", "#0074d9", "#ff4136", "#2ecc40", "#ffdc00", "#aaaaaa", "#f012be", "#ff851b", "#7fdbff", "#870c25"];

/** Background of a cell, for tasks whose tokens are colours (ARC: token 2 + c is colour c). */
export function cellColour(task: string | null, token: number): string | null {
  if (task === "arc") return token >= 2 && token <= 11 ? (ARC_COLOURS[token - 2] ?? null) : null;
  if (task === "maze") return token === 1 ? "#334155" : token === 5 ? "#fbbf24" : token === 3 ? "#22c55e" : token === 4 ? "#ef4444" : null;
  return null;
}

/**
 * Reads a typed or pasted Sudoku: digits 1-n, blanks as `.`, `0`, `_` or `-`; spaces, `|`, `+` and line breaks are
 * ignored. Its answer comes from the exact solver when the puzzle has exactly one.
 */
export function parseSudokuText(text: string, seqLen: number): Puzzle {
  const compact = text.replace(/[\s|+]/g, "").replace(/[_-]/g, ".");
  if (compact.length !== seqLen) {
    throw new Error(`Sudoku: the model takes ${seqLen} cells (a ${Math.round(Math.sqrt(seqLen))}x${Math.round(Math.sqrt(seqLen))} board), the text has ${compact.length}`);
  }
  const grid = parseSudokuString(compact, { file: "the puzzle box", location: "board", field: "cells" }, true);
  const inputs = Int32Array.from(encodeSudokuGrid(grid));
  let labels: Int32Array | null = null;
  if (isSudokuSize(grid.rows)) {
    const solved = solveSudoku(grid, grid.rows);
    if (solved.solutions === 1 && solved.solution) labels = Int32Array.from(encodeSudokuGrid(solved.solution));
  }
  return { inputs, labels, puzzleIdentifier: 0, label: "typed Sudoku" };
}

/** The test split of a dataset built by `trm-train build-data`, fetched from `base` (a URL ending in the dataset folder). */
export interface TestSplit {
  readonly count: number;
  readonly seqLen: number;
  readonly names: readonly string[];
  example(i: number): Puzzle;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export async function loadTestSplit(base: string): Promise<TestSplit> {
  const root = base.endsWith("/") ? base : `${base}/`;
  const [inputs, labels, ids] = await Promise.all(
    ["inputs", "labels", "puzzle_identifiers"].map(async (f) => {
      const url = new URL(`test/all__${f}.npy`, new URL(root, location.href)).href;
      return decodeNpy(await fetchBytes(url), url);
    }),
  );
  if (!inputs || !labels || !ids) throw new Error(`${root}: missing test arrays`);
  const [count, seqLen] = [inputs.shape[0] ?? 0, inputs.shape[1] ?? 0];
  let names: string[] = [];
  try {
    const r = await fetch(new URL("identifiers.json", new URL(root, location.href)).href);
    if (r.ok) names = (await r.json()) as string[];
  } catch {
    names = [];
  }
  return {
    count,
    seqLen,
    names,
    example(i: number): Puzzle {
      if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`test example ${i}: the split has ${count} (0-${count - 1})`);
      const pid = ids.data[i] ?? 0;
      return {
        inputs: Int32Array.from(inputs.data.subarray(i * seqLen, (i + 1) * seqLen)),
        labels: Int32Array.from(labels.data.subarray(i * seqLen, (i + 1) * seqLen)),
        puzzleIdentifier: pid,
        label: `test example ${i}${names[pid] && pid !== 0 ? ` (${names[pid]})` : ""}`,
      };
    },
  };
}
