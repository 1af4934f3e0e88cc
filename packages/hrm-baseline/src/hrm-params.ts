import { blockParamSpecs, paramSize, type BlockConfig, type ParamSpec } from "@trm/core";
import type { HrmConfig } from "./hrm-config.js";

/** What a named tensor of the HRM is for: trained by the main optimiser, a fixed buffer, or the puzzle table. */
export type HrmTensorRole = "param" | "buffer" | "puzzle";

export interface HrmTensorSpec extends ParamSpec {
  readonly role: HrmTensorRole;
}

/** The shape of one block of either module (H and L blocks are alike; only their weights differ). */
export function hrmBlockConfig(config: HrmConfig): BlockConfig {
  return {
    hiddenSize: config.hidden_size,
    numHeads: config.num_heads,
    expansion: config.expansion,
    seqLen: config.seq_len + config.puzzle_emb_len,
    mlpT: config.mlp_t,
    eps: config.rms_norm_eps,
  };
}

/**
 * Every tensor of the HRM under its official state_dict name, PyTorch layout, with the official init: the trainable
 * parameters, the fixed buffers `H_init` / `L_init` (truncated normal, std 1) and the puzzle-embedding table (zero,
 * a buffer trained by its own sign-SGD optimiser). The order is the order of initialisation from one seeded stream.
 */
export function hrmTensorSpecs(config: HrmConfig): HrmTensorSpec[] {
  const d = config.hidden_size;
  const embedStd = { kind: "normal", std: 1 / Math.sqrt(d) } as const;
  const param = (spec: ParamSpec): HrmTensorSpec => ({ ...spec, role: "param" });
  const specs: HrmTensorSpec[] = [
    // [vocab, D] is already the [in, out] matrix a one-hot product needs: no transpose.
    param({ name: "inner.embed_tokens.embedding_weight", shape: [config.vocab_size, d], init: embedStd, linear: false }),
    param({ name: "inner.lm_head.weight", shape: [config.vocab_size, d], init: { kind: "lecun" }, linear: true }),
    // Q head starts at (almost) "never halt": weight 0, bias -5, sigmoid(-5) ~ 0.0067 (official bootstrapping init).
    param({ name: "inner.q_head.weight", shape: [2, d], init: { kind: "constant", value: 0 }, linear: true }),
    param({ name: "inner.q_head.bias", shape: [2], init: { kind: "constant", value: -5 }, linear: false }),
  ];
  if (config.pos_encodings === "learned") {
    specs.push(param({ name: "inner.embed_pos.embedding_weight", shape: [config.seq_len + config.puzzle_emb_len, d], init: embedStd, linear: false }));
  }
  const block = hrmBlockConfig(config);
  for (let i = 0; i < config.H_layers; i++) specs.push(...blockParamSpecs(`inner.H_level.layers.${i}`, block).map(param));
  for (let i = 0; i < config.L_layers; i++) specs.push(...blockParamSpecs(`inner.L_level.layers.${i}`, block).map(param));
  specs.push(
    { name: "inner.H_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false, role: "buffer" },
    { name: "inner.L_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false, role: "buffer" },
  );
  if (config.puzzle_emb_ndim > 0) {
    specs.push({
      name: "inner.puzzle_emb.weights",
      shape: [config.num_puzzle_identifiers, config.puzzle_emb_ndim],
      init: { kind: "constant", value: 0 },
      linear: false,
      role: "puzzle",
    });
  }
  return specs;
}

/**
 * Trainable parameters, counted from shapes without allocating them: what the official run logs as `num_params`
 * (`model.parameters()`: the puzzle table and H_init / L_init are buffers and not counted).
 */
export function countHrmParameters(config: HrmConfig): number {
  let n = 0;
  for (const spec of hrmTensorSpecs(config)) if (spec.role === "param") n += paramSize(spec);
  return n;
}
