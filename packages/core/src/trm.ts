import * as tf from "@tensorflow/tfjs-core";
import { block, blockWeights, splitBlockWeights, type BlockContext } from "./block.js";
import { SupervisedModel, type Recursion, type Update, type Weights } from "./supervision-step.js";
import { resolveTrmConfig, trmBlockConfig, trmTensors, type TrmConfig, type TrmConfigInput } from "./trm-config.js";

/** net(h + injection): the one tiny network, `L_layers` post-norm blocks (official `L_level`). States are [B * S, D]. */
type Net = (h: tf.Tensor2D, injection: tf.Tensor2D) => tf.Tensor2D;

/**
 * Latent recursion (paper, Algorithm 2): n times z <- net(x + y + z), improving the latent reasoning z given the
 * question x and the current answer y; then y <- net(y + z), improving the answer from the reasoning. One update per
 * network call.
 */
function latentRecursion(net: Net, x: tf.Tensor2D, n: number): Update[] {
  const improveLatent: Update = ({ y, z }) => ({ y, z: net(z, tf.add(y, x)) });
  const improveAnswer: Update = ({ y, z }) => ({ y: net(y, z), z });
  return [...Array.from({ length: n }, () => improveLatent), improveAnswer];
}

/** Deep recursion: T latent recursions, the first T - 1 without gradient, the last one backpropagated through. */
function deepRecursion(net: Net, x: tf.Tensor2D, n: number, T: number): Recursion {
  const cycle = latentRecursion(net, x, n);
  return { offTape: Array.from({ length: T - 1 }, () => cycle).flat(), onTape: cycle };
}

export interface CreateTrmOptions {
  /** Seed of the initialisation (default 0). The same seed gives the same weights. */
  readonly seed?: number;
}

/**
 * The Tiny Recursive Model (official `TinyRecursiveReasoningModel_ACTV1` with its ACT loss head). One network updates
 * the latent z (z_L) and the answer y (z_H); the heads read y. T = `H_cycles`, n = `L_cycles`. The supervision step
 * around the recursion (carry, gradients, halting, losses) is {@link SupervisedModel}'s.
 */
export class Trm extends SupervisedModel<TrmConfig> {
  readonly kind = "trm";

  constructor(config: TrmConfigInput, options: CreateTrmOptions = {}) {
    const cfg = resolveTrmConfig(config);
    super({ config: cfg, tensors: trmTensors(cfg), seed: options.seed ?? 0, halting: cfg.no_ACT_continue ? "q_halt" : "q_halt_vs_continue" });
  }

  protected recursion(w: Weights, x: tf.Tensor2D, ctx: BlockContext): Recursion {
    const { L_layers, L_cycles: n, H_cycles: T } = this.config;
    const shape = trmBlockConfig(this.config);
    // Each SwiGLU gate_up matrix is split once per step and reused by all T(n + 1) network calls.
    const layers = Array.from({ length: L_layers }, (_, i) => splitBlockWeights(blockWeights(`inner.L_level.layers.${i}`, shape, (name) => w(name) as tf.Tensor2D)));
    const net: Net = (h, injection) => layers.reduce((a, layer) => block(a, layer, ctx), tf.add<tf.Tensor2D>(h, injection));
    return deepRecursion(net, x, n, T);
  }
}

/** Builds a TRM from an official-style config (e.g. a golden `*.config.json`), seeded. */
export function createTrm(config: TrmConfigInput, options: CreateTrmOptions = {}): Trm {
  return new Trm(config, options);
}
