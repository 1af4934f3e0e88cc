import type { TrainConfigInput } from "./config.js";

export interface Preset {
  readonly description: string;
  readonly config: TrainConfigInput;
}

/**
 * TRM, TinyRecursiveModels `config/arch/trm.yaml` (2 layers, T = 3, n = 6, 16 supervision steps): those values are
 * the defaults of core's `TRM_FIELDS`, which `createTrm` fills, so a preset names only what differs from them.
 */
const TRM_ARCH = { name: "trm" } as const;

/**
 * HRM, sapientinc/HRM `config/arch/hrm_v1.yaml` (4 + 4 layers, H_cycles = L_cycles = 2): the defaults of
 * `@trm/hrm-baseline`'s `HRM_FIELDS`, which `createHrm` fills.
 */
const HRM_ARCH = { name: "hrm" } as const;

/** Sudoku-Extreme-1k and Maze-Hard-1k runs of the TRM README: lr 1e-4, weight decay 1.0 on both optimisers. */
const TRM_SMALL_DATA = {
  global_batch_size: 768,
  epochs: 50000,
  eval_interval: 5000,
  lr: 1e-4,
  lr_min_ratio: 1,
  lr_warmup_steps: 2000,
  beta1: 0.9,
  beta2: 0.95,
  weight_decay: 1.0,
  puzzle_emb_lr: 1e-4,
  puzzle_emb_weight_decay: 1.0,
  ema: true,
  ema_rate: 0.999,
} as const;

/** ARC runs (cfg_pretrain.yaml defaults): lr 1e-4, puzzle-embedding lr 1e-2, weight decay 0.1. */
const ARC_TRAINING = {
  global_batch_size: 768,
  epochs: 100000,
  eval_interval: 10000,
  lr: 1e-4,
  lr_min_ratio: 1,
  lr_warmup_steps: 2000,
  beta1: 0.9,
  beta2: 0.95,
  weight_decay: 0.1,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: true,
  ema_rate: 0.999,
} as const;

/**
 * Small models that learn 4x4 Sudoku on a 2-core CPU in a minute or two. Everything but size and run length follows
 * the official recipe (AdamATan2, ACT with exploration, EMA); the lr is higher and warm-up shorter because the run is
 * a few hundred steps, not tens of thousands.
 */
const TINY_TRAINING = {
  global_batch_size: 32,
  epochs: 1000,
  max_steps: 600,
  eval_every_steps: 100,
  lr: 5e-3,
  lr_min_ratio: 1,
  lr_warmup_steps: 10,
  weight_decay: 0.1,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: true,
  ema_rate: 0.95,
  eval_max_examples: 256,
} as const;

/** Official and tiny training presets, by name. `trm-train fit --config <name>` accepts these names. */
export const PRESETS: Readonly<Record<string, Preset>> = {
  "sudoku-mlp": {
    description: "TRM-MLP on Sudoku-Extreme-1k (paper 87.4%): token-mixing MLP instead of attention, no positions.",
    config: { task: "sudoku", arch: { ...TRM_ARCH, mlp_t: true, pos_encodings: "none" }, ...TRM_SMALL_DATA },
  },
  "sudoku-att": {
    description: "TRM with self-attention on Sudoku-Extreme-1k (paper 74.7%).",
    config: { task: "sudoku", arch: { ...TRM_ARCH }, ...TRM_SMALL_DATA },
  },
  maze: {
    description: "TRM with self-attention on Maze-Hard-1k (paper 85.3%); T = 3, n = 4 as the README runs it.",
    config: { task: "maze", arch: { ...TRM_ARCH, L_cycles: 4 }, ...TRM_SMALL_DATA },
  },
  arc1: {
    description: "TRM with self-attention on ARC-AGI-1 (paper 44.6% pass@2); T = 3, n = 4 as the README runs it.",
    config: { task: "arc", arch: { ...TRM_ARCH, L_cycles: 4 }, ...ARC_TRAINING },
  },
  arc2: {
    description: "TRM with self-attention on ARC-AGI-2 (paper 7.8% pass@2); T = 3, n = 4 as the README runs it.",
    config: { task: "arc", arch: { ...TRM_ARCH, L_cycles: 4 }, ...ARC_TRAINING },
  },
  "hrm-sudoku": {
    description: "HRM on Sudoku-Extreme-1k (paper 55.0%): README settings, 20k epochs, eval every 2k.",
    config: { task: "sudoku", arch: { ...HRM_ARCH }, ...TRM_SMALL_DATA, epochs: 20000, eval_interval: 2000 },
  },
  "hrm-maze": {
    description: "HRM on Maze-Hard-1k (paper 74.5%): README settings, 20k epochs, eval every 2k.",
    config: { task: "maze", arch: { ...HRM_ARCH }, ...TRM_SMALL_DATA, epochs: 20000, eval_interval: 2000 },
  },
  "hrm-arc1": {
    description: "HRM on ARC-AGI-1 (paper 40.3% pass@2): cfg_pretrain.yaml defaults.",
    config: { task: "arc", arch: { ...HRM_ARCH }, ...ARC_TRAINING },
  },
  "hrm-arc2": {
    description: "HRM on ARC-AGI-2 (paper 5.0% pass@2): cfg_pretrain.yaml defaults.",
    config: { task: "arc", arch: { ...HRM_ARCH }, ...ARC_TRAINING },
  },
  "tiny-trm-sudoku4": {
    description:
      "A tiny TRM-MLP (hidden 32, token-mixing MLP as in sudoku-mlp, T = 2, n = 2, 2 supervision steps) that learns 4x4 Sudoku on a CPU in minutes.",
    config: {
      task: "sudoku",
      arch: {
        ...TRM_ARCH,
        mlp_t: true,
        pos_encodings: "none",
        H_cycles: 2,
        L_cycles: 2,
        hidden_size: 32,
        num_heads: 2,
        puzzle_emb_ndim: 32,
        puzzle_emb_len: 1,
        halt_max_steps: 2,
      },
      ...TINY_TRAINING,
    },
  },
  "tiny-hrm-mlp-sudoku4": {
    description:
      "This project's ablation, not in the official HRM: tiny-hrm-sudoku4 with TRM-MLP's block (token-mixing MLP, no positions), so it matches tiny-trm-sudoku4 block for block (2 blocks, hidden 32, expansion 4).",
    config: {
      task: "sudoku",
      arch: {
        ...HRM_ARCH,
        mlp_t: true,
        pos_encodings: "none",
        H_layers: 1,
        L_layers: 1,
        hidden_size: 32,
        num_heads: 2,
        puzzle_emb_ndim: 32,
        halt_max_steps: 2,
      },
      ...TINY_TRAINING,
    },
  },
  "tiny-hrm-sudoku4": {
    description: "A tiny HRM (hidden 32, 1 + 1 layers, H = L = 2 cycles, 2 supervision steps) for 4x4 Sudoku on a CPU.",
    config: {
      task: "sudoku",
      arch: {
        ...HRM_ARCH,
        H_layers: 1,
        L_layers: 1,
        hidden_size: 32,
        num_heads: 2,
        puzzle_emb_ndim: 32,
        halt_max_steps: 2,
      },
      ...TINY_TRAINING,
    },
  },
};
