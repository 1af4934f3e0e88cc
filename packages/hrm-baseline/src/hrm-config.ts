import { nearestKey } from "@trm/core";

/**
 * The HRM architecture in the official field names (sapientinc/HRM `HierarchicalReasoningModel_ACTV1Config` and
 * `config/arch/hrm_v1.yaml`). `H_cycles` is T (high-level updates per segment), `L_cycles` is n (low-level updates per
 * high-level update), `halt_max_steps` is N_sup.
 */
// A type alias, not an interface, so it fits the contract's `Readonly<Record<string, unknown>>` config.
export type HrmConfig = {
  readonly model: "hrm";
  readonly hidden_size: number;
  readonly num_heads: number;
  readonly expansion: number;
  /** Blocks in the high-level module f_H. */
  readonly H_layers: number;
  /** Blocks in the low-level module f_L. */
  readonly L_layers: number;
  /** T: high-level updates per segment. */
  readonly H_cycles: number;
  /** n: low-level updates per high-level update. */
  readonly L_cycles: number;
  readonly vocab_size: number;
  readonly seq_len: number;
  /** Width of one puzzle vector; 0 turns the puzzle prefix off. */
  readonly puzzle_emb_ndim: number;
  /** Prefix tokens the puzzle vector fills: ceil(puzzle_emb_ndim / hidden_size), derived (official). */
  readonly puzzle_emb_len: number;
  readonly num_puzzle_identifiers: number;
  /** "none" only with `mlp_t` (a token-mixing MLP has its own notion of position). */
  readonly pos_encodings: "rope" | "learned" | "none";
  /**
   * Token-mixing MLP instead of self-attention in every block, as TRM's `mlp_t`. Not in the official HRM: this
   * project's ablation, so HRM and TRM-MLP can be compared with the same block.
   */
  readonly mlp_t: boolean;
  readonly rms_norm_eps: number;
  readonly rope_theta: number;
  /** N_sup: the segment cap for ACT, and the number of segments at evaluation. */
  readonly halt_max_steps: number;
  /** Chance that a row draws a minimum of U{2..halt_max_steps} segments at a training step. */
  readonly halt_exploration_prob: number;
};

/** The official HRM defaults (hrm_v1.yaml); vocab_size, seq_len and num_puzzle_identifiers come from the dataset. */
export const HRM_DEFAULTS = {
  hidden_size: 512,
  num_heads: 8,
  expansion: 4,
  H_layers: 4,
  L_layers: 4,
  H_cycles: 2,
  L_cycles: 2,
  puzzle_emb_ndim: 512,
  pos_encodings: "rope",
  mlp_t: false,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  halt_max_steps: 16,
  halt_exploration_prob: 0.1,
} as const;

const REQUIRED = ["vocab_size", "seq_len", "num_puzzle_identifiers"] as const;

const INTEGER_FIELDS = [
  "hidden_size",
  "num_heads",
  "H_layers",
  "L_layers",
  "H_cycles",
  "L_cycles",
  "vocab_size",
  "seq_len",
  "puzzle_emb_ndim",
  "num_puzzle_identifiers",
  "halt_max_steps",
] as const;

/** Official fields that carry no architecture here (batch size, bf16 compute, loss choice) and are accepted as is. */
const IGNORED_FIELDS = new Set(["batch_size", "forward_dtype", "name", "loss", "puzzle_emb_len", "no_ACT_continue"]);

const KNOWN_FIELDS = new Set<string>([
  "model",
  ...Object.keys(HRM_DEFAULTS),
  ...REQUIRED,
  ...IGNORED_FIELDS,
]);

