// Pure metric functions over typed arrays. No tfjs: the evaluator feeds them numbers it has already read back.

import { IGNORE_LABEL } from "@trm/data";

/** Per-row scores of a batch of predictions against labels. */
export interface RowScores {
  /** Non-ignored labels in each row. 0 marks a padded row. */
  readonly labelCounts: Int32Array;
  /** How many of those labels the prediction got right. */
  readonly correctCounts: Int32Array;
  /** 1 where every non-ignored label is right (and the row has at least one label). */
  readonly exact: Uint8Array;
}

/** Index of the largest value in each row of a row-major [rows, width] array; ties go to the first index. */
export function argmaxRows(values: Float32Array | Float64Array, width: number): Int32Array {
  if (width <= 0 || values.length % width !== 0) {
    throw new Error(`argmaxRows: length ${values.length} is not a multiple of width ${width}`);
  }
  const rows = values.length / width;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let best = 0;
    let bestValue = values[base] ?? Number.NEGATIVE_INFINITY;
    for (let v = 1; v < width; v++) {
      const x = values[base + v] ?? Number.NEGATIVE_INFINITY;
      if (x > bestValue) {
        bestValue = x;
        best = v;
      }
    }
    out[r] = best;
  }
  return out;
}

/** Scores each row of `predictions` against `labels` (both [rows * seqLen]); positions labelled `ignoreId` are skipped. */
export function scoreRows(
  predictions: Int32Array,
  labels: Int32Array,
  seqLen: number,
  ignoreId: number = IGNORE_LABEL,
): RowScores {
  if (predictions.length !== labels.length) {
    throw new Error(`scoreRows: ${predictions.length} predictions but ${labels.length} labels`);
  }
  if (seqLen <= 0 || labels.length % seqLen !== 0) {
    throw new Error(`scoreRows: ${labels.length} labels is not a multiple of seqLen ${seqLen}`);
  }
  const rows = labels.length / seqLen;
  const labelCounts = new Int32Array(rows);
  const correctCounts = new Int32Array(rows);
  const exact = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    let ok = 0;
    for (let i = r * seqLen; i < (r + 1) * seqLen; i++) {
      const label = labels[i];
      if (label === ignoreId) continue;
      n++;
      if (predictions[i] === label) ok++;
    }
    labelCounts[r] = n;
    correctCounts[r] = ok;
    exact[r] = n > 0 && ok === n ? 1 : 0;
  }
  return { labelCounts, correctCounts, exact };
}

/**
 * Token accuracy as the official TRM and HRM code report it (`ACTLossHead` in `models/losses.py`, averaged over the
 * counted rows in `pretrain.py`): for each row, the share of its non-ignored labels predicted right; then the mean of
 * that share over the rows that have labels (rows without labels, such as padding, add nothing). A short answer
 * weighs as much as a long one, so on mazes and ARC, where rows have different label counts, this differs from the
 * share of all tokens pooled over rows.
 */
export function tokenAccuracy(correctCounts: ArrayLike<number>, labelCounts: ArrayLike<number>): number {
  if (correctCounts.length !== labelCounts.length) {
    throw new Error(`tokenAccuracy: ${correctCounts.length} correct counts but ${labelCounts.length} label counts`);
  }
  let sum = 0;
  let rows = 0;
  for (let r = 0; r < labelCounts.length; r++) {
    const n = labelCounts[r] ?? 0;
    if (n === 0) continue;
    sum += (correctCounts[r] ?? 0) / n;
    rows++;
  }
  return rows === 0 ? 0 : sum / rows;
}

/** Share of rows whose answer is entirely right. `rowMask` (1 = counts) leaves out padded rows. */
export function exactAccuracy(exact: ArrayLike<number>, rowMask?: ArrayLike<number>): number {
  if (rowMask !== undefined && rowMask.length !== exact.length) {
    throw new Error(`exactAccuracy: ${exact.length} rows but a mask of ${rowMask.length}`);
  }
  let ok = 0;
  let n = 0;
  for (let r = 0; r < exact.length; r++) {
    if (rowMask !== undefined && !rowMask[r]) continue;
    n++;
    if (exact[r]) ok++;
  }
  return n === 0 ? 0 : ok / n;
}

