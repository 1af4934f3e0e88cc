/** Board sizes supported, with their box shapes: 4 = 2x2 boxes, 6 = 2 rows x 3 columns, 9 = 3x3. */
export type SudokuSize = 4 | 6 | 9;
export const SUDOKU_SIZES: readonly SudokuSize[] = [4, 6, 9];

export function isSudokuSize(n: number): n is SudokuSize {
  return n === 4 || n === 6 || n === 9;
}

export function sudokuBox(size: SudokuSize): { rows: number; cols: number } {
  return size === 4 ? { rows: 2, cols: 2 } : size === 6 ? { rows: 2, cols: 3 } : { rows: 3, cols: 3 };
}
