import * as tf from "@tensorflow/tfjs-core";
import { createTrm, useBackend } from "@trm/core";
import type { Batch, Carry, RecursiveModel, StepResult } from "@trm/core";
import { IGNORE_LABEL, type EvalBatch } from "@trm/data";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateModel } from "./evaluate-model.js";
import { exactAccuracy, scoreRows, tokenAccuracy } from "./metrics.js";

const L = 4;
const V = 6;

/**
 * A stand-in model with a known refinement schedule: after step s, row r of a batch gets its first
 * min(L, s + rowOffset(r)) tokens right, where rowOffset(r) = r % 3 - 1. q_halt = s - 2 - (r % 2): it first exceeds 0 at
 * step 3 (even rows) or 4 (odd rows). It allocates real tensors so the test can check that nothing leaks.
 */
function fakeModel(haltMaxSteps: number): RecursiveModel {
  const rightCount = (s: number, r: number): number => Math.max(0, Math.min(L, s + (r % 3) - 1));
  const step = (carry: Carry, batch: Batch): StepResult => {
    const B = batch.size;
    const steps = carry.steps.map((n, r) => (carry.halted[r] ? 1 : n + 1));
    const pred = new Int32Array(B * L);
    const exactCorrect = new Uint8Array(B);
    const labelCounts = new Int32Array(B);
    const correctCounts = new Int32Array(B);
    const q = new Float32Array(B);
    for (let r = 0; r < B; r++) {
      const s = steps[r] ?? 0;
      const k = rightCount(s, r);
      for (let i = 0; i < L; i++) {
        const label = batch.labels[r * L + i] ?? IGNORE_LABEL;
        const target = label === IGNORE_LABEL ? 0 : label;
        pred[r * L + i] = i < k ? target : (target + 1) % V;
        if (label !== IGNORE_LABEL) {
          labelCounts[r] = (labelCounts[r] ?? 0) + 1;
          if (i < k) correctCounts[r] = (correctCounts[r] ?? 0) + 1;
        }
      }
      exactCorrect[r] = labelCounts[r] === correctCounts[r] && (labelCounts[r] ?? 0) > 0 ? 1 : 0;
      q[r] = s - 2 - (r % 2);
    }
    const halted = steps.map((n) => (n >= haltMaxSteps ? 1 : 0));
    return {
      carry: {
        zH: tf.tidy(() => tf.add(carry.zH, 1)),
        zL: tf.tidy(() => tf.add(carry.zL, 1)),
        steps,
        halted: Uint8Array.from(halted),
        current: batch,
      },
      outputs: {
        logits: tf.tidy(() => tf.cast(tf.reshape<tf.Rank.R3>(tf.oneHot(tf.tensor1d(pred, "int32"), V), [B, L, V]), "float32")),
        qHalt: tf.tensor1d(q),
        qContinue: tf.zeros([B]),
      },
      losses: { lm: 0, qHalt: 0, qContinue: 0, total: 0 },
      exactCorrect,
      labelCounts,
      correctCounts,
    };
  };
  return {
    kind: "fake",
    config: {},
    params: new Map(),
    puzzleEmb: null,
    buffers: new Map(),
    haltMaxSteps,
    noActContinue: true,
    initialCarry: (batch) => ({
      zH: tf.zeros([batch.size, 1, 1]),
      zL: tf.zeros([batch.size, 1, 1]),
      steps: new Int32Array(batch.size),
      halted: new Uint8Array(batch.size).fill(1),
      current: batch,
    }),
    evalStep: (carry, batch) => Promise.resolve(step(carry, batch)),
    trainStep: () => {
      throw new Error("not used");
    },
    stateDict: () => new Map(),
    dispose: () => undefined,
  };
}

function batchOf(rows: number, realSize: number, firstId: number): EvalBatch {
  const inputs = new Int32Array(rows * L);
  const labels = new Int32Array(rows * L).fill(IGNORE_LABEL);
  const ids = new Int32Array(rows);
  for (let r = 0; r < realSize; r++) {
    ids[r] = firstId + r;
    for (let i = 0; i < L; i++) {
      inputs[r * L + i] = 1;
      labels[r * L + i] = 2 + ((r + i) % 4);
    }
  }
  return { size: rows, seqLen: L, inputs, labels, puzzleIdentifiers: ids, realSize };
}

