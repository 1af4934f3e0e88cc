import { parseCsv } from "./csv.js";
import { DataError } from "./errors.js";
import { makeGrid, type Grid } from "./grid.js";
import { isSudokuSize, sudokuBox, type SudokuSize } from "./sudoku-box.js";
import { solveSudoku } from "./sudoku-solver.js";


/** One Sudoku: `question` has 0 for blanks, `answer` is the full solution; both `size` x `size`. */
export interface SudokuPuzzle {
  readonly size: SudokuSize;
  readonly question: Grid;
  readonly answer: Grid;
  /** Where it came from (the CSV `source` column, or a generator tag). */
  readonly source?: string;
  /** The CSV `rating` (tdoku backtracks in Sudoku-Extreme), or the generator's solver backtracks. */
  readonly rating?: number;
}

/** Token ids as the official builder: value + 1, so 0 is PAD, 1 blank, 2..n+1 the digits 1..n. */
export function sudokuVocabSize(size: SudokuSize): number {
  return size + 2;
}

export function encodeSudokuGrid(g: Grid): Uint8Array {
  const out = new Uint8Array(g.cells.length);
  for (let i = 0; i < out.length; i++) out[i] = (g.cells[i] ?? 0) + 1;
  return out;
}

/** Decodes tokens (length n*n for n in 4, 6, 9) back to values; PAD and out-of-range tokens decode as blank (0). */
export function decodeSudokuGrid(tokens: ArrayLike<number>): Grid {
  const n = Math.round(Math.sqrt(tokens.length));
  if (n * n !== tokens.length || !isSudokuSize(n)) throw new RangeError(`decodeSudokuGrid: ${tokens.length} tokens is not a 4x4, 6x6 or 9x9 board`);
  const g = makeGrid(n, n);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? 0;
    g.cells[i] = t >= 2 && t <= n + 1 ? t - 1 : 0;
  }
  return g;
}

/** Parses a row-major board string: digits 1..n, blank `.` or `0` (if `blanks`), length n*n for n in 4, 6, 9. */
export function parseSudokuString(text: string, where: { file: string; location: string; field: string }, blanks: boolean): Grid {
  const n = Math.round(Math.sqrt(text.length));
  if (n * n !== text.length || !isSudokuSize(n)) {
    throw new DataError({ ...where, expected: "16, 36 or 81 characters (a 4x4, 6x6 or 9x9 board, row-major)", got: `${text.length} characters` });
  }
  const g = makeGrid(n, n);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (blanks && (code === 46 || code === 48)) continue; // "." or "0"
    const v = code - 48;
    if (v < 1 || v > n) {
      throw new DataError({ ...where, expected: `digits 1-${n}${blanks ? " or a blank (. or 0)" : ""} at cell ${i}`, got: JSON.stringify(text[i]) });
    }
    g.cells[i] = v;
  }
  return g;
}

/** Why `g` breaks a rule (a repeated digit in a row, column or box), or undefined if no digit repeats. */
export function sudokuConflict(g: Grid, size: SudokuSize): string | undefined {
  const box = sudokuBox(size);
  // One bit mask per row, column and box: bit v set once digit v is seen there.
  const rows = new Int32Array(size);
  const cols = new Int32Array(size);
  const boxes = new Int32Array(size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = g.cells[r * size + c] ?? 0;
      if (v === 0) continue;
      const bit = 1 << v;
      const b = Math.floor(r / box.rows) * (size / box.cols) + Math.floor(c / box.cols);
      if ((rows[r] ?? 0) & bit) return `digit ${v} twice in row ${r + 1}`;
      if ((cols[c] ?? 0) & bit) return `digit ${v} twice in column ${c + 1}`;
      if ((boxes[b] ?? 0) & bit) return `digit ${v} twice in box ${b + 1}`;
      rows[r] = (rows[r] ?? 0) | bit;
      cols[c] = (cols[c] ?? 0) | bit;
      boxes[b] = (boxes[b] ?? 0) | bit;
    }
  }
  return undefined;
}

