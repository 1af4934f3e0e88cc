import { sigmoid } from "./metrics.js";

/** A grid of colours 0..9, row-major (the same shape as `Grid` in `@trm/data`). */
export interface ArcGrid {
  readonly rows: number;
  readonly cols: number;
  readonly cells: ArrayLike<number>;
}

/** One model answer, already mapped back to the task's original frame (inverse dihedral, inverse colour permutation). */
export interface ArcCandidate {
  readonly taskId: string;
  /** The test input this answer is for, in the original frame: identifies which test input of the task it answers. */
  readonly input: ArcGrid;
  /** The predicted output, in the original frame. */
  readonly output: ArcGrid;
  /** Halting logit of the row; ties in votes are broken by mean sigmoid(q_halt). */
  readonly qHalt: number;
}

/** The test pairs of one task, in the task file's order. */
export interface ArcTaskTests {
  readonly inputs: readonly ArcGrid[];
  /** Known outputs (evaluation set); absent for hidden test sets. */
  readonly outputs?: readonly ArcGrid[];
}

/** One distinct answer to one test input, with its votes. */
export interface RankedAnswer {
  readonly grid: ArcGrid;
  readonly votes: number;
  /** Mean of sigmoid(q_halt) over the answers that voted for it. */
  readonly confidence: number;
}

/** Per task, per test input (file order), the distinct answers best first. */
export type ArcVotes = Map<string, RankedAnswer[][]>;

/** A key that is equal for two grids exactly when they are equal (shape and every cell). */
export function gridKey(g: ArcGrid): string {
  return `${g.rows}x${g.cols}:${Array.from(g.cells).join("")}`;
}

/** Nested arrays (`grid[r][c]`), as in ARC JSON and the submission file. */
export function arcGridToRows(g: ArcGrid): number[][] {
  return Array.from({ length: g.rows }, (_, r) =>
    Array.from({ length: g.cols }, (_, c) => g.cells[r * g.cols + c] ?? 0),
  );
}

/**
 * Votes the candidates of each (task, test input): every distinct output gets one vote per candidate that produced it;
 * answers rank by votes, then by the mean sigmoid(q_halt) of their voters (the official ARC evaluator's order).
 * A candidate's test input is found by comparing its (inverse-mapped) input with the task's test inputs, as the
 * official evaluator groups by the hash of the input; a candidate whose input matches none is an error, since it means
 * the inverse augmentation went wrong.
 */
export function voteArc(candidates: Iterable<ArcCandidate>, tasks: ReadonlyMap<string, ArcTaskTests>): ArcVotes {
  type Tally = { grid: ArcGrid; votes: number; confSum: number; order: number };
  const tallies = new Map<string, Map<string, Tally>[]>();
  const inputIndex = new Map<string, Map<string, number>>();
  for (const [taskId, t] of tasks) {
    const byKey = new Map<string, number>();
    // Two identical test inputs in one task would make the grouping ambiguous; the first one wins, as with a hash.
    t.inputs.forEach((g, i) => {
      if (!byKey.has(gridKey(g))) byKey.set(gridKey(g), i);
    });
    inputIndex.set(taskId, byKey);
    tallies.set(
      taskId,
      t.inputs.map(() => new Map<string, Tally>()),
    );
  }
  let order = 0;
  for (const c of candidates) {
    const byKey = inputIndex.get(c.taskId);
    if (byKey === undefined) throw new Error(`voteArc: candidate for unknown task "${c.taskId}"`);
    const testIndex = byKey.get(gridKey(c.input));
    if (testIndex === undefined) {
      throw new Error(
        `voteArc: task "${c.taskId}": a candidate's input (${c.input.rows}x${c.input.cols}) matches none of its ` +
          `${byKey.size} test inputs; was the augmentation inverted?`,
      );
    }
    const bucket = tallies.get(c.taskId)?.[testIndex];
    if (bucket === undefined) continue;
    const key = gridKey(c.output);
    const conf = sigmoid(c.qHalt);
    const t = bucket.get(key);
    if (t === undefined) bucket.set(key, { grid: c.output, votes: 1, confSum: conf, order: order++ });
    else {
      t.votes++;
      t.confSum += conf;
    }
  }
  const out: ArcVotes = new Map();
  for (const [taskId, perTest] of tallies) {
    out.set(
      taskId,
      perTest.map((bucket) =>
        [...bucket.values()]
          .map((t) => ({ ...t, confidence: t.confSum / t.votes }))
          // Votes first, then confidence; equal on both keeps first-seen order so results are deterministic.
          .sort((a, b) => b.votes - a.votes || b.confidence - a.confidence || a.order - b.order)
          .map(({ grid, votes, confidence }) => ({ grid, votes, confidence })),
      ),
    );
  }
  return out;
}