/** Logistic sigmoid, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** How ACT's halting head would have behaved. */
export interface HaltingStats {
  /** Rows scored. */
  readonly rows: number;
  /** Supervision steps run (N_sup at evaluation). */
  readonly maxSteps: number;
  /** Mean of the step each row would have halted at: the first step whose halting score is > 0, else the last step. */
  readonly meanSteps: number;
  /** Official `q_halt_accuracy`: share of rows where (q_halt >= 0) equals "the answer is exactly right", at the last step. */
  readonly qHaltAccuracy: number;
  /** Exact accuracy of the answer at the step each row would have halted at. */
  readonly exactAtHalt: number;
  /** Share of rows whose q_halt crossed 0 at some step (the others run to the cap). */
  readonly haltSignalled: number;
  /** Of the rows whose q_halt crossed 0, the share whose answer at that step was exactly right. */
  readonly haltedOnRightAnswer: number;
  /** histogram[s - 1] = rows that would halt at step s (rows that never cross 0 count at the last step). */
  readonly histogram: readonly number[];
}

/**
 * Halting statistics from per-step q_halt logits and per-step exactness: `qHaltPerStep[s][r]` and
 * `exactPerStep[s][r]` for step s + 1 and row r. At evaluation ACT never stops early; "the step where the halting
 * score first exceeds 0" is the step it would have halted at during training (no exploration). The halting score is
 * q_halt for TRM (official `no_ACT_continue`) and q_halt - q_continue for HRM: pass it as `haltScorePerStep`
 * (default: q_halt). `qHaltAccuracy` always reads q_halt alone, as the official metric.
 */
export function haltingStats(
  qHaltPerStep: readonly ArrayLike<number>[],
  exactPerStep: readonly ArrayLike<number>[],
  haltScorePerStep: readonly ArrayLike<number>[] = qHaltPerStep,
): HaltingStats {
  const maxSteps = qHaltPerStep.length;
  if (maxSteps === 0 || exactPerStep.length !== maxSteps) {
    throw new Error(`haltingStats: ${maxSteps} q_halt steps but ${exactPerStep.length} exactness steps`);
  }
  const rows = qHaltPerStep[0]?.length ?? 0;
  for (let s = 0; s < maxSteps; s++) {
    if (qHaltPerStep[s]?.length !== rows || exactPerStep[s]?.length !== rows || haltScorePerStep[s]?.length !== rows) {
      throw new Error(`haltingStats: step ${s + 1} does not have ${rows} rows`);
    }
  }
  const histogram = new Array<number>(maxSteps).fill(0);
  let stepSum = 0;
  let exactAtHalt = 0;
  let crossed = 0;
  let crossedRight = 0;
  let qAgree = 0;
  const last = maxSteps - 1;
  for (let r = 0; r < rows; r++) {
    let halt = last;
    let didCross = false;
    for (let s = 0; s < maxSteps; s++) {
      if ((haltScorePerStep[s]?.[r] ?? 0) > 0) {
        halt = s;
        didCross = true;
        break;
      }
    }
    histogram[halt] = (histogram[halt] ?? 0) + 1;
    stepSum += halt + 1;
    const right = Boolean(exactPerStep[halt]?.[r]);
    if (right) exactAtHalt++;
    if (didCross) {
      crossed++;
      if (right) crossedRight++;
    }
    const qLast = qHaltPerStep[last]?.[r] ?? 0;
    if (qLast >= 0 === Boolean(exactPerStep[last]?.[r])) qAgree++;
  }
  return {
    rows,
    maxSteps,
    meanSteps: rows === 0 ? 0 : stepSum / rows,
    qHaltAccuracy: rows === 0 ? 0 : qAgree / rows,
    exactAtHalt: rows === 0 ? 0 : exactAtHalt / rows,
    haltSignalled: rows === 0 ? 0 : crossed / rows,
    haltedOnRightAnswer: crossed === 0 ? 0 : crossedRight / crossed,
    histogram,
  };
}
