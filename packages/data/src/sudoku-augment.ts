import { invertPermutation, makeGrid, type Grid } from "./grid.js";
import type { Rng } from "./rng.js";
import type { SudokuPuzzle } from "./sudoku.js";
import { sudokuBox, type SudokuSize } from "./sudoku-box.js";

/**
 * One Sudoku symmetry, as the official builder composes them: optional transpose, then a row and a column
 * permutation, then a digit relabelling. Output cell (i, j) takes cell (rows[i], cols[j]) of the (transposed) board;
 * `digits[v]` is the new value of v, with `digits[0] = 0` so blanks stay blank.
 *
 * Rows move only as bands (groups of box-height rows) and within their band; columns likewise by stacks. Transpose
 * maps a box of h x w to w x h, so it keeps the rules only for square boxes (4 and 9): for size 6 (2 x 3 boxes) it is
 * never drawn, and `applySudokuAugmentation` refuses it.
 */
export interface SudokuAugmentation {
  readonly size: SudokuSize;
  readonly transpose: boolean;
  readonly rows: readonly number[];
  readonly cols: readonly number[];
  readonly digits: readonly number[];
}

function bandPermutation(n: number, band: number, rng: Rng): number[] {
  return rng.permutation(n / band).flatMap((b) => rng.permutation(band).map((r) => b * band + r));
}

export function randomSudokuAugmentation(size: SudokuSize, rng: Rng): SudokuAugmentation {
  const box = sudokuBox(size);
  const digits = [0, ...rng.permutation(size).map((d) => d + 1)];
  const transpose = box.rows === box.cols ? rng.next() < 0.5 : false;
  const rows = bandPermutation(size, box.rows, rng);
  const cols = bandPermutation(size, box.cols, rng);
  return { size, transpose, rows, cols, digits };
}

export function applySudokuAugmentation(g: Grid, aug: SudokuAugmentation): Grid {
  const n = aug.size;
  const box = sudokuBox(n);
  if (aug.transpose && box.rows !== box.cols) throw new RangeError(`Sudoku ${n}x${n} has ${box.rows}x${box.cols} boxes: transpose would break them`);
  if (g.rows !== n || g.cols !== n) throw new RangeError(`applySudokuAugmentation: expected a ${n}x${n} board, got ${g.rows}x${g.cols}`);
  const out = makeGrid(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = aug.rows[i] ?? 0;
      const c = aug.cols[j] ?? 0;
      const v = aug.transpose ? g.cells[c * n + r] : g.cells[r * n + c];
      out.cells[i * n + j] = aug.digits[v ?? 0] ?? 0;
    }
  }
  return out;
}

/**
 * The augmentation that undoes `aug`. Forward: Y[i][j] = T(X)[r[i]][c[j]]. Backward: X[a][b] = Y'[..] with
 * Y' = T(Y) and the inverse permutations swapped when the forward step transposed.
 */
export function inverseSudokuAugmentation(aug: SudokuAugmentation): SudokuAugmentation {
  const rInv = invertPermutation(aug.rows);
  const cInv = invertPermutation(aug.cols);
  return {
    size: aug.size,
    transpose: aug.transpose,
    rows: aug.transpose ? cInv : rInv,
    cols: aug.transpose ? rInv : cInv,
    digits: invertPermutation(aug.digits),
  };
}

export function augmentSudoku(p: SudokuPuzzle, aug: SudokuAugmentation): SudokuPuzzle {
  return { ...p, question: applySudokuAugmentation(p.question, aug), answer: applySudokuAugmentation(p.answer, aug) };
}
