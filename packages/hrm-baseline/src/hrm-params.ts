import type { HrmConfig } from "./hrm-config.js";

/** Width of the SwiGLU inner layer: round(expansion * hidden * 2 / 3) rounded up to a multiple of 256 (official). */
export function swigluInnerSize(hiddenSize: number, expansion: number): number {
  const raw = roundHalfEven((expansion * hiddenSize * 2) / 3);
  return Math.ceil(raw / 256) * 256;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** What a named tensor of the HRM is for. */
export type HrmTensorRole = "param" | "buffer" | "puzzle";

export interface HrmTensorSpec {
  /** Official state_dict name, `inner.` prefix included. */
  readonly name: string;
  /** PyTorch layout ([out, in] for linear weights). */
  readonly shape: readonly number[];
  readonly role: HrmTensorRole;
}

/** The official names of one post-norm block's weights, under `prefix` (`inner.H_level.layers.0`). */
export function blockTensorSpecs(prefix: string, config: HrmConfig): HrmTensorSpec[] {
  const d = config.hidden_size;
  const headDim = d / config.num_heads;
  const inner = swigluInnerSize(d, config.expansion);
  // No grouped-query attention in HRM: q, k and v each have num_heads heads.
  const qkv = 3 * config.num_heads * headDim;
  return [
    { name: `${prefix}.self_attn.qkv_proj.weight`, shape: [qkv, d], role: "param" },
    { name: `${prefix}.self_attn.o_proj.weight`, shape: [d, config.num_heads * headDim], role: "param" },
    { name: `${prefix}.mlp.gate_up_proj.weight`, shape: [2 * inner, d], role: "param" },
    { name: `${prefix}.mlp.down_proj.weight`, shape: [d, inner], role: "param" },
  ];
}

/**
 * Every tensor of the HRM under its official state_dict name, in PyTorch layout: the trainable parameters, the fixed
 * buffers `H_init` / `L_init`, and the puzzle-embedding table (a buffer trained by its own sign-SGD optimiser).
 */
export function hrmTensorSpecs(config: HrmConfig): HrmTensorSpec[] {
  const d = config.hidden_size;
  const specs: HrmTensorSpec[] = [
    { name: "inner.embed_tokens.embedding_weight", shape: [config.vocab_size, d], role: "param" },
    { name: "inner.lm_head.weight", shape: [config.vocab_size, d], role: "param" },
    { name: "inner.q_head.weight", shape: [2, d], role: "param" },
    { name: "inner.q_head.bias", shape: [2], role: "param" },
  ];
  if (config.pos_encodings === "learned") {
    specs.push({ name: "inner.embed_pos.embedding_weight", shape: [config.seq_len + config.puzzle_emb_len, d], role: "param" });
  }
  for (let i = 0; i < config.H_layers; i++) specs.push(...blockTensorSpecs(`inner.H_level.layers.${i}`, config));
  for (let i = 0; i < config.L_layers; i++) specs.push(...blockTensorSpecs(`inner.L_level.layers.${i}`, config));
  specs.push({ name: "inner.H_init", shape: [d], role: "buffer" }, { name: "inner.L_init", shape: [d], role: "buffer" });
  if (config.puzzle_emb_ndim > 0) {
    specs.push({ name: "inner.puzzle_emb.weights", shape: [config.num_puzzle_identifiers, config.puzzle_emb_ndim], role: "puzzle" });
  }
  return specs;
}

/**
 * Trainable parameters, counted from shapes without allocating them: what the official run logs as `num_params`
 * (`model.parameters()`: the puzzle table and H_init / L_init are buffers and not counted).
 */
export function countHrmParameters(config: HrmConfig): number {
  let n = 0;
  for (const spec of hrmTensorSpecs(config)) {
    if (spec.role === "param") n += spec.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}
