import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "@trm/core";
import { checkShape } from "./optim/optimizer.js";

/**
 * Exponential moving average of the weights (official `ema_rate` 0.999): after every optimiser step
 * shadow <- rate * shadow + (1 - rate) * param. Evaluation and the final checkpoint use the shadow copy.
 * The puzzle-embedding table is not averaged (it is a buffer in the official code, outside `parameters()`).
 */
export class Ema {
  private readonly shadow = new Map<string, tf.Variable>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    readonly rate = 0.999,
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`Ema: rate must be in [0, 1), got ${rate}.`);
    for (const [name, p] of params) this.shadow.set(name, tf.tidy(() => tf.variable(p.clone(), false, undefined, "float32")));
  }

  update(): void {
    tf.tidy(() => {
      const pairs = [...this.params].flatMap(([name, p]) => {
        const s = this.shadow.get(name);
        return s ? [{ s, p }] : [];
      });
      if (pairs.length > 0 && pairs.every(({ p }) => p.dtype === "float32") && hasFusedKernel("TrmEmaUpdateMany")) {
        // Every parameter's average in one kernel launch.
        const inputs: tf.NamedTensorMap = {};
        pairs.forEach(({ s, p }, i) => Object.assign(inputs, { [`s${i}`]: s, [`p${i}`]: p }));
        const outs = runFusedKernel("TrmEmaUpdateMany", inputs, { count: pairs.length, rate: this.rate });
        pairs.forEach(({ s }, i) => s.assign(outs[i] as tf.Tensor));
        return;
      }
      for (const { s, p } of pairs) s.assign(tf.add(tf.mul(s, this.rate), tf.mul(p, 1 - this.rate)));
    });
  }

  /**
   * Runs `fn` with the EMA values in the parameters, then puts the trained values back (also when `fn` throws).
   * The model object stays the same, so code holding it needs no second copy.
   */
  async withEmaWeights<T>(fn: () => Promise<T> | T): Promise<T> {
    const saved = new Map<string, tf.Tensor>();
    for (const [name, p] of this.params) {
      saved.set(name, tf.keep(p.clone()));
      const s = this.shadow.get(name);
      if (s) p.assign(s);
    }
    try {
      return await fn();
    } finally {
      for (const [name, p] of this.params) {
        const t = saved.get(name);
        if (t) {
          p.assign(t);
          t.dispose();
        }
      }
    }
  }

  /** The shadow weights keyed by parameter name: live variables, read them, do not dispose them. */
  stateDict(): Map<string, tf.Tensor> {
    return new Map(this.shadow);
  }

  loadStateDict(state: ReadonlyMap<string, tf.Tensor>): void {
    for (const [name, s] of this.shadow) s.assign(checkShape("Ema.loadStateDict", name, state.get(name), s.shape));
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
  }
}
