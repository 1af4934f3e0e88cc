import { blockParamSpecs, type BlockConfig } from "./block.js";
import { ModelConfigError, rejectUnknownKeys } from "./config-fields.js";
import { paramSize, type ParamSpec } from "./param-spec.js";

export type PosEncodings = "rope" | "none" | "learned";

/**
 * The TRM architecture in the official field names (snake_case, as in `config/arch/trm.yaml` and the golden
 * `*.config.json`). T = `H_cycles`, n = `L_cycles`, N_sup = `halt_max_steps`.
 */
export type TrmConfig = {
  readonly hidden_size: number;
  readonly num_heads: number;
  readonly expansion: number;
  /** Blocks in the one network (`L_level`). */
  readonly L_layers: number;
  /** T: recursion cycles per supervision step (T - 1 without gradient, 1 with). */
  readonly H_cycles: number;
  /** n: latent updates z <- net(z + y + x) per cycle. */
  readonly L_cycles: number;
  /** N_sup: supervision steps before a forced halt. */
  readonly halt_max_steps: number;
  readonly halt_exploration_prob: number;
  readonly vocab_size: number;
  /** Tokens per example, without the puzzle prefix. */
  readonly seq_len: number;
  readonly num_puzzle_identifiers: number;
  /** Width of a puzzle vector; 0 = no puzzle table and no prefix. */
  readonly puzzle_emb_ndim: number;
  /** Prefix positions that hold the puzzle vector (zero-padded). */
  readonly puzzle_emb_len: number;
  /** TRM-MLP: token-mixing SwiGLU instead of self-attention. */
  readonly mlp_t: boolean;
  readonly pos_encodings: PosEncodings;
  readonly rms_norm_eps: number;
  readonly rope_theta: number;
  /** Official default true: halt on q_halt > 0 and no q_continue loss. False turns on the continue / Q target. */
  readonly no_ACT_continue: boolean;
};

/** Official defaults (paper / `trm.yaml`); vocab, seq_len and the puzzle count come from the dataset. */
export const TRM_DEFAULTS = {
  hidden_size: 512,
  num_heads: 8,
  expansion: 4,
  L_layers: 2,
  H_cycles: 3,
  L_cycles: 6,
  halt_max_steps: 16,
  halt_exploration_prob: 0.1,
  puzzle_emb_len: 16,
  mlp_t: false,
  pos_encodings: "rope",
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  no_ACT_continue: true,
} as const;

function intField(input: Readonly<Record<string, unknown>>, key: string, fallback: number | undefined, min: number): number {
  const v = input[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`TRM config field "${key}": expected an integer >= ${min}, got ${JSON.stringify(v)}.`);
  }
  return v;
}

function numField(input: Readonly<Record<string, unknown>>, key: string, fallback: number, check: (v: number) => boolean, what: string): number {
  const v = input[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || !check(v)) throw new Error(`TRM config field "${key}": expected ${what}, got ${JSON.stringify(v)}.`);
  return v;
}

function boolField(input: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const v = input[key] ?? fallback;
  if (typeof v !== "boolean") throw new Error(`TRM config field "${key}": expected true or false, got ${JSON.stringify(v)}.`);
  return v;
}

/** Official fields a TRM accepts that change nothing here (the wrapper's name, HRM's `H_layers`, bf16, batch, loss). */
const TRM_ACCEPTED = ["model", "name", "H_layers", "forward_dtype", "batch_size", "loss"];

const TRM_KNOWN = [...Object.keys(TRM_DEFAULTS), "vocab_size", "seq_len", "num_puzzle_identifiers", "puzzle_emb_ndim", ...TRM_ACCEPTED];

/**
 * Fills defaults and validates an official-style config object (e.g. a golden `*.config.json`). An unknown field is
 * rejected with {@link ModelConfigError}, naming the nearest known field; the official fields that describe nothing
 * here (`model`, `name`, `H_layers`, `forward_dtype`, ...) are accepted. `vocab_size`, `seq_len` and
 * `num_puzzle_identifiers` are required.
 */
