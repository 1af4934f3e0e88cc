import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "@trm/core";
import { beforeAll, describe, expect, it } from "vitest";
import type { BenchConfig } from "./configs.js";
import { createModel, createTrainLoop, randomBatch } from "./model-bench.js";

// A tiny TRM-MLP (mlp_t) with the shapes' structure of trm-mlp-sudoku: the hot path must stay on the wasm fast path.
const TINY_MLP: BenchConfig = {
  name: "trm-mlp-test",
  kind: "trm",
  description: "tiny mlp_t for the kernel-list test",
  batch: 4,
  model: {
    seq_len: 9, vocab_size: 5, num_puzzle_identifiers: 1, hidden_size: 32, num_heads: 2, expansion: 4, L_layers: 2,
    H_cycles: 2, L_cycles: 2, mlp_t: true, pos_encodings: "none", puzzle_emb_ndim: 32, puzzle_emb_len: 4,
    halt_max_steps: 4, halt_exploration_prob: 0.1,
  },
};

interface KernelUse {
  readonly name: string;
  readonly shapes: readonly (readonly number[] | undefined)[];
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

describe("kernels of one trm mlp_t training step on wasm", () => {
  let kernels: KernelUse[] = [];
  let tensorsBefore = 0;
  const tensorsAfter: number[] = [];

  beforeAll(async () => {
    // The pure-wasm kernels: the optional native ones take every product shape and need no fast-path layout.
    await useBackend("wasm", { log: null, native: false });
    const model = createModel(TINY_MLP);
    const loop = createTrainLoop(model, randomBatch(TINY_MLP.batch, 9, 5));
    await loop.step(); // optimiser moments exist from here on
    tensorsBefore = tf.memory().numTensors;
    // tf.profile lists kernels, not their attributes: read the transpose flags off the BatchMatMul kernel calls.
    const flags: { transposeA: boolean; transposeB: boolean }[] = [];
    const original = tf.getKernel("BatchMatMul", "wasm");
    if (!original) throw new Error("wasm has no BatchMatMul kernel");
    tf.unregisterKernel("BatchMatMul", "wasm");
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
        flags.push({ transposeA: attrs.transposeA, transposeB: attrs.transposeB });
        return original.kernelFunc(args);
      },
    });
    try {
      const info = await tf.profile(() => loop.step());
      let mm = 0;
      kernels = info.kernels.map((k) => {
        if (k.name !== "BatchMatMul") return { name: k.name, shapes: k.inputShapes };
        const f = flags[mm++];
        return { name: k.name, shapes: k.inputShapes, transposeA: f?.transposeA, transposeB: f?.transposeB };
      });
      expect(mm).toBe(flags.length);
    } finally {
      tf.unregisterKernel("BatchMatMul", "wasm");
      tf.registerKernel(original);
    }
    for (let i = 0; i < 3; i++) {
      await loop.step();
      tensorsAfter.push(tf.memory().numTensors);
    }
    loop.dispose();
    model.dispose();
  });

  it("runs matrix products (and the gradient) through BatchMatMul", () => {
    const mm = kernels.filter((k) => k.name === "BatchMatMul");
    // Forward of 2 cycles x 3 net calls x 2 blocks x 4 products, plus the backward of the last cycle: well over 48.
    expect(mm.length).toBeGreaterThan(48);
  });

  it("has no BatchMatMul with a transpose flag or a batch dimension", () => {
    const bad = kernels.filter(
      (k) => k.name === "BatchMatMul" && (k.transposeA === true || k.transposeB === true || k.shapes.some((s) => s !== undefined && s.length !== 2)),
    );
    expect(bad.map((k) => `${JSON.stringify(k.shapes)} tA=${String(k.transposeA)} tB=${String(k.transposeB)}`)).toEqual([]);
  });

  it("uses no kernel the wasm backend lacks (UnsortedSegmentSum for gather's gradient)", () => {
    expect(kernels.some((k) => k.name === "UnsortedSegmentSum")).toBe(false);
  });

  it("keeps tf.memory().numTensors flat across steps", () => {
    expect(tensorsAfter).toEqual([tensorsBefore, tensorsBefore, tensorsBefore]);
  });
});
