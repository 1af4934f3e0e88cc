import { describe, expect, it } from "vitest";
import { ModelConfigError } from "@trm/core";
import { parseTrainConfig, PRESETS } from "@trm/train";
import { resolveHrmConfig } from "./hrm-config.js";
import { countHrmParameters, hrmTensors } from "./hrm-params.js";

/** Every tensor of a model in creation order, with its kind. */
function tensorsOf(config: Parameters<typeof hrmTensors>[0]) {
  const t = hrmTensors(config);
  return [
    ...t.params.map((s) => ({ ...s, role: "param" })),
    ...t.buffers.map((s) => ({ ...s, role: "buffer" })),
    ...(t.puzzleEmb ? [{ ...t.puzzleEmb, role: "puzzle" }] : []),
  ];
}

describe("HRM parameter shapes", () => {
  it("counts 27,275,266 trainable parameters for the Sudoku shape (the official run's num_params)", () => {
    const config = resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 });
    expect(countHrmParameters(config)).toBe(27_275_266);
  });

  it("counts the Maze and ARC shapes from the same formula", () => {
    expect(countHrmParameters(resolveHrmConfig({ vocab_size: 6, seq_len: 900, num_puzzle_identifiers: 1 }))).toBe(27_270_146);
    expect(countHrmParameters(resolveHrmConfig({ vocab_size: 12, seq_len: 900, num_puzzle_identifiers: 9 }))).toBe(27_276_290);
  });

  it("names the 4 + 8 block weights of a 2+2-layer model and the buffers", () => {
    const config = resolveHrmConfig({ hidden_size: 64, num_heads: 4, H_layers: 2, L_layers: 2, vocab_size: 6, seq_len: 16, puzzle_emb_ndim: 64, num_puzzle_identifiers: 3 });
    const specs = tensorsOf(config);
    const byName = new Map(specs.map((s) => [s.name, s]));
    expect(specs).toHaveLength(4 + 16 + 2 + 1);
    expect(byName.get("inner.L_level.layers.1.self_attn.qkv_proj.weight")?.shape).toEqual([192, 64]);
    expect(byName.get("inner.H_level.layers.0.mlp.gate_up_proj.weight")?.shape).toEqual([512, 64]);
    expect(byName.get("inner.H_level.layers.0.mlp.down_proj.weight")?.shape).toEqual([64, 256]);
    expect(byName.get("inner.puzzle_emb.weights")).toMatchObject({ shape: [3, 64], role: "puzzle", init: { kind: "constant", value: 0 } });
    expect(byName.get("inner.q_head.bias")).toMatchObject({ role: "param", init: { kind: "constant", value: -5 } });
    expect(byName.get("inner.H_init")?.role).toBe("buffer");
  });

  it("with mlp_t (this project's ablation) swaps each block's attention for a token-mixing MLP, as TRM's block", () => {
    const config = resolveHrmConfig({ hidden_size: 64, num_heads: 4, H_layers: 1, L_layers: 1, vocab_size: 6, seq_len: 16, puzzle_emb_ndim: 64, num_puzzle_identifiers: 3, mlp_t: true, pos_encodings: "none" });
    expect(config).toMatchObject({ mlp_t: true, pos_encodings: "none" });
    const byName = new Map(tensorsOf(config).map((s) => [s.name, s]));
    expect(byName.has("inner.L_level.layers.0.self_attn.qkv_proj.weight")).toBe(false);
    // TRM's token-mixing MLP over the 16 + 1 positions (16 cells and the puzzle prefix).
    expect(byName.get("inner.L_level.layers.0.mlp_t.gate_up_proj.weight")?.shape[1]).toBe(17);
    expect(byName.get("inner.H_level.layers.0.mlp_t.down_proj.weight")?.shape[0]).toBe(17);
  });
});

describe("resolveHrmConfig", () => {
  it("accepts what the training app passes (arch with name, dataset shape) and the golden config", () => {
    const c = resolveHrmConfig({ name: "hrm", H_cycles: 1, no_ACT_continue: false, forward_dtype: "bfloat16", vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 3 });
    expect(c).toMatchObject({ model: "hrm", H_cycles: 1, L_cycles: 2, vocab_size: 6 });
    expect(resolveHrmConfig({ hidden_size: 64, puzzle_emb_ndim: 64, puzzle_emb_len: 0, mlp_t: false, vocab_size: 6, seq_len: 16, num_puzzle_identifiers: 3 }).puzzle_emb_len).toBe(1);
  });

  it("fills the official defaults and derives puzzle_emb_len", () => {
    const c = resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 });
    expect(c).toMatchObject({ hidden_size: 512, num_heads: 8, H_layers: 4, L_layers: 4, H_cycles: 2, L_cycles: 2, puzzle_emb_len: 1, halt_max_steps: 16, halt_exploration_prob: 0.1 });
    expect(resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, puzzle_emb_ndim: 513 }).puzzle_emb_len).toBe(2);
    expect(resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, puzzle_emb_ndim: 0 }).puzzle_emb_len).toBe(0);
    // The training presets name only "hrm": the official hrm_v1 values come from this table.
    expect(resolveHrmConfig({ ...parseTrainConfig(PRESETS["hrm-sudoku"]?.config).arch, vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1 })).toEqual(c);
  });

  it("names the field in its errors", () => {
    expect(() => resolveHrmConfig({ seq_len: 81, num_puzzle_identifiers: 1 })).toThrow(/"vocab_size"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, H_cycles: 0 })).toThrow(ModelConfigError);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, num_heads: 7 })).toThrow(/"num_heads"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, hiddenSize: 3 })).toThrow(/"hiddenSize"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, hiden_size: 3 })).toThrow(/"hiden_size".*did you mean "hidden_size"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, puzzle_emb_len: 16 })).toThrow(/"puzzle_emb_len"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, model: "trm" })).toThrow(/"model"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, no_ACT_continue: true })).toThrow(/"no_ACT_continue"/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, pos_encodings: "none" })).toThrow(/"pos_encodings".*only with mlp_t/);
    expect(() => resolveHrmConfig({ vocab_size: 11, seq_len: 81, num_puzzle_identifiers: 1, mlp_t: "yes" })).toThrow(/"mlp_t"/);
  });
});
