import { blockParamSpecs, type BlockConfig } from "./block.js";
import { ARCH_FIELDS, ModelConfigError, resolveFields, type ConfigInput, type FieldTable, type ResolvedFields } from "./config-fields.js";
import { paramSize, type ParamSpec } from "./param-spec.js";
import { positionsOf, type ModelTensors } from "./supervision-step.js";

/**
 * The TRM fields in the official names (`config/arch/trm.yaml`, the golden `*.config.json`), with the official
 * defaults: the one place they are written. T = `H_cycles`, n = `L_cycles`, N_sup = `halt_max_steps`.
 */
export const TRM_FIELDS = {
  ...ARCH_FIELDS,
  /** Blocks in the one network (`L_level`). */
  L_layers: { kind: "int", min: 1, default: 2 },
  /** T: recursion cycles per supervision step (T - 1 without gradient, 1 with). */
  H_cycles: { kind: "int", min: 1, default: 3 },
  /** n: latent updates z <- net(z + y + x) per cycle. */
  L_cycles: { kind: "int", min: 1, default: 6 },
  /** Width of a puzzle vector; 0 = no puzzle table and no prefix. Default: `hidden_size`. */
  puzzle_emb_ndim: { kind: "int", min: 0, default: ARCH_FIELDS.hidden_size.default },
  /** Prefix positions that hold the puzzle vector (zero-padded); 0 = ceil(puzzle_emb_ndim / hidden_size). */
  puzzle_emb_len: { kind: "int", min: 0, default: 16 },
  pos_encodings: { kind: "enum", values: ["rope", "none", "learned"], default: "rope" },
  /** Official default true: halt on q_halt > 0 and no q_continue loss. False turns on the continue / Q target. */
  no_ACT_continue: { kind: "bool", default: true },
} as const satisfies FieldTable;

/** Official fields a TRM accepts that change nothing here (the wrapper's name, HRM's `H_layers`, bf16, batch, loss). */
const TRM_ACCEPTED = ["model", "name", "H_layers", "forward_dtype", "batch_size", "loss"] as const;

export type PosEncodings = (typeof TRM_FIELDS.pos_encodings.values)[number];

/** The resolved TRM architecture, every field filled. */
export type TrmConfig = { readonly model: "trm" } & ResolvedFields<typeof TRM_FIELDS>;

/** What `createTrm` takes: the dataset fields (required) and any architecture field (the defaults fill the rest). */
export type TrmConfigInput = ConfigInput<typeof TRM_FIELDS> & {
  readonly model?: "trm";
  readonly name?: string;
  readonly H_layers?: number;
  readonly forward_dtype?: string;
  readonly batch_size?: number;
  readonly loss?: unknown;
};

/**
 * Fills defaults and validates an official-style config (e.g. a golden `*.config.json`). An unknown field is rejected
 * with {@link ModelConfigError}, naming the nearest known one; `vocab_size`, `seq_len` and `num_puzzle_identifiers`
 * are required.
 */
export function resolveTrmConfig(input: Readonly<Record<string, unknown>>): TrmConfig {
  const fail = (field: string, detail: string): never => {
    throw new ModelConfigError("TRM", field, detail);
  };
  if (input.model !== undefined && input.model !== "trm") fail("model", `expected "trm", got ${JSON.stringify(input.model)}.`);
  const c = resolveFields("TRM", TRM_FIELDS, { ...input, puzzle_emb_ndim: input.puzzle_emb_ndim ?? input.hidden_size ?? TRM_FIELDS.hidden_size.default }, TRM_ACCEPTED);
  if (!c.mlp_t && c.hidden_size % c.num_heads !== 0) fail("num_heads", `hidden_size ${c.hidden_size} is not divisible by num_heads ${c.num_heads}.`);
  if (!c.mlp_t && c.pos_encodings === "rope" && (c.hidden_size / c.num_heads) % 2 !== 0) fail("num_heads", `RoPE needs an even head size, got ${c.hidden_size / c.num_heads}.`);
  // Official: puzzle_emb_len 0 means ceil(ndim / hidden); without a puzzle table there is no prefix.
  const prefix = c.puzzle_emb_ndim === 0 ? 0 : c.puzzle_emb_len === 0 ? Math.ceil(c.puzzle_emb_ndim / c.hidden_size) : c.puzzle_emb_len;
  if (c.puzzle_emb_ndim > prefix * c.hidden_size) fail("puzzle_emb_ndim", `${c.puzzle_emb_ndim} does not fit puzzle_emb_len ${prefix} x hidden_size ${c.hidden_size}.`);
  return { model: "trm", ...c, puzzle_emb_len: prefix };
}

/** The block shape of a TRM config. */
export function trmBlockConfig(cfg: TrmConfig): BlockConfig {
  return { hiddenSize: cfg.hidden_size, numHeads: cfg.num_heads, expansion: cfg.expansion, positions: positionsOf(cfg), mlpT: cfg.mlp_t, eps: cfg.rms_norm_eps };
}

/** Names, shapes and inits of a TRM's tensors, in creation order (what the seed is consumed for). */
export function trmTensors(cfg: TrmConfig): ModelTensors {
  const d = cfg.hidden_size;
  const embedStd = { kind: "normal", std: 1 / Math.sqrt(d) } as const;
  const params: ParamSpec[] = [{ name: "inner.embed_tokens.embedding_weight", shape: [cfg.vocab_size, d], init: embedStd, linear: false }];
  if (cfg.pos_encodings === "learned") params.push({ name: "inner.embed_pos.embedding_weight", shape: [positionsOf(cfg), d], init: embedStd, linear: false });
  for (let i = 0; i < cfg.L_layers; i++) params.push(...blockParamSpecs(`inner.L_level.layers.${i}`, trmBlockConfig(cfg)));
  params.push(...headSpecs(cfg));
  return { params, buffers: initSpecs(d), puzzleEmb: puzzleTableSpec(cfg) };
}

/** Trainable parameters, excluding the puzzle table and the init buffers (the paper's count), from shapes alone. */
export function countTrmParameters(config: Readonly<Record<string, unknown>>): number {
  return trmTensors(resolveTrmConfig(config)).params.reduce((n, p) => n + paramSize(p), 0);
}

/** lm_head [vocab, D] (LeCun) and the Q head, which starts at "almost surely continue": weight 0, bias -5. */
export function headSpecs(cfg: { readonly vocab_size: number; readonly hidden_size: number }): ParamSpec[] {
  return [
    { name: "inner.lm_head.weight", shape: [cfg.vocab_size, cfg.hidden_size], init: { kind: "lecun" }, linear: true },
    { name: "inner.q_head.weight", shape: [2, cfg.hidden_size], init: { kind: "constant", value: 0 }, linear: true },
    { name: "inner.q_head.bias", shape: [2], init: { kind: "constant", value: -5 }, linear: false },
  ];
}

/** The fixed reset states `H_init` and `L_init` [D] (truncated normal, std 1). */
export function initSpecs(d: number): ParamSpec[] {
  return [
    { name: "inner.H_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false },
    { name: "inner.L_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false },
  ];
}

/** The puzzle-embedding table (zeros, trained by its own optimiser); null when `puzzle_emb_ndim` is 0. */
export function puzzleTableSpec(cfg: { readonly puzzle_emb_ndim: number; readonly num_puzzle_identifiers: number }): ParamSpec | null {
  if (cfg.puzzle_emb_ndim === 0) return null;
  return { name: "inner.puzzle_emb.weights", shape: [cfg.num_puzzle_identifiers, cfg.puzzle_emb_ndim], init: { kind: "constant", value: 0 }, linear: false };
}
