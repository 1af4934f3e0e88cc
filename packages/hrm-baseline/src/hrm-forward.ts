import * as tf from "@tensorflow/tfjs";
import { block, blockWeights, inputEmbedding, linear, toInOut, type BlockContext, type BlockWeights } from "@trm/core";
import type { HrmConfig } from "./hrm-config.js";
import { hrmBlockConfig, hrmTensorSpecs } from "./hrm-params.js";

/**
 * The HRM's matrices for one step, in the [in, out] layout `linear` takes. Built once per step (the transposes are
 * recorded on the tape when built inside a gradient closure, so gradients reach the [out, in] variables) and shared
 * by every module call of the step.
 */
export interface HrmWeights {
  /** `embed_tokens.embedding_weight` [vocab, D]. */
  readonly embedding: tf.Tensor2D;
  /** `embed_pos.embedding_weight` [prefix + L, D] for learned positions; null with RoPE. */
  readonly positions: tf.Tensor2D | null;
  /** f_H: the high-level module's blocks. */
  readonly H: readonly BlockWeights[];
  /** f_L: the low-level module's blocks. */
  readonly L: readonly BlockWeights[];
  /** [D, vocab]. */
  readonly lmHead: tf.Tensor2D;
  /** [D, 2]: column 0 is q_halt, column 1 q_continue. */
  readonly qHead: tf.Tensor2D;
  readonly qBias: tf.Tensor1D;
}

/** Picks and transposes the step's matrices from the parameter variables (call inside the scope that owns them). */
export function hrmWeights(config: HrmConfig, params: ReadonlyMap<string, tf.Tensor>): HrmWeights {
  const linearNames = new Set(hrmTensorSpecs(config).filter((s) => s.linear).map((s) => s.name));
  const get = (name: string): tf.Tensor => {
    const t = params.get(name);
    if (t === undefined) throw new Error(`HRM: parameter "${name}" is missing.`);
    return t;
  };
  const inOut = (name: string): tf.Tensor2D => {
    if (!linearNames.has(name)) throw new Error(`HRM: "${name}" is not a linear weight.`);
    return toInOut(get(name));
  };
  const cfg = hrmBlockConfig(config);
  const level = (name: "H" | "L", layers: number) =>
    Array.from({ length: layers }, (_, i) => blockWeights(`inner.${name}_level.layers.${i}`, cfg, inOut));
  return {
    embedding: get("inner.embed_tokens.embedding_weight") as tf.Tensor2D,
    positions: config.pos_encodings === "learned" ? (get("inner.embed_pos.embedding_weight") as tf.Tensor2D) : null,
    H: level("H", config.H_layers),
    L: level("L", config.L_layers),
    lmHead: inOut("inner.lm_head.weight"),
    qHead: inOut("inner.q_head.weight"),
    qBias: get("inner.q_head.bias") as tf.Tensor1D,
  };
}

/** x̃ = the scaled input embedding with the puzzle prefix, [B * (prefix + L), D]. */
export function hrmEmbed(config: HrmConfig, w: HrmWeights, tokens: Int32Array, puzzleRows: tf.Tensor2D | null, batch: number): tf.Tensor2D {
  return inputEmbedding(tokens, w.embedding, puzzleRows, w.positions, {
    batch,
    seqLen: config.seq_len,
    prefixLen: config.puzzle_emb_len,
    hiddenSize: config.hidden_size,
  });
}

/**
 * One reasoning module (official `ReasoningModule`): the input injection is added once, then the blocks run in turn.
 * States are [B * S, D].
 */
export function reasoningModule(blocks: readonly BlockWeights[], hidden: tf.Tensor2D, injection: tf.Tensor2D, ctx: BlockContext): tf.Tensor2D {
  return tf.tidy(() => {
    let h = tf.add<tf.Tensor2D>(hidden, injection);
    for (const b of blocks) h = block(h, b, ctx);
    return h;
  });
}

