import * as tf from "@tensorflow/tfjs-core";
import { disposeCarry, type Batch, type Carry, type RecursiveModel } from "@trm/core";
import type { Rng } from "@trm/data";
import { sliceBatch } from "./batch-utils.js";
import { FitError } from "./errors.js";
import { TrainMetricsAccumulator } from "./train-metrics.js";

/** How a global batch splits into micro-batches: `groups` x `micro` rows, each group with its own carry. */
export interface BatchLayout {
  readonly global: number;
  readonly micro: number;
  readonly groups: number;
}

/** The batch layout of a config; throws when micro_batch_size does not divide global_batch_size. */
export function batchLayout(config: { readonly global_batch_size: number; readonly micro_batch_size?: number | undefined }): BatchLayout {
  const global = config.global_batch_size;
  const micro = config.micro_batch_size ?? global;
  if (global % micro !== 0) throw new FitError(`micro_batch_size ${micro} does not divide global_batch_size ${global}.`);
  return { global, micro, groups: global / micro };
}

/** Gradients of one optimiser step, summed over its micro-batches. The caller owns them: see {@link disposeAccumulated}. */
export interface AccumulatedStep {
  /** Gradient of total / global batch for every parameter, keyed by official name. */
  readonly grads: Map<string, tf.Tensor>;
  /** The puzzle-embedding rows the step used and their gradient rows, in micro-batch order; null without a table. */
  readonly puzzleEmb: { readonly ids: Int32Array; readonly grad: tf.Tensor2D } | null;
  readonly metrics: TrainMetricsAccumulator;
}

export function disposeAccumulated(step: AccumulatedStep): void {
  for (const g of step.grads.values()) g.dispose();
  step.puzzleEmb?.grad.dispose();
}

/** Adds `g` into `sum[name]`, freeing what it replaces. */
function addGrad(sum: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = sum.get(name);
  if (!prev) {
    sum.set(name, g);
    return;
  }
  sum.set(name, tf.tidy(() => tf.add(prev, g)));
  prev.dispose();
  g.dispose();
}

function concatRows(ids: readonly Int32Array[], grads: tf.Tensor2D[]): AccumulatedStep["puzzleEmb"] {
  if (grads.length === 0) return null;
  const all = new Int32Array(ids.reduce((n, a) => n + a.length, 0));
  ids.reduce((off, a) => (all.set(a, off), off + a.length), 0);
  if (grads.length === 1) return { ids: all, grad: grads[0] as tf.Tensor2D };
  const grad = tf.concat(grads, 0);
  for (const g of grads) g.dispose();
  return { ids: all, grad };
}

/**
 * One supervision step over the global batch: micro-batch k continues `carries[k]` (replaced in place), and the
 * gradients of total / global batch are summed over the micro-batches, as one optimiser step of the official loop.
 */
export async function accumulateStep(
  model: RecursiveModel,
  carries: (Carry | null)[],
  batch: Batch,
  layout: BatchLayout,
  rng: Pick<Rng, "next">,
): Promise<AccumulatedStep> {
  const metrics = new TrainMetricsAccumulator();
  const grads = new Map<string, tf.Tensor>();
  const embIds: Int32Array[] = [];
  const embGrads: tf.Tensor2D[] = [];
  for (let k = 0; k < layout.groups; k++) {
    const part = layout.groups === 1 ? batch : sliceBatch(batch, k * layout.micro, layout.micro);
    const carry = carries[k] ?? model.initialCarry(part);
    const r = await model.trainStep(carry, part, { rng, lossDivisor: layout.global });
    if (r.carry.zH !== carry.zH) disposeCarry(carry);
    carries[k] = r.carry;
    metrics.add(r, await r.outputs.qHalt.data());
    r.outputs.logits.dispose();
    r.outputs.qHalt.dispose();
    r.outputs.qContinue.dispose();
    r.outputs.qContinueTarget?.dispose();
    for (const [name, g] of r.grads) addGrad(grads, name, g);
    if (r.puzzleEmbGrad) {
      embIds.push(r.puzzleEmbGrad.ids);
      embGrads.push(r.puzzleEmbGrad.grad);
    }
  }
  return { grads, puzzleEmb: concatRows(embIds, embGrads), metrics };
}
