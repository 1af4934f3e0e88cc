import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "./backend.js";
import { block, blockParamSpecs, blockWeights, type BlockConfig } from "./block.js";
import { createVariables } from "./param-spec.js";
import { createRng } from "@trm/data";
import { ropeTables } from "./rope.js";
import { finiteDiff, maxRelErr, randTensor } from "./test-utils/finite-diff.js";

describe("block", () => {
  beforeAll(async () => {
    await useBackend("wasm", { log: null });
  });

  it("names its tensors officially with [out, in] shapes", () => {
    const att = blockParamSpecs("inner.L_level.layers.0", { hiddenSize: 512, numHeads: 8, expansion: 4, positions: 97, mlpT: false, eps: 1e-5 });
    expect(att.map((p) => [p.name, p.shape])).toEqual([
      ["inner.L_level.layers.0.self_attn.qkv_proj.weight", [1536, 512]],
      ["inner.L_level.layers.0.self_attn.o_proj.weight", [512, 512]],
      ["inner.L_level.layers.0.mlp.gate_up_proj.weight", [3072, 512]],
      ["inner.L_level.layers.0.mlp.down_proj.weight", [512, 1536]],
    ]);
    const mlp = blockParamSpecs("inner.L_level.layers.1", { hiddenSize: 512, numHeads: 8, expansion: 4, positions: 97, mlpT: true, eps: 1e-5 });
    expect(mlp.slice(0, 2).map((p) => [p.name, p.shape])).toEqual([
      ["inner.L_level.layers.1.mlp_t.gate_up_proj.weight", [1024, 97]],
      ["inner.L_level.layers.1.mlp_t.down_proj.weight", [97, 512]],
    ]);
  });

  for (const mlpT of [false, true]) {
    it(`has the finite-difference gradient (${mlpT ? "mlp_t" : "attention"})`, () => {
      const cfg: BlockConfig = { hiddenSize: 8, numHeads: 2, expansion: 1, positions: 3, mlpT, eps: 1e-5 };
      const specs = blockParamSpecs("b", cfg);
      const vars = createVariables(specs, createRng(1), false);
      const names = specs.map((s) => s.name);
      const inputs = [randTensor([2 * 3, 8], 4), ...names.map((n) => tf.transpose(vars.get(n)!))];
      const ctx = { batch: 2, seq: 3, numHeads: 2, eps: 1e-5, rope: mlpT ? null : ropeTables(4, 3) };
      const c = randTensor([6, 8], 8);
      const f = (...xs: tf.Tensor[]) => {
        const w = blockWeights("b", cfg, (n) => xs[1 + names.indexOf(n)] as tf.Tensor2D);
        return tf.sum<tf.Scalar>(tf.mul(block(xs[0] as tf.Tensor2D, w, ctx), c));
      };
      const g = tf.grads(f)(inputs);
      for (let k = 0; k < inputs.length; k++) expect(maxRelErr(g[k]!.dataSync(), finiteDiff(f, inputs, k, 1e-2, 12), 1e-1)).toBeLessThan(5e-2);
    });
  }
});
