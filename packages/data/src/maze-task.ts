import { basename } from "node:path";
import { buildDataset, type BuildOptions, type BuiltDataset } from "./build.js";
import { DIHEDRAL_INVERSE, dihedralTransform, type DihedralId } from "./dihedral.js";
import { makeGrid, type Grid } from "./grid.js";
import { MAZE_CHARSET, loadMazeFile, validateMaze, type MazePuzzle } from "./maze.js";
import { generateMaze } from "./maze-generator.js";
import { integerParams } from "./generate-spec.js";
import type { Split } from "./dataset.js";
import { questionAnswerItems, splitOfFile, type Task, type TaskItem } from "./task.js";

/** Task items of mazes, one per maze, in one split. */
export const mazeItems: (puzzles: readonly MazePuzzle[], split: Split, prefix: string) => TaskItem<Grid>[] = questionAnswerItems;

/**
 * Maze (Maze-Hard layout): `# SGo` -> ids 1-5, PAD 0, vocab 6, seqLen side^2. Sources: CSV files
 * `source,question,answer[,rating]`; a file whose name starts with `test` feeds the test split. Augmentation: the
 * dihedral transforms 1..7 in order (variant k gets id k, as the official `--aug` builds all 8), duplicates of a
 * symmetric maze dropped; train split only; identifiers 0. Generator spec: `side=S,train=N,test=N[,minPath=P,loops=PERCENT]`.
 */
export const mazeTask: Task<Grid, DihedralId> = {
  name: "maze",
  description: "Mazes with a shortest path (Maze-Hard CSV or generated)",
  vocabulary: () => ["<pad>", ...MAZE_CHARSET],
  seqLen: (board) => board.rows * board.cols,
  load(paths) {
    return paths.flatMap((file) => mazeItems(loadMazeFile(file), splitOfFile(file), `${basename(file)}#`));
  },
  generate(params, seed) {
    // loops is a fraction in percent here (loops=10 -> 0.1), so every parameter is an integer.
    const p = integerParams("maze", params, { side: 15, train: 0, test: 0, minPath: undefined, loops: undefined });
    const opts = {
      side: p.side ?? 15,
      ...(p.minPath === undefined ? {} : { minPath: p.minPath }),
      ...(p.loops === undefined ? {} : { loops: p.loops / 100 }),
    };
    return [
      ...mazeItems(generateMaze({ ...opts, count: p.train ?? 0, seed }), "train", "train#"),
      ...mazeItems(generateMaze({ ...opts, count: p.test ?? 0, seed: seed + 1 }), "test", "test#"),
    ];
  },
  validate(example, where) {
    validateMaze({ side: example.question.rows, question: example.question, answer: example.answer }, where);
  },
  encode: (board) => Uint8Array.from(board.cells),
  decode(tokens) {
    const side = Math.round(Math.sqrt(tokens.length));
    if (side * side !== tokens.length) throw new RangeError(`maze decode: ${tokens.length} tokens is not a square board`);
    return makeGrid(side, side, tokens);
  },
  augmentation: {
    random: (_item, _rng, index) => (((index - 1) % 7) + 1) as DihedralId,
    apply: dihedralTransform,
    inverse: (t) => DIHEDRAL_INVERSE[t] as DihedralId,
    name: (t) => `t${t}`,
  },
  augmentSplits: ["train"],
  dedupe: true,
  puzzleIdentifiers: "blank",
  picture(tokens) {
    return { kind: "maze", grid: mazeTask.decode(tokens) };
  },
};

export interface MazeDatasetInput extends BuildOptions {
  readonly train: readonly MazePuzzle[];
  readonly test: readonly MazePuzzle[];
}

export function buildMazeDataset(input: MazeDatasetInput): BuiltDataset {
  return buildDataset(mazeTask, [...mazeItems(input.train, "train", "train#"), ...mazeItems(input.test, "test", "test#")], input);
}
