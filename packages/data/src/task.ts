import type { Split, TokenArray } from "./dataset.js";
import type { FileSource } from "./files.js";
import { baseName } from "./path.js";
import type { Rng } from "./rng.js";

/** One question/answer pair on a task's own board type B (a Sudoku grid, a maze, an ARC grid...). */
export interface TaskExample<B> {
  readonly question: B;
  readonly answer: B;
}

/**
 * One original puzzle, before augmentation: it becomes one group per split it has examples in. `train` and `test`
 * say where its examples go (an ARC evaluation task has demo pairs in `train` and test pairs in `test`; a Sudoku row
 * has its single example in one of them).
 */
export interface TaskItem<B> {
  readonly id: string;
  readonly train: readonly TaskExample<B>[];
  readonly test: readonly TaskExample<B>[];
}

/** A family of symmetries of the task, each with its exact inverse. */
export interface TaskAugmentation<B, A> {
  /** Draws the augmentation of variant `index` (1-based) of `item`. */
  random(item: TaskItem<B>, rng: Rng, index: number): A;
  apply(board: B, aug: A): B;
  /** The augmentation that undoes `aug`: apply(apply(b, aug), inverse(aug)) equals b. */
  inverse(aug: A): A;
  /** Short name of `aug`, appended to the item id to name the variant (`{id}_{name}`). */
  name(aug: A): string;
}

/** Encoding context: the split, the build's PRNG, and whether this example must stay un-shifted (ARC translation). */
export interface EncodeContext {
  readonly split: Split;
  readonly rng: Rng;
  readonly keepOrigin: boolean;
}

/** A grid for a picture: row-major cells, as {@link Grid} but any array of small integers. */
export interface PictureGrid {
  readonly rows: number;
  readonly cols: number;
  readonly cells: ArrayLike<number>;
}

/**
 * How a report draws one board of a task. `digits`: numbers on a grid, 0 blank, with optional box lines (Sudoku, or
 * any number puzzle); `maze`: maze token ids (1 wall, 2 open, 3 start, 4 goal, 5 path, as the Maze task); `colours`:
 * cells filled from the ARC palette (0..9).
 */
export type BoardPicture =
  | { readonly kind: "digits"; readonly grid: PictureGrid; readonly box?: { readonly rows: number; readonly cols: number } }
  | { readonly kind: "maze"; readonly grid: PictureGrid }
  | { readonly kind: "colours"; readonly grid: PictureGrid };

/**
 * The extension point: everything the dataset builder, the CLI and the evaluator need to know of a puzzle family.
 * Sudoku, Maze and ARC are Tasks; `registerTask` adds a new one without touching them.
 */
export interface Task<B = unknown, A = unknown> {
  readonly name: string;
  readonly description: string;
  /** Token names by id for boards like `board` (id 0 is PAD); its length is vocab_size. */
  vocabulary(board: B): readonly string[];
  /** Tokens per example for boards like `board`. */
  seqLen(board: B): number;
  /**
   * Reads and validates raw files through `files` (the disk: `nodeFiles` from `@trm/data/node`); throws DataError on
   * the first bad record and returns nothing partial.
   */
  load(paths: readonly string[], files: FileSource): TaskItem<B>[];
  /** Makes puzzles from a spec such as `{ train: "100", test: "10", size: "4" }` (see the task's docs); per seed. */
  generate?(params: Readonly<Record<string, string>>, seed: number, onProgress?: (split: Split, done: number, total: number) => void): TaskItem<B>[];
  /** Throws DataError (naming `where`) if the answer is not a correct answer of the question. */
  validate(example: TaskExample<B>, where: { file: string; location: string }): void;
  encode(board: B): TokenArray;
  decode(tokens: ArrayLike<number>): B;
  /** Encodes a pair with a random placement (ARC translation); default: `encode` of each side. */
  encodeExample?(example: TaskExample<B>, context: EncodeContext): { input: TokenArray; label: TokenArray };
  readonly augmentation?: TaskAugmentation<B, A>;
  /** Splits whose groups get augmented variants: Sudoku and Maze `["train"]`, ARC both. */
  readonly augmentSplits: readonly Split[];
  /** Drop variants identical to one already in the group (tried up to 5x the count asked for, as the ARC builder). */
  readonly dedupe: boolean;
  /** `blank`: every puzzle has identifier 0 (Sudoku, Maze); `per-variant`: each variant its own id (ARC). */
  readonly puzzleIdentifiers: "blank" | "per-variant";
  /**
   * Why a dataset with this vocabulary size and sequence length cannot hold this task's puzzles (e.g. Sudoku data
   * given as a maze run), or undefined when it can.
   */
  layoutProblem?(layout: { readonly vocab_size: number; readonly seq_len: number }): string | undefined;
  /**
   * Why one encoded row (question and answer tokens) cannot be this task's puzzle, or undefined when it can. Checked
   * on the first rows of datasets whose `dataset.json` does not name their task, where the layout alone cannot tell
   * tasks apart (4x4 Sudoku and 4x4 mazes).
   */
  contentProblem?(input: ArrayLike<number>, label: ArrayLike<number>): string | undefined;
  /** Extra JSON files to write beside `identifiers.json` (ARC: `test_puzzles.json`). */
  extraFiles?(items: readonly TaskItem<B>[]): Record<string, unknown>;
  /**
   * Draws one row of tokens (a question, an answer or a model's prediction; ignored label positions come as 0, PAD)
   * for reports. Without it, {@link boardPicture} shows the token ids on a grid.
   */
  picture?(tokens: ArrayLike<number>): BoardPicture;
}

/**
 * The task's picture of a row of tokens, or the token ids themselves on a grid (square when the length is a square,
 * else one row) for a task that does not say how to draw itself.
 */
export function boardPicture(task: Pick<Task, "picture">, tokens: ArrayLike<number>): BoardPicture {
  const clean = Array.from(tokens, (t) => Math.max(0, t));
  if (task.picture) return task.picture(clean);
  const side = Math.round(Math.sqrt(clean.length));
  const square = side * side === clean.length;
  return { kind: "digits", grid: { rows: square ? side : 1, cols: square ? side : clean.length, cells: clean } };
}


/** Files of a split: a basename starting with `test` goes to test, any other to train. */
export function splitOfFile(file: string): Split {
  return baseName(file).toLowerCase().startsWith("test") ? "test" : "train";
}

/** One item per question/answer puzzle (Sudoku, Maze), all in one split, with ids `${prefix}${index}`. */
export function questionAnswerItems<B>(puzzles: readonly { readonly question: B; readonly answer: B }[], split: Split, prefix: string): TaskItem<B>[] {
  return puzzles.map((p, i) => {
    const ex = [{ question: p.question, answer: p.answer }];
    return { id: `${prefix}${i}`, train: split === "train" ? ex : [], test: split === "test" ? ex : [] };
  });
}
