import { countTrmParameters, resolveTrmConfig } from "@trm/core";
import { describe, expect, it } from "vitest";
import { parseTrainConfig } from "./config.js";
import { checkModelSize, createModel, MAX_MODEL_PARAMETERS, parameterLowerBound } from "./model-registry.js";
import { PRESETS } from "./presets.js";

const SUDOKU = { vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 };
// ARC-AGI-1 with 1000 augmentations: about 876k puzzle identifiers.
const ARC = { vocab_size: 12, seq_len: 900, num_puzzle_identifiers: 876_406 };

describe("model size bound", () => {
  it("is a lower bound of the real count, and admits the official models", () => {
    for (const [preset, data] of [["sudoku-att", SUDOKU], ["sudoku-mlp", SUDOKU], ["maze", SUDOKU], ["arc1", ARC]] as const) {
      const arch = parseTrainConfig(PRESETS[preset]!.config).arch;
      const real = countTrmParameters({ ...arch, ...data }) + data.num_puzzle_identifiers * resolveTrmConfig({ ...arch, ...data }).puzzle_emb_ndim;
      const bound = parameterLowerBound(arch, data);
      expect(bound, preset).toBeLessThanOrEqual(real);
      expect(bound, preset).toBeGreaterThan(real / 2);
      expect(() => checkModelSize(arch, data), preset).not.toThrow();
    }
    expect(parameterLowerBound(parseTrainConfig(PRESETS.arc1!.config).arch, ARC)).toBeLessThan(MAX_MODEL_PARAMETERS);
  });

  it("refuses a model over the limit before the factory allocates anything, naming the fields and the limit", () => {
    let called = false;
    const registry = {
      trm: () => {
        called = true;
        throw new Error("allocated");
      },
    };
    const huge = [
      { name: "trm", hidden_size: 100_000 },
      { name: "trm", hidden_size: 1024, L_layers: 200 },
      { name: "trm", hidden_size: 64, puzzle_emb_ndim: 64 * 1000 },
    ];
    for (const arch of huge) {
      expect(() => createModel(registry, arch, ARC, 0), JSON.stringify(arch)).toThrow(
        /model size: arch\.hidden_size .*arch\.L_layers .*num_puzzle_identifiers 876406 give at least .* parameters, over the limit of 536,870,912/,
      );
    }
    expect(called).toBe(false);
  });

  it("refuses layers, cycles and supervision steps far beyond any published model, naming the field and the limit", () => {
    const registry = {
      trm: () => {
        throw new Error("allocated");
      },
    };
    // A tiny model whose parameter count is within the limit but whose depth would take hours to build or run.
    expect(() => createModel(registry, { name: "trm", hidden_size: 16, L_layers: 100_000 }, ARC, 0)).toThrow("model size: arch.L_layers 100000 is over the limit of 256");
    expect(() => createModel(registry, { name: "trm", hidden_size: 16, H_cycles: 5000 }, ARC, 0)).toThrow("model size: arch.H_cycles 5000 is over the limit of 1024");
    expect(() => createModel(registry, { name: "trm", hidden_size: 16, halt_max_steps: 1e6 }, ARC, 0)).toThrow("arch.halt_max_steps 1000000 is over the limit of 1024");
  });
});
