import * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "@trm/core";
import { checkShape, type ParamOptimizer } from "./optimizer.js";

export interface AdamHyperParams {
  /** beta1, beta2: decay of the first and second moments. */
  readonly betas?: readonly [number, number];
  /** Decoupled weight decay: p <- p * (1 - lr * weightDecay) before the moment step. */
  readonly weightDecay?: number;
}

/**
 * The part AdamW and AdamATan2 share: per-parameter moments m (exp_avg) and v (exp_avg_sq) kept in variables keyed by
 * name, decoupled weight decay, bias corrections. Subclasses give the direction of the update.
 */
export abstract class AdamMoments implements ParamOptimizer {
  abstract readonly name: string;
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly weightDecay: number;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    protected readonly params: ReadonlyMap<string, tf.Variable>,
    options: AdamHyperParams,
  ) {
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.95];
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, p] of params) {
      // tidy frees the zeros tensor; the variable keeps its data.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false, undefined, "float32")));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false, undefined, "float32")));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** The update direction for one parameter given m, v and the bias corrections; multiplied by lr / bc1 after. */
  protected abstract direction(m: tf.Tensor, v: tf.Tensor, bc2Sqrt: number): tf.Tensor;

  /** The same update as fused kernels (`TrmAdamUpdateMany`: all parameters at once), when the backend has them. */
  protected abstract readonly fusedKind: { readonly kind: "atan2" | "adamw"; readonly eps: number };

  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** this.t);
    const entries = [...grads].map(([name, g]) => {
      const p = this.params.get(name);
      const m = this.m.get(name);
      const v = this.v.get(name);
      if (!p || !m || !v) throw new Error(`${this.name}: gradient for unknown parameter "${name}".`);
      return { p, m, v, g };
    });
    const attrs = { ...this.fusedKind, lr, beta1: this.beta1, beta2: this.beta2, bc1, bc2Sqrt, decay: 1 - lr * this.weightDecay };
    const float = entries.every(({ g }) => g.dtype === "float32");
    if (float && entries.length > 0 && hasFusedKernel("TrmAdamUpdateMany")) {
      // Every parameter in one kernel launch.
      tf.tidy(() => {
        const inputs: tf.NamedTensorMap = {};
        entries.forEach(({ p, m, v, g }, i) => Object.assign(inputs, { [`p${i}`]: p, [`m${i}`]: m, [`v${i}`]: v, [`g${i}`]: g }));
        const outs = runFusedKernel("TrmAdamUpdateMany", inputs, { ...attrs, count: entries.length });
        entries.forEach(({ p, m, v }, i) => {
          m.assign(outs[3 * i + 1] as tf.Tensor);
          v.assign(outs[3 * i + 2] as tf.Tensor);
          p.assign(outs[3 * i] as tf.Tensor);
        });
      });
      return;
    }
    const fused = float && hasFusedKernel("TrmAdamUpdate");
    for (const { p, m, v, g } of entries) {
      tf.tidy(() => {
        if (fused) {
          const [pNew, mNew, vNew] = runFusedKernel("TrmAdamUpdate", { p, m, v, g }, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
          m.assign(mNew);
          v.assign(vNew);
          p.assign(pNew);
          return;
        }
        // m <- m + (1 - beta1)(g - m), v <- v + (1 - beta2)(g^2 - v): the lerp form of the official kernel.
        const mNew = tf.add(m, tf.mul(tf.sub(g, m), 1 - this.beta1));
        const vNew = tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - this.beta2));
        const decayed = this.weightDecay === 0 ? p : tf.mul(p, 1 - lr * this.weightDecay);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(tf.sub(decayed, tf.mul(this.direction(mNew, vNew, bc2Sqrt), lr / bc1)));
      });
    }
  }

  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, m] of this.m) out.set(`${name}.exp_avg`, m);
    for (const [name, v] of this.v) out.set(`${name}.exp_avg_sq`, v);
    return out;
  }

  loadStateDict(state: ReadonlyMap<string, tf.Tensor>, stepCount: number): void {
    const where = `${this.name}.loadStateDict`;
    if (!Number.isInteger(stepCount) || stepCount < 0) throw new Error(`${where}: step count must be a non-negative integer, got ${stepCount}.`);
    for (const [name, m] of this.m) m.assign(checkShape(where, `${name}.exp_avg`, state.get(`${name}.exp_avg`), m.shape));
    for (const [name, v] of this.v) v.assign(checkShape(where, `${name}.exp_avg_sq`, state.get(`${name}.exp_avg_sq`), v.shape));
    this.t = stepCount;
  }

  dispose(): void {
    for (const m of this.m.values()) m.dispose();
    for (const v of this.v.values()) v.dispose();
  }
}