/** Checks that `answer` is a complete valid solution that agrees with every given of `question`. */
export function validateSudoku(p: SudokuPuzzle, where: { file: string; location: string }): void {
  const n = p.size;
  if (p.question.rows !== n || p.question.cols !== n || p.answer.rows !== n || p.answer.cols !== n) {
    throw new DataError({ ...where, field: "answer", expected: `question and answer both ${n}x${n}`, got: `${p.question.rows}x${p.question.cols} and ${p.answer.rows}x${p.answer.cols}` });
  }
  const qConflict = sudokuConflict(p.question, n);
  if (qConflict) throw new DataError({ ...where, field: "question", expected: "givens that break no rule", got: qConflict });
  for (let i = 0; i < n * n; i++) {
    const a = p.answer.cells[i] ?? 0;
    if (a < 1 || a > n) throw new DataError({ ...where, field: "answer", expected: `a full board of digits 1-${n}`, got: `a blank at cell ${i}` });
    const q = p.question.cells[i] ?? 0;
    if (q !== 0 && q !== a) {
      throw new DataError({ ...where, field: "answer", expected: `the given ${q} at row ${Math.floor(i / n) + 1}, column ${(i % n) + 1}`, got: String(a) });
    }
  }
  const conflict = sudokuConflict(p.answer, n);
  if (conflict) throw new DataError({ ...where, field: "answer", expected: "a valid solution", got: conflict });
}

/**
 * Reads Sudoku CSV text with columns `source,question,answer[,rating]` (Sudoku-Extreme and the `solved/` sets).
 * Every row is validated; the first bad row raises a DataError and nothing is returned.
 */
export function parseSudokuCsv(text: string, file: string): SudokuPuzzle[] {
  return parseCsv(text, file, ["question", "answer"]).map(({ line, fields }) => {
    const location = `line ${line}`;
    const question = parseSudokuString(fields.question ?? "", { file, location, field: "question" }, true);
    const answer = parseSudokuString(fields.answer ?? "", { file, location, field: "answer" }, false);
    if (answer.rows !== question.rows) {
      throw new DataError({ file, location, field: "answer", expected: `${question.rows * question.rows} characters like the question`, got: `${answer.rows * answer.rows}` });
    }
    const ratingText = fields.rating;
    let rating: number | undefined;
    if (ratingText !== undefined && ratingText !== "") {
      rating = Number(ratingText);
      if (!Number.isFinite(rating)) throw new DataError({ file, location, field: "rating", expected: "a number", got: ratingText });
    }
    const p: SudokuPuzzle = {
      size: question.rows as SudokuSize,
      question,
      answer,
      ...(fields.source === undefined ? {} : { source: fields.source }),
      ...(rating === undefined ? {} : { rating }),
    };
    validateSudoku(p, { file, location });
    return p;
  });
}

/**
 * Reads a puzzle list (one board per line, `#` comment lines, as tdoku's and Norvig's files) and solves each puzzle
 * with the exact solver; a puzzle without exactly one solution is an error, since its answer would be ambiguous.
 */
export function parseSudokuPuzzleList(text: string, file: string): SudokuPuzzle[] {
  const out: SudokuPuzzle[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const location = `line ${i + 1}`;
    const board = line.split(":")[0] ?? "";
    const question = parseSudokuString(board, { file, location, field: "question" }, true);
    const size = question.rows as SudokuSize;
    const result = solveSudoku(question, size, 2);
    if (result.solutions !== 1 || !result.solution) {
      throw new DataError({ file, location, field: "question", expected: "a puzzle with exactly one solution", got: `${result.solutions === 0 ? "none" : "2 or more"}` });
    }
    out.push({ size, question, answer: result.solution, source: file, rating: result.backtracks });
  });
  return out;
}

/** Parses a `.csv` (question and answer given) or, for any other name, a puzzle list (answers solved here). */
export function parseSudokuFile(text: string, file: string): SudokuPuzzle[] {
  return file.endsWith(".csv") ? parseSudokuCsv(text, file) : parseSudokuPuzzleList(text, file);
}
