import { ARCH_FIELDS, ModelConfigError, resolveFields, type ConfigInput, type FieldTable, type ResolvedFields } from "@trm/core";

/**
 * The HRM fields in the official names (sapientinc/HRM `HierarchicalReasoningModel_ACTV1Config`,
 * `config/arch/hrm_v1.yaml`) with the official defaults: the one place they are written. `H_cycles` is T (high-level
 * updates per segment), `L_cycles` is n (low-level updates per high-level update), `halt_max_steps` is N_sup.
 * `mlp_t` is not in the official HRM: this project's ablation, so HRM and TRM-MLP can be compared with the same block.
 */
export const HRM_FIELDS = {
  ...ARCH_FIELDS,
  /** Blocks in the high-level module f_H. */
  H_layers: { kind: "int", min: 1, default: 4 },
  /** Blocks in the low-level module f_L. */
  L_layers: { kind: "int", min: 1, default: 4 },
  /** T: high-level updates per segment. */
  H_cycles: { kind: "int", min: 1, default: 2 },
  /** n: low-level updates per high-level update. */
  L_cycles: { kind: "int", min: 1, default: 2 },
  /** Width of one puzzle vector; 0 turns the puzzle prefix off. */
  puzzle_emb_ndim: { kind: "int", min: 0, default: 512 },
  /** "none" only with `mlp_t` (a token-mixing MLP has its own notion of position). */
  pos_encodings: { kind: "enum", values: ["rope", "learned", "none"], default: "rope" },
} as const satisfies FieldTable;

/** Official fields an HRM accepts that describe nothing here (`puzzle_emb_len` and `no_ACT_continue` are checked). */
const HRM_ACCEPTED = ["model", "name", "batch_size", "forward_dtype", "loss", "puzzle_emb_len", "no_ACT_continue"] as const;

/** The resolved HRM architecture; `puzzle_emb_len` = ceil(puzzle_emb_ndim / hidden_size), derived (official). */
export type HrmConfig = { readonly model: "hrm"; readonly puzzle_emb_len: number } & ResolvedFields<typeof HRM_FIELDS>;

/** What `createHrm` takes: the dataset fields (required) and any architecture field (the defaults fill the rest). */
export type HrmConfigInput = ConfigInput<typeof HRM_FIELDS> & {
  readonly model?: "hrm";
  readonly name?: string;
  readonly batch_size?: number;
  readonly forward_dtype?: string;
  readonly loss?: unknown;
  /** 0 (derived) or the derived value. */
  readonly puzzle_emb_len?: number;
  /** HRM halts when q_halt > q_continue and always trains q_continue. */
  readonly no_ACT_continue?: false;
};

/**
 * Resolves a config in the official snake_case names (the golden `hrm.config.json`, or an official `arch` yaml merged
 * with dataset metadata) into a complete {@link HrmConfig}. An unknown field is rejected with {@link ModelConfigError},
 * naming the nearest known one.
 */
export function resolveHrmConfig(raw: Readonly<Record<string, unknown>>): HrmConfig {
  const fail = (field: string, detail: string): never => {
    throw new ModelConfigError("HRM", field, detail);
  };
  const c = resolveFields("HRM", HRM_FIELDS, raw, HRM_ACCEPTED);
  if (raw.model !== undefined && raw.model !== "hrm") fail("model", `expected "hrm", got ${JSON.stringify(raw.model)}.`);
  if (raw.no_ACT_continue !== undefined && raw.no_ACT_continue !== false) {
    fail("no_ACT_continue", `expected false or absent (HRM halts when q_halt > q_continue and always trains q_continue), got ${JSON.stringify(raw.no_ACT_continue)}.`);
  }
  if (c.pos_encodings === "none" && !c.mlp_t) fail("pos_encodings", `expected "rope" or "learned" ("none" only with mlp_t), got "none".`);
  if (c.hidden_size % c.num_heads !== 0) fail("num_heads", `expected a divisor of hidden_size ${c.hidden_size}, got ${c.num_heads}.`);
  if (c.pos_encodings === "rope" && (c.hidden_size / c.num_heads) % 2 !== 0) fail("num_heads", `RoPE needs an even head width, got ${c.hidden_size / c.num_heads}.`);
  const puzzleEmbLen = Math.ceil(c.puzzle_emb_ndim / c.hidden_size);
  // The golden reference writes 0 for "derived"; any other value must be what the official code derives.
  if (raw.puzzle_emb_len !== undefined && raw.puzzle_emb_len !== 0 && raw.puzzle_emb_len !== puzzleEmbLen) {
    fail("puzzle_emb_len", `expected 0 or ceil(puzzle_emb_ndim / hidden_size) = ${puzzleEmbLen}, got ${JSON.stringify(raw.puzzle_emb_len)}.`);
  }
  return { model: "hrm", ...c, puzzle_emb_len: puzzleEmbLen };
}
