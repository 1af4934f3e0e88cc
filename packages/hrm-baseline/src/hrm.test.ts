import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend, type Carry, type RecursiveModel } from "@trm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHrm } from "./hrm.js";
import { resolveHrmConfig, type HrmConfigInput } from "./hrm-config.js";
import { countHrmParameters } from "./hrm-params.js";
import { disposeCarry, disposeOutputs, keepAll, TINY_CONFIG, tinyBatch, tinyHrm } from "./test-utils/tiny.js";
import { loadCheckpointWeights, readSafetensorsFile, saveModelWeights } from "@trm/core/node";
import { createRng } from "@trm/data";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(x));

function setQHead(model: ReturnType<typeof tinyHrm>, weight: number, bias: [number, number]): void {
  const w = model.params.get("inner.q_head.weight")!;
  w.assign(tf.fill(w.shape, weight));
  model.params.get("inner.q_head.bias")!.assign(tf.tensor1d(bias));
}

describe("Hrm", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("initialises as the official code: q_head weight 0 and bias -5, zero puzzle table, seeded and reproducible", () => {
    // The factory shape the training app's model registry expects.
    const factory: (config: HrmConfigInput, options: { readonly seed: number }) => RecursiveModel = createHrm;
    const a = factory(TINY_CONFIG, { seed: 5 });
    const b = createHrm(TINY_CONFIG, { seed: 5 });
    const c = createHrm(TINY_CONFIG, { seed: 6 });
    expect(Array.from(a.params.get("inner.q_head.weight")!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(a.params.get("inner.q_head.bias")!.dataSync())).toEqual([-5, -5]);
    expect(Array.from(a.puzzleEmb!.dataSync()).every((v) => v === 0)).toBe(true);
    const name = "inner.L_level.layers.0.mlp.down_proj.weight";
    expect(Array.from(a.params.get(name)!.dataSync())).toEqual(Array.from(b.params.get(name)!.dataSync()));
    expect(Array.from(a.params.get(name)!.dataSync())).not.toEqual(Array.from(c.params.get(name)!.dataSync()));
    let count = 0;
    for (const v of a.params.values()) count += v.size;
    expect(count).toBe(countHrmParameters(resolveHrmConfig(a.config)));
    expect(a.kind).toBe("hrm");
    expect(a.config).toMatchObject({ ...TINY_CONFIG, model: "hrm", puzzle_emb_len: 1 });
    expect(a.haltMaxSteps).toBe(4);
    for (const m of [a, b, c]) m.dispose();
  });

  it("q_continue target: sigmoid(max(next q_halt, next q_continue)) before the last step, sigmoid(next q_halt) at it", async () => {
    // With a zero q_head weight the Q logits are the bias whatever the state: q_halt = -1, q_continue = 2.
    const model = tinyHrm(3, { halt_max_steps: 2 });
    setQHead(model, 0, [-1, 2]);
    const batch = tinyBatch();
    const opts = { rng: { next: () => 0.5 }, lossDivisor: batch.size };
    const r1 = await model.trainStep(model.initialCarry(batch), batch, opts);
    const t1 = sigmoid(2);
    for (const v of r1.outputs.qContinueTarget!.dataSync()) expect(v).toBeCloseTo(t1, 6);
    expect(r1.losses.qContinue).toBeCloseTo(3 * (softplus(2) - 2 * t1), 5);
    expect(r1.losses.qHalt).toBeCloseTo(3 * softplus(-1), 5); // nothing is right yet: BCE(-1, 0)
    expect(Array.from(r1.carry.halted)).toEqual([0, 0, 0]);
    // Step 2 reaches halt_max_steps: the episode ends, so the target is the halting value alone.
    const r2 = await model.trainStep(r1.carry, batch, opts);
    const t2 = sigmoid(-1);
    for (const v of r2.outputs.qContinueTarget!.dataSync()) expect(v).toBeCloseTo(t2, 6);
    expect(r2.losses.qContinue).toBeCloseTo(3 * (softplus(2) - 2 * t2), 5);
    expect(Array.from(r2.carry.steps)).toEqual([2, 2, 2]);
    expect(Array.from(r2.carry.halted)).toEqual([1, 1, 1]);
    for (const r of [r1, r2]) disposeOutputs(r);
    disposeCarry(r1.carry);
    disposeCarry(r2.carry);
    model.dispose();
  });

  it("q_continue target comes from one more forward on the new carry with the same data", async () => {
    const model = tinyHrm();
    const batch = tinyBatch();
    const r = await model.trainStep(model.initialCarry(batch), batch, { rng: { next: () => 0.5 }, lossDivisor: batch.size });
    // The next segment, run by evaluation from the carry this step produced: its Q values define the target.
    const next = await model.evalStep(keepAll(r.carry), batch);
    const h = next.outputs.qHalt.dataSync();
    const c = next.outputs.qContinue.dataSync();
    const target = r.outputs.qContinueTarget!.dataSync();
    for (let i = 0; i < batch.size; i++) expect(target[i]).toBeCloseTo(sigmoid(Math.max(h[i]!, c[i]!)), 6);
    disposeOutputs(r);
    disposeOutputs(next);
    disposeCarry(r.carry);
    disposeCarry(next.carry);
    model.dispose();
  });

  it("halts in training when q_halt > q_continue unless exploring; evaluation always runs halt_max_steps", async () => {
    const model = tinyHrm();
    setQHead(model, 0, [3, -3]);
    const batch = tinyBatch();
    const greedy = await model.trainStep(model.initialCarry(batch), batch, { rng: { next: () => 0.5 }, lossDivisor: 3 });
    expect(Array.from(greedy.carry.halted)).toEqual([1, 1, 1]);
    // rng 0.05 < 0.1 explores with a minimum of 2 + floor(0.05 * 3) = 2 steps: no halt at step 1.
    const exploring = await model.trainStep(model.initialCarry(batch), batch, { rng: { next: () => 0.05 }, lossDivisor: 3 });
    expect(Array.from(exploring.carry.halted)).toEqual([0, 0, 0]);
    expect(exploring.outputs.qContinueTarget).toBeDefined();

    let carry: Carry = model.initialCarry(batch);
    const halted: number[][] = [];
    for (let s = 0; s < 4; s++) {
      const e = await model.evalStep(carry, batch);
      expect(e.outputs.qContinueTarget).toBeUndefined();
      expect(e.losses.qContinue).toBe(0);
      halted.push(Array.from(e.carry.halted));
      disposeOutputs(e);
      if (s > 0) disposeCarry(carry);
      carry = e.carry;
    }
    expect(halted).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    for (const r of [greedy, exploring]) {
      disposeOutputs(r);
      disposeCarry(r.carry);
    }
    disposeCarry(carry);
    model.dispose();
  });

  it("keeps tf.memory().numTensors flat over 50 training segments and 20 evaluation segments", async () => {
    const model = tinyHrm();
    const batch = tinyBatch(4, 11);
    const rng = createRng(1);
    let carry = model.initialCarry(batch);
    const segment = async () => {
      const r = await model.trainStep(carry, batch, { rng, lossDivisor: batch.size });
      disposeOutputs(r);
      disposeCarry(carry);
      carry = r.carry;
      return r.carry.halted.reduce((a, h) => a + h, 0);
    };
    let halts = await segment();
    const before = tf.memory().numTensors;
    for (let i = 1; i < 50; i++) halts += await segment();
    expect(tf.memory().numTensors).toBe(before);
    // Slots halted and were refilled along the way (N_sup = 4), so resets were exercised too.
    expect(halts).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      const e = await model.evalStep(carry, batch);
      disposeOutputs(e);
      disposeCarry(carry);
      carry = e.carry;
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeCarry(carry);
    model.dispose();
  });

  describe("checkpoints", () => {
    const dir = mkdtempSync(join(tmpdir(), "hrm-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("saves under official names in [out, in] layout and loads back into a fresh model with identical outputs", async () => {
      const model = tinyHrm();
      const path = join(dir, "hrm.safetensors");
      await saveModelWeights(model, path);
      const file = await readSafetensorsFile(path);
      const state = model.stateDict();
      expect(new Set(file.tensors.keys())).toEqual(new Set(state.keys()));
      expect(file.tensors.get("inner.L_level.layers.0.self_attn.qkv_proj.weight")!.shape).toEqual([48, 16]);
      expect(file.tensors.get("inner.lm_head.weight")!.shape).toEqual([5, 16]);
      expect(JSON.parse(file.metadata.config!)).toMatchObject({ model: "hrm", hidden_size: 16, H_cycles: 2, L_cycles: 2 });

      const other = createHrm(resolveHrmConfig(JSON.parse(file.metadata.config!) as Record<string, unknown>), { seed: 99 });
      await loadCheckpointWeights(other, path);
      const batch = tinyBatch();
      const a = await model.evalStep(model.initialCarry(batch), batch);
      const b = await other.evalStep(other.initialCarry(batch), batch);
      expect(Array.from(b.outputs.logits.dataSync())).toEqual(Array.from(a.outputs.logits.dataSync()));
      expect(Array.from(b.outputs.qHalt.dataSync())).toEqual(Array.from(a.outputs.qHalt.dataSync()));
      for (const r of [a, b]) {
        disposeOutputs(r);
        disposeCarry(r.carry);
      }
      model.dispose();
      other.dispose();
    });
  });

  it("trains without a puzzle table and with learned positions (official `pos_encodings: learned`)", async () => {
    const model = createHrm({ ...TINY_CONFIG, puzzle_emb_ndim: 0, pos_encodings: "learned" }, { seed: 2 });
    expect(model.puzzleEmb).toBeNull();
    expect(model.params.get("inner.embed_pos.embedding_weight")!.shape).toEqual([6, 16]);
    const batch = tinyBatch();
    const r = await model.trainStep(model.initialCarry(batch), batch, { rng: { next: () => 0.5 }, lossDivisor: batch.size });
    expect(r.puzzleEmbGrad).toBeNull();
    expect(r.carry.zH.shape).toEqual([3, 6, 16]);
    expect(r.outputs.logits.shape).toEqual([3, 6, 5]);
    expect(new Set(r.grads.keys())).toEqual(new Set(model.params.keys()));
    const posGrad = r.grads.get("inner.embed_pos.embedding_weight")!;
    expect(tf.tidy(() => tf.sum(tf.abs(posGrad)).dataSync()[0]!)).toBeGreaterThan(0);
    expect(Number.isFinite(r.losses.total)).toBe(true);
    disposeOutputs(r);
    disposeCarry(r.carry);
    model.dispose();
  });

  it("names bad input: wrong sequence length, unknown puzzle id, disposed model", () => {
    const model = tinyHrm();
    const batch = tinyBatch();
    expect(() => model.initialCarry({ ...batch, seqLen: 5 })).toThrow(/seq_len 6/);
    expect(() => model.initialCarry({ ...batch, puzzleIdentifiers: Int32Array.from([0, 1, 2]) })).toThrow(/row 2 has puzzle identifier 2/);
    model.dispose();
    expect(() => model.stateDict()).toThrow(/disposed/);
  });
});
