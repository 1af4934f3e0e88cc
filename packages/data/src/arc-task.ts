import { buildDataset, type BuildOptions, type BuiltDataset } from "./build.js";
import { ARC_MAX_SIDE, ARC_SEQ_LEN, ARC_VOCAB_SIZE, decodeArcGrid, encodeArcGrid, isArcEvaluationSubset, parseArcGrid, readArcSources, type ArcTask } from "./arc.js";
import {
  applyArcAugmentation,
  inverseArcAugmentation,
  parseArcVariantName,
  randomArcAugmentation,
  type ArcAugmentation,
} from "./arc-augment.js";
import { DataError } from "./errors.js";
import { gridToRows, type Grid } from "./grid.js";
import type { Task, TaskItem } from "./task.js";

/**
 * The official split rule: every demo pair goes to train; test pairs go to test for tasks of an `evaluation`
 * subset, and to train otherwise.
 */
export function arcItems(tasks: readonly ArcTask[]): TaskItem<Grid>[] {
  return tasks.map((t) => {
    const pairs = (ps: ArcTask["train"]) => ps.map((p) => ({ question: p.input, answer: p.output }));
    const heldOut = isArcEvaluationSubset(t.subset);
    return { id: t.id, train: [...pairs(t.train), ...(heldOut ? [] : pairs(t.test))], test: heldOut ? pairs(t.test) : [] };
  });
}

/**
 * ARC: 30x30 boards, PAD 0, EOS 1, colour c -> c + 2, vocab 12. Sources: task files or folders (a folder named
 * `evaluation*` holds its tasks' test pairs out for the test split) or Kaggle `*_challenges.json`. Augmentation: a
 * dihedral transform and a colour permutation with 0 fixed, deduplicated, in both splits; every variant has its own
 * identifier `{task}_t{dihedral}_{colours}`. Train examples get a random translation, except one per puzzle.
 */
export const arcTask: Task<Grid, ArcAugmentation> = {
  name: "arc",
  description: "ARC-AGI tasks (per-task JSON folders or the Kaggle challenges/solutions pair)",
  vocabulary: () => ["<pad>", "<eos>", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  seqLen: () => ARC_SEQ_LEN,
  load: (paths, files) => arcItems(readArcSources(files, paths)),
  validate(example, where) {
    for (const [field, g] of [["input", example.question], ["output", example.answer]] as const) {
      parseArcGrid(gridToRows(g), where.file, where.location, field);
    }
  },
  encode: (board) => encodeArcGrid(board),
  decode: decodeArcGrid,
  encodeExample(example, { split, rng, keepOrigin }) {
    const { question: q, answer: a } = example;
    let r = 0;
    let c = 0;
    if (split === "train" && !keepOrigin) {
      // One offset for input and output, so the pair still lines up.
      r = rng.int(0, ARC_MAX_SIDE - Math.max(q.rows, a.rows) + 1);
      c = rng.int(0, ARC_MAX_SIDE - Math.max(q.cols, a.cols) + 1);
    }
    return { input: encodeArcGrid(q, r, c), label: encodeArcGrid(a, r, c) };
  },
  augmentation: {
    random: (_item, rng) => randomArcAugmentation(rng),
    apply: applyArcAugmentation,
    inverse: inverseArcAugmentation,
    name: (a) => `t${a.dihedral}_${a.colours.join("")}`,
  },
  layoutProblem({ vocab_size, seq_len }) {
    if (vocab_size !== ARC_VOCAB_SIZE || seq_len !== ARC_SEQ_LEN) return `ARC data has vocab_size ${ARC_VOCAB_SIZE} and seq_len ${ARC_SEQ_LEN}, got ${vocab_size} and ${seq_len}`;
    return undefined;
  },
  augmentSplits: ["train", "test"],
  dedupe: true,
  puzzleIdentifiers: "per-variant",
  picture: (tokens) => ({ kind: "colours", grid: decodeArcGrid(tokens) }),
  extraFiles(items) {
    // As the official test_puzzles.json: the raw held-out tasks, for scoring predictions against them.
    const pairs = (exs: TaskItem<Grid>["train"]) => exs.map((e) => ({ input: gridToRows(e.question), output: gridToRows(e.answer) }));
    const held = items.filter((it) => it.test.length > 0);
    return { "test_puzzles.json": Object.fromEntries(held.map((it) => [it.id, { train: pairs(it.train), test: pairs(it.test) }])) };
  },
};

export interface ArcDatasetInput extends BuildOptions {
  readonly tasks: readonly ArcTask[];
}

export function buildArcDataset(input: ArcDatasetInput): BuiltDataset {
  return buildDataset(arcTask, arcItems(input.tasks), input);
}

/** What the evaluator needs to map a prediction of puzzle identifier `id` back to its task's frame. */
export interface ArcPuzzleInverse {
  readonly taskId: string;
  readonly augmentation: ArcAugmentation;
}

/** Per identifier (index = puzzle identifier, 0 = blank -> undefined): the task id and the augmentation to undo. */
export function arcPuzzleInverses(identifiers: readonly string[]): (ArcPuzzleInverse | undefined)[] {
  return identifiers.map((name, i) => {
    if (i === 0) return undefined;
    if (name === "<blank>") throw new DataError({ file: "identifiers.json", location: `index ${i}`, field: "name", expected: "a puzzle name", got: name });
    return parseArcVariantName(name);
  });
}
