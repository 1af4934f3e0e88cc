import { blockParamSpecs, headSpecs, initSpecs, paramSize, positionsOf, puzzleTableSpec, type BlockConfig, type ModelTensors, type ParamSpec } from "@trm/core";
import type { HrmConfig } from "./hrm-config.js";

/** The shape of one block of either module (H and L blocks are alike; only their weights differ). */
export function hrmBlockConfig(config: HrmConfig): BlockConfig {
  return { hiddenSize: config.hidden_size, numHeads: config.num_heads, expansion: config.expansion, positions: positionsOf(config), mlpT: config.mlp_t, eps: config.rms_norm_eps };
}

/**
 * Every tensor of the HRM under its official state_dict name, PyTorch layout, official init, in the order of
 * initialisation from one seeded stream: the trainable parameters, the buffers `H_init` / `L_init`, the puzzle table.
 */
export function hrmTensors(config: HrmConfig): ModelTensors {
  const d = config.hidden_size;
  const embedStd = { kind: "normal", std: 1 / Math.sqrt(d) } as const;
  // [vocab, D] is already the [in, out] matrix a one-hot product needs: no transpose.
  const params: ParamSpec[] = [{ name: "inner.embed_tokens.embedding_weight", shape: [config.vocab_size, d], init: embedStd, linear: false }, ...headSpecs(config)];
  if (config.pos_encodings === "learned") params.push({ name: "inner.embed_pos.embedding_weight", shape: [positionsOf(config), d], init: embedStd, linear: false });
  const block = hrmBlockConfig(config);
  for (let i = 0; i < config.H_layers; i++) params.push(...blockParamSpecs(`inner.H_level.layers.${i}`, block));
  for (let i = 0; i < config.L_layers; i++) params.push(...blockParamSpecs(`inner.L_level.layers.${i}`, block));
  return { params, buffers: initSpecs(d), puzzleEmb: puzzleTableSpec(config) };
}

/**
 * Trainable parameters, counted from shapes without allocating them: what the official run logs as `num_params`
 * (`model.parameters()`: the puzzle table and H_init / L_init are buffers and not counted).
 */
export function countHrmParameters(config: HrmConfig): number {
  return hrmTensors(config).params.reduce((n, p) => n + paramSize(p), 0);
}
