import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTrm, useBackend, type RecursiveModel } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { parseTrainConfig } from "./config.js";
import { fit, type FitOptions } from "./fit.js";
import { FakeSampler, fakeBatch, fakeEvaluate } from "./test-utils/fake-model.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

const V = 6;
const L = 8;

function tinyTrm(): RecursiveModel {
  return createTrm(
    { vocab_size: V, seq_len: L, num_puzzle_identifiers: 3, hidden_size: 8, num_heads: 2, puzzle_emb_ndim: 8, puzzle_emb_len: 1, H_cycles: 2, L_cycles: 1, L_layers: 1, halt_max_steps: 3, halt_exploration_prob: 0.5 },
    { seed: 0 },
  );
}

function run(model: RecursiveModel, over: Record<string, unknown>, extra: Partial<FitOptions> = {}) {
  const config = parseTrainConfig({ arch: { name: "trm" }, global_batch_size: 8, lr: 1e-2, lr_warmup_steps: 2, ema_rate: 0.9, seed: 4, ...over });
  return fit({
    model,
    config,
    totalSteps: 8,
    createSampler: (o, s) => new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, s),
    ...extra,
  });
}

function values(model: RecursiveModel): Map<string, number[]> {
  return new Map([...model.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe("fit with the real TRM", () => {
  it("1 x 8 and 4 x 2 micro-batches give the same weights", async () => {
    const a = tinyTrm();
    const b = tinyTrm();
    await run(a, { micro_batch_size: 8 }, { totalSteps: 4 });
    await run(b, { micro_batch_size: 2 }, { totalSteps: 4 });
    const wb = values(b);
    for (const [k, v] of values(a)) v.forEach((x, i) => expect(wb.get(k)?.[i], `${k}[${i}]`).toBeCloseTo(x, 4));
    a.dispose();
    b.dispose();
  }, 120_000);

  it("resumes exactly: 8 steps straight equal 4, stop, resume, 4 (carry, optimiser, EMA, RNG restored)", async () => {
    const root = await mkdtemp(join(tmpdir(), "trm-fit-trm-"));
    const a = tinyTrm();
    await run(a, { micro_batch_size: 4 }, { runDir: join(root, "a") });
    const b1 = tinyTrm();
    expect((await run(b1, { micro_batch_size: 4 }, { runDir: join(root, "b"), budget: { maxSteps: 4 } })).step).toBe(4);
    b1.dispose();
    const b2 = tinyTrm();
    expect((await run(b2, { micro_batch_size: 4 }, { runDir: join(root, "b"), resume: true })).step).toBe(8);
    const wb = values(b2);
    for (const [k, v] of values(a)) expect(wb.get(k), k).toEqual(v);
    a.dispose();
    b2.dispose();
    await rm(root, { recursive: true, force: true });
  }, 120_000);

  it("keeps tf.memory().numTensors flat over a 200-step run of a tiny TRM (accumulation, EMA, eval on)", async () => {
    const model = createTrm(
      { vocab_size: V, seq_len: L, num_puzzle_identifiers: 3, hidden_size: 8, num_heads: 2, puzzle_emb_ndim: 8, puzzle_emb_len: 1, H_cycles: 1, L_cycles: 1, L_layers: 1, halt_max_steps: 3 },
      { seed: 0 },
    );
    const config = parseTrainConfig({ arch: { name: "trm" }, global_batch_size: 4, micro_batch_size: 2, lr: 1e-3, lr_warmup_steps: 5, eval_every_steps: 100 });
    const counts: number[] = [];
    const result = await fit({
      model,
      config,
      totalSteps: 200,
      createSampler: (o, s) => new FakeSampler({ batchSize: o.batchSize, seqLen: L, vocab: V, seed: o.seed }, s),
      evaluate: fakeEvaluate(model, fakeBatch(4, L, V, 7, 3)),
      onEvent: (e) => e.type === "step" && counts.push(e.record.memory.numTensors),
    });
    expect(result.status).toBe("completed");
    expect(counts).toHaveLength(200);
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
  }, 120_000);
});
