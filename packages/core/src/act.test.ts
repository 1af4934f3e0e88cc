import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { actLossTerms, beginStep, decideHalting, readStep } from "./act.js";
import { useBackend } from "./backend.js";
import type { Batch, Carry } from "./recursive-model.js";

const batch = (rows: number[][], labels: number[][], ids: number[]): Batch => ({
  size: rows.length,
  seqLen: rows[0]!.length,
  inputs: Int32Array.from(rows.flat()),
  labels: Int32Array.from(labels.flat()),
  puzzleIdentifiers: Int32Array.from(ids),
});

describe("ACT helpers", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("resets and refills halted slots only", () => {
    const old = batch([[1, 1], [2, 2]], [[1, 1], [2, 2]], [5, 6]);
    const fresh = batch([[3, 3], [4, 4]], [[3, 3], [4, 4]], [7, 8]);
    const carry: Carry = {
      zH: tf.fill<tf.Rank.R3>([2, 2, 3], 9),
      zL: tf.fill<tf.Rank.R3>([2, 2, 3], 8),
      steps: Int32Array.from([4, 3]),
      halted: Uint8Array.from([0, 1]),
      current: old,
    };
    const s = beginStep(carry, fresh, tf.tensor1d([1, 2, 3]), tf.tensor1d([-1, -2, -3]));
    expect(Array.from(s.steps)).toEqual([4, 0]);
    expect(Array.from(s.current.inputs)).toEqual([1, 1, 4, 4]);
    expect(Array.from(s.current.puzzleIdentifiers)).toEqual([5, 8]);
    expect(Array.from(s.zH.dataSync())).toEqual([9, 9, 9, 9, 9, 9, 1, 2, 3, 1, 2, 3]);
    expect(Array.from(s.zL.dataSync())).toEqual([8, 8, 8, 8, 8, 8, -1, -2, -3, -1, -2, -3]);
  });

  it("halts on q_halt > 0 or the cap in training, only at the cap in eval, and explores", () => {
    const base = { steps: Int32Array.from([1, 3, 16]), qHalt: Float32Array.from([1, -1, -1]), qContinue: Float32Array.from([0, -2, 0]), haltMaxSteps: 16 };
    const never = { next: () => 0.99 };
    expect(Array.from(decideHalting({ ...base, training: true, explorationProb: 0.1, noActContinue: true, rng: never }))).toEqual([1, 0, 1]);
    expect(Array.from(decideHalting({ ...base, training: true, explorationProb: 0.1, noActContinue: false, rng: never }))).toEqual([1, 1, 1]);
    expect(Array.from(decideHalting({ ...base, training: false, explorationProb: 0.1, noActContinue: true, rng: null }))).toEqual([0, 0, 1]);
    // Exploration draws: u = 0.05 < 0.1, then min steps = 2 + floor(0.5 * 15) = 9 > 1, so row 0 may not halt yet.
    const draws = [0.05, 0.5, 0.99, 0.99];
    const rng = { next: () => draws.shift()! };
    expect(Array.from(decideHalting({ ...base, training: true, explorationProb: 0.1, noActContinue: true, rng }))).toEqual([0, 0, 1]);
  });

  it("computes the loss terms by hand", () => {
    // Two rows, two tokens, vocab 2. Row 0: logits argmax right at both labels; row 1: one label ignored, wrong.
    const logits = tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [2, 0]]]);
    const out = actLossTerms({
      logits,
      labels: Int32Array.from([0, 1, -100, 1]),
      batch: 2,
      seqLen: 2,
      qHalt: tf.tensor1d([0, 0]),
      qContinue: tf.tensor1d([0, 0]),
      qContinueTarget: null,
    });
    // stablemax([1, 0]) = [2, 1] / 3; row 0 mean of -log(2/3) twice; row 1: s([2, 0]) = [3, 1], -log(1/4).
    const lm = -Math.log(2 / 3) + -Math.log(1 / 4);
    expect(out.lm.dataSync()[0]).toBeCloseTo(lm, 5);
    expect(out.qHalt.dataSync()[0]).toBeCloseTo(2 * Math.log(2), 5);
    expect(out.qContinue.dataSync()[0]).toBe(0);
    expect(out.total.dataSync()[0]).toBeCloseTo(lm + Math.log(2), 5);
    expect(Array.from(out.exactCorrect.dataSync())).toEqual([1, 0]);
    expect(Array.from(out.labelCounts)).toEqual([2, 1]);
    expect(Array.from(out.correctCounts.dataSync())).toEqual([2, 0]);
    tf.dispose([out.lm, out.qHalt, out.qContinue, out.total, out.exactCorrect, out.correctCounts, logits]);
  });

  it("reads a step's losses, q values and counts back in one transfer and frees what it packed", async () => {
    const logits = tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [2, 0]]]);
    const qHalt = tf.tensor1d([0.5, -1]);
    const qContinue = tf.tensor1d([-2, 3]);
    const loss = actLossTerms({ logits, labels: Int32Array.from([0, 1, -100, 1]), batch: 2, seqLen: 2, qHalt, qContinue, qContinueTarget: null });
    const before = tf.memory().numTensors;
    const read = await readStep(loss, qHalt, qContinue);
    // The 4 loss scalars and the 2 count tensors are freed; q_halt / q_continue stay with the caller.
    expect(tf.memory().numTensors).toBe(before - 6);
    expect(read.losses.lm).toBeCloseTo(-Math.log(2 / 3) + -Math.log(1 / 4), 5);
    expect(read.losses.total).toBeCloseTo(read.losses.lm + 0.5 * (read.losses.qHalt + read.losses.qContinue), 5);
    expect(Array.from(read.qHalt)).toEqual([0.5, -1]);
    expect(Array.from(read.qContinue)).toEqual([-2, 3]);
    expect(Array.from(read.exactCorrect)).toEqual([1, 0]);
    expect(Array.from(read.correctCounts)).toEqual([2, 0]);
    tf.dispose([logits, qHalt, qContinue]);
  });
});
