import { filesOf, readText } from "./files.js";
import { baseName } from "./path.js";
import { buildDataset, type BuildOptions, type BuiltDataset } from "./build.js";
import { DIHEDRAL_INVERSE, dihedralTransform, type DihedralId } from "./dihedral.js";
import { makeGrid, type Grid } from "./grid.js";
import { MAZE_CHARSET, MAZE_VOCAB_SIZE, parseMazeCsv, validateMaze, type MazePuzzle } from "./maze.js";
import { generateMaze, MAX_MAZE_SIDE } from "./maze-generator.js";
import { integerParams, MAX_GENERATED_PUZZLES } from "./generate-spec.js";
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
  load(paths, files) {
    return filesOf(files, paths, [".csv"]).flatMap((file) => mazeItems(parseMazeCsv(readText(files, file), file), splitOfFile(file), `${baseName(file)}#`));
  },
  generate(params, seed, onProgress) {
    // loops is a fraction in percent here (loops=10 -> 0.1), so every parameter is an integer.
    const p = integerParams(
      "maze",
      params,
      { side: 15, train: 0, test: 0, minPath: undefined, loops: undefined },
      { side: MAX_MAZE_SIDE, train: MAX_GENERATED_PUZZLES, test: MAX_GENERATED_PUZZLES, loops: 100 },
    );
    const progress = (split: Split) => (onProgress ? { onProgress: (done: number, total: number) => onProgress(split, done, total) } : {});
    const opts = {
      side: p.side ?? 15,
      ...(p.minPath === undefined ? {} : { minPath: p.minPath }),
      ...(p.loops === undefined ? {} : { loops: p.loops / 100 }),
    };
    return [
      ...mazeItems(generateMaze({ ...opts, count: p.train ?? 0, seed, ...progress("train") }), "train", "train#"),
      ...mazeItems(generateMaze({ ...opts, count: p.test ?? 0, seed: seed + 1, ...progress("test") }), "test", "test#"),
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
  layoutProblem({ vocab_size, seq_len }) {
    const side = Math.round(Math.sqrt(seq_len));
    if (vocab_size !== MAZE_VOCAB_SIZE) return `maze data has vocab_size ${MAZE_VOCAB_SIZE} (PAD and "${MAZE_CHARSET}"), got ${vocab_size}`;
    if (side < 2 || side * side !== seq_len) return `maze data has a square seq_len (side x side), got ${seq_len}`;
    return undefined;
  },
  contentProblem(input, label) {
    const start = MAZE_CHARSET.indexOf("S") + 1;
    const goal = MAZE_CHARSET.indexOf("G") + 1;
    for (const [side, tokens] of [["question", input], ["answer", label]] as const) {
      let starts = 0;
      let goals = 0;
      for (let i = 0; i < tokens.length; i++) {
        if (tokens[i] === start) starts++;
        else if (tokens[i] === goal) goals++;
      }
      if (starts !== 1 || goals !== 1) return `every ${side} one start S and one goal G, not ${starts} and ${goals}`;
    }
    return undefined;
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
