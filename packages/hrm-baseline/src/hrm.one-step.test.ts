import * as tf from "@tensorflow/tfjs";
import { actLossTerms, beginStep, useBackend } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hrm } from "./hrm.js";
import { hrmEmbed, hrmHeads, hrmWeights, runUpdates, segmentSchedule, splitQ, type HrmStates, type HrmUpdate } from "./hrm-forward.js";
import { disposeCarry, disposeOutputs, keepAll, tinyBatch, tinyHrm } from "./test-utils/tiny.js";

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);
}

describe("HRM one-step gradient", () => {
  let model: Hrm;

  beforeAll(async () => {
    await useBackend("wasm", { log: null });
    model = tinyHrm();
  });

  afterAll(() => model.dispose());

  it("gives only the last f_L and f_H calls gradient: the same as a run from precomputed states, unlike full backprop", async () => {
    const batch = tinyBatch();
    const cfg = model.config;
    const b = batch.size;
    const opts = { rng: () => 0.5, lossDivisor: b };
    // One step first, so the step under test starts from a carried (non-initial) state.
    const first = await model.trainStep(model.initialCarry(batch), batch, opts);
    disposeOutputs(first);
    const carry = keepAll(first.carry);
    const r = await model.trainStep(carry, batch, opts);

    const start = beginStep(carry, batch, model.buffers.get("inner.H_init")!, model.buffers.get("inner.L_init")!);
    const pre = model.noGradUpdates(start.zH, start.zL, start.current);
    const target = r.outputs.qContinueTarget!;
    const params = [...model.params.entries()];
    const s = cfg.seq_len + cfg.puzzle_emb_len;

    /** Gradients of the step's loss / B with `updates` recorded from `from`. */
    const gradsOf = (from: HrmStates, updates: readonly HrmUpdate[]) =>
      tf.engine().gradients(
        () => {
          const w = hrmWeights(cfg, model.params);
          const x = hrmEmbed(cfg, w, start.current.inputs, pre.puzzleRows, b);
          const out = runUpdates(w, from, x, updates, model.blockContext(b));
          const heads = hrmHeads(cfg, w, out.zH, b);
          const [qHalt, qContinue] = splitQ(heads.q);
          const loss = actLossTerms({ logits: heads.logits, labels: start.current.labels, batch: b, seqLen: cfg.seq_len, qHalt, qContinue, qContinueTarget: target });
          return tf.div<tf.Scalar>(loss.total, b);
        },
        [...params.map(([, v]) => v), pre.puzzleRows!],
        undefined,
        true,
      );

    // The earlier updates replaced by their precomputed outputs, as fresh tensors with no history.
    const fixed = { zH: tf.tensor<tf.Rank.R2>(pre.zH.dataSync(), pre.zH.shape), zL: tf.tensor<tf.Rank.R2>(pre.zL.dataSync(), pre.zL.shape) };
    const oneStep = gradsOf(fixed, ["L", "H"]);
    // Every update of the segment recorded: what the gradient would be without the approximation.
    const all = segmentSchedule(cfg);
    expect(all).toEqual(["L", "L", "H", "L", "L", "H"]);
    const start2d = { zH: tf.reshape<tf.Rank.R2>(start.zH, [b * s, -1]), zL: tf.reshape<tf.Rank.R2>(start.zL, [b * s, -1]) };
    const full = gradsOf(start2d, all);

    // Same loss value either way: only the tape differs.
    expect(Math.abs(oneStep.value.dataSync()[0]! - full.value.dataSync()[0]!)).toBeLessThan(1e-5);
    expect(Math.abs(oneStep.value.dataSync()[0]! - r.losses.total / b)).toBeLessThan(1e-5);

    params.forEach(([name], i) => {
      const got = r.grads.get(name)!;
      const scale = maxAbs(got);
      expect(scale, name).toBeGreaterThan(0);
      expect(maxAbsDiff(got, oneStep.grads[i]!) / scale, name).toBeLessThan(1e-5);
      const fullDiff = maxAbsDiff(got, full.grads[i]!) / scale;
      if (name.startsWith("inner.L_level") || name.startsWith("inner.H_level") || name === "inner.embed_tokens.embedding_weight") {
        // Earlier calls of f_L / f_H (and the x̃ they read) would add gradient: the model must not have it.
        expect(fullDiff, name).toBeGreaterThan(1e-3);
      } else {
        // The heads read only the final z_H, which both runs compute alike.
        expect(fullDiff, name).toBeLessThan(1e-5);
      }
    });
    const rowGrad = r.puzzleEmbGrad!.grad;
    expect(maxAbsDiff(rowGrad, oneStep.grads[params.length]!) / maxAbs(rowGrad)).toBeLessThan(1e-5);
    expect(maxAbsDiff(rowGrad, full.grads[params.length]!) / maxAbs(rowGrad)).toBeGreaterThan(1e-3);

    tf.dispose([oneStep.value, ...oneStep.grads, full.value, ...full.grads, fixed.zH, fixed.zL, start.zH, start.zL, pre.zH, pre.zL, pre.puzzleRows!]);
    disposeOutputs(r);
    disposeCarry(carry);
    disposeCarry(r.carry);
  });

  it("detaches the carry: the next step's gradient does not depend on how the carry was reached", async () => {
    const batch = tinyBatch();
    const opts = { rng: () => 0.5, lossDivisor: batch.size };
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
