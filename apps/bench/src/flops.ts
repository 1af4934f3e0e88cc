/**
 * Analytic FLOP count of one supervision step, matrix products only (2·M·K·N each; element-wise work, norms, softmax
 * and the embedding lookup are not counted). The formula is written out in docs/performance.md.
 */

/** The shape of a recursive model as far as its matrix products go. */
export interface FlopShape {
  readonly kind: "trm" | "hrm";
  /** Rows in the (micro-)batch, B. */
  readonly batch: number;
  /** Tokens per row without the puzzle prefix, L. */
  readonly seqLen: number;
  /** Puzzle-embedding prefix tokens (TRM: 16; HRM: 1). The net runs over S = L + prefix positions. */
  readonly prefixLen: number;
  /** D. */
  readonly hidden: number;
  readonly heads: number;
  /** SwiGLU expansion (4): inner F = ceil256(round(expansion·D·2/3)). */
  readonly expansion: number;
  readonly vocab: number;
  /** "attention": self-attention over S positions; "mlp_t": a SwiGLU over the sequence axis (TRM-MLP). */
  readonly mixer: "attention" | "mlp_t";
  /** T (`H_cycles`). */
  readonly hCycles: number;
  /** n (`L_cycles`). */
  readonly lCycles: number;
  /** Blocks in the L net (TRM's one net). */
  readonly lLayers: number;
  /** Blocks in the H net (HRM only; TRM ignores it). */
  readonly hLayers: number;
}

/** SwiGLU inner width, as the official `_find_multiple(round(expansion·d·2/3), 256)`. */
export function swigluInner(d: number, expansion: number): number {
  return Math.ceil(Math.round((expansion * d * 2) / 3) / 256) * 256;
}

/** Forward FLOPs of one block over the whole batch. */
export function blockFlops(s: FlopShape): number {
  const S = s.seqLen + s.prefixLen;
  const N = s.batch * S; // tokens
  const D = s.hidden;
  const F = swigluInner(D, s.expansion);
  const channelMlp = 2 * N * D * (2 * F) + 2 * N * F * D; // gate_up, down
  if (s.mixer === "mlp_t") {
    const Fs = swigluInner(S, s.expansion);
    const rows = s.batch * D; // the token mixer runs along S for every (row, channel)
    return 2 * rows * S * (2 * Fs) + 2 * rows * Fs * S + channelMlp;
  }
  const qkv = 2 * N * D * (3 * D);
  const scores = 2 * s.batch * S * S * D; // H heads of [S, D/H] x [D/H, S]
  const mix = 2 * s.batch * S * S * D; // H heads of [S, S] x [S, D/H]
  const out = 2 * N * D * D;
  return qkv + scores + mix + out + channelMlp;
}

/** lm_head on the answer state (prefix dropped) and the 2-logit Q head on the first position. */
export function headFlops(s: FlopShape): number {
  return 2 * s.batch * s.seqLen * s.hidden * s.vocab + 2 * s.batch * s.hidden * 2;
}

export interface StepFlops {
  /** Forward of all net calls of one supervision step plus the heads. */
  readonly forward: number;
  /** Forward of the part that carries gradient (last cycle + heads). */
  readonly gradPart: number;
  /**
   * One training step: forward + 2 x gradPart (the backward of a product costs two products). HRM adds one more
   * no-grad forward for its bootstrapped Q-learning target (official `ACTV1` train mode).
   */
  readonly train: number;
  /** One evaluation step (= forward). */
  readonly evalStep: number;
}

export function stepFlops(s: FlopShape): StepFlops {
  const block = blockFlops(s);
  const heads = headFlops(s);
  let forwardBlocks: number;
  let gradBlocks: number;
  if (s.kind === "trm") {
    // Each of T cycles: n z-updates and one y-update, each a call of the one net; the last cycle has gradient.
    forwardBlocks = s.hCycles * (s.lCycles + 1) * s.lLayers;
    gradBlocks = (s.lCycles + 1) * s.lLayers;
  } else {
    // Each of T cycles: n calls of L, one of H; only the final L call and the final H call have gradient.
    forwardBlocks = s.hCycles * (s.lCycles * s.lLayers + s.hLayers);
    gradBlocks = s.lLayers + s.hLayers;
  }
  const forward = forwardBlocks * block + heads;
  const gradPart = gradBlocks * block + heads;
  const qTarget = s.kind === "hrm" ? forward : 0;
  return { forward, gradPart, train: forward + qTarget + 2 * gradPart, evalStep: forward };
}
