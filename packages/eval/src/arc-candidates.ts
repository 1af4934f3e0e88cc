import { decodeArcGrid, invertArcAugmentation, parseArcVariantName } from "@trm/data";
import type { ArcTask } from "@trm/data";
import type { ArcCandidate, ArcTaskTests } from "./arc-vote.js";

/** Evaluated ARC rows: the encoded (augmented) input board, the model's answer board, the puzzle id and q_halt. */
export interface ArcRows {
  readonly seqLen: number;
  /** [rows * seqLen] input tokens, in the augmented frame the model saw. */
  readonly inputs: ArrayLike<number>;
  /** [rows * seqLen] argmax answer tokens. */
  readonly predictions: ArrayLike<number>;
  /** [rows] puzzle identifier, an index into `identifiers`. */
  readonly puzzleIdentifiers: ArrayLike<number>;
  /** [rows] halting logit after the last step. */
  readonly qHalt: ArrayLike<number>;
}

const slice = (a: ArrayLike<number>, from: number, to: number): number[] => {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(a[i] ?? 0);
  return out;
};

/**
 * Maps each evaluated row back to its task's original frame, as the official ARC evaluator: decode the board (crop
 * at EOS), read the task id and augmentation from the puzzle's name (`identifiers.json`), and invert the dihedral
 * transform and the colour permutation of both the input (to find which test input it is) and the answer.
 */
export function arcCandidatesFromRows(rows: ArcRows, identifiers: readonly string[]): ArcCandidate[] {
  const n = rows.puzzleIdentifiers.length;
  const L = rows.seqLen;
  if (rows.inputs.length !== n * L || rows.predictions.length !== n * L || rows.qHalt.length !== n) {
    throw new Error(
      `arcCandidatesFromRows: ${n} rows need ${n * L} input and prediction tokens and ${n} q_halt values, got ` +
        `${rows.inputs.length}, ${rows.predictions.length} and ${rows.qHalt.length}`,
    );
  }
  const out: ArcCandidate[] = [];
  for (let r = 0; r < n; r++) {
    const id = rows.puzzleIdentifiers[r] ?? -1;
    const name = identifiers[id];
    if (name === undefined) {
      throw new Error(`arcCandidatesFromRows: row ${r} has puzzle id ${id}, but identifiers lists ${identifiers.length} names`);
    }
    const { taskId, augmentation } = parseArcVariantName(name);
    const input = decodeArcGrid(slice(rows.inputs, r * L, (r + 1) * L));
    const answer = decodeArcGrid(slice(rows.predictions, r * L, (r + 1) * L));
    out.push({
      taskId,
      input: invertArcAugmentation(input, augmentation),
      // An empty crop (the answer starts with EOS or PAD) has nothing to invert; it still votes, as an empty grid.
      output: answer.rows === 0 || answer.cols === 0 ? answer : invertArcAugmentation(answer, augmentation),
      qHalt: rows.qHalt[r] ?? 0,
    });
  }
  return out;
}

/** The test pairs of ARC tasks keyed by task id, for voting and scoring. */
export function arcTaskTests(tasks: readonly ArcTask[]): Map<string, ArcTaskTests> {
  const out = new Map<string, ArcTaskTests>();
  for (const t of tasks) {
    if (out.has(t.id)) throw new Error(`arcTaskTests: task id "${t.id}" appears twice (${t.file})`);
    out.set(t.id, { inputs: t.test.map((p) => p.input), outputs: t.test.map((p) => p.output) });
  }
  return out;
}