export function resolveTrmConfig(input: Readonly<Record<string, unknown>>): TrmConfig {
  rejectUnknownKeys("TRM", input, TRM_KNOWN);
  if (input.model !== undefined && input.model !== "trm") throw new ModelConfigError("TRM", "model", `expected "trm", got ${JSON.stringify(input.model)}.`);
  const hidden = intField(input, "hidden_size", TRM_DEFAULTS.hidden_size, 1);
  const heads = intField(input, "num_heads", TRM_DEFAULTS.num_heads, 1);
  const pos = input.pos_encodings ?? TRM_DEFAULTS.pos_encodings;
  if (pos !== "rope" && pos !== "none" && pos !== "learned") {
    throw new Error(`TRM config field "pos_encodings": expected "rope", "none" or "learned", got ${JSON.stringify(pos)}.`);
  }
  const mlpT = boolField(input, "mlp_t", TRM_DEFAULTS.mlp_t);
  if (!mlpT && hidden % heads !== 0) throw new Error(`TRM config: hidden_size ${hidden} is not divisible by num_heads ${heads}.`);
  if (!mlpT && pos === "rope" && (hidden / heads) % 2 !== 0) throw new Error(`TRM config: RoPE needs an even head size, got ${hidden / heads}.`);
  const ndim = intField(input, "puzzle_emb_ndim", hidden, 0);
  const prefixGiven = intField(input, "puzzle_emb_len", TRM_DEFAULTS.puzzle_emb_len, 0);
  // Official: puzzle_emb_len 0 means ceil(ndim / hidden); without a puzzle table there is no prefix.
  const prefix = ndim === 0 ? 0 : prefixGiven === 0 ? Math.ceil(ndim / hidden) : prefixGiven;
  if (ndim > prefix * hidden) throw new Error(`TRM config: puzzle_emb_ndim ${ndim} does not fit puzzle_emb_len ${prefix} x hidden_size ${hidden}.`);
  return {
    hidden_size: hidden,
    num_heads: heads,
    expansion: numField(input, "expansion", TRM_DEFAULTS.expansion, (v) => v > 0, "a positive number"),
    L_layers: intField(input, "L_layers", TRM_DEFAULTS.L_layers, 1),
    H_cycles: intField(input, "H_cycles", TRM_DEFAULTS.H_cycles, 1),
    L_cycles: intField(input, "L_cycles", TRM_DEFAULTS.L_cycles, 1),
    halt_max_steps: intField(input, "halt_max_steps", TRM_DEFAULTS.halt_max_steps, 1),
    halt_exploration_prob: numField(input, "halt_exploration_prob", TRM_DEFAULTS.halt_exploration_prob, (v) => v >= 0 && v <= 1, "a probability in [0, 1]"),
    vocab_size: intField(input, "vocab_size", undefined, 1),
    seq_len: intField(input, "seq_len", undefined, 1),
    num_puzzle_identifiers: intField(input, "num_puzzle_identifiers", undefined, 1),
    puzzle_emb_ndim: ndim,
    puzzle_emb_len: prefix,
    mlp_t: mlpT,
    pos_encodings: pos,
    rms_norm_eps: numField(input, "rms_norm_eps", TRM_DEFAULTS.rms_norm_eps, (v) => v > 0, "a positive number"),
    rope_theta: numField(input, "rope_theta", TRM_DEFAULTS.rope_theta, (v) => v > 0, "a positive number"),
    no_ACT_continue: boolField(input, "no_ACT_continue", TRM_DEFAULTS.no_ACT_continue),
  };
}

/** The block shape of a TRM config. */
export function trmBlockConfig(cfg: TrmConfig): BlockConfig {
  return {
    hiddenSize: cfg.hidden_size,
    numHeads: cfg.num_heads,
    expansion: cfg.expansion,
    seqLen: cfg.seq_len + cfg.puzzle_emb_len,
    mlpT: cfg.mlp_t,
    eps: cfg.rms_norm_eps,
  };
}

/** Every tensor of a TRM by kind: trainable params, fixed buffers, and the puzzle table (null without one). */
export interface TrmParamLayout {
  readonly params: readonly ParamSpec[];
  readonly buffers: readonly ParamSpec[];
  readonly puzzleEmb: ParamSpec | null;
}

/** Names, shapes and inits of a TRM's tensors, in creation order (what the seed is consumed for). */
export function trmParamLayout(cfg: TrmConfig): TrmParamLayout {
  const d = cfg.hidden_size;
  const embedStd = 1 / Math.sqrt(d);
  const params: ParamSpec[] = [
    { name: "inner.embed_tokens.embedding_weight", shape: [cfg.vocab_size, d], init: { kind: "normal", std: embedStd }, linear: false },
  ];
  if (cfg.pos_encodings === "learned") {
    params.push({ name: "inner.embed_pos.embedding_weight", shape: [cfg.seq_len + cfg.puzzle_emb_len, d], init: { kind: "normal", std: embedStd }, linear: false });
  }
  const blockCfg = trmBlockConfig(cfg);
  for (let i = 0; i < cfg.L_layers; i++) params.push(...blockParamSpecs(`inner.L_level.layers.${i}`, blockCfg));
  params.push({ name: "inner.lm_head.weight", shape: [cfg.vocab_size, d], init: { kind: "lecun" }, linear: true });
  // The Q head starts at "almost surely continue": weight 0, bias -5.
  params.push({ name: "inner.q_head.weight", shape: [2, d], init: { kind: "constant", value: 0 }, linear: true });
  params.push({ name: "inner.q_head.bias", shape: [2], init: { kind: "constant", value: -5 }, linear: false });
  const buffers: ParamSpec[] = [
    { name: "inner.H_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false },
    { name: "inner.L_init", shape: [d], init: { kind: "normal", std: 1 }, linear: false },
  ];
  const puzzleEmb: ParamSpec | null =
    cfg.puzzle_emb_ndim > 0
      ? { name: "inner.puzzle_emb.weights", shape: [cfg.num_puzzle_identifiers, cfg.puzzle_emb_ndim], init: { kind: "constant", value: 0 }, linear: false }
      : null;
  return { params, buffers, puzzleEmb };
}

/** Trainable parameters, excluding the puzzle table and the init buffers (the paper's count), from shapes alone. */
export function countTrmParameters(config: Readonly<Record<string, unknown>> | TrmConfig): number {
  const cfg = resolveTrmConfig(config);
  return trmParamLayout(cfg).params.reduce((n, p) => n + paramSize(p), 0);
}
