import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "./fused-kernels.js";
import { rmsNorm } from "./rms-norm.js";
import { splitGateUp, swiglu, type GateUpHalves } from "./swiglu.js";

/** Token mode: the SwiGLU and the norm act along the sequence of each of `batch` rows of `seq` positions. */
export interface TokenAxis {
  readonly batch: number;
  readonly seq: number;
}

/** Whether {@link swigluResidualNorm} runs as one fused kernel each way on the active backend. */
export function hasFusedSwigluBlock(): boolean {
  return hasFusedKernel("TrmSwiGLUBlock") && hasFusedKernel("TrmSwiGLUBlockGrad");
}

/**
 * The fused kernels' version: one kernel forward and one backward for the whole sub-block (the residual, the norm and
 * in token mode both layout changes included); it keeps r, gu (gate and up side by side) and y for the backward.
 */
const fusedBlock = (attrs: { eps: number; batch: number; seq: number; tokens: number }) =>
  tf.customGrad((x, wGateUp, wDown, save) => {
    const inputs = { x: x as tf.Tensor, wGateUp: wGateUp as tf.Tensor, wDown: wDown as tf.Tensor };
    const [y, r, gu] = runFusedKernel("TrmSwiGLUBlock", inputs, attrs) as [tf.Tensor2D, tf.Tensor, tf.Tensor];
    (save as tf.GradSaveFunc)([x as tf.Tensor, wGateUp as tf.Tensor, wDown as tf.Tensor, gu, y, r]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, wgu, wd, gus, ys, rs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return runFusedKernel("TrmSwiGLUBlockGrad", { x: xs, wGateUp: wgu, wDown: wd, gu: gus, y: ys, r: rs, dy }, attrs);
      },
    };
  }) as (x: tf.Tensor2D, wGateUp: tf.Tensor2D, wDown: tf.Tensor2D) => tf.Tensor2D;

const fusedByAttrs = new Map<string, ReturnType<typeof fusedBlock>>();

/**
 * The post-norm SwiGLU sub-block of TRM and HRM: RMSNorm(h + SwiGLU(h)) on h [B·S, D], mixing channels; with
 * `tokens`, TRM-MLP's `mlp_t` mixer instead: the SwiGLU mixes along the sequence (h turned to [B·D, S]) and the norm is
 * taken over the S positions, the result turned back to [B·S, D]. `gateUp` is the [w, 2·inner] matrix (w = D, or S
 * with `tokens`) or its halves, `down` [inner, w]. With the fused kernels registered (`TrmSwiGLUBlock`) the whole
 * sub-block is one kernel forward and one backward; otherwise it composes tfjs ops.
 */
export function swigluResidualNorm(h: tf.Tensor2D, gateUp: tf.Tensor2D | GateUpHalves, down: tf.Tensor2D, eps: number, tokens: TokenAxis | null = null): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, s] = tokens === null ? [h.shape[0], 1] : [tokens.batch, tokens.seq];
    const d = h.shape[1];
    if (h.rank !== 2 || h.shape[0] !== b * s) {
      throw new Error(`swigluResidualNorm: h [${h.shape.join(", ")}] must be 2-D with ${b} x ${s} rows.`);
    }
    const [wg, wu] = gateUp instanceof tf.Tensor ? [gateUp, gateUp] : gateUp;
    const inner = down.shape[0];
    const width = tokens === null ? d : s;
    const cols = gateUp instanceof tf.Tensor ? 2 * inner : inner;
    if (wg.shape[0] !== width || wu.shape[0] !== width || down.shape[1] !== width || wg.shape[1] !== cols || wu.shape[1] !== cols) {
      throw new Error(`swigluResidualNorm: gate_up [${wg.shape.join(", ")}]${wg === wu ? "" : ` / [${wu.shape.join(", ")}]`} and down [${down.shape.join(", ")}] do not mix a width of ${width} through ${inner} inner units.`);
    }
    if (h.dtype === "float32" && hasFusedSwigluBlock()) {
      const attrs = { eps, batch: b, seq: s, tokens: tokens === null ? 0 : 1 };
      const key = `${eps}/${b}/${s}/${attrs.tokens}`;
      let f = fusedByAttrs.get(key);
      if (f === undefined) {
        f = fusedBlock(attrs);
        fusedByAttrs.set(key, f);
      }
      return f(h, gateUp instanceof tf.Tensor ? gateUp : tf.concat([wg, wu], 1), down);
    }
    const halves = gateUp instanceof tf.Tensor ? splitGateUp(gateUp) : gateUp;
    if (tokens === null) return rmsNorm(tf.add(h, swiglu(h, halves, down)), eps);
    const ht = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(h, [b, s, d]), [0, 2, 1]), [b * d, s]);
    const mixed = rmsNorm(tf.add(ht, swiglu(ht, halves, down)), eps);
    return tf.reshape(tf.transpose(tf.reshape(mixed, [b, d, s]), [0, 2, 1]), [b * s, d]);
  });
}
