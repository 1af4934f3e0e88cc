import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { readSafetensorsFile } from "@trm/core/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTrainConfig } from "./config.js";
import { fit, type FitOptions } from "./fit.js";
import { FakeModel, FakeSampler, fakeBatch, fakeEvaluate } from "./test-utils/fake-model.js";

const V = 6;
const L = 5;
let root: string;

beforeAll(async () => {
  await useBackend("wasm", { log: null });
  root = await mkdtemp(join(tmpdir(), "trm-fit-weights-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const snapshot = (model: FakeModel): Map<string, number[]> => {
  const dict = model.stateDict();
  return new Map([...dict].map(([k, t]) => [k, Array.from(t.dataSync())]));
};

/** A run of 10 steps evaluated at steps 5 and 10, recording the model's weights at each evaluation. */
function run(ema: boolean, runDir: string | null) {
  const model = new FakeModel({ vocab: V, seqLen: L, numPuzzleIds: 3, haltMaxSteps: 3, haltExplorationProb: 0.3, seed: 11 });
  const config = parseTrainConfig({ arch: { name: "fake" }, global_batch_size: 8, lr: 0.05, lr_warmup_steps: 2, ema, ema_rate: 0.8, eval_every_steps: 5, seed: 3 });
  const score = fakeEvaluate(model, fakeBatch(6, L, V, 99));
  const evaluated: Map<string, number[]>[] = [];
  const options: FitOptions = {
    model,
    config,
    totalSteps: 10,
    createSampler: (o, state) => new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, state),
    evaluate: async () => {
      evaluated.push(snapshot(model));
      return score();
    },
    runDir,
  };
  return { model, options, evaluated };
}

const values = (weights: ReadonlyMap<string, { data: ArrayLike<number> }>) => new Map([...weights].map(([k, t]) => [k, Array.from(t.data)]));

describe("fit returns the weights it evaluated", () => {
  it("without a run folder: the EMA copy of the last evaluation, every tensor of the model, and no tensor left behind", async () => {
    const { model, options, evaluated } = run(true, null);
    const before = tf.memory().numTensors;
    const result = await fit(options);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.status).toBe("completed");
    expect(result.checkpoint).toBeNull();
    expect(evaluated).toHaveLength(2);
    const w = result.weights;
    expect(w?.copy).toBe("ema");
    expect(w?.step).toBe(10);
    expect([...(w?.tensors.keys() ?? [])].sort()).toEqual([...model.stateDict().keys()].sort());
    for (const [name, t] of w?.tensors ?? []) expect(t.shape).toEqual(model.stateDict().get(name)?.shape);
    // Exactly what the final evaluation saw, and not the trained values the model holds afterwards.
    expect(values(w?.tensors ?? new Map())).toEqual(evaluated[1]);
    expect(values(w?.tensors ?? new Map())).not.toEqual(snapshot(model));
    model.dispose();
  });

  it("with a run folder: the same tensors as final.safetensors; with EMA off, the trained values", async () => {
    const a = run(true, join(root, "ema"));
    const ra = await fit(a.options);
    const file = await readSafetensorsFile(join(root, "ema", "checkpoints", "final.safetensors"));
    expect(values(file.tensors)).toEqual(values(ra.weights?.tensors ?? new Map()));
    expect(file.metadata.format).toBe("pt");
    a.model.dispose();

    const b = run(false, null);
    const rb = await fit(b.options);
    expect(rb.weights?.copy).toBe("raw");
    expect(values(rb.weights?.tensors ?? new Map())).toEqual(snapshot(b.model));
    b.model.dispose();
  });
});
