import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { disposeCarry } from "./recursive-model.js";
import { createTrm } from "./trm.js";

interface MatMulCall {
  readonly shapes: number[][];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/** Records every BatchMatMul kernel the engine runs inside `fn` (forward and backward alike). */
async function recordMatMuls(fn: () => Promise<void>): Promise<MatMulCall[]> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: Record<string, tf.Tensor>, attrs?: Record<string, unknown>) => unknown };
  const original = engine.runKernel.bind(engine);
  const calls: MatMulCall[] = [];
  engine.runKernel = (name, inputs, attrs) => {
    if (name === "BatchMatMul") {
      calls.push({
        shapes: Object.values(inputs).map((t) => t.shape),
        transposeA: attrs?.transposeA === true,
        transposeB: attrs?.transposeB === true,
      });
    }
    return original(name, inputs, attrs);
  };
  try {
    await fn();
  } finally {
    engine.runKernel = original;
  }
  return calls;
}

describe("Trm on the wasm fast path", () => {
  beforeAll(async () => {
    // The pure-wasm kernels: the optional native ones take every product shape and need no fast-path layout.
    await useBackend("wasm", { log: null, native: false });
  });

  it("runs every matrix product of a TRM-MLP training step as a flag-free 2-D matMul", async () => {
    const model = createTrm(
      { hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 2, H_cycles: 2, L_cycles: 2, vocab_size: 5, seq_len: 6, num_puzzle_identifiers: 2, puzzle_emb_len: 2, mlp_t: true, pos_encodings: "none" },
      { seed: 1 },
    );
    const batch = { size: 2, seqLen: 6, inputs: new Int32Array(12).fill(1), labels: new Int32Array(12).fill(2), puzzleIdentifiers: Int32Array.from([0, 1]) };
    const carry = model.initialCarry(batch);
    let result: Awaited<ReturnType<typeof model.trainStep>> | null = null;
    const calls = await recordMatMuls(async () => {
      result = await model.trainStep(carry, batch, { rng: { next: () => 0.5 }, lossDivisor: 2 });
    });
    // T(n + 1) = 6 net calls of 2 blocks, each with 2 SwiGLUs of 3 products, plus embedding and heads, plus backward.
    expect(calls.length).toBeGreaterThan(6 * 2 * 2 * 3);
    const offPath = calls.filter((c) => c.transposeA || c.transposeB || c.shapes.some((s) => s.length !== 2));
    expect(offPath).toEqual([]);
    const r = result as Awaited<ReturnType<typeof model.trainStep>> | null;
    if (r) {
      disposeCarry(r.carry);
      for (const g of r.grads.values()) g.dispose();
      r.puzzleEmbGrad?.grad.dispose();
      for (const t of [r.outputs.logits, r.outputs.qHalt, r.outputs.qContinue]) t.dispose();
    }
    disposeCarry(carry);
    model.dispose();
  });
  it("leaves only the per-head attention products of TRM-Att off the fast path (batched 3-D)", async () => {
    const model = createTrm(
      { hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 1, vocab_size: 5, seq_len: 6, num_puzzle_identifiers: 2, puzzle_emb_len: 2 },
      { seed: 1 },
    );
    const batch = { size: 2, seqLen: 6, inputs: new Int32Array(12).fill(1), labels: new Int32Array(12).fill(2), puzzleIdentifiers: Int32Array.from([0, 1]) };
    const carry = model.initialCarry(batch);
    let result: Awaited<ReturnType<typeof model.trainStep>> | null = null;
    const calls = await recordMatMuls(async () => {
      result = await model.trainStep(carry, batch, { rng: { next: () => 0.5 }, lossDivisor: 2 });
    });
    const batched = calls.filter((c) => c.shapes.some((s) => s.length !== 2));
    // 4 net calls x 2 products forward, and the 2 calls of the last cycle x 2 products x 2 gradients backward.
    expect(batched.length).toBe(4 * 2 + 2 * 2 * 2);
    expect(batched.every((c) => c.shapes.every((s) => s.length === 3 && s[0] === 2 * 2))).toBe(true);
    expect(calls.filter((c) => c.shapes.every((s) => s.length === 2) && (c.transposeA || c.transposeB))).toEqual([]);
    const r = result as Awaited<ReturnType<typeof model.trainStep>> | null;
    if (r) {
      disposeCarry(r.carry);
      for (const g of r.grads.values()) g.dispose();
      r.puzzleEmbGrad?.grad.dispose();
      for (const t of [r.outputs.logits, r.outputs.qHalt, r.outputs.qContinue]) t.dispose();
    }
    disposeCarry(carry);
    model.dispose();
  });
});
