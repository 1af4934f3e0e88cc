import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { createRng, IGNORE_LABEL } from "@trm/data";
import { disposeCarry, type Batch, type Carry, type StepResult, type TrainStepResult } from "./recursive-model.js";
import { loadStateDict, StateDictMismatchError } from "./state-dict.js";
import { createTrm, type Trm } from "./trm.js";
import { loadCheckpointWeights, saveModelWeights } from "./state-dict-file.js";

const tiny = {
  hidden_size: 8,
  num_heads: 2,
  expansion: 1,
  L_layers: 1,
  H_cycles: 2,
  L_cycles: 2,
  halt_max_steps: 4,
  vocab_size: 5,
  seq_len: 4,
  num_puzzle_identifiers: 3,
  puzzle_emb_len: 1,
};

function makeBatch(seed: number, rows = 2): Batch {
  const rng = createRng(seed);
  const n = rows * tiny.seq_len;
  const inputs = Int32Array.from({ length: n }, () => Math.floor(rng.next() * tiny.vocab_size));
  const labels = Int32Array.from({ length: n }, (_, i) => (i === 1 ? IGNORE_LABEL : Math.floor(rng.next() * tiny.vocab_size)));
  const puzzleIdentifiers = Int32Array.from({ length: rows }, (_, r) => r % tiny.num_puzzle_identifiers);
  return { size: rows, seqLen: tiny.seq_len, inputs, labels, puzzleIdentifiers };
}

/** Non-zero puzzle rows and Q head so that every path carries gradient. */
function perturb(model: Trm, seed: number): void {
  const rng = createRng(seed);
  const fill = (v: tf.Variable) => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => (rng.next() - 0.5) * 0.5), v.shape));
  fill(model.puzzleEmb!);
  fill(model.params.get("inner.q_head.weight")!);
}

function disposeStep(res: StepResult | TrainStepResult): void {
  disposeCarry(res.carry);
  res.outputs.logits.dispose();
  res.outputs.qHalt.dispose();
  res.outputs.qContinue.dispose();
  res.outputs.qContinueTarget?.dispose();
  if ("grads" in res) {
    for (const g of res.grads.values()) g.dispose();
    res.puzzleEmbGrad?.grad.dispose();
  }
}

const noExplore = { rng: { next: () => 0.99 }, lossDivisor: 2 };

