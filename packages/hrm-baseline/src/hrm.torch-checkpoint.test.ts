import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { modelVariables, useBackend } from "@trm/core";
import { loadCheckpointWeights, readOfficialCheckpoint } from "@trm/core/node";
import { beforeAll, describe, expect, it } from "vitest";
import { createHrm } from "./hrm.js";
import type { HrmConfigInput } from "./hrm-config.js";

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../core/fixtures/torch/hrm.f16.deflated.pt");
// The architecture make_fixtures.py gave the HRM it saved.
const config: HrmConfigInput = {
  hidden_size: 8, num_heads: 2, expansion: 1, vocab_size: 5, seq_len: 4, puzzle_emb_ndim: 8, num_puzzle_identifiers: 3,
  H_cycles: 2, L_cycles: 2, H_layers: 1, L_layers: 1, pos_encodings: "learned", halt_max_steps: 4,
};

describe("an official HRM checkpoint (torch.save, float16, deflated)", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("loads strictly into the HRM: every variable is assigned the checkpoint's values", async () => {
    const before = tf.memory().numTensors;
    const model = createHrm(config, { seed: 5 });
    const result = await loadCheckpointWeights(model, fixture);
    const vars = modelVariables(model);
    expect([...result.loaded].sort()).toEqual([...vars.keys()].sort());
    const { mappedTensors } = await readOfficialCheckpoint(fixture);
    for (const [name, v] of vars) expect(Array.from(v.dataSync()), name).toEqual(Array.from(mappedTensors.get(name)!.data));
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