/** Raised for a config that cannot describe an HRM; the message names the field and what was expected. */
export class HrmConfigError extends Error {
  constructor(
    readonly field: string,
    expected: string,
    got: unknown,
  ) {
    super(`HRM config: field "${field}": expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = "HrmConfigError";
  }
}

/**
 * Resolves a config given in the official snake_case names (for example the golden `hrm.config.json` object, or an
 * official `arch` yaml merged with dataset metadata) into a complete {@link HrmConfig}. Missing fields take the
 * official defaults; `puzzle_emb_len` is derived as in the official code (a given non-zero value must agree).
 */
export function resolveHrmConfig(raw: Readonly<Record<string, unknown>>): HrmConfig {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) {
      const near = nearestKey(key, [...KNOWN_FIELDS]);
      throw new HrmConfigError(key, near ? `a known HRM field (did you mean "${near}"?)` : `one of the HRM fields (${[...KNOWN_FIELDS].join(", ")})`, raw[key]);
    }
  }
  if (raw.model !== undefined && raw.model !== "hrm") throw new HrmConfigError("model", '"hrm"', raw.model);
  if (raw.mlp_t !== undefined && typeof raw.mlp_t !== "boolean") throw new HrmConfigError("mlp_t", "true or false", raw.mlp_t);
  if (raw.no_ACT_continue !== undefined && raw.no_ACT_continue !== false) {
    throw new HrmConfigError("no_ACT_continue", "false or absent (HRM halts when q_halt > q_continue and always trains q_continue)", raw.no_ACT_continue);
  }
  for (const key of REQUIRED) {
    if (raw[key] === undefined) throw new HrmConfigError(key, "a positive integer (it comes from the dataset)", undefined);
  }
  const merged: Record<string, unknown> = { ...HRM_DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (!IGNORED_FIELDS.has(key) && value !== undefined) merged[key] = value;

  for (const key of INTEGER_FIELDS) {
    const v = merged[key];
    const min = key === "puzzle_emb_ndim" ? 0 : 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new HrmConfigError(key, min === 0 ? "a non-negative integer" : "a positive integer", v);
    }
  }
  for (const key of ["expansion", "rms_norm_eps", "rope_theta"] as const) {
    const v = merged[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new HrmConfigError(key, "a positive number", v);
  }
  const p = merged.halt_exploration_prob;
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new HrmConfigError("halt_exploration_prob", "a number in [0, 1]", p);
  const mlpT = merged.mlp_t as boolean;
  const pos = merged.pos_encodings;
  if (pos !== "rope" && pos !== "learned" && !(pos === "none" && mlpT)) {
    throw new HrmConfigError("pos_encodings", mlpT ? '"rope", "learned" or "none"' : '"rope" or "learned" ("none" only with mlp_t)', pos);
  }

  const hidden = merged.hidden_size as number;
  const heads = merged.num_heads as number;
  if (hidden % heads !== 0) throw new HrmConfigError("num_heads", `a divisor of hidden_size ${hidden}`, heads);
  if (pos === "rope" && (hidden / heads) % 2 !== 0) {
    throw new HrmConfigError("num_heads", "a head width (hidden_size / num_heads) that is even, for RoPE", heads);
  }
  const ndim = merged.puzzle_emb_ndim as number;
  const puzzleEmbLen = Math.ceil(ndim / hidden);
  // The golden reference writes 0 for "derived"; any other value must be what the official code derives.
  if (typeof raw.puzzle_emb_len === "number" && raw.puzzle_emb_len !== 0 && raw.puzzle_emb_len !== puzzleEmbLen) {
    throw new HrmConfigError("puzzle_emb_len", `ceil(puzzle_emb_ndim / hidden_size) = ${puzzleEmbLen}`, raw.puzzle_emb_len);
  }

  return {
    model: "hrm",
    hidden_size: hidden,
    num_heads: heads,
    expansion: merged.expansion as number,
    H_layers: merged.H_layers as number,
    L_layers: merged.L_layers as number,
    H_cycles: merged.H_cycles as number,
    L_cycles: merged.L_cycles as number,
    vocab_size: merged.vocab_size as number,
    seq_len: merged.seq_len as number,
    puzzle_emb_ndim: ndim,
    puzzle_emb_len: puzzleEmbLen,
    num_puzzle_identifiers: merged.num_puzzle_identifiers as number,
    pos_encodings: pos,
    mlp_t: mlpT,
    rms_norm_eps: merged.rms_norm_eps as number,
    rope_theta: merged.rope_theta as number,
    halt_max_steps: merged.halt_max_steps as number,
    halt_exploration_prob: p,
  };
}