describe("evaluateModel", () => {
  beforeAll(async () => {
    await useBackend("cpu", { log: null });
  });

  it("collects the refinement curve, halting stats and snapshots, ignores padding, and leaks no tensor", async () => {
    const model = fakeModel(6);
    // Batch A: 3 real rows (offsets -1, 0, +1). Batch B: 2 real rows + 2 padded rows.
    const batches = [batchOf(3, 3, 10), batchOf(4, 2, 20)];
    const before = tf.memory().numTensors;
    const res = await evaluateModel(model, batches, { steps: 6, snapshotSteps: [1, 2, 4, 8] });
    expect(tf.memory().numTensors).toBe(before);

    expect(res.rows).toBe(5);
    // Row offsets over real rows: A: -1, 0, +1; B: -1, 0. Row exact once s + offset >= 4.
    // s=3: only offset +1 -> 1/5; s=4: offsets 0,+1 -> 3/5; s>=5: all 5.
    expect(res.curve.map((p) => p.exactAccuracy)).toEqual([0, 0, 1 / 5, 3 / 5, 1, 1]);
    // Token accuracy at s=1: right counts min(4, max(0, 1+o)) = 0,1,2,0,1 = 4 of 20.
    expect(res.curve[0]?.tokenAccuracy).toBeCloseTo(4 / 20, 12);
    expect(res.exactAccuracy).toBe(1);
    expect(res.tokenAccuracy).toBe(1);

    // q_halt > 0 first at s=3 for even rows (A0, A2, B0), s=4 for odd rows (A1, B1).
    expect(res.halting.histogram).toEqual([0, 0, 3, 2, 0, 0]);
    expect(res.halting.meanSteps).toBeCloseTo((3 * 3 + 4 * 2) / 5, 12);
    // At halt: A0 (o=-1, s=3) wrong, A2 (o=+1, s=3) right, B0 (o=-1, s=3) wrong, A1 (o=0, s=4) right, B1 (o=0,s=4) right.
    expect(res.halting.exactAtHalt).toBeCloseTo(3 / 5, 12);
    expect(res.halting.haltedOnRightAnswer).toBeCloseTo(3 / 5, 12);
    // Last step: all right and all q > 0.
    expect(res.halting.qHaltAccuracy).toBe(1);

    // Snapshots at 1, 2, 4 and the last step (8 is beyond steps), for the 5 real rows.
    expect(res.kept.rows).toBe(5);
    expect(res.kept.snapshots.map((s) => s.step)).toEqual([1, 2, 4, 6]);
    expect(Array.from(res.kept.puzzleIdentifiers)).toEqual([10, 11, 12, 20, 21]);
    expect(Array.from(res.kept.qHalt)).toEqual([4, 3, 4, 4, 3]);
    const last = res.kept.snapshots[3]?.tokens;
    expect(last && Array.from(last)).toEqual(Array.from(res.kept.labels));
    // Step 1, row A1 (offset 0): first token right, the other three shifted by one.
    const s1 = res.kept.snapshots[0]?.tokens;
    const lab = res.kept.labels;
    expect(s1 && Array.from(s1.subarray(4, 8))).toEqual([lab[4], ((lab[5] ?? 0) + 1) % V, ((lab[6] ?? 0) + 1) % V, ((lab[7] ?? 0) + 1) % V]);
  });

  it("keeps snapshots only for the first snapshotRows rows", async () => {
    const res = await evaluateModel(fakeModel(4), [batchOf(3, 3, 0), batchOf(3, 3, 3)], { snapshotRows: 4 });
    expect(res.rows).toBe(6);
    expect(res.kept.rows).toBe(4);
    expect(Array.from(res.kept.puzzleIdentifiers)).toEqual([0, 1, 2, 3]);
    expect(res.kept.snapshots.map((s) => s.tokens.length)).toEqual([16, 16, 16]);
  });

  it("refuses more steps than halt_max_steps", async () => {
    await expect(evaluateModel(fakeModel(4), [batchOf(1, 1, 0)], { steps: 5 })).rejects.toThrow(/1\.\.4/);
  });
});

describe("evaluateModel on the real TRM", () => {
  beforeAll(async () => {
    await useBackend("cpu", { log: null });
  });

  it("agrees with its own argmax snapshots and leaks no tensor", async () => {
    const model = createTrm(
      { hidden_size: 8, num_heads: 2, expansion: 1, L_layers: 1, H_cycles: 2, L_cycles: 1, halt_max_steps: 3, vocab_size: 6, seq_len: L, num_puzzle_identifiers: 30, puzzle_emb_len: 1 },
      { seed: 5 },
    );
    try {
      const batches = [batchOf(3, 3, 1), batchOf(4, 1, 4)];
      const before = tf.memory().numTensors;
      const res = await evaluateModel(model, batches);
      expect(tf.memory().numTensors).toBe(before);
      expect(res.rows).toBe(4);
      expect(res.steps).toBe(3);
      expect(res.curve.map((p) => p.step)).toEqual([1, 2, 3]);
      expect(res.halting.histogram.reduce((a, b) => a + b, 0)).toBe(4);
      // The model's own counts and the argmax of its logits must give the same accuracies at every kept step.
      expect(res.kept.snapshots.map((s) => s.step)).toEqual([1, 2, 3]);
      for (const snap of res.kept.snapshots) {
        const scored = scoreRows(snap.tokens, res.kept.labels, L);
        const point = res.curve[snap.step - 1];
        expect(tokenAccuracy(scored.correctCounts, scored.labelCounts)).toBeCloseTo(point?.tokenAccuracy ?? -1, 12);
        expect(exactAccuracy(scored.exact)).toBeCloseTo(point?.exactAccuracy ?? -1, 12);
      }
    } finally {
      model.dispose();
    }
  });
});
