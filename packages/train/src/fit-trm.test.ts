import { createTrm, useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import { parseTrainConfig } from "./config.js";
import { fit } from "./fit.js";
import { FakeSampler, fakeBatch } from "./test-utils/fake-model.js";

beforeAll(async () => {
  await useBackend("wasm", { log: null });
});

describe("fit with the real TRM", () => {
  it("keeps tf.memory().numTensors flat over a 200-step run of a tiny TRM (accumulation, EMA, eval on)", async () => {
    const V = 6;
    const L = 8;
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
      evalBatches: () => [fakeBatch(4, L, V, 7, 3)],
      onEvent: (e) => e.type === "step" && counts.push(e.record.memory.numTensors),
    });
    expect(result.status).toBe("completed");
    expect(counts).toHaveLength(200);
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
  }, 120_000);
});
