import * as tf from "@tensorflow/tfjs-core";
import { attentionResidualNorm } from "./attention.js";
import type { ParamSpec } from "./param-spec.js";
import type { RopeTables } from "./rope.js";
import { splitGateUp, swigluInnerWidth, type GateUpHalves } from "./swiglu.js";
import { hasFusedSwigluBlock, swigluResidualNorm } from "./swiglu-block.js";
import { tokenMix } from "./token-mix.js";

/** Shape of one post-norm block. */
export interface BlockConfig {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly expansion: number;
  /** Positions per row, puzzle prefix included (the width of the `mlp_t` token mixer). */
  readonly positions: number;
  /** Token-mixing SwiGLU (`mlp_t`) instead of self-attention. */
  readonly mlpT: boolean;
  readonly eps: number;
}

/**
 * The tensors of one block under official names (`<prefix>.self_attn.qkv_proj.weight`, `<prefix>.mlp_t.*`,
 * `<prefix>.mlp.gate_up_proj.weight`, `<prefix>.mlp.down_proj.weight`), PyTorch [out, in] shapes, LeCun init.
 * `prefix` is e.g. `inner.L_level.layers.0`.
 */
export function blockParamSpecs(prefix: string, cfg: BlockConfig): ParamSpec[] {
  const d = cfg.hiddenSize;
  const lecun = { kind: "lecun" } as const;
  const specs: ParamSpec[] = [];
  if (cfg.mlpT) {
    const s = cfg.positions;
    const it = swigluInnerWidth(s, cfg.expansion);
    specs.push({ name: `${prefix}.mlp_t.gate_up_proj.weight`, shape: [2 * it, s], init: lecun, linear: true });
    specs.push({ name: `${prefix}.mlp_t.down_proj.weight`, shape: [s, it], init: lecun, linear: true });
  } else {
    specs.push({ name: `${prefix}.self_attn.qkv_proj.weight`, shape: [3 * d, d], init: lecun, linear: true });
    specs.push({ name: `${prefix}.self_attn.o_proj.weight`, shape: [d, d], init: lecun, linear: true });
  }
  const inner = swigluInnerWidth(d, cfg.expansion);
  specs.push({ name: `${prefix}.mlp.gate_up_proj.weight`, shape: [2 * inner, d], init: lecun, linear: true });
  specs.push({ name: `${prefix}.mlp.down_proj.weight`, shape: [d, inner], init: lecun, linear: true });
  return specs;
}

/** A block's matrices in the [in, out] layout `linear` takes (transposed once per step, reused by every call). */
export interface BlockWeights {
  readonly qkvProj: tf.Tensor2D | null;
  readonly oProj: tf.Tensor2D | null;
  readonly mlpTGateUp: tf.Tensor2D | null;
  readonly mlpTDown: tf.Tensor2D | null;
  readonly gateUp: tf.Tensor2D;
  readonly down: tf.Tensor2D;
  /** Optional pre-split halves of `gateUp` (see {@link splitBlockWeights}); used instead of it when present. */
  readonly gateUpHalves?: GateUpHalves;
  /** Optional pre-split halves of `mlpTGateUp`. */
  readonly mlpTGateUpHalves?: GateUpHalves;
}

/**
 * The same weights with both SwiGLU `gate_up` matrices split into halves once, so the n + 1 calls of a step run two
 * flag-free products each instead of splitting their activations. Call it where the gradient is recorded (inside the
 * gradient closure) when the weights are differentiated; the halves are new tensors owned by the enclosing tidy. With
 * the fused sub-block kernel registered the weights are returned as they are.
 */
export function splitBlockWeights(w: BlockWeights): BlockWeights {
  // The fused sub-block kernel reads both halves from the unsplit matrix: nothing to split.
  if (hasFusedSwigluBlock()) return w;
  return {
    ...w,
    gateUpHalves: splitGateUp(w.gateUp),
    ...(w.mlpTGateUp ? { mlpTGateUpHalves: splitGateUp(w.mlpTGateUp) } : {}),
  };
}

/** Picks a block's [in, out] matrices by official name from `get` (which returns the transposed weight). */
export function blockWeights(prefix: string, cfg: BlockConfig, get: (name: string) => tf.Tensor2D): BlockWeights {
  return {
    qkvProj: cfg.mlpT ? null : get(`${prefix}.self_attn.qkv_proj.weight`),
    oProj: cfg.mlpT ? null : get(`${prefix}.self_attn.o_proj.weight`),
    mlpTGateUp: cfg.mlpT ? get(`${prefix}.mlp_t.gate_up_proj.weight`) : null,
    mlpTDown: cfg.mlpT ? get(`${prefix}.mlp_t.down_proj.weight`) : null,
    gateUp: get(`${prefix}.mlp.gate_up_proj.weight`),
    down: get(`${prefix}.mlp.down_proj.weight`),
  };
}

/** Runtime shape of a block call. */
export interface BlockContext {
  readonly batch: number;
  readonly seq: number;
  readonly numHeads: number;
  readonly eps: number;
  /** RoPE tables for `pos_encodings: rope`; null otherwise. */
  readonly rope: RopeTables | null;
}

/**
 * One post-norm block on h [B * S, D]: h = RMSNorm(h + Mix(h)); h = RMSNorm(h + SwiGLU(h)), where Mix is
 * self-attention, or the token-mixing `mlp_t` whose norm is taken over the sequence axis.
 */
export function block(h: tf.Tensor2D, w: BlockWeights, ctx: BlockContext): tf.Tensor2D {
  return tf.tidy(() => {
    let x: tf.Tensor2D;
    if (w.mlpTGateUp && w.mlpTDown) {
      x = tokenMix(h, w.mlpTGateUpHalves ?? w.mlpTGateUp, w.mlpTDown, ctx.batch, ctx.seq, ctx.eps);
    } else if (w.qkvProj && w.oProj) {
      x = attentionResidualNorm(h, w.qkvProj, w.oProj, ctx, ctx.rope, ctx.eps);
    } else {
      throw new Error("block: weights have neither self_attn nor mlp_t matrices.");
    }
    return swigluResidualNorm(x, w.gateUpHalves ?? w.gateUp, w.down, ctx.eps);
  });
}
