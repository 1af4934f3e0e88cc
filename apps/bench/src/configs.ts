import type { FlopShape } from "./flops.js";

/**
 * The benchmark configurations, by name, so results compare across commits. Architecture fields use the official
 * names (`H_cycles` is T, `L_cycles` is n); `batch` is the micro-batch of one step.
 */
export interface BenchConfig {
  readonly name: string;
  readonly kind: "trm" | "hrm";
  readonly description: string;
  readonly batch: number;
  /** Passed to createTrm / createHrm as is. */
  readonly model: Readonly<Record<string, unknown>>;
}

const SUDOKU = { seq_len: 81, vocab_size: 11, num_puzzle_identifiers: 1 } as const;
/** 4x4 Sudoku as the comparison trains it: 16 cells, vocabulary 4 digits + PAD + blank. */
const SUDOKU4 = { seq_len: 16, vocab_size: 6, num_puzzle_identifiers: 1 } as const;
const TINY = { seq_len: 36, vocab_size: 8, num_puzzle_identifiers: 1 } as const;
/** The official TRM Sudoku shape; the two Sudoku configurations differ only in the token mixer. */
const TRM_SUDOKU = {
  ...SUDOKU, hidden_size: 512, num_heads: 8, expansion: 4, L_layers: 2, H_cycles: 3, L_cycles: 6,
  puzzle_emb_ndim: 512, puzzle_emb_len: 16, halt_max_steps: 16, halt_exploration_prob: 0.1,
} as const;

export const BENCH_CONFIGS: readonly BenchConfig[] = [
  {
    name: "trm-mlp-sudoku",
    kind: "trm",
    description: "TRM mlp_t, hidden 512, 81 + 16 prefix, vocab 11, 2 layers, T=3, n=6, batch 16",
    batch: 16,
    model: { ...TRM_SUDOKU, mlp_t: true, pos_encodings: "none" },
  },
  {
    name: "trm-att-sudoku",
    kind: "trm",
    description: "TRM attention + RoPE, hidden 512, 8 heads, 81 + 16 prefix, vocab 11, 2 layers, T=3, n=6, batch 16",
    batch: 16,
    model: { ...TRM_SUDOKU, mlp_t: false, pos_encodings: "rope" },
  },
  {
    name: "trm-tiny",
    kind: "trm",
    description: "TRM attention, hidden 128, 4 heads, 36 + 16 prefix, vocab 8, 2 layers, T=2, n=3, batch 64",
    batch: 64,
    model: {
      ...TINY, hidden_size: 128, num_heads: 4, expansion: 4, L_layers: 2, H_cycles: 2, L_cycles: 3,
      mlp_t: false, pos_encodings: "rope", puzzle_emb_ndim: 128, puzzle_emb_len: 16, halt_max_steps: 16,
      halt_exploration_prob: 0.1,
    },
  },
  {
    name: "hrm-sudoku",
    kind: "hrm",
    description: "HRM, hidden 512, 8 heads, 4 + 4 layers, H=L=2 cycles, 81 + 1 prefix, vocab 11, batch 16",
    batch: 16,
    model: { model: "hrm", ...SUDOKU, hidden_size: 512, num_heads: 8, expansion: 4, H_layers: 4, L_layers: 4, H_cycles: 2, L_cycles: 2 },
  },
  {
    name: "hrm-tiny",
    kind: "hrm",
    description: "HRM, hidden 128, 4 heads, 2 + 2 layers, H=L=2 cycles, 36 + 4 prefix (puzzle_emb_ndim 512), vocab 8, batch 64",
    batch: 64,
    model: { model: "hrm", ...TINY, hidden_size: 128, num_heads: 4, expansion: 4, H_layers: 2, L_layers: 2, H_cycles: 2, L_cycles: 2 },
  },
  {
    name: "tiny-trm-sudoku4",
    kind: "trm",
    description: "the comparison's TRM (preset tiny-trm-sudoku4): mlp_t, hidden 32, 16 + 1 prefix, vocab 6, 2 layers, T=2, n=2, batch 32",
    batch: 32,
    model: {
      ...SUDOKU4, hidden_size: 32, num_heads: 2, expansion: 4, L_layers: 2, H_cycles: 2, L_cycles: 2, mlp_t: true,
      pos_encodings: "none", puzzle_emb_ndim: 32, puzzle_emb_len: 1, halt_max_steps: 2, halt_exploration_prob: 0.1,
    },
  },
  {
    name: "tiny-hrm-sudoku4",
    kind: "hrm",
    description: "the comparison's HRM (preset tiny-hrm-sudoku4): hidden 32, 2 heads, 1 + 1 layers, H=L=2 cycles, 16 + 1 prefix, vocab 6, batch 32",
    batch: 32,
    model: { model: "hrm", ...SUDOKU4, hidden_size: 32, num_heads: 2, expansion: 4, H_layers: 1, L_layers: 1, H_cycles: 2, L_cycles: 2, puzzle_emb_ndim: 32, halt_max_steps: 2 },
  },
];

export function findConfig(name: string): BenchConfig {
  const c = BENCH_CONFIGS.find((x) => x.name === name);
  if (!c) throw new Error(`Unknown configuration "${name}": expected one of ${BENCH_CONFIGS.map((x) => x.name).join(", ")}.`);
  return c;
}

function num(config: Readonly<Record<string, unknown>>, field: string, fallback?: number): number {
  const v = config[field] ?? fallback;
  if (typeof v !== "number") throw new Error(`model config: field "${field}" is ${JSON.stringify(v) ?? "undefined"}, expected a number.`);
  return v;
}

/**
 * The FLOP shape of a model from its resolved config (the model's own `config`, so derived fields such as the
 * puzzle prefix length are the ones it really uses).
 */
export function flopShapeOf(kind: "trm" | "hrm", config: Readonly<Record<string, unknown>>, batch: number): FlopShape {
  const hidden = num(config, "hidden_size");
  const embNdim = num(config, "puzzle_emb_ndim", 0);
  const prefixLen = embNdim === 0 ? 0 : num(config, "puzzle_emb_len", Math.ceil(embNdim / hidden));
  return {
    kind,
    batch,
    seqLen: num(config, "seq_len"),
    prefixLen,
    hidden,
    heads: num(config, "num_heads"),
    expansion: num(config, "expansion"),
    vocab: num(config, "vocab_size"),
    mixer: config["mlp_t"] === true ? "mlp_t" : "attention",
    hCycles: num(config, "H_cycles"),
    lCycles: num(config, "L_cycles"),
    lLayers: num(config, "L_layers"),
    hLayers: kind === "hrm" ? num(config, "H_layers") : 0,
  };
}
