import * as tf from "@tensorflow/tfjs";
import { useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";
import { FakeModel, fakeBatch } from "./test-utils/fake-model.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

describe("evaluate", () => {
  it("scores every step, ignores padding rows, hands back predictions and frees every tensor", async () => {
    const model = new FakeModel({ vocab: 5, seqLen: 4, numPuzzleIds: 2, haltMaxSteps: 3 });
    // Make the model exact: W = shift-by-one permutation for puzzle id 0, so rows with id 0 are right.
    const V = 5;
    const W = new Float32Array(V * V);
    for (let x = 1; x < V; x++) W[x * V + ((x % (V - 1)) + 1)] = 10;
    model.params.get("inner.embed.weight")?.assign(tf.tensor2d(W, [V, V]));
    const batch = { ...fakeBatch(6, 4, V, 3, 2), realSize: 5 };
    const ids = Array.from(batch.puzzleIdentifiers.slice(0, 5));
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const s = await evaluate(model, [batch], { onPredictions: (_b, preds, exact, valid) => seen.push(preds.length, valid, exact.length) });
    expect(tf.memory().numTensors).toBe(before);
    expect(s.rows).toBe(5);
    expect(s.per_step.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(s.exact_accuracy).toBeCloseTo(ids.filter((i) => i === 0).length / 5, 10);
    expect(s.per_step[0]?.exact_accuracy).toBe(s.exact_accuracy);
    expect(seen).toEqual([24, 5, 6]);
    await expect(evaluate(model, [batch], { steps: 4 })).rejects.toThrow(/steps must be an integer in 1..3/);
    model.dispose();
  });
});
