import type { Grid } from "./grid.js";
import type { Rng } from "./rng.js";
import { sudokuBox, type SudokuSize } from "./sudoku-box.js";

export interface SudokuSolveResult {
  /** Solutions found, counted up to the limit asked for (so 2 means "two or more" with limit 2). */
  readonly solutions: number;
  /** The first solution found, if any. */
  readonly solution?: Grid;
  /** Dead ends met: a cell with no candidate left, undone by backtracking. The difficulty measure. */
  readonly backtracks: number;
}

interface Units {
  /** For each cell, the indices of its row, column and box units. */
  readonly cellUnits: Int32Array;
}

const unitCache = new Map<number, Units>();

function units(size: SudokuSize): Units {
  let u = unitCache.get(size);
  if (!u) {
    const box = sudokuBox(size);
    const cellUnits = new Int32Array(size * size * 3);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const i = r * size + c;
        cellUnits[3 * i] = r;
        cellUnits[3 * i + 1] = size + c;
        cellUnits[3 * i + 2] = 2 * size + Math.floor(r / box.rows) * (size / box.cols) + Math.floor(c / box.cols);
      }
    }
    u = { cellUnits };
    unitCache.set(size, u);
  }
  return u;
}

function popcount(x: number): number {
  let n = 0;
  while (x) {
    x &= x - 1;
    n++;
  }
  return n;
}

/**
 * Exact backtracking solver with bit masks and the most-constrained-cell rule. Stops after `limit` solutions
 * (2 proves or disproves uniqueness). With `rng`, candidates are tried in random order: the generator uses this to
 * draw random full boards.
 */
export function solveSudoku(question: Grid, size: SudokuSize, limit = 2, rng?: Rng): SudokuSolveResult {
  const { cellUnits } = units(size);
  const cells = Int32Array.from(question.cells);
  const used = new Int32Array(3 * size); // bit d-1 set: digit d used in that unit
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i] ?? 0;
    if (v === 0) continue;
    const bit = 1 << (v - 1);
    for (let k = 0; k < 3; k++) {
      const u = cellUnits[3 * i + k] ?? 0;
      if ((used[u] ?? 0) & bit) return { solutions: 0, backtracks: 0 };
      used[u] = (used[u] ?? 0) | bit;
    }
  }
  const full = (1 << size) - 1;
  let solutions = 0;
  let backtracks = 0;
  let solution: Grid | undefined;
  const empties: number[] = [];
  for (let i = 0; i < cells.length; i++) if (cells[i] === 0) empties.push(i);

  const candidates = (i: number): number =>
    full & ~((used[cellUnits[3 * i] ?? 0] ?? 0) | (used[cellUnits[3 * i + 1] ?? 0] ?? 0) | (used[cellUnits[3 * i + 2] ?? 0] ?? 0));

  const search = (depth: number): boolean => {
    if (depth === empties.length) {
      solutions++;
      if (!solution) solution = { rows: size, cols: size, cells: Uint8Array.from(cells) };
      return solutions >= limit;
    }
    // Most constrained empty cell first: keeps the tree small.
    let bestPos = -1;
    let bestMask = 0;
    let bestCount = size + 1;
    for (let p = depth; p < empties.length; p++) {
      const i = empties[p] ?? 0;
      const m = candidates(i);
      const c = popcount(m);
      if (c < bestCount) {
        bestCount = c;
        bestPos = p;
        bestMask = m;
        if (c <= 1) break;
      }
    }
    if (bestCount === 0) {
      backtracks++;
      return false;
    }
    // Move the chosen cell to position `depth`.
    const cell = empties[bestPos] ?? 0;
    empties[bestPos] = empties[depth] ?? 0;
    empties[depth] = cell;
    const digits: number[] = [];
    for (let d = 0; d < size; d++) if (bestMask & (1 << d)) digits.push(d + 1);
    if (rng) rng.shuffle(digits);
    const u0 = cellUnits[3 * cell] ?? 0;
    const u1 = cellUnits[3 * cell + 1] ?? 0;
    const u2 = cellUnits[3 * cell + 2] ?? 0;
    for (const d of digits) {
      const bit = 1 << (d - 1);
      cells[cell] = d;
      used[u0] = (used[u0] ?? 0) | bit;
      used[u1] = (used[u1] ?? 0) | bit;
      used[u2] = (used[u2] ?? 0) | bit;
      const stop = search(depth + 1);
      used[u0] = (used[u0] ?? 0) & ~bit;
      used[u1] = (used[u1] ?? 0) & ~bit;
      used[u2] = (used[u2] ?? 0) & ~bit;
      cells[cell] = 0;
      if (stop) return true;
    }
    empties[depth] = empties[bestPos] ?? 0;
    empties[bestPos] = cell;
    return false;
  };
  search(0);
  return { solutions, backtracks, ...(solution ? { solution } : {}) };
}