describe("Trm", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("matches finite differences of its loss (T = 1: every cycle has gradient)", async () => {
    const model = createTrm({ ...tiny, H_cycles: 1 }, { seed: 3 });
    perturb(model, 4);
    const batch = makeBatch(5);
    const carry = model.initialCarry(batch);
    const res = await model.trainStep(carry, batch, noExplore);
    const lossAt = async (): Promise<number> => {
      const r = await model.evalStep(carry, batch);
      const v = r.losses.total / noExplore.lossDivisor;
      disposeStep(r);
      return v;
    };
    const probe = async (v: tf.Variable, grad: Float32Array | Int32Array | Uint8Array, indices: number[]) => {
      const eps = 1e-2;
      for (const i of indices) {
        const base = v.dataSync().slice();
        const at = async (d: number) => {
          const x = Float32Array.from(base);
          x[i] = base[i]! + d;
          v.assign(tf.tensor(x, v.shape));
          return lossAt();
        };
        const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(grad[i]! - fd), `entry ${i}: analytic ${grad[i]}, finite difference ${fd}`).toBeLessThan(2e-2 * Math.abs(fd) + 2e-4);
      }
    };
    for (const name of ["inner.L_level.layers.0.self_attn.qkv_proj.weight", "inner.L_level.layers.0.mlp.down_proj.weight", "inner.lm_head.weight", "inner.q_head.weight", "inner.q_head.bias", "inner.embed_tokens.embedding_weight"]) {
      const v = model.params.get(name)!;
      await probe(v, res.grads.get(name)!.dataSync(), [0, 1, Math.floor(v.size / 2), v.size - 1]);
    }
    // The puzzle table: rows 0 and 1 are used by rows 0 and 1 of the batch.
    const table = model.puzzleEmb!;
    const rowGrad = res.puzzleEmbGrad!.grad.dataSync();
    await probe(table, rowGrad, [0, 3, tiny.hidden_size + 2]);
    disposeStep(res);
    disposeCarry(carry);
    model.dispose();
  });

  it("takes no gradient through the T - 1 no-grad cycles: same as T = 1 started from their states", async () => {
    const a = createTrm(tiny, { seed: 7 });
    const b = createTrm({ ...tiny, H_cycles: 1 }, { seed: 7 });
    perturb(a, 8);
    perturb(b, 8);
    const batch = makeBatch(9);
    const carryA = a.initialCarry(batch);
    const full = await a.trainStep(carryA, batch, noExplore);
    // b's eval step from the same start runs exactly a's first (no-grad) cycle.
    const first = await b.evalStep(b.initialCarry(batch), batch);
    const fromStates: Carry = { ...first.carry, steps: new Int32Array(2), halted: new Uint8Array(2) };
    const last = await b.trainStep(fromStates, batch, noExplore);
    const maxDiff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!;
    expect(maxDiff(full.outputs.logits, last.outputs.logits)).toBeLessThan(1e-5);
    for (const [name, g] of full.grads) expect(maxDiff(g, last.grads.get(name)!), name).toBeLessThan(1e-5);
    expect(maxDiff(full.puzzleEmbGrad!.grad, last.puzzleEmbGrad!.grad)).toBeLessThan(1e-5);
    // And the no-grad cycle did matter for the value: one cycle alone gives other logits.
    const one = await b.trainStep(b.initialCarry(batch), batch, noExplore);
    expect(maxDiff(full.outputs.logits, one.outputs.logits)).toBeGreaterThan(1e-3);
    for (const r of [full, first, last, one]) disposeStep(r);
    disposeCarry(carryA);
    a.dispose();
    b.dispose();
  });

  it("keeps the tensor count flat over 50 supervision steps with halting and refills", async () => {
    const model = createTrm(tiny, { seed: 1 });
    const rng = createRng(2);
    let carry = model.initialCarry(makeBatch(0));
    const counts: number[] = [];
    let halts = 0;
    for (let s = 0; s < 50; s++) {
      const res = await model.trainStep(carry, makeBatch(s + 1), { rng, lossDivisor: 2 });
      halts += res.carry.halted.reduce((n, h) => n + h, 0);
      disposeCarry(carry);
      carry = res.carry;
      disposeStep({ ...res, carry: { ...res.carry, zH: tf.zeros([1, 1, 1]), zL: tf.zeros([1, 1, 1]) } });
      counts.push(tf.memory().numTensors);
    }
    expect(halts).toBeGreaterThan(10);
    expect(counts[49]).toBe(counts[0]);
    disposeCarry(carry);
    model.dispose();
  });

  it("halts on q_halt > 0 in training and refills halted slots from the new batch", async () => {
    const model = createTrm(tiny, { seed: 1 });
    model.params.get("inner.q_head.bias")!.assign(tf.tensor1d([5, -5]));
    const b1 = makeBatch(1);
    const b2 = makeBatch(2);
    const c0 = model.initialCarry(b1);
    const r1 = await model.trainStep(c0, b1, noExplore);
    expect(Array.from(r1.carry.halted)).toEqual([1, 1]);
    expect(Array.from(r1.carry.steps)).toEqual([1, 1]);
    const r2 = await model.trainStep(r1.carry, b2, noExplore);
    expect(Array.from(r2.carry.current.inputs)).toEqual(Array.from(b2.inputs));
    expect(Array.from(r2.carry.steps)).toEqual([1, 1]);
    // Exploration: u = 0.05 < 0.1 draws a minimum of 2 + floor(0.9 * 3) = 4 steps, so no halt at step 1.
    const draws = [0.05, 0.9, 0.05, 0.9];
    const r3 = await model.trainStep(r2.carry, b1, { rng: { next: () => draws.shift()! }, lossDivisor: 2 });
    expect(Array.from(r3.carry.halted)).toEqual([0, 0]);
    // Eval ignores the Q head: no halt before halt_max_steps (4), then every row halts.
    let carry = model.initialCarry(b1);
    const halted: number[][] = [];
    for (let s = 0; s < 4; s++) {
      const r = await model.evalStep(carry, b1);
      disposeCarry(carry);
      carry = r.carry;
      halted.push(Array.from(r.carry.halted));
      disposeStep({ ...r, carry: { ...r.carry, zH: tf.zeros([1, 1, 1]), zL: tf.zeros([1, 1, 1]) } });
    }
    expect(halted).toEqual([[0, 0], [0, 0], [0, 0], [1, 1]]);
    for (const r of [r1, r2, r3]) disposeStep(r);
    disposeCarry(c0);
    disposeCarry(carry);
    model.dispose();
  });

  it("runs with steps reaching halt_max_steps even when the Q head never halts", async () => {
    const model = createTrm({ ...tiny, halt_max_steps: 2 }, { seed: 1 });
    const batch = makeBatch(1);
    const c0 = model.initialCarry(batch);
    const r1 = await model.trainStep(c0, batch, noExplore);
    const r2 = await model.trainStep(r1.carry, batch, noExplore);
    expect(Array.from(r1.carry.halted)).toEqual([0, 0]);
    expect(Array.from(r2.carry.halted)).toEqual([1, 1]);
    expect(Array.from(r2.carry.steps)).toEqual([2, 2]);
    for (const r of [r1, r2]) disposeStep(r);
    disposeCarry(c0);
    model.dispose();
  });

  it("gives identical weights and outputs for the same seed, different ones for another", async () => {
    const run = async (seed: number) => {
      const m = createTrm(tiny, { seed });
      const batch = makeBatch(3);
      const c = m.initialCarry(batch);
      const r = await m.trainStep(c, batch, noExplore);
      const out = {
        weights: Array.from(m.params.get("inner.L_level.layers.0.mlp.gate_up_proj.weight")!.dataSync()),
        hInit: Array.from(m.buffers.get("inner.H_init")!.dataSync()),
        logits: Array.from(r.outputs.logits.dataSync()),
        grad: Array.from(r.grads.get("inner.lm_head.weight")!.dataSync()),
      };
      disposeStep(r);
      disposeCarry(c);
      m.dispose();
      return out;
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect((await run(12)).weights).not.toEqual(a.weights);
  });

  it("turns on the continue / Q target behind no_ACT_continue: false", async () => {
    const model = createTrm({ ...tiny, no_ACT_continue: false }, { seed: 2 });
    // With the initial Q head (weight 0) the target equals sigmoid(q_continue) and the gradient would vanish.
    perturb(model, 3);
    const batch = makeBatch(4);
    const c0 = model.initialCarry(batch);
    const r = await model.trainStep(c0, batch, noExplore);
    expect(r.outputs.qContinueTarget?.shape).toEqual([2]);
    expect(r.losses.qContinue).toBeGreaterThan(0);
    expect(r.losses.total).toBeCloseTo(r.losses.lm + 0.5 * (r.losses.qHalt + r.losses.qContinue), 4);
    expect(r.grads.get("inner.q_head.bias")!.dataSync()[1]).not.toBe(0);
    disposeStep(r);
    disposeCarry(c0);
    model.dispose();
  });

  it("supports learned positions and no puzzle table", async () => {
    const model = createTrm({ ...tiny, pos_encodings: "learned", puzzle_emb_ndim: 0 }, { seed: 2 });
    expect(model.puzzleEmb).toBeNull();
    expect(model.params.get("inner.embed_pos.embedding_weight")?.shape).toEqual([4, 8]);
    const batch = makeBatch(4);
    const c0 = model.initialCarry(batch);
    const r = await model.trainStep(c0, batch, noExplore);
    expect(r.puzzleEmbGrad).toBeNull();
    expect(r.outputs.logits.shape).toEqual([2, 4, 5]);
    expect(tf.sum(tf.abs(r.grads.get("inner.embed_pos.embedding_weight")!)).dataSync()[0]).toBeGreaterThan(0);
    disposeStep(r);
    disposeCarry(c0);
    model.dispose();
  });

  describe("checkpoints", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trm-core-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("round-trips through safetensors and rejects a mismatched state dict", async () => {
      const a = createTrm({ ...tiny, mlp_t: true, pos_encodings: "none" }, { seed: 1 });
      perturb(a, 2);
      const file = path.join(dir, "a.safetensors");
      await saveModelWeights(a, file);
      const b = createTrm({ ...tiny, mlp_t: true, pos_encodings: "none" }, { seed: 99 });
      await loadCheckpointWeights(b, file);
      const batch = makeBatch(6);
      const ra = await a.evalStep(a.initialCarry(batch), batch);
      const rb = await b.evalStep(b.initialCarry(batch), batch);
      expect(Array.from(rb.outputs.logits.dataSync())).toEqual(Array.from(ra.outputs.logits.dataSync()));
      const wrong = createTrm({ ...tiny, hidden_size: 16 }, { seed: 1 });
      expect(() => loadStateDict(wrong, a.stateDict())).toThrow(StateDictMismatchError);
      for (const r of [ra, rb]) disposeStep(r);
      for (const m of [a, b, wrong]) m.dispose();
    });
  });
});

describe("Trm across backends", () => {
  it("gives the same logits on wasm and cpu within 1e-4", async () => {
    const logits: Float32Array[] = [];
    for (const backend of ["wasm", "cpu"] as const) {
      await useBackend(backend, { log: null });
      for (const mlpT of [false, true]) {
        const model = createTrm({ ...tiny, mlp_t: mlpT, pos_encodings: mlpT ? "none" : "rope" }, { seed: 21 });
        perturb(model, 22);
        const batch = makeBatch(23);
        const c = model.initialCarry(batch);
        const r = await model.trainStep(c, batch, noExplore);
        logits.push(r.outputs.logits.dataSync() as Float32Array);
        disposeStep(r);
        disposeCarry(c);
        model.dispose();
      }
    }
    for (let k = 0; k < 2; k++) {
      const [w, c] = [logits[k]!, logits[k + 2]!];
      let maxDiff = 0;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i]! - c[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
    }
    await useBackend("wasm", { log: null });
  });
});
