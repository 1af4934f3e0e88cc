import * as tf from "@tensorflow/tfjs-core";
import { useBackend, type BlockContext, type Recursion, type Weights } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hrm } from "./hrm.js";
import { disposeCarry, disposeOutputs, keepAll, TINY_CONFIG, tinyBatch, tinyHrm } from "./test-utils/tiny.js";

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);
}

/** The same model with every update of the segment recorded: the gradient without the one-step approximation. */
class FullBackpropHrm extends Hrm {
  protected override recursion(w: Weights, x: tf.Tensor2D, ctx: BlockContext): Recursion {
    const r = super.recursion(w, x, ctx);
    return { offTape: [], onTape: [...r.offTape, ...r.onTape] };
  }
}

/** Exposes the plan of the real model's recursion. */
class PlannedHrm extends Hrm {
  plan(): Recursion {
    const x = tf.zeros<tf.Rank.R2>([1, TINY_CONFIG.hidden_size]);
    const plan = this.recursion((n) => this.params.get(n)!, x, { batch: 1, seq: 1, numHeads: 1, eps: 1e-5, rope: null });
    x.dispose();
    return plan;
  }
}

describe("HRM one-step gradient", () => {
  let model: Hrm;

  beforeAll(async () => {
    await useBackend("wasm", { log: null });
    model = tinyHrm();
  });

  afterAll(() => model.dispose());

  it("records only the last f_L and f_H calls of a segment", () => {
    const planned = new PlannedHrm(TINY_CONFIG);
    const plan = planned.plan();
    // T = n = 2: L, L, H, L off the tape; L, H on it.
    expect([plan.offTape.length, plan.onTape.length]).toEqual([4, 2]);
    planned.dispose();
  });

  it("gives the same loss as full backprop through the segment but gradient only through the last f_L and f_H calls", async () => {
    const batch = tinyBatch();
    const opts = { rng: { next: () => 0.5 }, lossDivisor: batch.size };
    // One step first, so the step under test starts from a carried (non-initial) state.
    const first = await model.trainStep(model.initialCarry(batch), batch, opts);
    disposeOutputs(first);
    const carry = keepAll(first.carry);
    const full = new FullBackpropHrm(TINY_CONFIG);
    for (const [name, v] of model.params) full.params.get(name)!.assign(v);
    for (const [name, v] of model.buffers) full.buffers.get(name)!.assign(v);
    full.puzzleEmb!.assign(model.puzzleEmb!);

    const oneStep = await model.trainStep(carry, batch, opts);
    const all = await full.trainStep(carry, batch, opts);
    // Same states, so the same loss and the same Q target: only the tape differs.
    expect(Math.abs(oneStep.losses.total - all.losses.total)).toBeLessThan(1e-5);
    expect(maxAbsDiff(oneStep.outputs.qContinueTarget!, all.outputs.qContinueTarget!)).toBeLessThan(1e-6);
    for (const [name, got] of oneStep.grads) {
      const scale = maxAbs(got);
      expect(scale, name).toBeGreaterThan(0);
      const diff = maxAbsDiff(got, all.grads.get(name)!) / scale;
      if (name.startsWith("inner.L_level") || name.startsWith("inner.H_level") || name === "inner.embed_tokens.embedding_weight") {
        // Earlier calls of f_L / f_H (and the x̃ they read) would add gradient: the model must not have it.
        expect(diff, name).toBeGreaterThan(1e-3);
      } else {
        // The heads read only the final z_H, which both runs compute alike.
        expect(diff, name).toBeLessThan(1e-5);
      }
    }
    const rowGrad = oneStep.puzzleEmbGrad!.grad;
    expect(maxAbsDiff(rowGrad, all.puzzleEmbGrad!.grad) / maxAbs(rowGrad)).toBeGreaterThan(1e-3);
    for (const r of [oneStep, all]) {
      disposeOutputs(r);
      disposeCarry(r.carry);
    }
    disposeCarry(carry);
    full.dispose();
  });

  it("detaches the carry: the next step's gradient does not depend on how the carry was reached", async () => {
    const batch = tinyBatch();
    const opts = { rng: { next: () => 0.5 }, lossDivisor: batch.size };
    const a = await model.trainStep(model.initialCarry(batch), batch, opts);
    const carry = keepAll(a.carry);
    // The same carry values rebuilt from plain numbers: no tape or history can travel with them.
    const copy = { ...carry, zH: tf.tensor<tf.Rank.R3>(carry.zH.dataSync(), carry.zH.shape), zL: tf.tensor<tf.Rank.R3>(carry.zL.dataSync(), carry.zL.shape) };
    const r1 = await model.trainStep(carry, batch, opts);
    const r2 = await model.trainStep(copy, batch, opts);
    for (const [name, g] of r1.grads) expect(maxAbsDiff(g, r2.grads.get(name)!), name).toBe(0);
    for (const r of [a, r1, r2]) disposeOutputs(r);
    for (const c of [carry, copy, r1.carry, r2.carry]) disposeCarry(c);
  });
});
