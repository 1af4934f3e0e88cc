import * as tf from "@tensorflow/tfjs-core";
import { block, blockWeights, SupervisedModel, type BlockContext, type Recursion, type Update, type Weights } from "@trm/core";
import { resolveHrmConfig, type HrmConfig, type HrmConfigInput } from "./hrm-config.js";
import { hrmBlockConfig, hrmTensors } from "./hrm-params.js";

/** A reasoning module (official `ReasoningModule`): f(h + injection), its blocks in turn. States are [B * S, D]. */
type Module = (h: tf.Tensor2D, injection: tf.Tensor2D) => tf.Tensor2D;

/**
 * One segment (paper, Figure 2): for each of T high-level cycles, n times z_L <- f_L(z_L + z_H + x̃) (the low level
 * sees the answer state and the input), then z_H <- f_H(z_H + z_L) (the high level never sees the input directly).
 * Only the last f_L and f_H calls are recorded: the one-step gradient approximation.
 */
function hierarchicalRecursion(fL: Module, fH: Module, x: tf.Tensor2D, n: number, T: number): Recursion {
  const low: Update = ({ y, z }) => ({ y, z: fL(z, tf.add(y, x)) });
  const high: Update = ({ y, z }) => ({ y: fH(y, z), z });
  const segment = Array.from({ length: T }, () => [...Array.from({ length: n }, () => low), high]).flat();
  return { offTape: segment.slice(0, -2), onTape: segment.slice(-2) };
}

export interface CreateHrmOptions {
  /** Seed of the initialisation stream (weights, H_init, L_init). Default 0. */
  readonly seed?: number;
}

/**
 * The Hierarchical Reasoning Model (sapientinc/HRM `HierarchicalReasoningModel_ACTV1`). Two modules of post-norm
 * blocks, f_H and f_L, update y = z_H (the answer state) and z = z_L (the latent). Halting is learned by Q-learning:
 * halt when q_halt > q_continue, q_continue trained towards a bootstrapped target. The supervision step around the
 * recursion (carry, gradients, halting, losses) is {@link SupervisedModel}'s.
 */
export class Hrm extends SupervisedModel<HrmConfig> {
  readonly kind = "hrm";

  constructor(config: HrmConfigInput, options: CreateHrmOptions = {}) {
    const cfg = resolveHrmConfig(config);
    super({ config: cfg, tensors: hrmTensors(cfg), seed: options.seed ?? 0, halting: "q_halt_vs_continue" });
  }

  protected recursion(w: Weights, x: tf.Tensor2D, ctx: BlockContext): Recursion {
    const shape = hrmBlockConfig(this.config);
    const module = (level: "H" | "L", layers: number): Module => {
      const blocks = Array.from({ length: layers }, (_, i) => blockWeights(`inner.${level}_level.layers.${i}`, shape, (name) => w(name) as tf.Tensor2D));
      return (h, injection) => blocks.reduce((a, b) => block(a, b, ctx), tf.add<tf.Tensor2D>(h, injection));
    };
    const { L_layers, H_layers, L_cycles, H_cycles } = this.config;
    return hierarchicalRecursion(module("L", L_layers), module("H", H_layers), x, L_cycles, H_cycles);
  }
}

/** Builds an HRM from a config in the official snake_case names (the golden `hrm.config.json` works as is), seeded. */
export function createHrm(config: HrmConfigInput, options: CreateHrmOptions = {}): Hrm {
  return new Hrm(config, options);
}
