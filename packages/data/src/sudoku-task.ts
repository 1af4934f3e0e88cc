import { buildDataset, type BuildOptions, type BuiltDataset } from "./build.js";
import { filesOf, readText } from "./files.js";
import { baseName } from "./path.js";
import type { Grid } from "./grid.js";
import { decodeSudokuGrid, encodeSudokuGrid, parseSudokuFile, sudokuConflict, sudokuVocabSize, validateSudoku, type SudokuPuzzle } from "./sudoku.js";
import { applySudokuAugmentation, inverseSudokuAugmentation, randomSudokuAugmentation, type SudokuAugmentation } from "./sudoku-augment.js";
import { isSudokuSize, sudokuBox, type SudokuSize } from "./sudoku-box.js";
import { generateSudoku } from "./sudoku-generator.js";
import { integerParams, MAX_GENERATED_PUZZLES } from "./generate-spec.js";
import type { Split } from "./dataset.js";
import { questionAnswerItems, splitOfFile, type Task, type TaskItem } from "./task.js";

function sizeOf(g: Grid): SudokuSize {
  if (g.rows !== g.cols || !isSudokuSize(g.rows)) throw new RangeError(`not a 4x4, 6x6 or 9x9 Sudoku board: ${g.rows}x${g.cols}`);
  return g.rows;
}


/** Task items of Sudoku puzzles, one per puzzle, in one split. */
export const sudokuItems: (puzzles: readonly SudokuPuzzle[], split: Split, prefix: string) => TaskItem<Grid>[] = questionAnswerItems;

/**
 * Sudoku (4x4, 6x6, 9x9): tokens value + 1 (0 PAD, 1 blank), vocab n + 2, seqLen n*n. Sources: `.csv` with
 * `source,question,answer[,rating]` or puzzle lists (`.txt`, solved here); a folder means its `.csv` files. A file
 * whose name starts with `test` feeds the test split. Augmentation: digits, bands/rows, stacks/columns, transpose
 * (square boxes only); all puzzle identifiers 0; the test split is not augmented, as the official builder.
 * Generator spec: `size=4|6|9,train=N,test=N[,minClues=K]`.
 */
export const sudokuTask: Task<Grid, SudokuAugmentation> = {
  name: "sudoku",
  description: "Sudoku 4x4, 6x6 or 9x9 (Sudoku-Extreme CSV, puzzle lists, or generated)",
  vocabulary: (board) => ["<pad>", "<blank>", ...Array.from({ length: sizeOf(board) }, (_, i) => String(i + 1))],
  seqLen: (board) => board.rows * board.cols,
  load(paths, files) {
    return filesOf(files, paths, [".csv"]).flatMap((file) =>
      sudokuItems(parseSudokuFile(readText(files, file), file), splitOfFile(file), `${baseName(file)}#`),
    );
  },
  generate(params, seed, onProgress) {
    const p = integerParams(
      "sudoku",
      params,
      { size: 9, train: 0, test: 0, minClues: undefined },
      { train: MAX_GENERATED_PUZZLES, test: MAX_GENERATED_PUZZLES },
    );
    const size = p.size ?? 9;
    if (!isSudokuSize(size)) throw new RangeError(`sudoku generator: size must be 4, 6 or 9, got ${size}`);
    if (p.minClues !== undefined && p.minClues >= size * size) {
      throw new RangeError(`sudoku generator: minClues=${p.minClues} leaves no blank on a ${size}x${size} board; expected at most ${size * size - 1}`);
    }
    const opts = p.minClues === undefined ? {} : { minClues: p.minClues };
    const progress = (split: Split) => (onProgress ? { onProgress: (done: number, total: number) => onProgress(split, done, total) } : {});
    return [
      ...sudokuItems(generateSudoku({ size, count: p.train ?? 0, seed, ...opts, ...progress("train") }), "train", "train#"),
      ...sudokuItems(generateSudoku({ size, count: p.test ?? 0, seed: seed + 1, ...opts, ...progress("test") }), "test", "test#"),
    ];
  },
  validate(example, where) {
    validateSudoku({ size: sizeOf(example.question), question: example.question, answer: example.answer }, where);
  },
  encode: encodeSudokuGrid,
  decode: decodeSudokuGrid,
  augmentation: {
    random: (item, rng) => randomSudokuAugmentation(sizeOf((item.train[0] ?? item.test[0])?.question ?? { rows: 0, cols: 0, cells: new Uint8Array() }), rng),
    apply: applySudokuAugmentation,
    inverse: inverseSudokuAugmentation,
    name: (a) => `${a.transpose ? "T" : "N"}${a.rows.join("")}_${a.cols.join("")}_${a.digits.slice(1).join("")}`,
  },
  layoutProblem({ vocab_size, seq_len }) {
    const n = Math.round(Math.sqrt(seq_len));
    if (n * n !== seq_len || !isSudokuSize(n)) return `Sudoku data has seq_len 16, 36 or 81 (a 4x4, 6x6 or 9x9 board), got ${seq_len}`;
    if (vocab_size !== sudokuVocabSize(n)) return `${n}x${n} Sudoku data has vocab_size ${sudokuVocabSize(n)}, got ${vocab_size}`;
    return undefined;
  },
  contentProblem(_input, label) {
    const answer = decodeSudokuGrid(label);
    const n = answer.rows as SudokuSize;
    if (answer.cells.some((v) => v === 0)) return "every answer a full board of digits";
    const conflict = sudokuConflict(answer, n);
    return conflict === undefined ? undefined : `every answer a solved board, not one with ${conflict}`;
  },
  augmentSplits: ["train"],
  dedupe: false,
  puzzleIdentifiers: "blank",
  picture(tokens) {
    const grid = decodeSudokuGrid(tokens);
    return { kind: "digits", grid, box: sudokuBox(sizeOf(grid)) };
  },
};

export interface SudokuDatasetInput extends BuildOptions {
  readonly train: readonly SudokuPuzzle[];
  readonly test: readonly SudokuPuzzle[];
}

/**
 * The official Sudoku layout from puzzles: each train puzzle is one group of 1 + `augmentations` one-example puzzles
 * (the original first), each test puzzle one group of one puzzle; all identifiers 0.
 */
export function buildSudokuDataset(input: SudokuDatasetInput): BuiltDataset {
  const items = [...sudokuItems(input.train, "train", "train#"), ...sudokuItems(input.test, "test", "test#")];
  return buildDataset(sudokuTask, items, input);
}