/** z_L <- f_L(z_L + z_H + x̃): the low-level update sees the answer state and the input. */
export function lUpdate(w: HrmWeights, zL: tf.Tensor2D, zH: tf.Tensor2D, x: tf.Tensor2D, ctx: BlockContext): tf.Tensor2D {
  return tf.tidy(() => reasoningModule(w.L, zL, tf.add(zH, x), ctx));
}

/** z_H <- f_H(z_H + z_L): the high-level update never sees the input directly. */
export function hUpdate(w: HrmWeights, zH: tf.Tensor2D, zL: tf.Tensor2D, ctx: BlockContext): tf.Tensor2D {
  return reasoningModule(w.H, zH, zL, ctx);
}

/** One module call of a segment. */
export type HrmUpdate = "L" | "H";

/**
 * The order of module calls in one segment: for each of the T = `H_cycles` high-level cycles, n = `L_cycles` low-level
 * updates then one high-level update (L,L,H,L,L,H for T = n = 2). The one-step gradient records only the last two.
 */
export function segmentSchedule(config: HrmConfig): HrmUpdate[] {
  const out: HrmUpdate[] = [];
  for (let i = 0; i < config.H_cycles; i++) {
    for (let j = 0; j < config.L_cycles; j++) out.push("L");
    out.push("H");
  }
  return out;
}

/** A pair of states [B * S, D]: z_H (y, the answer state) and z_L (z, the latent). */
export interface HrmStates {
  readonly zH: tf.Tensor2D;
  readonly zL: tf.Tensor2D;
}

/** Runs `updates` in order from `start`; returns the new states (the caller owns them; `start` is not disposed). */
export function runUpdates(
  w: HrmWeights,
  start: HrmStates,
  x: tf.Tensor2D,
  updates: readonly HrmUpdate[],
  ctx: BlockContext,
): HrmStates {
  let { zH, zL } = start;
  for (const u of updates) {
    const prevH = zH;
    const prevL = zL;
    if (u === "L") {
      zL = lUpdate(w, zL, zH, x, ctx);
      if (prevL !== start.zL) prevL.dispose();
    } else {
      zH = hUpdate(w, zH, zL, ctx);
      if (prevH !== start.zH) prevH.dispose();
    }
  }
  // A schedule that never touched a state hands back a copy, so the caller always owns what it gets.
  return { zH: zH === start.zH ? tf.clone(zH) : zH, zL: zL === start.zL ? tf.clone(zL) : zL };
}

/** Head outputs on z_H. */
export interface HrmHeads {
  /** [B, L, vocab], the puzzle prefix dropped. */
  readonly logits: tf.Tensor3D;
  /** [B, 2]: (q_halt, q_continue) logits from the puzzle-token position z_H[:, 0]. */
  readonly q: tf.Tensor2D;
}

/** lm_head on every non-prefix position, q_head on position 0. */
export function hrmHeads(config: HrmConfig, w: HrmWeights, zH: tf.Tensor2D, batch: number): HrmHeads {
  return tf.tidy(() => {
    const p = config.puzzle_emb_len;
    const s = config.seq_len + p;
    const d = config.hidden_size;
    const z3 = tf.reshape(zH, [batch, s, d]);
    const body = tf.reshape<tf.Rank.R2>(tf.slice(z3, [0, p, 0], [batch, config.seq_len, d]), [batch * config.seq_len, d]);
    const logits = tf.reshape<tf.Rank.R3>(linear(body, w.lmHead), [batch, config.seq_len, config.vocab_size]);
    const first = tf.reshape<tf.Rank.R2>(tf.slice(z3, [0, 0, 0], [batch, 1, d]), [batch, d]);
    const q = linear(first, w.qHead, w.qBias);
    return { logits, q };
  });
}

/** q_halt and q_continue as [B] tensors from a [B, 2] head output. */
export function splitQ(q: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const [h, c] = tf.unstack(q, 1) as [tf.Tensor1D, tf.Tensor1D];
    return [h, c];
  });
}
