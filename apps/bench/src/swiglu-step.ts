import * as tf from "@tensorflow/tfjs-core";
import { rmsNorm, swiglu } from "@trm/core";
import { AdamATan2 } from "@trm/train";

/**
 * A probe of the training ceiling: a stack of post-norm SwiGLU layers, h <- RMSNorm(h + SwiGLU(h)), the channel half
 * of a TRM block through @trm/core's own ops, over M = B x S token rows, trained one step at a time with AdamATan2.
 * It has the products of the TRM channel MLP at the same shapes without the recursion around them.
 */

export interface SwigluStepShape {
  readonly rows: number;
  readonly hidden: number;
  readonly inner: number;
  readonly layers: number;
}

/** Products of one training step: 3 per layer (gate, up as one [D, 2F] product; down) forward, x3 with backward. */
export function swigluStepFlops(s: SwigluStepShape): number {
  return 3 * s.layers * (2 * s.rows * s.hidden * 2 * s.inner + 2 * s.rows * s.inner * s.hidden);
}

export interface SwigluStep {
  /** One forward + backward + optimiser update; returns the loss. */
  step(): number;
  dispose(): void;
}

export function createSwigluStep(s: SwigluStepShape, seed = 7): SwigluStep {
  const params = new Map<string, tf.Variable>();
  for (let l = 0; l < s.layers; l++) {
    const scaleIn = 1 / Math.sqrt(s.hidden);
    const scaleInner = 1 / Math.sqrt(s.inner);
    params.set(`layers.${l}.gate_up`, tf.variable(tf.randomUniform([s.hidden, 2 * s.inner], -scaleIn, scaleIn, "float32", seed + 2 * l), true, `swiglu_probe_${seed}_${l}_gu`));
    params.set(`layers.${l}.down`, tf.variable(tf.randomUniform([s.inner, s.hidden], -scaleInner, scaleInner, "float32", seed + 2 * l + 1), true, `swiglu_probe_${seed}_${l}_down`));
  }
  const x = tf.randomNormal([s.rows, s.hidden], 0, 1, "float32", seed);
  const optimizer = new AdamATan2(params);
  const vars = [...params.values()];
  return {
    step(): number {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          let h = x as tf.Tensor2D;
          for (let l = 0; l < s.layers; l++) {
            const gateUp = params.get(`layers.${l}.gate_up`) as tf.Variable<tf.Rank.R2>;
            const down = params.get(`layers.${l}.down`) as tf.Variable<tf.Rank.R2>;
            h = rmsNorm(tf.add(h, swiglu(h, gateUp, down)));
          }
          return tf.mean(tf.square(h));
        }, vars);
        const named = new Map<string, tf.Tensor>();
        for (const [name, v] of params) named.set(name, grads[v.name] as tf.Tensor);
        optimizer.step(named, 1e-4);
        return value;
      });
      const out = loss.dataSync()[0] ?? NaN;
      loss.dispose();
      return out;
    },
    dispose(): void {
      optimizer.dispose();
      for (const v of vars) v.dispose();
      x.dispose();
    },
  };
}