/** The k values the official evaluator reports. */
export const PASS_AT_K: readonly number[] = [1, 2, 5, 10, 100, 1000];

export interface ArcTaskResult {
  readonly taskId: string;
  /** Per test input: the 1-based rank of the right answer among the voted answers, or null when absent. */
  readonly ranks: readonly (number | null)[];
  /** Per test input: distinct answers voted on. */
  readonly distinctAnswers: readonly number[];
  /** pass@k for this task: every test input has its right answer within the top k. */
  readonly passAt: Readonly<Record<number, boolean>>;
  /** Share of test inputs right within the top 2 (the per-task ARC Prize score). */
  readonly score: number;
}

export interface ArcScore {
  /** Share of tasks that pass at each k. */
  readonly passAtK: Readonly<Record<number, number>>;
  /** Mean of the per-task scores (test inputs right within two attempts). */
  readonly meanTaskScore: number;
  readonly tasks: readonly ArcTaskResult[];
}

/**
 * pass@k over the tasks that have known outputs. A task counts at k only when all its test inputs have the right
 * answer among their top k voted answers; a task without candidates counts as failed.
 */
export function scoreArc(
  votes: ArcVotes,
  tasks: ReadonlyMap<string, ArcTaskTests>,
  ks: readonly number[] = PASS_AT_K,
): ArcScore {
  const results: ArcTaskResult[] = [];
  for (const [taskId, t] of tasks) {
    if (t.outputs === undefined) continue;
    if (t.outputs.length !== t.inputs.length) {
      throw new Error(`scoreArc: task "${taskId}" has ${t.inputs.length} test inputs but ${t.outputs.length} outputs`);
    }
    const perTest = votes.get(taskId);
    const ranks = t.outputs.map((truth, i) => {
      const answers = perTest?.[i] ?? [];
      const key = gridKey(truth);
      const at = answers.findIndex((a) => gridKey(a.grid) === key);
      return at < 0 ? null : at + 1;
    });
    const passAt: Record<number, boolean> = {};
    for (const k of ks) passAt[k] = ranks.length > 0 && ranks.every((r) => r !== null && r <= k);
    results.push({
      taskId,
      ranks,
      distinctAnswers: t.outputs.map((_, i) => perTest?.[i]?.length ?? 0),
      passAt,
      score: ranks.length === 0 ? 0 : ranks.filter((r) => r !== null && r <= 2).length / ranks.length,
    });
  }
  const passAtK: Record<number, number> = {};
  for (const k of ks) {
    passAtK[k] = results.length === 0 ? 0 : results.filter((r) => r.passAt[k]).length / results.length;
  }
  const meanTaskScore = results.length === 0 ? 0 : results.reduce((s, r) => s + r.score, 0) / results.length;
  return { passAtK, meanTaskScore, tasks: results };
}

/** One test input's two attempts, in the ARC Prize submission format. */
export interface ArcAttempts {
  attempt_1: number[][];
  attempt_2: number[][];
}

/**
 * The ARC Prize submission: `{task_id: [{attempt_1, attempt_2}, ...]}`, one entry per test input in the task file's
 * order. The top two voted answers are the attempts; when there is only one, it is repeated, and a test input with no
 * answer gets `[[0]]` twice (the format needs a grid in both).
 */
export function arcSubmission(
  votes: ArcVotes,
  tasks: ReadonlyMap<string, ArcTaskTests>,
): Record<string, ArcAttempts[]> {
  const out: Record<string, ArcAttempts[]> = {};
  for (const [taskId, t] of tasks) {
    const perTest = votes.get(taskId);
    out[taskId] = t.inputs.map((_, i) => {
      const answers = perTest?.[i] ?? [];
      const first = answers[0] ? arcGridToRows(answers[0].grid) : [[0]];
      const second = answers[1] ? arcGridToRows(answers[1].grid) : first;
      return { attempt_1: first, attempt_2: second };
    });
  }
  return out;
}
