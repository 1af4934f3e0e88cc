import { parseTrainConfig, type TrainConfig } from "@trm/train";

/**
 * One run of the comparison, in terms both loops understand. Only what the PyTorch loop (`train_ref.py`) can express
 * is offered: expansion 4, puzzle_emb_ndim = hidden (one prefix token), betas (0.9, 0.95), a constant lr after the
 * linear warm-up, no micro-batching.
 */
export interface ParityOptions {
  readonly data: string;
  readonly model: "trm" | "hrm";
  readonly hidden: number;
  readonly heads: number;
  readonly hLayers: number;
  readonly lLayers: number;
  readonly hCycles: number;
  readonly lCycles: number;
  readonly mlpT: boolean;
  readonly pos: "rope" | "learned" | "none";
  readonly haltMaxSteps: number;
  /** halt_exploration_prob; 0 (the default here) makes both loops deterministic and comparable row by row. */
  readonly explore: number;
  readonly batch: number;
  readonly steps: number;
  readonly lr: number;
  readonly warmup: number;
  readonly wd: number;
  readonly embLr: number;
  readonly embWd: number;
  readonly optim: "adam_atan2" | "adamw";
  /** EMA rate; 0 for none. */
  readonly ema: number;
  readonly seed: number;
}

export const DEFAULT_OPTIONS: Omit<ParityOptions, "data"> = {
  model: "trm",
  hidden: 32,
  heads: 2,
  hLayers: 1,
  lLayers: 2,
  hCycles: 2,
  lCycles: 2,
  mlpT: false,
  pos: "learned",
  haltMaxSteps: 16,
  explore: 0,
  batch: 32,
  steps: 50,
  lr: 2e-3,
  warmup: 10,
  wd: 0.1,
  embLr: 1e-2,
  embWd: 0.1,
  optim: "adam_atan2",
  ema: 0.9,
  seed: 0,
};

/** The `@trm/train` config that trains exactly what {@link refArgs} asks the PyTorch loop for. */
export function trainConfig(o: ParityOptions): TrainConfig {
  const common = {
    hidden_size: o.hidden,
    num_heads: o.heads,
    expansion: 4,
    L_layers: o.lLayers,
    H_cycles: o.hCycles,
    L_cycles: o.lCycles,
    puzzle_emb_ndim: o.hidden,
    pos_encodings: o.pos,
    halt_max_steps: o.haltMaxSteps,
    halt_exploration_prob: o.explore,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
  };
  const arch =
    o.model === "trm"
      ? { name: "trm", ...common, H_layers: 0, mlp_t: o.mlpT, puzzle_emb_len: 1, no_ACT_continue: true }
      : { name: "hrm", ...common, H_layers: o.hLayers };
  return parseTrainConfig(
    {
      arch,
      global_batch_size: o.batch,
      epochs: 1e9,
      max_steps: o.steps,
      lr: o.lr,
      lr_min_ratio: 1,
      lr_warmup_steps: o.warmup,
      beta1: 0.9,
      beta2: 0.95,
      weight_decay: o.wd,
      puzzle_emb_lr: o.embLr,
      puzzle_emb_weight_decay: o.embWd,
      optimizer: o.optim,
      ema: o.ema > 0,
      ema_rate: o.ema > 0 ? o.ema : 0.999,
      seed: o.seed,
    },
    "loop-parity options",
  );
}

/** `train_ref.py` arguments for the same run (initial weights and batches are added by the caller). */
export function refArgs(o: ParityOptions): string[] {
  const a = [
    "--data", o.data,
    "--model", o.model,
    "--hidden", String(o.hidden),
    "--heads", String(o.heads),
    "--H-layers", String(o.hLayers),
    "--L-layers", String(o.lLayers),
    "--H-cycles", String(o.hCycles),
    "--L-cycles", String(o.lCycles),
    "--pos", o.pos,
    "--halt-max-steps", String(o.haltMaxSteps),
    "--explore", String(o.explore),
    "--batch", String(o.batch),
    "--steps", String(o.steps),
    "--lr", String(o.lr),
    "--warmup", String(o.warmup),
    "--wd", String(o.wd),
    "--emb-lr", String(o.embLr),
    "--emb-wd", String(o.embWd),
    "--optim", o.optim,
    "--ema", String(o.ema),
    "--seed", String(o.seed),
  ];
  if (o.mlpT) a.push("--mlp-t");
  return a;
}
