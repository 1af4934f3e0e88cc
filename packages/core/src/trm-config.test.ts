import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { ModelConfigError } from "./config-fields.js";
import { createTrm } from "./trm.js";
import { countTrmParameters, resolveTrmConfig, trmTensors } from "./trm-config.js";

const sudoku = { vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 };

describe("TRM config", () => {
  beforeAll(async () => {
    await useBackend("cpu", { log: null });
  });

  it("counts the paper's parameters (puzzle table and init buffers excluded)", () => {
    expect(countTrmParameters({ ...sudoku })).toBe(6_828_034);
    expect(countTrmParameters({ ...sudoku, mlp_t: true, pos_encodings: "none" })).toBe(5_028_866);
    expect(countTrmParameters({ vocab_size: 6, seq_len: 900, num_puzzle_identifiers: 1, mlp_t: true, pos_encodings: "none" })).toBe(18_795_522);
  });

  it("fills the official defaults and accepts the official fields that change nothing here", () => {
    const c = resolveTrmConfig({ ...sudoku, model: "trm", name: "trm", H_layers: 4, forward_dtype: "bfloat16" });
    expect(c).toMatchObject({ hidden_size: 512, num_heads: 8, expansion: 4, L_layers: 2, H_cycles: 3, L_cycles: 6, halt_max_steps: 16 });
    expect(c).toMatchObject({ halt_exploration_prob: 0.1, puzzle_emb_ndim: 512, puzzle_emb_len: 16, mlp_t: false, pos_encodings: "rope", no_ACT_continue: true });
    const tensors = trmTensors(c);
    expect(tensors.buffers.map((b) => b.name)).toEqual(["inner.H_init", "inner.L_init"]);
    expect(tensors.puzzleEmb?.shape).toEqual([1, 512]);
  });

  it("names the bad field", () => {
    expect(() => resolveTrmConfig({ ...sudoku, H_cycles: 0 })).toThrow(/"H_cycles": expected an integer >= 1, got 0/);
    expect(() => resolveTrmConfig({ seq_len: 81, num_puzzle_identifiers: 1 })).toThrow(/"vocab_size"/);
    expect(() => resolveTrmConfig({ ...sudoku, pos_encodings: "alibi" })).toThrow(/"pos_encodings"/);
    expect(() => resolveTrmConfig({ ...sudoku, model: "hrm" })).toThrow(/"model"/);
  });

  it("rejects an unknown field, naming it and the nearest known one, instead of building the default model", () => {
    // @ts-expect-error -- the typed config catches the typo at compile time; at run time it is rejected as well.
    expect(() => createTrm({ ...sudoku, hiden_size: 16 })).toThrow(ModelConfigError);
    expect(() => resolveTrmConfig({ ...sudoku, hiden_size: 16 })).toThrow(/TRM config field "hiden_size": unknown field; did you mean "hidden_size"\?/);
    expect(() => resolveTrmConfig({ ...sudoku, zzz: 1 })).toThrow(/"zzz": unknown field\. Known fields: hidden_size/);
  });

  it("exposes the resolved config on the model", () => {
    const model = createTrm({ ...sudoku, hidden_size: 16, num_heads: 2, puzzle_emb_len: 0 });
    expect(model.config).toMatchObject({ model: "trm", hidden_size: 16, puzzle_emb_ndim: 16, puzzle_emb_len: 1, H_cycles: 3 });
    expect(model.positions).toBe(82);
    model.dispose();
  });
});
